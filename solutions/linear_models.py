"""Lab 2 -- linear models: least squares, perceptron, ADALINE, logistic regression, k-NN, a Gaussian
maximum-likelihood classifier and k-fold cross-validation.

Conventions used throughout this module
---------------------------------------
- Everything is float64 NumPy. A data matrix ``X`` has shape ``(N, D)``: one sample per ROW.
- Least squares keeps the bias inside the parameter vector. ``add_bias_column`` puts a column of ones FIRST,
  so ``theta = [b, w_1, ..., w_D]`` has shape ``(D+1,)`` and ``theta[0]`` is the bias. (The handwritten notes
  append the 1 at the end, ``x_hat = [x; 1]``; only the order differs.)
- The perceptron, ADALINE and logistic regression keep the weights ``w`` of shape ``(D,)`` and the bias ``b``
  (a float) apart, with ``z = x^T w + b``. Training starts from ``w = 0``, ``b = 0``.
- Binary labels are 0/1 (as in the lecture notes), given as an array of shape ``(N,)``.
- ADALINE's normalised Widrow-Hoff rule divides the step by ``||x_tilde||^2 = 1 + ||x||^2``, the SQUARED norm of
  the sample with its bias input 1 (normalised LMS), not by ``||x||`` as lecture 001, section 1.4.2 writes it.
- The binary step activation is ``yhat = 1 if z >= 0 else 0`` (so ``z = 0`` counts as class 1).
- Training loops record the loss BEFORE each update: ``losses[t]`` is the loss of the parameters after
  ``t`` updates, ``t = 0, ..., n_steps - 1``.
- The perceptron and ADALINE update after every sample, visiting the samples in the order they are stored.
  That per-sample loop is the lesson, so those two functions loop over samples; everything else is vectorised.
- Randomness only through an explicit ``rng`` argument (a ``np.random.Generator``).
"""

import numpy as np

# ----------------------------------------------------------------------------------------------------------
# Least squares
# ----------------------------------------------------------------------------------------------------------


def add_bias_column(X):
    """Prepend a column of ones to a data matrix (given to students).

    Parameters
    ----------
    X : ndarray of shape (N, D), float64
        Data, one sample per row.

    Returns
    -------
    Xb : ndarray of shape (N, D+1), float64
        ``Xb[:, 0] == 1`` and ``Xb[:, 1:] == X``. With ``theta = [b, w_1, ..., w_D]`` the predictions are
        ``Xb @ theta``.
    """
    X = np.asarray(X, dtype=np.float64)
    return np.hstack([np.ones((X.shape[0], 1)), X])


def least_squares_fit(X, y):
    """Closed-form least squares with a bias: solve the normal equations.

    Minimises ``sum_i (Xb[i] @ theta - y[i])^2`` where ``Xb = add_bias_column(X)``. Setting the gradient to
    zero gives the normal equations ``(Xb^T Xb) theta = Xb^T y``, i.e. ``theta = (Xb^T Xb)^{-1} Xb^T y``.
    Solve the linear system with ``np.linalg.solve``; do not form the inverse.

    Parameters
    ----------
    X : ndarray of shape (N, D), float64
        Inputs, one sample per row. ``Xb`` must have full column rank (in particular ``N >= D+1``),
        otherwise ``Xb^T Xb`` is singular.
    y : ndarray of shape (N,), float64
        Targets.

    Returns
    -------
    theta : ndarray of shape (D+1,), float64
        ``theta[0]`` is the bias, ``theta[1:]`` the weights.
    """
    ### BEGIN SOLUTION
    Xb = add_bias_column(X)
    theta = np.linalg.solve(Xb.T @ Xb, Xb.T @ y)
    return theta
    ### END SOLUTION


def mse_loss_and_grad(theta, X, y):
    """Mean squared error of a linear model with bias, and its gradient.

    ``loss = (1/N) * sum_i (Xb[i] @ theta - y[i])^2`` with ``Xb = add_bias_column(X)`` (the MEAN, with no
    factor 1/2), so ``dtheta = (2/N) * Xb^T (Xb @ theta - y)``.

    Parameters
    ----------
    theta : ndarray of shape (D+1,), float64
        ``[b, w_1, ..., w_D]``.
    X : ndarray of shape (N, D), float64
        Inputs, one sample per row (WITHOUT the bias column; it is added here).
    y : ndarray of shape (N,), float64
        Targets.

    Returns
    -------
    loss : float
        The mean squared error.
    dtheta : ndarray of shape (D+1,), float64
        Gradient of ``loss`` with respect to ``theta``.
    """
    ### BEGIN SOLUTION
    Xb = add_bias_column(X)
    residual = Xb @ theta - y  # (N,)
    n = Xb.shape[0]
    loss = float(np.mean(residual ** 2))
    dtheta = (2.0 / n) * (Xb.T @ residual)
    return loss, dtheta
    ### END SOLUTION


def least_squares_gd(X, y, lr, n_steps):
    """Minimise the mean squared error of ``mse_loss_and_grad`` by full-batch gradient descent.

    Starts at ``theta = 0`` and repeats ``n_steps`` times ``theta <- theta - lr * dtheta``. With a small enough
    learning rate and enough steps the result agrees with ``least_squares_fit`` (same minimiser: the mean and
    the sum of squared errors differ by the constant factor N).

    Parameters
    ----------
    X : ndarray of shape (N, D), float64
        Inputs, one sample per row.
    y : ndarray of shape (N,), float64
        Targets.
    lr : float
        Learning rate (step size) eta.
    n_steps : int
        Number of gradient steps.

    Returns
    -------
    theta : ndarray of shape (D+1,), float64
        Parameters after ``n_steps`` updates, ``[b, w_1, ..., w_D]``.
    losses : ndarray of shape (n_steps,), float64
        ``losses[t]`` is the loss BEFORE update ``t`` (so ``losses[0]`` is the loss at ``theta = 0``).
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    theta = np.zeros(X.shape[1] + 1)
    losses = np.zeros(n_steps)
    for t in range(n_steps):
        loss, dtheta = mse_loss_and_grad(theta, X, y)
        losses[t] = loss
        theta = theta - lr * dtheta
    return theta, losses
    ### END SOLUTION


# ----------------------------------------------------------------------------------------------------------
# Perceptron and ADALINE
# ----------------------------------------------------------------------------------------------------------


def perceptron_train(X, y, lr, epochs):
    """The perceptron algorithm: per-sample updates driven by the thresholded prediction.

    Starts at ``w = 0``, ``b = 0``. In every epoch, visit the samples in their stored order ``i = 0, ..., N-1``:

        z    = X[i] @ w + b
        yhat = 1 if z >= 0 else 0          (binary step; z == 0 gives 1)
        e    = y[i] - yhat                 (0, +1 or -1)
        w    <- w + lr * e * X[i]
        b    <- b + lr * e

    (the bias is the weight of a constant input 1). Correct predictions change nothing.

    Parameters
    ----------
    X : ndarray of shape (N, D), float64
        Inputs, one sample per row.
    y : ndarray of shape (N,)
        Labels in {0, 1}.
    lr : float
        Learning rate eta.
    epochs : int
        Number of passes over the data.

    Returns
    -------
    w : ndarray of shape (D,), float64
        Weights.
    b : float
        Bias.
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    w = np.zeros(X.shape[1])
    b = 0.0
    for _ in range(epochs):
        # The loop over samples is the lesson: the perceptron updates after every single sample.
        for i in range(X.shape[0]):
            z = X[i] @ w + b
            yhat = 1.0 if z >= 0 else 0.0
            error = y[i] - yhat
            w = w + lr * error * X[i]
            b = b + lr * error
    return w, float(b)
    ### END SOLUTION


def perceptron_predict(w, b, X):
    """Binary step predictions of a linear classifier.

    Parameters
    ----------
    w : ndarray of shape (D,), float64
        Weights.
    b : float
        Bias.
    X : ndarray of shape (N, D), float64
        Inputs, one sample per row.

    Returns
    -------
    yhat : ndarray of shape (N,), int64
        ``1`` where ``X @ w + b >= 0``, else ``0``.
    """
    ### BEGIN SOLUTION
    z = X @ w + b
    return (z >= 0).astype(np.int64)
    ### END SOLUTION


def adaline_train(X, y, lr, epochs, normalized=False):
    """ADALINE trained with the Widrow-Hoff delta rule (least mean squares, LMS).

    Like the perceptron, but the error uses the LINEAR output ``z`` (before any threshold), so every sample is a
    stochastic gradient step on the squared error ``(y - z)^2`` (the factor 2 is absorbed into ``lr``).
    Starts at ``w = 0``, ``b = 0``. In every epoch, visit the samples in their stored order ``i = 0, ..., N-1``:

        z = X[i] @ w + b
        e = y[i] - z
        original   (normalized=False):  step = lr * e
        normalised (normalized=True):   step = lr * e / (1 + ||X[i]||^2)
        w <- w + step * X[i]
        b <- b + step

    Normalised form. Write ``x_tilde = [1, X[i]]`` for the sample with its constant bias input and
    ``W = [b, w]``. The normalised update is ``W <- W + lr * e * x_tilde / ||x_tilde||^2`` with
    ``||x_tilde||^2 = 1 + ||X[i]||^2`` (bias input included, so it is never zero). This is the normalised LMS
    (NLMS) rule, and the one this lab uses. The lecture notes (section 1.4.2, "unit-norm") write the step as
    ``lr * e * x / ||x||``, which moves along the unit vector ``x / ||x||``; dividing by the SQUARED norm
    ``||x_tilde||^2`` instead makes the rule independent of the scale of ``x`` and gives it a clean meaning: after
    the update the same sample's error is ``(1 - lr) * e``, so ``lr = 1`` fits the current sample exactly and
    ``0 < lr < 2`` always shrinks its error.

    Parameters
    ----------
    X : ndarray of shape (N, D), float64
        Inputs, one sample per row.
    y : ndarray of shape (N,), float64
        Targets for the linear output (e.g. labels in {0, 1}; any real numbers work).
    lr : float
        Learning rate eta.
    epochs : int
        Number of passes over the data.
    normalized : bool, default False
        Use the normalised update above instead of the original one.

    Returns
    -------
    w : ndarray of shape (D,), float64
        Weights.
    b : float
        Bias.
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    w = np.zeros(X.shape[1])
    b = 0.0
    for _ in range(epochs):
        # The loop over samples is the lesson: Widrow-Hoff updates after every single sample.
        for i in range(X.shape[0]):
            z = X[i] @ w + b
            error = y[i] - z
            step = lr * error
            if normalized:
                step = step / (1.0 + X[i] @ X[i])  # ||[1, x]||^2 = 1 + ||x||^2
            w = w + step * X[i]
            b = b + step
    return w, float(b)
    ### END SOLUTION


# ----------------------------------------------------------------------------------------------------------
# Logistic regression
# ----------------------------------------------------------------------------------------------------------


def sigmoid(z):
    """Numerically stable logistic sigmoid ``1 / (1 + exp(-z))``, elementwise.

    Never evaluates ``exp`` of a large positive number: with ``e = exp(-|z|)`` (always in (0, 1]),
    ``sigma(z) = 1 / (1 + e)`` for ``z >= 0`` and ``e / (1 + e)`` for ``z < 0``. No overflow warnings for any
    finite ``z``.

    Parameters
    ----------
    z : float or ndarray of any shape, float64

    Returns
    -------
    s : float64 ndarray of the same shape as ``z`` (a NumPy scalar for scalar input), values in [0, 1].
    """
    ### BEGIN SOLUTION
    z = np.asarray(z, dtype=np.float64)
    e = np.exp(-np.abs(z))
    return np.where(z >= 0, 1.0 / (1.0 + e), e / (1.0 + e))[()]
    ### END SOLUTION


def bce_loss(w, b, X, y):
    """Binary cross-entropy of logistic regression, averaged over the batch, and its gradients.

    With ``z_i = X[i] @ w + b`` and ``yhat_i = sigmoid(z_i)``:

        loss = -(1/N) * sum_i [ y_i * log(yhat_i) + (1 - y_i) * log(1 - yhat_i) ]
        dw   =  (1/N) * sum_i (yhat_i - y_i) * X[i]
        db   =  (1/N) * sum_i (yhat_i - y_i)

    Compute the loss from ``z`` in the stable form ``log(1 + exp(z_i)) - y_i * z_i`` (``np.logaddexp(0, z)``),
    which equals the line above but never takes ``log(0)``.

    Parameters
    ----------
    w : ndarray of shape (D,), float64
        Weights.
    b : float
        Bias.
    X : ndarray of shape (N, D), float64
        Inputs, one sample per row.
    y : ndarray of shape (N,), float64
        Labels in {0, 1} (probabilities in [0, 1] also work).

    Returns
    -------
    loss : float
        Mean binary cross-entropy.
    dw : ndarray of shape (D,), float64
        Gradient of ``loss`` with respect to ``w``.
    db : float
        Gradient of ``loss`` with respect to ``b``.
    """
    ### BEGIN SOLUTION
    z = X @ w + b  # (N,)
    n = X.shape[0]
    loss = float(np.mean(np.logaddexp(0.0, z) - y * z))
    dz = (sigmoid(z) - y) / n  # (N,)
    dw = X.T @ dz
    db = float(np.sum(dz))
    return loss, dw, db
    ### END SOLUTION


def logistic_regression_train(X, y, lr, n_steps):
    """Train logistic regression by full-batch gradient descent on ``bce_loss``.

    Starts at ``w = 0``, ``b = 0`` and repeats ``n_steps`` times ``w <- w - lr * dw``, ``b <- b - lr * db``.
    Predict with ``perceptron_predict(w, b, X)`` (``z >= 0`` is the same as ``sigmoid(z) >= 0.5``).

    Parameters
    ----------
    X : ndarray of shape (N, D), float64
        Inputs, one sample per row.
    y : ndarray of shape (N,), float64
        Labels in {0, 1}.
    lr : float
        Learning rate eta.
    n_steps : int
        Number of gradient steps.

    Returns
    -------
    w : ndarray of shape (D,), float64
        Weights after ``n_steps`` updates.
    b : float
        Bias after ``n_steps`` updates.
    losses : ndarray of shape (n_steps,), float64
        ``losses[t]`` is the loss BEFORE update ``t`` (``losses[0] == log(2)`` at ``w = 0, b = 0``).
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    w = np.zeros(X.shape[1])
    b = 0.0
    losses = np.zeros(n_steps)
    for t in range(n_steps):
        loss, dw, db = bce_loss(w, b, X, y)
        losses[t] = loss
        w = w - lr * dw
        b = b - lr * db
    return w, float(b), losses
    ### END SOLUTION


# ----------------------------------------------------------------------------------------------------------
# k-nearest neighbours
# ----------------------------------------------------------------------------------------------------------


def pairwise_distances(X_test, X_train, metric="l2"):
    """All distances between test and training samples, without Python loops.

    - ``'l2'`` (Euclidean): ``sqrt(sum_d (a_d - b_d)^2)``, computed with the expansion
      ``||a - b||^2 = ||a||^2 + ||b||^2 - 2 a^T b`` (one matrix product); tiny negative values from rounding
      are clipped to 0 before the square root.
    - ``'l1'`` (Manhattan): ``sum_d |a_d - b_d|``, computed by broadcasting to an ``(M, N, D)`` array (memory
      grows with M * N * D; fine for lab-sized data).

    Parameters
    ----------
    X_test : ndarray of shape (M, D), float64
        Query samples, one per row.
    X_train : ndarray of shape (N, D), float64
        Training samples, one per row.
    metric : {'l2', 'l1'}, default 'l2'

    Returns
    -------
    dists : ndarray of shape (M, N), float64
        ``dists[i, j]`` is the distance between ``X_test[i]`` and ``X_train[j]``.

    Raises
    ------
    ValueError
        For any other ``metric``.
    """
    ### BEGIN SOLUTION
    X_test = np.asarray(X_test, dtype=np.float64)
    X_train = np.asarray(X_train, dtype=np.float64)
    if metric == "l2":
        sq_test = np.sum(X_test ** 2, axis=1)[:, None]  # (M, 1)
        sq_train = np.sum(X_train ** 2, axis=1)[None, :]  # (1, N)
        sq = sq_test + sq_train - 2.0 * (X_test @ X_train.T)  # (M, N)
        return np.sqrt(np.maximum(sq, 0.0))
    if metric == "l1":
        return np.sum(np.abs(X_test[:, None, :] - X_train[None, :, :]), axis=2)
    raise ValueError(f"unknown metric {metric!r}; use 'l2' or 'l1'")
    ### END SOLUTION


def knn_predict(X_train, y_train, X_test, k, metric="l2"):
    """k-nearest-neighbour classification by majority vote.

    Tie rules (both deterministic):
    - equal distances: neighbours are ranked by distance, and among equal distances by training index (smaller
      index first), i.e. a stable sort of each row of the distance matrix;
    - tied vote: if several classes get the most votes among the k neighbours, predict the SMALLEST label.

    Parameters
    ----------
    X_train : ndarray of shape (N, D), float64
        Training samples, one per row.
    y_train : ndarray of shape (N,), int
        Training labels (any integers).
    X_test : ndarray of shape (M, D), float64
        Query samples, one per row.
    k : int
        Number of neighbours, ``1 <= k <= N``.
    metric : {'l2', 'l1'}, default 'l2'
        Passed to ``pairwise_distances``.

    Returns
    -------
    y_pred : ndarray of shape (M,), same dtype as ``y_train``
        Predicted labels.
    """
    ### BEGIN SOLUTION
    y_train = np.asarray(y_train)
    if not 1 <= k <= y_train.shape[0]:
        raise ValueError(f"k must be in [1, {y_train.shape[0]}], got {k}")
    dists = pairwise_distances(X_test, X_train, metric)  # (M, N)
    nearest = np.argsort(dists, axis=1, kind="stable")[:, :k]  # (M, k), ties -> smaller index
    neighbour_labels = y_train[nearest]  # (M, k)
    classes = np.unique(y_train)  # sorted, (C,)
    votes = np.sum(neighbour_labels[:, :, None] == classes[None, None, :], axis=1)  # (M, C)
    return classes[np.argmax(votes, axis=1)]  # argmax takes the first maximum -> smallest label
    ### END SOLUTION


# ----------------------------------------------------------------------------------------------------------
# Gaussian class-conditional maximum-likelihood classifier
# ----------------------------------------------------------------------------------------------------------


def gaussian_mle_fit(X, y, reg=0.0):
    """Fit one Gaussian per class by maximum likelihood.

    For each class c with samples ``X_c`` (``N_c`` rows):

        mu_c    = (1/N_c) * sum_{i in c} x_i
        Sigma_c = (1/N_c) * sum_{i in c} (x_i - mu_c)(x_i - mu_c)^T  +  reg * I

    The MLE covariance divides by ``N_c`` (not ``N_c - 1``). The optional ridge ``reg >= 0`` is added to the
    diagonal AFTER the MLE estimate (``reg = 0`` gives the pure MLE); use a small ``reg`` when a class has
    fewer samples than dimensions or constant features (e.g. border pixels of digit images), which make
    ``Sigma_c`` singular.

    Parameters
    ----------
    X : ndarray of shape (N, D), float64
        Training samples, one per row.
    y : ndarray of shape (N,), int
        Class labels.
    reg : float, default 0.0
        Ridge added to every diagonal entry of every covariance.

    Returns
    -------
    classes : ndarray of shape (C,)
        The sorted distinct labels (``np.unique(y)``); row c of ``means`` / ``covs`` belongs to ``classes[c]``.
    means : ndarray of shape (C, D), float64
        Class means.
    covs : ndarray of shape (C, D, D), float64
        Class covariances (MLE, plus ``reg * I``).
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    classes = np.unique(y)
    n_features = X.shape[1]
    means = np.zeros((classes.shape[0], n_features))
    covs = np.zeros((classes.shape[0], n_features, n_features))
    for c, label in enumerate(classes):  # a loop over classes, not samples
        Xc = X[y == label]
        means[c] = Xc.mean(axis=0)
        centred = Xc - means[c]
        covs[c] = centred.T @ centred / Xc.shape[0] + reg * np.eye(n_features)
    return classes, means, covs
    ### END SOLUTION


def gaussian_log_likelihood(X, means, covs):
    """Log-density of every sample under every class Gaussian.

        out[i, c] = log N(x_i | mu_c, Sigma_c)
                  = -D/2 log(2 pi) - 1/2 log det(Sigma_c) - 1/2 (x_i - mu_c)^T Sigma_c^{-1} (x_i - mu_c)

    (the full log-density, constant included). Uses the Cholesky factor ``Sigma_c = L L^T``:
    ``log det Sigma_c = 2 sum log diag(L)`` and the Mahalanobis term is ``||L^{-1}(x_i - mu_c)||^2``
    (a linear solve, no matrix inverse).

    Parameters
    ----------
    X : ndarray of shape (N, D), float64
        Samples, one per row.
    means : ndarray of shape (C, D), float64
        Class means.
    covs : ndarray of shape (C, D, D), float64
        Class covariances; each must be symmetric positive definite (else ``np.linalg.LinAlgError``: add a
        small ``reg`` in ``gaussian_mle_fit``).

    Returns
    -------
    loglik : ndarray of shape (N, C), float64
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    n_features = X.shape[1]
    L = np.linalg.cholesky(covs)  # (C, D, D), lower triangular
    diff = X[None, :, :] - means[:, None, :]  # (C, N, D)
    white = np.linalg.solve(L, diff.transpose(0, 2, 1))  # (C, D, N) = L^{-1} (x - mu)
    mahalanobis = np.sum(white ** 2, axis=1)  # (C, N)
    log_det = 2.0 * np.sum(np.log(np.diagonal(L, axis1=1, axis2=2)), axis=1)  # (C,)
    loglik = -0.5 * (n_features * np.log(2.0 * np.pi) + log_det[:, None] + mahalanobis)  # (C, N)
    return loglik.T
    ### END SOLUTION


def gaussian_mle_predict(X, classes, means, covs):
    """Predict the class whose Gaussian gives the largest log-likelihood.

    No class priors: all classes are taken as equally likely, so the largest posterior is the largest
    likelihood ``argmax_c log N(x | mu_c, Sigma_c)``. Ties go to the smallest label (first maximum).

    Parameters
    ----------
    X : ndarray of shape (N, D), float64
        Samples, one per row.
    classes : ndarray of shape (C,)
        Labels, as returned by ``gaussian_mle_fit``.
    means : ndarray of shape (C, D), float64
    covs : ndarray of shape (C, D, D), float64

    Returns
    -------
    y_pred : ndarray of shape (N,), same dtype as ``classes``
    """
    ### BEGIN SOLUTION
    loglik = gaussian_log_likelihood(X, means, covs)  # (N, C)
    return np.asarray(classes)[np.argmax(loglik, axis=1)]
    ### END SOLUTION


# ----------------------------------------------------------------------------------------------------------
# k-fold cross-validation
# ----------------------------------------------------------------------------------------------------------


def kfold_indices(n, k, rng=None):
    """Split ``range(n)`` into k folds for cross-validation.

    The order is ``np.arange(n)``, or ``rng.permutation(n)`` when an ``rng`` is given (the only randomness).
    That order is cut into k consecutive folds; when k does not divide n, the FIRST ``n % k`` folds get one
    extra sample (sizes ``n // k + 1`` then ``n // k``, as ``np.array_split`` does). Fold j is the validation
    set of split j; the other folds, in the same order, are its training set. Every index is validated exactly
    once.

    Parameters
    ----------
    n : int
        Number of samples.
    k : int
        Number of folds, ``2 <= k <= n``.
    rng : np.random.Generator or None, default None
        Shuffle first with ``rng.permutation(n)``; ``None`` keeps the data order.

    Returns
    -------
    splits : list of k tuples ``(train_idx, val_idx)``
        ``train_idx`` : ndarray of shape (n - len(val_idx),), int64
        ``val_idx`` : ndarray of shape (n // k or n // k + 1,), int64
    """
    ### BEGIN SOLUTION
    if not 2 <= k <= n:
        raise ValueError(f"need 2 <= k <= n, got k={k}, n={n}")
    order = np.arange(n) if rng is None else rng.permutation(n)
    sizes = np.full(k, n // k)
    sizes[: n % k] += 1
    stops = np.cumsum(sizes)
    splits = []
    for start, stop in zip(stops - sizes, stops):
        val_idx = order[start:stop]
        train_idx = np.concatenate([order[:start], order[stop:]])
        splits.append((train_idx, val_idx))
    return splits
    ### END SOLUTION


def cross_validate_knn(X, y, ks, n_folds, metric="l2", rng=None):
    """Mean k-fold validation accuracy of k-NN for each candidate k.

    The folds come from ``kfold_indices(N, n_folds, rng)`` and are the SAME for every k. For each fold, fit on
    the training part, predict the validation part with ``knn_predict``, and take the accuracy (fraction
    correct). The score of a k is the plain (unweighted) mean of its ``n_folds`` accuracies.

    Parameters
    ----------
    X : ndarray of shape (N, D), float64
        Samples, one per row.
    y : ndarray of shape (N,), int
        Labels.
    ks : sequence of int
        Candidate numbers of neighbours; each must be at most the size of every training part.
    n_folds : int
        Number of folds.
    metric : {'l2', 'l1'}, default 'l2'
    rng : np.random.Generator or None, default None
        Passed to ``kfold_indices`` (None: no shuffling).

    Returns
    -------
    mean_acc : ndarray of shape (len(ks),), float64
        ``mean_acc[j]`` is the mean validation accuracy of ``k = ks[j]``.
    """
    ### BEGIN SOLUTION
    X = np.asarray(X, dtype=np.float64)
    y = np.asarray(y)
    splits = kfold_indices(X.shape[0], n_folds, rng)
    acc = np.zeros((len(ks), n_folds))
    for f, (train_idx, val_idx) in enumerate(splits):
        for j, k in enumerate(ks):
            y_pred = knn_predict(X[train_idx], y[train_idx], X[val_idx], k, metric)
            acc[j, f] = np.mean(y_pred == y[val_idx])
    return acc.mean(axis=1)
    ### END SOLUTION
