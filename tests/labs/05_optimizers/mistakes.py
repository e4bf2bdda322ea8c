"""Lab 5's realistic mistakes, the one table: ``MISTAKES`` maps a name to (the function replaced, its wrong source,
{exercise: expected score} for the exercises it costs points; every other exercise keeps full marks).

``BOB`` names the mistakes of Bob's example notebook (examples/submissions/bob_05_optimizers.ipynb, written by
examples/make_examples.py). Bob's Lab 5: his momentum forgets to store the velocity in config (every step starts from
rest), his Adam puts epsilon inside the square root, and his mini-batch iterator drops the last, shorter batch (34 of
39 points).
"""

# Adam with one line changed; ADAM_LINES are the reference's step, in order.
_ADAM_TEMPLATE = '''
def adam(w, dw, config=None):
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
    b1, b2, eps, lr = config["beta1"], config["beta2"], config["epsilon"], config["learning_rate"]
    g = dw + config["weight_decay"] * w
    t = t + 1
    m = b1 * m + (1 - b1) * g
    v = b2 * v + (1 - b2) * g * g
    second = v
    if config["amsgrad"]:
        config["v_max"] = np.maximum(config.get("v_max", np.zeros_like(w)), v)
        second = config["v_max"]
    m_hat, v_hat = (m / (1 - b1 ** t), second / (1 - b2 ** t)) if config["bias_correction"] else (m, second)
    next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)
    config["m"], config["v"], config["t"] = m, v, t
    return next_w, config
'''


def _adam(old, new):
    assert _ADAM_TEMPLATE.count(old) == 1, old
    return _ADAM_TEMPLATE.replace(old, new)


MISTAKES = {
    # The slides' sign inside the notes' convention: v = mu v + lr dw, w += v walks uphill. Every test compares
    # the parameters.
    "momentum_sign": ("sgd_momentum", """
        def sgd_momentum(w, dw, config=None):
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("momentum", 0.9)
            v = config.get("velocity", np.zeros_like(w))
            v = config["momentum"] * v + config["learning_rate"] * dw
            config["velocity"] = v
            return w + v, config
        """, {"momentum": 0}),
    # The velocity is computed but never stored: the first step is right (it starts from zeros anyway), every
    # later step restarts from zero velocity, and config has no 'velocity'.
    "velocity_not_stored_in_config": ("sgd_momentum", """
        def sgd_momentum(w, dw, config=None):
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("momentum", 0.9)
            v = config.get("velocity", np.zeros_like(w))
            v = config["momentum"] * v - config["learning_rate"] * dw
            return w + v, config
        """, {"momentum": 1}),
    # Nesterov's update rule written as plain momentum: both nesterov tests fail, and so does the update-API half
    # of nesterov_paths, which runs this nesterov; the look-ahead loop (written out) is still right.
    "nesterov_as_plain_momentum": ("nesterov", """
        def nesterov(w, dw, config=None):
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("momentum", 0.9)
            v = config.get("velocity", np.zeros_like(w))
            v = config["momentum"] * v - config["learning_rate"] * dw
            config["velocity"] = v
            return w + v, config
        """, {"nesterov": 0, "nesterov_forms": 1}),
    # "They are the same method": the notes' path is the slides' path, returned twice. Right for a constant rate
    # and for the slides' path; wrong as soon as the rate changes.
    "one_momentum_path_returned_twice": ("momentum_paths", """
        def momentum_paths(grad_fn, x0, learning_rates, momentum):
            x = np.array(x0, dtype=np.float64)
            g = np.zeros_like(x)
            path = [x]
            for eta in learning_rates:
                g = momentum * g + grad_fn(x)
                x = x - eta * g
                path.append(x)
            return np.array(path), np.array(path)
        """, {"momentum_conventions": 1}),
    # The update-API path is reported as phi, the look-ahead point, instead of theta = phi - mu v.
    "nesterov_forms_forget_the_change_of_variables": ("nesterov_paths", """
        def nesterov_paths(grad_fn, theta0, learning_rate, momentum, num_steps):
            theta = np.array(theta0, dtype=np.float64)
            v = np.zeros_like(theta)
            lookahead = [theta]
            for _ in range(num_steps):
                v = momentum * v - learning_rate * grad_fn(theta + momentum * v)
                theta = theta + v
                lookahead.append(theta)
            phi, config, update_api = np.array(theta0, dtype=np.float64), {"learning_rate": learning_rate,
                                                                           "momentum": momentum}, [theta0]
            for _ in range(num_steps):
                phi, config = nesterov(phi, grad_fn(phi), config)
                update_api.append(phi)
            return np.array(lookahead), np.array(update_api)
        """, {"nesterov_forms": 1}),
    # Adagrad's cache sums the gradients, not their squares: every step and every cache is wrong.
    "adagrad_cache_not_squared": ("adagrad", """
        def adagrad(w, dw, config=None):
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("epsilon", 1e-7)
            cache = config.get("cache", np.zeros_like(w)) + np.abs(dw)
            config["cache"] = cache
            return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config
        """, {"adagrad": 0}),
    # epsilon inside the root, sqrt(cache + eps): invisible with epsilon 0 and (below DEFAULTS_RTOL) with the
    # default 1e-7 on gradients of size 1; caught by the large-epsilon test only.
    "adagrad_epsilon_inside_the_root": ("adagrad", """
        def adagrad(w, dw, config=None):
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("epsilon", 1e-7)
            cache = config.get("cache", np.zeros_like(w)) + dw * dw
            config["cache"] = cache
            return w - config["learning_rate"] * dw / np.sqrt(cache + config["epsilon"]), config
        """, {"adagrad": 2}),
    # RMSProp's decay applied to the wrong term: (1 - rho) * cache + rho * dw^2. All three rmsprop tests fail;
    # rmsprop_momentum (its own function) keeps its 2 points.
    "rmsprop_decay_on_the_wrong_term": ("rmsprop", """
        def rmsprop(w, dw, config=None):
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("decay_rate", 0.99)
            config.setdefault("epsilon", 1e-7)
            rho = config["decay_rate"]
            cache = (1 - rho) * config.get("cache", np.zeros_like(w)) + rho * dw * dw
            config["cache"] = cache
            return w - config["learning_rate"] * dw / (np.sqrt(cache) + config["epsilon"]), config
        """, {"rmsprop": 2}),
    # The notes' typo taken literally: sqrt(a) + v in the denominator. Both rmsprop_momentum tests fail.
    "rmsprop_momentum_with_the_notes_typo": ("rmsprop_momentum", """
        def rmsprop_momentum(w, dw, config=None):
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("decay_rate", 0.99)
            config.setdefault("epsilon", 1e-7)
            config.setdefault("momentum", 0.9)
            rho = config["decay_rate"]
            cache = rho * config.get("cache", np.zeros_like(w)) + (1 - rho) * dw * dw
            v = config.get("velocity", np.zeros_like(w))
            v = config["momentum"] * v - config["learning_rate"] * dw / (np.sqrt(cache) + v)
            config["cache"], config["velocity"] = cache, v
            return w + v, config
        """, {"rmsprop": 3}),
    # No bias correction at all: only the bias_correction=False test passes.
    "adam_missing_bias_correction": ("adam", _adam(
        'm_hat, v_hat = (m / (1 - b1 ** t), second / (1 - b2 ** t)) if config["bias_correction"] else (m, second)',
        "m_hat, v_hat = m, second"), {"adam": 1}),
    # t incremented after its use: the first bias correction divides by 1 - beta**0 = 0 (inf and nan). Only the
    # run without bias correction survives (t is stored right).
    "adam_t_incremented_after_use": ("adam", _adam("    t = t + 1\n", "").replace(
        "    config[\"m\"], config[\"v\"], config[\"t\"] = m, v, t", "    config[\"m\"], config[\"v\"], config[\"t\"] = m, v, t + 1"),
        {"adam": 1}),
    # epsilon inside the root: the tests run with epsilon 0 or (defaults) on large gradients, where it makes no
    # visible difference; the large-epsilon test catches it.
    "adam_epsilon_inside_the_root": ("adam", _adam("(np.sqrt(v_hat) + eps)", "np.sqrt(v_hat + eps)"), {"adam": 6}),
    # AMSGrad keeps the maximum of the first moment instead of the second (and divides by it): the AMSGrad test.
    "amsgrad_max_of_m_instead_of_v": ("adam", _adam(
        'config["v_max"] = np.maximum(config.get("v_max", np.zeros_like(w)), v)\n        second = config["v_max"]',
        'config["v_max"] = np.maximum(config.get("v_max", np.zeros_like(w)), m)\n        second = config["v_max"]'),
        {"adam": 6}),
    # AMSGrad as the notes' older pseudocode: the maximum of the bias-corrected v_hat. The same single test.
    "amsgrad_max_of_the_corrected_v_hat": ("adam", _adam(
        '''    second = v
    if config["amsgrad"]:
        config["v_max"] = np.maximum(config.get("v_max", np.zeros_like(w)), v)
        second = config["v_max"]
    m_hat, v_hat = (m / (1 - b1 ** t), second / (1 - b2 ** t)) if config["bias_correction"] else (m, second)''',
        '''    m_hat, v_hat = (m / (1 - b1 ** t), v / (1 - b2 ** t)) if config["bias_correction"] else (m, v)
    if config["amsgrad"]:
        config["v_max"] = np.maximum(config.get("v_max", np.zeros_like(w)), v_hat)
        v_hat = config["v_max"]'''), {"adam": 6}),
    # Weight decay added to the step after the moments (decoupled, AdamW-like) instead of to the gradient.
    "weight_decay_after_the_moment_update": ("adam", _adam("g = dw + config[\"weight_decay\"] * w", "g = dw").replace(
        "next_w = w - lr * m_hat / (np.sqrt(v_hat) + eps)",
        "next_w = w - lr * (m_hat / (np.sqrt(v_hat) + eps) + config[\"weight_decay\"] * w)"), {"adam": 6}),
    # The bias correction counts t from 0 (the array index): inf at t = 0. The uncorrected average is right.
    "ewa_bias_correction_from_t_0": ("ewa", """
        def ewa(values, beta, bias_correction=False):
            values = np.asarray(values, dtype=np.float64)
            out = np.empty_like(values)
            v = np.zeros_like(values[0])
            for t in range(len(values)):
                v = beta * v + (1 - beta) * values[t]
                out[t] = v / (1 - beta ** t) if bias_correction else v
            return out
        """, {"ewa": 1}),
    # Drops the last, shorter batch: fewer samples per epoch (the sizes test and the order test fail); the order
    # still comes from rng.
    "minibatches_drop_the_last_partial_batch": ("minibatches", """
        def minibatches(N, batch_size, rng):
            order = rng.permutation(N)
            for start in range(0, N - batch_size + 1, batch_size):
                yield order[start:start + batch_size]
        """, {"minibatches": 1}),
    # Never shuffles: every epoch visits 0, 1, 2, ... Sizes right; order and reproducibility ("other seeds, other
    # orders") fail.
    "minibatches_not_shuffled": ("minibatches", """
        def minibatches(N, batch_size, rng):
            order = np.arange(N)
            for start in range(0, N, batch_size):
                yield order[start:start + batch_size]
        """, {"minibatches": 1}),
    # Shuffles with the global np.random: sizes right, order not rng's, two equal seeds give different epochs.
    "minibatches_shuffle_with_np_random": ("minibatches", """
        def minibatches(N, batch_size, rng):
            order = np.random.permutation(N)
            for start in range(0, N, batch_size):
                yield order[start:start + batch_size]
        """, {"minibatches": 1}),
    # The cosine is one step ahead, cos(pi (step + 1) / S): never lr_max at step 0. Step decay keeps its point.
    "cosine_schedule_off_by_one_step": ("cosine_lr", """
        def cosine_lr(step, total_steps, lr_max, lr_min=0.0):
            return float(lr_min + (lr_max - lr_min) * (1 + np.cos(np.pi * (step + 1) / total_steps)) / 2)
        """, {"schedules": 1}),
    # Step decay without the floor: a smooth exponential decay, lr0 * drop ** (epoch / every).
    "step_decay_without_the_floor": ("step_decay_lr", """
        def step_decay_lr(epoch, lr0, drop=0.5, every=10):
            return float(lr0 * drop ** (epoch / every))
        """, {"schedules": 1}),
    # Every array clipped to max_norm on its own: changes the direction when clipping; harmless when it does not.
    "clipping_per_tensor": ("clip_by_global_norm", """
        def clip_by_global_norm(grads, max_norm):
            total = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
            clipped = {}
            for key, g in grads.items():
                norm = np.linalg.norm(g)
                clipped[key] = g * (max_norm / norm) if norm > max_norm else g.copy()
            return clipped, total
        """, {"clipping": 1}),
    # Newton's step uphill, theta + H^-1 g: both newton_step tests fail; the memory count is separate.
    "newton_step_with_plus": ("newton_step", """
        def newton_step(theta, grad, hessian):
            return theta + np.linalg.solve(hessian, grad)
        """, {"newton": 1}),
    # The Hessian's bytes as a float: right digits for small n, but a float, and rounded for n near 10^9.
    "hessian_memory_as_a_float": ("hessian_memory_bytes", """
        def hessian_memory_bytes(num_params, bytes_per_entry=4, symmetric=False):
            n = float(num_params)
            entries = n * (n + 1) / 2 if symmetric else n * n
            return entries * bytes_per_entry
        """, {"newton": 2}),
    # Bob's own words for mistakes above (examples/submissions/bob_*.ipynb is made of them)
    "velocity_not_stored_in_config_as_bob_wrote_it": ("sgd_momentum", '''
        def sgd_momentum(w, dw, config=None):
            """SGD with momentum (Bob's version)."""
            if config is None:
                config = {}
            config.setdefault("learning_rate", 1e-2)
            config.setdefault("momentum", 0.9)
            v = config.get("velocity", np.zeros_like(w))
            v = config["momentum"] * v - config["learning_rate"] * dw
            next_w = w + v
            return next_w, config
        ''', {'momentum': 1}),
    "adam_epsilon_inside_the_root_as_bob_wrote_it": ("adam", '''
        def adam(w, dw, config=None):
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
            return next_w, config
        ''', {'adam': 6}),
    "minibatches_drop_the_last_partial_batch_as_bob_wrote_it": ("minibatches", '''
        def minibatches(N, batch_size, rng):
            """Mini-batches of one epoch (Bob's version)."""
            order = rng.permutation(N)
            for i in range(N // batch_size):
                yield order[i * batch_size:(i + 1) * batch_size]
        ''', {'minibatches': 1}),
}

BOB = ("velocity_not_stored_in_config_as_bob_wrote_it",
       "adam_epsilon_inside_the_root_as_bob_wrote_it",
       "minibatches_drop_the_last_partial_batch_as_bob_wrote_it")
BOB_SCORE = 34  # of 39
