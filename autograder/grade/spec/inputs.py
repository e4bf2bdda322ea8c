"""Random inputs that several hidden specs draw: shapes, exact zeros, labels, sample counts.

Each generator draws from the test's ``rng`` in the order its docstring states, so a spec draws the same inputs for
the same seed (and a result can be replayed) as long as it passes the same arguments in the same order.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

import numpy as np
from numpy.typing import NDArray


def shapes(rng: np.random.Generator, patterns: Iterable[Sequence[int | tuple[int, int]]]) -> list[tuple[int, ...]]:
    """One shape per pattern, in order.

    Parameters
    ----------
    rng : numpy.random.Generator
    patterns : sequence of tuple
        Each entry of a pattern is a fixed size (int) or a ``(low, high)`` range, drawn as
        ``int(rng.integers(low, high))``, entries left to right, patterns in order.

    Returns
    -------
    list of tuple of int
    """
    return [tuple(size if isinstance(size, int) else int(rng.integers(*size)) for size in pattern)
            for pattern in patterns]


def with_zeros(rng: np.random.Generator, values: NDArray[np.float64]) -> NDArray[np.float64]:
    """``values`` (an array, changed in place and returned) with about a third of its entries set to exactly 0.0
    (drawn as ``rng.random(values.shape) < 1/3``) and its first entry always."""
    values[rng.random(values.shape) < 1 / 3] = 0.0
    values.flat[0] = 0.0
    return values


def labels(rng: np.random.Generator, n: int, classes: int) -> NDArray[np.int64]:
    """``n`` random class labels in ``0 .. classes - 1``, an int array of shape (n,) (``rng.integers``)."""
    return rng.integers(0, classes, size=n)


def sample_counts(rng: np.random.Generator, low: int, high: int) -> list[int]:
    """Numbers of samples N to test with: N = 1 and one larger random N in ``[low, high)``."""
    return [1, int(rng.integers(low, high))]
