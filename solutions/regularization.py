"""Lab 6 -- regularization: norm penalties, early stopping, dropout, batch normalization, data augmentation,
label smoothing and ensembles.

Conventions
-----------
* All arrays are float64. Randomness only through explicit seeds or ``np.random.Generator`` objects, and every
  function says exactly which random numbers it draws, in which order, so that a seed reproduces its result.
* Norm penalties follow the notes: the L2 penalty is ``Omega(w) = 1/2 ||w||^2`` (gradient ``w``), the L1 penalty
  ``Omega(w) = ||w||_1`` (subgradient ``sign(w)``, which is 0 at ``w == 0``, as ``np.sign`` and PyTorch's ``abs``
  give). A regularised objective is ``J(w) + alpha * Omega(w)``.
* Layers are pairs ``X_forward(x, ...) -> (out, cache)`` and ``X_backward(dout, cache) -> grads``, as in Lab 4.
* Dropout: ``p`` is the probability of **dropping** a unit (the lectures' convention; PyTorch's ``p`` too).
* Batch normalization normalises with the **biased** batch variance (divide by N, as the notes and PyTorch do),
  and its running variance averages the **unbiased** batch variance (divide by N - 1, as PyTorch's
  ``BatchNorm1d`` does). ``momentum`` is the weight of the old running value (``running = momentum * running +
  (1 - momentum) * batch``), so our ``momentum = 0.9`` is PyTorch's ``momentum = 0.1``.
* Images are ``(N, C, H, W)``; the horizontal flip reverses the width axis (axis 3).
* Label smoothing follows the notes' example: the true class gets ``1 - epsilon`` and the ``C - 1`` other classes
  share ``epsilon`` equally (``epsilon / (C - 1)`` each). (Other texts, and PyTorch's ``label_smoothing``, spread
  ``epsilon`` over all ``C`` classes instead: true class ``1 - epsilon + epsilon / C``.)
"""

import numpy as np

from .layers import affine_backward, affine_forward, relu_backward, relu_forward
from .optim import cosine_lr, sgd_momentum
from .softmax import softmax, softmax_loss

# ---------------------------------------------------------------------------------------------------------------
# Norm penalties
# ---------------------------------------------------------------------------------------------------------------


def l2_penalty(w):
    """The L2 penalty of the notes, ``Omega(w) = 1/2 * sum(w**2)``, and its gradient.

    Parameters
    ----------
    w : ndarray of float64, any shape
        Weights.

    Returns
    -------
    penalty : float
        ``0.5 * sum(w**2)`` (a Python float).
    dw : ndarray of float64, same shape as ``w``
        The gradient ``w`` (a new array, not ``w`` itself).
    """
    ### BEGIN SOLUTION
    penalty = 0.5 * float(np.sum(w * w))
    dw = np.array(w, dtype=np.float64, copy=True)
    return penalty, dw
    ### END SOLUTION


def l1_penalty(w):
    """The L1 penalty ``Omega(w) = sum(|w|)`` and a subgradient.

    ``|w|`` has no derivative at 0; we use the subgradient **0** there (any value in ``[-1, 1]`` is a valid
    subgradient; 0 is what ``np.sign`` and PyTorch's ``abs`` give).

    Parameters
    ----------
    w : ndarray of float64, any shape
        Weights.

    Returns
    -------
    penalty : float
        ``sum(|w|)`` (a Python float).
    dw : ndarray of float64, same shape as ``w``
        ``sign(w)``: +1 where ``w > 0``, -1 where ``w < 0`` and 0 where ``w == 0``.
    """
    ### BEGIN SOLUTION
    penalty = float(np.sum(np.abs(w)))
    dw = np.sign(w).astype(np.float64)
    return penalty, dw
    ### END SOLUTION


def penalized_sgd_step(w, dw, learning_rate, alpha, penalty="l2"):
    """One SGD step on the regularised objective ``J(w) + alpha * Omega(w)``.

    ``w_next = w - learning_rate * (dw + alpha * dOmega(w))``, with ``Omega`` and its (sub)gradient from
    ``l2_penalty`` or ``l1_penalty``.

    Parameters
    ----------
    w : ndarray of float64, any shape
        Current weights.
    dw : ndarray of float64, same shape as ``w``
        Gradient of the data term ``J`` at ``w``.
    learning_rate : float
        Step size (the notes' epsilon).
    alpha : float
        Strength of the penalty (``alpha >= 0``).
    penalty : {'l2', 'l1'}
        Which penalty.

    Returns
    -------
    w_next : ndarray of float64, same shape as ``w``
        The weights after the step (``w`` is not modified).

    Raises
    ------
    ValueError
        For any other ``penalty``.
    """
    ### BEGIN SOLUTION
    penalties = {"l2": l2_penalty, "l1": l1_penalty}
    if penalty not in penalties:
        raise ValueError(f"unknown penalty {penalty!r}; use 'l2' or 'l1'")
    _, dpenalty = penalties[penalty](w)
    w_next = w - learning_rate * (dw + alpha * dpenalty)
    return w_next
    ### END SOLUTION


def weight_decay_step(w, dw, learning_rate, alpha):
    """One SGD step in the weight-decay form of the notes, ``w <- (1 - learning_rate * alpha) * w - learning_rate
    * dw``.

    For the L2 penalty this is the same step as ``penalized_sgd_step(w, dw, learning_rate, alpha, 'l2')``: every
    step first shrinks the weights by the factor ``1 - learning_rate * alpha``.

    Parameters
    ----------
    w : ndarray of float64, any shape
        Current weights.
    dw : ndarray of float64, same shape as ``w``
        Gradient of the data term ``J`` at ``w``.
    learning_rate : float
        Step size.
    alpha : float
        Weight decay (``alpha >= 0``).

    Returns
    -------
    w_next : ndarray of float64, same shape as ``w``
        The weights after the step (``w`` is not modified).
    """
    ### BEGIN SOLUTION
    w_next = (1.0 - learning_rate * alpha) * w - learning_rate * dw
    return w_next
    ### END SOLUTION


def l1_proximal_step(w, dw, learning_rate, alpha):
    """One proximal gradient step for ``J(w) + alpha * ||w||_1`` (ISTA): a gradient step on ``J``, then
    soft-thresholding.

    ``z = w - learning_rate * dw``; ``w_next = sign(z) * max(|z| - learning_rate * alpha, 0)``. Every entry with
    ``|z| <= learning_rate * alpha`` becomes **exactly** 0, which a subgradient step ``w - learning_rate * (dw +
    alpha * sign(w))`` almost never achieves: it jumps back and forth across 0 instead.

    Parameters
    ----------
    w : ndarray of float64, any shape
        Current weights.
    dw : ndarray of float64, same shape as ``w``
        Gradient of the data term ``J`` at ``w``.
    learning_rate : float
        Step size.
    alpha : float
        Strength of the L1 penalty (``alpha >= 0``).

    Returns
    -------
    w_next : ndarray of float64, same shape as ``w``
        The weights after the step (``w`` is not modified).
    """
    ### BEGIN SOLUTION
    z = w - learning_rate * dw
    w_next = np.sign(z) * np.maximum(np.abs(z) - learning_rate * alpha, 0.0)
    return w_next
    ### END SOLUTION


def linear_regression_path(X, y, penalty, alpha, learning_rate, steps, proximal=False):
    """Full-batch gradient descent on ``1/(2N) ||X w - y||^2 + alpha * Omega(w)`` from ``w = 0``.

    Each step takes ``dw = X.T @ (X @ w - y) / N`` and calls ``penalized_sgd_step`` (or ``l1_proximal_step``
    when ``proximal`` is true, for the L1 penalty).

    Parameters
    ----------
    X : ndarray of float64, shape (N, D)
    y : ndarray of float64, shape (N,)
    penalty : {'l2', 'l1'}
    alpha : float
    learning_rate : float
    steps : int
    proximal : bool, default False

    Returns
    -------
    w : ndarray of float64, shape (D,)
        The weights after ``steps`` steps.
    """
    N, D = X.shape
    w = np.zeros(D)
    for _ in range(steps):  # a loop over steps, not samples
        dw = X.T @ (X @ w - y) / N
        w = (l1_proximal_step(w, dw, learning_rate, alpha) if proximal
             else penalized_sgd_step(w, dw, learning_rate, alpha, penalty))
    return w


# ---------------------------------------------------------------------------------------------------------------
# Overfitting: polynomials of growing degree, ridge regression
# ---------------------------------------------------------------------------------------------------------------


def polynomial_features(x, degree):
    """The powers ``x**0, x**1, ..., x**degree`` of every sample, one sample per row.

    Parameters
    ----------
    x : ndarray of float64, shape (N,)
        Inputs.
    degree : int
        Highest power (``degree >= 0``).

    Returns
    -------
    X : ndarray of float64, shape (N, degree + 1)
        ``X[i, k] = x[i] ** k``; the first column is all ones.
    """
    ### BEGIN SOLUTION
    x = np.asarray(x, dtype=np.float64)
    X = x[:, None] ** np.arange(degree + 1)
    return X
    ### END SOLUTION


def ridge_fit(X, y, lam):
    """Least squares with an L2 penalty: the minimiser of ``1/2 ||X theta - y||^2 + lam/2 ||theta[1:]||^2``.

    The first column of ``X`` is the constant feature (``x**0 = 1``), and its coefficient (the intercept) is
    **not** penalised. Setting the gradient to zero gives the normal equations
    ``(X.T @ X + lam * P) theta = X.T @ y`` with ``P = diag(0, 1, ..., 1)``. Solve them (``np.linalg.solve``;
    never form an inverse). With ``lam = 0`` this is ordinary least squares (then ``X`` must have full column
    rank).

    Parameters
    ----------
    X : ndarray of float64, shape (N, K)
        Features; column 0 is all ones.
    y : ndarray of float64, shape (N,)
        Targets.
    lam : float
        Penalty strength ``lambda >= 0``.

    Returns
    -------
    theta : ndarray of float64, shape (K,)
        The coefficients.
    """
    ### BEGIN SOLUTION
    K = X.shape[1]
    P = np.eye(K)
    P[0, 0] = 0.0
    theta = np.linalg.solve(X.T @ X + lam * P, X.T @ y)
    return theta
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Early stopping
# ---------------------------------------------------------------------------------------------------------------


class EarlyStopping:
    """Stop training when the validation loss has not improved for ``patience`` epochs; keep the best parameters.

    Call ``update(val_loss, params)`` once after every epoch. An epoch **improves** when ``val_loss <
    best_loss - min_delta``; then the stopper remembers that epoch and a copy of ``params``. After ``patience``
    epochs in a row without improvement, ``update`` returns True: stop, and load ``best_params`` back into the
    model (the parameters of the last epoch are those of an overfitted model).

    Parameters
    ----------
    patience : int
        Epochs without improvement to wait (``patience >= 1``).
    min_delta : float, default 0.0
        An improvement must be larger than this.

    Attributes
    ----------
    best_loss : float
        The lowest validation loss so far (``inf`` before the first update).
    best_epoch : int
        The epoch of ``best_loss``, counting ``update`` calls from 0 (-1 before the first update).
    best_params : dict of str -> ndarray, or None
        Copies of the arrays of ``params`` at ``best_epoch``. The training loop updates its parameter arrays in
        place, so the stopper must copy each array (``v.copy()``), not keep the dictionary or the arrays.
    epoch : int
        The index of the last ``update`` call (-1 before the first).
    bad_epochs : int
        Epochs since the last improvement.
    """

    def __init__(self, patience, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = np.inf
        self.best_epoch = -1
        self.best_params = None
        self.epoch = -1
        self.bad_epochs = 0

    def update(self, val_loss, params):
        """Record one epoch's validation loss; return True when training should stop.

        Parameters
        ----------
        val_loss : float
            The validation loss after this epoch.
        params : dict of str -> ndarray
            The model's parameters after this epoch (they will be changed in place by later epochs).

        Returns
        -------
        stop : bool
            True once ``bad_epochs >= patience``.
        """
        ### BEGIN SOLUTION
        self.epoch += 1
        improved = val_loss < self.best_loss - self.min_delta
        self.bad_epochs = 0 if improved else self.bad_epochs + 1
        if improved:
            self.best_loss = float(val_loss)
            self.best_epoch = self.epoch
            self.best_params = {key: np.array(value, copy=True) for key, value in params.items()}
        return self.bad_epochs >= self.patience
        ### END SOLUTION


def early_stopping_run(val_losses, param_history, patience, min_delta=0.0):
    """Replay a training run through ``EarlyStopping`` (how the grader calls your class).

    A "model" with parameters ``params`` is set, epoch after epoch, **in place** to ``param_history[key][epoch]``
    (as a training loop changes its arrays in place); after each epoch ``update(val_losses[epoch], params)`` is
    called, until it returns True or the epochs run out.

    Parameters
    ----------
    val_losses : sequence of float, length E
        The validation loss after each epoch.
    param_history : dict of str -> ndarray, each of shape (E, ...)
        Every parameter's value after each epoch.
    patience : int
    min_delta : float, default 0.0

    Returns
    -------
    best_epoch : int
        ``stopper.best_epoch``.
    stop_epoch : int
        The epoch at which ``update`` returned True (``E - 1`` when it never did).
    best_params : dict of str -> ndarray
        ``stopper.best_params``.
    """
    stopper = EarlyStopping(patience, min_delta)
    params = {key: np.array(values[0], dtype=np.float64) for key, values in param_history.items()}
    stop_epoch = len(val_losses) - 1
    for epoch, val_loss in enumerate(val_losses):
        for key in params:
            params[key][...] = param_history[key][epoch]
        if stopper.update(float(val_loss), params):
            stop_epoch = epoch
            break  # update said stop
    return stopper.best_epoch, stop_epoch, stopper.best_params


# ---------------------------------------------------------------------------------------------------------------
# Dropout
# ---------------------------------------------------------------------------------------------------------------


def dropout_forward(x, dropout_param):
    """Inverted dropout: drop each unit with probability ``p`` and scale the kept ones by ``1 / (1 - p)``.

    The mask is a deterministic function of the seed: ``keep = np.random.default_rng(seed).random(x.shape) < 1 -
    p`` (one call, a fresh generator per forward pass; the notes' ``h * (u < 1 - p) / (1 - p)``), so each unit is
    kept with probability ``1 - p``. In training, ``out = x * keep / (1 - p)``, whose expected value is ``x``; in
    test mode dropout is the identity, ``out = x``.

    Parameters
    ----------
    x : ndarray of float64, any shape
        Input activations.
    dropout_param : dict
        ``'p'``: float in ``[0, 1)``, the drop probability; ``'mode'``: ``'train'`` or ``'test'``; ``'seed'``
        (optional): the seed of the mask (``None`` or missing: a fresh, unseeded generator).

    Returns
    -------
    out : ndarray of float64, same shape as ``x``
        The output.
    cache : tuple
        ``(dropout_param, mask)``: ``mask = keep / (1 - p)`` (float64, shape of ``x``) in training mode, ``None``
        in test mode.
    """
    ### BEGIN SOLUTION
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode not in ("train", "test"):
        raise ValueError(f"unknown dropout mode {mode!r}")
    if mode == "test":
        return np.array(x, dtype=np.float64, copy=True), (dropout_param, None)
    rng = np.random.default_rng(dropout_param.get("seed"))
    mask = (rng.random(x.shape) < 1 - p) / (1 - p)
    out = x * mask
    cache = (dropout_param, mask)
    return out, cache
    ### END SOLUTION


def dropout_backward(dout, cache):
    """Backward pass of inverted dropout.

    Parameters
    ----------
    dout : ndarray of float64, same shape as the forward input
        Upstream gradient.
    cache : tuple
        ``(dropout_param, mask)`` from ``dropout_forward``.

    Returns
    -------
    dx : ndarray of float64, same shape as ``dout``
        ``dout * mask`` in training mode (dropped units get no gradient, kept ones ``dout / (1 - p)``); ``dout``
        in test mode.
    """
    ### BEGIN SOLUTION
    dropout_param, mask = cache
    if dropout_param["mode"] == "test":
        return np.array(dout, dtype=np.float64, copy=True)
    dx = dout * mask
    return dx
    ### END SOLUTION


def dropout_forward_noninverted(x, dropout_param):
    """The original, non-inverted dropout: drop units in training without rescaling; scale by ``1 - p`` at test.

    Training: ``out = x * keep`` with the same mask as ``dropout_forward`` (``keep =
    np.random.default_rng(seed).random(x.shape) < 1 - p``), so ``E[out] = (1 - p) x``. Test: ``out = (1 - p) *
    x``, the expected training output. Inverted dropout moves the factor to training time instead, so that the
    test-time network is left untouched.

    Parameters
    ----------
    x : ndarray of float64, any shape
    dropout_param : dict
        As for ``dropout_forward``.

    Returns
    -------
    out : ndarray of float64, same shape as ``x``
    cache : tuple
        ``(dropout_param, mask)``: ``mask = keep`` as float64 (0 or 1) in training mode, ``None`` in test mode.
    """
    ### BEGIN SOLUTION
    p, mode = dropout_param["p"], dropout_param["mode"]
    if mode not in ("train", "test"):
        raise ValueError(f"unknown dropout mode {mode!r}")
    if mode == "test":
        return (1 - p) * x, (dropout_param, None)
    rng = np.random.default_rng(dropout_param.get("seed"))
    keep = (rng.random(x.shape) < 1 - p).astype(np.float64)
    return x * keep, (dropout_param, keep)
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Batch normalization
# ---------------------------------------------------------------------------------------------------------------


def batchnorm_forward(x, gamma, beta, bn_param):
    """Batch normalization of every feature (column) of a batch, then a learned scale and shift.

    Training mode (``N >= 2``): with the batch mean ``mu = mean(x, axis=0)`` and the **biased** batch variance
    ``var = mean((x - mu)**2, axis=0)``,

        ``x_hat = (x - mu) / sqrt(var + eps)``,  ``out = gamma * x_hat + beta``,

    and the running averages are updated **in place in bn_param** (the dictionary's entries are replaced):

        ``running_mean = momentum * running_mean + (1 - momentum) * mu``
        ``running_var  = momentum * running_var  + (1 - momentum) * var * N / (N - 1)``  (unbiased, as PyTorch)

    Test mode: ``x_hat = (x - running_mean) / sqrt(running_var + eps)``, ``out = gamma * x_hat + beta``; the
    running averages are not changed.

    Parameters
    ----------
    x : ndarray of float64, shape (N, D)
        Input batch (``N >= 2`` in training mode).
    gamma : ndarray of float64, shape (D,)
        Scale.
    beta : ndarray of float64, shape (D,)
        Shift.
    bn_param : dict
        ``'mode'``: ``'train'`` or ``'test'`` (required); ``'eps'`` (default 1e-5); ``'momentum'`` (default 0.9);
        ``'running_mean'`` (default zeros of shape (D,)) and ``'running_var'`` (default ones of shape (D,)),
        both written back into ``bn_param`` in training mode.

    Returns
    -------
    out : ndarray of float64, shape (N, D)
        The normalised, scaled and shifted batch.
    cache : tuple or None
        Training mode: ``(x, x_hat, mu, var, gamma, beta, eps)`` (``mu`` and ``var`` of shape (D,), ``var`` the
        biased batch variance). Test mode: ``None`` (the backward passes are for training mode).

    Raises
    ------
    ValueError
        For an unknown mode, or a training batch of a single sample (its unbiased variance is undefined).
    """
    ### BEGIN SOLUTION
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D))
    running_var = bn_param.get("running_var", np.ones(D))
    if mode not in ("train", "test"):
        raise ValueError(f"unknown batch norm mode {mode!r}")
    if mode == "test":
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        return gamma * x_hat + beta, None  # the running averages stay as they are
    if N < 2:
        raise ValueError("batch normalization needs at least 2 samples per batch in training mode")
    mu = x.mean(axis=0)
    var = x.var(axis=0)
    x_hat = (x - mu) / np.sqrt(var + eps)
    out = gamma * x_hat + beta
    bn_param["running_mean"] = momentum * running_mean + (1 - momentum) * mu
    bn_param["running_var"] = momentum * running_var + (1 - momentum) * var * N / (N - 1)
    cache = (x, x_hat, mu, var, gamma, beta, eps)
    return out, cache
    ### END SOLUTION


def batchnorm_backward(dout, cache):
    """Backward pass of batch normalization (training mode), node by node along the notes' graph.

    The forward pass as the notes draw it, per feature, for a batch of N samples::

        mu = mean(x)      c = x - mu        var = mean(c**2)    f = var + eps
        e = sqrt(f)       d = 1 / e         b = c * d (= x_hat) a = gamma * b     y = a + beta

    Walk it backwards, one local derivative per node. ``c`` is used twice (in ``b`` and in ``var``) and ``mu``
    depends on every ``x``, so their gradients collect two paths: ``dc = d * db + 2 c / N * dvar`` and ``dx = dc +
    dmu / N`` with ``dmu = -sum(dc)``. Sums run over the batch (axis 0).

    Parameters
    ----------
    dout : ndarray of float64, shape (N, D)
        Upstream gradient.
    cache : tuple
        ``(x, x_hat, mu, var, gamma, beta, eps)`` from ``batchnorm_forward`` in training mode.

    Returns
    -------
    dx : ndarray of float64, shape (N, D)
    dgamma : ndarray of float64, shape (D,)
        ``sum(dout * x_hat, axis=0)``.
    dbeta : ndarray of float64, shape (D,)
        ``sum(dout, axis=0)``.
    """
    ### BEGIN SOLUTION
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = x.shape[0]
    c = x - mu
    f = var + eps
    e = np.sqrt(f)
    d = 1.0 / e
    b = c * d
    # y = a + beta
    dbeta = dout.sum(axis=0)
    da = dout
    # a = gamma * b
    dgamma = (da * b).sum(axis=0)
    db = gamma * da
    # b = c * d
    dc = d * db
    dd = (c * db).sum(axis=0)
    # d = 1 / e, e = sqrt(f), f = var + eps
    de = -1.0 / e ** 2 * dd
    df = 0.5 / e * de
    dvar = df
    # var = mean(c ** 2): the second path into c
    dc = dc + 2.0 * c / N * dvar
    # c = x - mu, mu = mean(x): the mean's path
    dmu = -dc.sum(axis=0)
    dx = dc + dmu / N
    return dx, dgamma, dbeta
    ### END SOLUTION


def batchnorm_backward_alt(dout, cache):
    """Backward pass of batch normalization (training mode) in the simplified closed form.

    Collecting the paths of ``batchnorm_backward`` on paper gives, per feature,

        ``dx = gamma / (N * sqrt(var + eps)) * (N * dout - sum(dout) - x_hat * sum(dout * x_hat))``,

    sums over the batch (axis 0). Same arguments and results as ``batchnorm_backward``, in one line for ``dx``.

    Parameters
    ----------
    dout : ndarray of float64, shape (N, D)
    cache : tuple
        ``(x, x_hat, mu, var, gamma, beta, eps)`` from ``batchnorm_forward`` in training mode.

    Returns
    -------
    dx : ndarray of float64, shape (N, D)
    dgamma : ndarray of float64, shape (D,)
    dbeta : ndarray of float64, shape (D,)
    """
    ### BEGIN SOLUTION
    x, x_hat, mu, var, gamma, beta, eps = cache
    N = x.shape[0]
    dbeta = dout.sum(axis=0)
    dgamma = (dout * x_hat).sum(axis=0)
    dx = gamma / (N * np.sqrt(var + eps)) * (N * dout - dbeta - x_hat * dgamma)
    return dx, dgamma, dbeta
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Data augmentation
# ---------------------------------------------------------------------------------------------------------------


def random_flip(x, rng, p=0.5):
    """Mirror each image of a batch left-right with probability ``p``.

    Draws ``flip = rng.random(N) < p`` (one call) and reverses the **width** axis (axis 3) of the images where
    ``flip`` is true.

    Parameters
    ----------
    x : ndarray of float64, shape (N, C, H, W)
        Images.
    rng : numpy.random.Generator
    p : float, default 0.5

    Returns
    -------
    out : ndarray of float64, shape (N, C, H, W)
        A new batch; ``x`` is not modified.
    """
    ### BEGIN SOLUTION
    flip = rng.random(x.shape[0]) < p
    out = np.where(flip[:, None, None, None], x[:, :, :, ::-1], x)
    return out
    ### END SOLUTION


def random_crop(x, rng, pad):
    """Zero-pad each image by ``pad`` pixels on all four sides, then cut out a window of the original size.

    The padded images have shape ``(H + 2 pad, W + 2 pad)``. Draws ``top = rng.integers(0, 2 * pad + 1, size=N)``
    and then ``left = rng.integers(0, 2 * pad + 1, size=N)`` (two calls, in this order), and image ``i`` of the
    output is ``padded[i, :, top[i]:top[i] + H, left[i]:left[i] + W]``: a copy shifted by up to ``pad`` pixels in
    every direction (``top = left = pad`` gives the image back). Vectorised, no loop over the images.

    Parameters
    ----------
    x : ndarray of float64, shape (N, C, H, W)
        Images.
    rng : numpy.random.Generator
    pad : int
        Padding (``pad >= 0``).

    Returns
    -------
    out : ndarray of float64, shape (N, C, H, W)
        A new batch; ``x`` is not modified.
    """
    ### BEGIN SOLUTION
    N, C, H, W = x.shape
    padded = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    top = rng.integers(0, 2 * pad + 1, size=N)
    left = rng.integers(0, 2 * pad + 1, size=N)
    rows = top[:, None] + np.arange(H)  # (N, H)
    cols = left[:, None] + np.arange(W)  # (N, W)
    out = padded[np.arange(N)[:, None, None, None], np.arange(C)[None, :, None, None],
                 rows[:, None, :, None], cols[:, None, None, :]]
    return out
    ### END SOLUTION


def add_gaussian_noise(x, rng, std):
    """Add independent Gaussian noise to every pixel: ``x + rng.normal(0.0, std, size=x.shape)`` (one call).

    Parameters
    ----------
    x : ndarray of float64, shape (N, C, H, W) (any shape works)
    rng : numpy.random.Generator
    std : float
        Standard deviation of the noise.

    Returns
    -------
    out : ndarray of float64, same shape as ``x``
        A new array; ``x`` is not modified.
    """
    ### BEGIN SOLUTION
    out = x + rng.normal(0.0, std, size=x.shape)
    return out
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Label smoothing
# ---------------------------------------------------------------------------------------------------------------


def smooth_labels(y, num_classes, epsilon=0.1):
    """Smoothed one-hot targets, the notes' convention: ``1 - epsilon`` for the true class, ``epsilon / (C - 1)``
    for each of the ``C - 1`` others.

    With 10 classes and ``epsilon = 0.1`` a "dog" becomes ``[0.011, ..., 0.9, ..., 0.011]``, as in the notes.
    (PyTorch's ``label_smoothing = s`` spreads ``s`` over all C classes instead; the two agree for ``s = epsilon *
    C / (C - 1)``.)

    Parameters
    ----------
    y : ndarray of int, shape (N,)
        Labels in ``[0, num_classes)``.
    num_classes : int
        C, at least 2.
    epsilon : float, default 0.1
        Probability mass taken from the true class (``0 <= epsilon < 1``).

    Returns
    -------
    targets : ndarray of float64, shape (N, C)
        Every row sums to 1.
    """
    ### BEGIN SOLUTION
    y = np.asarray(y)
    targets = np.full((y.shape[0], num_classes), epsilon / (num_classes - 1))
    targets[np.arange(y.shape[0]), y] = 1.0 - epsilon
    return targets
    ### END SOLUTION


def soft_cross_entropy(scores, targets):
    """Cross-entropy of the softmax of ``scores`` against probability targets, averaged over the batch.

    ``L = -(1/N) sum_i sum_c targets[i, c] * log softmax(scores[i])_c``, computed with a stable log-softmax
    (subtract the row maximum). Its gradient is ``dL/dscores = (softmax(scores) * sum_c targets[i, c] - targets) /
    N``, i.e. ``(softmax(scores) - targets) / N`` when each row of ``targets`` sums to 1. With one-hot targets
    this is Lab 3's ``softmax_loss``.

    Parameters
    ----------
    scores : ndarray of float64, shape (N, C)
        Class scores.
    targets : ndarray of float64, shape (N, C)
        Target probabilities (e.g. from ``smooth_labels``).

    Returns
    -------
    loss : float
    dscores : ndarray of float64, shape (N, C)
    """
    ### BEGIN SOLUTION
    N = scores.shape[0]
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -float(np.sum(targets * log_probs)) / N
    dscores = (np.exp(log_probs) * targets.sum(axis=1, keepdims=True) - targets) / N
    return loss, dscores
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Ensembles
# ---------------------------------------------------------------------------------------------------------------


def ensemble_predict(scores):
    """Combine K models by averaging their predicted **probabilities**.

    Each model's scores go through the softmax first (Lab 3's ``softmax``, along the last axis); the ensemble's
    probabilities are the mean over the K models, and its prediction the most probable class (``argmax``; ties go
    to the smallest class index).

    Parameters
    ----------
    scores : ndarray of float64, shape (K, N, C)
        ``scores[k]`` are model k's class scores for the N samples.

    Returns
    -------
    probs : ndarray of float64, shape (N, C)
        The averaged probabilities; rows sum to 1.
    labels : ndarray of int64, shape (N,)
        ``argmax`` of ``probs`` along the classes.
    """
    ### BEGIN SOLUTION
    probs = softmax(scores).mean(axis=0)
    labels = np.argmax(probs, axis=1)
    return probs, labels
    ### END SOLUTION


def bootstrap_indices(n, rng):
    """Indices of a bootstrap sample: ``n`` draws **with replacement** from ``0 .. n-1``.

    Draws ``rng.integers(0, n, size=n)`` (one call). A bootstrap sample holds about ``1 - 1/e = 63 %`` of the
    distinct samples; the rest are repeats. Bagging trains each model of an ensemble on its own bootstrap sample.

    Parameters
    ----------
    n : int
        Size of the training set.
    rng : numpy.random.Generator

    Returns
    -------
    indices : ndarray of int64, shape (n,)
    """
    ### BEGIN SOLUTION
    indices = rng.integers(0, n, size=n)
    return indices
    ### END SOLUTION


def cyclic_cosine_lr(step, cycle_length, lr_max, lr_min=0.0):
    """The learning rate of a snapshot ensemble: Lab 5's cosine schedule, restarted every ``cycle_length`` steps.

    ``cosine_lr(step % cycle_length, cycle_length, lr_max, lr_min)``: the rate falls from ``lr_max`` to near
    ``lr_min`` during every cycle and jumps back to ``lr_max`` at the start of the next one. A snapshot of the
    model is taken at the last step of every cycle (``step % cycle_length == cycle_length - 1``), in a dip.

    Parameters
    ----------
    step : int
        Step number, from 0.
    cycle_length : int
        Steps per cycle.
    lr_max, lr_min : float

    Returns
    -------
    lr : float
    """
    ### BEGIN SOLUTION
    lr = cosine_lr(step % cycle_length, cycle_length, lr_max, lr_min)
    return float(lr)
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# A regularised network and its training loop (given)
# ---------------------------------------------------------------------------------------------------------------


class RegularizedMLP:
    """An MLP whose hidden layers are, in the notes' order, affine -> ReLU -> batch norm -> dropout.

    ``layer_sizes = [D, H1, ..., C]`` gives ``L`` affine layers; every one but the last is followed by ReLU,
    then (if ``batchnorm``) batch normalization with parameters ``gamma<l>``, ``beta<l>``, then (if ``dropout >
    0``) inverted dropout with drop probability ``dropout``. The loss is the softmax cross-entropy (or
    ``soft_cross_entropy`` against ``targets``) plus ``reg * sum_l l2_penalty(W_l)``. Weights start as He
    initialisation, ``N(0, 2 / n_in)``, biases at 0, ``gamma`` at 1, ``beta`` at 0.

    Parameters
    ----------
    layer_sizes : sequence of int
    dropout : float, default 0.0
        Drop probability of every hidden layer.
    batchnorm : bool, default False
    reg : float, default 0.0
        Strength ``alpha`` of the L2 penalty on the weight matrices.
    seed : int, default 0
        Seeds the weights and the dropout masks (each training forward pass draws a new mask seed).
    """

    def __init__(self, layer_sizes, dropout=0.0, batchnorm=False, reg=0.0, seed=0):
        rng = np.random.default_rng(seed)
        self.layer_sizes = list(layer_sizes)
        self.num_layers = len(self.layer_sizes) - 1
        self.dropout, self.batchnorm, self.reg = dropout, batchnorm, reg
        self.mask_rng = np.random.default_rng(rng.integers(2**32))
        self.params, self.bn_params, self.dropout_params = {}, {}, {}
        for l in range(1, self.num_layers + 1):
            n_in, n_out = self.layer_sizes[l - 1], self.layer_sizes[l]
            self.params[f"W{l}"] = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
            self.params[f"b{l}"] = np.zeros(n_out)
            if l < self.num_layers and batchnorm:
                self.params[f"gamma{l}"] = np.ones(n_out)
                self.params[f"beta{l}"] = np.zeros(n_out)
                self.bn_params[l] = {"mode": "train", "momentum": 0.9, "eps": 1e-5,
                                     "running_mean": np.zeros(n_out), "running_var": np.ones(n_out)}
            if l < self.num_layers and dropout > 0:
                self.dropout_params[l] = {"p": dropout, "mode": "train"}

    def state(self):
        """The parameters and the batch norm running averages, as one dict of arrays (not copies)."""
        state = dict(self.params)
        for l, bn_param in self.bn_params.items():
            state[f"running_mean{l}"] = bn_param["running_mean"]
            state[f"running_var{l}"] = bn_param["running_var"]
        return state

    def load_state(self, state):
        """Set parameters and running averages from a dict made by ``state`` (copies are stored)."""
        for key in self.params:
            self.params[key] = np.array(state[key], copy=True)
        for l, bn_param in self.bn_params.items():
            bn_param["running_mean"] = np.array(state[f"running_mean{l}"], copy=True)
            bn_param["running_var"] = np.array(state[f"running_var{l}"], copy=True)

    def loss(self, X, y=None, targets=None):
        """Scores in test mode (no labels), or the training-mode loss and gradients.

        Parameters
        ----------
        X : ndarray of float64, shape (N, D)
        y : ndarray of int, shape (N,), optional
            Labels: training mode, ``softmax_loss``.
        targets : ndarray of float64, shape (N, C), optional
            Probability targets instead of ``y`` (label smoothing): training mode, ``soft_cross_entropy``.

        Returns
        -------
        scores : ndarray, shape (N, C)
            Without ``y`` and ``targets``: test mode (running averages, no dropout).
        loss, grads : float, dict
            Otherwise: training mode; ``grads`` has an entry for every key of ``params``.
        """
        mode = "test" if y is None and targets is None else "train"
        depth = self.num_layers
        saved = {}  # the caches of every layer
        h = X
        for l in range(1, depth):  # a loop over layers
            a, saved[("affine", l)] = affine_forward(h, self.params[f"W{l}"], self.params[f"b{l}"])
            h, saved[("relu", l)] = relu_forward(a)
            if l in self.bn_params:
                self.bn_params[l]["mode"] = mode
                h, saved[("bn", l)] = batchnorm_forward(h, self.params[f"gamma{l}"], self.params[f"beta{l}"],
                                                        self.bn_params[l])
            if l in self.dropout_params:
                self.dropout_params[l]["mode"] = mode
                self.dropout_params[l]["seed"] = int(self.mask_rng.integers(2**32)) if mode == "train" else None
                h, saved[("dropout", l)] = dropout_forward(h, self.dropout_params[l])
        scores, saved[("affine", depth)] = affine_forward(h, self.params[f"W{depth}"], self.params[f"b{depth}"])
        if mode == "test":
            return scores

        data_loss, dscores = soft_cross_entropy(scores, targets) if targets is not None else softmax_loss(scores, y)
        grads = dict()
        dh, grads[f"W{depth}"], grads[f"b{depth}"] = affine_backward(dscores, saved[("affine", depth)])
        for l in range(depth - 1, 0, -1):
            if l in self.dropout_params:
                dh = dropout_backward(dh, saved[("dropout", l)])
            if l in self.bn_params:
                dh, grads[f"gamma{l}"], grads[f"beta{l}"] = batchnorm_backward_alt(dh, saved[("bn", l)])
            da = relu_backward(dh, saved[("relu", l)])
            dh, grads[f"W{l}"], grads[f"b{l}"] = affine_backward(da, saved[("affine", l)])
        total = float(data_loss)
        for l in range(1, depth + 1):
            penalty, dpenalty = l2_penalty(self.params[f"W{l}"])
            total += self.reg * penalty
            grads[f"W{l}"] = grads[f"W{l}"] + self.reg * dpenalty
        return total, grads

    def predict_proba(self, X):
        """Class probabilities in test mode, shape (N, C)."""
        return softmax(self.loss(X))


def evaluate(model, X, y):
    """``(loss, accuracy)`` of ``model`` in test mode: mean cross-entropy of its scores and the share of right
    predictions."""
    scores = model.loss(X)
    loss, _ = softmax_loss(scores, y)
    return loss, float(np.mean(np.argmax(scores, axis=1) == y))


def train_model(model, X, y, X_val, y_val, epochs, batch_size, learning_rate, rng, update=sgd_momentum,
                config=None, augment=None, label_smoothing=0.0, early_stopping=None, snapshot_every=None,
                progress=False):
    """Train ``model`` with mini-batches and one of Lab 5's update rules (``sgd_momentum`` by default).

    Every epoch shuffles the training set (``rng.permutation``) and walks through it in batches of ``batch_size``
    (a last batch of a single sample is skipped: batch norm needs two). After every epoch the model is evaluated
    in test mode on the training and the validation set.

    Parameters
    ----------
    model : RegularizedMLP
    X, y : ndarray, shapes (N, D) and (N,)
        Training set.
    X_val, y_val : ndarray
        Validation set.
    epochs, batch_size : int
    learning_rate : float or callable
        A constant, or a function ``step -> rate`` of the step number (from 0), e.g. a schedule.
    rng : numpy.random.Generator
        Shuffles the batches (and draws the augmentations).
    update : callable, default sgd_momentum
        ``update(w, dw, config) -> (next_w, config)``, e.g. Lab 5's ``sgd`` or ``sgd_momentum``.
    config : dict, optional
        Settings every parameter's config starts from (e.g. ``{'momentum': 0.9}``); ``learning_rate`` is set
        before every step.
    augment : callable, optional
        ``augment(X_batch, rng) -> X_batch``, applied to every training batch.
    label_smoothing : float, default 0.0
        Train against ``smooth_labels(y, C, label_smoothing)`` when positive.
    early_stopping : EarlyStopping, optional
        Updated with the validation loss and ``model.state()`` after every epoch; when it says stop, training
        ends and the best state is loaded back into the model.
    snapshot_every : int, optional
        Keep a copy of ``model.state()`` every ``snapshot_every`` steps (a snapshot ensemble).

    Returns
    -------
    history : dict
        Lists per epoch: ``'train_loss'``, ``'val_loss'``, ``'train_acc'``, ``'val_acc'``; per step: ``'lr'``;
        and ``'snapshots'`` (list of states), ``'stopped_at'`` (epoch or None), ``'best_epoch'`` (or None).
    """
    history = {"train_loss": [], "val_loss": [], "train_acc": [], "val_acc": [], "lr": [], "snapshots": [],
               "stopped_at": None, "best_epoch": None}
    configs = {key: dict(config or {}) for key in model.params}
    num_classes = model.layer_sizes[-1]
    epoch_range = range(epochs)
    if progress:
        from tqdm.auto import tqdm

        epoch_range = tqdm(epoch_range, desc="epochs", leave=False)
    step = 0
    for epoch in epoch_range:
        order = rng.permutation(X.shape[0])
        for start in range(0, X.shape[0], batch_size):
            batch = order[start:start + batch_size]
            if batch.size < 2:
                continue
            X_batch = X[batch] if augment is None else augment(X[batch], rng)
            targets = smooth_labels(y[batch], num_classes, label_smoothing) if label_smoothing > 0 else None
            _, grads = model.loss(X_batch, y[batch], targets=targets)  # targets, when given, replace the labels
            lr = learning_rate(step) if callable(learning_rate) else learning_rate
            for key, grad in grads.items():
                configs[key]["learning_rate"] = lr
                next_w, configs[key] = update(model.params[key], grad, configs[key])
                model.params[key][...] = next_w  # in place, as the early stopping docstring warns
            history["lr"].append(lr)
            step += 1
            if snapshot_every and step % snapshot_every == 0:
                history["snapshots"].append({k: np.array(v, copy=True) for k, v in model.state().items()})
        for split, (X_eval, y_eval) in (("train", (X, y)), ("val", (X_val, y_val))):
            loss, accuracy = evaluate(model, X_eval, y_eval)
            history[f"{split}_loss"].append(loss)
            history[f"{split}_acc"].append(accuracy)
        if early_stopping is not None and early_stopping.update(history["val_loss"][-1], model.state()):
            history["stopped_at"] = epoch
            break  # the best state is loaded back below
    if early_stopping is not None and early_stopping.best_params is not None:
        model.load_state(early_stopping.best_params)
        history["best_epoch"] = early_stopping.best_epoch
    return history
