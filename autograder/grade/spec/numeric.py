"""Numeric gradients and the course's measure of agreement, computed on the trusted side from reference code."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from labkit import eval_numerical_gradient

H = 1e-5  # step of every central difference in the hidden specs


def numeric_gradient(fn: Callable[[NDArray[np.float64]], float], x: ArrayLike, h: float = H) -> NDArray[np.float64]:
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


def numeric_elementwise_gradient(forward: Callable[[NDArray[np.float64]], tuple[Any, Any]], x: NDArray[np.float64],
                                 dout: NDArray[np.float64], h: float = H) -> NDArray[np.float64]:
    """Numeric gradient of ``sum(forward(x)[0] * dout)`` for an ELEMENTWISE ``forward``: every entry of ``x`` is
    nudged at once, which is exact for elementwise functions and costs two calls instead of ``2 * x.size``.

    Parameters
    ----------
    forward : callable
        ``forward(x) -> (out, cache)`` with ``out`` of the shape of ``x``, each entry depending on its own input.
    x, dout : ndarray, float64, any shape (the same)

    Returns
    -------
    ndarray, float64, shape of ``x``
    """
    return (forward(x + h)[0] - forward(x - h)[0]) / (2 * h) * dout


def numeric_input_gradients(forward: Callable[..., tuple[Any, Any]], args: Sequence[Any], dout: NDArray[np.float64],
                            which: Iterable[int], h: float = H) -> list[NDArray[np.float64]]:
    """Numeric gradients of ``sum(forward(*args)[0] * dout)`` with respect to ``args[i]`` for each ``i`` in
    ``which``: what a layer's backward pass must return for the upstream gradient ``dout``.

    Parameters
    ----------
    forward : callable
        A reference forward pass, ``forward(*args) -> (out, cache)``.
    args : sequence
        Its arguments; those named by ``which`` are arrays (or floats), the others are passed unchanged.
    dout : ndarray
        The upstream gradient, of the shape of ``out``.
    which : sequence of int

    Returns
    -------
    list of ndarray, float64, one per index in ``which``, each of the shape of its argument
    """
    gradients = []
    for index in which:
        def loss(value: NDArray[np.float64], index: int = index) -> float:
            nudged = list(args)
            nudged[index] = value
            return float(np.sum(forward(*nudged)[0] * dout))

        gradients.append(numeric_gradient(loss, args[index], h))
    return gradients


def rel_error(a: ArrayLike, b: ArrayLike, ignore_below: float = 0.0) -> float:
    """``max(|a - b| / max(1e-8, |a| + |b|))`` over the entries whose absolute difference exceeds ``ignore_below``
    (0.0 when there are none): the course's measure of agreement between two gradients."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    difference = np.abs(a - b)
    relative = difference / np.maximum(1e-8, np.abs(a) + np.abs(b))
    return float(np.max(relative, where=difference > ignore_below, initial=0.0))
