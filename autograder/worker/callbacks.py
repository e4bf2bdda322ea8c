"""Callbacks: functions (and objects) the hidden tests pass to student code (a callable cannot cross the sandbox
boundary, a name can).

``make(name, params)`` makes them. Callbacks are evaluated in the trusted grader only: the student's code gets
a stand-in that calls back for every value, so no parameter of a callback (a polynomial's coefficients,
a quadratic's centre) can be read from the worker's memory. Objects in ``BUILT_IN_WORKER`` (a seeded random
generator, whose seed is no secret) are built inside the worker from their parameters.
"""

import numpy as np


def _polynomial(coeffs):
    """Element-wise polynomial, highest power first (as ``np.polyval``)."""
    coeffs = np.asarray(coeffs, dtype=float)
    return lambda x: np.polyval(coeffs, x)


def _linear_gradient(scale, center):
    """x -> scale @ (x - center) (or scale * (x - center) for scalars): the gradient of 1/2 (x-c)^T A (x-c)."""
    scale = np.asarray(scale, dtype=float)
    center = np.asarray(center, dtype=float)
    if scale.ndim == 2:
        return lambda x: scale @ (np.asarray(x, dtype=float) - center)
    return lambda x: scale * (np.asarray(x, dtype=float) - center)


def _quadratic_form(matrix, vector, constant):
    """x -> 1/2 x^T A x + b^T x + c for x of shape (D,), returning a float."""
    matrix = np.asarray(matrix, dtype=float)
    vector = np.asarray(vector, dtype=float)

    def fn(x):
        x = np.asarray(x, dtype=float)
        return float(0.5 * x @ matrix @ x + vector @ x + constant)

    return fn


def _sine_mix(weights, phases):
    """x -> sum_i w_i sin(x_i + phase_i) for x of shape (D,), returning a float (not a polynomial)."""
    weights = np.asarray(weights, dtype=float)
    phases = np.asarray(phases, dtype=float)
    return lambda x: float(np.sum(weights * np.sin(np.asarray(x, dtype=float) + phases)))


def _default_rng(seed):
    """A fresh ``np.random.default_rng(seed)``: a random generator argument (e.g. ``rng`` of ``kfold_indices``)."""
    return np.random.default_rng(seed)


def _rosenbrock_gradient(a, b):
    """(x, y) -> the gradient of (a - x)^2 + b (y - x^2)^2 at a point of shape (2,) (Lab 5's curved valley)."""
    a, b = float(a), float(b)

    def fn(p):
        x, y = (float(v) for v in np.asarray(p, dtype=float))
        return np.array([-2.0 * (a - x) - 4.0 * b * x * (y - x * x), 2.0 * b * (y - x * x)])

    return fn


_MAKERS = {
    "polynomial": _polynomial,
    "linear_gradient": _linear_gradient,
    "quadratic_form": _quadratic_form,
    "sine_mix": _sine_mix,
    "default_rng": _default_rng,
    "rosenbrock_gradient": _rosenbrock_gradient,
}


BUILT_IN_WORKER = frozenset({"default_rng"})


def make(name, params):
    """The callback ``name`` with keyword parameters ``params``."""
    try:
        factory = _MAKERS[name]
    except KeyError:
        raise ValueError(f"unknown test function {name!r}") from None
    return factory(**params)
