"""Public self-checks for Lab 7 (convolutional networks): small cases whose answers are worked out by hand.

A backward check hands your backward function the cache that the forward function's docstring describes, as
the grader does: ``(x, w, b, conv_param)`` for ``conv_forward_naive``, ``(x, w, b, conv_param, cols)`` for
``conv_forward_fast``, ``(x, pool_param)`` for pooling and the switches for unpooling.
"""

import math

import numpy as np

from ..gradcheck import eval_numerical_gradient, rel_error
from ..selfcheck import CheckFailure, expect_close, expect_equal, public_check

IMAGE = np.arange(1.0, 10.0).reshape(3, 3)  # [[1, 2, 3], [4, 5, 6], [7, 8, 9]]
KERNEL = np.array([[1.0, 2.0], [3.0, 4.0]])
S1P0 = {"stride": 1, "pad": 0}
S2P1 = {"stride": 2, "pad": 1}


def _pair(got, call, names=("out", "cache")):
    if not (isinstance(got, tuple) and len(got) == len(names)):
        shown = f"a tuple of {len(got)} values" if isinstance(got, tuple) else type(got).__name__
        raise CheckFailure(f"  call: {call}\n  expected a tuple ({', '.join(names)}), got {shown}")
    return got


def _python(got, kind, call):
    """``got`` as a Python bool / int, accepting NumPy's scalar types too."""
    if kind is bool and isinstance(got, (bool, np.bool_)):
        return bool(got)
    if kind is int and isinstance(got, (int, np.integer)) and not isinstance(got, (bool, np.bool_)):
        return int(got)
    raise CheckFailure(f"  call: {call}\n  expected a {kind.__name__}, got {type(got).__name__} {got!r}")


def _raises_value_error(fn, call):
    try:
        fn()
    except ValueError:
        return
    raise CheckFailure(f"  call: {call}\n  expected ValueError, but it returned")


# ------------------------------------------------------------------------------------------------ 2-D operations


@public_check("cross_correlate2d")
def _cross_correlation_by_hand(cross_correlate2d):
    """[[1,2,3],[4,5,6],[7,8,9]] with the kernel [[1,2],[3,4]] (not flipped); a 1x3 kernel on a 3x4 image"""
    call = "cross_correlate2d(np.arange(1, 10).reshape(3, 3), np.array([[1, 2], [3, 4]]))"
    expect_close(cross_correlate2d(IMAGE.copy(), KERNEL.copy()), [[37.0, 47.0], [67.0, 77.0]], call)
    image = np.arange(12.0).reshape(3, 4)
    call = "cross_correlate2d(np.arange(12).reshape(3, 4), np.array([[1, 0, -1]]))  (a horizontal difference)"
    expect_close(cross_correlate2d(image, np.array([[1.0, 0.0, -1.0]])), np.full((3, 2), -2.0), call)


@public_check("convolve2d")
def _convolution_by_hand(convolve2d):
    """the same image and kernel: convolution uses the kernel rotated by 180 degrees, [[4,3],[2,1]]"""
    call = "convolve2d(np.arange(1, 10).reshape(3, 3), np.array([[1, 2], [3, 4]]))"
    expect_close(convolve2d(IMAGE.copy(), KERNEL.copy()), [[23.0, 33.0], [53.0, 63.0]], call)
    image = np.arange(12.0).reshape(3, 4)
    call = "convolve2d(np.arange(12).reshape(3, 4), np.array([[1, 0, -1]]))"
    expect_close(convolve2d(image, np.array([[1.0, 0.0, -1.0]])), np.full((3, 2), 2.0), call)


@public_check("correlation_equals_convolution")
def _which_kernels_agree(correlation_equals_convolution):
    """the blur and a point-symmetric kernel agree; an edge kernel and a transpose-symmetric one do not"""
    cases = [("np.ones((3, 3)) / 9 (blur)", np.ones((3, 3)) / 9, True),
             ("[[1, 2, 3], [4, 5, 4], [3, 2, 1]] (equal to its 180-degree rotation)",
              np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 4.0], [3.0, 2.0, 1.0]]), True),
             ("[[1, 0, -1]] * 3 (vertical edges)", np.array([[1.0, 0.0, -1.0]] * 3), False),
             ("[[1, 2], [2, 3]] (equal to its transpose)", np.array([[1.0, 2.0], [2.0, 3.0]]), False),
             ("[[1, 2, 1], [0, 0, 0], [3, 4, 3]] (mirror-symmetric left to right only)",
              np.array([[1.0, 2.0, 1.0], [0.0, 0.0, 0.0], [3.0, 4.0, 3.0]]), False)]
    for text, kernel, expected in cases:
        call = f"correlation_equals_convolution({text})"
        expect_equal(_python(correlation_equals_convolution(kernel), bool, call), expected, call)


@public_check("sharpen_kernel")
def _sharpen_from_identity_and_blur(sharpen_kernel):
    """amount 1 gives (17 at the centre, -1 around) / 9, amount 0 the identity; the entries always sum to 1"""
    expect_close(sharpen_kernel(1.0), np.array([[-1.0, -1, -1], [-1, 17, -1], [-1, -1, -1]]) / 9, "sharpen_kernel(1.0)")
    expect_close(sharpen_kernel(0.0), [[0.0, 0, 0], [0, 1, 0], [0, 0, 0]], "sharpen_kernel(0.0)")
    expect_close(np.sum(sharpen_kernel(2.5)), 1.0, "np.sum(sharpen_kernel(2.5))")


# ------------------------------------------------------------------------------------------------ output size


@public_check("conv_output_size")
def _output_sizes(conv_output_size):
    """the notes' CONV1 (32, f = 5: 28), padding, a stride that fits and one that does not (floor)"""
    for args, expected in (((32, 5, 0, 1), 28), ((5, 3, 1, 1), 5), ((7, 3, 0, 2), 3), ((7, 3, 0, 3), 2),
                           ((28, 2, 0, 2), 14), ((1, 1, 0, 1), 1)):
        call = f"conv_output_size{args}"
        expect_equal(_python(conv_output_size(*args), int, call), expected, call)
    _raises_value_error(lambda: conv_output_size(3, 6, 1, 1), "conv_output_size(3, 6, 1, 1)  (f > n + 2 pad)")


@public_check("same_padding")
def _same_padding(same_padding):
    """f = 1, 3, 5, 7 need p = 0, 1, 2, 3; an even f raises ValueError"""
    for f in (1, 3, 5, 7):
        expect_equal(_python(same_padding(f), int, f"same_padding({f})"), (f - 1) // 2, f"same_padding({f})")
    _raises_value_error(lambda: same_padding(4), "same_padding(4)")


@public_check("fitting_strides")
def _fitting_strides(fitting_strides):
    """the handwritten notes' 7x7 input with f = 3: strides 1, 2 and 4 fit, 3 does not"""
    for args, expected in (((7, 3), [1, 2, 4]), ((7, 3, 1), [1, 2, 3, 6]), ((5, 5), [1]), ((8, 2), [1, 2, 3, 6])):
        call = f"fitting_strides{args}"
        got = fitting_strides(*args)
        expect_equal([int(s) for s in got] if isinstance(got, (list, tuple, np.ndarray)) else got, expected, call)


# ------------------------------------------------------------------------------------------------ convolution layer

# x: two samples of two channels, the second sample the negative of the first; channel 0 is 1..9, channel 1 is 10s.
X_CONV = np.stack([IMAGE, np.full((3, 3), 10.0)])[None].repeat(2, axis=0) * np.array([1.0, -1.0])[:, None, None, None]
# filter 0 is [[1, 2], [3, 4]] on channel 0 only; filter 1 picks channel 0's top left plus channel 1's bottom right
W_CONV = np.zeros((2, 2, 2, 2))
W_CONV[0, 0] = KERNEL
W_CONV[1, 0, 0, 0] = 1.0
W_CONV[1, 1, 1, 1] = 1.0
B_CONV = np.array([1.0, -1.0])
OUT_CONV = np.array([[[[38.0, 48.0], [68.0, 78.0]], [[10.0, 11.0], [13.0, 14.0]]],
                     [[[-36.0, -46.0], [-66.0, -76.0]], [[-12.0, -13.0], [-15.0, -16.0]]]])
CONV_TEXT = ("x of shape (2, 2, 3, 3) (sample 0: channel 0 = [[1,2,3],[4,5,6],[7,8,9]], channel 1 = all 10;"
             " sample 1 = -sample 0), w of shape (2, 2, 2, 2) (filter 0 = [[1,2],[3,4]] on channel 0; filter 1 ="
             " top left of channel 0 + bottom right of channel 1), b = [1, -1]")
# im2col of IMAGE with 2x2 windows: one column per window, rows in the order (u, v) = (0,0), (0,1), (1,0), (1,1)
COLS_IMAGE = np.array([[1.0, 2.0, 4.0, 5.0], [2.0, 3.0, 5.0, 6.0], [4.0, 5.0, 7.0, 8.0], [5.0, 6.0, 8.0, 9.0]])
COLS_PADDED = np.array([[0.0, 0.0, 0.0, 5.0], [0.0, 0.0, 4.0, 6.0], [0.0, 2.0, 0.0, 8.0], [1.0, 3.0, 7.0, 9.0]])


def _check_conv_forward(conv_forward, name):
    call = f"{name}(x, w, b, {{'stride': 1, 'pad': 0}}) with {CONV_TEXT}"
    out, _ = _pair(conv_forward(X_CONV.copy(), W_CONV.copy(), B_CONV.copy(), dict(S1P0)), call)
    expect_close(out, OUT_CONV, call)
    call = (f"{name}(x, w, b, {{'stride': 2, 'pad': 1}}) with x = [[1,2,3],[4,5,6],[7,8,9]] of shape (1, 1, 3, 3),"
            " w = [[1,2],[3,4]] of shape (1, 1, 2, 2), b = [1]")
    out, _ = _pair(conv_forward(IMAGE[None, None].copy(), KERNEL[None, None].copy(), np.ones(1), dict(S2P1)), call)
    expect_close(out, [[[[5.0, 19.0], [37.0, 78.0]]]], call)


def _check_conv_backward(conv_backward, name, fast):
    """Closed forms for dout = 1: db counts the positions, dw sums the windows, dx sums the filter entries that
    touched each pixel."""
    x, w, b = IMAGE[None, None].repeat(2, axis=0), KERNEL[None, None], np.ones(1)
    cache = (x, w, b, dict(S1P0)) + ((np.hstack([COLS_IMAGE, COLS_IMAGE]),) if fast else ())
    call = (f"{name}(dout, cache) for x = two copies of [[1,2,3],[4,5,6],[7,8,9]] (N = 2), w = [[1,2],[3,4]],"
            " stride 1, pad 0, dout = np.ones((2, 1, 2, 2))")
    grads = _pair(conv_backward(np.ones((2, 1, 2, 2)), cache), call, ("dx", "dw", "db"))
    dx_one = np.array([[1.0, 3.0, 2.0], [4.0, 10.0, 6.0], [3.0, 7.0, 4.0]])
    expect_close(grads[0], np.stack([dx_one, dx_one])[:, None], call + "  [dx]")
    expect_close(grads[1], 2 * np.array([[[[12.0, 16.0], [24.0, 28.0]]]]), call + "  [dw: summed over both samples]")
    expect_close(grads[2], [8.0], call + "  [db: 2 samples x 4 positions]")
    cache = (IMAGE[None, None], w, b, dict(S2P1)) + ((COLS_PADDED,) if fast else ())
    call = f"{name}(dout, cache) for x = [[1,2,3],[4,5,6],[7,8,9]], w = [[1,2],[3,4]], stride 2, pad 1, dout = 1"
    grads = _pair(conv_backward(np.ones((1, 1, 2, 2)), cache), call, ("dx", "dw", "db"))
    expect_close(grads[0], [[[[4.0, 3.0, 4.0], [2.0, 1.0, 2.0], [4.0, 3.0, 4.0]]]], call + "  [dx]")
    expect_close(grads[1], [[[[5.0, 10.0], [10.0, 20.0]]]], call + "  [dw]")
    expect_close(grads[2], [4.0], call + "  [db]")


@public_check("conv_forward_naive")
def _conv_naive_values(conv_forward_naive):
    """two samples, two channels, two filters (stride 1); one channel with stride 2 and padding 1"""
    _check_conv_forward(conv_forward_naive, "conv_forward_naive")


@public_check("conv_backward_naive")
def _conv_naive_gradients(conv_backward_naive):
    """dx, dw, db for dout = 1, with N = 2 (stride 1) and with stride 2, padding 1"""
    _check_conv_backward(conv_backward_naive, "conv_backward_naive", fast=False)


@public_check("im2col")
def _im2col_layout(im2col):
    """one column per window, rows in a filter's (channel, row, column) order, samples one after the other"""
    call = "im2col(np.arange(1, 10).reshape(1, 1, 3, 3), 2, 2, {'stride': 1, 'pad': 0})"
    expect_close(im2col(IMAGE[None, None].copy(), 2, 2, dict(S1P0)), COLS_IMAGE, call)
    call = "im2col(np.arange(1, 10).reshape(1, 1, 3, 3), 2, 2, {'stride': 2, 'pad': 1})"
    expect_close(im2col(IMAGE[None, None].copy(), 2, 2, dict(S2P1)), COLS_PADDED, call)
    x = np.arange(1.0, 9.0).reshape(1, 2, 2, 2)
    call = "im2col(np.arange(1, 9).reshape(1, 2, 2, 2), 2, 2, {'stride': 1, 'pad': 0})  (two channels)"
    expect_close(im2col(x, 2, 2, dict(S1P0)), np.arange(1.0, 9.0)[:, None], call)
    x = np.array([[[[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]], [[[10.0, 20.0, 30.0], [40.0, 50.0, 60.0]]]])
    call = "im2col(x, 2, 2, {'stride': 1, 'pad': 0}) for x = [[1,2,3],[4,5,6]] and 10 times it (N = 2)"
    expect_close(im2col(x, 2, 2, dict(S1P0)),
                 [[1, 2, 10, 20], [2, 3, 20, 30], [4, 5, 40, 50], [5, 6, 50, 60]], call)


@public_check("col2im")
def _col2im_adds_back(col2im):
    """columns of ones count how many windows cover each pixel; the padding is dropped"""
    call = "col2im(np.ones((4, 4)), (1, 1, 3, 3), 2, 2, {'stride': 1, 'pad': 0})"
    expect_close(col2im(np.ones((4, 4)), (1, 1, 3, 3), 2, 2, dict(S1P0)),
                 [[[[1.0, 2.0, 1.0], [2.0, 4.0, 2.0], [1.0, 2.0, 1.0]]]], call)
    call = "col2im(cols, (1, 1, 3, 3), 2, 2, {'stride': 2, 'pad': 1}) for cols = im2col of [[1,2,3],[4,5,6],[7,8,9]]"
    expect_close(col2im(COLS_PADDED.copy(), (1, 1, 3, 3), 2, 2, dict(S2P1)), IMAGE[None, None], call)


@public_check("conv_forward_fast")
def _conv_fast_values(conv_forward_fast):
    """the same two cases as conv_forward_naive"""
    _check_conv_forward(conv_forward_fast, "conv_forward_fast")


@public_check("conv_backward_fast")
def _conv_fast_gradients(conv_backward_fast):
    """the same two cases as conv_backward_naive, with cols = im2col(x) in the cache"""
    _check_conv_backward(conv_backward_fast, "conv_backward_fast", fast=True)


# ------------------------------------------------------------------------------------------------ pooling

GRID = np.arange(16.0).reshape(1, 1, 4, 4)  # [[0, 1, 2, 3], [4, 5, 6, 7], ...]
P2S2 = {"pool_height": 2, "pool_width": 2, "stride": 2}
P3S1 = {"pool_height": 3, "pool_width": 3, "stride": 1}
P2S1 = {"pool_height": 2, "pool_width": 2, "stride": 1}
PEAK = np.array([[[[1.0, 2.0, 3.0], [4.0, 9.0, 5.0], [6.0, 7.0, 8.0]]]])  # every 2x2 window's maximum is the 9
DOUT_POOL = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])


def _pool_forward_checks(forward, name, kind):
    expected = {"max": ([[5.0, 7.0], [13.0, 15.0]], [[10.0, 11.0], [14.0, 15.0]]),
                "avg": ([[2.5, 4.5], [10.5, 12.5]], [[5.0, 6.0], [9.0, 10.0]])}[kind]
    for pool_param, want in zip((P2S2, P3S1), expected):
        call = f"{name}(np.arange(16).reshape(1, 1, 4, 4), {pool_param})"
        out, _ = _pair(forward(GRID.copy(), dict(pool_param)), call)
        expect_close(out, [[want]], call)


def _pool_backward_checks(backward, name, kind):
    call = f"{name}(dout = [[1, 2], [3, 4]], (x, {P2S2})) for x = np.arange(16).reshape(1, 1, 4, 4)"
    if kind == "max":
        want = np.zeros((4, 4))
        want[1, 1], want[1, 3], want[3, 1], want[3, 3] = 1.0, 2.0, 3.0, 4.0
    else:
        want = np.kron([[1.0, 2.0], [3.0, 4.0]], np.ones((2, 2))) / 4
    expect_close(backward(DOUT_POOL.copy(), (GRID.copy(), dict(P2S2))), want[None, None], call)
    call = f"{name}(dout = [[1, 2], [3, 4]], (x, {P2S1})) for x = [[1,2,3],[4,9,5],[6,7,8]] (overlapping windows)"
    if kind == "max":
        want = np.zeros((3, 3))
        want[1, 1] = 10.0  # the 9 is the maximum of all four windows: their gradients add up
    else:
        want = np.array([[1.0, 3.0, 2.0], [4.0, 10.0, 6.0], [3.0, 7.0, 4.0]]) / 4
    expect_close(backward(DOUT_POOL.copy(), (PEAK.copy(), dict(P2S1))), want[None, None], call)


@public_check("max_pool_forward_naive")
def _max_pool_naive_values(max_pool_forward_naive):
    """2x2 windows with stride 2, and 3x3 windows with stride 1, on 0..15"""
    _pool_forward_checks(max_pool_forward_naive, "max_pool_forward_naive", "max")


@public_check("max_pool_backward_naive")
def _max_pool_naive_gradients(max_pool_backward_naive):
    """each window's gradient goes to its maximum only; overlapping windows that share a maximum add up"""
    _pool_backward_checks(max_pool_backward_naive, "max_pool_backward_naive", "max")


@public_check("avg_pool_forward_naive")
def _avg_pool_naive_values(avg_pool_forward_naive):
    """2x2 windows with stride 2, and 3x3 windows with stride 1, on 0..15"""
    _pool_forward_checks(avg_pool_forward_naive, "avg_pool_forward_naive", "avg")


@public_check("avg_pool_backward_naive")
def _avg_pool_naive_gradients(avg_pool_backward_naive):
    """each entry of a window receives dout / (pool_height * pool_width); overlapping windows add up"""
    _pool_backward_checks(avg_pool_backward_naive, "avg_pool_backward_naive", "avg")


@public_check("max_pool_forward_fast")
def _max_pool_fast_values(max_pool_forward_fast):
    """the naive cases: tiling windows (the reshape path) and overlapping ones"""
    _pool_forward_checks(max_pool_forward_fast, "max_pool_forward_fast", "max")


@public_check("max_pool_backward_fast")
def _max_pool_fast_gradients(max_pool_backward_fast):
    """the naive cases: tiling windows (the reshape path) and overlapping ones"""
    _pool_backward_checks(max_pool_backward_fast, "max_pool_backward_fast", "max")


@public_check("avg_pool_forward_fast")
def _avg_pool_fast_values(avg_pool_forward_fast):
    """the naive cases: tiling windows (the reshape path) and overlapping ones"""
    _pool_forward_checks(avg_pool_forward_fast, "avg_pool_forward_fast", "avg")


@public_check("avg_pool_backward_fast")
def _avg_pool_fast_gradients(avg_pool_backward_fast):
    """the naive cases: tiling windows (the reshape path) and overlapping ones"""
    _pool_backward_checks(avg_pool_backward_fast, "avg_pool_backward_fast", "avg")


# ------------------------------------------------------------------------------------------------ unpooling

WIDE = np.array([[[[0.0, 5.0, 1.0, 1.5, 9.0, 0.0], [2.0, 3.0, 4.0, 0.0, 1.0, 2.0]]]])  # H = 2, W = 6
SWITCHES_WIDE = np.array([[[[1, 8, 4]]]], dtype=np.int64)  # the maxima 5, 4, 9 sit at (0, 1), (1, 2), (0, 4)


@public_check("max_pool_switches")
def _switches_by_hand(max_pool_switches):
    """a 2x6 input, 2x2 windows: the maxima 5, 4, 9 sit at flat indices h * W + w = 1, 8, 4"""
    call = f"max_pool_switches(x, {P2S2}) for x = [[0, 5, 1, 1.5, 9, 0], [2, 3, 4, 0, 1, 2]] of shape (1, 1, 2, 6)"
    got = max_pool_switches(WIDE.copy(), dict(P2S2))
    if not (isinstance(got, np.ndarray) and got.dtype.kind in "iu"):
        raise CheckFailure(f"  call: {call}\n  expected an integer array, got {type(got).__name__}"
                           + (f" of dtype {got.dtype}" if isinstance(got, np.ndarray) else ""))
    expect_close(got, SWITCHES_WIDE, call)


@public_check("max_unpool_forward")
def _unpool_by_hand(max_unpool_forward):
    """the values 10, 20, 30 go back to flat indices 1, 8, 4 of a 2x6 plane; zeros elsewhere"""
    call = "max_unpool_forward(np.array([[[[10, 20, 30]]]]), switches = [[[[1, 8, 4]]]], (2, 6))"
    out, _ = _pair(max_unpool_forward(np.array([[[[10.0, 20.0, 30.0]]]]), SWITCHES_WIDE.copy(), (2, 6)), call)
    expect_close(out, [[[[0.0, 10.0, 0.0, 0.0, 30.0, 0.0], [0.0, 0.0, 20.0, 0.0, 0.0, 0.0]]]], call)


@public_check("max_unpool_backward")
def _unpool_gradient_by_hand(max_unpool_backward):
    """the gradient of each pooled value is dout at its switch"""
    call = "max_unpool_backward(np.arange(12).reshape(1, 1, 2, 6), switches = [[[[1, 8, 4]]]])"
    expect_close(max_unpool_backward(np.arange(12.0).reshape(1, 1, 2, 6), SWITCHES_WIDE.copy()),
                 [[[[1.0, 8.0, 4.0]]]], call)


# ------------------------------------------------------------------------------------------------ counting


@public_check("count_parameters")
def _count_a_tiny_network(count_parameters):
    """(1, 8, 8) -> conv 3 filters 3x3 pad 1 -> pool 2 -> fc 10: shapes, sizes, 30 / 0 / 490 parameters"""
    layers = [{"type": "conv", "filters": 3, "size": 3, "stride": 1, "pad": 1},
              {"type": "pool", "size": 2, "stride": 2}, {"type": "fc", "units": 10}]
    call = f"count_parameters((1, 8, 8), {layers})"
    table = count_parameters((1, 8, 8), layers)
    if not isinstance(table, dict):
        raise CheckFailure(f"  call: {call}\n  expected a dict, got {type(table).__name__}")
    expect_equal(sorted(table), ["dense_params", "params", "shapes", "sizes"], f"sorted({call}.keys())")
    expect_equal([tuple(int(v) for v in s) for s in table["shapes"]], [(3, 8, 8), (3, 4, 4), (10,)],
                 call + "['shapes']")
    expect_equal([int(v) for v in table["sizes"]], [192, 48, 10], call + "['sizes']")
    expect_equal([int(v) for v in table["params"]], [(3 * 3 * 1 + 1) * 3, 0, 48 * 10 + 10], call + "['params']")
    expect_equal([int(v) for v in table["dense_params"]], [(64 + 1) * 192, 0, 490], call + "['dense_params']")


# ------------------------------------------------------------------------------------------------ the ConvNet


def _convnet_params(rng, scale):
    shapes = {"W1": (2, 1, 3, 3), "b1": (2,), "W2": (3, 2, 3, 3), "b2": (3,), "W3": (3, 4), "b3": (4,),
              "W4": (4, 3), "b4": (3,)}
    return {k: scale * rng.normal(size=s) for k, s in shapes.items()}


@public_check("convnet_loss")
def _convnet_small(convnet_loss):
    """all-zero weights: scores = b4 and loss log 3; the reg term; gradients that pass a numeric check"""
    zero = {k: np.zeros_like(v) for k, v in _convnet_params(np.random.default_rng(0), 1.0).items()}
    zero["b4"] = np.array([1.0, 2.0, 3.0])
    X, y = np.random.default_rng(1).normal(size=(2, 1, 4, 4)), np.array([0, 2])
    call = "convnet_loss(params, X) with all weights 0, b4 = [1, 2, 3], X of shape (2, 1, 4, 4)"
    expect_close(convnet_loss(zero, X), [[1.0, 2.0, 3.0]] * 2, call)
    zero["b4"] = np.zeros(3)
    call = "convnet_loss(params, X, y, reg=0.0) with all parameters 0"
    got = convnet_loss(zero, X, y, 0.0)
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], dict)):
        raise CheckFailure(f"  call: {call}\n  expected a pair (loss, grads) with grads a dict")
    expect_close(got[0], math.log(3.0), call + "  [loss = log 3]")
    expect_equal(sorted(got[1]), sorted(zero), f"sorted(grads) of {call}")

    rng = np.random.default_rng(2)
    params = _convnet_params(rng, 0.5)
    X, y = rng.normal(size=(2, 1, 4, 4)), np.array([1, 2])
    loss, grads = convnet_loss(params, X, y, 0.1)
    no_reg, _ = convnet_loss(params, X, y, 0.0)
    reg_term = 0.1 * sum(np.sum(params[f"W{l}"] ** 2) for l in range(1, 5))
    expect_close(loss - no_reg, reg_term, "convnet_loss(params, X, y, 0.1) - convnet_loss(params, X, y, 0.0)"
                 "  [0.1 * the sum of the squared weights, biases excluded]")
    for key in sorted(params):
        def loss_at(value, key=key):
            return convnet_loss({**params, key: value}, X, y, 0.1)[0]

        numeric = eval_numerical_gradient(loss_at, params[key].copy())
        expect_equal(np.shape(grads[key]), params[key].shape, f"grads[{key!r}].shape")
        error = rel_error(grads[key], numeric)
        if error > 1e-6:
            raise CheckFailure(f"  call: convnet_loss(params, X, y, reg=0.1) for a random small network\n"
                               f"  grads[{key!r}] disagrees with the numeric gradient: relative error {error:.2g}")
