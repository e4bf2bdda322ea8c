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


def _pad(x, pad):
    return np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad))) if pad else x


def conv_forward_naive(x, w, b, conv_param):
    """Convolution layer (cross-correlation), forward pass, with explicit loops over the output positions.

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
    H_out = conv_output_size(H, HH, pad, stride)
    W_out = conv_output_size(W, WW, pad, stride)
    x_pad = _pad(x, pad)
    out = np.zeros((N, F, H_out, W_out))
    for i in range(H_out):  # the loop over output positions is the lesson; the sums are vectorised
        for j in range(W_out):
            window = x_pad[:, :, i * stride:i * stride + HH, j * stride:j * stride + WW]  # (N, C, HH, WW)
            out[:, :, i, j] = np.tensordot(window, w, axes=([1, 2, 3], [1, 2, 3])) + b
    cache = (x, w, b, conv_param)
    return out, cache
    ### END SOLUTION


def conv_backward_naive(dout, cache):
    """Convolution layer, backward pass, with explicit loops over the output positions.

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
    x_pad = _pad(x, pad)
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    for i in range(H_out):
        for j in range(W_out):
            rows = slice(i * stride, i * stride + HH)
            cols = slice(j * stride, j * stride + WW)
            g = dout[:, :, i, j]  # (N, F)
            dw += np.tensordot(g, x_pad[:, :, rows, cols], axes=([0], [0]))  # (F, C, HH, WW)
            dx_pad[:, :, rows, cols] += np.tensordot(g, w, axes=([1], [0]))  # (N, C, HH, WW)
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
    H_out = conv_output_size(H, HH, pad, stride)
    W_out = conv_output_size(W, WW, pad, stride)
    windows = sliding_window_view(_pad(x, pad), (HH, WW), axis=(2, 3))  # (N, C, H+2p-HH+1, W+2p-WW+1, HH, WW)
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
    H_out = conv_output_size(H, HH, pad, stride)
    W_out = conv_output_size(W, WW, pad, stride)
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
    N = x.shape[0]
    F, _, HH, WW = w.shape
    H_out = conv_output_size(x.shape[2], HH, conv_param["pad"], conv_param["stride"])
    W_out = conv_output_size(x.shape[3], WW, conv_param["pad"], conv_param["stride"])
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
