"""Lab 3 -- the softmax classifier.

A linear classifier gives every class ``c`` a score ``a_c(x) = x @ W[:, c] + b[c]``. The softmax turns the C
scores of one sample into a probability vector, and the classifier is trained by maximum likelihood, i.e. by
minimising the mean categorical cross-entropy ``-log p_y`` over the training set.

Conventions used throughout this module
---------------------------------------
- Shapes: N samples, D features, C classes. ``X`` is ``(N, D)``, ``W`` is ``(D, C)``, ``b`` is ``(C,)``,
  scores and probabilities are ``(N, C)``, labels ``y`` are integers in ``[0, C)`` of shape ``(N,)``.
- Everything is float64.
- The softmax is taken along the LAST axis and is made numerically stable by subtracting the row maximum first
  (the softmax does not change when the same constant is added to every score of a row).
- Losses are AVERAGED over the batch, and ``loss(scores, y) -> (loss, dscores)`` returns the loss as a Python
  ``float`` together with the gradient with respect to the scores.
- L2 regularisation: ``loss += reg * np.sum(W * W)``, hence ``dW += 2 * reg * W``. The bias is not regularised.
  (No factor 1/2: this is the convention of the lab; some books use ``0.5 * reg * ||W||^2`` instead.)
- ``linear_predict`` breaks ties between equal scores in favour of the smallest class index (``np.argmax``).
"""

import numpy as np


def one_hot(y, num_classes):
    """Encode integer class labels as one-hot rows.

    Parameters
    ----------
    y : ndarray of int, shape (N,)
        Class labels, each in ``[0, num_classes)``.
    num_classes : int
        Number of classes C.

    Returns
    -------
    Y : ndarray of float64, shape (N, C)
        ``Y[i, c] = 1.0`` if ``y[i] == c`` and ``0.0`` otherwise; every row holds exactly one 1.
    """
    ### BEGIN SOLUTION
    y = np.asarray(y)
    Y = np.zeros((y.shape[0], num_classes), dtype=np.float64)
    Y[np.arange(y.shape[0]), y] = 1.0
    return Y
    ### END SOLUTION


def softmax(scores):
    """Numerically stable softmax along the last axis.

    ``softmax(z)_j = exp(z_j) / sum_k exp(z_k)``. Because adding a constant to every entry of ``z`` does not
    change the result, the maximum of each row is subtracted first: then the largest exponent is ``exp(0) = 1``,
    nothing overflows, and the denominator is at least 1. Logits such as ``+-1e4`` or ``1e300`` therefore give
    finite probabilities (very negative shifted scores simply underflow to probability 0). Inputs must be finite.

    Parameters
    ----------
    scores : ndarray of float, shape (..., C)
        Scores (logits); any number of leading dimensions, e.g. ``(C,)``, ``(N, C)`` or ``(N, T, C)``.

    Returns
    -------
    probs : ndarray of float64, shape (..., C)
        Same shape as ``scores``; every entry lies in ``[0, 1]`` and every slice along the last axis sums to 1.
        The input is not modified.
    """
    ### BEGIN SOLUTION
    scores = np.asarray(scores, dtype=np.float64)
    shifted = scores - np.max(scores, axis=-1, keepdims=True)
    exp_scores = np.exp(shifted)
    probs = exp_scores / np.sum(exp_scores, axis=-1, keepdims=True)
    return probs
    ### END SOLUTION


def softmax_jacobian(s):
    """Jacobian of the softmax, written in terms of its output.

    If ``s = softmax(z)`` for one score vector ``z``, then ``ds_i/dz_j = s_i * (delta_ij - s_j)``, i.e.
    ``J = diag(s) - s s^T``. The matrix is symmetric and each of its rows sums to 0.

    Parameters
    ----------
    s : ndarray of float64, shape (C,)
        One probability vector (the softmax output for a single sample).

    Returns
    -------
    J : ndarray of float64, shape (C, C)
        ``J[i, j] = d s_i / d z_j``.
    """
    ### BEGIN SOLUTION
    s = np.asarray(s, dtype=np.float64)
    J = np.diag(s) - np.outer(s, s)
    return J
    ### END SOLUTION


def cross_entropy(probs, y, eps=1e-12):
    """Mean categorical cross-entropy of predicted probabilities.

    ``L = -(1/N) * sum_i log(probs[i, y[i]])``. Only the probability of the true class enters. To keep the loss
    finite when that probability is exactly 0, it is CLIPPED from below at ``eps`` before the logarithm, so one
    sample contributes at most ``-log(eps)`` (about 27.6 for the default). Probabilities at or above ``eps`` are
    used as they are. (When you have scores rather than probabilities, prefer ``softmax_loss``, which works with
    log-sum-exp and needs no clipping.)

    Parameters
    ----------
    probs : ndarray of float64, shape (N, C)
        Predicted probabilities, each row a probability vector.
    y : ndarray of int, shape (N,)
        True labels in ``[0, C)``.
    eps : float, optional
        Lower clipping bound for the true-class probability. Default 1e-12.

    Returns
    -------
    loss : float
        The mean cross-entropy over the batch (a Python float, >= 0).
    """
    ### BEGIN SOLUTION
    probs = np.asarray(probs, dtype=np.float64)
    y = np.asarray(y)
    p_true = probs[np.arange(probs.shape[0]), y]
    loss = -np.mean(np.log(np.maximum(p_true, eps)))
    return float(loss)
    ### END SOLUTION


def softmax_loss(scores, y):
    """Softmax cross-entropy loss and its gradient with respect to the scores.

    With ``p = softmax(scores)`` row by row, the loss is ``L = -(1/N) * sum_i log p[i, y[i]]``. It is computed
    stably with log-sum-exp: ``log p[i, c] = z[i, c] - m_i - log(sum_k exp(z[i, k] - m_i))`` with ``m_i`` the
    row maximum, so scores like ``+-1e4`` give a finite loss. The gradient is
    ``dL/dz = (p - one_hot(y)) / N``.

    Parameters
    ----------
    scores : ndarray of float64, shape (N, C)
        Class scores (logits) for N samples.
    y : ndarray of int, shape (N,)
        True labels in ``[0, C)``.

    Returns
    -------
    loss : float
        The mean cross-entropy over the batch (a Python float).
    dscores : ndarray of float64, shape (N, C)
        Gradient of ``loss`` with respect to ``scores``; each row sums to 0.
    """
    ### BEGIN SOLUTION
    scores = np.asarray(scores, dtype=np.float64)
    y = np.asarray(y)
    N = scores.shape[0]
    rows = np.arange(N)
    shifted = scores - np.max(scores, axis=1, keepdims=True)
    log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
    loss = -np.mean(log_probs[rows, y])
    dscores = np.exp(log_probs)
    dscores[rows, y] -= 1.0
    dscores /= N
    return float(loss), dscores
    ### END SOLUTION


def linear_softmax_loss(W, b, X, y, reg):
    """Loss and gradients of a linear softmax classifier with L2 regularisation.

    Scores are ``X @ W + b``; the loss is the mean softmax cross-entropy plus ``reg * np.sum(W * W)``.
    The bias is NOT regularised. Consequently ``dW = X^T dscores + 2 * reg * W`` and ``db = sum_i dscores[i]``.

    Parameters
    ----------
    W : ndarray of float64, shape (D, C)
        Weights.
    b : ndarray of float64, shape (C,)
        Biases.
    X : ndarray of float64, shape (N, D)
        A batch of N samples with D features each.
    y : ndarray of int, shape (N,)
        True labels in ``[0, C)``.
    reg : float
        L2 regularisation strength (>= 0).

    Returns
    -------
    loss : float
        Mean data loss plus ``reg * np.sum(W * W)`` (a Python float).
    dW : ndarray of float64, shape (D, C)
        Gradient of ``loss`` with respect to ``W``.
    db : ndarray of float64, shape (C,)
        Gradient of ``loss`` with respect to ``b``.
    """
    ### BEGIN SOLUTION
    scores = X @ W + b
    data_loss, dscores = softmax_loss(scores, y)
    loss = data_loss + reg * np.sum(W * W)
    dW = X.T @ dscores + 2.0 * reg * W
    db = np.sum(dscores, axis=0)
    return float(loss), dW, db
    ### END SOLUTION


def linear_predict(W, b, X):
    """Predicted class labels of a linear classifier.

    The label of a sample is the class with the highest score ``X @ W + b`` (equivalently the highest softmax
    probability, since the softmax is increasing). Ties go to the smallest class index, as with ``np.argmax``.

    Parameters
    ----------
    W : ndarray of float64, shape (D, C)
        Weights.
    b : ndarray of float64, shape (C,)
        Biases.
    X : ndarray of float64, shape (N, D)
        Samples.

    Returns
    -------
    y_pred : ndarray of int, shape (N,)
        Predicted labels in ``[0, C)``.
    """
    ### BEGIN SOLUTION
    y_pred = np.argmax(X @ W + b, axis=1)
    return y_pred
    ### END SOLUTION


def train_softmax_classifier(X, y, num_classes, lr, reg, epochs, batch_size, rng, progress=False,
                             X_val=None, y_val=None):
    """Train a linear softmax classifier with mini-batch stochastic gradient descent (given to students).

    ``W`` starts as ``0.001 * standard normal`` and ``b`` as zeros. Every epoch visits the training set once in
    a fresh random order, in mini-batches of ``batch_size`` samples (the last batch may be smaller), and after
    each batch takes the step ``W -= lr * dW``, ``b -= lr * db`` with the gradients of ``linear_softmax_loss``.

    Parameters
    ----------
    X : ndarray of float64, shape (N, D)
        Training samples.
    y : ndarray of int, shape (N,)
        Training labels in ``[0, num_classes)``.
    num_classes : int
        Number of classes C.
    lr : float
        Learning rate (step size) eta.
    reg : float
        L2 regularisation strength, as in ``linear_softmax_loss``.
    epochs : int
        Number of passes over the training set.
    batch_size : int
        Mini-batch size (>= 1).
    rng : numpy.random.Generator or int
        Source of all randomness (initial weights and the shuffling); an int is used as a seed for
        ``np.random.default_rng``. The same seed gives the same result.
    progress : bool, optional
        If True, show a progress bar over the epochs (needs ``tqdm``, imported only then).
    X_val : ndarray of float64, shape (M, D), optional
        Validation samples; if given with ``y_val``, the validation accuracy is recorded after each epoch.
    y_val : ndarray of int, shape (M,), optional
        Validation labels.

    Returns
    -------
    W : ndarray of float64, shape (D, C)
        Trained weights.
    b : ndarray of float64, shape (C,)
        Trained biases.
    history : dict
        ``'loss'``: list of ``epochs`` floats, the mean of the mini-batch losses (data loss + L2 term) seen during
        each epoch; ``'val_acc'``: list of per-epoch validation accuracies (empty when no validation data).
    """
    rng = np.random.default_rng(rng)
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y, dtype=np.int64)
    N, D = X.shape
    W = 0.001 * rng.standard_normal((D, num_classes))
    b = np.zeros(num_classes)
    history = {"loss": [], "val_acc": []}

    epoch_iter = range(epochs)
    if progress:
        from tqdm.auto import tqdm  # imported here so that solutions/ needs only numpy

        epoch_iter = tqdm(epoch_iter, desc="epochs")

    for _ in epoch_iter:
        order = rng.permutation(N)
        batch_losses = []
        for start in range(0, N, batch_size):
            idx = order[start:start + batch_size]
            loss, dW, db = linear_softmax_loss(W, b, X[idx], y[idx], reg)
            W -= lr * dW
            b -= lr * db
            batch_losses.append(loss)
        history["loss"].append(float(np.mean(batch_losses)))
        if X_val is not None and y_val is not None:
            history["val_acc"].append(float(np.mean(linear_predict(W, b, X_val) == y_val)))
        if progress:
            epoch_iter.set_postfix(loss=history["loss"][-1])

    return W, b, history
