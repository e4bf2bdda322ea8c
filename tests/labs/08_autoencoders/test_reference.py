"""Oracle tests for solutions/autoencoder.py (Lab 8: autoencoders).

Independent implementations: PyTorch (float64, autograd) for the transposed convolution, the convolution it is the
adjoint of, the autoencoders' gradients and the classic upsamplers; NumPy's SVD, scikit-learn's PCA and SciPy's
``subspace_angles`` for PCA and principal angles. Shapes, strides and pads are random per case, 1x1 kernels and
N = 1 included.
"""

import numpy as np
import pytest
import scipy.linalg
import torch
import torch.nn.functional as F
from sklearn.decomposition import PCA

from solutions import autoencoder as ae

DT = torch.float64


def t(a, grad=False):
    return torch.tensor(np.asarray(a, dtype=np.float64), dtype=DT, requires_grad=grad)


def max_abs(a, b):
    return float(np.max(np.abs(np.asarray(a, dtype=np.float64) - np.asarray(b, dtype=np.float64))))


def max_rel(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    return float(np.max(np.abs(a - b) / np.maximum(1e-8, np.abs(a) + np.abs(b))))


# ---------------------------------------------------------------------------------------------------------------
# transposed convolution
# ---------------------------------------------------------------------------------------------------------------


def random_conv_transpose_case(rng):
    """x (N, C_in, H, W), w (C_in, C_out, HH, WW), b, stride, pad: any valid combination, non-square included."""
    N, C_in, C_out = (int(v) for v in rng.integers(1, 4, size=3))
    H, W = (int(v) for v in rng.integers(1, 7, size=2))
    HH, WW = (int(v) for v in rng.integers(1, 5, size=2))
    stride = int(rng.integers(1, 4))
    largest_pad = (min(stride * (H - 1) + HH, stride * (W - 1) + WW) - 1) // 2
    pad = int(rng.integers(0, largest_pad + 1))
    return (rng.normal(size=(N, C_in, H, W)), rng.normal(size=(C_in, C_out, HH, WW)), rng.normal(size=C_out),
            stride, pad)


FIXED_CASES = [  # (N, C_in, C_out, H, W, HH, WW, stride, pad)
    (1, 1, 1, 1, 1, 1, 1, 1, 0),  # everything 1
    (1, 3, 2, 4, 5, 1, 1, 2, 0),  # a 1x1 kernel with stride 2: zeros between the inputs
    (2, 2, 3, 3, 3, 3, 3, 2, 1),
    (2, 3, 2, 2, 5, 4, 4, 2, 1),  # the classic 2x upsampler, non-square input
    (1, 2, 2, 3, 2, 3, 2, 3, 2),  # non-square kernel, stride larger than the kernel
    (3, 1, 4, 5, 4, 5, 3, 1, 2),
]


def fixed_case(N, C_in, C_out, H, W, HH, WW, stride, pad, seed):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(N, C_in, H, W)), rng.normal(size=(C_in, C_out, HH, WW)), rng.normal(size=C_out), stride, pad


CASES = [fixed_case(*c, seed=i) for i, c in enumerate(FIXED_CASES)] + [
    random_conv_transpose_case(np.random.default_rng(100 + i)) for i in range(60)]


@pytest.mark.parametrize("case", range(len(CASES)))
def test_conv_transpose_forward_and_backward_match_pytorch(case):
    x, w, b, stride, pad = CASES[case]
    out, cache = ae.conv_transpose_forward(x, w, b, {"stride": stride, "pad": pad})
    tx, tw, tb = t(x, True), t(w, True), t(b, True)
    expected = F.conv_transpose2d(tx, tw, tb, stride=stride, padding=pad)
    assert out.shape == tuple(expected.shape)
    assert max_abs(out, expected.detach().numpy()) < 1e-12
    dout = np.random.default_rng(case).normal(size=out.shape)
    expected.backward(t(dout))
    dx, dw, db = ae.conv_transpose_backward(dout, cache)
    for mine, theirs in ((dx, tx.grad), (dw, tw.grad), (db, tb.grad)):
        assert mine.shape == tuple(theirs.shape)
        assert max_abs(mine, theirs.numpy()) < 1e-11


def test_conv_transpose_agreement_figures():
    """The largest differences from PyTorch over all cases (printed for the report)."""
    worst_abs = worst_rel = 0.0
    for x, w, b, stride, pad in CASES:
        out, cache = ae.conv_transpose_forward(x, w, b, {"stride": stride, "pad": pad})
        tx, tw, tb = t(x, True), t(w, True), t(b, True)
        expected = F.conv_transpose2d(tx, tw, tb, stride=stride, padding=pad)
        dout = np.ones(out.shape)
        expected.backward(t(dout))
        grads = ae.conv_transpose_backward(dout, cache)
        for mine, theirs in zip((out, *grads), (expected.detach(), tx.grad, tw.grad, tb.grad)):
            worst_abs = max(worst_abs, max_abs(mine, theirs.numpy()))
            worst_rel = max(worst_rel, max_rel(mine, theirs.numpy()))
    print(f"conv_transpose vs PyTorch: max abs {worst_abs:.2e}, max rel {worst_rel:.2e}")
    assert worst_abs < 1e-11


@pytest.mark.parametrize("n, f, pad, stride", [(1, 1, 0, 1), (4, 3, 1, 2), (5, 4, 1, 2), (3, 2, 0, 3), (7, 5, 2, 1),
                                               (2, 1, 0, 4), (6, 3, 2, 3)])
def test_output_size_is_pytorchs(n, f, pad, stride):
    out = F.conv_transpose2d(torch.zeros(1, 1, n, n + 1, dtype=DT), torch.zeros(1, 1, f, f, dtype=DT),
                             stride=stride, padding=pad)
    assert ae.conv_transpose_output_size(n, f, pad, stride) == out.shape[2]
    assert ae.conv_transpose_output_size(n + 1, f, pad, stride) == out.shape[3]
    assert isinstance(ae.conv_transpose_output_size(n, f, pad, stride), int)


def test_output_size_rejects_a_crop_that_leaves_nothing():
    with pytest.raises(ValueError):
        ae.conv_transpose_output_size(2, 2, pad=2, stride=1)


@pytest.mark.parametrize("seed", range(20))
def test_conv_transpose_is_the_adjoint_of_pytorchs_conv2d(seed):
    """<conv2d(x, w), y> == <x, conv_transpose(y, w)> with the same w, whenever the sizes fit exactly."""
    rng = np.random.default_rng(seed)
    C, Fo = (int(v) for v in rng.integers(1, 4, size=2))
    HH, WW = (int(v) for v in rng.integers(1, 4, size=2))
    stride, pad = int(rng.integers(1, 4)), int(rng.integers(0, 2))
    # sizes for which (H + 2 pad - HH) is a multiple of the stride
    H = HH - 2 * pad + stride * int(rng.integers(1, 4))
    W = WW - 2 * pad + stride * int(rng.integers(1, 4))
    if H < 1 or W < 1:
        H, W = H + stride * 2, W + stride * 2
    x, w = rng.normal(size=(2, C, H, W)), rng.normal(size=(Fo, C, HH, WW))
    conv_x = F.conv2d(t(x), t(w), stride=stride, padding=pad).numpy()
    y = rng.normal(size=conv_x.shape)
    convT_y, _ = ae.conv_transpose_forward(y, w, np.zeros(C), {"stride": stride, "pad": pad})
    assert convT_y.shape == x.shape
    assert np.sum(conv_x * y) == pytest.approx(np.sum(x * convT_y), rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("seed", range(8))
def test_conv_matrix_is_pytorchs_conv2d_as_a_matrix(seed):
    rng = np.random.default_rng(seed)
    C, Fo = (int(v) for v in rng.integers(1, 4, size=2))
    H, W = (int(v) for v in rng.integers(3, 7, size=2))
    HH, WW = (int(v) for v in rng.integers(1, 4, size=2))
    stride, pad = int(rng.integers(1, 3)), int(rng.integers(0, 2))
    w = rng.normal(size=(Fo, C, HH, WW))
    M = ae.conv_matrix(w, {"stride": stride, "pad": pad}, (C, H, W))
    x = rng.normal(size=(1, C, H, W))
    expected = F.conv2d(t(x), t(w), stride=stride, padding=pad).numpy()
    assert M.shape == (expected.size, C * H * W)
    assert max_abs(M @ x.ravel(), expected.ravel()) < 1e-12
    # and its transpose is PyTorch's transposed convolution (where the sizes fit exactly)
    if (H + 2 * pad - HH) % stride == 0 and (W + 2 * pad - WW) % stride == 0:
        y = rng.normal(size=expected.shape)
        convT = F.conv_transpose2d(t(y), t(w), stride=stride, padding=pad).numpy()
        assert max_abs(M.T @ y.ravel(), convT.ravel()) < 1e-12


@pytest.mark.parametrize("factor", [1, 2, 3, 4])
@pytest.mark.parametrize("channels", [1, 3])
def test_upsamplers_match_pytorchs_interpolate(factor, channels):
    x = np.random.default_rng(factor * 10 + channels).uniform(size=(2, channels, 5, 4))
    zeros = np.zeros(channels)

    w, conv_param = ae.upsampling_weights("nearest", factor, channels)
    up, _ = ae.conv_transpose_forward(x, w, zeros, conv_param)
    assert max_abs(up, F.interpolate(t(x), scale_factor=factor, mode="nearest").numpy()) < 1e-14

    w, conv_param = ae.upsampling_weights("bed_of_nails", factor, channels)
    up, _ = ae.conv_transpose_forward(x, w, zeros, conv_param)
    expected = np.zeros((2, channels, 5 * factor, 4 * factor))
    expected[:, :, ::factor, ::factor] = x
    assert max_abs(up, expected) == 0.0

    w, conv_param = ae.upsampling_weights("bilinear", factor, channels)
    up, _ = ae.conv_transpose_forward(x, w, zeros, conv_param)
    assert up.shape == (2, channels, 5 * factor, 4 * factor)
    expected = F.interpolate(t(x), scale_factor=factor, mode="bilinear", align_corners=False).numpy()
    inner = slice(factor, -factor) if factor > 1 else slice(None)  # at the border PyTorch repeats the edge pixel
    assert max_abs(up[:, :, inner, inner], expected[:, :, inner, inner]) < 1e-12


def test_upsampling_rejects_an_unknown_kind():
    with pytest.raises(ValueError):
        ae.upsampling_weights("bicubic", 2, 1)


# ---------------------------------------------------------------------------------------------------------------
# PCA and principal angles
# ---------------------------------------------------------------------------------------------------------------


def pca_data(seed, N=80, D=7, offset=3.0):
    rng = np.random.default_rng(seed)
    scales = np.sort(rng.uniform(0.2, 3.0, size=D))[::-1]
    basis, _ = np.linalg.qr(rng.normal(size=(D, D)))
    return rng.normal(size=(N, D)) * scales @ basis.T + offset * rng.normal(size=D)


@pytest.mark.parametrize("seed", range(10))
def test_pca_matches_scikit_learn_and_numpys_svd(seed):
    X = pca_data(seed)
    k = 1 + seed % 5
    mean, components, variances = ae.pca_fit(X, k)
    sk = PCA(n_components=k, svd_solver="full").fit(X)
    assert max_abs(mean, sk.mean_) < 1e-12
    assert components.shape == (X.shape[1], k)
    assert max_abs(components.T @ components, np.eye(k)) < 1e-12
    signs = np.sign(np.sum(components * sk.components_.T, axis=0))  # each direction is defined up to its sign
    assert max_abs(components * signs, sk.components_.T) < 1e-10
    assert max_abs(variances, sk.explained_variance_) < 1e-10
    X_hat = ae.pca_reconstruct(X, mean, components)
    assert max_abs(X_hat, sk.inverse_transform(sk.transform(X))) < 1e-10
    _, S, Vt = np.linalg.svd(X - X.mean(axis=0))
    # the best rank-k approximation leaves exactly the remaining singular values (Eckart-Young)
    assert np.sum((X - X_hat) ** 2) == pytest.approx(np.sum(S[k:] ** 2), rel=1e-10)


@pytest.mark.parametrize("seed", range(10))
def test_principal_angles_match_scipy(seed):
    rng = np.random.default_rng(seed)
    D, ka, kb = 9, int(rng.integers(1, 5)), int(rng.integers(1, 5))
    A, B = rng.normal(size=(D, ka)), rng.normal(size=(D, kb))  # not orthonormal
    expected = np.sort(np.degrees(scipy.linalg.subspace_angles(A, B)))
    assert max_abs(ae.principal_angles(A, B), expected) < 1e-8


def test_principal_angles_of_a_subspace_with_itself_and_its_complement():
    rng = np.random.default_rng(0)
    Q, _ = np.linalg.qr(rng.normal(size=(6, 6)))
    A = Q[:, :3] @ rng.normal(size=(3, 3))  # another basis of the same space
    assert np.max(ae.principal_angles(A, Q[:, :3])) < 1e-5
    assert ae.principal_angles(Q[:, :2], Q[:, 3:]) == pytest.approx([90.0, 90.0])


# ---------------------------------------------------------------------------------------------------------------
# autoencoders: losses and gradients against autograd
# ---------------------------------------------------------------------------------------------------------------


def torch_params(params):
    return {key: t(value, True) for key, value in params.items()}


def compare_gradients(loss, grads, tparams, tloss):
    tloss.backward()
    assert loss == pytest.approx(tloss.item(), rel=1e-12)
    assert sorted(grads) == sorted(tparams)
    for key, value in tparams.items():
        assert grads[key].shape == tuple(value.shape)
        assert max_abs(grads[key], value.grad.numpy()) < 1e-13


@pytest.mark.parametrize("N", [1, 5])
def test_linear_autoencoder_loss_matches_autograd(N):
    rng = np.random.default_rng(N)
    D, k = 6, 2
    params = {"W1": rng.normal(size=(D, k)), "b1": rng.normal(size=k), "W2": rng.normal(size=(k, D)),
              "b2": rng.normal(size=D)}
    X = rng.normal(size=(N, D))
    loss, grads = ae.linear_autoencoder_loss(params, X)
    tp = torch_params(params)
    X_hat = (t(X) @ tp["W1"] + tp["b1"]) @ tp["W2"] + tp["b2"]
    compare_gradients(loss, grads, tp, F.mse_loss(X_hat, t(X)))


def autoencoder_problem(rng, N, D=8, h=5, k=2):
    sizes = [D, h, k, h + 1, D]
    params = {}
    for l in range(1, 5):
        params[f"W{l}"] = rng.normal(size=(sizes[l - 1], sizes[l]))
        params[f"b{l}"] = rng.normal(size=sizes[l])
    return params, rng.uniform(size=(N, D))


def torch_autoencoder(tp, X):
    z = torch.relu(X @ tp["W1"] + tp["b1"]) @ tp["W2"] + tp["b2"]
    return torch.sigmoid(torch.relu(z @ tp["W3"] + tp["b3"]) @ tp["W4"] + tp["b4"])


@pytest.mark.parametrize("N", [1, 4])
def test_autoencoder_loss_matches_autograd(N):
    rng = np.random.default_rng(10 + N)
    params, X = autoencoder_problem(rng, N)
    target = rng.uniform(size=X.shape)
    loss, grads = ae.autoencoder_loss(params, X, target)
    tp = torch_params(params)
    compare_gradients(loss, grads, tp, F.mse_loss(torch_autoencoder(tp, t(X)), t(target)))
    assert max_abs(ae.decode(params, ae.encode(params, X)), torch_autoencoder(tp, t(X)).detach().numpy()) < 1e-14


def test_denoising_loss_reconstructs_the_clean_input_from_the_same_noise():
    rng = np.random.default_rng(3)
    params, X = autoencoder_problem(rng, 6)
    loss, grads = ae.denoising_loss(params, X, 0.4, np.random.default_rng(9))
    noisy = X + 0.4 * np.random.default_rng(9).standard_normal(X.shape)
    tp = torch_params(params)
    compare_gradients(loss, grads, tp, F.mse_loss(torch_autoencoder(tp, t(noisy)), t(X)))


def test_corrupt_adds_gaussian_noise_of_the_given_spread():
    X = np.zeros((400, 50))
    noise = ae.corrupt(X, 0.3, np.random.default_rng(0))
    assert noise.std() == pytest.approx(0.3, rel=0.02) and abs(noise.mean()) < 0.01
    assert np.array_equal(noise, ae.corrupt(X, 0.3, np.random.default_rng(0)))


# ---------------------------------------------------------------------------------------------------------------
# the notebook's claims: a linear autoencoder trained by gradient descent finds PCA's subspace
# ---------------------------------------------------------------------------------------------------------------


def test_linear_autoencoder_on_digits_spans_pcas_subspace():
    from sklearn.datasets import load_digits

    X = load_digits().data / 16.0
    params, losses = ae.fit_linear_autoencoder(X, 4, steps=2000, lr=0.05, seed=0)
    sk = PCA(n_components=4).fit(X)
    angles = scipy.linalg.subspace_angles(params["W2"].T, sk.components_.T)
    assert np.degrees(angles).max() < 1.0
    pca_error = np.mean((sk.inverse_transform(sk.transform(X)) - X) ** 2)
    ae_error, _ = ae.linear_autoencoder_loss(params, X)
    assert abs(ae_error / pca_error - 1) < 0.01
    gram = params["W2"] @ params["W2"].T
    assert max_abs(gram, np.diag(np.diag(gram))) > 0.05  # the learned basis is not orthogonal ...
    assert max_abs(np.diag(gram), 1.0) > 0.05  # ... nor of unit length


def test_the_convolutional_autoencoder_matches_autograd():
    rng = np.random.default_rng(5)
    params = ae.init_conv_autoencoder(3, rng, channels=(4, 3))
    for key in params:  # non-zero biases
        if key.startswith(("b", "c")):
            params[key] = rng.normal(scale=0.1, size=params[key].shape)
    X = rng.uniform(size=(5, 64))
    loss, grads = ae.conv_autoencoder_loss(params, X, X)
    tp = torch_params(params)
    z = torch.relu(t(X) @ tp["W1"] + tp["b1"]) @ tp["W2"] + tp["b2"]
    h = torch.relu((z @ tp["W3"] + tp["b3"]).reshape(5, -1, 2, 2))
    h = torch.relu(F.conv_transpose2d(h, tp["K1"], tp["c1"], stride=2, padding=1))
    x_hat = torch.sigmoid(F.conv_transpose2d(h, tp["K2"], tp["c2"], stride=2, padding=1)).reshape(5, 64)
    compare_gradients(loss, grads, tp, F.mse_loss(x_hat, t(X)))
    assert max_abs(ae.conv_decode(params, z.detach().numpy()), x_hat.detach().numpy()) < 1e-14
