"""Lab 5 -- optimizers: SGD, momentum (both conventions of the course), Nesterov, Adagrad, RMSProp (+ momentum),
Adam (bias correction, AMSGrad, weight decay), exponentially weighted averages, mini-batches, learning-rate
schedules, gradient clipping and one Newton step.

Conventions
-----------
* Every update rule has one signature, ``update(w, dw, config=None) -> (next_w, config)``: ``w`` are the current
  parameters (an array of any shape), ``dw`` the gradient of the loss at ``w`` (same shape), ``config`` a dict
  of hyper-parameters and of the optimizer's state. Missing entries are filled with the defaults below on the
  first call (``config.setdefault``); the state arrays start at zeros of the shape of ``w``. The returned
  ``config`` (the same dict, updated) must be passed to the next call. ``w`` and the state arrays passed in are
  not modified in place: the new values are new arrays.
* Config keys (the names instructors know from the best-known NumPy course assignments):

  ==================== =============================================================================== ==========
  rule                 hyper-parameters (default)                                                       state
  ==================== =============================================================================== ==========
  ``sgd``              ``learning_rate`` (1e-2)                                                         --
  ``sgd_momentum``     ``learning_rate`` (1e-2), ``momentum`` (0.9)                                     ``velocity``
  ``nesterov``         ``learning_rate`` (1e-2), ``momentum`` (0.9)                                     ``velocity``
  ``adagrad``          ``learning_rate`` (1e-2), ``epsilon`` (1e-7)                                     ``cache``
  ``rmsprop``          ``learning_rate`` (1e-2), ``decay_rate`` (0.99), ``epsilon`` (1e-7)              ``cache``
  ``rmsprop_momentum`` as ``rmsprop`` plus ``momentum`` (0.9)                                           ``cache``, ``velocity``
  ``adam``             ``learning_rate`` (1e-3), ``beta1`` (0.9), ``beta2`` (0.999), ``epsilon`` (1e-8), ``m``, ``v``, ``t``
                       ``bias_correction`` (True), ``amsgrad`` (False), ``weight_decay`` (0.0)          (+ ``v_max``)
  ==================== =============================================================================== ==========

  The epsilons follow the course: the handwritten notes' gamma = 1e-7 for Adagrad and RMSProp, PyTorch's 1e-8
  (the signature the notes print) for Adam.
* Momentum: the update rules use the notes' convention, ``v <- momentum * v - learning_rate * dw``,
  ``w <- w + v`` (the velocity holds the step itself). The slides write ``g_t = beta g_{t-1} + grad f(x_t)``,
  ``x_{t+1} = x_t - eta g_t`` (PyTorch's ``SGD(momentum=...)`` too); ``momentum_paths`` compares the two.
* Epsilon stands *outside* the square root everywhere: ``dw / (sqrt(cache) + epsilon)`` (the notes' loops and
  PyTorch's Adagrad, RMSprop and Adam).
* Randomness only through an explicit ``np.random.Generator``.
* A *path* is an array of shape ``(T + 1, D)``: the start and the point after each of the T steps.
"""

import numpy as np

# ---------------------------------------------------------------------------------------------------------------
# Update rules: update(w, dw, config=None) -> (next_w, config)
# ---------------------------------------------------------------------------------------------------------------


def sgd(w, dw, config=None):
    """Vanilla stochastic gradient descent, ``w <- w - learning_rate * dw``.

    Parameters
    ----------
    w : ndarray of float64, any shape
        Current parameters.
    dw : ndarray of float64, same shape as ``w``
        Gradient of the loss at ``w``.
    config : dict, optional
        ``learning_rate`` (float, default 1e-2).

    Returns
    -------
    next_w : ndarray of float64, same shape as ``w``
        The parameters after one step.
    config : dict
        The config, with the default filled in.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    ### BEGIN SOLUTION
    next_w = w - config["learning_rate"] * dw
    return next_w, config
    ### END SOLUTION


def sgd_momentum(w, dw, config=None):
    """SGD with momentum in the notes' convention: the velocity is the step itself.

    ``v <- momentum * v - learning_rate * dw``, then ``w <- w + v``. Unrolled, ``v_t = -learning_rate * (dw_t +
    momentum * dw_{t-1} + momentum**2 * dw_{t-2} + ...)`` for a constant rate: a running sum of past gradients
    that forgets at the rate ``momentum``.

    Parameters
    ----------
    w : ndarray of float64, any shape
        Current parameters.
    dw : ndarray of float64, same shape as ``w``
        Gradient of the loss at ``w``.
    config : dict, optional
        ``learning_rate`` (float, default 1e-2), ``momentum`` (float in [0, 1), default 0.9), ``velocity``
        (ndarray of the shape of ``w``, default zeros).

    Returns
    -------
    next_w : ndarray of float64, same shape as ``w``
    config : dict
        With ``config['velocity']`` the new velocity ``v``.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    ### BEGIN SOLUTION
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    config["velocity"] = v
    return next_w, config
    ### END SOLUTION


def nesterov(w, dw, config=None):
    """Nesterov momentum in the update-API form (a change of variables of the notes' look-ahead form).

    The notes evaluate the gradient at the look-ahead point ``theta + momentum * v``; an update rule only gets the
    gradient at the point it is given. So this rule works on the look-ahead point itself, ``w = phi = theta +
    momentum * v``, and ``dw`` is the gradient at ``phi``::

        v_new  = momentum * v - learning_rate * dw
        next_w = w - momentum * v + (1 + momentum) * v_new        # = theta_next + momentum * v_new

    Parameters
    ----------
    w : ndarray of float64, any shape
        The current look-ahead parameters ``phi``.
    dw : ndarray of float64, same shape as ``w``
        Gradient of the loss at ``w``.
    config : dict, optional
        ``learning_rate`` (default 1e-2), ``momentum`` (default 0.9), ``velocity`` (default zeros).

    Returns
    -------
    next_w : ndarray of float64, same shape as ``w``
        The next look-ahead parameters.
    config : dict
        With ``config['velocity']`` the new velocity.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    ### BEGIN SOLUTION
    mu = config["momentum"]
    v_new = mu * v - config["learning_rate"] * dw
    next_w = w - mu * v + (1.0 + mu) * v_new
    config["velocity"] = v_new
    return next_w, config
    ### END SOLUTION


def adagrad(w, dw, config=None):
    """Adagrad: every coordinate's step shrinks with the sum of its squared gradients so far.

    ``cache <- cache + dw * dw``, then ``w <- w - learning_rate * dw / (sqrt(cache) + epsilon)``, elementwise
    (the notes' loop, with their gamma as ``epsilon``, outside the root).

    Parameters
    ----------
    w : ndarray of float64, any shape
    dw : ndarray of float64, same shape as ``w``
    config : dict, optional
        ``learning_rate`` (default 1e-2), ``epsilon`` (default 1e-7), ``cache`` (default zeros).

    Returns
    -------
    next_w : ndarray of float64, same shape as ``w``
    config : dict
        With ``config['cache']`` the new sum of squared gradients.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-7)
    cache = config.get("cache", np.zeros_like(w))
    ### BEGIN SOLUTION
    cache = cache + dw * dw
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache
    return next_w, config
    ### END SOLUTION


def rmsprop(w, dw, config=None):
    """RMSProp: like Adagrad, but the cache is an exponentially weighted average, so old gradients are forgotten.

    ``cache <- decay_rate * cache + (1 - decay_rate) * dw * dw``, then
    ``w <- w - learning_rate * dw / (sqrt(cache) + epsilon)``.

    Parameters
    ----------
    w : ndarray of float64, any shape
    dw : ndarray of float64, same shape as ``w``
    config : dict, optional
        ``learning_rate`` (default 1e-2), ``decay_rate`` (default 0.99), ``epsilon`` (default 1e-7), ``cache``
        (default zeros).

    Returns
    -------
    next_w : ndarray of float64, same shape as ``w``
    config : dict
        With ``config['cache']`` the new average of squared gradients.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-7)
    cache = config.get("cache", np.zeros_like(w))
    ### BEGIN SOLUTION
    rho = config["decay_rate"]
    cache = rho * cache + (1.0 - rho) * dw * dw
    next_w = w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    config["cache"] = cache
    return next_w, config
    ### END SOLUTION


def rmsprop_momentum(w, dw, config=None):
    """RMSProp + momentum (the handwritten notes' version): the RMSProp-scaled gradient feeds a velocity.

    ``cache <- decay_rate * cache + (1 - decay_rate) * dw * dw``,
    ``v <- momentum * v - learning_rate * dw / (sqrt(cache) + epsilon)``, ``w <- w + v``.
    (The notes print the denominator as ``sqrt(a) + v``, a slip of the pen for ``sqrt(a) + gamma``: adding the
    velocity, which can be negative, would make no sense and can divide by zero.)

    Parameters
    ----------
    w : ndarray of float64, any shape
    dw : ndarray of float64, same shape as ``w``
    config : dict, optional
        ``learning_rate`` (default 1e-2), ``decay_rate`` (default 0.99), ``epsilon`` (default 1e-7),
        ``momentum`` (default 0.9), ``cache`` and ``velocity`` (default zeros).

    Returns
    -------
    next_w : ndarray of float64, same shape as ``w``
    config : dict
        With the new ``cache`` and ``velocity``.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-7)
    config.setdefault("momentum", 0.9)
    cache = config.get("cache", np.zeros_like(w))
    v = config.get("velocity", np.zeros_like(w))
    ### BEGIN SOLUTION
    rho = config["decay_rate"]
    cache = rho * cache + (1.0 - rho) * dw * dw
    v = config["momentum"] * v - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"])
    next_w = w + v
    config["cache"] = cache
    config["velocity"] = v
    return next_w, config
    ### END SOLUTION


def adam(w, dw, config=None):
    """Adam, with optional bias correction, AMSGrad and (L2-form) weight decay, as PyTorch's ``torch.optim.Adam``.

    One step, in this order::

        g = dw + weight_decay * w                       # only if weight_decay != 0 (L2 penalty, not AdamW)
        t = t + 1                                       # t counts the steps taken, starting at 1
        m = beta1 * m + (1 - beta1) * g                 # first moment: momentum
        v = beta2 * v + (1 - beta2) * g * g             # second moment: RMSProp
        m_hat = m / (1 - beta1**t)                      # bias correction; m_hat = m if not bias_correction
        if amsgrad: v_max = max(v_max, v); v_hat = v_max / (1 - beta2**t)   # (v_hat = v_max uncorrected)
        else:       v_hat = v / (1 - beta2**t)                              # (v_hat = v uncorrected)
        w = w - learning_rate * m_hat / (sqrt(v_hat) + epsilon)

    AMSGrad keeps the running maximum of the *raw* second moment ``v`` (elementwise) and bias-corrects it
    afterwards, as PyTorch computes it and its current documentation writes it. (The notes copy an older version of
    PyTorch's pseudocode that takes the maximum of the corrected ``v_hat`` instead; the two differ while
    ``1 - beta2**t`` is still changing.) With ``bias_correction=False`` it is the notes' first Adam, without the
    two divisions.

    Parameters
    ----------
    w : ndarray of float64, any shape
    dw : ndarray of float64, same shape as ``w``
    config : dict, optional
        ``learning_rate`` (default 1e-3), ``beta1`` (0.9), ``beta2`` (0.999), ``epsilon`` (1e-8),
        ``bias_correction`` (bool, True), ``amsgrad`` (bool, False), ``weight_decay`` (float, 0.0); state ``m``,
        ``v`` (default zeros), ``t`` (int, default 0), and ``v_max`` (default zeros; used only with amsgrad).

    Returns
    -------
    next_w : ndarray of float64, same shape as ``w``
    config : dict
        With the new ``m``, ``v``, ``t`` (an int) and, with amsgrad, ``v_max``.
    """
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("bias_correction", True)
    config.setdefault("amsgrad", False)
    config.setdefault("weight_decay", 0.0)
    m = config.get("m", np.zeros_like(w))
    v = config.get("v", np.zeros_like(w))
    t = int(config.get("t", 0))
    ### BEGIN SOLUTION
    beta1, beta2 = config["beta1"], config["beta2"]
    g = dw + config["weight_decay"] * w if config["weight_decay"] != 0 else dw
    t += 1
    m = beta1 * m + (1.0 - beta1) * g
    v = beta2 * v + (1.0 - beta2) * g * g
    second = v  # the second moment the step uses: v, or with AMSGrad its running maximum
    if config["amsgrad"]:
        config["v_max"] = np.maximum(config.get("v_max", np.zeros_like(w)), v)
        second = config["v_max"]
    m_hat, v_hat = m, second
    if config["bias_correction"]:
        m_hat, v_hat = m / (1.0 - beta1 ** t), second / (1.0 - beta2 ** t)
    next_w = w - config["learning_rate"] * m_hat / (np.sqrt(v_hat) + config["epsilon"])
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config
    ### END SOLUTION


def run_optimizer(update, grad_fn, x0, num_steps, config=None):
    """Minimise a function of a point in D dimensions with an update rule; return the path.

    Parameters
    ----------
    update : callable
        An update rule ``update(w, dw, config) -> (next_w, config)``.
    grad_fn : callable
        Maps a point of shape (D,) to the gradient of the objective there, shape (D,).
    x0 : array_like, shape (D,)
        Start.
    num_steps : int
        Number of steps T.
    config : dict, optional
        Hyper-parameters; copied, so the caller's dict is not changed.

    Returns
    -------
    path : ndarray of float64, shape (T + 1, D)
        ``x0`` and the point after every step.
    """
    config = dict(config or {})
    x = np.array(x0, dtype=np.float64)
    path = [x]
    for _ in range(num_steps):
        x, config = update(x, np.asarray(grad_fn(x), dtype=np.float64), config)
        path.append(x)
    return np.array(path)


# ---------------------------------------------------------------------------------------------------------------
# The two momentum conventions; the two forms of Nesterov momentum
# ---------------------------------------------------------------------------------------------------------------


def momentum_paths(grad_fn, x0, learning_rates, momentum):
    """Gradient descent with momentum in both conventions of the course, with a rate per step.

    * the slides: ``g_t = momentum * g_{t-1} + grad_fn(x_t)`` (``g_0`` is the first gradient itself, i.e.
      ``g_{-1} = 0``), ``x_{t+1} = x_t - learning_rates[t] * g_t``;
    * the notes: ``v <- momentum * v - learning_rates[t] * grad_fn(theta_t)`` (``v`` starts at 0),
      ``theta_{t+1} = theta_t + v``.

    With a constant rate both give the same path (``v_t = -eta * g_t``); when the rate changes, the slides rescale
    the whole accumulated direction by the current rate while the notes keep each past gradient with the rate it
    was taken with, and the paths part.

    Parameters
    ----------
    grad_fn : callable
        Point of shape (D,) -> gradient of shape (D,).
    x0 : ndarray of float64, shape (D,)
        Start of both paths.
    learning_rates : sequence of float, length T
        The rate of each step (T steps).
    momentum : float
        ``beta`` of the slides, ``alpha`` of the notes.

    Returns
    -------
    slides_path : ndarray of float64, shape (T + 1, D)
    notes_path : ndarray of float64, shape (T + 1, D)
    """
    ### BEGIN SOLUTION
    x = np.array(x0, dtype=np.float64)
    g = np.zeros_like(x)
    slides = [x]
    for eta in learning_rates:
        g = momentum * g + np.asarray(grad_fn(x), dtype=np.float64)
        x = x - eta * g
        slides.append(x)

    theta = np.array(x0, dtype=np.float64)
    v = np.zeros_like(theta)
    notes = [theta]
    for eta in learning_rates:
        v = momentum * v - eta * np.asarray(grad_fn(theta), dtype=np.float64)
        theta = theta + v
        notes.append(theta)
    return np.array(slides), np.array(notes)
    ### END SOLUTION


def nesterov_paths(grad_fn, theta0, learning_rate, momentum, num_steps):
    """Nesterov momentum twice: the notes' look-ahead form, and the update rule ``nesterov`` after a change of
    variables. Both return the path of ``theta``.

    * Look-ahead form (the notes): ``g = grad_fn(theta + momentum * v)``, ``v <- momentum * v - learning_rate *
      g``, ``theta <- theta + v``, with ``v`` starting at 0.
    * Update-API form: run ``nesterov`` on ``phi = theta + momentum * v`` (which starts at ``theta0``, since v = 0)
      with ``dw = grad_fn(phi)``, and recover ``theta = phi - momentum * config['velocity']`` after every step.

    Parameters
    ----------
    grad_fn : callable
        Point of shape (D,) -> gradient of shape (D,).
    theta0 : ndarray of float64, shape (D,)
        Start.
    learning_rate : float
    momentum : float
    num_steps : int
        Number of steps T.

    Returns
    -------
    lookahead_path : ndarray of float64, shape (T + 1, D)
        ``theta_0, ..., theta_T`` of the look-ahead form.
    update_api_path : ndarray of float64, shape (T + 1, D)
        ``theta_0, ..., theta_T`` recovered from the update-API form; equal to the first up to rounding.
    """
    ### BEGIN SOLUTION
    theta = np.array(theta0, dtype=np.float64)
    v = np.zeros_like(theta)
    lookahead = [theta]
    for _ in range(num_steps):
        g = np.asarray(grad_fn(theta + momentum * v), dtype=np.float64)
        v = momentum * v - learning_rate * g
        theta = theta + v
        lookahead.append(theta)

    phi = np.array(theta0, dtype=np.float64)
    config = {"learning_rate": learning_rate, "momentum": momentum}
    update_api = [phi]
    for _ in range(num_steps):
        phi, config = nesterov(phi, np.asarray(grad_fn(phi), dtype=np.float64), config)
        update_api.append(phi - momentum * config["velocity"])
    return np.array(lookahead), np.array(update_api)
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Exponentially weighted averages
# ---------------------------------------------------------------------------------------------------------------


def ewa(values, beta, bias_correction=False):
    """Exponentially weighted average of a series, as Adam's moments compute it.

    ``v_0 = 0``, ``v_t = beta * v_{t-1} + (1 - beta) * x_t`` for ``t = 1 .. T``; with bias correction the result
    is ``v_t / (1 - beta**t)``. (``beta`` weighs the *past*; the notes' section 2.1 writes the same average with
    the weight on the new value, ``EMA_t = b * Y_t + (1 - b) * EMA_{t-1}``, i.e. ``b = 1 - beta``, and starts
    from ``EMA_1 = Y_1`` instead of 0.)

    Parameters
    ----------
    values : ndarray of float64, shape (T,) or (T, D)
        The series ``x_1 .. x_T`` (rows are time steps).
    beta : float in [0, 1)
    bias_correction : bool, default False

    Returns
    -------
    averages : ndarray of float64, same shape as ``values``
        ``averages[t - 1]`` is ``v_t`` (corrected if asked).
    """
    ### BEGIN SOLUTION
    values = np.asarray(values, dtype=np.float64)
    averages = np.empty_like(values)
    v = np.zeros_like(values[0]) if len(values) else 0.0
    for t, x in enumerate(values, start=1):  # a recursion over time: the loop is the lesson
        v = beta * v + (1.0 - beta) * x
        averages[t - 1] = v / (1.0 - beta ** t) if bias_correction else v
    return averages
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Mini-batches and learning-rate schedules
# ---------------------------------------------------------------------------------------------------------------


def minibatches(N, batch_size, rng):
    """Yield the sample indices of one epoch, batch by batch, in a random order.

    The order is ``order = rng.permutation(N)`` (one call); the batches are its consecutive slices
    ``order[0:batch_size]``, ``order[batch_size:2 * batch_size]``, ..., the last one shorter when ``batch_size``
    does not divide ``N``. Every sample is visited exactly once. ``batch_size = 1`` is SGD, ``batch_size = N``
    (or more) is batch gradient descent.

    Parameters
    ----------
    N : int
        Number of samples, at least 1.
    batch_size : int
        At least 1.
    rng : numpy.random.Generator
        The only source of randomness.

    Yields
    ------
    batch : ndarray of int, shape (batch_size,) (the last one possibly shorter)
        Indices into the data set.
    """
    ### BEGIN SOLUTION
    permutation = rng.permutation(N)
    for first in range(0, N, batch_size):
        yield permutation[first:first + batch_size]
    ### END SOLUTION


def list_minibatches(N, batch_size, rng):
    """``list(minibatches(N, batch_size, rng))``: one epoch's batches as a list (how the grader calls yours)."""
    return [np.asarray(batch) for batch in minibatches(N, batch_size, rng)]


def step_decay_lr(epoch, lr0, drop=0.5, every=10):
    """Step decay: the rate is multiplied by ``drop`` every ``every`` epochs.

    Parameters
    ----------
    epoch : int
        Epoch number, starting at 0.
    lr0 : float
        Rate of epochs ``0 .. every - 1``.
    drop : float, default 0.5
    every : int, default 10

    Returns
    -------
    lr : float
        ``lr0 * drop ** (epoch // every)``.
    """
    ### BEGIN SOLUTION
    return float(lr0 * drop ** (epoch // every))
    ### END SOLUTION


def cosine_lr(step, total_steps, lr_max, lr_min=0.0):
    """Cosine annealing from ``lr_max`` at step 0 to ``lr_min`` at step ``total_steps``.

    Parameters
    ----------
    step : int
        Step number, ``0 <= step <= total_steps``.
    total_steps : int
        Length of one cosine cycle, at least 1.
    lr_max : float
    lr_min : float, default 0.0

    Returns
    -------
    lr : float
        ``lr_min + (lr_max - lr_min) * (1 + cos(pi * step / total_steps)) / 2``.
    """
    ### BEGIN SOLUTION
    return float(lr_min + (lr_max - lr_min) * (1.0 + np.cos(np.pi * step / total_steps)) / 2.0)
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Gradient clipping and Newton's method
# ---------------------------------------------------------------------------------------------------------------


def clip_by_global_norm(grads, max_norm):
    """Rescale a whole set of gradients when their joint norm exceeds ``max_norm`` (the notes' clipping rule).

    The global norm is ``||g|| = sqrt(sum over all arrays of sum(g_k ** 2))``: all parameters together are one
    vector. If ``||g|| > max_norm`` every array is multiplied by the same factor ``max_norm / ||g||`` (so the
    direction is kept and the new global norm is ``max_norm``); otherwise the gradients are returned unchanged.

    Parameters
    ----------
    grads : dict of str -> ndarray of float64
        Gradients by parameter name (any shapes).
    max_norm : float
        Largest allowed global norm, positive.

    Returns
    -------
    clipped : dict of str -> ndarray of float64
        A new dict with the same keys and shapes (the input arrays are not modified).
    total_norm : float
        The global norm *before* clipping.
    """
    ### BEGIN SOLUTION
    total_norm = float(np.sqrt(sum(np.sum(np.square(g)) for g in grads.values())))
    scale = max_norm / total_norm if total_norm > max_norm else 1.0
    clipped = {key: g * scale for key, g in grads.items()}
    return clipped, total_norm
    ### END SOLUTION


def newton_step(theta, grad, hessian):
    """One step of Newton's method, ``theta - H^{-1} g``, computed by solving ``H d = g`` (never inverting H).

    Parameters
    ----------
    theta : ndarray of float64, shape (D,)
        Current point.
    grad : ndarray of float64, shape (D,)
        Gradient at ``theta``.
    hessian : ndarray of float64, shape (D, D)
        Hessian at ``theta``, invertible.

    Returns
    -------
    theta_next : ndarray of float64, shape (D,)
        ``theta - np.linalg.solve(hessian, grad)``. For a quadratic this is its stationary point.
    """
    ### BEGIN SOLUTION
    return theta - np.linalg.solve(hessian, grad)
    ### END SOLUTION


def hessian_memory_bytes(num_params, bytes_per_entry=4, symmetric=False):
    """Memory needed to store the Hessian of a model with ``num_params`` parameters.

    The Hessian is a ``num_params x num_params`` matrix: ``num_params**2`` entries, or, keeping only one triangle
    of the symmetric matrix (diagonal included), ``num_params * (num_params + 1) // 2``.

    Parameters
    ----------
    num_params : int
    bytes_per_entry : int, default 4
        4 for float32, 8 for float64.
    symmetric : bool, default False
        Store one triangle only.

    Returns
    -------
    nbytes : int
        Exact, as a Python int (no float rounding).
    """
    ### BEGIN SOLUTION
    n = int(num_params)
    entries = n * (n + 1) // 2 if symmetric else n * n
    return entries * int(bytes_per_entry)
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Training a network with any update rule (given)
# ---------------------------------------------------------------------------------------------------------------


def train_with_optimizer(model, update, config, X, y, epochs, batch_size, rng, lr_schedule=None, progress=False):
    """Train ``model`` in place with an update rule; every parameter array gets its own copy of ``config``.

    Parameters
    ----------
    model : object
        Anything with a dict ``params`` and ``loss(X, y) -> (loss, grads)`` (Lab 4's ``MLP``).
    update : callable
        An update rule ``update(w, dw, config) -> (next_w, config)``.
    config : dict
        Hyper-parameters, copied for each parameter (state is per parameter).
    X : ndarray of float64, shape (N, ...)
    y : ndarray of int, shape (N,)
    epochs : int
    batch_size : int
    rng : numpy.random.Generator
        Shuffles the data (through ``minibatches``).
    lr_schedule : callable, optional
        ``epoch -> learning rate``, applied at the start of every epoch.
    progress : bool, default False
        Show a ``tqdm`` progress bar over the epochs.

    Returns
    -------
    losses : list of float
        The mini-batch loss of every step.
    """
    configs = {key: dict(config) for key in model.params}
    epoch_range = range(epochs)
    if progress:
        from tqdm.auto import tqdm

        epoch_range = tqdm(epoch_range, desc="epochs")
    losses = []
    for epoch in epoch_range:
        if lr_schedule is not None:
            for cfg in configs.values():
                cfg["learning_rate"] = lr_schedule(epoch)
        for batch in minibatches(X.shape[0], batch_size, rng):
            loss, grads = model.loss(X[batch], y[batch])
            for key, grad in grads.items():
                model.params[key], configs[key] = update(model.params[key], grad, configs[key])
            losses.append(float(loss))
    return losses
