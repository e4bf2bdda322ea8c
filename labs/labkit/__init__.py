"""labkit — helpers for the dlcv-labs notebooks.

Self-checks (:func:`check`), numeric gradient tools, plotting helpers and offline data sets. labkit ships to
students: it holds no solution code and no hidden tests, and imports neither ``solutions`` nor ``autograder``.
Plotting and data helpers import matplotlib and scikit-learn only when called.
"""

from .gradcheck import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from .selfcheck import CheckFailure, check, check_all

__all__ = [
    "CheckFailure",
    "check",
    "check_all",
    "eval_numerical_gradient",
    "eval_numerical_gradient_array",
    "rel_error",
]
