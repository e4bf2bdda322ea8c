"""Lab 8's realistic mistakes, the one table: ``MISTAKES`` maps a name to (the function replaced, its wrong source,
{exercise: expected score} for the exercises it costs points; every other exercise keeps full marks).

``BOB`` names the mistakes of Bob's example notebook (examples/submissions/bob_08_autoencoders.ipynb, written by
examples/make_examples.py). Bob's Lab 8: his PCA forgets to centre the data, his principal angles skip the
orthonormalisation (right only for orthonormal bases, so his linear autoencoder's decoder looks miles away from PCA),
and his transposed convolution pads the output instead of cropping it (27 of 35 points).
"""

# The transposed convolution in its "gather" form: zeros inserted between the inputs, padding HH - 1 - pad, and a
# stride-1 correlation with the kernel flipped in both spatial axes (channel axes swapped). FLIP is the flip.
_GATHER_TEMPLATE = '''
def conv_transpose_forward(x, w, b, conv_param):
    stride, pad = conv_param.get("stride", 1), conv_param.get("pad", 0)
    N, C_in, H, W = x.shape
    _, C_out, HH, WW = w.shape
    dilated = np.zeros((N, C_in, stride * (H - 1) + 1, stride * (W - 1) + 1))
    dilated[:, :, ::stride, ::stride] = x
    ph, pw = HH - 1 - pad, WW - 1 - pad
    padded = np.pad(dilated, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    kernel = FLIP
    H_out, W_out = padded.shape[2] - HH + 1, padded.shape[3] - WW + 1
    out = np.zeros((N, C_out, H_out, W_out))
    for a in range(HH):
        for c in range(WW):
            out += np.einsum("nchw,cf->nfhw", padded[:, :, a:a + H_out, c:c + W_out], kernel[:, :, a, c])
    return out + b[None, :, None, None], (x, w, b, conv_param)
'''


def _gather(flip):
    return _GATHER_TEMPLATE.replace("FLIP", flip)


# A naive version: one stamp per input pixel, four nested loops (merely slow, must still score full marks).
_NAIVE_FORWARD = '''
def conv_transpose_forward(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C_in, H, W = x.shape
    _, C_out, HH, WW = w.shape
    full = np.zeros((N, C_out, stride * (H - 1) + HH, stride * (W - 1) + WW))
    for n in range(N):
        for c in range(C_in):
            for i in range(H):
                for j in range(W):
                    full[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW] += x[n, c, i, j] * w[c]
    out = full[:, :, pad:full.shape[2] - pad, pad:full.shape[3] - pad] + b[None, :, None, None]
    return out, (x, w, b, conv_param)
'''

_NAIVE_BACKWARD = '''
def conv_transpose_backward(dout, cache):
    x, w, b, conv_param = cache
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C_in, H, W = x.shape
    _, C_out, HH, WW = w.shape
    dfull = np.pad(dout, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    dx, dw = np.zeros_like(x), np.zeros_like(w)
    for n in range(N):
        for c in range(C_in):
            for i in range(H):
                for j in range(W):
                    patch = dfull[n, :, i * stride:i * stride + HH, j * stride:j * stride + WW]
                    dx[n, c, i, j] = np.sum(patch * w[c])
                    dw[c] += x[n, c, i, j] * patch
    return dx, dw, dout.sum(axis=(0, 2, 3))
'''


def _linear_loss(grads_line, g_line="G = 2.0 * diff / diff.size"):
    return f'''
def linear_autoencoder_loss(params, X):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    Z = X @ W1 + b1
    X_hat = Z @ W2 + b2
    diff = X_hat - X
    loss = float(np.mean(diff ** 2))
    {g_line}
    {grads_line}
    return loss, {{"W1": X.T @ dZ, "b1": dZ.sum(axis=0), "W2": Z.T @ G, "b2": G.sum(axis=0)}}
'''


_AUTOENCODER_TEMPLATE = '''
def autoencoder_loss(params, X, target):
    a1, c1 = affine_forward(X, params["W1"], params["b1"])
    h1, r1 = relu_forward(a1)
    z, c2 = affine_forward(h1, params["W2"], params["b2"])
    a3, c3 = affine_forward(z, params["W3"], params["b3"])
    h3, r3 = relu_forward(a3)
    a4, c4 = affine_forward(h3, params["W4"], params["b4"])
    x_hat, s = sigmoid_forward(a4)
    diff = x_hat - TARGET
    loss = float(np.mean(diff ** 2))
    grads = {}
    da4 = SIGMOID_BACKWARD
    dh3, grads["W4"], grads["b4"] = affine_backward(da4, c4)
    dz, grads["W3"], grads["b3"] = affine_backward(relu_backward(dh3, r3), c3)
    dh1, grads["W2"], grads["b2"] = affine_backward(dz, c2)
    _, grads["W1"], grads["b1"] = affine_backward(relu_backward(dh1, r1), c1)
    return loss, grads
'''


def _autoencoder(target="target", sigmoid_backward="sigmoid_backward(2.0 * diff / diff.size, s)"):
    return _AUTOENCODER_TEMPLATE.replace("TARGET", target).replace("SIGMOID_BACKWARD", sigmoid_backward)


MISTAKES = {
    # ---------------------------------------------------------------------------------------------- PCA
    "pca_without_centring": ("pca_fit", """
        def pca_fit(X, k):
            _, S, Vt = np.linalg.svd(X, full_matrices=False)
            return X.mean(axis=0), Vt[:k].T, S[:k] ** 2 / (X.shape[0] - 1)
        """, {"pca": 1}),  # the mean is right, variances and directions are the mean's; pca_reconstruct is separate
    "pca_components_taken_as_columns_of_vt": ("pca_fit", """
        def pca_fit(X, k):
            mean = X.mean(axis=0)
            _, S, Vt = np.linalg.svd(X - mean, full_matrices=False)
            return mean, Vt[:, :k], S[:k] ** 2 / (X.shape[0] - 1)
        """, {"pca": 2}),  # mean and variances right; the directions are rows of V^T, not columns
    "pca_smallest_eigenvalues_of_the_covariance": ("pca_fit", """
        def pca_fit(X, k):
            mean = X.mean(axis=0)
            values, vectors = np.linalg.eigh(np.cov(X.T))
            return mean, vectors[:, :k], values[:k]
        """, {"pca": 1}),  # eigh sorts ascending: the k smallest variances and directions; only reconstruct is left
    "pca_reconstruct_forgets_the_mean": ("pca_reconstruct", """
        def pca_reconstruct(X, mean, components):
            return (X - mean) @ components @ components.T
        """, {"pca": 3}),
    # ---------------------------------------------------------------------------------------------- angles
    "angles_without_orthonormalising": ("principal_angles", """
        def principal_angles(A, B):
            cosines = np.linalg.svd(A.T @ B, compute_uv=False)
            return np.sort(np.degrees(np.arccos(np.clip(cosines, 0.0, 1.0))))
        """, {"angles": 1}),  # right for orthonormal bases only
    "angles_in_radians": ("principal_angles", """
        def principal_angles(A, B):
            Qa, _ = np.linalg.qr(A)
            Qb, _ = np.linalg.qr(B)
            return np.sort(np.arccos(np.clip(np.linalg.svd(Qa.T @ Qb, compute_uv=False), 0.0, 1.0)))
        """, {"angles": 0}),  # every test has a non-zero angle somewhere
    # ---------------------------------------------------------------------------------------------- linear AE
    "linear_ae_mse_gradient_missing_the_2": ("linear_autoencoder_loss", _linear_loss(
        "dZ = G @ W2.T", "G = diff / diff.size"), {"linear_ae": 3}),  # Adam is blind to a constant factor: it trains
    "linear_ae_mse_gradient_missing_the_mean": ("linear_autoencoder_loss", _linear_loss(
        "dZ = G @ W2.T", "G = 2.0 * diff"), {"linear_ae": 3}),  # the same: N * D times too large, Adam still trains
    "linear_ae_encoder_uses_W2_untransposed": ("linear_autoencoder_loss", _linear_loss(
        "dZ = G @ W2"), {"linear_ae": 0}),  # (N, D) @ (k, D) raises for every k < D: even the loss is never returned
    "linear_ae_encoder_gradient_uses_W1_in_place_of_W2": ("linear_autoencoder_loss", _linear_loss(
        "dZ = G @ W1"), {"linear_ae": 2}),
    # (N, D) @ (D, k): the right shape, the wrong weights. Loss and decoder gradients survive; dW1, db1 are wrong,
    # and unlike a constant factor this derails training too: the decoder ends up far from PCA's subspace
    # ---------------------------------------------------------------------------------------------- nonlinear AE
    "autoencoder_forgets_the_sigmoid_derivative": ("autoencoder_loss", _autoencoder(
        sigmoid_backward="2.0 * diff / diff.size"), {"autoencoder": 1, "denoising": 1}),
    # every gradient is off, the loss is right; downstream, both denoising_loss tests compare gradients too
    "autoencoder_compares_with_the_input_not_the_target": ("autoencoder_loss", _autoencoder(target="X"),
                                                           {"autoencoder": 1, "denoising": 2}),
    # only target = X survives; downstream, denoising_loss then measures against the noisy input (noise_std = 0 ok)
    # ---------------------------------------------------------------------------------------------- denoising
    "denoising_loss_against_the_noisy_input": ("denoising_loss", """
        def denoising_loss(params, X, noise_std, rng):
            X_noisy = corrupt(X, noise_std, rng)
            return autoencoder_loss(params, X_noisy, X_noisy)
        """, {"denoising": 2}),  # right without noise only
    "corrupt_from_the_global_random_state": ("corrupt", """
        def corrupt(X, noise_std, rng):
            return X + noise_std * np.random.standard_normal(X.shape)
        """, {"denoising": 1}),  # statistically fine, but not the given generator's noise: corrupt and the noisy loss
    # ---------------------------------------------------------------------------------------------- size
    "size_with_the_convolutions_formula": ("conv_transpose_output_size", """
        def conv_transpose_output_size(n, f, pad=0, stride=1):
            return (n + 2 * pad - f) // stride + 1
        """, {"size": 0}),  # wrong sizes, and no ValueError either
    "size_adds_the_padding": ("conv_transpose_output_size", """
        def conv_transpose_output_size(n, f, pad=0, stride=1):
            return stride * (n - 1) + f + 2 * pad
        """, {"size": 0}),
    "size_without_the_value_error": ("conv_transpose_output_size", """
        def conv_transpose_output_size(n, f, pad=0, stride=1):
            return stride * (n - 1) + f - 2 * pad
        """, {"size": 1}),
    # ---------------------------------------------------------------------------------------------- conv transpose
    "conv_transpose_kernel_not_flipped": ("conv_transpose_forward", _gather("w"), {"conv_transpose": 3}),
    # every forward test has a non-symmetric kernel, the adjoint test too; the backward tests get the reference cache
    "conv_transpose_kernel_flipped_in_one_axis_only": ("conv_transpose_forward", _gather("w[:, :, ::-1, :]"),
                                                       {"conv_transpose": 3}),
    "conv_transpose_pads_instead_of_cropping": ("conv_transpose_forward", """
        def conv_transpose_forward(x, w, b, conv_param):
            stride, pad = conv_param["stride"], conv_param["pad"]
            N, C_in, H, W = x.shape
            _, C_out, HH, WW = w.shape
            full = np.zeros((N, C_out, stride * (H - 1) + HH, stride * (W - 1) + WW))
            for a in range(HH):
                for c in range(WW):
                    full[:, :, a:a + stride * (H - 1) + 1:stride, c:c + stride * (W - 1) + 1:stride] += np.einsum(
                        "nchw,cf->nfhw", x, w[:, :, a, c])
            out = np.pad(full, ((0, 0), (0, 0), (pad, pad), (pad, pad))) + b[None, :, None, None]
            return out, (x, w, b, conv_param)
        """, {"conv_transpose": 5}),  # stride-1 and strided tests have pad 0; the padded and adjoint tests fail
    "conv_transpose_stride_between_kernel_taps": ("conv_transpose_forward", """
        def conv_transpose_forward(x, w, b, conv_param):
            stride, pad = conv_param["stride"], conv_param["pad"]
            N, C_in, H, W = x.shape
            _, C_out, HH, WW = w.shape
            full = np.zeros((N, C_out, H - 1 + stride * (HH - 1) + 1, W - 1 + stride * (WW - 1) + 1))
            for a in range(HH):
                for c in range(WW):
                    full[:, :, a * stride:a * stride + H, c * stride:c * stride + W] += np.einsum(
                        "nchw,cf->nfhw", x, w[:, :, a, c])
            out = full[:, :, pad:full.shape[2] - pad, pad:full.shape[3] - pad] + b[None, :, None, None]
            return out, (x, w, b, conv_param)
        """, {"conv_transpose": 4}),  # a dilated kernel: right at stride 1 only (the stride-1 test passes)
    "conv_transpose_db_summed_over_the_wrong_axes": ("conv_transpose_backward", """
        def conv_transpose_backward(dout, cache):
            dx, dw, _ = ref_backward(dout, cache)
            return dx, dw, dout.sum(axis=(0, 2))
        """, {"conv_transpose": 7}),
    "conv_transpose_dw_in_the_convolutions_layout": ("conv_transpose_backward", """
        def conv_transpose_backward(dout, cache):
            dx, dw, db = ref_backward(dout, cache)
            return dx, dw.transpose(1, 0, 2, 3), db
        """, {"conv_transpose": 7}),  # (C_out, C_in, HH, WW): wrong whenever C_in != C_out (every dw test has one)
    # ---------------------------------------------------------------------------------------------- conv matrix
    "conv_matrix_ignores_stride_and_padding": ("conv_matrix", """
        def conv_matrix(w, conv_param, input_shape):
            C, H, W = input_shape
            D = C * H * W
            out, _ = conv_forward_fast(np.eye(D).reshape(D, C, H, W), w, np.zeros(w.shape[0]),
                                       {"stride": 1, "pad": 0})
            return out.reshape(D, -1).T
        """, {"conv_matrix": 1}),
    "conv_matrix_reshaped_instead_of_transposed": ("conv_matrix", """
        def conv_matrix(w, conv_param, input_shape):
            C, H, W = input_shape
            D = C * H * W
            out, _ = conv_forward_fast(np.eye(D).reshape(D, C, H, W), w, np.zeros(w.shape[0]), conv_param)
            return out.reshape(-1, D)
        """, {"conv_matrix": 0}),  # the right shape, scrambled entries
    # ---------------------------------------------------------------------------------------------- upsampling
    "upsampling_mixes_the_channels": ("upsampling_weights", """
        def upsampling_weights(kind, factor, channels):
            w, conv_param = ref_upsampling(kind, factor, 1)
            return np.tile(w, (channels, channels, 1, 1)), conv_param
        """, {"upsampling": 2}),
    "upsampling_bilinear_kernel_of_size_2_factor": ("upsampling_weights", """
        def upsampling_weights(kind, factor, channels):
            if kind != "bilinear":
                return ref_upsampling(kind, factor, channels)
            f = 2 * factor
            taps = 1.0 - np.abs(np.arange(f) - (f - 1) / 2.0) / factor
            w = np.zeros((channels, channels, f, f))
            w[np.arange(channels), np.arange(channels)] = np.outer(taps, taps)
            return w, {"stride": factor, "pad": factor // 2}
        """, {"upsampling": 2}),  # right for even factors only: the bilinear test (an even and an odd factor) fails
    # Bob's own words for mistakes above (examples/submissions/bob_*.ipynb is made of them)
    "pca_without_centring_as_bob_wrote_it": ("pca_fit", '''
        def pca_fit(X, k):
            """PCA by the SVD (Bob's version)."""
            _, S, Vt = np.linalg.svd(X, full_matrices=False)
            return X.mean(axis=0), Vt[:k].T, S[:k] ** 2 / (X.shape[0] - 1)
        ''', {'pca': 1}),
    "conv_transpose_pads_instead_of_cropping_as_bob_wrote_it": ("conv_transpose_forward", """
        def conv_transpose_forward(x, w, b, conv_param):
            stride, pad = conv_param["stride"], conv_param["pad"]
            N, C_in, H, W = x.shape
            _, C_out, HH, WW = w.shape
            out = np.zeros((N, C_out, stride * (H - 1) + HH, stride * (W - 1) + WW))
            for a in range(HH):
                for c in range(WW):
                    out[:, :, a:a + stride * (H - 1) + 1:stride, c:c + stride * (W - 1) + 1:stride] += np.einsum(
                        "nchw,cf->nfhw", x, w[:, :, a, c])
            out = np.pad(out, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
            return out + b[None, :, None, None], (x, w, b, conv_param)
        """, {'conv_transpose': 5}),
}

# Helpers some wrong answers call: the reference's own code under another name, so that a case changes one thing.
_HELPERS = {
    "conv_transpose_backward": ("ref_backward", "conv_transpose_backward"),
    "upsampling_weights": ("ref_upsampling", "upsampling_weights"),
}


def make(nb, name, source):
    """Replace ``name`` by ``source``, keeping the reference's version as a helper if the source calls it."""
    import textwrap
    from pathlib import Path

    from lab_tables import replace_function

    import solutions.autoencoder as ref
    from autograder.build import regions

    if name in _HELPERS and _HELPERS[name][0] in source:
        helper, original = _HELPERS[name]
        code = regions.solution_code(regions.function_source(Path(ref.__file__).read_text(), original))
        source = textwrap.dedent(source).strip("\n") + "\n\n\n" + code.replace(f"def {original}(", f"def {helper}(", 1)
    return replace_function(nb, name, source)


BOB = ("pca_without_centring_as_bob_wrote_it",
       "angles_without_orthonormalising",
       "conv_transpose_pads_instead_of_cropping_as_bob_wrote_it")
BOB_SCORE = 27  # of 35
