"""Numeric gradients by central differences, and the relative error used to compare them with analytic ones."""

import numpy as np


def rel_error(a, b):
    """Largest element-wise relative error between two arrays.

    Computes ``max(|a - b| / max(1e-8, |a| + |b|))``: about 1e-7 or less means two float64 gradients agree;
    1e-2 or more almost always means a bug.

    Parameters
    ----------
    a, b : array_like, same shape

    Returns
    -------
    float
    """
    a = np.asarray(a, dtype=float)
    b = np.asarray(b, dtype=float)
    if a.shape != b.shape:
        raise ValueError(f"rel_error needs arrays of one shape, got {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def eval_numerical_gradient(f, x, h=1e-5):
    """Numeric gradient of a scalar function at ``x`` by central differences.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``x`` and returns a float.
    x : ndarray of any shape, float64
        The point. Each entry is nudged in place by +h and -h and restored before returning.
    h : float
        Step size.

    Returns
    -------
    ndarray, same shape as ``x``
        df/dx estimated entry by entry.
    """
    x = np.asarray(x)
    if not np.issubdtype(x.dtype, np.floating):
        raise TypeError(f"x must hold floats to be nudged by h, got dtype {x.dtype}; convert it with x.astype(float)")
    grad = np.zeros_like(x, dtype=float)
    with np.nditer(x, flags=["multi_index"], op_flags=["readwrite"]) as it:
        for entry in it:
            index = it.multi_index
            original = float(entry)
            x[index] = original + h
            f_plus = f(x)
            x[index] = original - h
            f_minus = f(x)
            x[index] = original
            grad[index] = (f_plus - f_minus) / (2 * h)
    return grad


def eval_numerical_gradient_array(f, x, dout, h=1e-5):
    """Numeric gradient of ``sum(f(x) * dout)`` with respect to ``x``, the check for a layer's backward pass.

    Parameters
    ----------
    f : callable
        Takes an array shaped like ``x`` and returns an array shaped like ``dout``.
    x : ndarray of any shape, float64
        The input, nudged in place and restored.
    dout : ndarray
        Upstream gradient, same shape as ``f(x)``.
    h : float
        Step size.

    Returns
    -------
    ndarray, same shape as ``x``
    """
    dout = np.asarray(dout, dtype=float)
    return eval_numerical_gradient(lambda value: float(np.sum(f(value) * dout)), x, h)
