"""Lab 1 — gradient descent.

Gradient descent minimises a differentiable function f by repeating

    x_{t+1} = x_t - eta * grad f(x_t)

from a starting point x_0 until the gradient is small (|grad| < eps) or a step budget runs out. In D dimensions
|grad| is the Euclidean norm of the gradient vector.

Conventions
-----------
* Scalars are Python floats or 0-d arrays; points in D dimensions are arrays of shape (D,).
* 2-D test functions take points of shape (..., 2) so that they can be evaluated on a whole grid at once.
* A trajectory is an array holding x_0, x_1, ..., x_T: shape (T + 1,) for scalar x, (T + 1, D) for vector x.
"""

import numpy as np

LEARNING_RATES = (0.01, 0.1, 1.0, 100.0, 1000.0)
VERDICTS = ("converges", "oscillates", "diverges")


def f(x):
    """The 1-D bowl f(x) = x².

    Parameters
    ----------
    x : float or ndarray of any shape
        Point(s) at which to evaluate f, element-wise.

    Returns
    -------
    float or ndarray, same shape as ``x``
    """
    ### BEGIN SOLUTION
    return x**2
    ### END SOLUTION


def df(x):
    """Derivative of f(x) = x², element-wise.

    Parameters
    ----------
    x : float or ndarray of any shape

    Returns
    -------
    float or ndarray, same shape as ``x``
        df/dx evaluated at ``x``.
    """
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION


def f_2d(v):
    """The 2-D bowl f(x, y) = x² + y².

    Parameters
    ----------
    v : ndarray, shape (..., 2)
        Points; ``v[..., 0]`` is x and ``v[..., 1]`` is y.

    Returns
    -------
    float or ndarray, shape (...)
        f at each point (a float for a single point of shape (2,)).
    """
    ### BEGIN SOLUTION
    v = np.asarray(v, dtype=float)
    return np.sum(v**2, axis=-1)
    ### END SOLUTION


def df_2d(v):
    """Gradient of f(x, y) = x² + y².

    Parameters
    ----------
    v : ndarray, shape (..., 2)
        Points; ``v[..., 0]`` is x and ``v[..., 1]`` is y.

    Returns
    -------
    ndarray, shape (..., 2)
        (df/dx, df/dy) at each point.
    """
    ### BEGIN SOLUTION
    v = np.asarray(v, dtype=float)
    return 2 * v
    ### END SOLUTION


def numerical_derivative(fn, x, h=1e-5):
    """Central-difference estimate of the derivative of a 1-D function.

    Uses (fn(x + h) - fn(x - h)) / (2h), whose error shrinks like h² (the one-sided difference's only like h).

    Parameters
    ----------
    fn : callable
        A function of one real variable, applied element-wise to arrays.
    x : float or ndarray of any shape
        Point(s) at which to differentiate.
    h : float
        Step size.

    Returns
    -------
    float or ndarray, same shape as ``x``
    """
    ### BEGIN SOLUTION
    return (fn(x + h) - fn(x - h)) / (2 * h)
    ### END SOLUTION


def numerical_gradient(fn, x, h=1e-5):
    """Central-difference estimate of the gradient of a scalar function of D variables.

    Each coordinate is nudged by +h and -h in turn, the others held fixed (a loop over coordinates is the
    point of the exercise).

    Parameters
    ----------
    fn : callable
        Maps an array of shape (D,) to a float.
    x : ndarray, shape (D,)
        Point at which to differentiate. Not modified.
    h : float
        Step size.

    Returns
    -------
    ndarray, shape (D,), float64
        The estimated gradient.
    """
    ### BEGIN SOLUTION
    x = np.array(x, dtype=float)
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = h
        grad[i] = (fn(x + step) - fn(x - step)) / (2 * h)
    return grad
    ### END SOLUTION


def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
    """Minimise a function by gradient descent, recording every point visited.

    At step t the gradient g = df(x_t) is computed; if |g| < eps (the Euclidean norm for vectors) the search
    stops at x_t, otherwise x_{t+1} = x_t - lr * g. At most ``max_steps`` updates are made.

    Parameters
    ----------
    df : callable
        Gradient of the function to minimise: maps a point like ``x0`` to an array of the same shape.
    x0 : float or ndarray, shape (D,)
        Starting point.
    lr : float
        Learning rate (step size) eta.
    eps : float
        Stop as soon as the gradient's norm is below this.
    max_steps : int
        Maximum number of updates.

    Returns
    -------
    ndarray, float64, shape (T + 1,) for scalar ``x0`` or (T + 1, D) for vector ``x0``
        The trajectory x_0, x_1, ..., x_T, with x_0 = ``x0`` and T <= ``max_steps`` updates.
    """
    ### BEGIN SOLUTION
    x = np.array(x0, dtype=float)
    trajectory = [x]
    for _ in range(max_steps):
        grad = np.asarray(df(x), dtype=float)
        if np.linalg.norm(grad) < eps:
            break
        x = x - lr * grad
        trajectory.append(x)
    return np.array(trajectory)
    ### END SOLUTION


def learning_rate_verdicts():
    """Your verdict on gradient descent on f(x) = x² for each learning rate of the sweep.

    Returns
    -------
    dict
        Maps each learning rate in ``LEARNING_RATES`` (0.01, 0.1, 1.0, 100.0, 1000.0) to one of ``VERDICTS``:
        ``"converges"``, ``"oscillates"`` (bounces between points forever without getting closer) or
        ``"diverges"``.
    """
    ### BEGIN SOLUTION
    # On x², x_{t+1} = (1 - 2 eta) x_t: the factor's size decides everything.
    return {0.01: "converges", 0.1: "converges", 1.0: "oscillates", 100.0: "diverges", 1000.0: "diverges"}
    ### END SOLUTION


def chain_rule_derivative(x):
    """Derivative of y = (3x³ + 2)² by the chain rule.

    With u = g(x) = 3x³ + 2 and y = u², dy/dx = dy/du · du/dx = (2u)(9x²), which expands to 54x⁵ + 36x².

    Parameters
    ----------
    x : float or ndarray of any shape

    Returns
    -------
    float or ndarray, same shape as ``x``
    """
    ### BEGIN SOLUTION
    u = 3 * x**3 + 2
    return 2 * u * 9 * x**2
    ### END SOLUTION


def nonconvex_f(v):
    """A surface with a global minimum, a local minimum and a saddle point.

    f(x, y) = x⁴/4 + x³/3 - x² + y², whose x-derivative x³ + x² - 2x = x (x - 1)(x + 2) vanishes at
    x = -2 (global minimum, f = -8/3), x = 1 (local minimum, f = -5/12) and x = 0 (a saddle, since f curves up in y).

    Parameters
    ----------
    v : ndarray, shape (..., 2)

    Returns
    -------
    float or ndarray, shape (...)
    """
    v = np.asarray(v, dtype=float)
    x, y = v[..., 0], v[..., 1]
    return x**4 / 4 + x**3 / 3 - x**2 + y**2


def nonconvex_grad(v):
    """Gradient of ``nonconvex_f``.

    Parameters
    ----------
    v : ndarray, shape (..., 2)

    Returns
    -------
    ndarray, shape (..., 2)
        (df/dx, df/dy) at each point.
    """
    ### BEGIN SOLUTION
    v = np.asarray(v, dtype=float)
    x, y = v[..., 0], v[..., 1]
    return np.stack([x**3 + x**2 - 2 * x, 2 * y], axis=-1)
    ### END SOLUTION


def nonconvex_hessian(v):
    """Hessian of ``nonconvex_f`` at one point.

    Parameters
    ----------
    v : ndarray, shape (2,)

    Returns
    -------
    ndarray, shape (2, 2)
    """
    x = float(v[0])
    return np.array([[3 * x**2 + 2 * x - 2, 0.0], [0.0, 2.0]])


def classify_critical_point(hessian, tol=1e-8):
    """Say what kind of critical point a symmetric Hessian describes.

    Parameters
    ----------
    hessian : ndarray, shape (D, D)
        Symmetric matrix of second derivatives at a point where the gradient is zero.
    tol : float
        Eigenvalues with absolute value below ``tol`` count as zero.

    Returns
    -------
    str
        ``"minimum"`` if every eigenvalue is positive, ``"maximum"`` if every one is negative, ``"saddle point"``
        if there are both, and ``"degenerate"`` if none of those holds (some eigenvalue is zero and the rest do
        not disagree in sign).
    """
    ### BEGIN SOLUTION
    eigenvalues = np.linalg.eigvalsh(np.asarray(hessian, dtype=float))
    positive = eigenvalues > tol
    negative = eigenvalues < -tol
    if positive.all():
        return "minimum"
    if negative.all():
        return "maximum"
    if positive.any() and negative.any():
        return "saddle point"
    return "degenerate"
    ### END SOLUTION
