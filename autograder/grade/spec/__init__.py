"""The vocabulary of hidden specs: declare tests, call the student's code, compare with the reference.

A hidden spec (``autograder/hidden/NN_name.py``) imports everything it needs from here, creates
``spec = Spec(...)`` and registers tests::

    @spec.test("gradient_descent", points=2)
    def first_steps_on_a_scalar_quadratic(rng, student):
        '''the first steps on a random 1-D quadratic match the update rule'''
        df = FnRef("linear_gradient", scale=..., center=...)
        got = student.gradient_descent(df, x0, lr, eps=0.0, max_steps=5)
        expect_close(got, ref.gradient_descent(local_fn(df), ...), "the trajectory")

``rng`` is a NumPy generator seeded from the submission's seed and the test's position, so a test draws the same
inputs whenever the same seed is replayed. ``student.NAME(...)`` runs the student's ``NAME`` in the sandbox and
returns plain decoded data, or raises :class:`StudentCodeError` with a message for the student;
``student.NAME.with_arguments(...)`` also returns the arguments as the call left them (state updated in place).
Failure messages say which property failed and by how much, never the hidden inputs or the reference's values.

The vocabulary, one name per idea:

========================  ==========================================================================
skeleton (``core``)       :class:`Spec`, :class:`TestFailure`, :class:`StudentCodeError`
callbacks                 :class:`FnRef`, :func:`local_fn`; :class:`Unsupported` (a value the worker
                          could not send)
values (``expect``)       :func:`as_array`, :func:`expect_close`, :func:`expect_equal`,
                          :func:`expect_labels`, :func:`expect_tuple`, :func:`expect_gradient`,
                          :func:`kind_of`, :func:`count` (a number and its noun)
numerics (``numeric``)    :data:`H`, :func:`numeric_gradient`, :func:`numeric_elementwise_gradient`,
                          :func:`numeric_input_gradients`, :func:`rel_error`
layers (``layers``)       :func:`call_forward`, :func:`call_backward`
inputs (``inputs``)       :func:`shapes`, :func:`with_zeros`, :func:`labels`, :func:`sample_counts`
                          (random inputs several specs draw)
========================  ==========================================================================

Tolerances are not part of the vocabulary: each spec writes its own, with how it was chosen.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ...worker import callbacks
from ...worker.protocol import FnRef, Unsupported
from .core import Spec, StudentCodeError, TestCase, TestFailure
from .expect import as_array, count, expect_close, expect_equal, expect_gradient, expect_labels, expect_tuple, kind_of
from .inputs import labels, sample_counts, shapes, with_zeros
from .layers import call_backward, call_forward
from .numeric import H, numeric_elementwise_gradient, numeric_gradient, numeric_input_gradients, rel_error

__all__ = ["FnRef", "H", "Spec", "StudentCodeError", "TestCase", "TestFailure", "Unsupported", "as_array",
           "call_backward", "call_forward", "count", "expect_close", "expect_equal", "expect_gradient", "expect_labels",
           "expect_tuple", "kind_of", "labels", "local_fn", "numeric_elementwise_gradient", "numeric_gradient",
           "numeric_input_gradients", "rel_error", "sample_counts", "shapes", "with_zeros"]


def local_fn(ref: FnRef) -> Callable[..., Any]:
    """The trusted-side callable of a :class:`FnRef`, to hand to the reference implementation."""
    return callbacks.make(ref.name, ref.params)
