"""Lab 7 -- convolutional networks: cross-correlation, convolution layers (naive and im2col), pooling, unpooling,
counting parameters, and a small CNN trained on digits.

Conventions
-----------
* Images are ``(N, C, H, W)``: N samples, C channels, height H, width W. A bank of F filters is ``(F, C, HH, WW)``:
  every filter spans all C input channels (the notes' "3D convolution"), and the biases are ``(F,)``.
* "Convolution" layers compute **cross-correlation**, as in the lectures and in every deep-learning library: the
  filter is slid over the input *without* flipping it, ``out[n, f, i, j] = b[f] + sum_{c, u, v}
  x_pad[n, c, i * s + u, j * s + v] * w[f, c, u, v]``.
* ``conv_param = {'stride': s, 'pad': p}``: ``p`` zeros are added on **every** side (top, bottom, left, right)
  of each channel; the output has ``H' = (H + 2p - HH) // s + 1`` rows and ``W' = (W + 2p - WW) // s + 1``
  columns (the notes' floor formula: positions that would run past the padded input are dropped).
* ``pool_param = {'pool_height': ph, 'pool_width': pw, 'stride': s}``; pooling never pads, so
  ``H' = (H - ph) // s + 1``. Max pooling sends the gradient of a window to its **first** maximum in row-major
  order (as PyTorch does); with continuous random inputs there are no ties.
* Every layer is a pair ``X_forward(...) -> (out, cache)`` and ``X_backward(dout, cache) -> grads`` whose cache
  is documented in the forward function's docstring.
* All arrays are float64; integer index arrays (switches) are int64.
"""

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view

from .layers import affine_backward, affine_forward, relu_backward, relu_forward
from .softmax import softmax_loss

# ---------------------------------------------------------------------------------------------------------------
# 2-D cross-correlation and convolution of one greyscale image
# ---------------------------------------------------------------------------------------------------------------


def cross_correlate2d(image, kernel):
    """Slide ``kernel`` over ``image`` without flipping it ("valid" positions only, no padding).

    ``out[r, c] = sum_{u, v} image[r + u, c + v] * kernel[u, v]``. For an odd kernel with centre offsets
    ``i, j in [-d, d]`` this is the notes' ``CrossCorrelation(x, y) = sum_{i, j} Image(x + i, y + j) K(i, j)``.

    Parameters
    ----------
    image : ndarray of float64, shape (H, W)
        A greyscale image.
    kernel : ndarray of float64, shape (kh, kw)
        The kernel, ``kh <= H`` and ``kw <= W`` (any size, odd or even).

    Returns
    -------
    out : ndarray of float64, shape (H - kh + 1, W - kw + 1)
        The cross-correlation at every position where the kernel lies fully inside the image.
    """
    ### BEGIN SOLUTION
    image = np.asarray(image, dtype=np.float64)
    kernel = np.asarray(kernel, dtype=np.float64)
    kh, kw = kernel.shape
    out_h, out_w = image.shape[0] - kh + 1, image.shape[1] - kw + 1
    out = np.zeros((out_h, out_w))
    for u in range(kh):  # a loop over the kernel's entries; each step is a whole shifted image
        for v in range(kw):
            out += kernel[u, v] * image[u:u + out_h, v:v + out_w]
    return out
    ### END SOLUTION


def convolve2d(image, kernel):
    """True 2-D convolution: slide the **flipped** kernel over ``image`` ("valid" positions only, no padding).

    ``out[r, c] = sum_{u, v} image[r + u, c + v] * kernel[kh - 1 - u, kw - 1 - v]``, i.e. the cross-correlation
    with the kernel rotated by 180 degrees (flipped upside down *and* left to right). For an odd kernel with centre
    offsets this is the notes' ``CONV(x, y) = sum_{i, j} Image(x - i, y - j) K(i, j)``.

    Parameters
    ----------
    image : ndarray of float64, shape (H, W)
        A greyscale image.
    kernel : ndarray of float64, shape (kh, kw)
        The kernel, ``kh <= H`` and ``kw <= W``.

    Returns
    -------
    out : ndarray of float64, shape (H - kh + 1, W - kw + 1)
        The convolution at every position where the kernel lies fully inside the image.
    """
    ### BEGIN SOLUTION
    kernel = np.asarray(kernel, dtype=np.float64)
    return cross_correlate2d(image, kernel[::-1, ::-1])
    ### END SOLUTION


def correlation_equals_convolution(kernel):
    """Whether cross-correlation and convolution with ``kernel`` give the same result on **every** image.

    They agree for all images exactly when the kernel equals its 180-degree rotation,
    ``kernel == kernel[::-1, ::-1]`` (point symmetry about the centre). Mirror symmetry about one axis, or
    ``kernel == kernel.T``, is not enough.

    Parameters
    ----------
    kernel : ndarray of float64, shape (kh, kw)

    Returns
    -------
    agree : bool
        A Python ``bool``: True when ``kernel`` and its 180-degree rotation are equal within ``np.allclose``'s
        default tolerances.
    """
    ### BEGIN SOLUTION
    kernel = np.asarray(kernel, dtype=np.float64)
    return bool(np.allclose(kernel, kernel[::-1, ::-1]))
    ### END SOLUTION


def box_blur_kernel(size=3):
    """The ``size x size`` box blur ("blur pixel" in the notes): every entry ``1 / size**2``."""
    return np.full((size, size), 1.0 / size ** 2)


def identity_kernel(size=3):
    """The ``size x size`` identity kernel: 1 at the centre, 0 elsewhere (``size`` odd)."""
    kernel = np.zeros((size, size))
    kernel[size // 2, size // 2] = 1.0
    return kernel


def sharpen_kernel(amount=1.0):
    """A 3x3 sharpening kernel built from the identity and the box blur ("unsharp masking").

    The detail of an image is what blurring removes, ``image - blur(image)``; sharpening adds ``amount`` times that
    detail back: ``kernel = identity + amount * (identity - blur) = (1 + amount) * identity - amount * blur``.
    Its entries sum to 1, so flat regions keep their brightness (the notes' ``[[0,0,0],[0,2,0],[0,0,0]]`` sums
    to 2 and only doubles the brightness).

    Parameters
    ----------
    amount : float, default 1.0
        How much detail to add; 0 gives the identity.

    Returns
    -------
    kernel : ndarray of float64, shape (3, 3)
    """
    ### BEGIN SOLUTION
    kernel = (1.0 + amount) * identity_kernel(3) - amount * box_blur_kernel(3)
    return kernel
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Output size, padding, stride
# ---------------------------------------------------------------------------------------------------------------


def conv_output_size(n, f, pad=0, stride=1):
    """Output length along one axis of a convolution (or pooling) window sliding over an input of length ``n``.

    ``(n + 2 * pad - f) // stride + 1`` (the notes' floor formula).

    Parameters
    ----------
    n : int
        Input length (height or width).
    f : int
        Filter (window) length.
    pad : int, default 0
        Zeros added on each side.
    stride : int, default 1
        Step between two window positions.

    Returns
    -------
    size : int
        A Python ``int``.

    Raises
    ------
    ValueError
        If the filter does not fit into the padded input (``f > n + 2 * pad``), or ``stride < 1``, or
        ``pad < 0``.
    """
    ### BEGIN SOLUTION
    if stride < 1 or pad < 0 or f < 1:
        raise ValueError(f"need stride >= 1, pad >= 0 and f >= 1; got stride={stride}, pad={pad}, f={f}")
    if f > n + 2 * pad:
        raise ValueError(f"a filter of length {f} does not fit into an input of length {n} padded by {pad}")
    return int((n + 2 * pad - f) // stride + 1)
    ### END SOLUTION


def same_padding(f):
    """The padding that keeps the size at stride 1 ("same" convolution): ``(f - 1) / 2``.

    Parameters
    ----------
    f : int
        Filter length, odd.

    Returns
    -------
    pad : int
        A Python ``int``.

    Raises
    ------
    ValueError
        If ``f`` is even (no symmetric padding keeps the size) or less than 1.
    """
    ### BEGIN SOLUTION
    if f < 1 or f % 2 == 0:
        raise ValueError(f"'same' padding needs an odd filter length; got f={f}")
    return int((f - 1) // 2)
    ### END SOLUTION


def fitting_strides(n, f, pad=0):
    """The strides with which a filter of length ``f`` visits the padded input exactly, nothing left over.

    A stride ``s`` fits when ``(n + 2 * pad - f)`` is a multiple of ``s``: the last window then ends exactly at
    the border (for ``n = 7, f = 3``: strides 1, 2 and 4 fit, 3 does not). Strides larger than
    ``n + 2 * pad - f`` give one window only and are not listed (except ``1`` when the filter fills the input).

    Parameters
    ----------
    n, f, pad : int
        Input length, filter length, padding (``f <= n + 2 * pad``).

    Returns
    -------
    strides : list of int
        The fitting strides in increasing order, from ``1`` to ``max(1, n + 2 * pad - f)``.
    """
    ### BEGIN SOLUTION
    span = n + 2 * pad - f
    if span < 0:
        raise ValueError(f"a filter of length {f} does not fit into an input of length {n} padded by {pad}")
    if span == 0:
        return [1]
    return [s for s in range(1, span + 1) if span % s == 0]
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# The convolution layer: naive loops
# ---------------------------------------------------------------------------------------------------------------


def conv_forward_naive(x, w, b, conv_param):
    """Convolution layer (cross-correlation), forward pass, with explicit loops over samples, filters and positions.

    ``out[n, f, i, j] = b[f] + sum_{c, u, v} x_pad[n, c, i * s + u, j * s + v] * w[f, c, u, v]``, where
    ``x_pad`` is ``x`` with ``pad`` zeros on every side of each channel.

    Parameters
    ----------
    x : ndarray of float64, shape (N, C, H, W)
        Input images.
    w : ndarray of float64, shape (F, C, HH, WW)
        F filters, each spanning all C channels.
    b : ndarray of float64, shape (F,)
        One bias per filter.
    conv_param : dict
        ``'stride'`` (int >= 1) and ``'pad'`` (int >= 0).

    Returns
    -------
    out : ndarray of float64, shape (N, F, H', W')
        ``H' = (H + 2 * pad - HH) // stride + 1``, ``W' = (W + 2 * pad - WW) // stride + 1``.
    cache : tuple
        ``(x, w, b, conv_param)``.
    """
    ### BEGIN SOLUTION
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))  # zeros on every side of each channel
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):  # the loops are the lesson: one dot product per output entry
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]  # (C, HH, WW)
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    cache = (x, w, b, conv_param)
    return out, cache
    ### END SOLUTION


def conv_backward_naive(dout, cache):
    """Convolution layer, backward pass, with explicit loops over samples, filters and positions.

    Every output ``out[n, f, i, j]`` was made from one window of ``x_pad``, so its gradient flows back to that
    window (through ``w[f]``), to ``w[f]`` (through the window) and to ``b[f]``: ``dx`` and ``dw`` accumulate
    over all positions, and ``dw``, ``db`` over the batch.

    Parameters
    ----------
    dout : ndarray of float64, shape (N, F, H', W')
        Upstream gradient dL/d(out).
    cache : tuple
        ``(x, w, b, conv_param)`` from ``conv_forward_naive`` (or ``conv_forward_fast``'s first four entries).

    Returns
    -------
    dx : ndarray of float64, shape (N, C, H, W)
        Gradient with respect to the input (the padding's gradient is dropped). Input rows or columns that no
        window reached (when the stride does not fit) get 0.
    dw : ndarray of float64, shape (F, C, HH, WW)
        Gradient with respect to the filters, summed over the batch and all positions.
    db : ndarray of float64, shape (F,)
        ``dout`` summed over the batch and all positions (axes 0, 2, 3).
    """
    ### BEGIN SOLUTION
    x, w, b, conv_param = cache[:4]
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    g = dout[n, f, i, j]
                    dw[f] += g * x_pad[n, :, rows, cols]
                    dx_pad[n, :, rows, cols] += g * w[f]
    db = dout.sum(axis=(0, 2, 3))
    dx = dx_pad[:, :, pad:pad + H, pad:pad + W]
    return dx, dw, db
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# The convolution layer: im2col and one matrix product
# ---------------------------------------------------------------------------------------------------------------


def im2col(x, HH, WW, conv_param):
    """Every window of the padded input as one column of a matrix ("image to columns").

    Column ``k = n * H' * W' + i * W' + j`` holds the window under output position ``(i, j)`` of sample ``n``,
    flattened in the order of a filter ``w[f]``: row ``c * HH * WW + u * WW + v`` of that column is
    ``x_pad[n, c, i * stride + u, j * stride + v]`` (channel slowest, then filter row, then filter column). Then
    ``w.reshape(F, -1) @ im2col(x, HH, WW, conv_param)`` holds every output of the convolution, shape
    ``(F, N * H' * W')``.

    Parameters
    ----------
    x : ndarray of float64, shape (N, C, H, W)
        Input images.
    HH, WW : int
        Window (filter) height and width.
    conv_param : dict
        ``'stride'`` and ``'pad'``.

    Returns
    -------
    cols : ndarray of float64, shape (C * HH * WW, N * H' * W')
        ``H' = (H + 2 * pad - HH) // stride + 1``, ``W' = (W + 2 * pad - WW) // stride + 1``.
    """
    ### BEGIN SOLUTION
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    windows = sliding_window_view(x_pad, (HH, WW), axis=(2, 3))  # (N, C, H+2p-HH+1, W+2p-WW+1, HH, WW)
    windows = windows[:, :, ::stride, ::stride][:, :, :H_out, :W_out]  # (N, C, H', W', HH, WW), still a view
    cols = windows.transpose(1, 4, 5, 0, 2, 3).reshape(C * HH * WW, N * H_out * W_out)  # the one copy
    return cols
    ### END SOLUTION


def col2im(cols, x_shape, HH, WW, conv_param):
    """The adjoint of ``im2col``: add every column of ``cols`` back onto the window it came from.

    Where windows overlap, their entries **add up**; the padding is cut off at the end. For all ``x`` and
    ``cols``, ``sum(im2col(x, ...) * cols) == sum(x * col2im(cols, x.shape, ...))``, which is why
    ``col2im(dcols, ...)`` is the gradient with respect to ``x`` of anything computed from ``im2col(x, ...)``.

    Parameters
    ----------
    cols : ndarray of float64, shape (C * HH * WW, N * H' * W')
        Columns laid out as ``im2col`` returns them.
    x_shape : tuple of int
        ``(N, C, H, W)``, the shape of the images.
    HH, WW : int
        Window height and width.
    conv_param : dict
        ``'stride'`` and ``'pad'``.

    Returns
    -------
    x : ndarray of float64, shape (N, C, H, W)
    """
    ### BEGIN SOLUTION
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    blocks = cols.reshape(C, HH, WW, N, H_out, W_out)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    x_pad_cn = x_pad.transpose(1, 0, 2, 3)  # a (C, N, ...) view of the same memory
    for u in range(HH):  # HH * WW strided additions, each over the whole batch
        for v in range(WW):
            rows = slice(u, u + stride * (H_out - 1) + 1, stride)
            columns = slice(v, v + stride * (W_out - 1) + 1, stride)
            x_pad_cn[:, :, rows, columns] += blocks[:, u, v]
    return x_pad[:, :, pad:pad + H, pad:pad + W]
    ### END SOLUTION


def conv_forward_fast(x, w, b, conv_param):
    """Convolution layer (cross-correlation), forward pass, as one matrix product of the filters and ``im2col(x)``.

    Computes exactly what ``conv_forward_naive`` computes (agreeing to about 1e-14).

    Parameters
    ----------
    x : ndarray of float64, shape (N, C, H, W)
    w : ndarray of float64, shape (F, C, HH, WW)
    b : ndarray of float64, shape (F,)
    conv_param : dict
        ``'stride'`` and ``'pad'``.

    Returns
    -------
    out : ndarray of float64, shape (N, F, H', W')
    cache : tuple
        ``(x, w, b, conv_param, cols)`` with ``cols = im2col(x, HH, WW, conv_param)``.
    """
    ### BEGIN SOLUTION
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    cols = im2col(x, HH, WW, conv_param)  # (C * HH * WW, N * H' * W')
    out = w.reshape(F, -1) @ cols + b[:, None]  # (F, N * H' * W'): the one matrix product
    out = np.ascontiguousarray(out.reshape(F, N, H_out, W_out).transpose(1, 0, 2, 3))
    cache = (x, w, b, conv_param, cols)
    return out, cache
    ### END SOLUTION


def conv_backward_fast(dout, cache):
    """Convolution layer, backward pass, with two matrix products and ``col2im``.

    With ``G = dout`` laid out as ``(F, N * H' * W')`` (columns in ``im2col``'s order) and
    ``w_row = w.reshape(F, -1)``: ``dw = (G @ cols.T).reshape(w.shape)``, ``db = G.sum(axis=1)`` and
    ``dx = col2im(w_row.T @ G, x.shape, HH, WW, conv_param)``.

    Parameters
    ----------
    dout : ndarray of float64, shape (N, F, H', W')
        Upstream gradient.
    cache : tuple
        ``(x, w, b, conv_param, cols)`` from ``conv_forward_fast``.

    Returns
    -------
    dx : ndarray of float64, shape (N, C, H, W)
    dw : ndarray of float64, shape (F, C, HH, WW)
    db : ndarray of float64, shape (F,)
    """
    ### BEGIN SOLUTION
    x, w, b, conv_param, cols = cache
    F, _, HH, WW = w.shape
    G = dout.transpose(1, 0, 2, 3).reshape(F, -1)  # (F, N * H' * W')
    db = G.sum(axis=1)
    dw = (G @ cols.T).reshape(w.shape)
    dx = col2im(w.reshape(F, -1).T @ G, x.shape, HH, WW, conv_param)
    return dx, dw, db
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Pooling: naive loops
# ---------------------------------------------------------------------------------------------------------------


def max_pool_forward_naive(x, pool_param):
    """Max pooling, forward pass, with loops over the output positions: the largest value of every window.

    Parameters
    ----------
    x : ndarray of float64, shape (N, C, H, W)
        Input; every channel is pooled on its own.
    pool_param : dict
        ``'pool_height'``, ``'pool_width'`` and ``'stride'`` (no padding).

    Returns
    -------
    out : ndarray of float64, shape (N, C, H', W')
        ``H' = (H - pool_height) // stride + 1``, ``W' = (W - pool_width) // stride + 1``.
    cache : tuple
        ``(x, pool_param)``.
    """
    ### BEGIN SOLUTION
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out, W_out = (H - ph) // stride + 1, (W - pw) // stride + 1
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw].max(axis=(2, 3))
    cache = (x, pool_param)
    return out, cache
    ### END SOLUTION


def max_pool_backward_naive(dout, cache):
    """Max pooling, backward pass: each window's gradient goes to its maximum only.

    The maximum is the **first** largest entry of the window in row-major order (what ``np.argmax`` of the
    flattened window returns, and what PyTorch uses). Where windows overlap, an entry that is the maximum of
    several windows collects all their gradients.

    Parameters
    ----------
    dout : ndarray of float64, shape (N, C, H', W')
        Upstream gradient.
    cache : tuple
        ``(x, pool_param)`` from the forward pass.

    Returns
    -------
    dx : ndarray of float64, shape (N, C, H, W)
        Zero everywhere except at the maxima.
    """
    ### BEGIN SOLUTION
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out, W_out = (H - ph) // stride + 1, (W - pw) // stride + 1
    dx = np.zeros_like(x)
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i * stride, i * stride + ph)
            cols = slice(j * stride, j * stride + pw)
            window = x[:, :, rows, cols].reshape(N, C, ph * pw)
            first_max = np.argmax(window, axis=2)  # (N, C)
            mask = np.arange(ph * pw) == first_max[:, :, None]  # one True per window
            dx[:, :, rows, cols] += (mask * dout[:, :, i, j][:, :, None]).reshape(N, C, ph, pw)
    return dx
    ### END SOLUTION


def avg_pool_forward_naive(x, pool_param):
    """Average pooling, forward pass, with loops over the output positions: the mean of every window.

    Parameters
    ----------
    x : ndarray of float64, shape (N, C, H, W)
    pool_param : dict
        ``'pool_height'``, ``'pool_width'`` and ``'stride'`` (no padding).

    Returns
    -------
    out : ndarray of float64, shape (N, C, H', W')
    cache : tuple
        ``(x, pool_param)``.
    """
    ### BEGIN SOLUTION
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out, W_out = (H - ph) // stride + 1, (W - pw) // stride + 1
    out = np.zeros((N, C, H_out, W_out))
    for i in range(H_out):
        for j in range(W_out):
            out[:, :, i, j] = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw].mean(axis=(2, 3))
    cache = (x, pool_param)
    return out, cache
    ### END SOLUTION


def avg_pool_backward_naive(dout, cache):
    """Average pooling, backward pass: each window's gradient is shared equally by its ``ph * pw`` entries.

    Parameters
    ----------
    dout : ndarray of float64, shape (N, C, H', W')
    cache : tuple
        ``(x, pool_param)`` from the forward pass.

    Returns
    -------
    dx : ndarray of float64, shape (N, C, H, W)
        Every entry of a window receives ``dout / (pool_height * pool_width)``; overlapping windows add up.
    """
    ### BEGIN SOLUTION
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out, W_out = (H - ph) // stride + 1, (W - pw) // stride + 1
    dx = np.zeros_like(x)
    for i in range(H_out):
        for j in range(W_out):
            share = dout[:, :, i, j] / (ph * pw)
            dx[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw] += share[:, :, None, None]
    return dx
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Pooling: a fast path when the windows tile the input
# ---------------------------------------------------------------------------------------------------------------


def pool_windows_tile(x_shape, pool_param):
    """Whether the pooling windows tile the input: no overlap, no gap, nothing left over.

    True when ``stride == pool_height == pool_width`` and the pool size divides both ``H`` and ``W``.

    Parameters
    ----------
    x_shape : tuple of int
        ``(N, C, H, W)``.
    pool_param : dict

    Returns
    -------
    bool
    """
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    return ph == pw == stride and x_shape[2] % ph == 0 and x_shape[3] % pw == 0


def max_pool_forward_fast(x, pool_param):
    """Max pooling without loops when the windows tile the input (``pool_windows_tile``); else the naive pass.

    Reshapes ``x`` to ``(N, C, H/p, p, W/p, p)`` and takes the maximum over the two window axes.

    Parameters
    ----------
    x : ndarray of float64, shape (N, C, H, W)
    pool_param : dict
        ``'pool_height'``, ``'pool_width'`` and ``'stride'``.

    Returns
    -------
    out : ndarray of float64, shape (N, C, H', W')
    cache : tuple
        ``(x, pool_param)``, as for the naive pass.
    """
    ### BEGIN SOLUTION
    if not pool_windows_tile(x.shape, pool_param):
        return max_pool_forward_naive(x, pool_param)
    N, C, H, W = x.shape
    p = pool_param["stride"]
    out = x.reshape(N, C, H // p, p, W // p, p).max(axis=(3, 5))
    cache = (x, pool_param)
    return out, cache
    ### END SOLUTION


def max_pool_backward_fast(dout, cache):
    """Max pooling, backward pass, without loops when the windows tile the input; else the naive pass.

    The gradient of each tile goes to its first maximum in row-major order, exactly as in the naive pass.

    Parameters
    ----------
    dout : ndarray of float64, shape (N, C, H', W')
    cache : tuple
        ``(x, pool_param)``.

    Returns
    -------
    dx : ndarray of float64, shape (N, C, H, W)
    """
    ### BEGIN SOLUTION
    x, pool_param = cache
    if not pool_windows_tile(x.shape, pool_param):
        return max_pool_backward_naive(dout, cache)
    N, C, H, W = x.shape
    p = pool_param["stride"]
    # (N, C, H/p, W/p, p * p): one row per tile, its entries in row-major order
    tiles = x.reshape(N, C, H // p, p, W // p, p).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, H // p, W // p, p * p)
    mask = np.arange(p * p) == np.argmax(tiles, axis=4)[..., None]  # the first maximum of every tile
    dtiles = (mask * dout[..., None]).reshape(N, C, H // p, W // p, p, p)
    dx = dtiles.transpose(0, 1, 2, 4, 3, 5).reshape(N, C, H, W)
    return dx
    ### END SOLUTION


def avg_pool_forward_fast(x, pool_param):
    """Average pooling without loops when the windows tile the input; else the naive pass.

    Parameters
    ----------
    x : ndarray of float64, shape (N, C, H, W)
    pool_param : dict

    Returns
    -------
    out : ndarray of float64, shape (N, C, H', W')
    cache : tuple
        ``(x, pool_param)``.
    """
    ### BEGIN SOLUTION
    if not pool_windows_tile(x.shape, pool_param):
        return avg_pool_forward_naive(x, pool_param)
    N, C, H, W = x.shape
    p = pool_param["stride"]
    out = x.reshape(N, C, H // p, p, W // p, p).mean(axis=(3, 5))
    cache = (x, pool_param)
    return out, cache
    ### END SOLUTION


def avg_pool_backward_fast(dout, cache):
    """Average pooling, backward pass, without loops when the windows tile the input; else the naive pass.

    Parameters
    ----------
    dout : ndarray of float64, shape (N, C, H', W')
    cache : tuple
        ``(x, pool_param)``.

    Returns
    -------
    dx : ndarray of float64, shape (N, C, H, W)
        ``dout / p**2`` repeated over every tile.
    """
    ### BEGIN SOLUTION
    x, pool_param = cache
    if not pool_windows_tile(x.shape, pool_param):
        return avg_pool_backward_naive(dout, cache)
    p = pool_param["stride"]
    dx = np.repeat(np.repeat(dout / (p * p), p, axis=2), p, axis=3)
    return dx
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Max unpooling with switches
# ---------------------------------------------------------------------------------------------------------------


def max_pool_switches(x, pool_param):
    """Where the maximum of every max-pooling window lies: the "switches" that unpooling needs.

    ``switches[n, c, i, j]`` is the flat index ``h * W + w`` (within the channel's ``H x W`` plane) of the first
    maximum, in row-major order, of window ``(i, j)``: PyTorch's ``max_pool2d(..., return_indices=True)``.

    Parameters
    ----------
    x : ndarray of float64, shape (N, C, H, W)
    pool_param : dict
        ``'pool_height'``, ``'pool_width'`` and ``'stride'``.

    Returns
    -------
    switches : ndarray of int64, shape (N, C, H', W')
        Values in ``0 .. H * W - 1``.
    """
    ### BEGIN SOLUTION
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    H_out, W_out = (H - ph) // stride + 1, (W - pw) // stride + 1
    windows = sliding_window_view(x, (ph, pw), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :H_out, :W_out]
    local = np.argmax(windows.reshape(N, C, H_out, W_out, ph * pw), axis=4)  # index inside each window
    rows = np.arange(H_out)[:, None] * stride + local // pw
    cols = np.arange(W_out)[None, :] * stride + local % pw
    switches = (rows * W + cols).astype(np.int64)
    return switches
    ### END SOLUTION


def max_unpool_forward(x, switches, output_size):
    """Max unpooling: put every pooled value back where its maximum was, zeros everywhere else.

    ``out[n, c].flat[switches[n, c, i, j]] = x[n, c, i, j]``. The notes' 3.4.2: pooling followed by unpooling
    keeps each window's maximum in place and zeroes the rest. (If two windows share a maximum, which happens only
    when windows overlap, their values add up.)

    Parameters
    ----------
    x : ndarray of float64, shape (N, C, H', W')
        Pooled values (or any feature map of that shape).
    switches : ndarray of int64, shape (N, C, H', W')
        From ``max_pool_switches``: flat indices into an ``H x W`` plane.
    output_size : tuple of int
        ``(H, W)``, the size before pooling.

    Returns
    -------
    out : ndarray of float64, shape (N, C, H, W)
    cache : ndarray of int64
        ``switches`` (the backward pass needs nothing else).
    """
    ### BEGIN SOLUTION
    N, C = x.shape[:2]
    H, W = output_size
    out = np.zeros((N, C, H * W))
    index = switches.reshape(N, C, -1)
    n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
    np.add.at(out, (n[:, :, None], c[:, :, None], index), x.reshape(N, C, -1))
    cache = switches
    return out.reshape(N, C, H, W), cache
    ### END SOLUTION


def max_unpool_backward(dout, cache):
    """Max unpooling, backward pass: each input value's gradient is the upstream gradient at its switch.

    ``dx[n, c, i, j] = dout[n, c].flat[switches[n, c, i, j]]``: a gather, the transpose of the forward scatter.

    Parameters
    ----------
    dout : ndarray of float64, shape (N, C, H, W)
        Upstream gradient.
    cache : ndarray of int64, shape (N, C, H', W')
        The switches.

    Returns
    -------
    dx : ndarray of float64, shape (N, C, H', W')
    """
    ### BEGIN SOLUTION
    switches = cache
    N, C = switches.shape[:2]
    flat = dout.reshape(N, C, -1)
    dx = np.take_along_axis(flat, switches.reshape(N, C, -1), axis=2).reshape(switches.shape)
    return dx
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# Counting parameters and activations
# ---------------------------------------------------------------------------------------------------------------


def count_parameters(input_shape, layers):
    """Activation shape, activation size and number of parameters after every layer of a network.

    Layers are dicts (``stride`` defaults to 1 for ``conv``, ``pad`` to 0):

    * ``{'type': 'conv', 'filters': F, 'size': f, 'stride': s, 'pad': p}``: F filters of ``f x f x C``;
      ``(f * f * C + 1) * F`` parameters (one bias per filter); output ``(F, H', W')``.
    * ``{'type': 'pool', 'size': f, 'stride': s}``: max (or average) pooling; no parameters; output
      ``(C, H', W')``.
    * ``{'type': 'fc', 'units': M}``: a fully connected layer on the flattened input of size D; ``D * M + M``
      parameters; output ``(M,)``. (The notes' "Softmax" row is such a layer with 10 units.)

    Beside each layer, ``dense_params`` counts what a fully connected layer from the same input size to the same
    output size would need, ``(D_in + 1) * D_out`` (0 for pooling, which has no weights either way).

    Parameters
    ----------
    input_shape : tuple of int
        ``(C, H, W)`` (the notes write it ``(H, W, C)``).
    layers : list of dict

    Returns
    -------
    table : dict of str -> list
        ``'shapes'``: list of tuples of int, the activation shape after every layer; ``'sizes'``: list of int,
        their numbers of entries; ``'params'``: list of int, the layer's parameters; ``'dense_params'``: list
        of int. All four lists have one entry per layer (the input is not a layer); all numbers Python ints.
    """
    ### BEGIN SOLUTION
    shape = tuple(int(v) for v in input_shape)
    table = {"shapes": [], "sizes": [], "params": [], "dense_params": []}
    for layer in layers:
        size_in = int(np.prod(shape))
        kind = layer["type"]
        if kind not in ("conv", "pool", "fc"):
            raise ValueError(f"unknown layer type {kind!r}; valid: 'conv', 'pool', 'fc'")
        if kind == "conv":
            C, H, W = shape
            f, filters = layer["size"], layer["filters"]
            stride, pad = layer.get("stride", 1), layer.get("pad", 0)
            shape = (filters, (H + 2 * pad - f) // stride + 1, (W + 2 * pad - f) // stride + 1)
            params = (f * f * C + 1) * filters
        elif kind == "pool":
            C, H, W = shape
            f, stride = layer["size"], layer["stride"]
            shape = (C, (H - f) // stride + 1, (W - f) // stride + 1)
            params = 0
        elif kind == "fc":
            shape = (layer["units"],)
            params = size_in * layer["units"] + layer["units"]
        size_out = int(np.prod(shape))
        table["shapes"].append(tuple(int(v) for v in shape))
        table["sizes"].append(size_out)
        table["params"].append(int(params))
        table["dense_params"].append(0 if kind == "pool" else (size_in + 1) * size_out)
    return table
    ### END SOLUTION


# ---------------------------------------------------------------------------------------------------------------
# A small convolutional network
# ---------------------------------------------------------------------------------------------------------------

class ConvNet:
    """conv - ReLU - 2x2 max pool, twice, then affine - ReLU, affine, softmax.

    The convolutions keep the size ("same" padding, stride 1, ``filter_size`` odd); each pooling halves it. For
    inputs ``(N, C, H, W)`` with H and W multiples of 4, the parameters are

    ========== ===================================== ==========
    key        shape                                 initial
    ========== ===================================== ==========
    ``'W1'``   ``(F1, C, f, f)``                     He
    ``'b1'``   ``(F1,)``                             0
    ``'W2'``   ``(F2, F1, f, f)``                    He
    ``'b2'``   ``(F2,)``                             0
    ``'W3'``   ``(F2 * H/4 * W/4, hidden)``          He
    ``'b3'``   ``(hidden,)``                         0
    ``'W4'``   ``(hidden, num_classes)``             He
    ``'b4'``   ``(num_classes,)``                    0
    ========== ===================================== ==========

    (He: ``N(0, 2 / fan_in)``, ``fan_in = C * f * f`` for a filter bank.)

    Parameters
    ----------
    input_shape : tuple of int, default (1, 8, 8)
        ``(C, H, W)`` of one sample.
    num_filters : tuple of two int, default (8, 16)
        ``(F1, F2)``.
    filter_size : int, default 3
        Odd.
    hidden : int, default 64
        Units of the hidden affine layer.
    num_classes : int, default 10
    reg : float, default 0.0
        L2 strength: ``loss += reg * sum(W * W)`` over ``W1 .. W4`` (not the biases).
    rng : numpy.random.Generator or int, default 0
    """

    def __init__(self, input_shape=(1, 8, 8), num_filters=(8, 16), filter_size=3, hidden=64, num_classes=10,
                 reg=0.0, rng=0):
        rng = np.random.default_rng(rng)
        C, H, W = input_shape
        F1, F2 = num_filters
        f = filter_size
        self.reg = reg
        shapes = {"W1": (F1, C, f, f), "W2": (F2, F1, f, f), "W3": (F2 * (H // 4) * (W // 4), hidden),
                  "W4": (hidden, num_classes)}
        self.params = {}
        for l in range(1, 5):
            shape = shapes[f"W{l}"]
            fan_in = int(np.prod(shape[1:])) if l <= 2 else shape[0]
            self.params[f"W{l}"] = rng.normal(0.0, np.sqrt(2.0 / fan_in), size=shape)
            self.params[f"b{l}"] = np.zeros(shape[0] if l <= 2 else shape[1])

    def loss(self, X, y=None):
        """Class scores, or the loss and the gradient of every parameter.

        Forward: ``conv_forward_fast`` (stride 1, pad ``(f - 1) // 2``) - ``relu_forward`` -
        ``max_pool_forward_fast`` (2x2, stride 2), twice; ``affine_forward`` - ``relu_forward``;
        ``affine_forward`` gives the scores. Loss: ``softmax_loss`` (mean over the batch) plus
        ``reg * sum(W * W)`` over the four weight arrays, whose gradients gain ``2 * reg * W``.

        Parameters
        ----------
        X : ndarray of float64, shape (N, C, H, W)
        y : ndarray of int, shape (N,), optional

        Returns
        -------
        scores : ndarray of float64, shape (N, num_classes)
            If ``y`` is None.
        loss, grads : float, dict of str -> ndarray
            If ``y`` is given: the regularised loss and a gradient for each of the eight parameters.
        """
        ### BEGIN SOLUTION
        p = self.params
        conv_param = {"stride": 1, "pad": (p["W1"].shape[2] - 1) // 2}
        pool_param = {"pool_height": 2, "pool_width": 2, "stride": 2}
        a1, c1 = conv_forward_fast(X, p["W1"], p["b1"], conv_param)
        r1, cr1 = relu_forward(a1)
        h1, cp1 = max_pool_forward_fast(r1, pool_param)
        a2, c2 = conv_forward_fast(h1, p["W2"], p["b2"], conv_param)
        r2, cr2 = relu_forward(a2)
        h2, cp2 = max_pool_forward_fast(r2, pool_param)
        a3, c3 = affine_forward(h2, p["W3"], p["b3"])
        h3, cr3 = relu_forward(a3)
        scores, c4 = affine_forward(h3, p["W4"], p["b4"])
        if y is None:
            return scores

        loss, dscores = softmax_loss(scores, y)
        grads = {}
        dh3, grads["W4"], grads["b4"] = affine_backward(dscores, c4)
        dh2, grads["W3"], grads["b3"] = affine_backward(relu_backward(dh3, cr3), c3)
        dr2 = max_pool_backward_fast(dh2, cp2)
        dh1, grads["W2"], grads["b2"] = conv_backward_fast(relu_backward(dr2, cr2), c2)
        dr1 = max_pool_backward_fast(dh1, cp1)
        _, grads["W1"], grads["b1"] = conv_backward_fast(relu_backward(dr1, cr1), c1)
        for l in range(1, 5):
            W = p[f"W{l}"]
            loss += self.reg * np.sum(W * W)
            grads[f"W{l}"] = grads[f"W{l}"] + 2.0 * self.reg * W
        return float(loss), grads
        ### END SOLUTION

    def predict(self, X, batch_size=500):
        """Predicted class of each sample (scores computed in batches).

        Parameters
        ----------
        X : ndarray of float64, shape (N, C, H, W)

        Returns
        -------
        y_pred : ndarray of int, shape (N,)
        """
        return np.concatenate([np.argmax(self.loss(X[i:i + batch_size]), axis=1)
                               for i in range(0, X.shape[0], batch_size)])


def convnet_loss(params, X, y=None, reg=0.0):
    """``ConvNet.loss`` for parameters given as plain arrays (how the grader calls your network).

    Builds a ``ConvNet`` whose sizes are read off the parameter shapes, sets its parameters to float64 copies of
    ``params`` and returns ``model.loss(X, y)``.

    Parameters
    ----------
    params : dict of str -> ndarray
        ``'W1', 'b1', ..., 'W4', 'b4'`` with the shapes documented in ``ConvNet``.
    X : ndarray of float64, shape (N, C, H, W)
    y : ndarray of int, shape (N,), optional
    reg : float, default 0.0

    Returns
    -------
    scores, or (loss, grads)
        Exactly what ``ConvNet.loss`` returns.
    """
    W1, W3, W4 = params["W1"], params["W3"], params["W4"]
    model = ConvNet(input_shape=X.shape[1:], num_filters=(W1.shape[0], params["W2"].shape[0]),
                    filter_size=W1.shape[2], hidden=W3.shape[1], num_classes=W4.shape[1], reg=reg)
    model.params = {key: np.array(value, dtype=np.float64) for key, value in params.items()}
    return model.loss(X, y)


def train_convnet(model, X, y, X_val, y_val, lr=0.01, momentum=0.9, lr_decay=1.0, epochs=10, batch_size=32,
                  rng=0, progress=False):
    """Train ``model`` in place with mini-batch SGD with momentum (given code: Lab 7 ships its own trainer).

    For every parameter ``p`` with gradient ``g``: ``v = momentum * v - lr * g``, then ``p += v`` (the velocity
    ``v`` starts at 0), and after every epoch ``lr *= lr_decay``. Every epoch shuffles the training set with
    ``rng.permutation``; the last batch may be smaller.

    Parameters
    ----------
    model : ConvNet
        Anything with ``params``, ``loss(X, y)`` and ``predict(X)``.
    X, y : ndarray
        Training images ``(N, C, H, W)`` and labels ``(N,)``.
    X_val, y_val : ndarray
        Validation images and labels.
    lr, momentum : float
        Learning rate and momentum.
    lr_decay : float, default 1.0
        Factor applied to the learning rate after every epoch.
    epochs, batch_size : int
    rng : numpy.random.Generator or int
    progress : bool, default False
        Show a ``tqdm`` progress bar over the SGD steps.

    Returns
    -------
    history : dict
        ``'loss'``: the minibatch loss of every step; ``'train_acc'``, ``'val_acc'``: the accuracies after
        every epoch.
    """
    rng = np.random.default_rng(rng)
    history = {"loss": [], "train_acc": [], "val_acc": []}
    velocity = {key: np.zeros_like(value) for key, value in model.params.items()}
    num_train = X.shape[0]
    steps_per_epoch = -(-num_train // batch_size)
    bar = None
    if progress:
        from tqdm.auto import tqdm

        bar = tqdm(total=epochs * steps_per_epoch, desc="training")
    for epoch in range(epochs):
        order = rng.permutation(num_train)
        for start in range(0, num_train, batch_size):
            batch = order[start:start + batch_size]
            loss, grads = model.loss(X[batch], y[batch])
            for key, grad in grads.items():
                velocity[key] = momentum * velocity[key] - lr * grad
                model.params[key] += velocity[key]
            history["loss"].append(loss)
            if bar is not None:
                bar.update(1)
        lr *= lr_decay
        history["train_acc"].append(float(np.mean(model.predict(X) == y)))
        history["val_acc"].append(float(np.mean(model.predict(X_val) == y_val)))
        if bar is not None:
            bar.set_postfix(epoch=epoch + 1, val_acc=f"{history['val_acc'][-1]:.3f}")
    if bar is not None:
        bar.close()
    return history
