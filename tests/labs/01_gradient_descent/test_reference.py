"""Oracle tests for solutions/gradient_descent.py (Lab 1: gradient descent).

PyTorch (float64, autograd) is the independent implementation every derivative, gradient, Hessian and descent step
is compared with; closed forms check what PyTorch cannot: the central difference's error of exactly h² on a cubic,
the geometric trajectory (1 - 2 lr)^t x0 on x², and the class of a Hessian built from chosen eigenvalues.
"""

import math

import numpy as np
import pytest
import torch
from oracle import DT, t

from solutions import gradient_descent as gd


def _autograd(fn, x):
    """d/dx of ``sum(fn(x))`` by PyTorch, at the float64 point(s) ``x``."""
    x = t(x, grad=True)
    fn(x).sum().backward()
    return x.grad.numpy()


def _torch_nonconvex(v):
    x, y = v[..., 0], v[..., 1]
    return x**4 / 4 + x**3 / 3 - x**2 + y**2


RNG_SHAPES = [(), (5,), (3, 4)]


# ------------------------------------------------------------------------------------------ bowl functions


@pytest.mark.parametrize("shape", RNG_SHAPES)
def test_f_and_df_are_x_squared_and_its_autograd_derivative(shape):
    x = np.random.default_rng(1).normal(scale=3, size=shape)
    np.testing.assert_allclose(gd.f(x), t(x).pow(2).numpy(), rtol=1e-15)
    np.testing.assert_allclose(gd.df(x), _autograd(lambda z: z**2, x), rtol=1e-15)


@pytest.mark.parametrize("shape", [(2,), (7, 2), (3, 4, 2)])
def test_f_2d_and_df_2d_match_autograd_on_points_and_grids(shape):
    v = np.random.default_rng(2).normal(size=shape)
    np.testing.assert_allclose(gd.f_2d(v), t(v).pow(2).sum(dim=-1).numpy(), rtol=1e-14)
    np.testing.assert_allclose(gd.df_2d(v), _autograd(lambda z: z.pow(2).sum(dim=-1), v), rtol=1e-15)
    assert np.shape(gd.f_2d(v)) == shape[:-1] and gd.df_2d(v).shape == shape


# ------------------------------------------------------------------------------------------ numerical derivatives


@pytest.mark.parametrize("fn, torch_fn", [(np.sin, torch.sin), (np.exp, torch.exp), (lambda x: x**4 - 3 * x,
                                                                                       lambda x: x**4 - 3 * x)],
                         ids=["sin", "exp", "quartic"])
def test_numerical_derivative_agrees_with_autograd_to_h_squared(fn, torch_fn):
    x = np.linspace(-2, 2, 9)
    exact = _autograd(torch_fn, x)
    np.testing.assert_allclose(gd.numerical_derivative(fn, x), exact, rtol=1e-8, atol=1e-9)
    # with a large step the central difference's error is about h² f'''(x) / 6, well under h² for these functions
    assert np.max(np.abs(gd.numerical_derivative(fn, x, h=1e-2) - exact)) < 1e-2**2 * 100


@pytest.mark.parametrize("h", [0.5, 0.1, 0.01])
def test_numerical_derivative_of_a_cubic_is_off_by_exactly_h_squared(h):
    """(( x + h)³ - (x - h)³) / 2h = 3x² + h²: a one-sided difference would be off by 3xh + h² instead."""
    x = np.array([-1.5, 0.0, 0.25, 2.0])
    np.testing.assert_allclose(gd.numerical_derivative(lambda z: z**3, x, h=h), 3 * x**2 + h**2, rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize("D", [1, 2, 6])
def test_numerical_gradient_agrees_with_autograd_and_leaves_x_alone(D):
    x = np.random.default_rng(D).normal(size=D)
    before = x.copy()
    weights = np.arange(1.0, D + 1)

    def fn(z):
        return float(np.sum(np.sin(z) * z**2 * weights) + np.prod(np.cos(z)))

    exact = _autograd(lambda z: (torch.sin(z) * z**2 * t(weights)).sum() + torch.prod(torch.cos(z)), x)
    grad = gd.numerical_gradient(fn, x)
    np.testing.assert_allclose(grad, exact, rtol=1e-7, atol=1e-9)
    assert grad.shape == (D,) and grad.dtype == np.float64
    np.testing.assert_array_equal(x, before)


# ------------------------------------------------------------------------------------------ gradient descent


@pytest.mark.parametrize("lr", [0.01, 0.1, 0.4, 0.75])
def test_descent_on_x_squared_is_the_geometric_sequence(lr):
    """On f(x) = x², x_{t+1} = (1 - 2 lr) x_t: the trajectory is x0 (1 - 2 lr)^t."""
    trajectory = gd.gradient_descent(gd.df, 3.0, lr, eps=0.0, max_steps=20)
    np.testing.assert_allclose(trajectory, 3.0 * (1 - 2 * lr) ** np.arange(21), rtol=1e-12, atol=1e-300)


def test_descent_stops_at_the_first_point_whose_gradient_is_below_eps():
    lr, eps, x0 = 0.1, 1e-3, 2.0
    trajectory = gd.gradient_descent(gd.df, x0, lr, eps=eps)
    # |2 x0 0.8^T| < eps first at T = ceil(log(eps / (2 x0)) / log(0.8))
    steps = math.ceil(math.log(eps / (2 * x0)) / math.log(1 - 2 * lr))
    assert len(trajectory) == steps + 1
    assert abs(2 * trajectory[-1]) < eps <= abs(2 * trajectory[-2])


def test_in_d_dimensions_the_stopping_rule_is_the_euclidean_norm():
    """On ½|v|² with lr = ½ from (1, 1, 1, 1) the gradient is 0.5^t (1, 1, 1, 1), of norm 2 · 0.5^t: below 0.1
    first at t = 5 (its largest entry already at t = 4)."""
    trajectory = gd.gradient_descent(lambda v: v, np.ones(4), 0.5, eps=0.1)
    np.testing.assert_allclose(trajectory, np.outer(0.5 ** np.arange(6), np.ones(4)), rtol=1e-15)


@pytest.mark.parametrize("lr", [0.05, 0.2])
def test_descent_on_a_quadratic_bowl_takes_torch_sgds_steps(lr):
    """f(v) = ½ vᵀAv - bᵀv in 3-D: every point of the trajectory is torch.optim.SGD's, gradients by autograd."""
    rng = np.random.default_rng(7)
    M = rng.normal(size=(3, 3))
    A, b, x0 = M @ M.T + np.eye(3), rng.normal(size=3), rng.normal(size=3)
    A_t, b_t = t(A), t(b)

    def torch_f(v):
        return 0.5 * v @ A_t @ v - b_t @ v

    def df(v):
        return _autograd(torch_f, v)

    trajectory = gd.gradient_descent(df, x0, lr, eps=1e-8, max_steps=25)
    p = torch.tensor(x0, dtype=DT, requires_grad=True)
    sgd = torch.optim.SGD([p], lr=lr)
    expected = [p.detach().clone().numpy()]
    for _ in range(25):
        sgd.zero_grad()
        torch_f(p).backward()
        if torch.linalg.norm(p.grad) < 1e-8:
            break
        sgd.step()
        expected.append(p.detach().clone().numpy())
    assert trajectory.shape == (len(expected), 3)
    np.testing.assert_allclose(trajectory, np.array(expected), rtol=1e-12, atol=1e-14)


def test_learning_rate_verdicts_follow_the_size_of_1_minus_2_lr():
    """|1 - 2 lr| < 1 converges, = 1 oscillates between x0 and -x0, > 1 diverges."""
    def verdict(lr):
        factor = abs(1 - 2 * lr)
        return "converges" if factor < 1 else "oscillates" if factor == 1 else "diverges"

    verdicts = gd.learning_rate_verdicts()
    assert verdicts == {lr: verdict(lr) for lr in gd.LEARNING_RATES}
    assert set(verdicts.values()) <= set(gd.VERDICTS)
    oscillating = gd.gradient_descent(gd.df, 1.0, 1.0, eps=0.0, max_steps=4)
    np.testing.assert_array_equal(oscillating, [1.0, -1.0, 1.0, -1.0, 1.0])


# ------------------------------------------------------------------------------------------ chain rule


def test_chain_rule_derivative_is_autograds_and_the_expanded_polynomial():
    x = np.linspace(-1.5, 1.5, 13)
    np.testing.assert_allclose(gd.chain_rule_derivative(x), _autograd(lambda z: (3 * z**3 + 2) ** 2, x), rtol=1e-13,
                               atol=1e-13)
    np.testing.assert_allclose(gd.chain_rule_derivative(x), 54 * x**5 + 36 * x**2, rtol=1e-12, atol=1e-12)


# ------------------------------------------------------------------------------------------ non-convex surface


@pytest.mark.parametrize("shape", [(2,), (9, 2), (2, 3, 2)])
def test_nonconvex_f_and_grad_match_autograd(shape):
    v = np.random.default_rng(3).uniform(-3, 2, size=shape)
    np.testing.assert_allclose(gd.nonconvex_f(v), _torch_nonconvex(t(v)).numpy(), rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(gd.nonconvex_grad(v), _autograd(_torch_nonconvex, v), rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("point", [(-2.0, 0.0), (1.0, 0.0), (0.0, 0.0), (0.7, -1.3)])
def test_nonconvex_hessian_is_autograds(point):
    expected = torch.autograd.functional.hessian(_torch_nonconvex, t(point)).numpy()
    np.testing.assert_allclose(gd.nonconvex_hessian(np.array(point)), expected, rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("point, kind", [((-2.0, 0.0), "minimum"), ((1.0, 0.0), "minimum"),
                                         ((0.0, 0.0), "saddle point")])
def test_the_critical_points_of_the_surface_are_classified_by_their_hessian(point, kind):
    point = np.array(point)
    np.testing.assert_allclose(_autograd(_torch_nonconvex, point), 0.0, atol=1e-15)
    hessian = torch.autograd.functional.hessian(_torch_nonconvex, t(point)).numpy()
    assert gd.classify_critical_point(hessian) == kind


@pytest.mark.parametrize("eigenvalues, kind", [
    ([1.0, 2.0, 5.0], "minimum"),
    ([-1.0, -0.5, -3.0], "maximum"),
    ([-1.0, 2.0, 4.0], "saddle point"),
    ([0.0, 2.0, 4.0], "degenerate"),
    ([0.0, -2.0, -4.0], "degenerate"),
    ([1e-10, 1.0, 1.0], "degenerate"),  # below tol: counts as zero
])
def test_classify_critical_point_on_hessians_with_chosen_eigenvalues(eigenvalues, kind):
    Q, _ = np.linalg.qr(np.random.default_rng(5).normal(size=(3, 3)))
    hessian = Q @ np.diag(eigenvalues) @ Q.T
    hessian = (hessian + hessian.T) / 2
    assert gd.classify_critical_point(hessian) == kind


@pytest.mark.parametrize("x0, minimum", [((-3.0, 1.0), -2.0), ((-0.5, 0.5), -2.0), ((0.5, -1.0), 1.0),
                                         ((2.5, 2.0), 1.0)])
def test_descent_on_the_surface_ends_in_the_minimum_of_its_basin(x0, minimum):
    """The basins of x³ + x² - 2x: left of the saddle at x = 0 the global minimum, right of it the local one."""
    trajectory = gd.gradient_descent(gd.nonconvex_grad, np.array(x0), 0.05, eps=1e-10, max_steps=5000)
    np.testing.assert_allclose(trajectory[-1], [minimum, 0.0], atol=1e-9)
    values = _torch_nonconvex(t(trajectory)).numpy()
    assert np.all(np.diff(values) <= 1e-15)  # every step goes downhill at this learning rate
