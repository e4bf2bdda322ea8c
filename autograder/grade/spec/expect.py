"""Checks of a student's decoded value against the reference's, each failing with a :class:`TestFailure` whose
message says which property failed and by how much, never the hidden inputs or the reference's values."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from labkit.acceptance import as_float_array, as_int_array

from ...worker.protocol import Unsupported
from .core import TestFailure
from .numeric import H, rel_error


def count(n: int, noun: str, plural: str | None = None) -> str:
    """``"1 sample"``, ``"5 samples"``: a number with its noun, for messages that read well in the singular."""
    return f"{n} {noun if n == 1 else plural or noun + 's'}"


def kind_of(value: object) -> str:
    """The type name of a decoded value, for messages (a value the worker could not send keeps its own name)."""
    return value.type_name if isinstance(value, Unsupported) else type(value).__name__


def as_array(got: object, what: str, allow_scalar: bool = False) -> NDArray[np.float64]:
    """The student's value as a float64 array, or a :class:`TestFailure` saying why it is not acceptable.

    The rule is labkit's (``labkit.acceptance.as_float_array``), which the public self-checks apply too: float
    arrays, and with ``allow_scalar`` real scalars; never lists, integer, complex, boolean or object values.
    """
    if isinstance(got, Unsupported):
        raise TestFailure(f"{what} is a {got.type_name}; return a NumPy array of floats")
    array, problem = as_float_array(got, allow_scalar)
    if problem:
        raise TestFailure(f"{what} {problem}")
    return array


def _expect_shape(got: NDArray[Any], shape: tuple[int, ...], what: str) -> None:
    if got.shape != shape:
        raise TestFailure(f"{what} has shape {got.shape}; expected shape {shape}")


def _expect_finite_where(got: NDArray[np.float64], expected: NDArray[np.float64], what: str) -> None:
    bad = ~np.isfinite(got) & np.isfinite(expected)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise TestFailure(f"{what} contains {got[index]} at index {index} where a finite number was expected")


def expect_close(got: object, expected: ArrayLike, what: str, rtol: float = 1e-7, atol: float = 1e-10,
                 allow_scalar: bool = False) -> None:
    """Fail unless the student's ``got`` equals ``expected`` in shape and, within tolerance, in value.

    Parameters
    ----------
    got : object
        Decoded value from the sandbox.
    expected : float or ndarray
        The reference's value (never shown to the student).
    what : str
        Names the value in the message, e.g. ``"the trajectory"``.
    rtol, atol : float
        Entries may differ by ``atol + rtol * |expected|``.
    allow_scalar : bool
        Accept a Python or NumPy scalar (for functions that return one number).
    """
    expected = np.asarray(expected, dtype=np.float64)
    got = as_array(got, what, allow_scalar=allow_scalar or expected.ndim == 0)
    _expect_shape(got, expected.shape, what)
    _expect_finite_where(got, expected, what)
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.where(np.isfinite(expected), np.abs(got - expected), np.where(got == expected, 0.0, np.inf))
        allowed = atol + rtol * np.abs(np.where(np.isfinite(expected), expected, 0.0))
    if np.any(error > allowed):
        worst = np.unravel_index(np.argmax(error - allowed), error.shape) if error.ndim else ()
        where = f" at index {tuple(int(i) for i in worst)}" if worst else ""
        wrong = int(np.sum(error > allowed))
        raise TestFailure(
            f"{what} is wrong in {wrong} of {count(error.size, 'entry', 'entries')}; the largest error is"
            f" {error[worst]:.3g}{where}"
            f" (allowed: {atol:g} + {rtol:g}·|expected|)"
        )


def expect_gradient(got: object, numeric: ArrayLike, what: str, tol: float, ignore_below: float = 0.0) -> None:
    """Fail unless the student's gradient agrees with a numeric one: ``rel_error(got, numeric, ignore_below)``,
    the course's ``max(|a - b| / max(1e-8, |a| + |b|))``, must be at most ``tol``.

    Parameters
    ----------
    got : object
        The student's gradient, decoded from the sandbox.
    numeric : ndarray
        Central differences (``numeric_gradient`` and friends) of a trusted loss.
    what : str
        Names the gradient in the message.
    tol : float
        Each spec states its own, with how it was chosen.
    ignore_below : float
        Entries whose absolute difference is at most this are rounding noise of the central difference.
    """
    numeric = np.asarray(numeric, dtype=np.float64)
    got = as_array(got, what)
    _expect_shape(got, numeric.shape, what)
    _expect_finite_where(got, numeric, what)
    error = rel_error(got, numeric, ignore_below)
    if not error <= tol:
        step = f"{H:g}".replace("e-0", "e-")  # 1e-5, as the course writes it
        raise TestFailure(f"{what} disagrees with the numeric gradient (central differences, h = {step}): relative"
                          f" error {error:.2g}, allowed {tol:g}")


def expect_equal(got: object, expected: object, what: str) -> None:
    """Fail unless ``got == expected`` exactly, for labels, strings and small answers of plain types."""
    if type(got) is not type(expected) and not (isinstance(got, (int, float)) and isinstance(expected, (int, float))):
        raise TestFailure(f"{what} is a {kind_of(got)}; expected a {type(expected).__name__}")
    if got != expected:
        raise TestFailure(f"{what} is {got!r}, which is not right")


def expect_labels(got: object, expected: ArrayLike, what: str) -> None:
    """Fail unless ``got`` is an integer array (labels, indices) equal to ``expected``; the message counts the
    wrong entries and never shows them."""
    expected = np.asarray(expected)
    if isinstance(got, Unsupported):
        raise TestFailure(f"{what} is a {got.type_name}; return a NumPy array of integers")
    array: NDArray[Any]
    array, problem = as_int_array(got)  # labkit's rule, which the public self-checks apply too
    if problem:
        raise TestFailure(f"{what} {problem}")
    _expect_shape(array, expected.shape, what)
    wrong = int(np.sum(array != expected))
    if wrong:
        raise TestFailure(f"{what} is wrong in {wrong} of {count(expected.size, 'entry', 'entries')}")


def expect_tuple(got: object, names: Sequence[str], call: str) -> tuple[Any, ...] | list[Any]:
    """The student's tuple (or list) of ``len(names)`` values, or a :class:`TestFailure` saying what came back.

    Parameters
    ----------
    got : object
        A decoded return value.
    names : sequence of str
        What the values are, in order, e.g. ``("loss", "dscores")``; they name them in the message.
    call : str
        The call that returned ``got``, e.g. ``"softmax_loss(scores, y)"``.
    """
    expected = f"{call} should return a tuple ({', '.join(names)})"
    if got is None:
        raise TestFailure(f"{call} returned None: did you forget a `return`?")
    if isinstance(got, (tuple, list)):
        if len(got) != len(names):
            raise TestFailure(f"{expected}; it returned a {type(got).__name__} of {len(got)} values")
        return got
    raise TestFailure(f"{expected}; it returned a {kind_of(got)}")
