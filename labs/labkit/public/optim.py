"""Public self-checks for Lab 5 (optimizers): small cases whose answers are known in closed form.

Update rules are called as ``update(w, dw, config)`` two or three times in a row, each time with the config the
previous call returned, so a rule that forgets to store its state in ``config`` fails the second step.
"""

import math

import numpy as np

from ..selfcheck import CheckFailure, expect_close, expect_equal, public_check


def _update_pair(got, call):
    """``(next_w, config)`` from an update rule, or a report of what came back instead."""
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[1], dict)):
        shown = f"a tuple of {len(got)} values" if isinstance(got, tuple) else type(got).__name__
        raise CheckFailure(f"  call: {call}\n  expected a pair (next_w, config) with config a dict, got {shown}")
    return got


def _run(update, name, w, grads, config):
    """Call ``update`` once per gradient, passing the returned config on; yield (step, next_w, config, call)."""
    w = np.array(w, dtype=float)
    start = f"w0 = {w.tolist()}, first config = {dict(config) if config is not None else None}"
    for step, dw in enumerate(grads, start=1):
        call = f"{name}: step {step} of {len(grads)} ({start}; this step's dw = {np.asarray(dw).tolist()})"
        w, config = _update_pair(update(w, np.array(dw, dtype=float), config), call)
        yield step, w, config, call


def _expect_state(config, key, expected, call):
    if key not in config:
        raise CheckFailure(f"  call: {call}\n  config has no entry {key!r}: store the state in config")
    expect_close(config[key], expected, f"{call}  [config[{key!r}]]")


# ------------------------------------------------------------------------------------------------ update rules


@public_check("sgd")
def _sgd_steps(sgd):
    """w - learning_rate * dw, with learning_rate = 0.1 and with the default 1e-2 (config=None)"""
    w, dw = np.array([1.0, 2.0]), np.array([0.5, -1.0])
    got, config = _update_pair(sgd(w, dw, {"learning_rate": 0.1}), "sgd(w=[1, 2], dw=[0.5, -1], {'learning_rate': 0.1})")
    expect_close(got, [0.95, 2.1], "sgd(w=[1, 2], dw=[0.5, -1], {'learning_rate': 0.1})")
    got, config = _update_pair(sgd(w, dw, None), "sgd(w=[1, 2], dw=[0.5, -1], None)")
    expect_close(got, [0.995, 2.01], "sgd(w=[1, 2], dw=[0.5, -1], None)")
    expect_equal(config.get("learning_rate"), 1e-2, "sgd(w, dw, None)[1]['learning_rate'] (the default)")


@public_check("sgd_momentum")
def _momentum_steps(sgd_momentum):
    """three steps with dw = 1, learning_rate 0.1, momentum 0.5: v = -0.1, -0.15, -0.175"""
    config = {"learning_rate": 0.1, "momentum": 0.5}
    expected_w, expected_v = [0.9, 0.75, 0.575], [-0.1, -0.15, -0.175]
    for step, w, cfg, call in _run(sgd_momentum, "sgd_momentum", [1.0], [[1.0]] * 3, config):
        expect_close(w, [expected_w[step - 1]], call)
        _expect_state(cfg, "velocity", [expected_v[step - 1]], call)
    _, cfg = _update_pair(sgd_momentum(np.zeros(2), np.ones(2)), "sgd_momentum(w, dw)")
    expect_equal((cfg.get("learning_rate"), cfg.get("momentum")), (1e-2, 0.9), "the defaults (learning_rate, momentum)")


@public_check("nesterov")
def _nesterov_steps(nesterov):
    """two steps on the look-ahead variable: w1 = w0 + (1 + mu) v1, w2 = w1 - mu v1 + (1 + mu) v2"""
    config = {"learning_rate": 0.1, "momentum": 0.5}
    # v1 = -0.1 * 2 = -0.2, w1 = 1 + 1.5 * (-0.2) = 0.7; v2 = 0.5 * (-0.2) - 0.1 * 1 = -0.2,
    # w2 = 0.7 + 0.1 - 0.3 = 0.5
    expected = [(0.7, -0.2), (0.5, -0.2)]
    for step, w, cfg, call in _run(nesterov, "nesterov", [1.0], [[2.0], [1.0]], config):
        expect_close(w, [expected[step - 1][0]], call)
        _expect_state(cfg, "velocity", [expected[step - 1][1]], call)


@public_check("adagrad")
def _adagrad_steps(adagrad):
    """cache = 9, 16 after dw = (3, 4); with epsilon = 1 the steps are lr * 3 / 4 and lr * 4 / 5; then 25 and 32"""
    config = {"learning_rate": 0.2, "epsilon": 1.0}
    expected = [([1.0 - 0.2 * 3 / 4, 1.0 - 0.2 * 4 / 5], [9.0, 16.0]),
                ([1.0 - 0.2 * 3 / 4 - 0.2 * 4 / 6, 1.0 - 0.2 * 4 / 5 - 0.2 * 4 / (math.sqrt(32) + 1)], [25.0, 32.0])]
    for step, w, cfg, call in _run(adagrad, "adagrad", [1.0, 1.0], [[3.0, 4.0], [4.0, 4.0]], config):
        expect_close(w, expected[step - 1][0], call)
        _expect_state(cfg, "cache", expected[step - 1][1], call)


@public_check("rmsprop")
def _rmsprop_steps(rmsprop):
    """decay_rate 0.75: cache = 0.25 * 4 = 1 after dw = 2, step lr * 2 / (1 + 1) with epsilon 1; then cache 1.75"""
    config = {"learning_rate": 0.1, "decay_rate": 0.75, "epsilon": 1.0}
    expected = [(0.9, 1.0), (0.9 - 0.1 * 2 / (math.sqrt(1.75) + 1), 1.75)]
    for step, w, cfg, call in _run(rmsprop, "rmsprop", [1.0], [[2.0], [2.0]], config):
        expect_close(w, [expected[step - 1][0]], call)
        _expect_state(cfg, "cache", [expected[step - 1][1]], call)


@public_check("rmsprop_momentum")
def _rmsprop_momentum_steps(rmsprop_momentum):
    """the RMSProp-scaled gradient feeds a velocity: v1 = -0.1, v2 = 0.5 v1 - 0.1 * 2 / (sqrt(1.75) + 1)"""
    config = {"learning_rate": 0.1, "decay_rate": 0.75, "epsilon": 1.0, "momentum": 0.5}
    v2 = 0.5 * -0.1 - 0.1 * 2 / (math.sqrt(1.75) + 1)
    expected = [(0.9, -0.1, 1.0), (0.9 + v2, v2, 1.75)]
    for step, w, cfg, call in _run(rmsprop_momentum, "rmsprop_momentum", [1.0], [[2.0], [2.0]], config):
        expect_close(w, [expected[step - 1][0]], call)
        _expect_state(cfg, "velocity", [expected[step - 1][1]], call)
        _expect_state(cfg, "cache", [expected[step - 1][2]], call)


@public_check("adam")
def _adam_first_steps(adam):
    """bias-corrected first step = -lr * sign(dw) (epsilon 0); t counts steps; no correction; epsilon; AMSGrad; decay"""
    base = {"learning_rate": 0.1, "beta1": 0.5, "beta2": 0.36, "epsilon": 0.0}
    for step, w, cfg, call in _run(adam, "adam", [1.0, 1.0], [[4.0, -0.01]], dict(base)):
        expect_close(w, [0.9, 1.1], call + "  (with bias correction the first step is lr in every coordinate)")
        expect_equal(cfg.get("t"), 1, call + "  [config['t'] after the first step]")
        _expect_state(cfg, "m", [2.0, -0.005], call)
        _expect_state(cfg, "v", [10.24, 0.64e-4], call)
    # without bias correction: m = 0.5 dw, v = 0.64 dw^2, step = lr * 0.5 / 0.8; then m = 0.75 dw, v = 0.8704 dw^2
    config = {**base, "bias_correction": False}
    expected = [1.0 - 0.1 * 0.5 / 0.8, 1.0 - 0.1 * 0.5 / 0.8 - 0.1 * 1.5 / math.sqrt(3.4816)]
    for step, w, cfg, call in _run(adam, "adam (bias_correction=False)", [1.0], [[2.0], [2.0]], config):
        expect_close(w, [expected[step - 1]], call)
    # epsilon = 1 stands outside the root: m_hat = 2, v_hat = 4, step = lr * 2 / (2 + 1)
    for step, w, cfg, call in _run(adam, "adam (epsilon=1.0)", [1.0], [[2.0]], {**base, "epsilon": 1.0}):
        expect_close(w, [1.0 - 0.1 * 2.0 / 3.0], call + "  (m_hat / (sqrt(v_hat) + epsilon))")
    # AMSGrad: a large gradient, then a small one; v_max keeps the larger raw second moment v
    config = {**base, "amsgrad": True}
    v_max = [10.24, 10.24]  # v1 = 0.64 * 16, v2 = 0.36 * 10.24 + 0.64 * 0.01 = 3.6928 < 10.24
    for step, w, cfg, call in _run(adam, "adam (amsgrad=True)", [1.0], [[4.0], [0.1]], config):
        _expect_state(cfg, "v_max", [v_max[step - 1]], call + "  (the maximum of the raw v, not of v_hat)")
        if step == 2:
            m_hat = (0.5 * 2.0 + 0.05) / 0.75
            expect_close(w, [0.9 - 0.1 * m_hat / math.sqrt(10.24 / (1 - 0.36 ** 2))], call)
    # weight decay adds weight_decay * w to the gradient before the moments
    for step, w, cfg, call in _run(adam, "adam (weight_decay=2)", [1.0], [[-1.0]], {**base, "weight_decay": 2.0}):
        _expect_state(cfg, "m", [0.5 * (-1.0 + 2.0)], call)


# ------------------------------------------------------------------------------------------------ conventions


def _pair_of_paths(got, call, length):
    if not (isinstance(got, tuple) and len(got) == 2):
        raise CheckFailure(f"  call: {call}\n  expected a pair of paths, got {type(got).__name__}")
    for path in got:
        expect_equal(np.shape(path), (length, 1), f"the shape of each path of {call}")
    return got


@public_check("momentum_paths")
def _momentum_conventions(momentum_paths):
    """on f(x) = x^2 / 2 from x0 = 1, momentum 0.5: rates (1, 0.5) give slides (1, 0, -0.25), notes (1, 0, -0.5)"""
    call = "momentum_paths(lambda x: x, np.array([1.0]), [1.0, 0.5], 0.5)"
    slides, notes = _pair_of_paths(momentum_paths(lambda x: x, np.array([1.0]), [1.0, 0.5], 0.5), call, 3)
    expect_close(slides, [[1.0], [0.0], [-0.25]], call + "  [slides_path]")
    expect_close(notes, [[1.0], [0.0], [-0.5]], call + "  [notes_path]")
    call = "momentum_paths(lambda x: x, np.array([1.0]), [0.3] * 6, 0.5)"
    slides, notes = _pair_of_paths(momentum_paths(lambda x: x, np.array([1.0]), [0.3] * 6, 0.5), call, 7)
    expect_close(notes, slides, call + "  [with a constant rate the notes' path equals the slides' path]", rtol=1e-12)


@public_check("nesterov_paths")
def _nesterov_forms(nesterov_paths):
    """on f(x) = x^2 / 2 from 1 (lr 0.1, mu 0.5): theta = 1, 0.9, 0.765, ... and the two forms agree"""
    call = "nesterov_paths(lambda x: x, np.array([1.0]), 0.1, 0.5, 5)"
    got = nesterov_paths(lambda x: x, np.array([1.0]), 0.1, 0.5, 5)
    lookahead, update_api = _pair_of_paths(got, call, 6)
    # v1 = -0.1 * 1, theta1 = 0.9; look-ahead 0.9 - 0.05 = 0.85, v2 = -0.05 - 0.085 = -0.135, theta2 = 0.765
    expect_close(lookahead[:3], [[1.0], [0.9], [0.765]], call + "  [lookahead_path, first three points]")
    expect_close(update_api, lookahead, call + "  [update_api_path equals lookahead_path]", rtol=1e-12)


# ------------------------------------------------------------------------------------------------ EWA


@public_check("ewa")
def _ewa_of_ones(ewa):
    """ewa of (1, 1, 1) with beta 0.5: 0.5, 0.75, 0.875 raw and 1, 1, 1 bias-corrected; (T, D) input works"""
    ones = np.ones(3)
    expect_close(ewa(ones, 0.5), [0.5, 0.75, 0.875], "ewa(np.ones(3), 0.5)")
    expect_close(ewa(ones, 0.5, bias_correction=True), [1.0, 1.0, 1.0], "ewa(np.ones(3), 0.5, bias_correction=True)")
    series = np.array([[2.0, 0.0], [0.0, 2.0]])
    expect_close(ewa(series, 0.5), [[1.0, 0.0], [0.5, 1.0]], "ewa(np.array([[2, 0], [0, 2]]), 0.5)")


# ------------------------------------------------------------------------------------------------ mini-batches


@public_check("minibatches")
def _minibatch_epoch(minibatches):
    """N = 10, batch_size 4: batches of 4, 4, 2 that are consecutive slices of rng.permutation(10)"""
    call = "list(minibatches(10, 4, np.random.default_rng(0)))"
    batches = [np.asarray(b) for b in minibatches(10, 4, np.random.default_rng(0))]
    expect_equal([len(b) for b in batches], [4, 4, 2], f"the batch sizes of {call}")
    expect_equal(sorted(np.concatenate(batches).tolist()), list(range(10)), f"the sorted indices of {call}")
    order = np.random.default_rng(0).permutation(10)
    expect_equal(np.concatenate(batches).tolist(), order.tolist(),
                 f"the indices of {call}, in order (they should be np.random.default_rng(0).permutation(10))")
    call = "list(minibatches(5, 1, rng)) and list(minibatches(5, 5, rng))"
    expect_equal([len(b) for b in minibatches(5, 1, np.random.default_rng(1))], [1] * 5, f"the batch sizes of {call}")
    expect_equal([len(b) for b in minibatches(5, 5, np.random.default_rng(1))], [5], f"the batch sizes of {call}")


@public_check("list_minibatches")
def _list_minibatches(list_minibatches):
    """list_minibatches(7, 3, rng) is a list of 3 arrays of sizes 3, 3, 1"""
    got = list_minibatches(7, 3, np.random.default_rng(2))
    expect_equal([len(b) for b in got], [3, 3, 1], "the batch sizes of list_minibatches(7, 3, rng)")


# ------------------------------------------------------------------------------------------------ schedules


@public_check("step_decay_lr")
def _step_decay(step_decay_lr):
    """lr0 = 1: 1 for epochs 0-9, 0.5 for 10-19, 0.25 at 25; drop 0.1 every 3 epochs: 0.01 at epoch 6"""
    for args, expected in (((0, 1.0), 1.0), ((9, 1.0), 1.0), ((10, 1.0), 0.5), ((25, 1.0), 0.25)):
        expect_close(step_decay_lr(*args), expected, f"step_decay_lr{args}")
    expect_close(step_decay_lr(6, 1.0, drop=0.1, every=3), 0.01, "step_decay_lr(6, 1.0, drop=0.1, every=3)")


@public_check("cosine_lr")
def _cosine(cosine_lr):
    """from lr_max at step 0 through the middle value at step T/2 to lr_min at step T"""
    for args, expected in (((0, 100, 0.1), 0.1), ((50, 100, 0.1), 0.05), ((100, 100, 0.1), 0.0),
                           ((25, 100, 1.0, 0.2), 0.2 + 0.8 * (1 + math.cos(math.pi / 4)) / 2)):
        expect_close(cosine_lr(*args), expected, f"cosine_lr{args}")


# ------------------------------------------------------------------------------------------------ clipping, Newton


@public_check("clip_by_global_norm")
def _clipping(clip_by_global_norm):
    """{'a': [3, 0], 'b': [[4]]} has global norm 5: clipped to 1 it is [0.6, 0] and [[0.8]]; to 10 unchanged"""
    grads = {"a": np.array([3.0, 0.0]), "b": np.array([[4.0]])}
    call = "clip_by_global_norm({'a': [3, 0], 'b': [[4]]}, 1.0)"
    got = clip_by_global_norm({k: v.copy() for k, v in grads.items()}, 1.0)
    if not (isinstance(got, tuple) and len(got) == 2 and isinstance(got[0], dict)):
        raise CheckFailure(f"  call: {call}\n  expected a pair (clipped, total_norm) with clipped a dict")
    clipped, norm = got
    expect_close(norm, 5.0, call + "  [total_norm]")
    expect_close(clipped["a"], [0.6, 0.0], call + "  [clipped['a']] (one factor for all arrays: 1 / 5)")
    expect_close(clipped["b"], [[0.8]], call + "  [clipped['b']]")
    clipped, norm = clip_by_global_norm({k: v.copy() for k, v in grads.items()}, 10.0)
    expect_close(clipped["a"], [3.0, 0.0], "clip_by_global_norm(same grads, 10.0)  [clipped['a'], unchanged]")


@public_check("newton_step")
def _newton(newton_step):
    """f = x^2 + 2 y^2 at (1, 1): g = (2, 4), H = diag(2, 4); one Newton step lands on the minimum (0, 0)"""
    got = newton_step(np.array([1.0, 1.0]), np.array([2.0, 4.0]), np.diag([2.0, 4.0]))
    expect_close(got, [0.0, 0.0], "newton_step(theta=[1, 1], grad=[2, 4], hessian=diag(2, 4))")
    got = newton_step(np.array([0.0, 0.0]), np.array([1.0, 1.0]), np.array([[2.0, 1.0], [1.0, 2.0]]))
    expect_close(got, [-1 / 3, -1 / 3], "newton_step(theta=[0, 0], grad=[1, 1], hessian=[[2, 1], [1, 2]])")


@public_check("hessian_memory_bytes")
def _hessian_memory(hessian_memory_bytes):
    """3 parameters: 9 entries of 4 bytes = 36, or 6 entries (one triangle) of 8 bytes = 48, as exact ints"""
    got = hessian_memory_bytes(3)
    if not isinstance(got, (int, np.integer)) or isinstance(got, bool):
        raise CheckFailure(f"  call: hessian_memory_bytes(3)\n  expected an int, got {type(got).__name__} {got!r}"
                           " (floats round large byte counts)")
    expect_equal(got, 36, "hessian_memory_bytes(3)")
    expect_equal(hessian_memory_bytes(3, bytes_per_entry=8, symmetric=True), 48,
                 "hessian_memory_bytes(3, bytes_per_entry=8, symmetric=True)")
