"""Hidden tests of Lab 1 (gradient descent). Inputs are random; answers come from the reference module.

Tolerances: values the student computes with the same formula as the reference must agree to rtol 1e-7;
numeric derivatives, whose rounding depends on the order of operations, to rtol 1e-6.
"""

import math

import numpy as np

import solutions.gradient_descent as ref
from autograder.grade.spec import FnRef, Spec, TestFailure, expect_close, expect_equal, local_fn

spec = Spec("01_gradient_descent", {
    "bowl_functions": "f, df, f_2d, df_2d",
    "numerical_derivatives": "numeric derivatives",
    "gradient_descent": "gradient descent",
    "learning_rates": "the learning-rate sweep",
    "chain_rule": "the chain rule",
    "nonconvex": "local minima and saddle points",
})


def _random_shape(rng):
    return tuple(int(n) for n in rng.integers(1, 5, size=int(rng.integers(1, 3))))


# ------------------------------------------------------------------------------------------ bowl functions


@spec.test("bowl_functions")
def f_on_random_arrays(rng, student):
    """f(x) = x² element-wise on random arrays"""
    x = rng.normal(scale=3, size=_random_shape(rng))
    expect_close(student.f(x), ref.f(x), "f(x)")


@spec.test("bowl_functions")
def df_on_random_arrays(rng, student):
    """df(x) = 2x element-wise on random arrays"""
    x = rng.normal(scale=3, size=_random_shape(rng))
    expect_close(student.df(x), ref.df(x), "df(x)")


@spec.test("bowl_functions")
def f_2d_on_points_and_batches(rng, student):
    """f_2d on one point of shape (2,) and on a batch of shape (N, 2)"""
    point = rng.normal(size=2)
    expect_close(student.f_2d(point), ref.f_2d(point), "f_2d of one point", allow_scalar=True)
    batch = rng.normal(size=(int(rng.integers(1, 6)), 2))
    expect_close(student.f_2d(batch), ref.f_2d(batch), "f_2d of a batch of points")


@spec.test("bowl_functions")
def df_2d_on_points_and_batches(rng, student):
    """df_2d on one point of shape (2,) and on a batch of shape (N, 2)"""
    point = rng.normal(size=2)
    expect_close(student.df_2d(point), ref.df_2d(point), "df_2d of one point")
    batch = rng.normal(size=(int(rng.integers(1, 6)), 2))
    expect_close(student.df_2d(batch), ref.df_2d(batch), "df_2d of a batch of points")


# ------------------------------------------------------------------------------------ numerical derivatives


# An exact derivative found some other way (fitting the function from samples, say) agrees with a central
# difference at h = 1e-5 to about 1e-10, so every test also uses a large step, h in [0.1, 0.5], where the central
# difference of a cubic, a quartic or a sine is visibly off the true derivative (by about h² f'''/6): only the
# formula itself passes.


def _random_polynomial(rng):
    """A cubic or a quartic (a central difference of a quadratic is exact for every h)."""
    return FnRef("polynomial", coeffs=rng.normal(size=int(rng.integers(4, 6))))


def _large_step(rng):
    return float(rng.uniform(0.1, 0.5))


def _random_sines(rng, dim):
    return FnRef("sine_mix", weights=rng.normal(size=dim), phases=rng.uniform(0, np.pi, size=dim))


@spec.test("numerical_derivatives")
def central_difference_of_a_polynomial(rng, student):
    """numerical_derivative is the central difference at a random point, with the default h and a large h"""
    poly, x = _random_polynomial(rng), float(rng.uniform(-2, 2))
    expect_close(student.numerical_derivative(poly, x), ref.numerical_derivative(local_fn(poly), x),
                 "the numeric derivative with the default h", rtol=1e-6, atol=1e-8, allow_scalar=True)
    h = _large_step(rng)
    expect_close(student.numerical_derivative(poly, x, h=h), ref.numerical_derivative(local_fn(poly), x, h=h),
                 "the numeric derivative with a large h", rtol=1e-6, atol=1e-8, allow_scalar=True)


@spec.test("numerical_derivatives")
def central_difference_on_arrays(rng, student):
    """numerical_derivative works element-wise on arrays (large h)"""
    poly, h = _random_polynomial(rng), _large_step(rng)
    x = rng.uniform(-2, 2, size=int(rng.integers(2, 8)))
    expect_close(student.numerical_derivative(poly, x, h=h), ref.numerical_derivative(local_fn(poly), x, h=h),
                 "the numeric derivatives", rtol=1e-6, atol=1e-8)


@spec.test("numerical_derivatives", points=2)
def gradient_of_random_functions(rng, student):
    """numerical_gradient of random functions of D = 1, 3 and 6 variables (default and large h)"""
    for dim, h in ((1, None), (3, _large_step(rng)), (6, None)):
        fn, x = _random_sines(rng, dim), rng.normal(size=dim)
        kwargs = {} if h is None else {"h": h}
        expect_close(student.numerical_gradient(fn, x, **kwargs), ref.numerical_gradient(local_fn(fn), x, **kwargs),
                     f"the gradient in {dim} dimensions", rtol=1e-6, atol=1e-8)


@spec.test("numerical_derivatives")
def gradient_with_a_large_step(rng, student):
    """numerical_gradient is a central difference in every coordinate (large h, 2 to 5 variables)"""
    dim, h = int(rng.integers(2, 6)), _large_step(rng)
    fn, x = _random_sines(rng, dim), rng.normal(size=dim)
    expect_close(student.numerical_gradient(fn, x, h=h), ref.numerical_gradient(local_fn(fn), x, h=h),
                 "the gradient", rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------------------- gradient descent


def _scalar_quadratic(rng):
    """The gradient of a(x - c)², with its curvature."""
    curvature = float(rng.uniform(0.5, 3.0))
    return FnRef("linear_gradient", scale=2 * curvature, center=float(rng.normal())), curvature


def _vector_quadratic(rng, dim):
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    eigenvalues = rng.uniform(0.5, 3.0, size=dim)
    return FnRef("linear_gradient", scale=(q * eigenvalues) @ q.T, center=rng.normal(size=dim)), eigenvalues.max()


@spec.test("gradient_descent", points=2)
def first_steps_on_a_scalar_quadratic(rng, student):
    """the first steps on a random 1-D quadratic follow x ← x − lr·df(x), starting at x0"""
    grad, curvature = _scalar_quadratic(rng)
    x0, lr, steps = float(rng.normal(scale=3)), float(rng.uniform(0.05, 0.4) / curvature), int(rng.integers(3, 9))
    got = student.gradient_descent(grad, x0, lr, eps=0.0, max_steps=steps)
    want = ref.gradient_descent(local_fn(grad), x0, lr, eps=0.0, max_steps=steps)
    expect_close(got, want, "the trajectory")


@spec.test("gradient_descent", points=2)
def first_steps_on_a_vector_quadratic(rng, student):
    """the first steps on a random quadratic in 2 to 5 dimensions give a (T + 1, D) trajectory"""
    grad, largest = _vector_quadratic(rng, int(rng.integers(2, 6)))
    x0 = rng.normal(scale=2, size=len(grad.params["center"]))
    lr, steps = float(rng.uniform(0.05, 0.4) / largest), int(rng.integers(3, 9))
    got = student.gradient_descent(grad, x0, lr, eps=0.0, max_steps=steps)
    want = ref.gradient_descent(local_fn(grad), x0, lr, eps=0.0, max_steps=steps)
    expect_close(got, want, "the trajectory")


@spec.test("gradient_descent", points=2)
def stops_when_the_gradient_is_small(rng, student):
    """a converging run stops at the first point whose gradient is below eps"""
    grad, curvature = _scalar_quadratic(rng)
    x0, lr = float(rng.normal(scale=3)), float(rng.uniform(0.05, 0.3) / curvature)
    eps = float(10.0 ** rng.uniform(-6, -3))
    got = student.gradient_descent(grad, x0, lr, eps=eps, max_steps=1000)
    want = ref.gradient_descent(local_fn(grad), x0, lr, eps=eps, max_steps=1000)
    expect_close(got, want, "the trajectory (stopping rule |grad| < eps)")


@spec.test("gradient_descent")
def makes_exactly_max_steps_updates(rng, student):
    """a run that never converges makes exactly max_steps updates (max_steps + 1 points)"""
    curvature = float(rng.uniform(0.5, 3.0))
    grad = FnRef("linear_gradient", scale=2 * curvature, center=float(rng.normal()))
    x0, steps = float(grad.params["center"] + rng.choice([-1, 1]) * rng.uniform(1, 3)), int(rng.integers(5, 40))
    lr = 1.0 / curvature  # the factor (1 - 2 a lr) is exactly -1: GD oscillates forever
    got = student.gradient_descent(grad, x0, lr, eps=1e-8, max_steps=steps)
    want = ref.gradient_descent(local_fn(grad), x0, lr, eps=1e-8, max_steps=steps)
    expect_close(got, want, "the trajectory of a run that never converges")


@spec.test("gradient_descent")
def stops_on_the_norm_of_the_gradient(rng, student):
    """in D dimensions the stopping rule uses the Euclidean norm of the gradient"""
    dim = int(rng.integers(4, 7))
    eps = 1e-3
    center = rng.normal(size=dim)
    # every component of the gradient starts below eps, their norm above it: one step must be taken
    x0 = center + rng.choice([-1, 1], size=dim) * (0.8 * eps / 2)
    grad = FnRef("linear_gradient", scale=2.0, center=center)
    got = student.gradient_descent(grad, x0, 0.1, eps=eps, max_steps=100)
    want = ref.gradient_descent(local_fn(grad), x0, 0.1, eps=eps, max_steps=100)
    expect_close(got, want, "the trajectory (the norm of the gradient decides when to stop)")


# ---------------------------------------------------------------------------------------- learning rates


def _same_rate(key, lr):
    """Whether a student's dictionary key names the learning rate ``lr`` (1 and 1.0 both do)."""
    try:
        return type(key) in (int, float) and math.isclose(float(key), lr)
    except OverflowError:
        return False


def _verdict_test(lr):
    def test(rng, student):
        verdicts = student.learning_rate_verdicts()
        if not isinstance(verdicts, dict):
            raise TestFailure("learning_rate_verdicts() should return a dict {learning rate: verdict}")
        got = next((v for k, v in verdicts.items() if _same_rate(k, lr)), None)
        if got is None:
            raise TestFailure(f"there is no verdict for lr = {lr:g}")
        expect_equal(got, ref.learning_rate_verdicts()[lr], f"the verdict for lr = {lr:g}")

    test.__name__ = f"verdict_for_lr_{lr:g}".replace(".", "_")
    test.__doc__ = f"the verdict for lr = {lr:g}"
    return test


for _lr in ref.LEARNING_RATES:
    spec.test("learning_rates")(_verdict_test(_lr))


# ---------------------------------------------------------------------------------------------- chain rule


@spec.test("chain_rule")
def chain_rule_on_scalars(rng, student):
    """d/dx (3x³ + 2)² at random scalars"""
    for x in rng.uniform(-2, 2, size=3):
        expect_close(student.chain_rule_derivative(float(x)), ref.chain_rule_derivative(float(x)), "the derivative",
                     allow_scalar=True)


@spec.test("chain_rule")
def chain_rule_on_arrays(rng, student):
    """d/dx (3x³ + 2)² element-wise on a random array"""
    x = rng.uniform(-2, 2, size=_random_shape(rng))
    expect_close(student.chain_rule_derivative(x), ref.chain_rule_derivative(x), "the derivative")


# ---------------------------------------------------------------------------------------------- non-convex


@spec.test("nonconvex")
def nonconvex_gradient_on_a_batch(rng, student):
    """nonconvex_grad on a random batch of points of shape (N, 2)"""
    points = rng.uniform(-3, 3, size=(int(rng.integers(1, 8)), 2))
    expect_close(student.nonconvex_grad(points), ref.nonconvex_grad(points), "the gradient")


@spec.test("nonconvex")
def nonconvex_gradient_at_one_point(rng, student):
    """nonconvex_grad at one random point of shape (2,)"""
    point = rng.uniform(-3, 3, size=2)
    expect_close(student.nonconvex_grad(point), ref.nonconvex_grad(point), "the gradient")


def _symmetric_with_eigenvalues(rng, eigenvalues):
    q, _ = np.linalg.qr(rng.normal(size=(len(eigenvalues), len(eigenvalues))))
    matrix = (q * eigenvalues) @ q.T
    return (matrix + matrix.T) / 2


def _classify_test(kind, signs):
    def test(rng, student):
        dim = int(rng.integers(2, 5))
        eigenvalues = rng.uniform(0.5, 4.0, size=dim) * np.resize(signs, dim)
        rng.shuffle(eigenvalues)
        hessian = _symmetric_with_eigenvalues(rng, eigenvalues)
        expect_equal(student.classify_critical_point(hessian), ref.classify_critical_point(hessian),
                     f"the kind of critical point of a random {dim}x{dim} Hessian")

    test.__name__ = f"classify_{kind.replace(' ', '_')}"
    test.__doc__ = f"classify_critical_point recognises a {kind} from a random non-diagonal Hessian"
    return test


for _kind, _signs in (("minimum", [1]), ("maximum", [-1]), ("saddle point", [1, -1])):
    spec.test("nonconvex")(_classify_test(_kind, np.array(_signs)))
