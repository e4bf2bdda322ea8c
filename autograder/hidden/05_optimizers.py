"""Hidden tests of Lab 5 (optimizers). Inputs and hyper-parameters are random; answers come from the reference.

Update rules are run for several steps on random parameter arrays of several shapes (a single parameter, a
vector, a matrix, a 3-D array) with a random gradient per step. Each call receives the ``config`` that the
student's previous call returned, exactly as a training loop passes it on, and after every step the parameters and
the documented state (``velocity``, ``cache``, ``m``, ``v``, ``t``, ``v_max``) are compared with the reference's run
from the same start. Failure messages name the step, the quantity and the size of the error, never the inputs.

Tolerances. Nothing here is a numeric derivative: a right answer computes the reference's formulas, possibly in
another order. ``tests/labs/05_optimizers/test_grading.py`` keeps such rewrites of every graded function
(``lr / d * dw`` for ``lr * dw / d``, ``cache + (1 - rho) * (dw**2 - cache)``, Adam in PyTorch's arrangement, the
EWA as a weighted sum, ``np.linalg.inv`` for ``solve``, ``cos**2`` for ``(1 + cos) / 2``, ...) and runs every test of
this spec on them locally. Over 1,000 seeds they pass with all tolerances 100 times tighter; at 1,000 times
tighter (``RTOL`` = 1e-12) 3 of the 39,000 runs fail (RMSProp's and Nesterov's multi-step runs): rounding
differences reach about 1e-12 relative. The same file's 24 wrong answers fail exactly the same tests with all
tolerances 100 times looser (over 20 seeds), so there are at least four orders of magnitude between a rewrite
and a mistake.

* ``RTOL = 1e-9`` relative, ``ATOL = 1e-12`` for entries near 0: parameters, state, paths, schedules.
* ``DEFAULTS_RTOL = 1e-4`` for the steps ``next_w - w`` of the ``config=None`` runs, on gradients of size 1 to 2:
  where the default epsilon stands (inside or outside the root) changes a step there by at most 5e-6 and is the
  epsilon tests' business; a wrong default rate or momentum, or a missing bias correction, changes a step by a
  percent or more, and the defaults themselves are compared too.
* Tests that are not about epsilon run with ``epsilon = 0`` (the gradients are never exactly 0), so that its
  placement cannot tip them; the epsilon tests use epsilons of 0.05 to 0.5 and gradients of size about 0.3, where
  putting epsilon inside the root changes a step by a percent or more.
* ``SAME_PATH_RTOL = 1e-9``: paths that must be equal to each other agree in the reference (1,000 seeds) to
  7e-16 of the path's scale (the two momentum conventions at a constant rate) and to 4e-12 relative per entry (the
  two Nesterov forms; entries near 0 fall under ``ATOL``). Paths that must differ (a rate that drops to a quarter
  halfway) must differ by more than ``DIFFERENT_PATH = 1e-6`` times the path's scale; the reference's differ by
  at least 1.05e-3 of it (1,000 seeds).
* Counts and sizes (``t``, batch lengths, bytes) are compared exactly; ``hessian_memory_bytes`` must be an int.
"""

import numpy as np

import solutions.optim as ref
from autograder.grade.spec import (
    FnRef,
    Spec,
    TestFailure,
    as_array,
    expect_close,
    expect_labels,
    expect_tuple,
    kind_of,
    local_fn,
    shapes,
)

RTOL = 1e-9
ATOL = 1e-12
DEFAULTS_RTOL = 1e-4
SAME_PATH_RTOL = 1e-9
DIFFERENT_PATH = 1e-6
# Parameter shapes: one number, a vector, a matrix, a 3-D array (see inputs.shapes).
PARAMETER_SHAPES = [(1,), ((2, 7),), ((2, 5), (2, 5)), (2, (2, 4), (2, 4))]

spec = Spec("05_optimizers", {
    "sgd": "SGD",
    "momentum": "SGD with momentum",
    "momentum_conventions": "the two momentum conventions",
    "nesterov": "Nesterov momentum (update rule)",
    "nesterov_forms": "Nesterov: look-ahead form vs update rule",
    "adagrad": "Adagrad",
    "ewa": "exponentially weighted averages",
    "rmsprop": "RMSProp and RMSProp + momentum",
    "adam": "Adam",
    "newton": "Newton's method and the Hessian's memory",
    "minibatches": "the mini-batch iterator",
    "schedules": "learning-rate schedules",
    "clipping": "gradient clipping by the global norm",
})


# ------------------------------------------------------------------------------------------------ helpers


def _uniform(rng, low, high):
    return float(np.round(rng.uniform(low, high), 6))


def _expect_count(got, expected, what):
    """An integer state such as Adam's ``t``: any integer type, exactly ``expected``."""
    value = got[()] if isinstance(got, np.ndarray) and got.ndim == 0 else got
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
        raise TestFailure(f"{what} is a {kind_of(got)}; it should be an int counting the steps")
    if int(value) != expected:
        raise TestFailure(f"{what} is {int(value)}; it should count the steps taken so far")


def _call_rule(student, name, w, dw, config, where):
    got = expect_tuple(getattr(student, name)(w, dw, config), ("next_w", "config"), f"{name}(w, dw, config)")
    next_w, new_config = got
    if not isinstance(new_config, dict):
        raise TestFailure(f"the config returned by {name} {where} is a {kind_of(new_config)}; return the dict")
    return next_w, new_config


def _run_rule(student, name, w, grads, config, state=(), counts=(), check_state_from=1, label="", rtol=None,
              compare_steps=False):
    """Run the student's rule ``name`` and the reference's side by side over ``grads``; compare every step.

    ``state``: config keys (arrays) compared after each step from step ``check_state_from`` on; ``counts``:
    integer config keys compared exactly. The student's returned config is passed to its next call. With
    ``compare_steps`` the steps ``next_w - w`` are compared (relative to the step, not to the parameters).
    """
    rule, rtol = getattr(ref, name), RTOL if rtol is None else rtol
    ref_w, ref_config = np.array(w, dtype=np.float64), None if config is None else dict(config)
    got_w, got_config = w, config
    for step, dw in enumerate(grads, start=1):
        where = f"after step {step} of {len(grads)}{label}"
        previous, ref_previous = got_w, ref_w
        got_w, got_config = _call_rule(student, name, got_w, dw, got_config, where)
        ref_w, ref_config = rule(ref_w, dw, ref_config)
        if compare_steps:
            got_step = as_array(got_w, f"next_w {where}") - previous
            expect_close(got_step, ref_w - ref_previous, f"the step next_w - w {where}", rtol=rtol, atol=ATOL)
        else:
            expect_close(got_w, ref_w, f"next_w {where}", rtol=rtol, atol=ATOL)
        if step < check_state_from:
            continue
        for key in state:
            if key not in got_config:
                raise TestFailure(f"config has no entry {key!r} {where}: store the new state in config")
            expect_close(got_config[key], ref_config[key], f"config[{key!r}] {where}", rtol=rtol, atol=ATOL)
        for key in counts:
            if key not in got_config:
                raise TestFailure(f"config has no entry {key!r} {where}: store the step count in config")
            _expect_count(got_config[key], ref_config[key], f"config[{key!r}] {where}")
        got_w = as_array(got_w, f"next_w {where}")
    return got_w, got_config


def _gradients(rng, shape, steps, scale=1.0):
    return [rng.normal(scale=scale, size=shape) for _ in range(steps)]


def _multi_step(rng, student, name, config_maker, state, counts=(), steps=12, scale=1.0, check_state_from=1):
    """``steps`` steps of ``name`` on every shape of ``_shapes``, each with its own random hyper-parameters."""
    for shape in shapes(rng, PARAMETER_SHAPES):
        w = rng.normal(size=shape)
        _run_rule(student, name, w, _gradients(rng, shape, steps, scale), config_maker(rng), state, counts,
                  check_state_from, f" (w of shape {shape})")


def _defaults(rng, student, name, defaults, state=(), counts=(), steps=3):
    """With ``config=None`` the rule fills in ``defaults``, keeps its state, and steps like the reference.

    The gradients have entries of size 1 to 2 and the steps (``next_w - w``, relative to themselves) are compared
    to ``DEFAULTS_RTOL``: where the default
    epsilon stands (inside or outside the root) changes a step by at most 5e-6 here, which is the epsilon tests'
    business; a wrong default rate or momentum changes it by a percent or more, and the defaults themselves are
    compared exactly.
    """
    shape = (int(rng.integers(2, 5)), int(rng.integers(1, 4)))
    w = rng.normal(size=shape)
    grads = [rng.choice([-1.0, 1.0], size=shape) * rng.uniform(1.0, 2.0, size=shape) for _ in range(steps)]
    _, config = _run_rule(student, name, w, grads, None, state, counts, label=" (config=None at step 1)",
                          rtol=DEFAULTS_RTOL, compare_steps=True)
    for key, value in defaults.items():
        if key not in config:
            raise TestFailure(f"the config returned by {name}(w, dw, None) has no entry {key!r}: fill in the"
                              " defaults")
        expect_close(config[key], value, f"the default config[{key!r}] of {name}", allow_scalar=True)


# ------------------------------------------------------------------------------------------------ SGD


@spec.test("sgd")
def sgd_one_step(rng, student):
    """sgd: one step w - learning_rate * dw for random rates, on four shapes"""
    for shape in shapes(rng, PARAMETER_SHAPES):
        _run_rule(student, "sgd", rng.normal(size=shape), _gradients(rng, shape, 2),
                  {"learning_rate": _uniform(rng, 0.01, 1.0)}, label=f" (w of shape {shape})")


@spec.test("sgd")
def sgd_default_rate(rng, student):
    """sgd with config=None uses learning_rate 1e-2 and returns it in config"""
    _defaults(rng, student, "sgd", {"learning_rate": 1e-2})


# ------------------------------------------------------------------------------------------------ momentum


def _momentum_config(rng):
    return {"learning_rate": _uniform(rng, 0.01, 0.5), "momentum": _uniform(rng, 0.5, 0.95)}


@spec.test("momentum")
def momentum_first_step(rng, student):
    """sgd_momentum: the first step from zero velocity, v = -learning_rate * dw"""
    for shape in shapes(rng, PARAMETER_SHAPES):
        _run_rule(student, "sgd_momentum", rng.normal(size=shape), _gradients(rng, shape, 1), _momentum_config(rng),
                  label=f" (w of shape {shape})")


@spec.test("momentum")
def momentum_many_steps(rng, student):
    """sgd_momentum over 12 steps: parameters and config['velocity'] (the notes' convention) after every step"""
    _multi_step(rng, student, "sgd_momentum", _momentum_config, ("velocity",))


@spec.test("momentum")
def momentum_defaults(rng, student):
    """sgd_momentum with config=None: learning_rate 1e-2, momentum 0.9, the velocity kept between calls"""
    _defaults(rng, student, "sgd_momentum", {"learning_rate": 1e-2, "momentum": 0.9}, ("velocity",))


# ------------------------------------------------------------------------------------------------ conventions


def _quadratic_gradient(rng, dim):
    """The gradient of a random convex quadratic (condition number up to 10) as a test function."""
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    scale = q @ np.diag(rng.uniform(0.5, 5.0, size=dim)) @ q.T
    return FnRef("linear_gradient", scale=scale, center=rng.normal(size=dim))


def _rosenbrock_gradient(rng):
    return FnRef("rosenbrock_gradient", a=_uniform(rng, 0.5, 1.5), b=_uniform(rng, 2.0, 8.0))


def _changing_rates(rng, steps, high):
    """Rates that change at every step: a random decay with random jitter."""
    return np.round(high * np.geomspace(1.0, rng.uniform(0.05, 0.3), steps) * rng.uniform(0.7, 1.3, size=steps), 6)


def _paths(student, fn_name, args, names):
    got = expect_tuple(getattr(student, fn_name)(*args), names, f"{fn_name}(...)")
    return [as_array(path, f"{name} of {fn_name}") for path, name in zip(got, names)]


def _momentum_problem(rng):
    dim, steps = int(rng.integers(1, 5)), int(rng.integers(8, 15))
    return _quadratic_gradient(rng, dim), rng.normal(size=dim), steps


@spec.test("momentum_conventions")
def slides_path_with_changing_rates(rng, student):
    """momentum_paths: the slides' path (g = beta g + grad, x -= eta_t g) with a rate that changes every step"""
    grad, x0, steps = _momentum_problem(rng)
    rates, beta = _changing_rates(rng, steps, 0.15), _uniform(rng, 0.5, 0.95)
    slides, _ = _paths(student, "momentum_paths", (grad, x0, rates, beta), ("slides_path", "notes_path"))
    want, _ = ref.momentum_paths(local_fn(grad), x0, rates, beta)
    expect_close(slides, want, f"slides_path ({steps} steps, changing rates)", rtol=RTOL, atol=ATOL)


@spec.test("momentum_conventions")
def notes_path_with_changing_rates(rng, student):
    """momentum_paths: the notes' path (v = alpha v - eps_t grad, theta += v) with a rate that changes every step"""
    grad, x0, steps = _momentum_problem(rng)
    rates, alpha = _changing_rates(rng, steps, 0.15), _uniform(rng, 0.5, 0.95)
    _, notes = _paths(student, "momentum_paths", (grad, x0, rates, alpha), ("slides_path", "notes_path"))
    _, want = ref.momentum_paths(local_fn(grad), x0, rates, alpha)
    expect_close(notes, want, f"notes_path ({steps} steps, changing rates)", rtol=RTOL, atol=ATOL)


@spec.test("momentum_conventions")
def same_path_only_for_a_constant_rate(rng, student):
    """on a Rosenbrock valley: equal paths for a constant rate, different ones once the rate drops"""
    grad, x0, steps, beta = _rosenbrock_gradient(rng), rng.uniform(-1.0, 1.0, size=2), 12, _uniform(rng, 0.5, 0.9)
    eta = _uniform(rng, 0.005, 0.02)
    slides, notes = _paths(student, "momentum_paths", (grad, x0, np.full(steps, eta), beta),
                           ("slides_path", "notes_path"))
    want, _ = ref.momentum_paths(local_fn(grad), x0, np.full(steps, eta), beta)
    expect_close(slides, want, "slides_path with a constant rate", rtol=RTOL, atol=ATOL)
    expect_close(notes, slides, "notes_path compared with slides_path at a constant rate", rtol=SAME_PATH_RTOL,
                 atol=ATOL)
    dropped = np.where(np.arange(steps) < steps // 2, eta, eta / 4)
    slides, notes = _paths(student, "momentum_paths", (grad, x0, dropped, beta), ("slides_path", "notes_path"))
    scale = float(np.max(np.abs(slides))) if slides.size else 0.0
    if slides.shape == notes.shape and not np.max(np.abs(slides - notes), initial=0.0) > DIFFERENT_PATH * scale:
        raise TestFailure("with a rate that drops after half the steps, notes_path equals slides_path; the two"
                          " conventions should part once the rate changes")
    want_slides, want_notes = ref.momentum_paths(local_fn(grad), x0, dropped, beta)
    expect_close(slides, want_slides, "slides_path when the rate drops", rtol=RTOL, atol=ATOL)
    expect_close(notes, want_notes, "notes_path when the rate drops", rtol=RTOL, atol=ATOL)


# ------------------------------------------------------------------------------------------------ Nesterov


@spec.test("nesterov")
def nesterov_many_steps(rng, student):
    """nesterov over 12 steps: the look-ahead parameters and config['velocity'] after every step"""
    _multi_step(rng, student, "nesterov", _momentum_config, ("velocity",))


@spec.test("nesterov")
def nesterov_defaults(rng, student):
    """nesterov with config=None: learning_rate 1e-2, momentum 0.9, the velocity kept between calls"""
    _defaults(rng, student, "nesterov", {"learning_rate": 1e-2, "momentum": 0.9}, ("velocity",))


def _nesterov_problems(rng):
    dim = int(rng.integers(1, 5))
    yield "a random quadratic", _quadratic_gradient(rng, dim), rng.normal(size=dim), _uniform(rng, 0.02, 0.15)
    yield "a Rosenbrock valley", _rosenbrock_gradient(rng), rng.uniform(-1.0, 1.0, size=2), _uniform(rng, 0.005, 0.02)


@spec.test("nesterov_forms")
def nesterov_lookahead_path(rng, student):
    """nesterov_paths: the notes' look-ahead path (gradient at theta + alpha v), on a quadratic and on Rosenbrock"""
    for problem, grad, theta0, eta in _nesterov_problems(rng):
        mu, steps = _uniform(rng, 0.5, 0.95), int(rng.integers(8, 14))
        lookahead, _ = _paths(student, "nesterov_paths", (grad, theta0, eta, mu, steps),
                              ("lookahead_path", "update_api_path"))
        want, _ = ref.nesterov_paths(local_fn(grad), theta0, eta, mu, steps)
        expect_close(lookahead, want, f"lookahead_path on {problem}", rtol=RTOL, atol=ATOL)


@spec.test("nesterov_forms")
def nesterov_update_api_path(rng, student):
    """nesterov_paths: theta recovered from the update rule equals the look-ahead path"""
    for problem, grad, theta0, eta in _nesterov_problems(rng):
        mu, steps = _uniform(rng, 0.5, 0.95), int(rng.integers(8, 14))
        lookahead, update_api = _paths(student, "nesterov_paths", (grad, theta0, eta, mu, steps),
                                       ("lookahead_path", "update_api_path"))
        _, want = ref.nesterov_paths(local_fn(grad), theta0, eta, mu, steps)
        expect_close(update_api, want, f"update_api_path on {problem}", rtol=RTOL, atol=ATOL)
        expect_close(update_api, lookahead, f"update_api_path compared with lookahead_path on {problem}",
                     rtol=SAME_PATH_RTOL, atol=ATOL)


# ------------------------------------------------------------------------------------------------ Adagrad


@spec.test("adagrad")
def adagrad_many_steps(rng, student):
    """adagrad over 12 steps: parameters and config['cache'] (the sum of squared gradients) after every step"""
    _multi_step(rng, student, "adagrad", lambda r: {"learning_rate": _uniform(r, 0.05, 1.0), "epsilon": 0.0},
                ("cache",))


@spec.test("adagrad")
def adagrad_epsilon_outside_the_root(rng, student):
    """adagrad with epsilon between 0.05 and 0.5 and small gradients: dw / (sqrt(cache) + epsilon)"""
    _multi_step(rng, student, "adagrad", lambda r: {"learning_rate": _uniform(r, 0.05, 1.0),
                                                    "epsilon": _uniform(r, 0.05, 0.5)}, ("cache",), steps=6,
                scale=0.3)


@spec.test("adagrad")
def adagrad_defaults(rng, student):
    """adagrad with config=None: learning_rate 1e-2, epsilon 1e-7, the cache kept between calls"""
    _defaults(rng, student, "adagrad", {"learning_rate": 1e-2, "epsilon": 1e-7}, ("cache",))


# ------------------------------------------------------------------------------------------------ EWA


def _series(rng):
    """A series of shape (T,) and one of shape (T, D), with an offset so that the bias towards 0 shows."""
    steps = int(rng.integers(5, 30))
    yield (steps,), rng.normal(loc=rng.uniform(-5, 5), size=steps)
    shape = (int(rng.integers(2, 20)), int(rng.integers(2, 5)))
    yield shape, rng.normal(loc=rng.uniform(-5, 5), size=shape)


@spec.test("ewa")
def ewa_without_correction(rng, student):
    """ewa(values, beta): v_t = beta v_{t-1} + (1 - beta) x_t from v_0 = 0, for (T,) and (T, D) series"""
    for shape, values in _series(rng):
        beta = _uniform(rng, 0.5, 0.99)
        expect_close(student.ewa(values, beta), ref.ewa(values, beta), f"ewa of a series of shape {shape}",
                     rtol=RTOL, atol=ATOL)


@spec.test("ewa")
def ewa_with_bias_correction(rng, student):
    """ewa(values, beta, bias_correction=True): v_t / (1 - beta**t), for (T,) and (T, D) series"""
    for shape, values in _series(rng):
        beta = _uniform(rng, 0.5, 0.99)
        expect_close(student.ewa(values, beta, bias_correction=True), ref.ewa(values, beta, bias_correction=True),
                     f"the bias-corrected ewa of a series of shape {shape}", rtol=RTOL, atol=ATOL)


# ------------------------------------------------------------------------------------------------ RMSProp


def _rmsprop_config(rng, eps=None):
    return {"learning_rate": _uniform(rng, 0.005, 0.2), "decay_rate": _uniform(rng, 0.8, 0.999),
            "epsilon": 0.0 if eps is None else _uniform(rng, *eps)}


@spec.test("rmsprop")
def rmsprop_many_steps(rng, student):
    """rmsprop over 12 steps with random decay rates: parameters and config['cache'] after every step"""
    _multi_step(rng, student, "rmsprop", _rmsprop_config, ("cache",))


@spec.test("rmsprop")
def rmsprop_epsilon_outside_the_root(rng, student):
    """rmsprop with epsilon between 0.05 and 0.5 and small gradients: dw / (sqrt(cache) + epsilon)"""
    _multi_step(rng, student, "rmsprop", lambda r: _rmsprop_config(r, (0.05, 0.5)), ("cache",), steps=6, scale=0.3)


@spec.test("rmsprop")
def rmsprop_defaults(rng, student):
    """rmsprop with config=None: learning_rate 1e-2, decay_rate 0.99, epsilon 1e-7, the cache kept"""
    _defaults(rng, student, "rmsprop", {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-7}, ("cache",))


@spec.test("rmsprop")
def rmsprop_momentum_many_steps(rng, student):
    """rmsprop_momentum over 12 steps, then with a large epsilon: parameters, cache and velocity every step"""
    _multi_step(rng, student, "rmsprop_momentum",
                lambda r: {**_rmsprop_config(r), "momentum": _uniform(r, 0.5, 0.95)}, ("cache", "velocity"))
    _multi_step(rng, student, "rmsprop_momentum",
                lambda r: {**_rmsprop_config(r, (0.05, 0.5)), "momentum": _uniform(r, 0.5, 0.95)},
                ("cache", "velocity"), steps=5, scale=0.3)


@spec.test("rmsprop")
def rmsprop_momentum_defaults(rng, student):
    """rmsprop_momentum with config=None: the RMSProp defaults and momentum 0.9, cache and velocity kept"""
    _defaults(rng, student, "rmsprop_momentum",
              {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-7, "momentum": 0.9}, ("cache", "velocity"))


# ------------------------------------------------------------------------------------------------ Adam


def _adam_config(rng, **extra):
    return {"learning_rate": _uniform(rng, 0.001, 0.2), "beta1": _uniform(rng, 0.5, 0.95),
            "beta2": _uniform(rng, 0.9, 0.9999), "epsilon": 0.0, **extra}


ADAM_STATE = ("m", "v")


@spec.test("adam")
def adam_first_step(rng, student):
    """adam: the first step (t = 1), bias-corrected: m, v, t and the parameters"""
    for shape in shapes(rng, PARAMETER_SHAPES):
        _run_rule(student, "adam", rng.normal(size=shape), _gradients(rng, shape, 1), _adam_config(rng), ADAM_STATE,
                  ("t",), label=f" (w of shape {shape})")


@spec.test("adam")
def adam_many_steps(rng, student):
    """adam over 12 steps with random betas: parameters, m, v and t after every step"""
    _multi_step(rng, student, "adam", _adam_config, ADAM_STATE, ("t",))


@spec.test("adam")
def adam_epsilon_outside_the_root(rng, student):
    """adam with epsilon between 0.05 and 0.5 and small gradients: m_hat / (sqrt(v_hat) + epsilon)"""
    _multi_step(rng, student, "adam", lambda r: _adam_config(r, epsilon=_uniform(r, 0.05, 0.5)), ADAM_STATE, ("t",),
                steps=6, scale=0.3)


@spec.test("adam")
def adam_without_bias_correction(rng, student):
    """adam with bias_correction=False (the notes' first version): m / (sqrt(v) + epsilon), t still counted"""
    _multi_step(rng, student, "adam", lambda r: _adam_config(r, bias_correction=False), ADAM_STATE, ("t",), steps=8)


@spec.test("adam")
def adam_amsgrad(rng, student):
    """adam with amsgrad=True on shrinking gradients: config['v_max'] = max(v_max, v) and the parameters"""
    for shape in shapes(rng, PARAMETER_SHAPES):
        steps = 10
        grads = [g * 2.0 * 0.6 ** step for step, g in enumerate(_gradients(rng, shape, steps))]
        _run_rule(student, "adam", rng.normal(size=shape), grads, _adam_config(rng, amsgrad=True),
                  ADAM_STATE + ("v_max",), ("t",), label=f" (w of shape {shape}, amsgrad=True)")
    shape = (int(rng.integers(2, 6)),)
    _run_rule(student, "adam", rng.normal(size=shape), _gradients(rng, shape, 6),
              _adam_config(rng, amsgrad=True, bias_correction=False), ADAM_STATE + ("v_max",), ("t",),
              label=" (amsgrad=True, bias_correction=False)")


@spec.test("adam")
def adam_weight_decay(rng, student):
    """adam with weight_decay: dw + weight_decay * w enters both moments (PyTorch's L2 form)"""
    for shape in shapes(rng, PARAMETER_SHAPES):
        _run_rule(student, "adam", rng.normal(scale=2.0, size=shape), _gradients(rng, shape, 8, scale=0.5),
                  _adam_config(rng, weight_decay=_uniform(rng, 0.05, 0.5)), ADAM_STATE, ("t",),
                  label=f" (w of shape {shape}, weight decay)")


@spec.test("adam")
def adam_defaults(rng, student):
    """adam with config=None: 1e-3, betas 0.9 and 0.999, epsilon 1e-8, no AMSGrad, no weight decay; state kept"""
    _defaults(rng, student, "adam", {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8,
                                     "weight_decay": 0.0}, ADAM_STATE, ("t",))


# ------------------------------------------------------------------------------------------------ Newton


def _symmetric(rng, dim, definite):
    q, _ = np.linalg.qr(rng.normal(size=(dim, dim)))
    eigenvalues = rng.uniform(0.5, 5.0, size=dim)
    if not definite:
        eigenvalues[: max(1, dim // 2)] *= -1.0
    return q @ np.diag(eigenvalues) @ q.T


@spec.test("newton")
def newton_step_on_quadratics(rng, student):
    """newton_step = theta - H^{-1} g for random positive definite Hessians, D = 1 to 6"""
    for dim in (1, int(rng.integers(2, 4)), int(rng.integers(4, 7))):
        theta, grad, hessian = rng.normal(size=dim), rng.normal(size=dim), _symmetric(rng, dim, True)
        expect_close(student.newton_step(theta, grad, hessian), ref.newton_step(theta, grad, hessian),
                     f"newton_step in {dim} dimension{'s' if dim > 1 else ''}", rtol=RTOL, atol=ATOL)


@spec.test("newton")
def newton_step_at_a_saddle(rng, student):
    """newton_step with an indefinite Hessian (a saddle) and with an ill-conditioned one"""
    dim = int(rng.integers(2, 6))
    theta, grad = rng.normal(size=dim), rng.normal(size=dim)
    hessian = _symmetric(rng, dim, False)
    expect_close(student.newton_step(theta, grad, hessian), ref.newton_step(theta, grad, hessian),
                 "newton_step with an indefinite Hessian", rtol=RTOL, atol=ATOL)
    hessian = np.diag(np.geomspace(1e-3, 1e3, dim)) + 0.0
    expect_close(student.newton_step(theta, grad, hessian), ref.newton_step(theta, grad, hessian),
                 "newton_step with an ill-conditioned diagonal Hessian", rtol=RTOL, atol=ATOL)


@spec.test("newton")
def hessian_memory_exactly(rng, student):
    """hessian_memory_bytes: n^2 or n(n+1)/2 entries of 4 or 8 bytes, exact for n up to 10^9"""
    for n in (int(rng.integers(1, 100)), int(rng.integers(10 ** 5, 10 ** 7)), int(rng.integers(10 ** 8, 10 ** 9))):
        for bytes_per_entry, symmetric in ((4, False), (8, True)):
            got = student.hessian_memory_bytes(n, bytes_per_entry=bytes_per_entry, symmetric=symmetric)
            expected = ref.hessian_memory_bytes(n, bytes_per_entry=bytes_per_entry, symmetric=symmetric)
            what = (f"hessian_memory_bytes(n, bytes_per_entry={bytes_per_entry}, symmetric={symmetric}) for n of"
                    f" {len(str(n))} digits")
            value = got[()] if isinstance(got, np.ndarray) and got.ndim == 0 else got
            if isinstance(value, (bool, np.bool_)) or not isinstance(value, (int, np.integer)):
                raise TestFailure(f"{what} is a {kind_of(got)}; return an exact Python int (floats round large"
                                  " byte counts)")
            if int(value) != expected:
                raise TestFailure(f"{what} is off by {abs(int(value) - expected):.3g} bytes")


# ------------------------------------------------------------------------------------------------ mini-batches


def _epoch(student, n, batch_size, seed):
    got = student.list_minibatches(n, batch_size, FnRef("default_rng", seed=seed))
    call = f"list_minibatches(N, {batch_size}, rng) with N = {n}"
    if not isinstance(got, list):
        raise TestFailure(f"{call} is a {kind_of(got)}; expected a list of index arrays")
    for i, batch in enumerate(got):
        if not (isinstance(batch, np.ndarray) and batch.ndim == 1 and batch.dtype.kind in "iu"):
            raise TestFailure(f"batch {i} of {call} is a {kind_of(batch)}; expected a 1-D array of integer indices")
    return got, call


def _epoch_sizes(rng):
    """(N, batch_size) pairs: a batch size that does not divide N, batch size 1, and a batch size >= N."""
    n = int(rng.integers(10, 60))
    divisor_free = int(rng.integers(3, 9))
    if n % divisor_free == 0:
        n += 1
    return [(n, divisor_free), (int(rng.integers(2, 12)), 1), (int(rng.integers(2, 12)), int(rng.integers(12, 20))),
            (1, int(rng.integers(1, 4)))]


@spec.test("minibatches")
def minibatches_visit_every_sample_once(rng, student):
    """one epoch visits every index exactly once, in batches of batch_size and one shorter last batch"""
    for n, batch_size in _epoch_sizes(rng):
        got, call = _epoch(student, n, batch_size, int(rng.integers(2 ** 31)))
        sizes = [len(batch) for batch in got]
        expected = [batch_size] * (n // batch_size) + ([n % batch_size] if n % batch_size else [])
        if sizes != expected:
            raise TestFailure(f"{call} gives batches of sizes {sizes}; expected {expected} (keep the last,"
                              " shorter batch)")
        visited = np.sort(np.concatenate(got)) if got else np.array([], dtype=int)
        expect_labels(visited, np.arange(n), f"the sorted indices visited by {call}")


@spec.test("minibatches")
def minibatches_follow_the_permutation(rng, student):
    """the batches are consecutive slices of rng.permutation(N) (one call), for several N and batch sizes"""
    for n, batch_size in _epoch_sizes(rng):
        seed = int(rng.integers(2 ** 31))
        got, call = _epoch(student, n, batch_size, seed)
        want = ref.list_minibatches(n, batch_size, local_fn(FnRef("default_rng", seed=seed)))
        if len(got) != len(want):
            raise TestFailure(f"{call} gives {len(got)} batches; expected {len(want)}")
        for i, (batch, expected) in enumerate(zip(got, want)):
            expect_labels(batch, expected, f"batch {i} of {call} (the order should be rng.permutation(N))")


@spec.test("minibatches")
def minibatches_are_reproducible(rng, student):
    """the same seed gives the same epoch, other seeds other orders: all randomness comes from rng"""
    n, batch_size, seed = int(rng.integers(20, 50)), int(rng.integers(3, 8)), int(rng.integers(2 ** 31))
    first, call = _epoch(student, n, batch_size, seed)
    again, _ = _epoch(student, n, batch_size, seed)
    joined = [np.concatenate(batches) if batches else np.array([], dtype=int) for batches in (first, again)]
    if joined[0].shape != joined[1].shape or not np.array_equal(joined[0], joined[1]):
        raise TestFailure(f"two epochs of {call} with generators of the same seed visit the samples in different"
                          " orders: draw the order from `rng`, not from np.random")
    others = [np.concatenate(_epoch(student, n, batch_size, seed + k)[0]) for k in (1, 2)]
    if all(o.shape == joined[0].shape and np.array_equal(o, joined[0]) for o in others):
        raise TestFailure(f"epochs of {call} with generators of different seeds visit the samples in the same order:"
                          " shuffle them with rng.permutation")


# ------------------------------------------------------------------------------------------------ schedules


@spec.test("schedules")
def step_decay_schedule(rng, student):
    """step_decay_lr over 40 epochs: constant within each block of `every` epochs, multiplied by `drop` after it"""
    lr0, drop, every = _uniform(rng, 0.01, 1.0), _uniform(rng, 0.1, 0.9), int(rng.integers(2, 9))
    for epoch in range(40):
        expect_close(student.step_decay_lr(epoch, lr0, drop=drop, every=every),
                     ref.step_decay_lr(epoch, lr0, drop=drop, every=every),
                     f"step_decay_lr at epoch {epoch} (every = {every})", rtol=RTOL, atol=ATOL, allow_scalar=True)
    expect_close(student.step_decay_lr(25, lr0), ref.step_decay_lr(25, lr0),
                 "step_decay_lr(25, lr0) with the default drop and every", rtol=RTOL, atol=ATOL, allow_scalar=True)


@spec.test("schedules")
def cosine_schedule(rng, student):
    """cosine_lr at every step 0..S of a random cycle length S, with and without lr_min"""
    total, lr_max, lr_min = int(rng.integers(5, 40)), _uniform(rng, 0.05, 1.0), _uniform(rng, 0.0, 0.01)
    for step in range(total + 1):
        expect_close(student.cosine_lr(step, total, lr_max, lr_min), ref.cosine_lr(step, total, lr_max, lr_min),
                     f"cosine_lr at step {step} of {total}", rtol=RTOL, atol=ATOL, allow_scalar=True)
    step = int(rng.integers(0, total + 1))
    expect_close(student.cosine_lr(step, total, lr_max), ref.cosine_lr(step, total, lr_max),
                 "cosine_lr with the default lr_min = 0", rtol=RTOL, atol=ATOL, allow_scalar=True)


# ------------------------------------------------------------------------------------------------ clipping


def _gradient_dict(rng):
    """Three arrays of different shapes and scales, so that one of them dominates the global norm."""
    return {"W1": rng.normal(scale=3.0, size=(int(rng.integers(2, 6)), int(rng.integers(2, 6)))),
            "b1": rng.normal(scale=0.1, size=int(rng.integers(1, 6))),
            "W2": rng.normal(size=(int(rng.integers(1, 4)), 2, 2))}


def _clip(student, grads, max_norm, case):
    got = expect_tuple(student.clip_by_global_norm(grads, max_norm), ("clipped", "total_norm"),
                       "clip_by_global_norm(grads, max_norm)")
    clipped, total = got
    want, want_total = ref.clip_by_global_norm(grads, max_norm)
    expect_close(total, want_total, f"total_norm ({case})", rtol=RTOL, atol=ATOL, allow_scalar=True)
    if not isinstance(clipped, dict) or sorted(clipped) != sorted(want):
        raise TestFailure(f"clipped ({case}) should be a dict with the keys of grads; it is a {kind_of(clipped)}"
                          + (f" with keys {sorted(clipped)}" if isinstance(clipped, dict) else ""))
    for key in sorted(want):
        expect_close(clipped[key], want[key], f"clipped[{key!r}] ({case})", rtol=RTOL, atol=ATOL)


@spec.test("clipping")
def clipping_scales_all_arrays_together(rng, student):
    """a global norm above max_norm: every array scaled by max_norm / norm (one factor for all of them)"""
    for _ in range(2):
        grads = _gradient_dict(rng)
        norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
        smallest = min(float(np.linalg.norm(g)) for g in grads.values())
        _clip(student, grads, float(np.round(rng.uniform(0.3, 0.9) * max(smallest, 0.05 * norm), 6)),
              "a global norm above max_norm")


@spec.test("clipping")
def clipping_leaves_small_gradients_alone(rng, student):
    """a global norm below max_norm: the gradients come back unchanged, with their norm"""
    grads = _gradient_dict(rng)
    norm = float(np.sqrt(sum(np.sum(g ** 2) for g in grads.values())))
    _clip(student, grads, float(np.round(norm * rng.uniform(1.1, 3.0), 6)), "a global norm below max_norm")
