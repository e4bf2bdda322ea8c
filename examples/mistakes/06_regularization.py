"""Bob's Lab 6: his L2 penalty has the gradient 2w (the convention without the 1/2), his batch norm puts the
momentum on the new batch statistics instead of the old running averages, and his dropout also drops units in
test mode."""

CHANGES = {
    "l2_penalty": '''def l2_penalty(w):
    return 0.5 * float(np.sum(w ** 2)), 2 * w''',
    "batchnorm_forward": '''def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D))
    running_var = bn_param.get("running_var", np.ones(D))
    if mode == "train":
        mu, var = x.mean(axis=0), x.var(axis=0)
        x_hat = (x - mu) / np.sqrt(var + eps)
        cache = (x, x_hat, mu, var, gamma, beta, eps)
        bn_param["running_mean"] = (1 - momentum) * running_mean + momentum * mu
        bn_param["running_var"] = (1 - momentum) * running_var + momentum * var * N / (N - 1)
    else:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        cache = None
    return gamma * x_hat + beta, cache''',
    "dropout_forward": '''def dropout_forward(x, dropout_param):
    p = dropout_param["p"]
    rng = np.random.default_rng(dropout_param.get("seed"))
    mask = (rng.random(x.shape) < 1 - p) / (1 - p)
    return x * mask, (dropout_param, mask)''',
}
