"""Oracle tests for solutions/cnn.py (Lab 7: convolutional networks).

PyTorch (float64, CPU, autograd) is the independent implementation: ``conv2d`` for the convolution layer (forward
and every gradient), ``max_pool2d`` / ``avg_pool2d`` for pooling, ``max_pool2d(return_indices=True)`` and
``max_unpool2d`` for the switches and unpooling. Shapes, strides and pads are random (1x1 kernels, N = 1 and
non-square inputs included). The naive and fast convolutions must agree to 1e-10.
"""

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from solutions import cnn

DT = torch.float64
TOL = 1e-10  # float64 sums of at most a few hundred products: PyTorch agrees to about 1e-14


def t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=DT, requires_grad=grad)


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
