"""What counts as an answer of floats: the one rule that the public self-checks and the hidden grader share, so a
self-check never passes what the grader then rejects for its type, dtype or shape."""

import numpy as np


def as_float_array(got, allow_scalar=False):
    """``(array, None)`` for an acceptable answer, or ``(None, problem)`` saying what is wrong with it.

    Accepted: NumPy arrays of a float dtype; with ``allow_scalar`` also Python and NumPy real scalars (and 0-d
    arrays). Rejected: None, lists and tuples, integer, complex, boolean and object arrays, anything else. The
    problem reads after the name of the value, e.g. "the result" + " has dtype int64; it should hold floats".
    """
    if got is None:
        return None, "is None: did you forget a `return`?"
    if isinstance(got, np.ndarray) and got.ndim > 0:
        if got.dtype.kind != "f":
            return None, f"has dtype {got.dtype}; it should hold floats (float64)"
        return got.astype(np.float64), None
    scalar = got if not isinstance(got, np.ndarray) else got[()]
    if allow_scalar and (type(scalar) in (int, float) or isinstance(scalar, (np.integer, np.floating))):
        try:
            return np.asarray(float(scalar)), None
        except OverflowError:
            return None, "is an integer too large to be a float; expected a float"
    if isinstance(got, (list, tuple)):
        return None, f"is a {type(got).__name__}; return a NumPy array (np.array(...))"
    kind = "a scalar" if allow_scalar else "a NumPy array"
    return None, f"is {type(got).__name__} {str(got)[:40]!s}; expected {kind} of floats"


def as_int_array(got):
    """``(array, None)`` for labels or indices given as an integer NumPy array, or ``(None, problem)``."""
    if got is None:
        return None, "is None: did you forget a `return`?"
    if not isinstance(got, np.ndarray):
        return None, f"is a {type(got).__name__}; return a NumPy array of integers"
    if got.dtype.kind not in "iu":
        return None, f"has dtype {got.dtype}; it should hold integers (np.argmax gives int64)"
    return got, None
