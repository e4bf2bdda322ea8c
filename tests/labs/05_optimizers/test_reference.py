"""Oracle tests for solutions/optim.py (Lab 5: optimizers).

PyTorch (float64) is the independent implementation: every update rule runs for 50 steps next to the matching
``torch.optim`` optimizer on the same problem, a random ill-conditioned quadratic whose gradient at the current
point is perturbed by a fixed sequence of random noise vectors (so both see the same gradient sequence as long
as they agree, and a disagreement is amplified, not hidden). Parameters *and* optimizer state are compared after
every step.

Where PyTorch's convention differs from the course's, the test maps one onto the other instead of loosening a
tolerance:

* momentum: PyTorch keeps the slides' ``buf = mu * buf + g``, ``p -= lr * buf``; the course's update rules keep
  the notes' ``v = mu * v - lr * g``, ``w += v``. For a constant rate ``v == -lr * buf`` exactly.
* Nesterov: PyTorch's ``nesterov=True`` steps ``p -= lr * (g + mu * buf)`` on the point where it takes the
  gradient, which is the course's update-API form on the look-ahead variable ``phi = theta + mu * v`` (again
  ``v == -lr * buf``).
* RMSprop with momentum: PyTorch's ``buf = mu * buf + g / (sqrt(avg) + eps)``, ``p -= lr * buf``; the notes'
  ``v = mu * v - lr * g / (sqrt(a) + eps)``, so ``v == -lr * buf``.
* Adagrad and RMSprop put eps outside the square root as the course does (torch: ``state_sum.sqrt().add_(eps)``,
  ``square_avg.sqrt().add_(eps)``); Adagrad's ``lr_decay`` and ``initial_accumulator_value`` are 0; the slides'
  formula (eps under the root, one scalar rate from the whole gradient's norm) is another rule, not compared.
* Adam's AMSGrad: PyTorch keeps the maximum of the raw ``v`` and bias-corrects it afterwards (as its current
  docs write); the reference does the same. The notes' copy of the older pseudocode (the maximum of the corrected
  ``v_hat``) gives another path: ``test_amsgrad_differs_from_the_notes_older_pseudocode`` shows by how much.
* Adam without bias correction (the notes' first variant) has no PyTorch switch: it is checked against the closed
  form of its first steps.
* Gradient clipping: ``torch.nn.utils.clip_grad_norm_`` scales by ``max_norm / (total_norm + 1e-6)``; the notes'
  rule (and the reference) by ``max_norm / total_norm``, so torch's result is the reference's times
  ``total_norm / (total_norm + 1e-6)``.

The measured maximum differences (printed with ``-s``) are float64 rounding: at most 9e-16 absolute over all
cases, seeds and steps, and at most 4e-13 relative (that largest relative one on an entry close to 0); the
tolerance is 1e-12 relative plus 1e-14 absolute.
"""

import math

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import DT

from solutions import optim

STEPS = 50
RTOL = 1e-12


# ---------------------------------------------------------------------------------------------------------------
# the shared problem and the side-by-side runner
# ---------------------------------------------------------------------------------------------------------------


class Problem:
    """A random quadratic 1/2 (w - c)^T A (w - c) in D dimensions (condition number about 100) with noise."""

    def __init__(self, seed, shape=(3, 4), noise=0.3):
        rng = np.random.default_rng(seed)
        d = int(np.prod(shape))
        q, _ = np.linalg.qr(rng.normal(size=(d, d)))
        self.A = q @ np.diag(np.geomspace(0.1, 10.0, d)) @ q.T
        self.c = rng.normal(size=d)
        self.shape = shape
        self.noise = noise * rng.normal(size=(STEPS, d))
        self.w0 = rng.normal(size=shape)

    def grad(self, w, t):
        flat = np.asarray(w, dtype=np.float64).ravel()
        return (self.A @ (flat - self.c) + self.noise[t]).reshape(self.shape)


def max_differences(a, b):
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    abs_diff = float(np.max(np.abs(a - b)))
    rel_diff = float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), 1e-300)))
    return abs_diff, rel_diff


REPORT = {}


def run_side_by_side(problem, update, config, make_torch, state_map=None, phi_start=None):
    """Run ``update`` and the torch optimizer for STEPS steps on ``problem``; compare after every step.

    ``state_map``: list of (config key, function(torch state, lr) -> array in the course's convention).
    Returns the largest (abs, rel) difference of the parameters seen.
    """
    w = problem.w0.copy()
    p = torch.tensor(problem.w0.copy(), dtype=DT, requires_grad=True)
    opt = make_torch([p])
    config = dict(config)
    worst = (0.0, 0.0)
    for t in range(STEPS):
        g = problem.grad(w, t)
        w, config = update(w, g, config)
        p.grad = torch.tensor(problem.grad(p.detach().numpy(), t), dtype=DT)
        opt.step()
        got = p.detach().numpy()
        diff = max_differences(w, got)
        worst = (max(worst[0], diff[0]), max(worst[1], diff[1]))
        np.testing.assert_allclose(w, got, rtol=RTOL, atol=1e-14, err_msg=f"parameters after step {t + 1}")
        for key, from_torch in state_map or []:
            np.testing.assert_allclose(config[key], from_torch(opt.state[p], opt.param_groups[0]["lr"]),
                                       rtol=RTOL, atol=1e-14, err_msg=f"config[{key!r}] after step {t + 1}")
    assert w.dtype == np.float64 and w.shape == problem.shape
    return worst


def record(name, worst):
    REPORT[name] = worst
    print(f"\n{name}: max |ours - torch| = {worst[0]:.2e}, max relative difference = {worst[1]:.2e}")


# ---------------------------------------------------------------------------------------------------------------
# every update rule against torch.optim
# ---------------------------------------------------------------------------------------------------------------


def _t(state, key):
    return state[key].detach().numpy()


CASES = {
    "sgd": (optim.sgd, {"learning_rate": 0.05},
            lambda ps: torch.optim.SGD(ps, lr=0.05), []),
    "sgd_momentum": (optim.sgd_momentum, {"learning_rate": 0.03, "momentum": 0.9},
                     lambda ps: torch.optim.SGD(ps, lr=0.03, momentum=0.9),
                     [("velocity", lambda s, lr: -lr * _t(s, "momentum_buffer"))]),
    "sgd_momentum_0.5": (optim.sgd_momentum, {"learning_rate": 0.1, "momentum": 0.5},
                         lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.5),
                         [("velocity", lambda s, lr: -lr * _t(s, "momentum_buffer"))]),
    "nesterov": (optim.nesterov, {"learning_rate": 0.03, "momentum": 0.9},
                 lambda ps: torch.optim.SGD(ps, lr=0.03, momentum=0.9, nesterov=True),
                 [("velocity", lambda s, lr: -lr * _t(s, "momentum_buffer"))]),
    "adagrad": (optim.adagrad, {"learning_rate": 0.5, "epsilon": 1e-7},
                lambda ps: torch.optim.Adagrad(ps, lr=0.5, eps=1e-7),
                [("cache", lambda s, lr: _t(s, "sum"))]),
    "adagrad_large_eps": (optim.adagrad, {"learning_rate": 0.5, "epsilon": 0.3},
                          lambda ps: torch.optim.Adagrad(ps, lr=0.5, eps=0.3),
                          [("cache", lambda s, lr: _t(s, "sum"))]),
    "rmsprop": (optim.rmsprop, {"learning_rate": 0.01, "decay_rate": 0.9, "epsilon": 1e-7},
                lambda ps: torch.optim.RMSprop(ps, lr=0.01, alpha=0.9, eps=1e-7),
                [("cache", lambda s, lr: _t(s, "square_avg"))]),
    "rmsprop_large_eps": (optim.rmsprop, {"learning_rate": 0.05, "decay_rate": 0.99, "epsilon": 0.2},
                          lambda ps: torch.optim.RMSprop(ps, lr=0.05, alpha=0.99, eps=0.2),
                          [("cache", lambda s, lr: _t(s, "square_avg"))]),
    "rmsprop_momentum": (optim.rmsprop_momentum,
                         {"learning_rate": 0.005, "decay_rate": 0.95, "epsilon": 1e-7, "momentum": 0.8},
                         lambda ps: torch.optim.RMSprop(ps, lr=0.005, alpha=0.95, eps=1e-7, momentum=0.8),
                         [("cache", lambda s, lr: _t(s, "square_avg")),
                          ("velocity", lambda s, lr: -lr * _t(s, "momentum_buffer"))]),
    "adam": (optim.adam, {"learning_rate": 0.05},
             lambda ps: torch.optim.Adam(ps, lr=0.05),
             [("m", lambda s, lr: _t(s, "exp_avg")), ("v", lambda s, lr: _t(s, "exp_avg_sq")),
              ("t", lambda s, lr: float(s["step"]))]),
    "adam_betas": (optim.adam, {"learning_rate": 0.02, "beta1": 0.5, "beta2": 0.9, "epsilon": 1e-3},
                   lambda ps: torch.optim.Adam(ps, lr=0.02, betas=(0.5, 0.9), eps=1e-3),
                   [("m", lambda s, lr: _t(s, "exp_avg")), ("v", lambda s, lr: _t(s, "exp_avg_sq"))]),
    "adam_amsgrad": (optim.adam, {"learning_rate": 0.05, "amsgrad": True},
                     lambda ps: torch.optim.Adam(ps, lr=0.05, amsgrad=True),
                     [("v_max", lambda s, lr: _t(s, "max_exp_avg_sq"))]),
    "adam_weight_decay": (optim.adam, {"learning_rate": 0.05, "weight_decay": 0.1},
                          lambda ps: torch.optim.Adam(ps, lr=0.05, weight_decay=0.1),
                          [("m", lambda s, lr: _t(s, "exp_avg"))]),
    "adam_amsgrad_weight_decay": (optim.adam, {"learning_rate": 0.05, "amsgrad": True, "weight_decay": 0.3},
                                  lambda ps: torch.optim.Adam(ps, lr=0.05, amsgrad=True, weight_decay=0.3),
                                  [("v_max", lambda s, lr: _t(s, "max_exp_avg_sq"))]),
}


@pytest.mark.parametrize("name", sorted(CASES))
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_update_rule_matches_torch_optim_for_50_steps(name, seed):
    update, config, make_torch, state_map = CASES[name]
    worst = run_side_by_side(Problem(seed), update, config, make_torch, state_map)
    record(f"{name} (seed {seed})", worst)


def test_the_problem_is_not_trivial():
    """The runs above move far from the start and through states where the optimizers differ from each other."""
    problem = Problem(0)
    ends = {name: optim.run_optimizer(CASES[name][0], lambda w, it=iter(range(STEPS)): problem.grad(w, next(it)),  # noqa: B008 - a fresh iterator per run
                                      problem.w0, STEPS, CASES[name][1])[-1] for name in CASES}
    assert all(np.linalg.norm(end - problem.w0) > 0.1 for end in ends.values())
    # AMSGrad and plain Adam really take different paths on this problem, and so do large and small epsilons
    assert np.max(np.abs(ends["adam"] - ends["adam_amsgrad"])) > 1e-6
    assert np.max(np.abs(ends["adagrad"] - ends["adagrad_large_eps"])) > 1e-3


def test_defaults_are_filled_on_the_first_call():
    w, dw = np.ones((2, 3)), np.full((2, 3), 0.5)
    expected = {
        optim.sgd: {"learning_rate": 1e-2},
        optim.sgd_momentum: {"learning_rate": 1e-2, "momentum": 0.9},
        optim.nesterov: {"learning_rate": 1e-2, "momentum": 0.9},
        optim.adagrad: {"learning_rate": 1e-2, "epsilon": 1e-7},
        optim.rmsprop: {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-7},
        optim.rmsprop_momentum: {"learning_rate": 1e-2, "decay_rate": 0.99, "epsilon": 1e-7, "momentum": 0.9},
        optim.adam: {"learning_rate": 1e-3, "beta1": 0.9, "beta2": 0.999, "epsilon": 1e-8, "bias_correction": True,
                     "amsgrad": False, "weight_decay": 0.0, "t": 1},
    }
    for update, defaults in expected.items():
        for config in (None, {}):
            next_w, got = update(w, dw, config)
            assert next_w.shape == w.shape and next_w.dtype == np.float64
            for key, value in defaults.items():
                assert got[key] == value, (update.__name__, key)
    # the defaults are torch's where torch has the same rule
    _, cfg = optim.adam(w, dw)
    torch_defaults = torch.optim.Adam([torch.zeros(1)]).defaults
    assert (cfg["learning_rate"], (cfg["beta1"], cfg["beta2"]), cfg["epsilon"]) == (
        torch_defaults["lr"], torch_defaults["betas"], torch_defaults["eps"])


def test_inputs_are_not_modified_in_place():
    rng = np.random.default_rng(3)
    w, dw = rng.normal(size=(4, 2)), rng.normal(size=(4, 2))
    for update in (optim.sgd, optim.sgd_momentum, optim.nesterov, optim.adagrad, optim.rmsprop,
                   optim.rmsprop_momentum, optim.adam):
        config = {}
        for _ in range(3):
            w_before, dw_before = w.copy(), dw.copy()
            state_before = {k: np.copy(v) for k, v in config.items() if isinstance(v, np.ndarray)}
            _, config = update(w, dw, config)
            np.testing.assert_array_equal(w, w_before)
            np.testing.assert_array_equal(dw, dw_before)
            for key, value in state_before.items():
                assert config[key] is not value or np.array_equal(config[key], value)


# ---------------------------------------------------------------------------------------------------------------
# Adam's variants that torch cannot switch to
# ---------------------------------------------------------------------------------------------------------------


def test_adam_without_bias_correction_is_the_notes_first_variant():
    """m_1 = (1 - b1) g, v_1 = (1 - b2) g^2, step 1 = lr (1 - b1) g / (sqrt(1 - b2) |g| + eps); two steps by hand."""
    rng = np.random.default_rng(5)
    w, g1, g2 = rng.normal(size=5), rng.normal(size=5), rng.normal(size=5)
    lr, b1, b2, eps = 0.1, 0.8, 0.95, 1e-3
    cfg = {"learning_rate": lr, "beta1": b1, "beta2": b2, "epsilon": eps, "bias_correction": False}
    w1, cfg = optim.adam(w, g1, cfg)
    np.testing.assert_allclose(w1, w - lr * (1 - b1) * g1 / (math.sqrt(1 - b2) * np.abs(g1) + eps), rtol=1e-14)
    w2, cfg = optim.adam(w1, g2, cfg)
    m2 = b1 * (1 - b1) * g1 + (1 - b1) * g2
    v2 = b2 * (1 - b2) * g1 ** 2 + (1 - b2) * g2 ** 2
    np.testing.assert_allclose(w2, w1 - lr * m2 / (np.sqrt(v2) + eps), rtol=1e-14)
    assert cfg["t"] == 2
    # with bias correction the first step has size about lr in every coordinate, whatever the gradient's scale
    step, _ = optim.adam(w, 1e-4 * g1, {"learning_rate": lr, "epsilon": 0.0})
    np.testing.assert_allclose(np.abs(step - w), lr, rtol=1e-12)


def test_amsgrad_differs_from_the_notes_older_pseudocode():
    """The notes' v_hat_max = max(v_hat_max, v_hat) against torch's (and ours) max of the raw v: another path."""
    problem = Problem(0)
    path = optim.run_optimizer(optim.adam, lambda w, it=iter(range(STEPS)): problem.grad(w, next(it)), problem.w0,  # noqa: B008 - a fresh iterator per run
                               STEPS, {"learning_rate": 0.05, "amsgrad": True})
    w, m, v, vhat_max = problem.w0.copy(), 0.0, 0.0, 0.0
    b1, b2 = 0.9, 0.999
    for t in range(1, STEPS + 1):
        g = problem.grad(w, t - 1)
        m, v = b1 * m + (1 - b1) * g, b2 * v + (1 - b2) * g * g
        vhat_max = np.maximum(vhat_max, v / (1 - b2 ** t))
        w = w - 0.05 * (m / (1 - b1 ** t)) / (np.sqrt(vhat_max) + 1e-8)
    difference = float(np.max(np.abs(w - path[-1])))
    print(f"\nAMSGrad after {STEPS} steps: notes' older pseudocode vs torch's/ours differ by {difference:.3g}")
    assert difference > 1e-3


# ---------------------------------------------------------------------------------------------------------------
# the two momentum conventions and the two Nesterov forms, against torch
# ---------------------------------------------------------------------------------------------------------------


def _torch_path(problem_grad, x0, rates, make_torch):
    p = torch.tensor(np.array(x0, dtype=np.float64), dtype=DT, requires_grad=True)
    opt = make_torch([p])
    path = [p.detach().numpy().copy()]
    for rate in rates:
        for group in opt.param_groups:
            group["lr"] = rate
        p.grad = torch.tensor(problem_grad(p.detach().numpy()), dtype=DT)
        opt.step()
        path.append(p.detach().numpy().copy())
    return np.array(path)


def _quadratic(seed):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.normal(size=(2, 2)))
    A = q @ np.diag([1.0, 20.0]) @ q.T
    c = rng.normal(size=2)
    return (lambda x: A @ (np.asarray(x) - c)), rng.normal(size=2)


@pytest.mark.parametrize("seed", [0, 1])
def test_slides_momentum_is_torchs_and_notes_momentum_is_the_update_rule(seed):
    grad, x0 = _quadratic(seed)
    for rates in (np.full(STEPS, 0.04), np.geomspace(0.08, 0.002, STEPS), np.where(np.arange(STEPS) < 25, 0.05, 0.01)):
        slides, notes = optim.momentum_paths(grad, x0, rates, 0.9)
        assert slides.shape == notes.shape == (STEPS + 1, 2)
        torch_path = _torch_path(grad, x0, rates, lambda ps: torch.optim.SGD(ps, lr=1.0, momentum=0.9))
        np.testing.assert_allclose(slides, torch_path, rtol=RTOL, atol=1e-14)
        record(f"momentum_paths slides vs torch SGD(momentum) (seed {seed})", max_differences(slides, torch_path))
        config, x, rule_path = {"momentum": 0.9}, x0.copy(), [x0.copy()]
        for rate in rates:
            config["learning_rate"] = rate
            x, config = optim.sgd_momentum(x, grad(x), config)
            rule_path.append(x)
        np.testing.assert_allclose(notes, np.array(rule_path), rtol=RTOL, atol=1e-14)
        if np.all(rates == rates[0]):
            np.testing.assert_allclose(slides, notes, rtol=1e-12, atol=1e-14)
        else:
            assert np.max(np.abs(slides - notes)) > 1e-3


@pytest.mark.parametrize("seed", [0, 1])
def test_nesterov_forms_agree_and_the_lookahead_is_torchs_nesterov(seed):
    grad, x0 = _quadratic(seed)
    lookahead, update_api = optim.nesterov_paths(grad, x0, 0.03, 0.85, STEPS)
    np.testing.assert_allclose(lookahead, update_api, rtol=1e-12, atol=1e-14)
    # torch's nesterov=True runs on phi = theta + mu v; recover theta = phi - mu v with v = -lr * buf
    p = torch.tensor(x0.copy(), dtype=DT, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.03, momentum=0.85, nesterov=True)
    thetas = [x0.copy()]
    for _ in range(STEPS):
        p.grad = torch.tensor(grad(p.detach().numpy()), dtype=DT)
        opt.step()
        v = -0.03 * opt.state[p]["momentum_buffer"].numpy()
        thetas.append(p.detach().numpy() - 0.85 * v)
    np.testing.assert_allclose(lookahead, np.array(thetas), rtol=RTOL, atol=1e-14)
    record(f"nesterov_paths look-ahead vs torch nesterov=True (seed {seed})",
           max_differences(lookahead, np.array(thetas)))
    # and Nesterov is not plain momentum
    plain, _ = optim.momentum_paths(grad, x0, np.full(STEPS, 0.03), 0.85)
    assert np.max(np.abs(plain - lookahead)) > 1e-4


# ---------------------------------------------------------------------------------------------------------------
# EWA, mini-batches, schedules, clipping, Newton
# ---------------------------------------------------------------------------------------------------------------


def test_ewa_is_adams_first_moment():
    """torch's Adam keeps exp_avg = ewa(gradients, beta1); its step uses exp_avg / (1 - beta1^t), the corrected ewa."""
    rng = np.random.default_rng(6)
    grads = rng.normal(loc=2.0, size=(30, 3))
    p = torch.zeros(3, dtype=DT, requires_grad=True)
    opt = torch.optim.Adam([p], betas=(0.8, 0.999))
    raw, corrected = optim.ewa(grads, 0.8), optim.ewa(grads, 0.8, bias_correction=True)
    assert raw.shape == corrected.shape == grads.shape
    for t, g in enumerate(grads):
        p.grad = torch.tensor(g, dtype=DT)
        opt.step()
        exp_avg = opt.state[p]["exp_avg"].numpy()
        np.testing.assert_allclose(raw[t], exp_avg, rtol=RTOL)
        np.testing.assert_allclose(corrected[t], exp_avg / (1 - 0.8 ** (t + 1)), rtol=RTOL)
    # the uncorrected average starts far too low (biased towards 0), the corrected one does not
    assert raw[0, 0] == pytest.approx(0.2 * grads[0, 0]) and corrected[0, 0] == pytest.approx(grads[0, 0])


def test_ewa_of_a_constant_series():
    values = np.full(40, 3.0)
    np.testing.assert_allclose(optim.ewa(values, 0.9, bias_correction=True), 3.0, rtol=1e-14)
    np.testing.assert_allclose(optim.ewa(values, 0.9), 3.0 * (1 - 0.9 ** np.arange(1, 41)), rtol=1e-14)


@settings(max_examples=80, deadline=None)
@given(N=st.integers(1, 200), batch_size=st.integers(1, 250), seed=st.integers(0, 2**32 - 1))
def test_minibatches_visit_every_sample_once_with_torchs_batch_sizes(N, batch_size, seed):
    batches = optim.list_minibatches(N, batch_size, np.random.default_rng(seed))
    joined = np.concatenate(batches)
    assert sorted(joined.tolist()) == list(range(N))
    loader = torch.utils.data.DataLoader(range(N), batch_size=batch_size, shuffle=True, drop_last=False)
    assert [len(b) for b in batches] == [len(b) for b in loader]
    np.testing.assert_array_equal(joined, np.random.default_rng(seed).permutation(N))
    assert all(b.dtype.kind == "i" for b in batches)


def test_schedules_match_torch_lr_schedulers():
    p = torch.zeros(1, requires_grad=True)
    opt = torch.optim.SGD([p], lr=0.3)
    sched = torch.optim.lr_scheduler.StepLR(opt, step_size=7, gamma=0.4)
    for epoch in range(60):
        assert optim.step_decay_lr(epoch, 0.3, drop=0.4, every=7) == pytest.approx(sched.get_last_lr()[0], rel=1e-12)
        opt.step()
        sched.step()
    opt = torch.optim.SGD([p], lr=0.2)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=40, eta_min=0.01)
    worst = 0.0
    for step in range(41):
        ours = optim.cosine_lr(step, 40, 0.2, 0.01)
        worst = max(worst, abs(ours - sched.get_last_lr()[0]))
        assert ours == pytest.approx(sched.get_last_lr()[0], rel=1e-12)
        opt.step()
        sched.step()
    print(f"\ncosine_lr vs CosineAnnealingLR: max difference {worst:.2e}")
    assert optim.cosine_lr(0, 40, 0.2, 0.01) == 0.2 and optim.cosine_lr(40, 40, 0.2, 0.01) == pytest.approx(0.01)
    assert optim.step_decay_lr(9, 1.0) == 1.0 and optim.step_decay_lr(10, 1.0) == 0.5


@pytest.mark.parametrize("max_norm", [0.5, 3.0, 100.0])
def test_clipping_matches_torch_clip_grad_norm(max_norm):
    rng = np.random.default_rng(7)
    grads = {"W1": rng.normal(size=(4, 3)), "b1": rng.normal(size=3), "W2": 2 * rng.normal(size=(3, 2))}
    before = {k: g.copy() for k, g in grads.items()}
    clipped, total = optim.clip_by_global_norm(grads, max_norm)
    tensors = {k: torch.zeros(g.shape, dtype=DT, requires_grad=True) for k, g in grads.items()}
    for k, tensor in tensors.items():
        tensor.grad = torch.tensor(grads[k], dtype=DT)
    torch_total = float(torch.nn.utils.clip_grad_norm_(list(tensors.values()), max_norm))
    assert total == pytest.approx(torch_total, rel=1e-14)
    factor = total / (total + 1e-6) if total > max_norm else 1.0  # torch's max_norm / (norm + 1e-6)
    for k in grads:
        np.testing.assert_array_equal(grads[k], before[k])
        np.testing.assert_allclose(clipped[k] * factor, tensors[k].grad.numpy(), rtol=1e-14)
    new_norm = math.sqrt(sum(float(np.sum(g ** 2)) for g in clipped.values()))
    assert new_norm == pytest.approx(min(total, max_norm), rel=1e-12)


def test_newton_step_solves_the_quadratic_in_one_step():
    rng = np.random.default_rng(8)
    d = 6
    m = rng.normal(size=(d, d))
    A, b = m @ m.T + 0.5 * np.eye(d), rng.normal(size=d)
    theta = rng.normal(size=d)

    def f(x):
        return 0.5 * x @ torch.tensor(A) @ x + torch.tensor(b) @ x

    x = torch.tensor(theta, requires_grad=True)
    grad = torch.autograd.grad(f(x), x)[0].numpy()
    hessian = torch.autograd.functional.hessian(f, torch.tensor(theta)).numpy()
    nxt = optim.newton_step(theta, grad, hessian)
    np.testing.assert_allclose(nxt, theta - torch.linalg.solve(torch.tensor(hessian), torch.tensor(grad)).numpy(),
                               rtol=1e-12)
    np.testing.assert_allclose(nxt, np.linalg.solve(A, -b), rtol=1e-10)


def test_hessian_memory_of_a_million_parameters():
    n = 10 ** 6
    entry = torch.empty(0, dtype=torch.float32).element_size()
    assert optim.hessian_memory_bytes(n) == n * n * entry == 4 * 10 ** 12  # 4 TB = 3.64 TiB (the notes: "3.8 TB")
    assert optim.hessian_memory_bytes(n, bytes_per_entry=8, symmetric=True) == n * (n + 1) // 2 * 8
    assert isinstance(optim.hessian_memory_bytes(n), int)


def test_run_optimizer_does_not_touch_the_callers_config():
    config = {"learning_rate": 0.1}
    path = optim.run_optimizer(optim.sgd_momentum, lambda x: 2 * x, np.array([1.0, -2.0]), 5, config)
    assert config == {"learning_rate": 0.1} and path.shape == (6, 2)
