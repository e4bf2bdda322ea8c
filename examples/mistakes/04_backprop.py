"""Bob's Lab 4: his tanh backward pass treats the cached output as the input, and his He initialisation divides
by the number of outputs."""

CHANGES = {
    "tanh_backward": '''def tanh_backward(dout, cache):
    return dout * (1.0 - np.tanh(cache) ** 2)''',
    "init_weights": '''def init_weights(n_in, n_out, scheme, rng):
    variances = {"zeros": 0.0, "small": 1e-4, "large": 1.0, "xavier_in": 1.0 / n_in, "xavier_out": 1.0 / n_out,
                 "xavier": 2.0 / (n_in + n_out), "he": 2.0 / n_out}
    if scheme not in variances:
        raise ValueError(f"unknown scheme {scheme!r}")
    return rng.normal(0.0, np.sqrt(variances[scheme]), size=(n_in, n_out))''',
}
