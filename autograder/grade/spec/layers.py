"""The harness of forward/backward layer pairs, ``X_forward(...) -> (out, cache)`` and ``X_backward(dout, cache)``,
the API of every layer lab (activations, affine, dropout, batch norm, convolution, pooling, ...)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import NDArray

from .core import Student
from .expect import expect_tuple


def call_forward(student: Student, name: str, *args: Any, **kwargs: Any) -> tuple[Any, ...] | list[Any]:
    """``(out, cache)`` from the student's forward function ``name``, checked to be a pair."""
    return expect_tuple(getattr(student, name)(*args, **kwargs), ("out", "cache"), name)


def call_backward(student: Student, name: str, dout: NDArray[np.float64], cache: Any,
                  names: Sequence[str] | None = None) -> Any:
    """The student's ``name(dout, cache)``: one gradient, or with ``names`` (e.g. ``("dx", "dw", "db")``) a tuple
    of that many gradients, checked for its length.

    The cache should be the one the REFERENCE's forward pass built, as its docstring documents it, so that a
    wrong forward pass costs the forward tests only.
    """
    got = getattr(student, name)(dout, cache)
    return got if names is None else expect_tuple(got, names, name)
