"""Lab 8 -- autoencoders: a linear autoencoder against PCA, a nonlinear and a denoising autoencoder on digits, and
transposed convolution (the layer a convolutional decoder upsamples with).

Conventions
-----------
* Samples are rows: ``X`` has shape ``(N, D)``. The notes write one sample as a column, ``z = W1 x + b1``; with rows
  the same layer is ``Z = X @ W1 + b1``, so our ``W1`` of shape ``(D, k)`` is the notes' ``W^[1]`` transposed (the
  layout of Lab 4's ``affine_forward``, whose layers this module uses).
* Reconstruction losses are the mean squared error over **all** entries, ``mean((X_hat - T)**2)`` for ``X_hat``
  and the target ``T`` of shape ``(N, D)``: the notes' ``||x - x'||^2`` averaged over the N samples and divided by
  ``D`` (PyTorch's ``MSELoss``). Its gradient is ``2 * (X_hat - T) / (N * D)``.
* PCA: ``components`` has shape ``(D, k)``; its **columns** are the principal directions (orthonormal), ordered
  by decreasing variance. A direction's sign is arbitrary: the grader compares columns up to sign.
* Principal angles are in **degrees**, in ascending order.
* Images are ``(N, C, H, W)``. Transposed convolution takes ``w`` of shape ``(C_in, C_out, HH, WW)`` -- PyTorch's
  layout for ``conv_transpose2d``, the transpose of a convolution's ``(F, C, HH, WW)``: with the same array ``w``,
  ``conv_transpose_forward`` is the adjoint of Lab 7's ``conv_forward_*`` (it maps ``F`` channels back to ``C``).
  ``conv_param`` is ``{'stride': s, 'pad': p}`` (both default to ``s = 1``, ``p = 0``). There is no output padding.
* Randomness only through an explicit ``np.random.Generator``.
"""

import numpy as np

from .cnn import conv_forward_fast
from .layers import affine_backward, affine_forward, relu_backward, relu_forward, sigmoid_backward, sigmoid_forward

# ---------------------------------------------------------------------------------------------------------------
# PCA
# ---------------------------------------------------------------------------------------------------------------


def pca_fit(X, k):
    """Principal component analysis by the singular value decomposition of the centred data.

    With ``Xc = X - mean`` and the thin SVD ``Xc = U S V^T`` (singular values in decreasing order), the principal
    directions are the first ``k`` columns of ``V`` (the first ``k`` rows of ``V^T``, which ``np.linalg.svd``
    returns), and the variance of the data along direction ``j`` is ``S[j]**2 / (N - 1)``.

    Parameters
    ----------
    X : ndarray of float64, shape (N, D)
        Data, one sample per row (N >= 2).
    k : int
        Number of components, ``1 <= k <= min(N, D)``.

    Returns
    -------
    mean : ndarray of float64, shape (D,)
        The mean sample.
    components : ndarray of float64, shape (D, k)
        Orthonormal columns: the top-``k`` principal directions, by decreasing variance.
    variances : ndarray of float64, shape (k,)
        The variance along each direction, ``S[:k]**2 / (N - 1)`` (scikit-learn's ``explained_variance_``).
    """
    ### BEGIN SOLUTION
    mean = X.mean(axis=0)
    _, S, Vt = np.linalg.svd(X - mean, full_matrices=False)
    components = Vt[:k].T
    variances = S[:k] ** 2 / (X.shape[0] - 1)
    return mean, components, variances
    ### END SOLUTION


def pca_reconstruct(X, mean, components):
    """Project the samples onto the principal subspace and map them back: the best rank-``k`` reconstruction.

    ``Z = (X - mean) @ components`` are the codes (coordinates in the subspace) and
    ``X_hat = Z @ components.T + mean``.

    Parameters
    ----------
    X : ndarray of float64, shape (N, D)
        Samples.
    mean : ndarray of float64, shape (D,)
        From ``pca_fit``.
    components : ndarray of float64, shape (D, k)
        Orthonormal columns, from ``pca_fit``.

    Returns
    -------
    X_hat : ndarray of float64, shape (N, D)
        The reconstructions.
    """
    ### BEGIN SOLUTION
    Z = (X - mean) @ components
    X_hat = Z @ components.T + mean
    return X_hat
    ### END SOLUTION


def principal_angles(A, B):
    """The principal angles between the column spaces of ``A`` and ``B``, in degrees, ascending.

    The columns need not be orthonormal (a trained decoder's are not): first find orthonormal bases ``Qa`` and
    ``Qb`` of the two column spaces (``np.linalg.qr``). The singular values of ``Qa^T Qb`` are the cosines of the
    principal angles (clip them to ``[0, 1]`` against rounding before ``arccos``). Two equal subspaces have all
    angles 0; a largest angle of 90 degrees means some direction of one is orthogonal to all of the other.

    Parameters
    ----------
    A : ndarray of float64, shape (D, ka)
        Columns spanning the first subspace (full column rank).
    B : ndarray of float64, shape (D, kb)
        Columns spanning the second subspace (full column rank).

    Returns
    -------
    angles : ndarray of float64, shape (min(ka, kb),)
        The principal angles in degrees, in ``[0, 90]``, smallest first.
    """
    ### BEGIN SOLUTION
    Qa, _ = np.linalg.qr(A)
    Qb, _ = np.linalg.qr(B)
    cosines = np.linalg.svd(Qa.T @ Qb, compute_uv=False)
    angles = np.degrees(np.arccos(np.clip(cosines, 0.0, 1.0)))
    return np.sort(angles)
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# A linear autoencoder, and the small trainer of this lab (Adam)
# ---------------------------------------------------------------------------------------------------------------


def linear_autoencoder_loss(params, X):
    """Loss and gradients of the linear autoencoder ``Z = X W1 + b1``, ``X_hat = Z W2 + b2``.

    The loss is the mean squared error over all entries, ``L = mean((X_hat - X)**2)``. Backward, with
    ``G = dL/dX_hat = 2 (X_hat - X) / (N D)``::

        dW2 = Z^T G      db2 = sum of the rows of G      dZ = G W2^T
        dW1 = X^T dZ     db1 = sum of the rows of dZ

    Parameters
    ----------
    params : dict of str -> ndarray of float64
        ``'W1'`` (D, k), ``'b1'`` (k,): the encoder; ``'W2'`` (k, D), ``'b2'`` (D,): the decoder.
    X : ndarray of float64, shape (N, D)
        The data, which is also the target.

    Returns
    -------
    loss : float
        The mean squared reconstruction error.
    grads : dict of str -> ndarray of float64
        ``grads[key]`` has the shape of ``params[key]``, for the four keys.
    """
    ### BEGIN SOLUTION
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    Z = X @ W1 + b1
    X_hat = Z @ W2 + b2
    diff = X_hat - X
    loss = float(np.mean(diff ** 2))
    G = 2.0 * diff / diff.size
    dZ = G @ W2.T
    grads = {"W1": X.T @ dZ, "b1": dZ.sum(axis=0), "W2": Z.T @ G, "b2": G.sum(axis=0)}
    return loss, grads
    ### END SOLUTION


def init_autoencoder(layer_sizes, rng):
    """Parameters of a stack of affine layers of sizes ``layer_sizes = [D, h1, ..., D]``.

    Layer ``l`` (1-based) gets ``'W<l>'`` of shape ``(layer_sizes[l-1], layer_sizes[l])``, drawn from
    ``N(0, 2 / fan_in)`` (He), and ``'b<l>'`` of zeros.

    Parameters
    ----------
    layer_sizes : sequence of int
        E.g. ``[64, 4, 64]`` for a linear autoencoder, ``[64, 32, 2, 32, 64]`` for the nonlinear one.
    rng : numpy.random.Generator
        Source of the weights.

    Returns
    -------
    params : dict of str -> ndarray of float64
    """
    params = {}
    for l in range(1, len(layer_sizes)):
        n_in, n_out = layer_sizes[l - 1], layer_sizes[l]
        params[f"W{l}"] = rng.normal(0.0, np.sqrt(2.0 / n_in), size=(n_in, n_out))
        params[f"b{l}"] = np.zeros(n_out)
    return params


def adam_update(params, grads, state, lr, beta1=0.9, beta2=0.999, eps=1e-8):
    """One Adam step on every parameter, in place (Lab 5's optimiser, given here so that Lab 8 stands alone).

    ``m = beta1 m + (1 - beta1) g``, ``v = beta2 v + (1 - beta2) g^2``, and with the step count ``t`` (incremented
    first) ``param -= lr * m_hat / (sqrt(v_hat) + eps)`` for the bias-corrected ``m_hat = m / (1 - beta1^t)``,
    ``v_hat = v / (1 - beta2^t)``.

    Parameters
    ----------
    params, grads : dict of str -> ndarray
        The parameters (updated in place) and their gradients.
    state : dict
        Adam's memory, ``{}`` before the first step; holds ``'t'``, ``'m'`` and ``'v'`` afterwards.
    lr : float
        Learning rate.
    """
    state["t"] = t = state.get("t", 0) + 1
    m, v = state.setdefault("m", {}), state.setdefault("v", {})
    for key, grad in grads.items():
        m[key] = beta1 * m.get(key, 0.0) + (1.0 - beta1) * grad
        v[key] = beta2 * v.get(key, 0.0) + (1.0 - beta2) * grad ** 2
        m_hat = m[key] / (1.0 - beta1 ** t)
        v_hat = v[key] / (1.0 - beta2 ** t)
        params[key] -= lr * m_hat / (np.sqrt(v_hat) + eps)


def fit_linear_autoencoder(X, k, steps=2000, lr=0.05, seed=0):
    """Train a linear autoencoder with a code of size ``k`` on ``X`` by full-batch Adam on ``linear_autoencoder_loss``.

    Both weight matrices start from ``N(0, 1 / D)``, the biases from 0: encoder and decoder start at the same
    scale, from which gradient descent converges much faster than from a lopsided start. The last fifth of the
    steps uses ``lr / 10``: with a constant rate Adam's normalised steps overshoot now and then near the minimum
    (spikes in the loss), and the gentler end lets it settle.

    Parameters
    ----------
    X : ndarray of float64, shape (N, D)
        Training data.
    k : int
        Code size.
    steps : int
        Adam steps, each on the whole of ``X``.
    lr : float
        Adam's learning rate (``lr / 10`` for the last fifth of the steps).
    seed : int
        Seed of the initial weights (``np.random.default_rng(seed)``: ``W1`` is drawn first, then ``W2``).

    Returns
    -------
    params : dict of str -> ndarray of float64
        The trained ``'W1', 'b1', 'W2', 'b2'``.
    losses : list of float
        The loss before each step.
    """
    D = X.shape[1]
    rng = np.random.default_rng(seed)
    params = {"W1": rng.normal(0.0, 1.0 / np.sqrt(D), size=(D, k)), "b1": np.zeros(k),
              "W2": rng.normal(0.0, 1.0 / np.sqrt(D), size=(k, D)), "b2": np.zeros(D)}
    state, losses = {}, []
    for step in range(steps):
        loss, grads = linear_autoencoder_loss(params, X)
        adam_update(params, grads, state, lr if step < 0.8 * steps else lr / 10)
        losses.append(loss)
    return params, losses


# ---------------------------------------------------------------------------------------------------------------
# A nonlinear, undercomplete autoencoder, and its denoising variant
# ---------------------------------------------------------------------------------------------------------------


def autoencoder_loss(params, X, target):
    """Loss and gradients of the autoencoder ``affine - ReLU - affine | affine - ReLU - affine - sigmoid``.

    Encoder: ``H1 = relu(X W1 + b1)``, code ``Z = H1 W2 + b2`` (linear). Decoder: ``H3 = relu(Z W3 + b3)``,
    ``X_hat = sigmoid(H3 W4 + b4)``. Loss: ``mean((X_hat - target)**2)`` over all entries. Built from Lab 4's
    ``affine_forward/backward``, ``relu_forward/backward`` and ``sigmoid_forward/backward``.

    Parameters
    ----------
    params : dict of str -> ndarray of float64
        ``'W1'`` (D, h), ``'b1'`` (h,), ``'W2'`` (h, k), ``'b2'`` (k,), ``'W3'`` (k, h'), ``'b3'`` (h',),
        ``'W4'`` (h', D), ``'b4'`` (D,).
    X : ndarray of float64, shape (N, D)
        The input.
    target : ndarray of float64, shape (N, D)
        What the output should reconstruct: ``X`` itself for a plain autoencoder, the clean data for a denoising
        one.

    Returns
    -------
    loss : float
        The mean squared error between ``X_hat`` and ``target``.
    grads : dict of str -> ndarray of float64
        ``grads[key]`` has the shape of ``params[key]``, for the eight keys.
    """
    ### BEGIN SOLUTION
    a1, cache1 = affine_forward(X, params["W1"], params["b1"])
    h1, cache_r1 = relu_forward(a1)
    z, cache2 = affine_forward(h1, params["W2"], params["b2"])
    a3, cache3 = affine_forward(z, params["W3"], params["b3"])
    h3, cache_r3 = relu_forward(a3)
    a4, cache4 = affine_forward(h3, params["W4"], params["b4"])
    x_hat, cache_s = sigmoid_forward(a4)

    diff = x_hat - target
    loss = float(np.mean(diff ** 2))
    dx_hat = 2.0 * diff / diff.size

    grads = {}
    da4 = sigmoid_backward(dx_hat, cache_s)
    dh3, grads["W4"], grads["b4"] = affine_backward(da4, cache4)
    da3 = relu_backward(dh3, cache_r3)
    dz, grads["W3"], grads["b3"] = affine_backward(da3, cache3)
    dh1, grads["W2"], grads["b2"] = affine_backward(dz, cache2)
    da1 = relu_backward(dh1, cache_r1)
    _, grads["W1"], grads["b1"] = affine_backward(da1, cache1)
    return loss, grads
    ### END SOLUTION


def encode(params, X):
    """The code ``Z = relu(X W1 + b1) W2 + b2`` of each sample, shape (N, k)."""
    h1, _ = relu_forward(affine_forward(X, params["W1"], params["b1"])[0])
    return affine_forward(h1, params["W2"], params["b2"])[0]


def decode(params, Z):
    """The reconstruction ``X_hat = sigmoid(relu(Z W3 + b3) W4 + b4)`` of each code, shape (N, D)."""
    h3, _ = relu_forward(affine_forward(Z, params["W3"], params["b3"])[0])
    return sigmoid_forward(affine_forward(h3, params["W4"], params["b4"])[0])[0]


def corrupt(X, noise_std, rng):
    """Additive Gaussian noise: ``X + noise_std * rng.standard_normal(X.shape)`` (one call, nothing clipped).

    Parameters
    ----------
    X : ndarray of float64, shape (N, D)
        Clean data.
    noise_std : float
        Standard deviation of the noise (``>= 0``).
    rng : numpy.random.Generator
        Source of the noise.

    Returns
    -------
    X_noisy : ndarray of float64, shape (N, D)
    """
    ### BEGIN SOLUTION
    return X + noise_std * rng.standard_normal(X.shape)
    ### END SOLUTION


def denoising_loss(params, X, noise_std, rng):
    """The denoising autoencoder's loss: reconstruct the **clean** ``X`` from a corrupted copy of it.

    ``X_noisy = corrupt(X, noise_std, rng)``, then ``autoencoder_loss(params, X_noisy, X)``.

    Parameters
    ----------
    params : dict of str -> ndarray of float64
        As for ``autoencoder_loss``.
    X : ndarray of float64, shape (N, D)
        A clean batch.
    noise_std : float
        Standard deviation of the corrupting noise.
    rng : numpy.random.Generator
        Passed to ``corrupt`` (fresh noise on every call).

    Returns
    -------
    loss, grads
        As ``autoencoder_loss`` returns them.
    """
    ### BEGIN SOLUTION
    X_noisy = corrupt(X, noise_std, rng)
    return autoencoder_loss(params, X_noisy, X)
    ### END SOLUTION


def train_autoencoder(params, X, loss_fn, epochs, batch_size, lr, rng, progress=False):
    """Train ``params`` in place by mini-batch Adam on ``loss_fn``.

    Every epoch shuffles ``X`` with ``rng.permutation`` and takes one Adam step per batch of ``batch_size``
    samples (the last batch may be smaller).

    Parameters
    ----------
    params : dict of str -> ndarray of float64
        Updated in place.
    X : ndarray of float64, shape (N, ...)
        Training data.
    loss_fn : callable
        ``loss_fn(params, X_batch, rng) -> (loss, grads)``, e.g.
        ``lambda p, xb, r: autoencoder_loss(p, xb, xb)`` or ``lambda p, xb, r: denoising_loss(p, xb, 0.3, r)``.
    epochs, batch_size : int
    lr : float
        Adam's learning rate.
    rng : numpy.random.Generator
        Shuffles the data; also handed to ``loss_fn``.
    progress : bool
        Show a ``tqdm`` progress bar over the epochs.

    Returns
    -------
    history : list of float
        The mean minibatch loss of every epoch.
    """
    epoch_range = range(epochs)
    if progress:
        from tqdm.auto import tqdm

        epoch_range = tqdm(epoch_range, desc="epochs")
    state, history = {}, []
    for _ in epoch_range:
        order = rng.permutation(X.shape[0])
        losses = []
        for start in range(0, X.shape[0], batch_size):
            loss, grads = loss_fn(params, X[order[start:start + batch_size]], rng)
            adam_update(params, grads, state, lr)
            losses.append(loss)
        history.append(float(np.mean(losses)))
    return history


# ---------------------------------------------------------------------------------------------------------------
# Transposed convolution
# ---------------------------------------------------------------------------------------------------------------


def conv_transpose_output_size(n, f, pad=0, stride=1):
    """Output length of a transposed convolution along one axis: ``stride * (n - 1) + f - 2 * pad``.

    Each of the ``n`` inputs stamps an ``f``-long copy of the kernel, ``stride`` apart, which covers
    ``stride * (n - 1) + f`` positions; ``pad`` positions are then cropped from each end. It undoes the
    convolution's ``(n + 2 pad - f) // stride + 1`` whenever that division is exact.

    Parameters
    ----------
    n : int
        Input length (``>= 1``).
    f : int
        Kernel length (``>= 1``).
    pad : int, default 0
        Positions cropped from each end (``>= 0``).
    stride : int, default 1
        Distance between the stamps of neighbouring inputs (``>= 1``).

    Returns
    -------
    size : int
        A Python ``int`` (the same argument order as Lab 7's ``conv_output_size(n, f, pad, stride)``).

    Raises
    ------
    ValueError
        If the cropping leaves nothing (``size < 1``), or ``stride < 1``, ``pad < 0``, ``n < 1`` or ``f < 1``.
    """
    ### BEGIN SOLUTION
    if stride < 1 or pad < 0 or f < 1 or n < 1:
        raise ValueError(f"need n, f, stride >= 1 and pad >= 0; got n={n}, f={f}, pad={pad}, stride={stride}")
    size = stride * (n - 1) + f - 2 * pad
    if size < 1:
        raise ValueError(f"cropping {pad} from each end of {stride * (n - 1) + f} positions leaves nothing")
    return int(size)
    ### END SOLUTION


def conv_transpose_forward(x, w, b, conv_param):
    """Transposed convolution: every input pixel adds a copy of the kernel, scaled by its value, to the output.

    Input pixel ``(i, j)`` of channel ``c`` adds ``x[n, c, i, j] * w[c, f]`` (an ``HH x WW`` patch) at rows
    ``s*i .. s*i + HH - 1`` and columns ``s*j .. s*j + WW - 1`` of an uncropped output of size
    ``(s (H - 1) + HH) x (s (W - 1) + WW)``, for every output channel ``f``; overlapping patches add up. Then
    ``pad`` rows and columns are cropped from every side, and the bias is added. No kernel flip is involved in this
    "scatter" form (the equivalent "gather" form -- zeros inserted between the inputs, padding ``HH - 1 - pad``,
    and a convolution with the flipped kernel -- needs one).

    Parameters
    ----------
    x : ndarray of float64, shape (N, C_in, H, W)
        Input feature maps.
    w : ndarray of float64, shape (C_in, C_out, HH, WW)
        Kernels (PyTorch's layout for ``conv_transpose2d``).
    b : ndarray of float64, shape (C_out,)
        Biases.
    conv_param : dict
        ``'stride'`` s (default 1) and ``'pad'`` p (default 0).

    Returns
    -------
    out : ndarray of float64, shape (N, C_out, H', W')
        ``H' = s (H - 1) + HH - 2 p`` and ``W' = s (W - 1) + WW - 2 p`` (both must be at least 1).
    cache : tuple
        ``(x, w, b, conv_param)``.
    """
    ### BEGIN SOLUTION
    stride, pad = conv_param.get("stride", 1), conv_param.get("pad", 0)
    N, C_in, H, W = x.shape
    _, C_out, HH, WW = w.shape
    H_full, W_full = stride * (H - 1) + HH, stride * (W - 1) + WW
    if H_full - 2 * pad < 1 or W_full - 2 * pad < 1:
        raise ValueError(f"pad {pad} crops the whole {H_full} x {W_full} output")
    # one matrix product gives every patch: patches[n, i, j, f, a, b] = sum_c x[n, c, i, j] * w[c, f, a, b]
    patches = (x.transpose(0, 2, 3, 1).reshape(-1, C_in) @ w.reshape(C_in, -1)).reshape(N, H, W, C_out, HH, WW)
    patches = patches.transpose(0, 3, 4, 5, 1, 2)  # (N, C_out, HH, WW, H, W)
    full = np.zeros((N, C_out, H_full, W_full))
    for a in range(HH):  # add the patches tap by tap: a loop over kernel positions, not pixels
        for b_ in range(WW):
            full[:, :, a:a + stride * (H - 1) + 1:stride, b_:b_ + stride * (W - 1) + 1:stride] += patches[:, :, a, b_]
    out = full[:, :, pad:H_full - pad, pad:W_full - pad] + b[None, :, None, None]
    cache = (x, w, b, conv_param)
    return out, cache
    ### END SOLUTION


def conv_transpose_backward(dout, cache):
    """Backward pass of the transposed convolution.

    Pad ``dout`` back to the uncropped size with ``pad`` zeros on every side; then input pixel ``(i, j)`` receives
    the sum of the upstream gradient over the patch it stamped, weighted by the kernel (this is a strided
    convolution of the padded ``dout`` with ``w``), and ``dw[c, f]`` collects ``x[n, c, i, j]`` times that patch.

    Parameters
    ----------
    dout : ndarray of float64, shape (N, C_out, H', W')
        Upstream gradient.
    cache : tuple
        ``(x, w, b, conv_param)`` from ``conv_transpose_forward``.

    Returns
    -------
    dx : ndarray of float64, shape (N, C_in, H, W)
    dw : ndarray of float64, shape (C_in, C_out, HH, WW)
    db : ndarray of float64, shape (C_out,)
        ``dout`` summed over the batch and both spatial axes.
    """
    ### BEGIN SOLUTION
    x, w, b, conv_param = cache
    stride, pad = conv_param.get("stride", 1), conv_param.get("pad", 0)
    N, C_in, H, W = x.shape
    _, C_out, HH, WW = w.shape
    dfull = np.pad(dout, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # the gradient of the uncropped output
    # patches[n, f, a, b, i, j]: the upstream gradient at the spot where tap (a, b) of pixel (i, j) landed
    patches = np.empty((N, C_out, HH, WW, H, W))
    for a in range(HH):
        for b_ in range(WW):
            patches[:, :, a, b_] = dfull[:, :, a:a + stride * (H - 1) + 1:stride, b_:b_ + stride * (W - 1) + 1:stride]
    patches = patches.transpose(0, 4, 5, 1, 2, 3).reshape(N * H * W, C_out * HH * WW)
    x_rows = x.transpose(0, 2, 3, 1).reshape(N * H * W, C_in)
    dx = (patches @ w.reshape(C_in, -1).T).reshape(N, H, W, C_in).transpose(0, 3, 1, 2)
    dw = (x_rows.T @ patches).reshape(w.shape)
    db = dout.sum(axis=(0, 2, 3))
    return dx, dw, db
    ### END SOLUTION


def conv_matrix(w, conv_param, input_shape):
    """The matrix of a convolution: ``conv(x).ravel() == M @ x.ravel()`` for every image ``x`` of ``input_shape``.

    A convolution without bias is linear, so it is a matrix. Column ``d`` of that matrix is the (flattened)
    output for the ``d``-th unit image, which has a single 1 at flat index ``d`` (in ``x.ravel()`` order) and
    zeros elsewhere: push all ``C H W`` unit images through Lab 7's ``conv_forward_fast`` as one batch (bias 0).
    Its transpose ``M.T`` is the transposed convolution with the same ``w``.

    Parameters
    ----------
    w : ndarray of float64, shape (F, C, HH, WW)
        Convolution filters (Lab 7's layout).
    conv_param : dict
        ``'stride'`` and ``'pad'`` of the convolution.
    input_shape : tuple of int
        ``(C, H, W)``, the shape of one image.

    Returns
    -------
    M : ndarray of float64, shape (F * H' * W', C * H * W)
        ``H'`` and ``W'`` are the convolution's output size.
    """
    ### BEGIN SOLUTION
    D = int(np.prod(input_shape))  # the number of pixels C * H * W
    unit_images = np.eye(D).reshape(D, *input_shape)
    out, _ = conv_forward_fast(unit_images, w, np.zeros(w.shape[0]), conv_param)
    M = out.reshape(D, -1).T
    return M
    ### END SOLUTION


def upsampling_weights(kind, factor, channels):
    """Fixed kernels that make ``conv_transpose_forward`` a classic upsampler by an integer ``factor``.

    Each channel is upsampled on its own: ``w[c, c]`` holds the ``f x f`` kernel below and ``w[c, d] = 0`` for
    ``c != d``. With ``stride = factor`` and the ``pad`` given, an ``H x W`` input becomes ``factor H x factor W``.

    ================= ====================================== ============================ =====================
    kind              kernel                                 f                            pad
    ================= ====================================== ============================ =====================
    ``'nearest'``     all ones: each pixel becomes a block   ``factor``                   0
    ``'bed_of_nails'`` 1 at the top-left corner, else 0      ``factor``                   0
    ``'bilinear'``    ``outer(t, t)``, ``t[i] = 1 - |i - c| / factor``, ``c = (f - 1) / 2``
                                                             ``2 factor - factor % 2``    ``(f - factor) // 2``
    ================= ====================================== ============================ =====================

    Parameters
    ----------
    kind : str
        ``'nearest'``, ``'bed_of_nails'`` or ``'bilinear'``.
    factor : int
        Upsampling factor (``>= 1``), also the stride.
    channels : int
        Number of channels (the same in and out).

    Returns
    -------
    w : ndarray of float64, shape (channels, channels, f, f)
    conv_param : dict
        ``{'stride': factor, 'pad': pad}``.

    Raises
    ------
    ValueError
        If ``kind`` is unknown.
    """
    ### BEGIN SOLUTION
    if kind not in ("nearest", "bed_of_nails", "bilinear"):
        raise ValueError(f"unknown upsampling kind {kind!r}; valid: 'nearest', 'bed_of_nails', 'bilinear'")
    if kind == "nearest":
        kernel, pad = np.ones((factor, factor)), 0
    elif kind == "bed_of_nails":
        kernel, pad = np.zeros((factor, factor)), 0
        kernel[0, 0] = 1.0
    elif kind == "bilinear":
        f = 2 * factor - factor % 2
        taps = 1.0 - np.abs(np.arange(f) - (f - 1) / 2.0) / factor
        kernel, pad = np.outer(taps, taps), (f - factor) // 2
    w = np.zeros((channels, channels) + kernel.shape)
    w[np.arange(channels), np.arange(channels)] = kernel
    return w, {"stride": factor, "pad": pad}
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# A small convolutional decoder (given code, built on the transposed convolution)
# ---------------------------------------------------------------------------------------------------------------

def init_conv_autoencoder(k, rng, channels=(16, 8)):
    """Parameters of an 8x8 autoencoder with the MLP encoder of ``autoencoder_loss`` and a convolutional decoder.

    Encoder: ``64 -> 32 (ReLU) -> k``. Decoder: affine ``k -> c1 * 2 * 2`` reshaped to ``(c1, 2, 2)``, ReLU,
    transposed convolution ``c1 -> c2`` (4x4 kernels, stride 2, pad 1) to ``(c2, 4, 4)``, ReLU, transposed
    convolution ``c2 -> 1`` to ``(1, 8, 8)``, sigmoid. He initialisation, zero biases.

    Returns
    -------
    params : dict of str -> ndarray of float64
        ``'W1', 'b1', 'W2', 'b2'`` (encoder), ``'W3', 'b3'`` (the decoder's affine layer), ``'K1', 'c1'`` of
        shapes ``(c1, c2, 4, 4)``, ``(c2,)`` and ``'K2', 'c2'`` of shapes ``(c2, 1, 4, 4)``, ``(1,)``.
    """
    c1, c2 = channels
    params = init_autoencoder([64, 32, k, 4 * c1], rng)
    params["K1"] = rng.normal(0.0, np.sqrt(2.0 / (c1 * 4)), size=(c1, c2, 4, 4))  # each output sees ~2x2 taps
    params["c1"] = np.zeros(c2)
    params["K2"] = rng.normal(0.0, np.sqrt(2.0 / (c2 * 4)), size=(c2, 1, 4, 4))
    params["c2"] = np.zeros(1)
    return params


def _conv_decoder_forward(params, Z):
    """The convolutional decoder's forward pass: ``(X_hat of shape (N, 64), the caches of its six layers)``."""
    conv_param = {"stride": 2, "pad": 1}  # f = 4, s = 2, p = 1: each transposed convolution doubles the size
    a3, cache3 = affine_forward(Z, params["W3"], params["b3"])
    h3, cache_r3 = relu_forward(a3.reshape(Z.shape[0], -1, 2, 2))
    a4, cache4 = conv_transpose_forward(h3, params["K1"], params["c1"], conv_param)
    h4, cache_r4 = relu_forward(a4)
    a5, cache5 = conv_transpose_forward(h4, params["K2"], params["c2"], conv_param)
    x_hat, cache_s = sigmoid_forward(a5)
    return x_hat.reshape(Z.shape[0], -1), (cache3, cache_r3, cache4, cache_r4, cache5, cache_s)


def conv_decode(params, Z):
    """The convolutional decoder's reconstruction of each code, shape (N, 64)."""
    return _conv_decoder_forward(params, Z)[0]


def conv_autoencoder_loss(params, X, target):
    """``mean((X_hat - target)**2)`` and its gradients for the parameters of ``init_conv_autoencoder``.

    Parameters
    ----------
    params : dict of str -> ndarray of float64
    X, target : ndarray of float64, shape (N, 64)

    Returns
    -------
    loss : float
    grads : dict of str -> ndarray of float64
    """
    a1, cache1 = affine_forward(X, params["W1"], params["b1"])
    h1, cache_r1 = relu_forward(a1)
    z, cache2 = affine_forward(h1, params["W2"], params["b2"])
    x_hat, (cache3, cache_r3, cache4, cache_r4, cache5, cache_s) = _conv_decoder_forward(params, z)
    error = x_hat - target
    loss = float(np.mean(error ** 2))
    g = {}  # the gradients
    da5 = sigmoid_backward((2.0 * error / error.size).reshape(-1, 1, 8, 8), cache_s)
    dh4, g["K2"], g["c2"] = conv_transpose_backward(da5, cache5)
    dh3, g["K1"], g["c1"] = conv_transpose_backward(relu_backward(dh4, cache_r4), cache4)
    da3 = relu_backward(dh3, cache_r3).reshape(X.shape[0], -1)
    dz, g["W3"], g["b3"] = affine_backward(da3, cache3)
    dh1, g["W2"], g["b2"] = affine_backward(dz, cache2)
    _, g["W1"], g["b1"] = affine_backward(relu_backward(dh1, cache_r1), cache1)
    return loss, g
