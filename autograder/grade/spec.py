"""The vocabulary of hidden specs: declare tests, call the student's code, compare with the reference.

A hidden spec (``autograder/hidden/NN_name.py``) creates ``spec = Spec(...)`` and registers tests::

    @spec.test("gradient_descent", points=2)
    def first_steps_on_a_scalar_quadratic(rng, student):
        '''the first steps on a random 1-D quadratic match the update rule'''
        df = FnRef("linear_gradient", scale=..., center=...)
        got = student.gradient_descent(df, x0, lr, eps=0.0, max_steps=5)
        expect_close(got, ref.gradient_descent(df_local, ...), "the trajectory")

``rng`` is a NumPy generator seeded from the submission's seed and the test's position, so a test draws the same
inputs whenever the same seed is replayed. ``student.NAME(...)`` runs the student's ``NAME`` in the sandbox and
returns plain decoded data, or raises :class:`StudentCodeError` with a message for the student. Failure messages
say which property failed and by how much, never the hidden inputs or the reference's values.
"""

from dataclasses import dataclass

import numpy as np
from labkit import eval_numerical_gradient

from ..worker import testfns
from ..worker.protocol import FnRef, Unsupported

__all__ = ["FnRef", "Spec", "StudentCodeError", "TestFailure", "as_array", "expect_close", "expect_equal", "local_fn",
           "numeric_gradient", "rel_error"]

H = 1e-5  # step of every central difference in the hidden specs


class TestFailure(AssertionError):
    """The student's answer is wrong; the message is shown to the student."""

    __test__ = False  # not a pytest test class


class StudentCodeError(RuntimeError):
    """The student's code could not produce an answer (missing, raised, timed out, crashed)."""


@dataclass(frozen=True)
class TestCase:
    """One hidden test: a function of (rng, student) worth ``points`` for ``exercise``."""

    exercise: str
    name: str
    description: str
    points: float
    fn: object
    timeout: float | None = None

    __test__ = False


class Spec:
    """The hidden tests of one lab, in the order they were declared.

    Parameters
    ----------
    lab : str
        The lab id, e.g. ``"01_gradient_descent"``.
    exercises : dict of str -> str
        Exercise name (the notebook cell's grade id) -> a title for feedback, in notebook order.
    """

    def __init__(self, lab, exercises):
        self.lab = lab
        self.exercises = dict(exercises)
        self.tests = []

    def test(self, exercise, points=1, timeout=None):
        """Register the decorated ``fn(rng, student)`` as a test of ``exercise`` worth ``points``."""
        if exercise not in self.exercises:
            raise ValueError(f"{self.lab}: test for unknown exercise {exercise!r}")

        def register(fn):
            description = (fn.__doc__ or fn.__name__).strip().splitlines()[0]
            self.tests.append(TestCase(exercise, fn.__name__, description, points, fn, timeout))
            return fn

        return register

    def max_score(self, exercise=None):
        return sum(t.points for t in self.tests if exercise is None or t.exercise == exercise)


def local_fn(ref):
    """The trusted-side callable of a :class:`FnRef`, to hand to the reference implementation."""
    return testfns.build(ref.name, ref.params)


def as_array(got, what, allow_scalar=False):
    """The student's value as a float64 array, or a :class:`TestFailure` saying why it is not acceptable.

    Accepts NumPy arrays of a float dtype; with ``allow_scalar`` also Python and NumPy real scalars (and 0-d
    arrays). Rejects lists, integer, complex, boolean and object values, and anything that is not plain data.
    """
    if isinstance(got, Unsupported):
        raise TestFailure(f"{what} is a {got.type_name}; return a NumPy array of floats")
    if got is None:
        raise TestFailure(f"{what} is None: did you forget a `return`?")
    if isinstance(got, np.ndarray) and got.ndim > 0:
        if got.dtype.kind != "f":
            raise TestFailure(f"{what} has dtype {got.dtype}; it should hold floats (float64)")
        return got.astype(np.float64)
    scalar = got if not isinstance(got, np.ndarray) else got[()]
    if allow_scalar and (type(scalar) in (int, float) or isinstance(scalar, (np.integer, np.floating))):
        try:
            return np.asarray(float(scalar))
        except OverflowError:
            raise TestFailure(f"{what} is an integer too large to be a float; expected a float") from None
    if isinstance(got, (list, tuple)):
        raise TestFailure(f"{what} is a {type(got).__name__}; return a NumPy array (np.array(...))")
    kind = "a scalar" if allow_scalar else "a NumPy array"
    raise TestFailure(f"{what} is {type(got).__name__} {str(got)[:40]!s}; expected {kind} of floats")


def expect_close(got, expected, what, rtol=1e-7, atol=1e-10, allow_scalar=False):
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
    if got.shape != expected.shape:
        raise TestFailure(f"{what} has shape {got.shape}; expected shape {expected.shape}")
    bad = ~np.isfinite(got) & np.isfinite(expected)
    if bad.any():
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        raise TestFailure(f"{what} contains {got[index]} at index {index} where a finite number was expected")
    with np.errstate(invalid="ignore", over="ignore"):
        error = np.where(np.isfinite(expected), np.abs(got - expected), np.where(got == expected, 0.0, np.inf))
        allowed = atol + rtol * np.abs(np.where(np.isfinite(expected), expected, 0.0))
    if np.any(error > allowed):
        worst = np.unravel_index(np.argmax(error - allowed), error.shape) if error.ndim else ()
        where = f" at index {tuple(int(i) for i in worst)}" if worst else ""
        count = int(np.sum(error > allowed))
        raise TestFailure(
            f"{what} is wrong in {count} of {error.size} entries; the largest error is {error[worst]:.3g}{where}"
            f" (allowed: {atol:g} + {rtol:g}·|expected|)"
        )


def expect_equal(got, expected, what):
    """Fail unless ``got == expected`` exactly, for labels, strings and small answers of plain types."""
    if type(got) is not type(expected) and not (isinstance(got, (int, float)) and isinstance(expected, (int, float))):
        shown = got.type_name if isinstance(got, Unsupported) else type(got).__name__
        raise TestFailure(f"{what} is a {shown}; expected a {type(expected).__name__}")
    if got != expected:
        raise TestFailure(f"{what} is {got!r}, which is not right")


def numeric_gradient(fn, x, h=H):
    """Central-difference gradient of the scalar function ``fn`` at ``x`` (float64), entry by entry.

    The same estimate students use (``labkit.eval_numerical_gradient``), on a working copy of ``x``.

    Parameters
    ----------
    fn : callable
        Maps an array shaped like ``x`` to a float. It receives the working copy, never ``x`` itself.
    x : array_like of any shape
    h : float

    Returns
    -------
    ndarray, float64, shape of ``x``
    """
    return eval_numerical_gradient(fn, np.array(x, dtype=np.float64), h)


def rel_error(a, b, ignore_below=0.0):
    """``max(|a - b| / max(1e-8, |a| + |b|))`` over the entries whose absolute difference exceeds ``ignore_below``
    (0.0 when there are none): the course's measure of agreement between two gradients."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    difference = np.abs(a - b)
    relative = difference / np.maximum(1e-8, np.abs(a) + np.abs(b))
    return float(np.max(relative, where=difference > ignore_below, initial=0.0))
