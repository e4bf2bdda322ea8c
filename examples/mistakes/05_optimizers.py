"""Bob's Lab 5: his momentum forgets to store the velocity in config (every step starts from rest), his Adam
puts epsilon inside the square root, and his mini-batch iterator drops the last, shorter batch (34 of 39 points)."""

CHANGES = {
    "sgd_momentum": '''def sgd_momentum(w, dw, config=None):
    """SGD with momentum (Bob's version)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = config.get("velocity", np.zeros_like(w))
    v = config["momentum"] * v - config["learning_rate"] * dw
    next_w = w + v
    return next_w, config''',
    "adam": '''def adam(w, dw, config=None):
    """Adam (Bob's version)."""
    if config is None:
        config = {}
    config.setdefault("learning_rate", 1e-3)
    config.setdefault("beta1", 0.9)
    config.setdefault("beta2", 0.999)
    config.setdefault("epsilon", 1e-8)
    config.setdefault("bias_correction", True)
    config.setdefault("amsgrad", False)
    config.setdefault("weight_decay", 0.0)
    m = config.get("m", np.zeros_like(w))
    v = config.get("v", np.zeros_like(w))
    t = int(config.get("t", 0))
    g = dw + config["weight_decay"] * w
    t += 1
    m = config["beta1"] * m + (1 - config["beta1"]) * g
    v = config["beta2"] * v + (1 - config["beta2"]) * g * g
    if config["amsgrad"]:
        config["v_max"] = np.maximum(config.get("v_max", np.zeros_like(w)), v)
        v_used = config["v_max"]
    else:
        v_used = v
    if config["bias_correction"]:
        m_hat, v_hat = m / (1 - config["beta1"] ** t), v_used / (1 - config["beta2"] ** t)
    else:
        m_hat, v_hat = m, v_used
    next_w = w - config["learning_rate"] * m_hat / np.sqrt(v_hat + config["epsilon"])
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config''',
    "minibatches": '''def minibatches(N, batch_size, rng):
    """Mini-batches of one epoch (Bob's version)."""
    order = rng.permutation(N)
    for i in range(N // batch_size):
        yield order[i * batch_size:(i + 1) * batch_size]''',
}
