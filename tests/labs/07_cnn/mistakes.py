"""Lab 7's realistic mistakes, the one table: ``MISTAKES`` maps a name to (the function replaced, its wrong source,
{exercise: expected score} for the exercises it costs points; every other exercise keeps full marks).

``BOB`` names the mistakes of Bob's example notebook (examples/submissions/bob_07_cnn.ipynb, written by
examples/make_examples.py). Bob's Lab 7: his test for "correlation equals convolution" checks that the kernel equals
its transpose (not its 180-degree rotation), his naive convolution's dw keeps only the last sample's contribution,
and his max-pooling gradient goes to every entry of a window instead of its maximum (which his fast pooling inherits
when the windows do not tile).
"""

# The reference's naive convolution with one line changed (FLIP, PAD and DW_UPDATE are replaced).
_CONV_NAIVE = '''
def conv_forward_naive(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = PAD
    w = FLIP
    out = np.zeros((N, F, H_out, W_out))
    for n in range(N):
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    window = x_pad[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    out[n, f, i, j] = np.sum(window * w[f]) + b[f]
    return out, (x, w, b, conv_param)
'''
_PAD_BOTH = "np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))"

_CONV_BACKWARD_NAIVE = '''
def conv_backward_naive(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    F, _, HH, WW = w.shape
    _, _, H_out, W_out = dout.shape
    x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx_pad = np.zeros_like(x_pad)
    dw = np.zeros_like(w)
    for n in range(N):
        dw_sample = np.zeros_like(w)
        for f in range(F):
            for i in range(H_out):
                for j in range(W_out):
                    rows = slice(i * stride, i * stride + HH)
                    cols = slice(j * stride, j * stride + WW)
                    dx_pad[n, :, rows, cols] += dout[n, f, i, j] * w[f]
                    dw_sample[f] += dout[n, f, i, j] * x_pad[n, :, rows, cols]
        DW_UPDATE
    db = DB
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, db
'''


def _conv_backward_naive(dw_update="dw += dw_sample", db="dout.sum(axis=(0, 2, 3))"):
    return _CONV_BACKWARD_NAIVE.replace("DW_UPDATE", dw_update).replace("DB", db)


_IM2COL = '''
def im2col(x, HH, WW, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x.shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    x_pad = np.pad(x, PADDING)
    windows = sliding_window_view(x_pad, (HH, WW), axis=(2, 3))[:, :, ::stride, ::stride][:, :, :H_out, :W_out]
    return windows.transpose(ORDER).reshape(C * HH * WW, N * H_out * W_out)
'''


def _im2col(padding="((0, 0), (0, 0), (pad, pad), (pad, pad))", order="1, 4, 5, 0, 2, 3"):
    return _IM2COL.replace("PADDING", padding).replace("ORDER", order)


_COL2IM = '''
def col2im(cols, x_shape, HH, WW, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C, H, W = x_shape
    H_out = (H + 2 * pad - HH) // stride + 1
    W_out = (W + 2 * pad - WW) // stride + 1
    blocks = cols.reshape(C, HH, WW, N, H_out, W_out)
    x_pad = np.zeros((N, C, H + 2 * pad, W + 2 * pad))
    for u in range(HH):
        for v in range(WW):
            x_pad[:, :, u:u + stride * (H_out - 1) + 1:stride, v:v + stride * (W_out - 1) + 1:stride] = (
                blocks[:, u, v].transpose(1, 0, 2, 3))
    return x_pad[:, :, pad:pad + H, pad:pad + W]
'''

_POOL_BACKWARD = '''
def NAME(dout, cache):
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    N, C, H, W = x.shape
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            rows, cols = slice(i * stride, i * stride + ph), slice(j * stride, j * stride + pw)
            dx[:, :, rows, cols] += SHARE
    return dx
'''

# ConvNet.loss of the reference, with REGULARISED(key) deciding which parameters the L2 term covers.
_CONVNET = '''
class ConvNet:
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
        dh1, grads["W2"], grads["b2"] = conv_backward_fast(relu_backward(max_pool_backward_fast(dh2, cp2), cr2), c2)
        _, grads["W1"], grads["b1"] = conv_backward_fast(relu_backward(max_pool_backward_fast(dh1, cp1), cr1), c1)
        for key in p:
            if REGULARISED(key):
                loss += self.reg * np.sum(p[key] ** 2)
                grads[key] = grads[key] + 2.0 * self.reg * p[key]
        return loss, grads

    def predict(self, X, batch_size=500):
        return np.argmax(self.loss(X), axis=1)
'''

MISTAKES = {
    # ---------------------------------------------------------------- 2-D operations
    "convolution_flips_only_upside_down": ("convolve2d", """
        def convolve2d(image, kernel):
            return cross_correlate2d(image, np.asarray(kernel)[::-1])
        """, {"correlation": 4}),  # convolution values fail (a random 3x3 kernel); the 1x1 case alone would pass
    "cross_correlation_flips_the_kernel": ("cross_correlate2d", """
        def cross_correlate2d(image, kernel):
            kernel = np.asarray(kernel)[::-1, ::-1]
            kh, kw = kernel.shape
            out = np.zeros((image.shape[0] - kh + 1, image.shape[1] - kw + 1))
            for u in range(kh):
                for v in range(kw):
                    out += kernel[u, v] * image[u:u + out.shape[0], v:v + out.shape[1]]
            return out
        """, {"correlation": 2}),  # convolve2d calls it, flips twice and computes cross-correlation: both fail
    "symmetric_means_equal_to_the_transpose": ("correlation_equals_convolution", """
        def correlation_equals_convolution(kernel):
            kernel = np.asarray(kernel)
            return kernel.shape[0] == kernel.shape[1] and bool(np.allclose(kernel, kernel.T))
        """, {"correlation": 3}),
    "the_notes_sharpen": ("sharpen_kernel", """
        def sharpen_kernel(amount=1.0):
            return (1.0 + amount) * identity_kernel(3)
        """, {"sharpen": 0}),  # values wrong, the sum is 1 + amount, and nothing is sharpened
    # ---------------------------------------------------------------- sizes
    "output_size_rounds_up": ("conv_output_size", """
        def conv_output_size(n, f, pad=0, stride=1):
            if f > n + 2 * pad:
                raise ValueError("the filter does not fit")
            return int(np.ceil((n + 2 * pad - f) / stride)) + 1
        """, {"output_size": 3}),  # right whenever the stride fits, wrong for the others; the ValueError is kept
    "same_padding_accepts_even_filters": ("same_padding", """
        def same_padding(f):
            return f // 2
        """, {"output_size": 3}),
    # ---------------------------------------------------------------- the naive convolution layer
    "convolution_layer_flips_the_kernel": ("conv_forward_naive", _CONV_NAIVE.replace("PAD", _PAD_BOTH)
                                           .replace("FLIP", "w[:, :, ::-1, ::-1]"), {"conv_naive": 5}),
    # both forward tests fail (3 points); the backward tests get the reference's cache and pass
    "padding_on_one_side_only": ("conv_forward_naive", _CONV_NAIVE.replace(
        "PAD", "np.pad(x, ((0, 0), (0, 0), (0, 2 * pad), (0, 2 * pad)))").replace("FLIP", "w"), {"conv_naive": 5}),
    # every window is shifted by pad: both forward tests fail (each has a problem with pad > 0)
    "dw_missing_the_sum_over_the_batch": ("conv_backward_naive", _conv_backward_naive(dw_update="dw = dw_sample"),
                                          {"conv_naive": 6}),  # the last sample's dw only; right for N = 1
    "db_summed_over_the_filters": ("conv_backward_naive", _conv_backward_naive(db="dout.sum(axis=(1, 2, 3))"),
                                   {"conv_naive": 7}),  # db has shape (N,), not (F,): the db test only
    # ---------------------------------------------------------------- im2col
    "im2col_with_the_wrong_channel_order": ("im2col", _im2col(order="4, 5, 1, 0, 2, 3"),
                                            {"conv_fast": 5, "cnn": 0}),
    # rows (u, v, c) no longer match w.reshape(F, -1): im2col and the fast forward fail (4 points), the fast
    # backward gets the reference's cols and passes, and the ConvNet (3x3 filters on 2 channels) is wrong throughout
    "im2col_pads_one_side_only": ("im2col", _im2col(padding="((0, 0), (0, 0), (0, 2 * pad), (0, 2 * pad))"),
                                  {"conv_fast": 5, "cnn": 0}),  # as above: the ConvNet pads its 3x3 convolutions
    "col2im_overwrites_instead_of_adding": ("col2im", _COL2IM, {"conv_fast": 6, "cnn": 3}),
    # col2im (2) and dx of the fast backward (1) fail where windows overlap; the ConvNet's 3x3 convolutions overlap,
    # so W1's gradient (computed through conv2's dx) is wrong: only its scores and losses survive
    "fast_db_summed_over_the_wrong_axis": ("conv_backward_fast", """
        def conv_backward_fast(dout, cache):
            x, w, b, conv_param, cols = cache
            F, _, HH, WW = w.shape
            G = dout.transpose(1, 0, 2, 3).reshape(F, -1)
            dw = (G @ cols.T).reshape(w.shape)
            dx = col2im(w.reshape(F, -1).T @ G, x.shape, HH, WW, conv_param)
            return dx, dw, G.sum(axis=0)
        """, {"conv_fast": 8, "cnn": 3}),  # the ConvNet's bias gradients break: only scores and losses survive
    # ---------------------------------------------------------------- pooling
    "max_pool_gradient_to_every_entry": ("max_pool_backward_naive", _POOL_BACKWARD.replace(
        "NAME", "max_pool_backward_naive").replace("SHARE", "dout[:, :, i, j][:, :, None, None]"),
        {"max_pool": 2, "fast_pool": 3}),  # the fast backward falls back on it when the windows do not tile
    "avg_pool_gradient_not_divided": ("avg_pool_backward_naive", _POOL_BACKWARD.replace(
        "NAME", "avg_pool_backward_naive").replace("SHARE", "dout[:, :, i, j][:, :, None, None]"),
        {"avg_pool": 1, "fast_pool": 3}),
    "fast_max_pool_groups_the_wrong_entries": ("max_pool_backward_fast", """
        def max_pool_backward_fast(dout, cache):
            x, pool_param = cache
            if not pool_windows_tile(x.shape, pool_param):
                return max_pool_backward_naive(dout, cache)
            N, C, H, W = x.shape
            p = pool_param["stride"]
            tiles = x.reshape(N, C, H // p, W // p, p * p)
            mask = np.arange(p * p) == np.argmax(tiles, axis=4)[..., None]
            return (mask * dout[..., None]).reshape(N, C, H, W)
        """, {"fast_pool": 3, "cnn": 3}),  # a reshape without the transpose: tiles of rows, not 2-D windows
    # ---------------------------------------------------------------- unpooling
    "switches_are_indices_inside_the_window": ("max_pool_switches", """
        def max_pool_switches(x, pool_param):
            ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
            N, C, H, W = x.shape
            H_out, W_out = (H - ph) // stride + 1, (W - pw) // stride + 1
            switches = np.zeros((N, C, H_out, W_out), dtype=np.int64)
            for i in range(H_out):
                for j in range(W_out):
                    window = x[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw]
                    switches[:, :, i, j] = np.argmax(window.reshape(N, C, -1), axis=2)
            return switches
        """, {"unpool": 2}),  # unpooling itself is graded with the reference's switches
    "unpool_swaps_height_and_width": ("max_unpool_forward", """
        def max_unpool_forward(x, switches, output_size):
            N, C = x.shape[:2]
            H, W = output_size
            out = np.zeros((N, C, H, W))
            rows, cols = np.unravel_index(switches, (W, H))
            n, c = np.meshgrid(np.arange(N), np.arange(C), indexing="ij")
            out[n[:, :, None, None], c[:, :, None, None], cols, rows] = x
            return out, switches
        """, {"unpool": 3}),  # the inputs are never square: values land at the wrong places (or out of range)
    # ---------------------------------------------------------------- counting
    "conv_parameters_without_biases": ("count_parameters", """
        def count_parameters(input_shape, layers):
            shape = tuple(input_shape)
            table = {"shapes": [], "sizes": [], "params": [], "dense_params": []}
            for layer in layers:
                size_in = int(np.prod(shape))
                if layer["type"] == "conv":
                    C, H, W = shape
                    f, s, p = layer["size"], layer.get("stride", 1), layer.get("pad", 0)
                    shape = (layer["filters"], (H + 2 * p - f) // s + 1, (W + 2 * p - f) // s + 1)
                    params = f * f * C * layer["filters"]
                elif layer["type"] == "pool":
                    C, H, W = shape
                    shape = (C, (H - layer["size"]) // layer["stride"] + 1, (W - layer["size"]) // layer["stride"] + 1)
                    params = 0
                else:
                    shape = (layer["units"],)
                    params = size_in * layer["units"] + layer["units"]
                size = int(np.prod(shape))
                table["shapes"].append(shape)
                table["sizes"].append(size)
                table["params"].append(params)
                table["dense_params"].append(0 if layer["type"] == "pool" else (size_in + 1) * size)
            return table
        """, {"counting": 2}),  # shapes, sizes and the fully connected alternative stay right
    # ---------------------------------------------------------------- the ConvNet
    "convnet_regularises_the_biases_too": ("ConvNet", _CONVNET.replace("REGULARISED(key)", "True"), {"cnn": 5}),
    # only the two tests with reg > 0 fail
    # Bob's own words for mistakes above (examples/submissions/bob_*.ipynb is made of them)
    "dw_missing_the_sum_over_the_batch_as_bob_wrote_it": ("conv_backward_naive", """
        def conv_backward_naive(dout, cache):
            x, w, b, conv_param = cache
            stride, pad = conv_param["stride"], conv_param["pad"]
            N, C, H, W = x.shape
            F, _, HH, WW = w.shape
            _, _, H_out, W_out = dout.shape
            x_pad = np.pad(x, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            dx_pad = np.zeros_like(x_pad)
            for n in range(N):
                dw = np.zeros_like(w)
                for f in range(F):
                    for i in range(H_out):
                        for j in range(W_out):
                            rows = slice(i * stride, i * stride + HH)
                            cols = slice(j * stride, j * stride + WW)
                            dx_pad[n, :, rows, cols] += dout[n, f, i, j] * w[f]
                            dw[f] += dout[n, f, i, j] * x_pad[n, :, rows, cols]
            db = dout.sum(axis=(0, 2, 3))
            return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, db
        """, {'conv_naive': 6}),
    "max_pool_gradient_to_every_entry_as_bob_wrote_it": ("max_pool_backward_naive", """
        def max_pool_backward_naive(dout, cache):
            x, pool_param = cache
            ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
            dx = np.zeros_like(x)
            for i in range(dout.shape[2]):
                for j in range(dout.shape[3]):
                    dx[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw] += dout[:, :, i, j][:, :, None, None]
            return dx
        """, {'max_pool': 2, 'fast_pool': 3}),
}

BOB = ("symmetric_means_equal_to_the_transpose",
       "dw_missing_the_sum_over_the_batch_as_bob_wrote_it",
       "max_pool_gradient_to_every_entry_as_bob_wrote_it")
BOB_SCORE = 47  # of 54
