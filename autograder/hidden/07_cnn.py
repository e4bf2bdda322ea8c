"""Hidden tests of Lab 7 (convolutional networks). Inputs are random; answers come from the reference module.

Shapes, strides and pads are drawn per seed: N from 1, 1x1 to 4x4 filters (not always square), non-square images
of at most 9 x 9, strides up to 3 (also ones that do not fit, where the floor drops positions), pads up to 2. The
inputs are kept small so that a naive implementation with four nested Python loops passes well within the limits.

Tolerances (measured by running every test of this spec on the reference itself for 1,000 seeds: no failure):

* Values (``expect_close``): ``rtol = 1e-7``, ``atol = 1e-10`` (integer answers and switches exactly). The naive and
  fast references agree to 2e-14 and PyTorch to 2e-14; a flipped kernel, a one-sided pad or a shifted window is off
  by O(1).
* Gradients against central differences (h = 1e-5) of the reference's forward pass: the course's relative error
  must be at most ``GRAD_TOL = 1e-5``, over the entries whose absolute difference exceeds ``GRAD_IGNORE = 1e-8``.
  Convolution, pooling and unpooling are piecewise linear, so a central difference is exact up to rounding, about
  1e-16 * |sum(out * dout)| / h: measured at most 1.1e-8 in absolute value for the layers and 8.0e-8 for the
  ConvNet. Without ``GRAD_IGNORE`` that rounding on entries near 0 gives relative errors up to 1.5e-4 (layers) and
  2.5e-2 (the ConvNet's last layer); with it the worst relative error is 6.1e-8 (margin 160). Every wrong
  gradient tested in ``tests/labs/07_cnn/test_grading.py`` is off by O(1), far above both. Max-pooling inputs are
  a shuffled grid of values at least 0.08 apart, so no nudge by h changes a window's maximum.
* The ConvNet's gradients: ``rtol = 1e-6`` against the reference, and the numeric check above on problems whose
  ReLU inputs are at least ``KINK_MARGIN = 1e-3`` from 0 and whose pooled maxima lead their window's runner-up by as
  much (redrawn otherwise: 90 % of 3,000 draws pass at once, none needed more than 4), so the difference
  quotient never crosses a kink.

A backward pass receives the cache that the reference's forward pass built, as the forward docstring documents it
(``(x, w, b, conv_param)``, ``(x, w, b, conv_param, cols)``, ``(x, pool_param)``, the switches), so that a wrong
forward pass costs only the forward tests. The ConvNet is graded through the given ``convnet_loss`` and runs the
student's own layers.
"""

import numpy as np

import solutions.cnn as ref
from autograder.grade.spec import (
    Spec,
    StudentCodeError,
    TestFailure,
    as_array,
    call_backward,
    call_forward,
    expect_close,
    expect_equal,
    expect_gradient,
    expect_labels,
    expect_tuple,
    kind_of,
    numeric_gradient,
    numeric_input_gradients,
)

GRAD_TOL = 1e-5
GRAD_IGNORE = 1e-8
KINK_MARGIN = 1e-3

spec = Spec("07_cnn", {
    "correlation": "cross-correlation and convolution in 2-D",
    "sharpen": "a real sharpening kernel",
    "output_size": "output size, padding and stride",
    "conv_naive": "the convolution layer, naive",
    "conv_fast": "the convolution layer with im2col",
    "max_pool": "max pooling, naive",
    "avg_pool": "average pooling, naive",
    "fast_pool": "pooling, the fast path",
    "unpool": "max unpooling with switches",
    "counting": "counting parameters and activations",
    "cnn": "a convolutional network",
})


# ------------------------------------------------------------------------------------------------ helpers


def _expect_int(got, what):
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, np.integer)):
        raise TestFailure(f"{what} is a {kind_of(got)}; it should be an int")
    return int(got)


def _expect_bool(got, what):
    if not isinstance(got, (bool, np.bool_)):
        raise TestFailure(f"{what} is a {kind_of(got)}; it should be a bool (True or False)")
    return bool(got)


def _expect_int_list(got, what):
    if isinstance(got, np.ndarray) and got.ndim == 1 and got.dtype.kind in "iu":
        return [int(v) for v in got]
    if not isinstance(got, (list, tuple)):
        raise TestFailure(f"{what} is a {kind_of(got)}; it should be a list of ints")
    return [_expect_int(v, f"an entry of {what}") for v in got]


def _expect_value_error(student, name, *args):
    try:
        getattr(student, name)(*args)
    except StudentCodeError as error:
        if str(error).startswith(f"`{name}` raised ValueError"):
            return
        raise
    raise TestFailure(f"{name} returned a value for a case it should reject with ValueError (see its docstring)")


def _gradient(got, want, numeric, what):
    expect_close(got, want, what)
    expect_gradient(got, numeric, what, GRAD_TOL, ignore_below=GRAD_IGNORE)


def _conv_problem(rng, n=None, square_filter=False, one_by_one=False, leftover=False):
    """x, w, b, conv_param of random small shapes: the filter always fits into the padded input."""
    N = int(rng.integers(1, 4)) if n is None else n
    C, F = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    if one_by_one:
        HH = WW = 1
    else:
        HH = int(rng.integers(2 if leftover else 1, 5))
        WW = HH if square_filter else int(rng.integers(1, 5))
    pad, stride = int(rng.integers(0, 3)), int(rng.integers(1, 4))
    H = int(rng.integers(max(1, HH - 2 * pad), 9))
    W = int(rng.integers(max(1, WW - 2 * pad), 9))
    if W == H:
        W += 1  # never square
    if leftover:  # a stride of 2 or 3 that leaves the last rows and columns of the padded input unvisited
        stride = int(rng.integers(2, 4))
        while (H + 2 * pad - HH) % stride == 0:
            H += 1
        while (W + 2 * pad - WW) % stride == 0 or W == H:
            W += 1
    x = rng.normal(size=(N, C, H, W))
    w = rng.normal(size=(F, C, HH, WW))
    b = rng.normal(size=F)
    return x, w, b, {"stride": stride, "pad": pad}


def _conv_problems(rng):
    """Four problems: a batch, a single sample, 1x1 filters, and one whose stride leaves input rows unvisited."""
    return [_conv_problem(rng), _conv_problem(rng, n=1), _conv_problem(rng, one_by_one=True),
            _conv_problem(rng, square_filter=True, leftover=True)]


def _describe(x, w, conv_param):
    return (f"x of shape {x.shape}, w of shape {w.shape}, stride {conv_param['stride']}, pad {conv_param['pad']}")


# ------------------------------------------------------------------------------------------------ 2-D operations


def _image_problems(rng):
    cases = []
    for kh, kw in ((int(rng.integers(1, 5)), int(rng.integers(1, 5))), (3, 3), (1, 1)):
        image = rng.normal(size=(int(rng.integers(kh, kh + 8)), int(rng.integers(kw + 1, kw + 9))))
        cases.append((image, rng.normal(size=(kh, kw))))
    return cases


@spec.test("correlation", points=2)
def cross_correlation_values(rng, student):
    """cross_correlate2d on random non-square images, with 1x1, 3x3 and random (also even, non-square) kernels"""
    for image, kernel in _image_problems(rng):
        expect_close(student.cross_correlate2d(image, kernel), ref.cross_correlate2d(image, kernel),
                     f"cross_correlate2d of an image of shape {image.shape} with a kernel of shape {kernel.shape}")


@spec.test("correlation")
def convolution_values(rng, student):
    """convolve2d flips the kernel: random images and kernels"""
    for image, kernel in _image_problems(rng):
        expect_close(student.convolve2d(image, kernel), ref.convolve2d(image, kernel),
                     f"convolve2d of an image of shape {image.shape} with a kernel of shape {kernel.shape}")


@spec.test("correlation", points=2)
def when_correlation_equals_convolution(rng, student):
    """True exactly for kernels equal to their 180-degree rotation; not for transpose- or mirror-symmetric ones"""
    size = int(rng.integers(2, 5))
    base = rng.normal(size=(size, size))
    wide = rng.normal(size=(2, 3))
    cases = [("a random kernel", base, False),
             ("a kernel equal to its 180-degree rotation", base + base[::-1, ::-1], True),
             ("a non-square kernel equal to its 180-degree rotation", wide + wide[::-1, ::-1], True),
             ("a kernel equal to its transpose", base + base.T, False),
             ("a kernel symmetric left to right only", base + base[:, ::-1], False),
             ("a kernel symmetric top to bottom only", base + base[::-1, :], False),
             ("a 1x1 kernel", rng.normal(size=(1, 1)), True)]
    for text, kernel, expected in cases:
        what = f"correlation_equals_convolution({text})"
        expect_equal(_expect_bool(student.correlation_equals_convolution(kernel), what), expected, what)


@spec.test("sharpen")
def sharpen_kernel_values(rng, student):
    """sharpen_kernel(amount) for random amounts and for 0"""
    for amount in (float(np.round(rng.uniform(0.2, 4.0), 3)), 0.0):
        expect_close(student.sharpen_kernel(amount), ref.sharpen_kernel(amount), "sharpen_kernel(amount)")


@spec.test("sharpen")
def sharpen_keeps_flat_regions_and_adds_detail(rng, student):
    """the kernel sums to 1 and sharpens: image + amount * (image - blur(image))"""
    amount = float(np.round(rng.uniform(0.2, 4.0), 3))
    kernel = as_array(student.sharpen_kernel(amount), "sharpen_kernel(amount)")
    if kernel.shape != (3, 3):
        raise TestFailure(f"sharpen_kernel(amount) has shape {kernel.shape}; expected (3, 3)")
    expect_close(np.sum(kernel), 1.0, "the sum of the entries of sharpen_kernel(amount)")
    image = rng.uniform(size=(9, 11))
    detail = image[1:-1, 1:-1] - ref.cross_correlate2d(image, ref.box_blur_kernel(3))
    expect_close(ref.cross_correlate2d(image, kernel), image[1:-1, 1:-1] + amount * detail,
                 "a random image sharpened with your kernel")


# ------------------------------------------------------------------------------------------------ output size


def _size_cases(rng):
    cases = []
    for _ in range(6):
        f, pad, stride = int(rng.integers(1, 8)), int(rng.integers(0, 4)), int(rng.integers(1, 5))
        n = int(rng.integers(max(1, f - 2 * pad), 40))
        cases.append((n, f, pad, stride))
    cases.append((int(rng.integers(10, 40)), 1, 0, 1))
    return cases


@spec.test("output_size")
def output_size_values(rng, student):
    """conv_output_size for random n, f, pad and stride (strides that fit and strides that do not)"""
    for n, f, pad, stride in _size_cases(rng):
        what = f"conv_output_size(n, f, pad, stride) with f = {f}, pad = {pad}, stride = {stride}"
        expect_equal(_expect_int(student.conv_output_size(n, f, pad, stride), what),
                     ref.conv_output_size(n, f, pad, stride), what)


@spec.test("output_size")
def output_size_rejects_filters_that_do_not_fit(rng, student):
    """conv_output_size raises ValueError when the filter is larger than the padded input"""
    n, pad = int(rng.integers(1, 6)), int(rng.integers(0, 2))
    _expect_value_error(student, "conv_output_size", n, n + 2 * pad + int(rng.integers(1, 3)), pad, 1)


@spec.test("output_size")
def same_padding_values(rng, student):
    """same_padding for odd filter sizes, and ValueError for an even one"""
    for f in sorted({1, 3, int(2 * rng.integers(2, 8) + 1)}):
        what = f"same_padding({f})"
        expect_equal(_expect_int(student.same_padding(f), what), ref.same_padding(f), what)
    _expect_value_error(student, "same_padding", int(2 * rng.integers(1, 6)))


@spec.test("output_size")
def fitting_strides_values(rng, student):
    """fitting_strides(n, f, pad) for random sizes, including a filter that fills the padded input"""
    cases = [(int(rng.integers(5, 30)), int(rng.integers(1, 6)), int(rng.integers(0, 3))) for _ in range(3)]
    f = int(rng.integers(2, 6))
    cases.append((f, f, 0))
    for n, f, pad in cases:
        what = f"fitting_strides(n, f, pad) with f = {f}, pad = {pad}"
        expect_equal(_expect_int_list(student.fitting_strides(n, f, pad), what), ref.fitting_strides(n, f, pad),
                     what)


# ------------------------------------------------------------------------------------------------ convolution


def _expect_conv_forward(student, name, problems):
    for x, w, b, conv_param in problems:
        out, _ = call_forward(student, name, x, w, b, dict(conv_param))
        expect_close(out, ref.conv_forward_naive(x, w, b, conv_param)[0],
                     f"out of {name} ({_describe(x, w, conv_param)})")


def _expect_conv_backward(rng, student, name, which, fast):
    names = ("dx", "dw", "db")
    i = names.index(which)
    forward = ref.conv_forward_fast if fast else ref.conv_forward_naive
    for x, w, b, conv_param in _conv_problems(rng):
        out, cache = forward(x, w, b, conv_param)
        dout = rng.normal(size=out.shape)
        got = expect_tuple(call_backward(student, name, dout, cache), names, f"{name}(dout, cache)")
        want = ref.conv_backward_naive(dout, cache)
        numeric = numeric_input_gradients(ref.conv_forward_fast, [x, w, b, conv_param], dout, [i])[0]
        _gradient(got[i], want[i], numeric, f"{which} of {name} ({_describe(x, w, conv_param)})")


@spec.test("conv_naive", points=2)
def conv_naive_forward(rng, student):
    """conv_forward_naive on random shapes, strides and pads: a batch, N = 1, 1x1 filters"""
    _expect_conv_forward(student, "conv_forward_naive", _conv_problems(rng)[:3])


@spec.test("conv_naive")
def conv_naive_forward_when_the_stride_does_not_fit(rng, student):
    """conv_forward_naive drops the positions that would run past the padded input (the floor)"""
    _expect_conv_forward(student, "conv_forward_naive", _conv_problems(rng)[3:])


@spec.test("conv_naive", points=2)
def conv_naive_backward_dx(rng, student):
    """dx of conv_backward_naive: the reference and central differences"""
    _expect_conv_backward(rng, student, "conv_backward_naive", "dx", fast=False)


@spec.test("conv_naive", points=2)
def conv_naive_backward_dw(rng, student):
    """dw of conv_backward_naive: summed over the batch and all positions"""
    _expect_conv_backward(rng, student, "conv_backward_naive", "dw", fast=False)


@spec.test("conv_naive")
def conv_naive_backward_db(rng, student):
    """db of conv_backward_naive: dout summed over the batch and all positions"""
    _expect_conv_backward(rng, student, "conv_backward_naive", "db", fast=False)


@spec.test("conv_fast", points=2)
def im2col_layout(rng, student):
    """im2col: one column per window in the documented order, rows in a filter's (channel, row, column) order"""
    for x, w, _, conv_param in _conv_problems(rng):
        HH, WW = w.shape[2:]
        expect_close(student.im2col(x, HH, WW, dict(conv_param)), ref.im2col(x, HH, WW, conv_param),
                     f"im2col(x, HH, WW, conv_param) ({_describe(x, w, conv_param)})", rtol=0, atol=0)


@spec.test("conv_fast", points=2)
def col2im_is_the_adjoint(rng, student):
    """col2im adds every column back onto its window (overlaps add up, the padding is dropped)"""
    for x, w, _, conv_param in _conv_problems(rng):
        HH, WW = w.shape[2:]
        cols = rng.normal(size=ref.im2col(x, HH, WW, conv_param).shape)
        expect_close(student.col2im(cols, tuple(int(v) for v in x.shape), HH, WW, dict(conv_param)),
                     ref.col2im(cols, x.shape, HH, WW, conv_param),
                     f"col2im(cols, x_shape, HH, WW, conv_param) ({_describe(x, w, conv_param)})")


@spec.test("conv_fast", points=2)
def conv_fast_forward(rng, student):
    """conv_forward_fast agrees with the naive convolution on random shapes, strides and pads"""
    _expect_conv_forward(student, "conv_forward_fast", _conv_problems(rng))


@spec.test("conv_fast")
def conv_fast_backward_dx(rng, student):
    """dx of conv_backward_fast: the reference and central differences"""
    _expect_conv_backward(rng, student, "conv_backward_fast", "dx", fast=True)


@spec.test("conv_fast")
def conv_fast_backward_dw(rng, student):
    """dw of conv_backward_fast: the reference and central differences"""
    _expect_conv_backward(rng, student, "conv_backward_fast", "dw", fast=True)


@spec.test("conv_fast")
def conv_fast_backward_db(rng, student):
    """db of conv_backward_fast: the reference and central differences"""
    _expect_conv_backward(rng, student, "conv_backward_fast", "db", fast=True)


# ------------------------------------------------------------------------------------------------ pooling


def _distinct(rng, shape):
    """Values of a shuffled grid 0.1 apart plus noise below 0.01: no two entries closer than 0.08, no ties."""
    size = int(np.prod(shape))
    return (rng.permutation(size) * 0.1 + rng.uniform(0, 0.01, size=size) - size * 0.05).reshape(shape)


def _pool_problem(rng, n=None, kind="any"):
    """x, pool_param. ``kind``: 'any' (overlaps and gaps), 'tiling' (windows tile x), 'apart' (no overlap)."""
    N, C = (int(rng.integers(1, 4)) if n is None else n), int(rng.integers(1, 4))
    if kind == "tiling":
        p = int(rng.integers(1, 4))
        ph = pw = stride = p
        H, W = p * int(rng.integers(1, 4)), p * int(rng.integers(1, 4))
        if H == W:
            W += p
    else:
        ph, pw = int(rng.integers(1, 4)), int(rng.integers(1, 4))
        stride = int(rng.integers(max(ph, pw) if kind == "apart" else 1, 4))
        H, W = int(rng.integers(ph, 9)), int(rng.integers(pw, 9))
        if H == W:
            W += 1
    return _distinct(rng, (N, C, H, W)), {"pool_height": ph, "pool_width": pw, "stride": stride}


def _pool_problems(rng, kind="any"):
    problems = [_pool_problem(rng, kind=kind), _pool_problem(rng, n=1, kind=kind), _pool_problem(rng, kind=kind)]
    if kind == "any":  # make sure one problem has overlapping windows
        x, pool_param = problems[2]
        pool_param = {"pool_height": max(2, pool_param["pool_height"]), "pool_width": pool_param["pool_width"],
                      "stride": 1}
        problems[2] = (_distinct(rng, x.shape[:2] + (max(x.shape[2], 2), x.shape[3])), pool_param)
    return problems


def _pool_text(x, pool_param):
    return (f"x of shape {x.shape}, pool {pool_param['pool_height']} x {pool_param['pool_width']},"
            f" stride {pool_param['stride']}")


def _expect_pool_forward(student, kind, variant, problems):
    name = f"{kind}_pool_forward_{variant}"
    for x, pool_param in problems:
        out, _ = call_forward(student, name, x, dict(pool_param))
        want = getattr(ref, f"{kind}_pool_forward_naive")(x, pool_param)[0]
        expect_close(out, want, f"out of {name} ({_pool_text(x, pool_param)})")


def _expect_pool_backward(rng, student, kind, variant, problems):
    name = f"{kind}_pool_backward_{variant}"
    forward = getattr(ref, f"{kind}_pool_forward_naive")
    for x, pool_param in problems:
        out, cache = forward(x, pool_param)
        dout = rng.normal(size=out.shape)
        got = call_backward(student, name, dout, cache)
        want = getattr(ref, f"{kind}_pool_backward_naive")(dout, cache)
        numeric = numeric_input_gradients(forward, [x, pool_param], dout, [0])[0]
        _gradient(got, want, numeric, f"dx of {name} ({_pool_text(x, pool_param)})")


@spec.test("max_pool", points=2)
def max_pool_naive_forward(rng, student):
    """max_pool_forward_naive: random pools and strides (overlapping windows, gaps, non-square pools, N = 1)"""
    _expect_pool_forward(student, "max", "naive", _pool_problems(rng))


@spec.test("max_pool", points=2)
def max_pool_naive_backward(rng, student):
    """max_pool_backward_naive: each window's gradient goes to its maximum only (overlaps add up)"""
    _expect_pool_backward(rng, student, "max", "naive", _pool_problems(rng))


@spec.test("avg_pool")
def avg_pool_naive_forward(rng, student):
    """avg_pool_forward_naive: random pools and strides (overlapping windows, gaps, non-square pools, N = 1)"""
    _expect_pool_forward(student, "avg", "naive", _pool_problems(rng))


@spec.test("avg_pool", points=2)
def avg_pool_naive_backward(rng, student):
    """avg_pool_backward_naive: dout / (pool_height * pool_width) to every entry of a window"""
    _expect_pool_backward(rng, student, "avg", "naive", _pool_problems(rng))


@spec.test("fast_pool")
def max_pool_fast_forward_on_tiles(rng, student):
    """max_pool_forward_fast when the windows tile the input"""
    _expect_pool_forward(student, "max", "fast", _pool_problems(rng, "tiling"))


@spec.test("fast_pool")
def max_pool_fast_backward_on_tiles(rng, student):
    """max_pool_backward_fast when the windows tile the input"""
    _expect_pool_backward(rng, student, "max", "fast", _pool_problems(rng, "tiling"))


@spec.test("fast_pool")
def avg_pool_fast_on_tiles(rng, student):
    """avg_pool_forward_fast and avg_pool_backward_fast when the windows tile the input"""
    problems = _pool_problems(rng, "tiling")
    _expect_pool_forward(student, "avg", "fast", problems)
    _expect_pool_backward(rng, student, "avg", "fast", problems)


@spec.test("fast_pool")
def fast_pooling_when_windows_do_not_tile(rng, student):
    """the four fast functions are still right when the windows overlap or leave gaps"""
    problems = _pool_problems(rng)
    for kind in ("max", "avg"):
        _expect_pool_forward(student, kind, "fast", problems)
        _expect_pool_backward(rng, student, kind, "fast", problems)


# ------------------------------------------------------------------------------------------------ unpooling


@spec.test("unpool", points=2)
def switches_values(rng, student):
    """max_pool_switches: flat indices h * W + w of every window's maximum (non-square inputs, gaps, N = 1)"""
    for x, pool_param in _pool_problems(rng, "apart") + _pool_problems(rng, "tiling")[:1]:
        expect_labels(student.max_pool_switches(x, dict(pool_param)), ref.max_pool_switches(x, pool_param),
                      f"max_pool_switches(x, pool_param) ({_pool_text(x, pool_param)})")


def _unpool_problems(rng):
    problems = []
    for x, pool_param in _pool_problems(rng, "apart"):
        switches = ref.max_pool_switches(x, pool_param)
        problems.append((rng.normal(size=switches.shape), switches, tuple(int(v) for v in x.shape[2:]), x, pool_param))
    return problems


@spec.test("unpool")
def unpool_forward_values(rng, student):
    """max_unpool_forward puts every value at its switch and zeros elsewhere"""
    for values, switches, size, x, pool_param in _unpool_problems(rng):
        out, _ = call_forward(student, "max_unpool_forward", values, switches, size)
        expect_close(out, ref.max_unpool_forward(values, switches, size)[0],
                     f"out of max_unpool_forward (switches of {_pool_text(x, pool_param)})")


@spec.test("unpool")
def unpool_backward_gradient(rng, student):
    """max_unpool_backward gathers dout at the switches: the reference and central differences"""
    for values, switches, size, x, pool_param in _unpool_problems(rng):
        out, cache = ref.max_unpool_forward(values, switches, size)
        dout = rng.normal(size=out.shape)
        got = call_backward(student, "max_unpool_backward", dout, cache)
        numeric = numeric_input_gradients(ref.max_unpool_forward, [values, switches, size], dout, [0])[0]
        _gradient(got, ref.max_unpool_backward(dout, cache), numeric,
                  f"dx of max_unpool_backward (switches of {_pool_text(x, pool_param)})")


# ------------------------------------------------------------------------------------------------ counting


def _network(rng):
    """A random layer list for a random input: convolutions (some padded or strided), pooling, fc layers."""
    C, H, W = int(rng.integers(1, 4)), int(rng.integers(24, 40)), int(rng.integers(24, 40))
    layers = []
    for _ in range(2):
        f = int(rng.choice([1, 3, 5]))
        layers.append({"type": "conv", "filters": int(rng.integers(2, 20)), "size": f,
                       "stride": int(rng.integers(1, 3)), "pad": int(rng.integers(0, (f + 1) // 2 + 1))})
        layers.append({"type": "pool", "size": 2, "stride": 2})
    layers.insert(1, {"type": "conv", "filters": int(rng.integers(2, 10)), "size": 3})  # stride and pad defaulted
    layers += [{"type": "fc", "units": int(rng.integers(10, 100))}, {"type": "fc", "units": int(rng.integers(2, 11))}]
    return (C, H, W), layers


def _table(student, rng):
    input_shape, layers = _network(rng)
    got = student.count_parameters(input_shape, layers)
    if not isinstance(got, dict):
        raise TestFailure(f"count_parameters should return a dict of four lists; it returned a {kind_of(got)}")
    want = ref.count_parameters(input_shape, layers)
    for key in want:
        if key not in got:
            raise TestFailure(f"the dict of count_parameters has no entry {key!r}")
        if not isinstance(got[key], (list, tuple)) or len(got[key]) != len(layers):
            raise TestFailure(f"count_parameters(...)[{key!r}] should be a list with one entry per layer"
                              f" ({len(layers)} here)")
    return got, want, layers


def _expect_column(got, want, key, layers):
    for i, (value, expected) in enumerate(zip(got[key], want[key])):
        what = f"count_parameters(...)[{key!r}] of layer {i} ({layers[i]['type']})"
        if key == "shapes":
            value = tuple(_expect_int_list(value, what))
        else:
            value = _expect_int(value, what)
        expect_equal(value, expected, what)


@spec.test("counting", points=2)
def parameters_of_each_layer(rng, student):
    """the parameters of conv (weights + one bias per filter), pooling (none) and fc layers of a random network"""
    got, want, layers = _table(student, rng)
    _expect_column(got, want, "params", layers)


@spec.test("counting")
def activation_shapes_and_sizes(rng, student):
    """the activation shape and size after every layer (padding, strides, the default stride 1 and pad 0)"""
    got, want, layers = _table(student, rng)
    _expect_column(got, want, "shapes", layers)
    _expect_column(got, want, "sizes", layers)


@spec.test("counting")
def fully_connected_alternative(rng, student):
    """the parameters a fully connected layer with the same input and output sizes would need"""
    got, want, layers = _table(student, rng)
    _expect_column(got, want, "dense_params", layers)


# ------------------------------------------------------------------------------------------------ the ConvNet


def _margins(params, X):
    """The smallest |ReLU input| and the smallest lead of a positive pooled maximum over its window's runner-up."""
    conv_param = {"stride": 1, "pad": (params["W1"].shape[2] - 1) // 2}
    smallest = np.inf
    h = X
    for l in (1, 2):
        a, _ = ref.conv_forward_fast(h, params[f"W{l}"], params[f"b{l}"], conv_param)
        smallest = min(smallest, float(np.min(np.abs(a))))
        r = np.maximum(a, 0)
        N, C, H, W = r.shape
        tiles = np.sort(r.reshape(N, C, H // 2, 2, W // 2, 2).transpose(0, 1, 2, 4, 3, 5).reshape(N, C, -1, 4), -1)
        lead = tiles[..., -1] - tiles[..., -2]
        positive = tiles[..., -1] > 0
        if positive.any():
            smallest = min(smallest, float(np.min(lead[positive])))
        h, _ = ref.max_pool_forward_fast(r, {"pool_height": 2, "pool_width": 2, "stride": 2})
    a3 = h.reshape(h.shape[0], -1) @ params["W3"] + params["b3"]
    return min(smallest, float(np.min(np.abs(a3))))


def _convnet_problem(rng, n=None, f=3):
    """Random small parameters and data, redrawn until no ReLU input or pooling lead is within KINK_MARGIN."""
    for _ in range(100):
        N = int(rng.integers(1, 4)) if n is None else n
        C, H, W = int(rng.integers(1, 3)), 4, int(rng.choice([4, 8]))
        (F1, F2), hidden, classes = (2, 3), int(rng.integers(3, 6)), 3
        shapes = {"W1": (F1, C, f, f), "b1": (F1,), "W2": (F2, F1, f, f), "b2": (F2,),
                  "W3": (F2 * (H // 4) * (W // 4), hidden), "b3": (hidden,), "W4": (hidden, classes), "b4": (classes,)}
        params = {key: rng.normal(scale=0.6 if key.startswith("W") else 0.3, size=shape)
                  for key, shape in shapes.items()}
        X = rng.normal(size=(N, C, H, W))
        if _margins(params, X) > KINK_MARGIN:
            return params, X, rng.integers(0, classes, size=N)
    raise RuntimeError("no kink-free ConvNet problem found")  # not seen in 1,000 seeds


def _student_convnet(student, params, X, y, reg):
    got = student.convnet_loss(params, X, y, reg)
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], dict)):
        raise TestFailure(f"ConvNet.loss(X, y) should return the pair (loss, grads) with grads a dict; it returned"
                          f" a {kind_of(got)}")
    return got


def _expect_convnet_gradients(student, params, X, y, reg, what, numeric=True):
    _, grads = _student_convnet(student, params, X, y, reg)
    _, want = ref.convnet_loss(params, X, y, reg)
    missing = sorted(set(want) - set(grads))
    if missing:
        raise TestFailure(f"grads has no entry for {', '.join(missing)} ({what})")
    for key in sorted(want):
        expect_close(grads[key], want[key], f"grads[{key!r}] ({what})", rtol=1e-6, atol=1e-10)
        if numeric:
            def loss_at(value, key=key):
                return ref.convnet_loss({**params, key: value}, X, y, reg)[0]

            expect_gradient(grads[key], numeric_gradient(loss_at, params[key]), f"grads[{key!r}] ({what})",
                            GRAD_TOL, ignore_below=GRAD_IGNORE)


def _reg(rng):
    return float(np.round(rng.uniform(0.05, 0.5), 3))


@spec.test("cnn")
def convnet_scores(rng, student):
    """without labels, ConvNet.loss returns the class scores (3x3 and 1x1 filters, N = 1 included)"""
    for n, f in ((None, 3), (1, 1)):
        params, X, _ = _convnet_problem(rng, n, f)
        expect_close(student.convnet_loss(params, X), ref.convnet_loss(params, X),
                     f"the scores for X of shape {X.shape}", rtol=1e-9)


@spec.test("cnn")
def convnet_loss_without_regularisation(rng, student):
    """the softmax loss of the network (reg = 0)"""
    params, X, y = _convnet_problem(rng)
    loss, _ = _student_convnet(student, params, X, y, 0.0)
    expect_close(loss, ref.convnet_loss(params, X, y, 0.0)[0], "the loss (reg = 0)", rtol=1e-9, allow_scalar=True)


@spec.test("cnn", points=3)
def convnet_gradients_without_regularisation(rng, student):
    """every parameter's gradient (reg = 0), against the reference and central differences, also for N = 1"""
    for n in (None, 1):
        params, X, y = _convnet_problem(rng, n)
        _expect_convnet_gradients(student, params, X, y, 0.0, f"X of shape {X.shape}, reg = 0")


@spec.test("cnn")
def convnet_regularised_loss(rng, student):
    """the loss includes reg * sum(W * W) over the four weight arrays only"""
    params, X, y = _convnet_problem(rng)
    reg = _reg(rng)
    loss, _ = _student_convnet(student, params, X, y, reg)
    expect_close(loss, ref.convnet_loss(params, X, y, reg)[0], "the regularised loss", rtol=1e-9,
                 allow_scalar=True)


@spec.test("cnn")
def convnet_regularised_gradients(rng, student):
    """the gradients include 2 * reg * W for the weights (nothing for the biases)"""
    params, X, y = _convnet_problem(rng)
    _expect_convnet_gradients(student, params, X, y, _reg(rng), "reg > 0", numeric=False)
