"""Oracle tests for solutions/cnn.py (Lab 7: convolutional networks).

PyTorch (float64, CPU, autograd) is the independent implementation: ``conv2d`` for the convolution layer (forward
and every gradient), ``max_pool2d`` / ``avg_pool2d`` for pooling, ``max_pool2d(return_indices=True)`` and
``max_unpool2d`` for the switches and unpooling. Shapes, strides and pads are random (1x1 kernels, N = 1 and
non-square inputs included). The naive and fast convolutions must agree to 1e-10. SciPy's ``correlate2d`` and
``convolve2d`` are the oracles of the 2-D image operations; PyTorch modules count the parameters of the notes' table;
the ConvNet's loss and gradients are compared with the same network written in PyTorch.
"""

import numpy as np
import pytest
import scipy.signal
import torch
import torch.nn.functional as F
from oracle import numeric_gradient, rel_error, t

from solutions import cnn

TOL = 1e-10  # float64 sums of at most a few hundred products: PyTorch agrees to about 1e-14


def max_abs(a, b):
    a, b = np.asarray(a), np.asarray(b)
    assert a.shape == b.shape, (a.shape, b.shape)
    return float(np.max(np.abs(a - b))) if a.size else 0.0


def conv_problem(rng):
    """Random shapes, stride and pad: 1x1 to 5x5 kernels (not always square), N from 1, non-square inputs."""
    N, C, F_ = (int(v) for v in rng.integers(1, 4, size=3))
    HH, WW = (int(v) for v in rng.integers(1, 6, size=2))
    pad, stride = int(rng.integers(0, 3)), int(rng.integers(1, 4))
    H = int(rng.integers(max(1, HH - 2 * pad), 10))
    W = int(rng.integers(max(1, WW - 2 * pad), 10))
    x = rng.normal(size=(N, C, H, W))
    w = rng.normal(size=(F_, C, HH, WW))
    b = rng.normal(size=F_)
    return x, w, b, {"stride": stride, "pad": pad}


def torch_conv(x, w, b, conv_param, dout):
    xt, wt, bt = t(x, True), t(w, True), t(b, True)
    out = F.conv2d(xt, wt, bt, stride=conv_param["stride"], padding=conv_param["pad"])
    out.backward(t(dout))
    return out.detach().numpy(), xt.grad.numpy(), wt.grad.numpy(), bt.grad.numpy()


@pytest.mark.parametrize("seed", range(300))
def test_conv_naive_and_fast_match_torch_and_each_other(seed):
    rng = np.random.default_rng(seed)
    x, w, b, conv_param = conv_problem(rng)
    out_naive, cache_naive = cnn.conv_forward_naive(x, w, b, conv_param)
    out_fast, cache_fast = cnn.conv_forward_fast(x, w, b, conv_param)
    dout = rng.normal(size=out_naive.shape)
    want = torch_conv(x, w, b, conv_param, dout)
    grads_naive = cnn.conv_backward_naive(dout, cache_naive)
    grads_fast = cnn.conv_backward_fast(dout, cache_fast)
    for got in ((out_naive, *grads_naive), (out_fast, *grads_fast)):
        for name, a, expected in zip(("out", "dx", "dw", "db"), got, want):
            assert a.dtype == np.float64
            assert max_abs(a, expected) < TOL, name
    for a, other in zip((out_naive, *grads_naive), (out_fast, *grads_fast)):
        assert max_abs(a, other) < TOL


def test_conv_on_the_benchmark_layer_matches_torch():
    """The CIFAR-like layer of benchmarks/conv_speed.py: N=64, 3 -> 16 channels, 32x32, 3x3, pad 1."""
    rng = np.random.default_rng(0)
    x, w, b = rng.normal(size=(64, 3, 32, 32)), rng.normal(size=(16, 3, 3, 3)), rng.normal(size=16)
    conv_param = {"stride": 1, "pad": 1}
    out, cache = cnn.conv_forward_fast(x, w, b, conv_param)
    dout = rng.normal(size=out.shape)
    got = (out, *cnn.conv_backward_fast(dout, cache))
    for a, expected in zip(got, torch_conv(x, w, b, conv_param, dout)):
        assert max_abs(a, expected) / max(1.0, np.abs(expected).max()) < 1e-12


@pytest.mark.parametrize("seed", range(50))
def test_col2im_is_the_adjoint_of_im2col(seed):
    rng = np.random.default_rng(seed)
    x, w, _, conv_param = conv_problem(rng)
    HH, WW = w.shape[2:]
    cols = cnn.im2col(x, HH, WW, conv_param)
    other = rng.normal(size=cols.shape)
    lhs = np.sum(cols * other)
    rhs = np.sum(x * cnn.col2im(other, x.shape, HH, WW, conv_param))
    assert abs(lhs - rhs) < 1e-10 * max(1.0, abs(lhs))


def test_im2col_layout_is_documented_one():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(2, 3, 5, 4))
    conv_param = {"stride": 2, "pad": 1}
    cols = cnn.im2col(x, 3, 2, conv_param)
    x_pad = np.pad(x, ((0, 0), (0, 0), (1, 1), (1, 1)))
    H_out, W_out = (5 + 2 - 3) // 2 + 1, (4 + 2 - 2) // 2 + 1
    assert cols.shape == (3 * 3 * 2, 2 * H_out * W_out)
    for n in range(2):
        for i in range(H_out):
            for j in range(W_out):
                window = x_pad[n, :, 2 * i:2 * i + 3, 2 * j:2 * j + 2]
                np.testing.assert_array_equal(cols[:, n * H_out * W_out + i * W_out + j], window.ravel())


# ---------------------------------------------------------------------------------------------------------------
# 2-D cross-correlation and convolution, kernels
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("seed", range(40))
def test_cross_correlation_and_convolution_match_scipy(seed):
    rng = np.random.default_rng(seed)
    kh, kw = (int(v) for v in rng.integers(1, 6, size=2))
    image = rng.normal(size=(int(rng.integers(kh, 12)), int(rng.integers(kw, 12))))
    kernel = rng.normal(size=(kh, kw))
    np.testing.assert_allclose(cnn.cross_correlate2d(image, kernel),
                               scipy.signal.correlate2d(image, kernel, mode="valid"), rtol=0, atol=1e-12)
    np.testing.assert_allclose(cnn.convolve2d(image, kernel),
                               scipy.signal.convolve2d(image, kernel, mode="valid"), rtol=0, atol=1e-12)
    # and the layer's convolution is the same cross-correlation
    out, _ = cnn.conv_forward_fast(image[None, None], kernel[None, None], np.zeros(1), {"stride": 1, "pad": 0})
    np.testing.assert_allclose(out[0, 0], cnn.cross_correlate2d(image, kernel), rtol=0, atol=1e-12)


def test_correlation_equals_convolution_only_for_point_symmetric_kernels():
    rng = np.random.default_rng(0)
    image = rng.normal(size=(9, 9))
    for _ in range(50):
        kernel = rng.normal(size=(3, 3))
        symmetric = kernel + kernel[::-1, ::-1]
        assert cnn.correlation_equals_convolution(symmetric) is True
        np.testing.assert_allclose(cnn.convolve2d(image, symmetric), cnn.cross_correlate2d(image, symmetric),
                                   atol=1e-12)
        for not_enough in (kernel, kernel + kernel.T, kernel + kernel[:, ::-1], kernel + kernel[::-1, :]):
            assert cnn.correlation_equals_convolution(not_enough) is False
            assert not np.allclose(cnn.convolve2d(image, not_enough), cnn.cross_correlate2d(image, not_enough))


def test_sharpen_kernel_keeps_flat_regions_and_is_identity_at_zero():
    np.testing.assert_allclose(cnn.sharpen_kernel(0.0), cnn.identity_kernel(3), atol=1e-15)
    for amount in (0.5, 1.0, 2.0):
        kernel = cnn.sharpen_kernel(amount)
        assert abs(kernel.sum() - 1.0) < 1e-12
        flat = np.full((6, 7), 0.3)
        np.testing.assert_allclose(cnn.cross_correlate2d(flat, kernel), 0.3, atol=1e-12)
    np.testing.assert_allclose(cnn.sharpen_kernel(1.0), np.array([[-1, -1, -1], [-1, 17, -1], [-1, -1, -1]]) / 9)


# ---------------------------------------------------------------------------------------------------------------
# Output size, padding and stride, against PyTorch's shapes
# ---------------------------------------------------------------------------------------------------------------


def test_output_size_matches_the_shape_torch_computes():
    rng = np.random.default_rng(0)
    for _ in range(200):
        f, pad, stride = int(rng.integers(1, 6)), int(rng.integers(0, 3)), int(rng.integers(1, 5))
        n = int(rng.integers(max(1, f - 2 * pad), 20))
        out = F.conv2d(torch.zeros(1, 1, n, n + 1, dtype=torch.float64), torch.zeros(1, 1, f, f, dtype=torch.float64),
                       stride=stride, padding=pad)
        assert out.shape[2:] == (cnn.conv_output_size(n, f, pad, stride), cnn.conv_output_size(n + 1, f, pad, stride))
    for f in (1, 3, 5, 7):
        p = cnn.same_padding(f)
        assert F.conv2d(torch.zeros(1, 1, 9, 6), torch.zeros(1, 1, f, f), padding=p).shape[2:] == (9, 6)
    with pytest.raises(ValueError):
        cnn.same_padding(4)
    with pytest.raises(ValueError):
        cnn.conv_output_size(3, 6, 1, 1)


def test_fitting_strides_are_those_without_leftover():
    assert cnn.fitting_strides(7, 3) == [1, 2, 4]  # the handwritten notes: 7x7, f = 3, strides 1, 2 or 4, not 3
    for n in range(1, 15):
        for f in range(1, n + 1):
            for pad in range(3):
                fitting = cnn.fitting_strides(n, f, pad)
                for s in range(1, n + 2 * pad - f + 1):
                    last_window_end = (cnn.conv_output_size(n, f, pad, s) - 1) * s + f
                    assert (s in fitting) == (last_window_end == n + 2 * pad)


# ---------------------------------------------------------------------------------------------------------------
# Pooling and unpooling
# ---------------------------------------------------------------------------------------------------------------


def pool_problem(rng, tiling=False, no_overlap=False):
    N, C = (int(v) for v in rng.integers(1, 4, size=2))
    if tiling:
        p = int(rng.integers(1, 4))
        ph = pw = stride = p
        H, W = p * int(rng.integers(1, 5)), p * int(rng.integers(1, 5))
    else:
        ph, pw = (int(v) for v in rng.integers(1, 4, size=2))
        stride = int(rng.integers(max(ph, pw) if no_overlap else 1, 4))
        H, W = int(rng.integers(ph, 10)), int(rng.integers(pw, 10))
    x = rng.normal(size=(N, C, H, W))
    return x, {"pool_height": ph, "pool_width": pw, "stride": stride}


def torch_pool(fn, x, pool_param, dout):
    xt = t(x, True)
    out = fn(xt, (pool_param["pool_height"], pool_param["pool_width"]), stride=pool_param["stride"])
    out.backward(t(dout))
    return out.detach().numpy(), xt.grad.numpy()


@pytest.mark.parametrize("seed", range(150))
@pytest.mark.parametrize("kind", ["max", "avg"])
def test_pooling_naive_and_fast_match_torch(kind, seed):
    rng = np.random.default_rng(seed)
    x, pool_param = pool_problem(rng, tiling=seed % 2 == 0)
    torch_fn = F.max_pool2d if kind == "max" else F.avg_pool2d
    for variant in ("naive", "fast"):
        forward = getattr(cnn, f"{kind}_pool_forward_{variant}")
        backward = getattr(cnn, f"{kind}_pool_backward_{variant}")
        out, cache = forward(x, pool_param)
        dout = np.random.default_rng(seed + 1000).normal(size=out.shape)
        want_out, want_dx = torch_pool(torch_fn, x, pool_param, dout)
        assert max_abs(out, want_out) < 1e-14
        assert max_abs(backward(dout, cache), want_dx) < 1e-14


def test_fast_pooling_takes_the_reshape_path_only_when_windows_tile():
    assert cnn.pool_windows_tile((2, 3, 8, 6), {"pool_height": 2, "pool_width": 2, "stride": 2})
    assert not cnn.pool_windows_tile((2, 3, 7, 6), {"pool_height": 2, "pool_width": 2, "stride": 2})
    assert not cnn.pool_windows_tile((2, 3, 8, 6), {"pool_height": 2, "pool_width": 2, "stride": 1})
    assert not cnn.pool_windows_tile((2, 3, 8, 6), {"pool_height": 2, "pool_width": 3, "stride": 2})


@pytest.mark.parametrize("seed", range(100))
def test_switches_and_unpooling_match_torch(seed):
    rng = np.random.default_rng(seed)
    x, pool_param = pool_problem(rng, no_overlap=True)
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    pooled_t, indices = F.max_pool2d(t(x), (ph, pw), stride=stride, return_indices=True)
    switches = cnn.max_pool_switches(x, pool_param)
    assert switches.dtype == np.int64
    np.testing.assert_array_equal(switches, indices.numpy())
    pooled, _ = cnn.max_pool_forward_naive(x, pool_param)
    values = rng.normal(size=pooled.shape)  # unpooling places any values, not only the maxima
    out, cache = cnn.max_unpool_forward(values, switches, x.shape[2:])
    vt = t(values, True)
    out_t = F.max_unpool2d(vt, indices, (ph, pw), stride=stride, output_size=x.shape[2:])
    assert max_abs(out, out_t.detach().numpy()) == 0.0
    dout = rng.normal(size=out.shape)
    out_t.backward(t(dout))
    assert max_abs(cnn.max_unpool_backward(dout, cache), vt.grad.numpy()) == 0.0
    # pool then unpool: the notes' 3.4.2, every maximum back in place and zeros elsewhere
    restored, _ = cnn.max_unpool_forward(pooled, switches, x.shape[2:])
    kept = restored != 0
    np.testing.assert_array_equal(restored[kept], x[kept])
    assert kept.sum() == pooled.size


# ---------------------------------------------------------------------------------------------------------------
# Counting: the notes' table against PyTorch modules
# ---------------------------------------------------------------------------------------------------------------

NOTES_LAYERS = [{"type": "conv", "filters": 8, "size": 5, "stride": 1}, {"type": "pool", "size": 2, "stride": 2},
                {"type": "conv", "filters": 16, "size": 5, "stride": 1}, {"type": "pool", "size": 2, "stride": 2},
                {"type": "fc", "units": 120}, {"type": "fc", "units": 84}, {"type": "fc", "units": 10}]


def test_count_parameters_reproduces_the_notes_table_and_torch():
    table = cnn.count_parameters((3, 32, 32), NOTES_LAYERS)
    assert table["params"] == [608, 0, 3216, 0, 48120, 10164, 850]  # the notes' column
    assert table["sizes"] == [6272, 1568, 1600, 400, 120, 84, 10]
    assert table["shapes"] == [(8, 28, 28), (8, 14, 14), (16, 10, 10), (16, 5, 5), (120,), (84,), (10,)]
    modules = [torch.nn.Conv2d(3, 8, 5), torch.nn.MaxPool2d(2), torch.nn.Conv2d(8, 16, 5), torch.nn.MaxPool2d(2),
               torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(400, 120)), torch.nn.Linear(120, 84),
               torch.nn.Linear(84, 10)]
    h = torch.zeros(1, 3, 32, 32)
    for module, shape, params, dense in zip(modules, table["shapes"], table["params"], table["dense_params"]):
        size_in = h.numel()
        h = module(h)
        assert tuple(h.shape[1:]) == shape
        assert sum(p.numel() for p in module.parameters()) == params
        if params:
            assert dense == sum(p.numel() for p in torch.nn.Linear(size_in, h.numel()).parameters())
    assert table["dense_params"][:3] == [19_273_856, 0, 2_510_400]


# ---------------------------------------------------------------------------------------------------------------
# The ConvNet against the same network in PyTorch
# ---------------------------------------------------------------------------------------------------------------


def torch_convnet_loss(params, X, y, reg):
    p = {k: t(v, True) for k, v in params.items()}
    pad = (params["W1"].shape[2] - 1) // 2
    h = F.max_pool2d(F.relu(F.conv2d(t(X), p["W1"], p["b1"], padding=pad)), 2)
    h = F.max_pool2d(F.relu(F.conv2d(h, p["W2"], p["b2"], padding=pad)), 2)
    h = F.relu(h.flatten(1) @ p["W3"] + p["b3"])
    scores = h @ p["W4"] + p["b4"]
    loss = F.cross_entropy(scores, torch.tensor(y)) + reg * sum((p[f"W{l}"] ** 2).sum() for l in range(1, 5))
    loss.backward()
    return scores.detach().numpy(), float(loss.detach()), {k: v.grad.numpy() for k, v in p.items()}


@pytest.mark.parametrize("seed", range(10))
def test_convnet_matches_torch(seed):
    rng = np.random.default_rng(seed)
    C, H, W = int(rng.integers(1, 3)), 4 * int(rng.integers(1, 3)), 4 * int(rng.integers(1, 4))
    model = cnn.ConvNet(input_shape=(C, H, W), num_filters=(3, 4), filter_size=int(rng.choice([1, 3, 5])),
                        hidden=6, num_classes=5, rng=seed)
    for key in model.params:
        if key.startswith("b"):
            model.params[key] = rng.normal(scale=0.1, size=model.params[key].shape)
    X, reg = rng.normal(size=(int(rng.integers(1, 5)), C, H, W)), 0.05
    y = rng.integers(0, 5, size=X.shape[0])
    want_scores, want_loss, want_grads = torch_convnet_loss(model.params, X, y, reg)
    np.testing.assert_allclose(cnn.convnet_loss(model.params, X), want_scores, rtol=1e-12, atol=1e-12)
    loss, grads = cnn.convnet_loss(model.params, X, y, reg)
    assert abs(loss - want_loss) < 1e-12
    assert sorted(grads) == sorted(want_grads)
    for key in grads:
        np.testing.assert_allclose(grads[key], want_grads[key], rtol=1e-10, atol=1e-12)


def test_convnet_gradient_matches_central_differences():
    rng = np.random.default_rng(3)
    model = cnn.ConvNet(input_shape=(1, 4, 4), num_filters=(2, 3), filter_size=3, hidden=5, num_classes=3, rng=3)
    X, y = rng.normal(size=(2, 1, 4, 4)), np.array([0, 2])
    _, grads = cnn.convnet_loss(model.params, X, y, 0.1)
    for key, value in model.params.items():
        numeric = numeric_gradient(lambda v, key=key: cnn.convnet_loss({**model.params, key: v}, X, y, 0.1)[0], value)
        assert rel_error(grads[key], numeric) < 1e-6, key
