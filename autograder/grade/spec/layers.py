"""The harness of forward/backward layer pairs, ``X_forward(...) -> (out, cache)`` and ``X_backward(dout, cache)``,
the API of every layer lab (activations, affine, dropout, batch norm, convolution, pooling, ...)."""

from .expect import expect_tuple


def call_forward(student, name, *args, **kwargs):
    """``(out, cache)`` from the student's forward function ``name``, checked to be a pair."""
    return expect_tuple(getattr(student, name)(*args, **kwargs), ("out", "cache"), name)


def call_backward(student, name, dout, cache, names=None):
    """The student's ``name(dout, cache)``: one gradient, or with ``names`` (e.g. ``("dx", "dw", "db")``) a tuple
    of that many gradients, checked for its length.

    The cache should be the one the REFERENCE's forward pass built, as its docstring documents it, so that a
    wrong forward pass costs the forward tests only.
    """
    got = getattr(student, name)(dout, cache)
    return got if names is None else expect_tuple(got, names, name)
