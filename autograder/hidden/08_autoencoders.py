"""Hidden tests of Lab 8 (autoencoders). Inputs are random per seed; answers come from the reference module, from
numeric gradients of the reference's forward passes, and, for the adjoint property, from Lab 7's convolution
(``solutions.cnn``, a trusted oracle on this side only).

Tolerances, measured by ``benchmarks/lab08_tolerances.py``, which runs every test below with the reference as the
student over 2,000 seeds (``tests/labs/08_autoencoders/test_grading.py`` repeats it over 30 seeds and asserts the
margins):

* ``RTOL = 1e-7`` for values compared with the reference (the reference agrees with PyTorch to about 1e-14, and
  other correct formulations -- the gather form of the transposed convolution, a naive loop -- score full marks,
  see the tests).
* ``GRAD_TOL = 1e-4`` (as Lab 4): relative error ``max(|a - b| / max(1e-8, |a| + |b|))`` of a gradient against
  central differences (h = 1e-5) of the reference's loss or forward pass, over the entries whose absolute
  difference exceeds ``NUMERIC_NOISE = 1e-8``. A central difference carries a rounding error of about
  1e-16 |L| / h <= 1e-10 here, which on gradient entries near 1e-7 (an autoencoder that nearly reconstructs a
  single sample) is a relative error of 1e-4 by itself: those differences are noise, not a wrong gradient. Over
  2,000 seeds the reference's worst relative error is 4.2e-4 over all entries but 0 once differences of at most
  1e-8 are ignored (every difference of the reference is below 1e-8); a wrong gradient (a missing factor 2, a
  wrong axis, the wrong weight) is off by 0.3 or more, in differences far above 1e-8.
* ``PCA_ATOL = 1e-7``: principal directions are compared column by column after matching their sign; the data has
  variances at least 0.1 apart (relative gap above 15 %), where the SVD's directions are stable to about 1e-12.
* ``ANGLE_ATOL = 1e-5`` degrees: ``arccos`` is flat at 1, so a cosine that is 1 up to rounding (1e-16) gives an
  angle of about 1e-6 degrees; any error of substance (radians, no orthonormalisation) is off by degrees.
* ``FIT_MAX_ANGLE = 1`` degree and ``FIT_ERROR_RATIO = 0.01``: the lab's claims for the linear autoencoder. On the
  test's data (two strong directions, variances at least 11 times those of the rest) the given trainer's 2,000
  Adam steps (the last fifth at a tenth of the rate) reach a largest angle of at most 0.008 degrees and an error
  within 4e-6 of PCA's over 2,000 seeds. (With a constant rate, Adam's occasional overshoots near the
  minimum left single seeds at 0.5 degrees and 16 %: the reason for the trainer's gentler end.)

A backward pass receives the cache its forward docstring documents, built by the reference's forward pass, so a
wrong forward pass costs the forward tests only. The autoencoders' losses run the student's own code; numeric
checks of them use problems whose ReLU inputs are all at least 1e-3 away from the kink. Transposed convolutions are
tested with ``0 <= pad <= min(HH, WW) - 1`` (the cropping never removes a whole stamp), strides 1 to 3, 1x1
kernels, N = 1 and non-square inputs and kernels.
"""

import numpy as np

import solutions.autoencoder as ref
import solutions.cnn as cnn
from autograder.grade.spec import (
    FnRef,
    Spec,
    StudentCodeError,
    TestFailure,
    as_array,
    call_backward,
    call_forward,
    expect_close,
    expect_equal,
    expect_gradient,
    expect_tuple,
    kind_of,
    local_fn,
    numeric_gradient,
    numeric_input_gradients,
)

RTOL = 1e-7
GRAD_TOL = 1e-4
NUMERIC_NOISE = 1e-8
PCA_ATOL = 1e-7
ANGLE_ATOL = 1e-5
FIT_MAX_ANGLE = 1.0
FIT_ERROR_RATIO = 0.01
FIT_STEPS, FIT_LR = 2000, 0.05

spec = Spec("08_autoencoders", {
    "pca": "PCA by the SVD",
    "angles": "principal angles between subspaces",
    "linear_ae": "the linear autoencoder",
    "autoencoder": "the nonlinear autoencoder",
    "denoising": "the denoising autoencoder",
    "size": "the output size of a transposed convolution",
    "conv_transpose": "the transposed convolution layer",
    "conv_matrix": "the matrix of a convolution",
    "upsampling": "upsampling kernels",
})


# ------------------------------------------------------------------------------------------------ PCA


def _pca_data(rng, N, D):
    """Centred data ``U diag(s) V^T`` of rank ``r = min(N - 1, D)`` with singular values at least 15 % apart, plus
    a mean far from 0 (a PCA that forgets to centre finds the mean instead)."""
    r = min(N - 1, D)
    s = np.sqrt(N - 1) * np.cumprod(np.concatenate([[rng.uniform(1.5, 2.5)], rng.uniform(0.55, 0.85, size=r - 1)]))
    U = np.linalg.qr(rng.normal(size=(N, r)) - 0.0)[0]
    U = np.linalg.qr(U - U.mean(axis=0))[0]  # columns orthogonal to the ones vector: the data is centred
    V = np.linalg.qr(rng.normal(size=(D, r)))[0]
    mean = rng.uniform(3.0, 6.0, size=D) * rng.choice([-1.0, 1.0], size=D)
    return U * s @ V.T + mean


def _pca_cases(rng):
    """(X, k): a tall problem, k = 1, and a problem with fewer samples than dimensions."""
    D = int(rng.integers(4, 8))
    return [(_pca_data(rng, int(rng.integers(30, 60)), D), int(rng.integers(2, D))),
            (_pca_data(rng, int(rng.integers(20, 40)), D), 1),
            (_pca_data(rng, 6, 9), 3)]


def _pca_student(student, X, k):
    return expect_tuple(student.pca_fit(X, k), ("mean", "components", "variances"), "pca_fit(X, k)")


@spec.test("pca")
def pca_mean_and_variances(rng, student):
    """the mean and the variances S**2 / (N - 1) of the top-k directions, largest first"""
    for X, k in _pca_cases(rng):
        mean, _, variances = _pca_student(student, X, k)
        want_mean, _, want_variances = ref.pca_fit(X, k)
        shape = f"X of shape {X.shape}, k = {k}"
        expect_close(mean, want_mean, f"the mean ({shape})", rtol=RTOL)
        expect_close(variances, want_variances, f"the variances ({shape})", rtol=RTOL)


@spec.test("pca", points=2)
def pca_components(rng, student):
    """the columns of components are the top-k principal directions, in order (each up to its sign)"""
    for X, k in _pca_cases(rng):
        _, components, _ = _pca_student(student, X, k)
        _, want, _ = ref.pca_fit(X, k)
        what = f"components (X of shape {X.shape}, k = {k})"
        got = as_array(components, what)
        if got.shape != want.shape:
            raise TestFailure(f"{what} has shape {got.shape}; expected (D, k) = {want.shape}, one direction per"
                              " column")
        signs = np.where(np.sum(got * want, axis=0) < 0, -1.0, 1.0)
        expect_close(got * signs, want, what + ", each column up to its sign", rtol=0.0, atol=PCA_ATOL)


@spec.test("pca")
def pca_reconstructions(rng, student):
    """pca_reconstruct projects onto the subspace and back (N = 1 included)"""
    for X, k in _pca_cases(rng)[:2]:
        mean, components, _ = ref.pca_fit(X, k)
        for new in (_pca_data(rng, 7, X.shape[1]), X[:1]):
            expect_close(student.pca_reconstruct(new, mean, components), ref.pca_reconstruct(new, mean, components),
                         f"the reconstruction of {new.shape[0]} samples (D = {X.shape[1]}, k = {k})", rtol=RTOL,
                         atol=1e-9)


# ------------------------------------------------------------------------------------------------ angles


def _subspace_pair(rng, D, ka, kb, shared):
    """Orthonormal bases of two random subspaces of R^D that share ``shared`` directions."""
    Q, _ = np.linalg.qr(rng.normal(size=(D, D)))
    A = Q[:, :ka]
    mix = rng.normal(size=(D, kb - shared))
    B = np.concatenate([Q[:, :shared], np.linalg.qr(mix)[0]], axis=1)
    return A, np.linalg.qr(B)[0]


def _expect_angles(student, A, B, what):
    expect_close(student.principal_angles(A, B), ref.principal_angles(A, B), f"the principal angles ({what})",
                 rtol=RTOL, atol=ANGLE_ATOL)


@spec.test("angles")
def angles_between_orthonormal_bases(rng, student):
    """two random subspaces of equal dimension given by orthonormal bases"""
    for _ in range(2):
        D, k = int(rng.integers(5, 9)), int(rng.integers(1, 4))
        A, B = _subspace_pair(rng, D, k, k, 0)
        _expect_angles(student, A, B, f"orthonormal bases, D = {D}, k = {k}")


@spec.test("angles")
def angles_between_arbitrary_bases(rng, student):
    """bases that are not orthonormal (scaled and mixed columns), subspaces of different dimensions"""
    for ka, kb in ((2, 3), (3, 1)):
        D = int(rng.integers(6, 9))
        A, B = _subspace_pair(rng, D, ka, kb, 0)
        A = A @ rng.normal(size=(ka, ka)) * rng.uniform(0.2, 5.0, size=ka)
        B = B @ rng.normal(size=(kb, kb))
        _expect_angles(student, A, B, f"non-orthonormal bases, D = {D}, {ka} and {kb} columns")


@spec.test("angles")
def angles_of_shared_and_orthogonal_directions(rng, student):
    """shared directions give 0, orthogonal ones 90 degrees, whatever the bases"""
    D = int(rng.integers(6, 9))
    A, B = _subspace_pair(rng, D, 3, 3, 2)
    _expect_angles(student, A @ rng.normal(size=(3, 3)), B * 3.0, "two shared directions, non-orthonormal bases")
    Q, _ = np.linalg.qr(rng.normal(size=(D, D)))
    _expect_angles(student, Q[:, :2] @ rng.normal(size=(2, 2)), Q[:, 2:5], "orthogonal subspaces")


# ------------------------------------------------------------------------------------------------ linear AE


def _linear_problem(rng, N=None):
    N = int(rng.integers(2, 8)) if N is None else N
    D, k = int(rng.integers(3, 7)), int(rng.integers(1, 3))
    params = {"W1": rng.normal(size=(D, k)), "b1": rng.normal(size=k), "W2": rng.normal(size=(k, D)),
              "b2": rng.normal(size=D)}
    return params, rng.normal(size=(N, D))


def _linear_student(student, params, X):
    loss, grads = expect_tuple(student.linear_autoencoder_loss(params, X), ("loss", "grads"),
                               "linear_autoencoder_loss(params, X)")
    if not isinstance(grads, dict):
        raise TestFailure(f"the grads of linear_autoencoder_loss should be a dict; it is a {kind_of(grads)}")
    return loss, grads


def _expect_param_gradients(grads, params, keys, reference_loss, reference_grads, what):
    """Each named gradient against the reference's and against central differences of the reference's loss."""
    for key in keys:
        if key not in grads:
            raise TestFailure(f"grads has no entry {key!r} ({what})")
        expect_close(grads[key], reference_grads[key], f"grads[{key!r}] ({what})", rtol=RTOL)

        def loss_at(value, key=key):
            return reference_loss({**params, key: value})

        expect_gradient(grads[key], numeric_gradient(loss_at, params[key]), f"grads[{key!r}] ({what})", GRAD_TOL,
                        ignore_below=NUMERIC_NOISE)


@spec.test("linear_ae")
def linear_ae_loss_value(rng, student):
    """the loss is the mean squared error over all entries (N = 1 included)"""
    for N in (1, None):
        params, X = _linear_problem(rng, N)
        loss, _ = _linear_student(student, params, X)
        expect_close(loss, ref.linear_autoencoder_loss(params, X)[0], f"the loss (X of shape {X.shape})", rtol=RTOL,
                     allow_scalar=True)


def _linear_gradient_test(rng, student, keys, name):
    for N in (1, None):
        params, X = _linear_problem(rng, N)
        _, grads = _linear_student(student, params, X)
        _expect_param_gradients(grads, params, keys, lambda p: ref.linear_autoencoder_loss(p, X)[0],
                                ref.linear_autoencoder_loss(params, X)[1], f"{name}, X of shape {X.shape}")


@spec.test("linear_ae")
def linear_ae_decoder_gradients(rng, student):
    """dW2 and db2 match the reference and the numeric gradient"""
    _linear_gradient_test(rng, student, ("W2", "b2"), "the decoder")


@spec.test("linear_ae")
def linear_ae_encoder_gradients(rng, student):
    """dW1 and db1 match the reference and the numeric gradient"""
    _linear_gradient_test(rng, student, ("W1", "b1"), "the encoder")


def _fit_data(rng, N=40, D=6):
    """Centred data ``U diag(s) V^T`` in R^6 plus a random mean: two strong directions (standard deviations 2 to 3)
    and four weak ones (0.3 to 0.6), so PCA's 2-D subspace is well separated and its error is not tiny."""
    s = np.concatenate([np.sort(rng.uniform(2.0, 3.0, size=2))[::-1], rng.uniform(0.3, 0.6, size=D - 2)])
    U = np.linalg.qr(rng.normal(size=(N, D)))[0]
    U = np.linalg.qr(U - U.mean(axis=0))[0]
    V = np.linalg.qr(rng.normal(size=(D, D)))[0]
    return U * (s * np.sqrt(N - 1)) @ V.T + rng.normal(size=D)


@spec.test("linear_ae", points=2)
def linear_ae_trains_to_pcas_subspace(rng, student):
    """the given fit_linear_autoencoder, running your loss, finds PCA's subspace (< 1 degree) and error (< 1 %)"""
    X, k, seed = _fit_data(rng), 2, int(rng.integers(2**31))
    got = expect_tuple(student.fit_linear_autoencoder(X, k, FIT_STEPS, FIT_LR, seed), ("params", "losses"),
                       "fit_linear_autoencoder(X, k, steps, lr, seed)")
    params = got[0]
    if not isinstance(params, dict) or not {"W1", "b1", "W2", "b2"} <= set(params):
        raise TestFailure("fit_linear_autoencoder should return (params, losses) with params a dict of W1, b1, W2, b2")
    shapes = {"W1": (6, k), "b1": (k,), "W2": (k, 6), "b2": (6,)}
    trained = {key: as_array(params[key], f"the trained params[{key!r}]") for key in shapes}
    for key, shape in shapes.items():
        if trained[key].shape != shape or not np.all(np.isfinite(trained[key])):
            raise TestFailure(f"the trained params[{key!r}] has shape {trained[key].shape} or non-finite entries;"
                              f" expected finite numbers of shape {shape}")
    mean, components, _ = ref.pca_fit(X, k)
    largest = float(np.max(ref.principal_angles(trained["W2"].T, components)))
    if not largest < FIT_MAX_ANGLE:
        raise TestFailure(f"after {FIT_STEPS} Adam steps on your loss, the decoder's rows are up to {largest:.2g}"
                          f" degrees away from PCA's subspace (allowed: below {FIT_MAX_ANGLE:g})")
    error = ref.linear_autoencoder_loss(trained, X)[0]
    pca_error = float(np.mean((ref.pca_reconstruct(X, mean, components) - X) ** 2))
    if not abs(error / pca_error - 1) < FIT_ERROR_RATIO:
        raise TestFailure(f"after {FIT_STEPS} Adam steps on your loss, the reconstruction error is"
                          f" {error / pca_error - 1:+.1%} off PCA's (allowed: {FIT_ERROR_RATIO:.0%})")


# ------------------------------------------------------------------------------------------------ nonlinear AE


def _autoencoder_problem(rng, N=None):
    """Random parameters and data whose ReLU inputs all stay at least 1e-3 away from the kink."""
    N = int(rng.integers(2, 6)) if N is None else N
    D, h, k, h2 = int(rng.integers(4, 8)), int(rng.integers(3, 6)), int(rng.integers(1, 4)), int(rng.integers(3, 6))
    sizes = [D, h, k, h2, D]
    for _ in range(100):
        params = {}
        for l in range(1, 5):
            params[f"W{l}"] = rng.normal(scale=0.8, size=(sizes[l - 1], sizes[l]))
            params[f"b{l}"] = rng.normal(scale=0.3, size=sizes[l])
        X = rng.uniform(size=(N, D))
        a1 = X @ params["W1"] + params["b1"]
        a3 = (np.maximum(a1, 0) @ params["W2"] + params["b2"]) @ params["W3"] + params["b3"]
        if min(np.abs(a1).min(), np.abs(a3).min()) > 1e-3:
            return params, X, rng.uniform(size=(N, D))
    raise RuntimeError("no kink-free autoencoder problem found")  # never happens for these sizes


def _autoencoder_student(student, params, X, target):
    loss, grads = expect_tuple(student.autoencoder_loss(params, X, target), ("loss", "grads"),
                               "autoencoder_loss(params, X, target)")
    if not isinstance(grads, dict):
        raise TestFailure(f"the grads of autoencoder_loss should be a dict; it is a {kind_of(grads)}")
    return loss, grads


ENCODER, DECODER = ("W1", "b1", "W2", "b2"), ("W3", "b3", "W4", "b4")


@spec.test("autoencoder")
def autoencoder_loss_value(rng, student):
    """the loss compares the reconstruction with the target (not with the input), N = 1 included"""
    for N in (1, None):
        params, X, target = _autoencoder_problem(rng, N)
        loss, _ = _autoencoder_student(student, params, X, target)
        expect_close(loss, ref.autoencoder_loss(params, X, target)[0], f"the loss (X of shape {X.shape})",
                     rtol=RTOL, allow_scalar=True)


def _autoencoder_gradient_test(rng, student, keys, name, same_target=False, N=None):
    params, X, target = _autoencoder_problem(rng, N)
    if same_target:
        target = X
    _, grads = _autoencoder_student(student, params, X, target)
    _expect_param_gradients(grads, params, keys, lambda p: ref.autoencoder_loss(p, X, target)[0],
                            ref.autoencoder_loss(params, X, target)[1], f"{name}, X of shape {X.shape}")


@spec.test("autoencoder")
def autoencoder_decoder_gradients(rng, student):
    """the gradients of W3, b3, W4, b4 match the reference and the numeric gradient"""
    _autoencoder_gradient_test(rng, student, DECODER, "the decoder")


@spec.test("autoencoder", points=2)
def autoencoder_encoder_gradients(rng, student):
    """the gradients of W1, b1, W2, b2 (through the whole decoder) match the reference and the numeric gradient"""
    _autoencoder_gradient_test(rng, student, ENCODER, "the encoder")


@spec.test("autoencoder")
def autoencoder_reconstructing_its_input(rng, student):
    """every gradient for target = X, on one sample and on a batch"""
    for N in (1, None):
        _autoencoder_gradient_test(rng, student, ENCODER + DECODER, "target = X", same_target=True, N=N)


# ------------------------------------------------------------------------------------------------ denoising


@spec.test("denoising")
def corrupt_adds_the_generators_noise(rng, student):
    """corrupt adds noise_std * rng.standard_normal(X.shape), drawn from the generator it is given"""
    for shape in ((1, int(rng.integers(3, 9))), (int(rng.integers(20, 40)), int(rng.integers(5, 12)))):
        X, noise_std, seed = rng.uniform(size=shape), float(rng.uniform(0.1, 0.6)), int(rng.integers(2**31))
        got = student.corrupt(X, noise_std, FnRef("default_rng", seed=seed))
        want = ref.corrupt(X, noise_std, local_fn(FnRef("default_rng", seed=seed)))
        expect_close(got, want, f"corrupt(X, noise_std, rng) for X of shape {shape} (compared with the noise of the"
                     " same generator)", rtol=RTOL)


def _denoising_case(rng, student, noise_std):
    params, X, _ = _autoencoder_problem(rng)
    seed = int(rng.integers(2**31))
    loss, grads = expect_tuple(student.denoising_loss(params, X, noise_std, FnRef("default_rng", seed=seed)),
                               ("loss", "grads"), "denoising_loss(params, X, noise_std, rng)")
    want_loss, want_grads = ref.denoising_loss(params, X, noise_std, local_fn(FnRef("default_rng", seed=seed)))
    what = f"noise_std = {noise_std:.2g}" if noise_std else "noise_std = 0"
    expect_close(loss, want_loss, f"the loss of denoising_loss ({what})", rtol=RTOL, allow_scalar=True)
    if not isinstance(grads, dict):
        raise TestFailure(f"the grads of denoising_loss should be a dict; it is a {kind_of(grads)}")
    for key in ENCODER + DECODER:
        if key not in grads:
            raise TestFailure(f"grads has no entry {key!r} (denoising_loss, {what})")
        expect_close(grads[key], want_grads[key], f"grads[{key!r}] of denoising_loss ({what})", rtol=RTOL)


@spec.test("denoising")
def denoising_loss_targets_the_clean_input(rng, student):
    """the loss and gradients of reconstructing the clean X from corrupt(X, noise_std, rng)"""
    _denoising_case(rng, student, float(rng.uniform(0.1, 0.6)))


@spec.test("denoising")
def denoising_loss_without_noise(rng, student):
    """with noise_std = 0 the denoising loss is the plain autoencoder's"""
    _denoising_case(rng, student, 0.0)


# ------------------------------------------------------------------------------------------------ size


def _size_cases(rng):
    """(description, n, f, pad, stride): the description names the kind of case, not its numbers."""
    cases = [("a 1x1 kernel on one input", 1, 1, 0, 1),
             ("stride 1, no padding", int(rng.integers(2, 9)), int(rng.integers(1, 6)), 0, 1)]
    for stride in (1, 2, int(rng.integers(3, 5))):
        n, f = int(rng.integers(2, 9)), int(rng.integers(2, 7))
        pad = int(rng.integers(1, min(f - 1, (stride * (n - 1) + f - 1) // 2) + 1))
        cases.append((f"stride {'1' if stride == 1 else 'above 1'}, padding above 0", n, f, pad, stride))
    return cases


@spec.test("size")
def size_of_the_output(rng, student):
    """s (n - 1) + f - 2 p for random n, f, p, s (1x1 kernels, stride 1 and larger strides)"""
    for description, n, f, pad, stride in _size_cases(rng):
        got = student.conv_transpose_output_size(n, f, pad, stride)
        expect_equal(got, ref.conv_transpose_output_size(n, f, pad, stride),
                     f"conv_transpose_output_size(n, f, pad, stride) for a random case with {description}")


@spec.test("size")
def size_rejects_a_crop_that_leaves_nothing(rng, student):
    """a ValueError when the cropping removes every position"""
    n, f = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    stride = int(rng.integers(1, 3))
    pad = (stride * (n - 1) + f + 1) // 2  # crops at least all positions
    try:
        got = student.conv_transpose_output_size(n, f, pad, stride)
    except StudentCodeError as error:
        if str(error).startswith("`conv_transpose_output_size` raised ValueError"):
            return
        raise
    raise TestFailure(f"conv_transpose_output_size(n, f, pad, stride) returned {kind_of(got)} {got!r} for a pad that"
                      " crops every position; it should raise ValueError")


# ------------------------------------------------------------------------------------------------ transposed conv


def _layer(rng, N, C_in, C_out, H, W, HH, WW, stride, pad):
    conv_param = {"stride": stride, "pad": pad}
    return (rng.normal(size=(N, C_in, H, W)), rng.normal(size=(C_in, C_out, HH, WW)), rng.normal(size=C_out),
            conv_param)


def _n(rng, low, high):
    return int(rng.integers(low, high + 1))


def _stride_one_layers(rng):
    """Stride 1, no padding: a 1x1 kernel on one sample, non-square kernels and inputs."""
    return [_layer(rng, 1, _n(rng, 1, 3), _n(rng, 1, 3), 3, 4, 1, 1, 1, 0),
            _layer(rng, _n(rng, 2, 3), _n(rng, 1, 3), _n(rng, 1, 3), _n(rng, 2, 4), _n(rng, 2, 4), 3, 2, 1, 0),
            _layer(rng, 1, 2, 3, 4, 2, 2, 3, 1, 0)]


def _strided_layers(rng):
    """Strides 2 and 3, no padding: a 1x1 kernel inserts zeros; kernels smaller and larger than the stride."""
    return [_layer(rng, 1, _n(rng, 1, 3), _n(rng, 1, 3), _n(rng, 2, 4), _n(rng, 2, 4), 1, 1, 2, 0),
            _layer(rng, _n(rng, 2, 3), _n(rng, 1, 3), _n(rng, 1, 3), _n(rng, 2, 4), _n(rng, 2, 4), 3, 3, 2, 0),
            _layer(rng, 2, 2, 1, 3, 2, 2, 4, 3, 0)]


def _padded_layers(rng):
    """Padding 1 or 2 with strides 1 and 2, non-square kernels."""
    return [_layer(rng, _n(rng, 1, 3), _n(rng, 1, 3), _n(rng, 1, 3), _n(rng, 2, 4), _n(rng, 2, 4), 3, 3, 1, 1),
            _layer(rng, 2, _n(rng, 1, 3), _n(rng, 1, 3), _n(rng, 2, 4), _n(rng, 2, 4), 4, 4, 2, _n(rng, 1, 2)),
            _layer(rng, 1, 2, 2, 3, 2, 3, 2, 2, 1)]


def _expect_forward(student, layers):
    for x, w, b, conv_param in layers:
        out, _ = call_forward(student, "conv_transpose_forward", x, w, b, conv_param)
        expect_close(out, ref.conv_transpose_forward(x, w, b, conv_param)[0],
                     f"out of conv_transpose_forward (x of shape {x.shape}, w of shape {w.shape}, stride"
                     f" {conv_param['stride']}, pad {conv_param['pad']})", rtol=RTOL)


@spec.test("conv_transpose")
def conv_transpose_forward_stride_one(rng, student):
    """forward with stride 1 and no padding (1x1 kernels, N = 1, non-square inputs and kernels)"""
    _expect_forward(student, _stride_one_layers(rng))


@spec.test("conv_transpose")
def conv_transpose_forward_strided(rng, student):
    """forward with strides 2 and 3: the stamps of neighbouring inputs lie a stride apart"""
    _expect_forward(student, _strided_layers(rng))


@spec.test("conv_transpose")
def conv_transpose_forward_padded(rng, student):
    """forward with padding: pad rows and columns are cropped from every border"""
    _expect_forward(student, _padded_layers(rng))


def _backward_test(rng, student, which):
    names = ("dx", "dw", "db")
    layers = [_stride_one_layers(rng)[1], _strided_layers(rng)[0], _padded_layers(rng)[1], _padded_layers(rng)[2]]
    for x, w, b, conv_param in layers:
        out, cache = ref.conv_transpose_forward(x, w, b, conv_param)
        dout = rng.normal(size=out.shape)
        got = call_backward(student, "conv_transpose_backward", dout, cache, names)
        want = ref.conv_transpose_backward(dout, cache)
        numeric = numeric_input_gradients(ref.conv_transpose_forward, (x, w, b, conv_param), dout, (which,))[0]
        what = (f"{names[which]} of conv_transpose_backward (x of shape {x.shape}, w of shape {w.shape}, stride"
                f" {conv_param['stride']}, pad {conv_param['pad']})")
        expect_close(got[which], want[which], what, rtol=RTOL)
        expect_gradient(got[which], numeric, what, GRAD_TOL, ignore_below=NUMERIC_NOISE)


@spec.test("conv_transpose")
def conv_transpose_backward_dx(rng, student):
    """dx matches the reference and the numeric gradient (strides, padding, 1x1 kernels)"""
    _backward_test(rng, student, 0)


@spec.test("conv_transpose")
def conv_transpose_backward_dw(rng, student):
    """dw, of shape (C_in, C_out, HH, WW), matches the reference and the numeric gradient"""
    _backward_test(rng, student, 1)


@spec.test("conv_transpose")
def conv_transpose_backward_db(rng, student):
    """db, of shape (C_out,), matches the reference and the numeric gradient"""
    _backward_test(rng, student, 2)


def _adjoint_layers(rng):
    """(x shape, w of a convolution (F, C, HH, WW), conv_param) whose convolution fits exactly."""
    layers = []
    for HH, WW, stride, pad in ((1, 1, 1, 0), (3, 3, 2, 1), (3, 2, 1, 1), (4, 4, 2, 1), (2, 3, 3, 0)):
        C, F = _n(rng, 1, 3), _n(rng, 1, 3)
        H = HH - 2 * pad + stride * _n(rng, 1, 3)
        W = WW - 2 * pad + stride * _n(rng, 1, 3)
        layers.append(((_n(rng, 1, 2), C, H, W), rng.normal(size=(F, C, HH, WW)), {"stride": stride, "pad": pad}))
    return layers


@spec.test("conv_transpose", points=2)
def conv_transpose_is_the_adjoint_of_convolution(rng, student):
    """<conv(x), y> = <x, conv_transpose(y)> with the same w, for strides and pads where the sizes fit"""
    for x_shape, w, conv_param in _adjoint_layers(rng):
        x = rng.normal(size=x_shape)
        conv_x, _ = cnn.conv_forward_fast(x, w, np.zeros(w.shape[0]), conv_param)
        y = rng.normal(size=conv_x.shape)
        setting = f"w of shape {w.shape}, stride {conv_param['stride']}, pad {conv_param['pad']}"
        out, _ = call_forward(student, "conv_transpose_forward", y, w, np.zeros(w.shape[1]), conv_param)
        out = as_array(out, f"conv_transpose_forward(y, w, 0, conv_param) ({setting})")
        if out.shape != x.shape:
            raise TestFailure(f"conv_transpose_forward(y, w, 0, conv_param) has shape {out.shape}; the convolution's"
                              f" input had shape {x.shape} ({setting})")
        left, right = float(np.sum(conv_x * y)), float(np.sum(x * out))
        if not abs(left - right) <= 1e-9 * (abs(left) + np.sum(np.abs(conv_x * y))):
            raise TestFailure(f"<conv(x), y> and <x, conv_transpose(y)> differ by {abs(left - right):.3g} ({setting});"
                              " they should be equal: the transposed convolution is the adjoint of the convolution")


# ------------------------------------------------------------------------------------------------ conv matrix


def _expect_matrix(student, w, conv_param, input_shape):
    setting = f"w of shape {w.shape}, input shape {input_shape}, stride {conv_param['stride']}, pad {conv_param['pad']}"
    expect_close(student.conv_matrix(w, conv_param, input_shape), ref.conv_matrix(w, conv_param, input_shape),
                 f"conv_matrix ({setting})", rtol=RTOL)


@spec.test("conv_matrix")
def conv_matrix_stride_one(rng, student):
    """the matrix of a stride-1 convolution without padding"""
    for C, F, H, W, HH, WW in ((1, 1, 4, 4, 3, 3), (_n(rng, 2, 3), _n(rng, 1, 3), 3, 5, 2, 3)):
        _expect_matrix(student, rng.normal(size=(F, C, HH, WW)), {"stride": 1, "pad": 0}, (C, H, W))


@spec.test("conv_matrix")
def conv_matrix_strided_and_padded(rng, student):
    """the matrix of convolutions with stride and padding, and of a 1x1 kernel"""
    for C, F, H, W, HH, WW, stride, pad in ((_n(rng, 1, 2), _n(rng, 1, 3), 5, 4, 3, 3, 2, 1), (2, 3, 3, 4, 1, 1, 1, 1),
                                            (1, 2, 6, 5, 2, 2, 2, 0)):
        _expect_matrix(student, rng.normal(size=(F, C, HH, WW)), {"stride": stride, "pad": pad}, (C, H, W))


# ------------------------------------------------------------------------------------------------ upsampling


def _expect_upsampling(student, kind, factor, channels):
    got = expect_tuple(student.upsampling_weights(kind, factor, channels), ("w", "conv_param"),
                       f"upsampling_weights({kind!r}, factor, channels)")
    want_w, want_param = ref.upsampling_weights(kind, factor, channels)
    what = f"upsampling_weights({kind!r}, factor={factor}, channels={channels})"
    expect_close(got[0], want_w, f"w of {what}", rtol=RTOL)
    if not isinstance(got[1], dict):
        raise TestFailure(f"the conv_param of {what} should be a dict; it is a {kind_of(got[1])}")
    for key in ("stride", "pad"):
        if key not in got[1]:
            raise TestFailure(f"the conv_param of {what} has no {key!r}")
        expect_equal(got[1][key], want_param[key], f"conv_param[{key!r}] of {what}")


@spec.test("upsampling")
def upsampling_nearest_and_bed_of_nails(rng, student):
    """nearest-neighbour and bed-of-nails kernels for one channel and factors 2 to 4"""
    for kind in ("nearest", "bed_of_nails"):
        _expect_upsampling(student, kind, _n(rng, 2, 4), 1)


@spec.test("upsampling")
def upsampling_bilinear(rng, student):
    """bilinear kernels for even and odd factors"""
    for factor in (2 * _n(rng, 1, 2), 2 * _n(rng, 1, 2) + 1):
        _expect_upsampling(student, "bilinear", factor, 1)


@spec.test("upsampling")
def upsampling_keeps_channels_apart(rng, student):
    """several channels (factor 2): each is upsampled on its own; an unknown kind raises ValueError"""
    for kind in ("nearest", "bed_of_nails", "bilinear"):
        _expect_upsampling(student, kind, 2, _n(rng, 2, 4))
    kind = str(rng.choice(["bicubic", "lanczos", "area"]))
    try:
        student.upsampling_weights(kind, 2, 1)
    except StudentCodeError as error:
        if str(error).startswith("`upsampling_weights` raised ValueError"):
            return
        raise
    raise TestFailure(f"upsampling_weights({kind!r}, 2, 1) returned a value; an unknown kind should raise ValueError")
