"""Bob's Lab 8: his PCA forgets to centre the data, his principal angles skip the orthonormalisation (right only
for orthonormal bases, so his linear autoencoder's decoder looks miles away from PCA), and his transposed
convolution pads the output instead of cropping it (27 of 35 points)."""

CHANGES = {
    "pca_fit": '''def pca_fit(X, k):
    """PCA by the SVD (Bob's version)."""
    _, S, Vt = np.linalg.svd(X, full_matrices=False)
    return X.mean(axis=0), Vt[:k].T, S[:k] ** 2 / (X.shape[0] - 1)''',
    "principal_angles": '''def principal_angles(A, B):
    cosines = np.linalg.svd(A.T @ B, compute_uv=False)
    return np.sort(np.degrees(np.arccos(np.clip(cosines, 0.0, 1.0))))''',
    "conv_transpose_forward": '''def conv_transpose_forward(x, w, b, conv_param):
    stride, pad = conv_param["stride"], conv_param["pad"]
    N, C_in, H, W = x.shape
    _, C_out, HH, WW = w.shape
    out = np.zeros((N, C_out, stride * (H - 1) + HH, stride * (W - 1) + WW))
    for a in range(HH):
        for c in range(WW):
            out[:, :, a:a + stride * (H - 1) + 1:stride, c:c + stride * (W - 1) + 1:stride] += np.einsum(
                "nchw,cf->nfhw", x, w[:, :, a, c])
    out = np.pad(out, ((0, 0), (0, 0), (pad, pad), (pad, pad)))
    return out + b[None, :, None, None], (x, w, b, conv_param)''',
}
