"""Public self-checks for Lab 1 (gradient descent): small cases with answers known in closed form."""

import math

import numpy as np

from ..selfcheck import CheckFailure, expect_close, expect_equal, public_check

POINTS = np.array([-2.0, -0.5, 0.0, 1.5, 3.0])


@public_check("f")
def _f_values(f):
    """f(x) = x² at a few points"""
    expect_close(f(POINTS), POINTS * POINTS, "f(np.array([-2.0, -0.5, 0.0, 1.5, 3.0]))")


@public_check("df")
def _df_values(df):
    """df(x) = 2x at a few points"""
    expect_close(df(POINTS), 2 * POINTS, "df(np.array([-2.0, -0.5, 0.0, 1.5, 3.0]))")


@public_check("f_2d")
def _f_2d_values(f_2d):
    """f(x, y) = x² + y² at one point and on a batch of points"""
    expect_close(f_2d(np.array([3.0, -4.0])), 25.0, "f_2d(np.array([3.0, -4.0]))")
    batch = np.array([[1.0, 2.0], [0.0, 0.0], [-3.0, 1.0]])
    expect_close(f_2d(batch), [5.0, 0.0, 10.0], "f_2d(np.array([[1, 2], [0, 0], [-3, 1]]))")


@public_check("df_2d")
def _df_2d_values(df_2d):
    """the gradient of x² + y² is (2x, 2y)"""
    expect_close(df_2d(np.array([3.0, -4.0])), [6.0, -8.0], "df_2d(np.array([3.0, -4.0]))")


@public_check("numerical_derivative")
def _numerical_derivative_cubic(numerical_derivative):
    """the derivative of x³ at x = 2 is 12"""
    expect_close(numerical_derivative(lambda x: x**3, 2.0), 12.0, "numerical_derivative(lambda x: x**3, 2.0)",
                 rtol=1e-8)


@public_check("numerical_gradient")
def _numerical_gradient_quadratic(numerical_gradient):
    """the gradient of x·x + 3y at (1, 2) is (2, 3), and the input is left unchanged"""
    point = np.array([1.0, 2.0])
    got = numerical_gradient(lambda v: v[0] ** 2 + 3 * v[1], point)
    expect_close(got, [2.0, 3.0], "numerical_gradient(lambda v: v[0]**2 + 3*v[1], np.array([1.0, 2.0]))",
                 rtol=1e-8)
    expect_close(point, [1.0, 2.0], "the point you passed in, after numerical_gradient returned")


def _bowl_gradient(x):
    """Gradient of 3x², a bowl three times steeper than x²."""
    return 6 * x


@public_check("gradient_descent")
def _gd_first_steps(gradient_descent):
    """five steps on f(x) = 3x² from x0 = 1 with lr = 0.05 give x_t = 0.7**t"""
    got = gradient_descent(_bowl_gradient, 1.0, 0.05, eps=0.0, max_steps=5)
    expect_close(got, 0.7 ** np.arange(6), "gradient_descent(lambda x: 6*x, 1.0, 0.05, eps=0.0, max_steps=5)")


@public_check("gradient_descent")
def _gd_stopping_rule(gradient_descent):
    """on f(x) = 3x² it stops at the first x_t with |6 x_t| < eps"""
    eps = 1e-3
    # |6 * 0.7**t| < eps  <=>  t > log(eps / 6) / log(0.7)
    first_small = math.floor(math.log(eps / 6) / math.log(0.7)) + 1
    call = f"gradient_descent(lambda x: 6*x, 1.0, 0.05, eps={eps}, max_steps=1000)"
    got = np.asarray(gradient_descent(_bowl_gradient, 1.0, 0.05, eps=eps, max_steps=1000))
    if got.shape != (first_small + 1,):
        raise CheckFailure(
            f"  call: {call}\n  expected {first_small + 1} points x_0 ... x_{first_small} (the first with"
            f" |grad| < eps is x_{first_small}), got an array of shape {got.shape}"
        )
    expect_close(got, 0.7 ** np.arange(first_small + 1), call)


@public_check("gradient_descent")
def _gd_vectors(gradient_descent):
    """works on vectors: three steps on 3(x² + y²) from (1, -2) with lr = 1/12 halve the point each time"""
    got = gradient_descent(_bowl_gradient, np.array([1.0, -2.0]), 1 / 12, eps=0.0, max_steps=3)
    expected = np.array([1.0, -2.0]) * 0.5 ** np.arange(4)[:, None]
    expect_close(got, expected, "gradient_descent(lambda v: 6*v, np.array([1.0, -2.0]), 1/12, eps=0.0, max_steps=3)")


@public_check("learning_rate_verdicts")
def _verdicts_are_well_formed(learning_rate_verdicts):
    """answers every learning rate of the sweep with one of the allowed verdicts"""
    verdicts = learning_rate_verdicts()
    if not isinstance(verdicts, dict):
        raise CheckFailure(f"  expected a dict mapping learning rates to verdicts, got {type(verdicts).__name__}")
    expect_equal(sorted(verdicts), [0.01, 0.1, 1.0, 100.0, 1000.0], "sorted(learning_rate_verdicts())")
    allowed = {"converges", "oscillates", "diverges"}
    for lr, verdict in verdicts.items():
        if verdict not in allowed:
            raise CheckFailure(f"  the verdict for lr = {lr} is {verdict!r}; use one of {sorted(allowed)}")


@public_check("chain_rule_derivative")
def _chain_rule_at_one(chain_rule_derivative):
    """d/dx (3x³ + 2)² at x = 1 is 54 + 36 = 90"""
    expect_close(chain_rule_derivative(1.0), 90.0, "chain_rule_derivative(1.0)")


@public_check("nonconvex_grad")
def _nonconvex_grad_critical_points(nonconvex_grad):
    """the gradient vanishes at the three critical points (-2, 0), (0, 0) and (1, 0)"""
    points = np.array([[-2.0, 0.0], [0.0, 0.0], [1.0, 0.0]])
    expect_close(nonconvex_grad(points), np.zeros((3, 2)), "nonconvex_grad(np.array([[-2, 0], [0, 0], [1, 0]]))")
    expect_close(nonconvex_grad(np.array([0.0, 1.5])), [0.0, 3.0], "nonconvex_grad(np.array([0.0, 1.5]))")


@public_check("classify_critical_point")
def _classify_diagonal(classify_critical_point):
    """diagonal Hessians: (+, +) is a minimum, (-, -) a maximum, (+, -) a saddle point"""
    for diagonal, expected in (([1.0, 2.0], "minimum"), ([-1.0, -3.0], "maximum"), ([2.0, -0.5], "saddle point")):
        expect_equal(classify_critical_point(np.diag(diagonal)), expected,
                     f"classify_critical_point(np.diag({diagonal}))")
