"""Bob's Lab 7: his test for "correlation equals convolution" checks that the kernel equals its transpose (not its
180-degree rotation), his naive convolution's dw keeps only the last sample's contribution, and his max-pooling
gradient goes to every entry of a window instead of its maximum (which his fast pooling inherits when the windows
do not tile)."""

CHANGES = {
    "correlation_equals_convolution": '''def correlation_equals_convolution(kernel):
    kernel = np.asarray(kernel)
    return kernel.shape[0] == kernel.shape[1] and bool(np.allclose(kernel, kernel.T))''',
    "conv_backward_naive": '''def conv_backward_naive(dout, cache):
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
    return dx_pad[:, :, pad:pad + H, pad:pad + W], dw, db''',
    "max_pool_backward_naive": '''def max_pool_backward_naive(dout, cache):
    x, pool_param = cache
    ph, pw, stride = pool_param["pool_height"], pool_param["pool_width"], pool_param["stride"]
    dx = np.zeros_like(x)
    for i in range(dout.shape[2]):
        for j in range(dout.shape[3]):
            dx[:, :, i * stride:i * stride + ph, j * stride:j * stride + pw] += dout[:, :, i, j][:, :, None, None]
    return dx''',
}
