"""labkit, the students' helper package: gradient checks, data, plotting."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from labkit import eval_numerical_gradient, eval_numerical_gradient_array, rel_error
from labkit.data import load_digits, load_sample_image
from labkit.plotting import plot_contours, plot_curves, plot_function

finite = st.floats(-1e3, 1e3, allow_nan=False)


@given(arrays(np.float64, st.integers(1, 6), elements=finite))
@settings(max_examples=50, deadline=None)
def test_rel_error_is_zero_for_equal_arrays_and_symmetric(a):
    b = a + 1.0
    assert rel_error(a, a) == 0.0
    assert rel_error(a, b) == rel_error(b, a) <= 1.0


def test_rel_error_rejects_mismatched_shapes():
    with pytest.raises(ValueError, match="one shape"):
        rel_error(np.zeros(2), np.zeros(3))


def test_numerical_gradient_matches_the_closed_form_and_restores_x():
    rng = np.random.default_rng(0)
    matrix, x = rng.normal(size=(4, 4)), rng.normal(size=4)
    original = x.copy()
    grad = eval_numerical_gradient(lambda v: float(v @ matrix @ v), x)
    assert rel_error(grad, (matrix + matrix.T) @ x) < 1e-8
    np.testing.assert_array_equal(x, original)


def test_numerical_gradient_of_a_layer_is_the_vector_jacobian_product():
    rng = np.random.default_rng(1)
    x, w, dout = rng.normal(size=(3, 2, 2)), rng.normal(size=(4, 5)), rng.normal(size=(3, 5))
    grad = eval_numerical_gradient_array(lambda v: v.reshape(3, -1) @ w, x, dout)
    assert rel_error(grad, (dout @ w.T).reshape(x.shape)) < 1e-8


def test_numerical_gradient_needs_floats():
    with pytest.raises(TypeError, match="astype"):
        eval_numerical_gradient(lambda v: 0.0, np.arange(3))


def test_digits_are_scaled_split_and_filterable():
    X_train, y_train, X_test, y_test = load_digits()
    assert X_train.shape[1] == 64 and X_train.dtype == np.float64
    assert len(X_train) + len(X_test) == 1797 and 0.0 == X_train.min() and X_train.max() == 1.0
    assert set(np.unique(y_test)) == set(range(10))
    X2, y2, _, _ = load_digits(classes=(0, 1))
    assert set(np.unique(y2)) == {0, 1} and len(X2) < 400


def test_sample_photos_load_in_gray_and_color():
    gray, color = load_sample_image("china.jpg"), load_sample_image("flower.jpg", gray=False)
    assert gray.ndim == 2 and color.shape[-1] == 3 and gray.shape == color.shape[:2]
    assert 0.0 <= gray.min() and gray.max() <= 1.0


def test_plot_helpers_draw_what_they_are_given():
    ax = plot_curves({"a": [1.0, 0.5, 0.25], "b": [1.0, np.inf, 0.0]}, logy=True)
    assert [len(line.get_xdata()) for line in ax.get_lines()] == [3, 1]  # inf and 0 cannot be drawn on a log axis
    path = np.array([[1.0, 1.0], [0.5, 0.5], [0.0, 0.0]])
    ax = plot_contours(lambda v: np.sum(v**2, axis=-1), (-1, 1), (-1, 1), [path], labels=["gd"])
    assert np.array_equal(ax.get_lines()[0].get_xydata(), path)
    ax = plot_function(np.square, (-1, 1), points=[0.5, 0.0])
    assert len(ax.get_lines()) == 2
    matplotlib.pyplot.close("all")
