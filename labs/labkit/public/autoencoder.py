"""Public self-checks for Lab 8 (autoencoders): small cases whose answers are known in closed form, and numeric
gradient checks.

A backward check hands your ``conv_transpose_backward`` the cache its forward docstring describes,
``(x, w, b, conv_param)``, as the grader does. Principal directions are compared up to their sign.
"""

import math

import numpy as np

from ..gradcheck import eval_numerical_gradient, rel_error
from ..selfcheck import CheckFailure, expect_close, expect_equal, public_check


def _tuple(got, names, call):
    """The returned tuple of ``len(names)`` values, or a report of what came back instead."""
    if not (isinstance(got, tuple) and len(got) == len(names)):
        shown = f"a tuple of {len(got)} values" if isinstance(got, tuple) else type(got).__name__
        raise CheckFailure(f"  call: {call}\n  expected a tuple ({', '.join(names)}), got {shown}")
    return got


def _up_to_sign(columns, expected, call):
    """Compare each column with the expected one after flipping its sign to match."""
    columns, expected = np.asarray(columns, dtype=float), np.asarray(expected, dtype=float)
    expect_equal(columns.shape, expected.shape, call + ".shape")
    signs = np.where(np.sum(columns * expected, axis=0) < 0, -1.0, 1.0)
    expect_close(columns * signs, expected, call + "  [columns, each up to its sign]")


def _gradient_report(call, name, analytic, numeric, tol=1e-6):
    expect_equal(np.shape(analytic), np.shape(numeric), f"{name}.shape ({call})")
    error = rel_error(analytic, numeric)
    if error > tol:
        raise CheckFailure(f"  call: {call}\n  {name} disagrees with the numeric gradient: relative error {error:.2g}")


# ------------------------------------------------------------------------------------------------ PCA

# four points on the axes around (3, -2): the spread is 2 along x and 1 along y
X_PCA = np.array([[1.0, 0.0], [-1.0, 0.0], [0.0, 0.5], [0.0, -0.5]]) + np.array([3.0, -2.0])
PCA_CALL = "pca_fit(X, {k}) for X = [[4, -2], [2, -2], [3, -1.5], [3, -2.5]]"


# four points in 3-D around (1, 2, 3): spread 2 along d1 = (0.6, 0.8, 0) and 1 along d2 = (0, 0, 1); the third
# direction is (0.8, -0.6, 0). V^T is not symmetric here, so its rows and its columns differ.
D1, D2 = np.array([0.6, 0.8, 0.0]), np.array([0.0, 0.0, 1.0])
X_PCA_3D = np.array([2 * D1, -2 * D1, D2, -D2]) + np.array([1.0, 2.0, 3.0])
PCA_CALL_3D = ("pca_fit(X, {k}) for X = (1, 2, 3) + [2 d1, -2 d1, d2, -d2], d1 = (0.6, 0.8, 0), d2 = (0, 0, 1)")


@public_check("pca_fit")
def _pca_axes(pca_fit):
    """points spread along x (variance 2/3) and less along y (1/6); then along (0.6, 0.8, 0) and (0, 0, 1) in 3-D"""
    cases = [(X_PCA, PCA_CALL, 1, [3.0, -2.0], [[1.0], [0.0]], [2 / 3]),
             (X_PCA, PCA_CALL, 2, [3.0, -2.0], [[1.0, 0.0], [0.0, 1.0]], [2 / 3, 1 / 6]),
             (X_PCA_3D, PCA_CALL_3D, 1, [1.0, 2.0, 3.0], D1[:, None], [8 / 3]),
             (X_PCA_3D, PCA_CALL_3D, 2, [1.0, 2.0, 3.0], np.stack([D1, D2], axis=1), [8 / 3, 2 / 3])]
    for X, call_text, k, mean_expected, components, variances in cases:
        call = call_text.format(k=k)
        mean, got_components, got_variances = _tuple(pca_fit(X.copy(), k), ("mean", "components", "variances"), call)
        expect_close(mean, mean_expected, call + "  [mean]")
        _up_to_sign(got_components, components, call + "  [components]")
        expect_close(got_variances, variances, call + "  [variances: S**2 / (N - 1)]")


@public_check("pca_reconstruct")
def _pca_projection(pca_reconstruct):
    """projecting onto the x-axis through (3, -2) keeps x and replaces y by the mean's"""
    call = "pca_reconstruct(X, mean=[3, -2], components=[[1], [0]]) for X = [[4, 1], [0, 0]]"
    got = pca_reconstruct(np.array([[4.0, 1.0], [0.0, 0.0]]), np.array([3.0, -2.0]), np.array([[1.0], [0.0]]))
    expect_close(got, [[4.0, -2.0], [0.0, -2.0]], call)
    call = "pca_reconstruct(X, mean=[0, 0, 0], components=[[0.6, 0], [0.8, 0], [0, 1]]) for X = [[5, 0, 2]]"
    got = pca_reconstruct(np.array([[5.0, 0.0, 2.0]]), np.zeros(3), np.array([[0.6, 0.0], [0.8, 0.0], [0.0, 1.0]]))
    expect_close(got, [[1.8, 2.4, 2.0]], call)


@public_check("principal_angles")
def _angles_in_3d(principal_angles):
    """the xy-plane against lines and planes in 3-D, with bases that are not orthonormal"""
    plane = np.array([[2.0, 1.0], [0.0, 1.0], [0.0, 0.0]])  # spans the xy-plane, not orthonormal
    cases = [
        ("the line through (1, 1, 0)", np.array([[1.0], [1.0], [0.0]]), [0.0]),
        ("the line through (1, 0, 1)", np.array([[1.0], [0.0], [1.0]]), [45.0]),
        ("the z-axis", np.array([[0.0], [0.0], [3.0]]), [90.0]),
        ("the plane spanned by (1, 0, 0) and (0, 1, 1)", np.array([[1.0, 0.0], [0.0, 1.0], [0.0, 1.0]]), [0.0, 45.0]),
    ]
    for name, B, expected in cases:
        call = f"principal_angles(A, B) for A = [[2, 1], [0, 1], [0, 0]] (the xy-plane) and B = {name}"
        # arccos is flat at 1: a cosine that is 1 up to rounding (1e-16) gives an angle of about 1e-6 degrees
        expect_close(principal_angles(plane.copy(), B.copy()), expected, call + "  [degrees, ascending]",
                     atol=1e-5)


# ------------------------------------------------------------------------------------------------ linear AE


@public_check("linear_autoencoder_loss")
def _linear_ae_by_hand(linear_autoencoder_loss):
    """a hand-computed 2-1-2 case, then gradients against numeric ones on a random 5-2-5 problem"""
    params = {"W1": np.array([[1.0], [0.0]]), "b1": np.array([0.0]), "W2": np.array([[1.0, 1.0]]),
              "b2": np.array([0.0, 0.0])}
    call = "linear_autoencoder_loss(params, X) for W1 = [[1], [0]], b1 = [0], W2 = [[1, 1]], b2 = [0, 0], X = [[1, 2]]"
    loss, grads = _tuple(linear_autoencoder_loss(params, np.array([[1.0, 2.0]])), ("loss", "grads"), call)
    # Z = 1, X_hat = (1, 1), error (0, -1): loss 1/2, G = 2 * error / 2 = (0, -1)
    expect_close(loss, 0.5, call + "  [loss]")
    expected = {"W1": [[-1.0], [-2.0]], "b1": [-1.0], "W2": [[0.0, -1.0]], "b2": [0.0, -1.0]}
    expect_equal(sorted(grads), sorted(expected), f"sorted(grads) of {call}")
    for key, value in expected.items():
        expect_close(grads[key], value, f"{call}  [grads[{key!r}]]")

    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(5, 2)), "b1": rng.normal(size=2), "W2": rng.normal(size=(2, 5)),
              "b2": rng.normal(size=5)}
    X = rng.normal(size=(4, 5))
    _, grads = linear_autoencoder_loss(params, X)
    for key in sorted(params):
        numeric = eval_numerical_gradient(lambda v, key=key: linear_autoencoder_loss({**params, key: v}, X)[0],
                                          params[key].copy())
        _gradient_report("linear_autoencoder_loss(params, X), random 5-2-5 problem", f"grads[{key!r}]",
                         grads[key], numeric)


# ------------------------------------------------------------------------------------------------ nonlinear AE


def _zero_weights(D=3, h=2, k=1):
    sizes = [D, h, k, h, D]
    params = {f"W{l}": np.zeros((sizes[l - 1], sizes[l])) for l in range(1, 5)}
    params.update({f"b{l}": np.zeros(sizes[l]) for l in range(1, 5)})
    params["b4"] = np.array([0.0, math.log(3.0), -math.log(3.0)])  # the output is sigmoid(b4) = (1/2, 3/4, 1/4)
    return params


def _random_autoencoder(seed, D=5, h=4, k=2):
    """A random 5-4-2-5-5 problem; for seed 3 every ReLU input is at least 0.29 away from the kink."""
    rng = np.random.default_rng(seed)
    sizes = [D, h, k, h + 1, D]
    params = {}
    for l in range(1, 5):
        params[f"W{l}"] = rng.normal(size=(sizes[l - 1], sizes[l]))
        params[f"b{l}"] = rng.normal(scale=0.5, size=sizes[l])
    return params, rng.uniform(size=(3, D)), rng.uniform(size=(3, D))


@public_check("autoencoder_loss")
def _autoencoder_cases(autoencoder_loss):
    """all weights 0: the output is sigmoid(b4) for every sample; then gradients against numeric ones"""
    params = _zero_weights()
    X = np.array([[0.5, 1.0, 0.0], [1.0, 0.75, 0.25]])
    call = ("autoencoder_loss(params, X, X) with all weights 0, b4 = [0, ln 3, -ln 3],"
            " X = [[0.5, 1, 0], [1, 0.75, 0.25]]")
    loss, grads = _tuple(autoencoder_loss(params, X, X), ("loss", "grads"), call)
    # output (1/2, 3/4, 1/4) in both rows: errors (0, -1/4, 1/4) and (-1/2, 0, 0)
    expect_close(loss, (0.0625 + 0.0625 + 0.25) / 6, call + "  [loss]")
    expect_equal(sorted(grads), sorted(params), f"sorted(grads) of {call}")
    # dL/db4 = sum over samples of 2 * error / 6 * sigmoid'(b4)
    expect_close(grads["b4"], [2 * -0.5 / 6 * 0.25, 2 * -0.25 / 6 * 0.1875, 2 * 0.25 / 6 * 0.1875],
                 call + "  [grads['b4']]")

    params, X, target = _random_autoencoder(3)
    _, grads = autoencoder_loss(params, X, target)
    for key in sorted(params):
        numeric = eval_numerical_gradient(lambda v, key=key: autoencoder_loss({**params, key: v}, X, target)[0],
                                          params[key].copy())
        _gradient_report("autoencoder_loss(params, X, target), random 5-4-2-5-5 network", f"grads[{key!r}]",
                         grads[key], numeric)


@public_check("corrupt")
def _corrupt_statistics(corrupt):
    """no noise changes nothing; noise of std 0.3 has mean 0 and std 0.3; a seed repeats the noise"""
    X = np.linspace(0, 1, 12).reshape(3, 4)
    expect_close(corrupt(X.copy(), 0.0, np.random.default_rng(0)), X, "corrupt(X, 0.0, np.random.default_rng(0))")
    zeros = np.zeros((200, 50))
    call = "corrupt(np.zeros((200, 50)), 0.3, np.random.default_rng(0))"
    noise = np.asarray(corrupt(zeros, 0.3, np.random.default_rng(0)), dtype=float)
    expect_equal(noise.shape, (200, 50), call + ".shape")
    if abs(noise.mean()) > 0.01 or abs(noise.std() / 0.3 - 1) > 0.03:
        raise CheckFailure(f"  call: {call}\n  expected mean about 0 and std about 0.3, got mean {noise.mean():.3g}"
                           f" and std {noise.std():.3g}")
    again = np.asarray(corrupt(zeros, 0.3, np.random.default_rng(0)), dtype=float)
    if not np.array_equal(noise, again):
        raise CheckFailure("  two calls with np.random.default_rng(0) gave different noise: draw it from `rng`")


@public_check("denoising_loss")
def _denoising_target(denoising_loss):
    """with all weights 0 the output ignores the (noisy) input, so the loss shows which target was used"""
    params = _zero_weights()
    X = np.array([[0.5, 1.0, 0.0], [1.0, 0.75, 0.25]])
    for noise_std in (0.0, 0.5):
        call = (f"denoising_loss(params, X, {noise_std}, np.random.default_rng(0)) with all weights 0,"
                " b4 = [0, ln 3, -ln 3], X = [[0.5, 1, 0], [1, 0.75, 0.25]]")
        loss, _ = _tuple(denoising_loss(params, X.copy(), noise_std, np.random.default_rng(0)), ("loss", "grads"),
                         call)
        expect_close(loss, (0.0625 + 0.0625 + 0.25) / 6, call + "  [loss: against the clean X]")


# ------------------------------------------------------------------------------------------------ transposed conv


@public_check("conv_transpose_output_size")
def _sizes(conv_transpose_output_size):
    """s (n - 1) + f - 2 p for a few cases, and ValueError when the crop leaves nothing"""
    for (n, f, pad, stride), size in (((3, 3, 0, 1), 5), ((4, 4, 1, 2), 8), ((2, 1, 0, 3), 4), ((5, 3, 1, 2), 9),
                                      ((1, 1, 0, 1), 1), ((7, 2, 0, 2), 14)):
        call = f"conv_transpose_output_size({n}, {f}, pad={pad}, stride={stride})"
        got = conv_transpose_output_size(n, f, pad=pad, stride=stride)
        if not isinstance(got, int):
            raise CheckFailure(f"  call: {call}\n  expected a Python int, got {type(got).__name__}")
        expect_equal(got, size, call)
    try:
        conv_transpose_output_size(2, 2, pad=2, stride=1)
    except ValueError:
        pass
    else:
        raise CheckFailure("  call: conv_transpose_output_size(2, 2, pad=2, stride=1)\n  expected ValueError (the"
                           " crop removes all 3 positions), but it returned")


X_2x2 = np.array([[[[1.0, 2.0], [3.0, 4.0]]]])
ONES_2x2 = np.ones((1, 1, 2, 2))


def _convT_call(x_text, w_text, b, stride, pad):
    return (f"conv_transpose_forward(x, w, b, {{'stride': {stride}, 'pad': {pad}}}) for x = {x_text}, w = {w_text},"
            f" b = {b}")


@public_check("conv_transpose_forward")
def _stamps(conv_transpose_forward):
    """every input pixel stamps a scaled copy of the kernel; stride spreads the stamps, pad crops the border"""
    cases = [
        (X_2x2, ONES_2x2, [0.0], 1, 0, [[[[1.0, 3.0, 2.0], [4.0, 10.0, 6.0], [3.0, 7.0, 4.0]]]],
         "[[1, 2], [3, 4]]", "ones 2x2"),
        (X_2x2, np.ones((1, 1, 1, 1)), [0.5], 2, 0, [[[[1.5, 0.5, 2.5], [0.5, 0.5, 0.5], [3.5, 0.5, 4.5]]]],
         "[[1, 2], [3, 4]]", "[[1]] (1x1)"),
        (X_2x2, ONES_2x2, [0.0], 1, 1, [[[[10.0]]]], "[[1, 2], [3, 4]]", "ones 2x2"),
        (np.array([[[[2.0]]]]), np.array([[[[1.0, 2.0], [3.0, 4.0]]]]), [1.0], 1, 0, [[[[3.0, 5.0], [7.0, 9.0]]]],
         "[[2]]", "[[1, 2], [3, 4]]"),
        (X_2x2, np.ones((1, 1, 2, 1)), [0.0], 2, 0, [[[[1.0, 0.0, 2.0], [1.0, 0.0, 2.0], [3.0, 0.0, 4.0],
                                                     [3.0, 0.0, 4.0]]]], "[[1, 2], [3, 4]]", "ones 2x1 (non-square)"),
    ]
    for x, w, b, stride, pad, expected, x_text, w_text in cases:
        call = _convT_call(x_text, w_text, b, stride, pad)
        out, _ = _tuple(conv_transpose_forward(x.copy(), w.copy(), np.array(b), {"stride": stride, "pad": pad}),
                        ("out", "cache"), call)
        expect_close(out, expected, call)
    # channels: w[c, f] is the kernel from input channel c to output channel f; inputs add up per output
    x = np.array([[[[1.0]], [[10.0]]]])  # (1, 2, 1, 1)
    w = np.arange(1.0, 5.0).reshape(2, 2, 1, 1)  # w[0] = [1, 2], w[1] = [3, 4]
    call = ("conv_transpose_forward(x, w, b=[0, 0], {'stride': 1, 'pad': 0}) for x of shape (1, 2, 1, 1) holding"
            " [1, 10] and w of shape (C_in=2, C_out=2, 1, 1) holding [[1, 2], [3, 4]]")
    out, _ = _tuple(conv_transpose_forward(x, w, np.zeros(2), {"stride": 1, "pad": 0}), ("out", "cache"), call)
    expect_close(out, [[[[31.0]], [[42.0]]]], call)


@public_check("conv_transpose_backward")
def _stamp_gradients(conv_transpose_backward):
    """a hand-computed case, then dx, dw, db against numeric gradients with stride 2 and pad 1"""
    call = ("conv_transpose_backward(dout, cache) with dout = ones (1, 1, 3, 3), cache = (x, w, b, conv_param) for"
            " x = [[1, 2], [3, 4]], w = ones 2x2, b = [0], stride 1, pad 0")
    grads = _tuple(conv_transpose_backward(np.ones((1, 1, 3, 3)), (X_2x2.copy(), ONES_2x2.copy(), np.zeros(1),
                                                                    {"stride": 1, "pad": 0})), ("dx", "dw", "db"), call)
    # each pixel's stamp covers four ones; each tap sees every pixel once; nine outputs
    expect_close(grads[0], 4.0 * np.ones((1, 1, 2, 2)), call + "  [dx]")
    expect_close(grads[1], 10.0 * np.ones((1, 1, 2, 2)), call + "  [dw]")
    expect_close(grads[2], [9.0], call + "  [db]")

    call = ("conv_transpose_backward(dout, cache) with dout = ones (1, 1, 3, 3), cache = (x, w, b, conv_param) for"
            " x = [[1, 2], [3, 4]], w = ones 3x3, b = [0], stride 2, pad 1")
    grads = _tuple(conv_transpose_backward(np.ones((1, 1, 3, 3)), (X_2x2.copy(), np.ones((1, 1, 3, 3)), np.zeros(1),
                                                                    {"stride": 2, "pad": 1})), ("dx", "dw", "db"), call)
    # the 5x5 uncropped output sees dout only in its central 3x3: each stamp covers 2 x 2 of those ones, and tap
    # (a, b) saw the pixels whose stamp put it inside
    expect_close(grads[0], 4.0 * np.ones((1, 1, 2, 2)), call + "  [dx]")
    expect_close(grads[1], [[[[4.0, 7.0, 3.0], [6.0, 10.0, 4.0], [2.0, 3.0, 1.0]]]], call + "  [dw]")
    expect_close(grads[2], [9.0], call + "  [db]")

    x = np.array([[[[1.0]], [[10.0]]]])  # (1, 2, 1, 1)
    w = np.arange(1.0, 7.0).reshape(2, 3, 1, 1)  # (C_in=2, C_out=3): w[0] = [1, 2, 3], w[1] = [4, 5, 6]
    dout = np.array([1.0, 10.0, 100.0]).reshape(1, 3, 1, 1)
    call = ("conv_transpose_backward(dout, cache) with dout = [1, 10, 100] of shape (1, 3, 1, 1), cache for"
            " x = [1, 10] of shape (1, 2, 1, 1), w of shape (C_in=2, C_out=3, 1, 1) holding [[1, 2, 3], [4, 5, 6]],"
            " stride 1, pad 0")
    grads = _tuple(conv_transpose_backward(dout, (x, w, np.zeros(3), {"stride": 1, "pad": 0})), ("dx", "dw", "db"),
                   call)
    expect_close(grads[0], [[[[321.0]], [[654.0]]]], call + "  [dx]")
    expect_close(grads[1], np.array([[1.0, 10.0, 100.0], [10.0, 100.0, 1000.0]]).reshape(2, 3, 1, 1), call + "  [dw]")
    expect_close(grads[2], [1.0, 10.0, 100.0], call + "  [db]")


@public_check("conv_matrix")
def _small_matrices(conv_matrix):
    """a 1x1 identity filter gives the identity; a 1x2 filter on a 1x3 image gives a banded 2x3 matrix"""
    call = "conv_matrix(w = [[[[1]]]], {'stride': 1, 'pad': 0}, (1, 2, 2))"
    expect_close(conv_matrix(np.ones((1, 1, 1, 1)), {"stride": 1, "pad": 0}, (1, 2, 2)), np.eye(4), call)
    call = "conv_matrix(w = [[[[1, 2]]]], {'stride': 1, 'pad': 0}, (1, 1, 3))"
    expect_close(conv_matrix(np.array([[[[1.0, 2.0]]]]), {"stride": 1, "pad": 0}, (1, 1, 3)),
                 [[1.0, 2.0, 0.0], [0.0, 1.0, 2.0]], call)
    call = "conv_matrix(w = [[[[1, 2]]]], {'stride': 2, 'pad': 0}, (1, 1, 5))"
    expect_close(conv_matrix(np.array([[[[1.0, 2.0]]]]), {"stride": 2, "pad": 0}, (1, 1, 5)),
                 [[1.0, 2.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 2.0, 0.0]], call)
    call = "conv_matrix(w = [[[[1, 2]]]], {'stride': 1, 'pad': 1}, (1, 1, 1))"
    # the padded image [[0, 0, 0], [0, a, 0], [0, 0, 0]] has 3 x 2 windows; only the middle row's two see a
    expect_close(conv_matrix(np.array([[[[1.0, 2.0]]]]), {"stride": 1, "pad": 1}, (1, 1, 1)),
                 [[0.0], [0.0], [2.0], [1.0], [0.0], [0.0]], call)


@public_check("upsampling_weights")
def _upsampling_kernels(upsampling_weights):
    """the three kernels for factor 2 on one channel, and no mixing between channels"""
    taps = np.array([0.25, 0.75, 0.75, 0.25])
    nails = np.zeros((2, 2))
    nails[0, 0] = 1.0
    for kind, kernel, pad in (("nearest", np.ones((2, 2)), 0), ("bed_of_nails", nails, 0),
                              ("bilinear", np.outer(taps, taps), 1)):
        call = f"upsampling_weights({kind!r}, 2, 1)"
        w, conv_param = _tuple(upsampling_weights(kind, 2, 1), ("w", "conv_param"), call)
        expect_close(w, kernel[None, None], call + "  [w]")
        expect_equal(conv_param, {"stride": 2, "pad": pad}, call + "  [conv_param]")
    call = "upsampling_weights('nearest', 3, 2)"
    w, _ = _tuple(upsampling_weights("nearest", 3, 2), ("w", "conv_param"), call)
    expected = np.zeros((2, 2, 3, 3))
    expected[0, 0] = expected[1, 1] = 1.0
    expect_close(w, expected, call + "  [w: channel c only feeds channel c]")
