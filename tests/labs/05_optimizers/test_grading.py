"""Lab 5 graded end to end: the solution scores full marks, the stub zero, realistic mistakes lose exactly the
points of the properties they break (including what they break downstream: ``nesterov_paths`` runs the student's
``nesterov``)."""

import copy

import numpy as np
import pytest
from lab_contract import LabContract
from lab_tables import mistakes_of

import solutions.optim as ref
from helpers import (
    assert_feedback_reveals_no_hidden_values,
    failed_tests,
    grade_notebook,
    replace_function,
    solution_notebook,
)
from labkit import CheckFailure, check

LAB = "05_optimizers"
FULL = {"sgd": 2, "momentum": 3, "momentum_conventions": 3, "nesterov": 2, "nesterov_forms": 2, "adagrad": 3,
        "ewa": 2, "rmsprop": 5, "adam": 7, "newton": 3, "minibatches": 3, "schedules": 2, "clipping": 2}


class TestGradingContract(LabContract):
    LAB, FULL, REFERENCE = LAB, FULL, ref


MISTAKES = mistakes_of(LAB).MISTAKES


def test_feedback_names_the_step_and_the_quantity(tmp_path):
    nb = replace_function(solution_notebook(LAB), "sgd_momentum", MISTAKES["velocity_not_stored_in_config"][1])
    failed = failed_tests(grade_notebook(nb, LAB, tmp_path))
    assert sorted(failed) == ["momentum: sgd_momentum over 12 steps: parameters and config['velocity'] (the notes'"
                              " convention) after every step",
                              "momentum: sgd_momentum with config=None: learning_rate 1e-2, momentum 0.9, the"
                              " velocity kept between calls"]
    message = failed[sorted(failed)[0]]
    assert message.startswith("next_w after step 2 of 12 (w of shape (1,)) is wrong") or "config has no entry" in message

    nb = replace_function(solution_notebook(LAB), "adam", MISTAKES["adam_t_incremented_after_use"][1])
    failed = failed_tests(grade_notebook(nb, LAB, tmp_path))
    first = failed[next(iter(failed))]
    assert "after step 1 of 1" in first and ("nan" in first or "inf" in first)


GRADED_REFERENCE_FUNCTIONS = ["sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "rmsprop_momentum", "adam",
                              "momentum_paths", "nesterov_paths", "ewa", "list_minibatches", "step_decay_lr",
                              "cosine_lr", "clip_by_global_norm", "newton_step", "hessian_memory_bytes"]

# one wrong answer per kind of message: an update rule's step, its state, a pair of paths, batches, a dict
FEEDBACK_CASES = ["adam_epsilon_inside_the_root", "velocity_not_stored_in_config", "one_momentum_path_returned_twice",
                  "minibatches_not_shuffled", "clipping_per_tensor", "ewa_bias_correction_from_t_0"]


@pytest.mark.parametrize("case", FEEDBACK_CASES)
def test_failure_messages_reveal_no_hidden_input_or_reference_value(case, tmp_path, monkeypatch):
    """No failure message contains a number sent to the student's code or computed by the reference."""
    assert_feedback_reveals_no_hidden_values(LAB, ref, GRADED_REFERENCE_FUNCTIONS, MISTAKES[case], tmp_path,
                                             monkeypatch)


# ------------------------------------------------------------------------------------------ public self-checks

PUBLIC_CHECKED = ["sgd", "sgd_momentum", "nesterov", "adagrad", "rmsprop", "rmsprop_momentum", "adam",
                  "momentum_paths", "nesterov_paths", "ewa", "minibatches", "list_minibatches", "step_decay_lr",
                  "cosine_lr", "clip_by_global_norm", "newton_step", "hessian_memory_bytes"]


@pytest.mark.parametrize("name", PUBLIC_CHECKED)
def test_public_checks_pass_the_reference(name, capsys):
    check(name, getattr(ref, name))
    assert f"{name}: all" in capsys.readouterr().out


def _compiled(case):
    """The wrong answer's function, defined with numpy in scope (and the reference's nesterov for Nesterov's paths)."""
    name, source, _ = MISTAKES[case]
    namespace = {"np": np, "nesterov": ref.nesterov}
    exec(compile(__import__("textwrap").dedent(source), f"<{case}>", "exec"), namespace)
    return name, namespace[name]


PUBLIC_CATCHES = {
    "momentum_sign": "expected 0.9, got 1.1",
    "velocity_not_stored_in_config": "config has no entry 'velocity'",
    "nesterov_as_plain_momentum": "step 1 of 2",
    "one_momentum_path_returned_twice": "[notes_path]",
    "nesterov_forms_forget_the_change_of_variables": "[update_api_path equals lookahead_path]",
    "adagrad_cache_not_squared": "step 1 of 2",
    "adagrad_epsilon_inside_the_root": "step 1 of 2",
    "rmsprop_decay_on_the_wrong_term": "step 1 of 2",
    "rmsprop_momentum_with_the_notes_typo": "step 1 of 2",
    "adam_missing_bias_correction": "(with bias correction the first step is lr in every coordinate)",
    "adam_t_incremented_after_use": "non-finite",
    "adam_epsilon_inside_the_root": "(m_hat / (sqrt(v_hat) + epsilon))",
    "amsgrad_max_of_m_instead_of_v": "(the maximum of the raw v, not of v_hat)",
    "amsgrad_max_of_the_corrected_v_hat": "adam (amsgrad=True): step 1 of 2",
    "weight_decay_after_the_moment_update": "config['m']",
    "ewa_bias_correction_from_t_0": "bias_correction=True",
    "minibatches_drop_the_last_partial_batch": "the batch sizes",
    "minibatches_not_shuffled": "permutation(10)",
    "minibatches_shuffle_with_np_random": "permutation(10)",
    "cosine_schedule_off_by_one_step": "cosine_lr(0, 100, 0.1)",
    "step_decay_without_the_floor": "step_decay_lr(9, 1.0)",
    "clipping_per_tensor": "one factor for all arrays",
    "newton_step_with_plus": "newton_step(theta=[1, 1]",
    "hessian_memory_as_a_float": "expected an int, got float",
}


@pytest.mark.parametrize("case", sorted(PUBLIC_CATCHES))
def test_public_checks_catch_the_wrong_answers(case):
    """Every wrong answer above already fails its public self-check, with a message that points at the problem."""
    name, fn = _compiled(case)
    with np.errstate(all="ignore"), pytest.raises(CheckFailure) as failure:
        check(name, fn)
    assert PUBLIC_CATCHES[case] in str(failure.value), str(failure.value)


def test_public_check_of_a_stub_says_it_is_not_implemented():
    def adam(w, dw, config=None):
        raise NotImplementedError()

    with pytest.raises(CheckFailure, match="not implemented yet"):
        check("adam", adam)


# ------------------------------------------------------------------------------------------ the spec's tolerances

# Right answers written another way: the same formulas in another order, as students write them.
REWRITES = """
def sgd(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    return w + (-config["learning_rate"]) * dw, config


def sgd_momentum(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    v = -config["learning_rate"] * dw + config["momentum"] * config.get("velocity", 0 * w)
    config["velocity"] = v
    return w + v, config


def nesterov(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("momentum", 0.9)
    mu, v_old = config["momentum"], config.get("velocity", 0 * w)
    v = mu * v_old - config["learning_rate"] * dw
    config["velocity"] = v
    return w + v + mu * (v - v_old), config


def adagrad(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("epsilon", 1e-7)
    cache = config.get("cache", 0 * w) + dw ** 2
    config["cache"] = cache
    return w - (config["learning_rate"] / (cache ** 0.5 + config["epsilon"])) * dw, config


def rmsprop(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-7)
    cache = config.get("cache", 0 * w)
    cache = cache + (1 - config["decay_rate"]) * (dw ** 2 - cache)
    config["cache"] = cache
    return w - config["learning_rate"] / (cache ** 0.5 + config["epsilon"]) * dw, config


def rmsprop_momentum(w, dw, config=None):
    config = {} if config is None else config
    config.setdefault("learning_rate", 1e-2)
    config.setdefault("decay_rate", 0.99)
    config.setdefault("epsilon", 1e-7)
    config.setdefault("momentum", 0.9)
    cache = config.get("cache", 0 * w)
    cache = cache + (1 - config["decay_rate"]) * (dw ** 2 - cache)
    v = config["momentum"] * config.get("velocity", 0 * w) - config["learning_rate"] / (np.sqrt(cache)
                                                                                       + config["epsilon"]) * dw
    config["cache"], config["velocity"] = cache, v
    return w + v, config


def adam(w, dw, config=None):  # PyTorch's arrangement: lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
    config = {} if config is None else config
    for key, value in (("learning_rate", 1e-3), ("beta1", 0.9), ("beta2", 0.999), ("epsilon", 1e-8),
                       ("bias_correction", True), ("amsgrad", False), ("weight_decay", 0.0)):
        config.setdefault(key, value)
    b1, b2 = config["beta1"], config["beta2"]
    g = dw + config["weight_decay"] * w
    t = config.get("t", 0) + 1
    m = config.get("m", 0 * w)
    m = m + (1 - b1) * (g - m)
    v = config.get("v", 0 * w)
    v = v + (1 - b2) * (g * g - v)
    if config["amsgrad"]:
        config["v_max"] = np.maximum(v, config.get("v_max", 0 * w))
    second = config["v_max"] if config["amsgrad"] else v
    c1, c2 = (1 - b1 ** t, np.sqrt(1 - b2 ** t)) if config["bias_correction"] else (1.0, 1.0)
    config["m"], config["v"], config["t"] = m, v, t
    return w - config["learning_rate"] / c1 * m / (np.sqrt(second) / c2 + config["epsilon"]), config


def momentum_paths(grad_fn, x0, learning_rates, momentum):
    x, g, slides = np.asarray(x0, dtype=float), 0.0, []
    theta, config, notes = x.copy(), {"momentum": momentum}, [x.copy()]
    slides.append(x)
    for eta in learning_rates:
        g = grad_fn(x) + momentum * g
        x = x - g * eta
        slides.append(x)
        config["learning_rate"] = eta
        theta, config = sgd_momentum(theta, grad_fn(theta), config)
        notes.append(theta)
    return np.stack(slides), np.stack(notes)


def nesterov_paths(grad_fn, theta0, learning_rate, momentum, num_steps):
    theta, v, look = np.asarray(theta0, dtype=float), 0.0, []
    look.append(theta)
    for _ in range(num_steps):
        v = -learning_rate * grad_fn(theta + momentum * v) + momentum * v
        theta = v + theta
        look.append(theta)
    phi, config, api = np.asarray(theta0, dtype=float), {"learning_rate": learning_rate, "momentum": momentum}, []
    api.append(phi)
    for _ in range(num_steps):
        phi, config = nesterov(phi, grad_fn(phi), config)
        api.append(phi - momentum * config["velocity"])
    return np.stack(look), np.stack(api)


def ewa(values, beta, bias_correction=False):  # the closed form (1 - beta) sum_s beta^(t-s) x_s
    values = np.asarray(values, dtype=float)
    t = np.arange(1, len(values) + 1)
    weights = np.tril((1 - beta) * beta ** (t[:, None] - t[None, :]))
    out = np.tensordot(weights, values, axes=1)
    if bias_correction:
        out = out / (1 - beta ** t).reshape((-1,) + (1,) * (values.ndim - 1))
    return out


def minibatches(N, batch_size, rng):
    order = rng.permutation(N)
    yield from (order[i:i + batch_size] for i in range(0, N, batch_size))


def list_minibatches(N, batch_size, rng):
    return [np.asarray(batch) for batch in minibatches(N, batch_size, rng)]


def step_decay_lr(epoch, lr0, drop=0.5, every=10):
    return lr0 * np.power(drop, epoch // every)


def cosine_lr(step, total_steps, lr_max, lr_min=0.0):  # (1 + cos x) / 2 = cos^2(x / 2)
    return lr_min + (lr_max - lr_min) * np.cos(np.pi * step / (2 * total_steps)) ** 2


def clip_by_global_norm(grads, max_norm):
    total = float(np.linalg.norm(np.concatenate([g.ravel() for g in grads.values()])))
    return {k: g * min(1.0, max_norm / total) for k, g in grads.items()}, total


def newton_step(theta, grad, hessian):
    return theta - np.linalg.inv(hessian) @ grad


def hessian_memory_bytes(num_params, bytes_per_entry=4, symmetric=False):
    return (num_params * (num_params + 1) // 2 if symmetric else num_params ** 2) * bytes_per_entry
"""


class LocalStudent:
    """A stand-in for the sandbox: ``student.NAME(...)`` calls ``namespace[NAME]`` on copies of the arguments, with
    test functions resolved as the grader resolves them."""

    def __init__(self, namespace):
        self._namespace = namespace

    def __getattr__(self, name):
        from autograder.grade.spec import FnRef, local_fn

        def resolve(value):
            if isinstance(value, FnRef):
                return local_fn(value)
            if isinstance(value, dict):
                return {k: resolve(v) for k, v in value.items()}
            return copy.deepcopy(value)

        def call(*args, **kwargs):
            return self._namespace[name](*[resolve(a) for a in args], **{k: resolve(v) for k, v in kwargs.items()})

        return call


def _namespace(source=None, base=REWRITES):
    namespace = {"np": np}
    exec(compile(base, "<rewrites>", "exec"), namespace)
    if source is not None:
        exec(compile(__import__("textwrap").dedent(source), "<wrong answer>", "exec"), namespace)
    return namespace


def _failing(namespace, seeds, scale=1.0):
    """{(seed, test)} of the spec's tests that fail for ``namespace``, with every tolerance multiplied by ``scale``
    (DIFFERENT_PATH divided by it)."""
    import importlib

    spec_module = importlib.import_module("autograder.hidden.05_optimizers")
    from autograder.grade.spec import TestFailure

    saved = {k: getattr(spec_module, k) for k in ("RTOL", "ATOL", "DEFAULTS_RTOL", "SAME_PATH_RTOL", "DIFFERENT_PATH")}
    try:
        for key in ("RTOL", "ATOL", "DEFAULTS_RTOL", "SAME_PATH_RTOL"):
            setattr(spec_module, key, saved[key] * scale)
        spec_module.DIFFERENT_PATH = saved["DIFFERENT_PATH"] / scale
        failed = set()
        student = LocalStudent(namespace)
        for seed in seeds:
            for index, test in enumerate(spec_module.spec.tests):
                try:
                    with np.errstate(all="ignore"):
                        test.fn(np.random.default_rng([seed, index]), student)
                except TestFailure:
                    failed.add((seed, test.name))
        return failed
    finally:
        for key, value in saved.items():
            setattr(spec_module, key, value)


def test_rewritten_right_answers_pass_with_tolerances_a_hundred_times_tighter():
    """The measurement behind RTOL, ATOL, DEFAULTS_RTOL and SAME_PATH_RTOL (the spec's docstring: 1,000 seeds)."""
    assert _failing(_namespace(), range(100), scale=1e-2) == set()


@pytest.mark.parametrize("case", sorted(MISTAKES))
def test_wrong_answers_fail_the_same_tests_with_tolerances_a_hundred_times_looser(case):
    """A wrong answer is not near the edge of a tolerance: loosening every one 100-fold changes no verdict."""
    namespace = _namespace(MISTAKES[case][1])
    strict = _failing(namespace, range(5))
    assert strict and _failing(namespace, range(5), scale=1e2) == strict
