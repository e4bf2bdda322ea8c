"""Oracle tests for solutions/regularization.py (Lab 6: regularization).

PyTorch (float64) is the independent implementation: ``torch.nn.functional.batch_norm`` + autograd and
``torch.nn.BatchNorm1d`` for batch normalization, ``torch.nn.functional.dropout`` for dropout's scaling and
expected value, autograd for the penalties, ``torch.optim.SGD(weight_decay=...)`` for weight decay,
``torch.nn.functional.cross_entropy`` for soft targets and label smoothing, ``CosineAnnealingWarmRestarts`` for the
snapshot schedule. scikit-learn's ``Ridge`` checks ridge regression. Central differences (h = 1e-5) check every
backward pass a second way.
"""

import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import DT, numeric_gradient, rel_error, t

from solutions import regularization as reg

# ---------------------------------------------------------------------------------------------------------------
# batch normalization
# ---------------------------------------------------------------------------------------------------------------

BN_SHAPES = [(2, 1), (2, 5), (3, 4), (16, 7), (50, 3)]


def _bn_problem(seed, shape):
    rng = np.random.default_rng(seed)
    x = rng.normal(loc=rng.normal(scale=3, size=shape[1]), scale=rng.uniform(0.2, 4, size=shape[1]), size=shape)
    gamma, beta = rng.normal(size=shape[1]), rng.normal(size=shape[1])
    return x, gamma, beta, rng.normal(size=shape)


@pytest.mark.parametrize("shape", BN_SHAPES)
@pytest.mark.parametrize("eps", [1e-5, 1e-2])
def test_batchnorm_forward_and_both_backwards_match_torch(shape, eps):
    x, gamma, beta, dout = _bn_problem(sum(shape), shape)
    bn_param = {"mode": "train", "eps": eps}
    out, cache = reg.batchnorm_forward(x, gamma, beta, bn_param)

    xt, gt, bt = t(x, True), t(gamma, True), t(beta, True)
    out_t = F.batch_norm(xt, None, None, gt, bt, training=True, eps=eps)
    out_t.backward(t(dout))
    assert np.allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-12)
    for backward in (reg.batchnorm_backward, reg.batchnorm_backward_alt):
        dx, dgamma, dbeta = backward(dout, cache)
        assert np.allclose(dx, xt.grad.numpy(), rtol=1e-9, atol=1e-11), backward.__name__
        assert np.allclose(dgamma, gt.grad.numpy(), rtol=1e-11, atol=1e-12), backward.__name__
        assert np.allclose(dbeta, bt.grad.numpy(), rtol=1e-12, atol=1e-12), backward.__name__


@pytest.mark.parametrize("shape", [(3, 3), (5, 4), (9, 2)])
def test_batchnorm_backwards_match_central_differences(shape):
    """(N = 2 is left to the torch test: there x_hat = +-1 whatever x is, dx is of the order of eps and a central
    difference of it is mostly rounding.)"""
    x, gamma, beta, dout = _bn_problem(7 * shape[0], shape)
    _, cache = reg.batchnorm_forward(x, gamma, beta, {"mode": "train"})

    def fx(v):
        return reg.batchnorm_forward(v, gamma, beta, {"mode": "train"})[0]

    def fg(v):
        return reg.batchnorm_forward(x, v, beta, {"mode": "train"})[0]

    def fb(v):
        return reg.batchnorm_forward(x, gamma, v, {"mode": "train"})[0]

    numeric = [numeric_gradient(fx, x, dout), numeric_gradient(fg, gamma, dout), numeric_gradient(fb, beta, dout)]
    for backward in (reg.batchnorm_backward, reg.batchnorm_backward_alt):
        for got, num in zip(backward(dout, cache), numeric):
            assert rel_error(got, num) < 1e-6, backward.__name__


def test_running_averages_match_torch_batchnorm1d_over_many_steps():
    """Our momentum 0.9 (weight of the old value) is torch's 0.1; both keep the UNBIASED variance."""
    rng = np.random.default_rng(3)
    D = 6
    gamma, beta = rng.normal(size=D), rng.normal(size=D)
    layer = torch.nn.BatchNorm1d(D, eps=1e-5, momentum=0.1, dtype=DT)
    with torch.no_grad():
        layer.weight.copy_(t(gamma))
        layer.bias.copy_(t(beta))
    bn_param = {"mode": "train", "momentum": 0.9, "eps": 1e-5}
    worst = 0.0
    for _ in range(25):
        n = int(rng.integers(2, 20))
        x = rng.normal(loc=2.0, scale=3.0, size=(n, D))
        out, _ = reg.batchnorm_forward(x, gamma, beta, bn_param)
        layer.train()
        out_t = layer(t(x)).detach().numpy()
        worst = max(worst, np.abs(out - out_t).max(),
                    np.abs(bn_param["running_mean"] - layer.running_mean.numpy()).max(),
                    np.abs(bn_param["running_var"] - layer.running_var.numpy()).max())
    assert worst < 1e-12
    # test mode: both normalise with the running averages
    x = rng.normal(size=(4, D))
    layer.eval()
    out, cache = reg.batchnorm_forward(x, gamma, beta, {**bn_param, "mode": "test"})
    assert cache is None
    assert np.allclose(out, layer(t(x)).detach().numpy(), rtol=1e-12, atol=1e-12)


def test_running_variance_is_the_unbiased_one_and_normalisation_uses_the_biased_one():
    x = np.array([[0.0], [2.0]])  # mean 1, biased variance 1, unbiased variance 2
    bn_param = {"mode": "train", "momentum": 0.0, "eps": 0.0}  # momentum 0: the running values are the batch's
    out, _ = reg.batchnorm_forward(x, np.ones(1), np.zeros(1), bn_param)
    assert np.allclose(out, [[-1.0], [1.0]])  # divided by sqrt(1), not sqrt(2)
    assert np.allclose(bn_param["running_mean"], [1.0]) and np.allclose(bn_param["running_var"], [2.0])


def test_batchnorm_defaults_and_refusals():
    bn_param = {"mode": "train"}
    reg.batchnorm_forward(np.arange(6.0).reshape(3, 2), np.ones(2), np.zeros(2), bn_param)
    # defaults: running_mean from 0, running_var from 1, momentum 0.9
    assert np.allclose(bn_param["running_mean"], 0.1 * np.array([2.0, 3.0]))
    assert np.allclose(bn_param["running_var"], 0.9 + 0.1 * 4.0)
    with pytest.raises(ValueError):
        reg.batchnorm_forward(np.ones((1, 2)), np.ones(2), np.zeros(2), {"mode": "train"})
    with pytest.raises(ValueError):
        reg.batchnorm_forward(np.ones((3, 2)), np.ones(2), np.zeros(2), {"mode": "eval"})


# ---------------------------------------------------------------------------------------------------------------
# dropout
# ---------------------------------------------------------------------------------------------------------------


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_scaling_and_keep_rate_match_torch(p):
    """Kept units are scaled by 1/(1-p) in both; both drop a share p of the units; both have mean x."""
    x = np.random.default_rng(1).uniform(1.0, 2.0, size=(400, 500))  # positive: a 0 output means dropped
    out, (_, mask) = reg.dropout_forward(x, {"p": p, "mode": "train", "seed": 5})
    torch.manual_seed(5)
    out_t = F.dropout(t(x), p=p, training=True).numpy()
    for o in (out, out_t):
        kept = o != 0
        assert np.allclose(o[kept], x[kept] / (1 - p), rtol=1e-14)
        assert abs((~kept).mean() - p) < 0.005  # 200,000 units: the standard error is about 0.001
        assert abs(o.mean() / x.mean() - 1) < 0.01
    assert np.array_equal(mask != 0, out != 0)
    # test mode: the identity in both
    out_test, _ = reg.dropout_forward(x, {"p": p, "mode": "test"})
    assert np.array_equal(out_test, F.dropout(t(x), p=p, training=False).numpy())
    assert np.array_equal(out_test, x)


def test_dropout_mask_follows_from_the_seed_as_documented():
    x = np.random.default_rng(2).normal(size=(3, 4, 5))
    p = 0.3
    out, _ = reg.dropout_forward(x, {"p": p, "mode": "train", "seed": 11})
    keep = np.random.default_rng(11).random(x.shape) < 1 - p
    assert np.allclose(out, x * keep / (1 - p), rtol=1e-15, atol=0)  # the same up to the order of rounding
    again, _ = reg.dropout_forward(x, {"p": p, "mode": "train", "seed": 11})
    assert np.array_equal(out, again)
    noninverted, _ = reg.dropout_forward_noninverted(x, {"p": p, "mode": "train", "seed": 11})
    assert np.array_equal(noninverted, x * keep)


def test_dropout_backward_matches_torch_autograd_for_the_same_mask():
    rng = np.random.default_rng(4)
    x, dout = rng.normal(size=(6, 7)), rng.normal(size=(6, 7))
    p = 0.4
    out, cache = reg.dropout_forward(x, {"p": p, "mode": "train", "seed": 3})
    keep = t(cache[1] != 0)
    xt = t(x, True)
    (xt * keep / (1 - p)).backward(t(dout))  # torch's dropout is exactly this product (mask / (1 - p))
    assert np.allclose(reg.dropout_backward(dout, cache), xt.grad.numpy(), rtol=1e-14)
    numeric = numeric_gradient(lambda v: reg.dropout_forward(v, {"p": p, "mode": "train", "seed": 3})[0], x, dout)
    assert rel_error(reg.dropout_backward(dout, cache), numeric) < 1e-8
    _, cache = reg.dropout_forward(x, {"p": p, "mode": "test"})
    assert np.array_equal(reg.dropout_backward(dout, cache), dout)


@pytest.mark.parametrize("p", [0.25, 0.5])
def test_inverted_and_noninverted_dropout_have_the_expected_activation_of_their_test_networks(p):
    x = np.random.default_rng(6).normal(size=(8, 9))
    inverted = np.mean([reg.dropout_forward(x, {"p": p, "mode": "train", "seed": s})[0] for s in range(3000)], 0)
    classic = np.mean([reg.dropout_forward_noninverted(x, {"p": p, "mode": "train", "seed": s})[0]
                       for s in range(3000)], 0)
    torch.manual_seed(0)
    torch_mean = torch.stack([F.dropout(t(x), p=p) for _ in range(3000)]).mean(0).numpy()
    # 3000 samples: the standard error of a mean is at most |x| sqrt(p / (1 - p) / 3000) < 0.019 |x|
    tolerance = 5 * np.abs(x) * math.sqrt(p / (1 - p) / 3000) + 1e-12
    assert np.all(np.abs(inverted - x) < tolerance)
    assert np.all(np.abs(torch_mean - x) < tolerance)
    test_classic, _ = reg.dropout_forward_noninverted(x, {"p": p, "mode": "test"})
    assert np.allclose(test_classic, (1 - p) * x)
    assert np.all(np.abs(classic - test_classic) < (1 - p) * tolerance)


# ---------------------------------------------------------------------------------------------------------------
# penalties and weight decay
# ---------------------------------------------------------------------------------------------------------------


def test_penalties_and_their_gradients_match_autograd_including_exact_zeros():
    w = np.random.default_rng(8).normal(size=(4, 5))
    w[0, :3] = 0.0
    wt = t(w, True)
    (0.5 * (wt ** 2).sum()).backward()
    value, grad = reg.l2_penalty(w)
    assert math.isclose(value, 0.5 * float((t(w) ** 2).sum()), rel_tol=1e-14)
    assert np.allclose(grad, wt.grad.numpy(), rtol=1e-15) and grad is not w
    wt = t(w, True)
    wt.abs().sum().backward()
    value, grad = reg.l1_penalty(w)
    assert math.isclose(value, float(t(w).abs().sum()), rel_tol=1e-14)
    assert np.array_equal(grad, wt.grad.numpy())  # 0 at w == 0, like torch
    assert np.all(grad[0, :3] == 0)


@pytest.mark.parametrize("alpha, lr", [(0.1, 0.05), (1e-3, 0.5), (2.0, 0.01)])
def test_penalized_step_and_weight_decay_match_torch_sgd_with_weight_decay(alpha, lr):
    rng = np.random.default_rng(9)
    w, dw = rng.normal(size=(3, 6)), rng.normal(size=(3, 6))
    wt = t(w, True)
    optimizer = torch.optim.SGD([wt], lr=lr, weight_decay=alpha)
    wt.grad = t(dw)
    optimizer.step()
    expected = wt.detach().numpy()
    assert np.allclose(reg.penalized_sgd_step(w, dw, lr, alpha, "l2"), expected, rtol=1e-13, atol=1e-15)
    assert np.allclose(reg.weight_decay_step(w, dw, lr, alpha), expected, rtol=1e-13, atol=1e-15)
    # L1: the subgradient step of J + alpha * |w|_1 with torch autograd on the penalty
    wt = t(w, True)
    (alpha * wt.abs().sum()).backward()
    assert np.allclose(reg.penalized_sgd_step(w, dw, lr, alpha, "l1"), w - lr * (dw + wt.grad.numpy()), rtol=1e-14)
    with pytest.raises(ValueError):
        reg.penalized_sgd_step(w, dw, lr, alpha, "l3")


def test_proximal_l1_step_minimises_its_subproblem_and_gives_exact_zeros():
    """prox: argmin_v 1/(2 lr) ||v - z||^2 + alpha ||v||_1, checked against a fine grid search per entry."""
    rng = np.random.default_rng(10)
    w, dw = rng.normal(size=40), rng.normal(size=40)
    lr, alpha = 0.3, 1.5
    got = reg.l1_proximal_step(w, dw, lr, alpha)
    z = w - lr * dw
    grid = np.linspace(-6, 6, 1_200_001)
    best = grid[np.argmin((grid[None, :] - z[:, None]) ** 2 / (2 * lr) + alpha * np.abs(grid)[None, :], axis=1)]
    assert np.allclose(got, best, atol=2e-5)
    assert np.array_equal(got == 0, np.abs(z) <= lr * alpha) and np.any(got == 0)


def test_l1_paths_sparsity_proximal_exact_zeros_subgradient_none():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(200, 20))
    w_true = np.zeros(20)
    w_true[:4] = [2.0, -1.5, 1.0, 0.5]
    y = X @ w_true + 0.1 * rng.normal(size=200)
    prox = reg.linear_regression_path(X, y, "l1", 0.1, 0.1, 500, proximal=True)
    sub = reg.linear_regression_path(X, y, "l1", 0.1, 0.1, 500)
    ridge = reg.linear_regression_path(X, y, "l2", 0.1, 0.1, 500)
    assert np.sum(prox == 0) >= 14 and np.all(prox[:4] != 0)
    assert np.sum(sub == 0) == 0 and np.sum(ridge == 0) == 0


# ---------------------------------------------------------------------------------------------------------------
# polynomials and ridge regression
# ---------------------------------------------------------------------------------------------------------------


def test_polynomial_features_match_numpy_vander():
    x = np.random.default_rng(12).uniform(-1, 1, size=9)
    for degree in (0, 1, 5):
        assert np.allclose(reg.polynomial_features(x, degree), np.vander(x, degree + 1, increasing=True),
                           rtol=1e-15)


@pytest.mark.parametrize("degree, lam", [(1, 0.0), (3, 0.1), (8, 1e-3), (8, 10.0)])
def test_ridge_fit_matches_sklearn_ridge_with_an_unpenalised_intercept(degree, lam):
    from sklearn.linear_model import LinearRegression, Ridge

    rng = np.random.default_rng(degree)
    x = rng.uniform(-1, 1, size=30)
    y = np.sin(3 * x) + 0.1 * rng.normal(size=30)
    X = reg.polynomial_features(x, degree)
    theta = reg.ridge_fit(X, y, lam)
    model = (LinearRegression() if lam == 0 else Ridge(alpha=lam, solver="svd")).fit(X[:, 1:], y)
    assert np.allclose(theta, np.concatenate([[model.intercept_], model.coef_]), rtol=1e-6, atol=1e-8)


# ---------------------------------------------------------------------------------------------------------------
# early stopping
# ---------------------------------------------------------------------------------------------------------------


def _naive_early_stopping(losses, patience, min_delta):
    best, best_epoch, bad = math.inf, -1, 0
    for epoch, loss in enumerate(losses):
        if loss < best - min_delta:
            best, best_epoch, bad = loss, epoch, 0
        else:
            bad += 1
        if bad >= patience:
            return best_epoch, epoch
    return best_epoch, len(losses) - 1


@settings(max_examples=200, deadline=None)
@given(st.lists(st.floats(0.0, 2.0), min_size=1, max_size=30), st.integers(1, 6), st.sampled_from([0.0, 0.05]))
def test_early_stopping_agrees_with_a_plain_loop_and_returns_the_best_parameters(losses, patience, min_delta):
    E = len(losses)
    history = {"W": np.arange(E * 6, dtype=np.float64).reshape(E, 2, 3), "b": -np.arange(E, dtype=np.float64)[:, None]}
    best_epoch, stop_epoch, best = reg.early_stopping_run(losses, history, patience, min_delta)
    assert (best_epoch, stop_epoch) == _naive_early_stopping(losses, patience, min_delta)
    assert np.array_equal(best["W"], history["W"][best_epoch]) and np.array_equal(best["b"], history["b"][best_epoch])


# ---------------------------------------------------------------------------------------------------------------
# augmentation
# ---------------------------------------------------------------------------------------------------------------


def test_random_flip_matches_torch_flip_of_the_width_axis():
    x = np.random.default_rng(13).normal(size=(20, 3, 4, 5))
    out = reg.random_flip(x, np.random.default_rng(14), p=0.5)
    flip = np.random.default_rng(14).random(20) < 0.5
    expected = torch.where(t(flip).bool()[:, None, None, None], torch.flip(t(x), dims=[3]), t(x)).numpy()
    assert np.array_equal(out, expected) and 0 < flip.sum() < 20
    assert np.array_equal(reg.random_flip(x, np.random.default_rng(0), p=0.0), x)


@pytest.mark.parametrize("pad", [0, 1, 3])
def test_random_crop_matches_torch_padding_and_slicing_per_image(pad):
    x = np.random.default_rng(15).normal(size=(12, 2, 5, 6))
    out = reg.random_crop(x, np.random.default_rng(16), pad)
    rng = np.random.default_rng(16)
    top, left = rng.integers(0, 2 * pad + 1, size=12), rng.integers(0, 2 * pad + 1, size=12)
    padded = F.pad(t(x), (pad, pad, pad, pad)).numpy()
    expected = np.stack([padded[i, :, top[i]:top[i] + 5, left[i]:left[i] + 6] for i in range(12)])
    assert np.array_equal(out, expected)
    if pad:
        centred = [i for i in range(12) if top[i] == pad and left[i] == pad]
        assert all(np.array_equal(out[i], x[i]) for i in centred)


def test_gaussian_noise_statistics_and_reproducibility():
    x = np.zeros((50, 3, 8, 8))
    out = reg.add_gaussian_noise(x, np.random.default_rng(17), 0.3)
    assert abs(out.std() - 0.3) < 0.01 and abs(out.mean()) < 0.01
    assert np.array_equal(out, reg.add_gaussian_noise(x, np.random.default_rng(17), 0.3))
    assert np.all(x == 0)


# ---------------------------------------------------------------------------------------------------------------
# label smoothing
# ---------------------------------------------------------------------------------------------------------------


def test_smooth_labels_is_the_notes_example():
    targets = reg.smooth_labels(np.array([3]), 10, 0.1)
    assert np.isclose(targets[0, 3], 0.9) and np.allclose(np.delete(targets[0], 3), 0.1 / 9)
    assert np.allclose(reg.smooth_labels(np.array([0, 2]), 3, 0.0), np.eye(3)[[0, 2]])


@pytest.mark.parametrize("epsilon", [0.0, 0.1, 0.3])
def test_soft_cross_entropy_matches_torch_and_label_smoothing_matches_torch_after_rescaling(epsilon):
    rng = np.random.default_rng(18)
    N, C = 7, 5
    scores, y = rng.normal(scale=3, size=(N, C)), rng.integers(0, C, size=N)
    targets = reg.smooth_labels(y, C, epsilon)
    loss, dscores = reg.soft_cross_entropy(scores, targets)
    st_ = t(scores, True)
    loss_t = F.cross_entropy(st_, t(targets))
    loss_t.backward()
    assert math.isclose(loss, loss_t.item(), rel_tol=1e-12)
    assert np.allclose(dscores, st_.grad.numpy(), rtol=1e-10, atol=1e-14)
    # the notes' epsilon spread over C - 1 classes is torch's label_smoothing = epsilon * C / (C - 1)
    smoothed = F.cross_entropy(t(scores), torch.tensor(y), label_smoothing=epsilon * C / (C - 1)).item()
    assert math.isclose(loss, smoothed, rel_tol=1e-12)
    # unnormalised targets: the gradient of -sum t log p is p * sum(t) - t
    weird = rng.uniform(0, 2, size=(N, C))
    st_ = t(scores, True)
    (-(t(weird) * torch.log_softmax(st_, dim=1)).sum() / N).backward()
    assert np.allclose(reg.soft_cross_entropy(scores, weird)[1], st_.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_soft_cross_entropy_is_stable_for_huge_scores():
    scores = np.array([[1e4, -1e4, 0.0]])
    loss, dscores = reg.soft_cross_entropy(scores, reg.smooth_labels(np.array([0]), 3, 0.2))
    assert np.isfinite(loss) and np.all(np.isfinite(dscores))


# ---------------------------------------------------------------------------------------------------------------
# ensembles
# ---------------------------------------------------------------------------------------------------------------


def test_ensemble_predict_averages_torch_softmax_probabilities():
    scores = np.random.default_rng(19).normal(scale=2, size=(4, 6, 3))
    probs, labels = reg.ensemble_predict(scores)
    expected = torch.softmax(t(scores), dim=-1).mean(0).numpy()
    assert np.allclose(probs, expected, rtol=1e-14)
    assert np.array_equal(labels, expected.argmax(1))


def test_bootstrap_draws_with_replacement():
    indices = reg.bootstrap_indices(10_000, np.random.default_rng(20))
    assert indices.shape == (10_000,) and indices.min() >= 0 and indices.max() < 10_000
    assert abs(np.unique(indices).size / 10_000 - (1 - 1 / math.e)) < 0.01
    assert np.array_equal(indices, np.random.default_rng(20).integers(0, 10_000, size=10_000))


@pytest.mark.parametrize("cycle, lr_max, lr_min", [(10, 0.1, 0.0), (7, 1.0, 0.01)])
def test_cyclic_cosine_matches_torch_cosine_annealing_with_warm_restarts(cycle, lr_max, lr_min):
    w = torch.zeros(1, requires_grad=True)
    optimizer = torch.optim.SGD([w], lr=lr_max)
    scheduler = torch.optim.lr_scheduler.CosineAnnealingWarmRestarts(optimizer, T_0=cycle, eta_min=lr_min)
    for step in range(4 * cycle):
        assert math.isclose(reg.cyclic_cosine_lr(step, cycle, lr_max, lr_min), optimizer.param_groups[0]["lr"],
                            rel_tol=1e-12, abs_tol=1e-15)
        optimizer.step()
        scheduler.step()
