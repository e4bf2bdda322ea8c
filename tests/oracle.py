"""What the oracle tests share: the course's relative error, central differences, float64 tensors for PyTorch."""

import numpy as np
import torch

H = 1e-5
DT = torch.float64


def rel_error(a, b):
    """``max(|a - b| / max(1e-8, |a| + |b|))``: the course's measure of agreement between two gradients."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


def numeric_gradient(f, x, dout=None, h=H):
    """d/dx of ``sum(f(x) * dout)`` (of ``f(x)`` when it returns a number) by central differences, entry by entry,
    on a float64 working copy of ``x`` that ``f`` receives.

    Written here rather than taken from labkit or the grader, so that the oracle tests check the reference against
    an implementation of their own.
    """
    x = np.array(x, dtype=np.float64)
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:  # the numeric check loops over entries by design
        i = it.multi_index
        old = x[i]
        x[i] = old + h
        plus = f(x)
        x[i] = old - h
        minus = f(x)
        x[i] = old
        diff = np.asarray(plus) - np.asarray(minus)
        grad[i] = np.sum(diff * (1.0 if dout is None else dout)) / (2 * h)
    return grad


def t(a, grad=False):
    """A float64 torch tensor of ``a``."""
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=DT, requires_grad=grad)


def strict_fp():
    """Turn overflow / invalid / divide-by-zero into errors. Underflow to 0 is fine."""
    return np.errstate(over="raise", invalid="raise", divide="raise")
