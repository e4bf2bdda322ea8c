"""Oracle tests for solutions/linear_models.py (Lab 2: linear models).

Independent oracles: PyTorch autograd (float64) for the MSE and BCE losses and their gradients, central
differences, np.linalg.lstsq, plain Python loops written here (perceptron, ADALINE, k-NN), scipy and
scikit-learn (multivariate normal, QuadraticDiscriminantAnalysis, KFold), and a real data set (digits).
"""

import math
import warnings

import numpy as np
import pytest
import torch
import torch.nn.functional as F
from hypothesis import given, settings
from hypothesis import strategies as st
from oracle import numeric_gradient, rel_error, t
from scipy.spatial.distance import cdist
from scipy.stats import multivariate_normal
from sklearn.datasets import load_digits
from sklearn.discriminant_analysis import QuadraticDiscriminantAnalysis
from sklearn.model_selection import KFold

from solutions import linear_models as lm

SHAPES = [(1, 1), (1, 4), (2, 3), (7, 1), (20, 5), (64, 10)]  # (N, D), N = 1 included


# ----------------------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------------------


def standardised_regression(rng, n, d, noise=0.1):
    X = rng.normal(size=(n, d))
    w = rng.normal(size=d)
    b = rng.normal()
    y = X @ w + b + noise * rng.normal(size=n)
    return X, y, w, b


def separable_blobs(rng, n, d, margin=1.0):
    """Two classes on either side of a random hyperplane, at least `margin` away from it."""
    w_true = rng.normal(size=d)
    w_true /= np.linalg.norm(w_true)
    b_true = rng.normal()
    X = rng.normal(scale=3.0, size=(4 * n, d))
    s = X @ w_true + b_true
    X = X[np.abs(s) >= margin][:n]
    y = (X @ w_true + b_true > 0).astype(np.int64)
    assert X.shape[0] == n and 0 < y.sum() < n
    return X, y


# ----------------------------------------------------------------------------------------------------------
# least squares
# ----------------------------------------------------------------------------------------------------------


def test_add_bias_column_puts_ones_first():
    X = np.random.default_rng(0).normal(size=(5, 3))
    Xb = lm.add_bias_column(X)
    assert Xb.shape == (5, 4)
    np.testing.assert_array_equal(Xb[:, 0], np.ones(5))
    np.testing.assert_array_equal(Xb[:, 1:], X)


@pytest.mark.parametrize("n,d", [(2, 1), (3, 2), (10, 1), (50, 4), (200, 12)])
def test_least_squares_fit_matches_lstsq(n, d):
    rng = np.random.default_rng(n * 100 + d)
    X = rng.normal(size=(n, d))
    y = rng.normal(size=n)
    theta = lm.least_squares_fit(X, y)
    expected, *_ = np.linalg.lstsq(np.hstack([np.ones((n, 1)), X]), y, rcond=None)
    assert theta.shape == (d + 1,)
    assert theta.dtype == np.float64
    np.testing.assert_allclose(theta, expected, rtol=1e-9, atol=1e-10)


def test_least_squares_fit_recovers_noiseless_parameters():
    rng = np.random.default_rng(1)
    X, y, w, b = standardised_regression(rng, 30, 3, noise=0.0)
    theta = lm.least_squares_fit(X, y)
    np.testing.assert_allclose(theta[0], b, atol=1e-12)
    np.testing.assert_allclose(theta[1:], w, atol=1e-12)


def test_least_squares_residual_orthogonal_to_columns():
    # normal equations: Xb^T (y - Xb theta) = 0
    rng = np.random.default_rng(2)
    X, y, _, _ = standardised_regression(rng, 40, 5, noise=1.0)
    theta = lm.least_squares_fit(X, y)
    Xb = lm.add_bias_column(X)
    np.testing.assert_allclose(Xb.T @ (y - Xb @ theta), 0.0, atol=1e-10)


@pytest.mark.parametrize("n,d", SHAPES)
def test_mse_loss_and_grad_vs_torch(n, d):
    rng = np.random.default_rng(10 + n * d)
    X = rng.normal(size=(n, d))
    y = rng.normal(size=n)
    theta = rng.normal(size=d + 1)
    loss, dtheta = lm.mse_loss_and_grad(theta, X, y)

    theta_t = t(theta, grad=True)
    Xb_t = torch.cat([torch.ones(n, 1, dtype=torch.float64), t(X)], dim=1)
    loss_t = F.mse_loss(Xb_t @ theta_t, t(y), reduction="mean")
    loss_t.backward()

    assert isinstance(loss, float)
    assert dtheta.shape == (d + 1,)
    np.testing.assert_allclose(loss, loss_t.item(), rtol=1e-12)
    np.testing.assert_allclose(dtheta, theta_t.grad.numpy(), rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize("n,d", [(1, 2), (9, 3)])
def test_mse_grad_numeric(n, d):
    rng = np.random.default_rng(20 + n)
    X = rng.normal(size=(n, d))
    y = rng.normal(size=n)
    theta = rng.normal(size=d + 1)
    _, dtheta = lm.mse_loss_and_grad(theta, X, y)
    num = numeric_gradient(lambda v: lm.mse_loss_and_grad(v, X, y)[0], theta)
    assert rel_error(dtheta, num) < 1e-7


def test_mse_zero_at_exact_fit():
    rng = np.random.default_rng(3)
    X, y, w, b = standardised_regression(rng, 15, 2, noise=0.0)
    loss, dtheta = lm.mse_loss_and_grad(np.concatenate([[b], w]), X, y)
    assert loss < 1e-25
    np.testing.assert_allclose(dtheta, 0.0, atol=1e-12)


@pytest.mark.parametrize("n,d", [(3, 1), (40, 3), (100, 6)])
def test_least_squares_gd_agrees_with_closed_form(n, d):
    rng = np.random.default_rng(30 + n)
    X, y, _, _ = standardised_regression(rng, n, d, noise=0.5)
    X = (X - X.mean(0)) / X.std(0) if n > 3 else X  # well conditioned
    theta_cf = lm.least_squares_fit(X, y)
    # step size below 1 / lambda_max of the Hessian (2/N) Xb^T Xb guarantees monotone convergence
    lam_max = np.linalg.eigvalsh(2.0 / n * lm.add_bias_column(X).T @ lm.add_bias_column(X)).max()
    theta_gd, losses = lm.least_squares_gd(X, y, lr=0.9 / lam_max, n_steps=3000)
    np.testing.assert_allclose(theta_gd, theta_cf, rtol=1e-7, atol=1e-8)
    assert losses.shape == (3000,)
    np.testing.assert_allclose(losses[0], np.mean(y ** 2), rtol=1e-12)  # loss at theta = 0
    assert np.all(np.diff(losses) <= 1e-12)
    np.testing.assert_allclose(losses[-1], lm.mse_loss_and_grad(theta_cf, X, y)[0], rtol=1e-9)


def test_least_squares_gd_one_step():
    rng = np.random.default_rng(4)
    X, y, _, _ = standardised_regression(rng, 12, 3)
    theta, losses = lm.least_squares_gd(X, y, lr=0.05, n_steps=1)
    _, g0 = lm.mse_loss_and_grad(np.zeros(4), X, y)
    np.testing.assert_allclose(theta, -0.05 * g0, rtol=1e-14)
    assert losses.shape == (1,)


# ----------------------------------------------------------------------------------------------------------
# perceptron
# ----------------------------------------------------------------------------------------------------------


def perceptron_loop(X, y, lr, epochs):
    """Hand simulation with plain Python floats, written independently of the reference."""
    d = len(X[0])
    w = [0.0] * d
    b = 0.0
    for _ in range(epochs):
        for x_i, y_i in zip(X, y):
            z = sum(wj * xj for wj, xj in zip(w, x_i)) + b
            yhat = 1 if z >= 0 else 0
            e = y_i - yhat
            w = [wj + lr * e * xj for wj, xj in zip(w, x_i)]
            b = b + lr * e
    return np.array(w), b


@pytest.mark.parametrize("n,d,lr", [(1, 1, 1.0), (1, 3, 0.5), (10, 2, 0.1), (25, 4, 1.0)])
def test_perceptron_first_epoch_matches_hand_simulation(n, d, lr):
    rng = np.random.default_rng(40 + n + d)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, 2, size=n)  # not necessarily separable: the update rule is what is tested
    w, b = lm.perceptron_train(X, y, lr, epochs=1)
    w_ref, b_ref = perceptron_loop(X.tolist(), y.tolist(), lr, 1)
    assert w.shape == (d,)
    np.testing.assert_allclose(w, w_ref, rtol=1e-13, atol=1e-14)
    assert math.isclose(float(b), b_ref, rel_tol=1e-13, abs_tol=1e-14)
    # and several epochs, in data order
    w3, b3 = lm.perceptron_train(X, y, lr, epochs=3)
    w3_ref, b3_ref = perceptron_loop(X.tolist(), y.tolist(), lr, 3)
    np.testing.assert_allclose(w3, w3_ref, rtol=1e-12, atol=1e-13)
    assert math.isclose(float(b3), b3_ref, rel_tol=1e-12, abs_tol=1e-13)


def test_perceptron_zero_activation_predicts_one():
    # with w = 0, b = 0 the first z is exactly 0 -> yhat = 1: a label-1 sample causes no update,
    # a label-0 sample is subtracted.
    x = np.array([[2.0, -1.0]])
    w1, b1 = lm.perceptron_train(x, np.array([1]), lr=0.5, epochs=1)
    np.testing.assert_array_equal(w1, np.zeros(2))
    assert b1 == 0.0
    w0, b0 = lm.perceptron_train(x, np.array([0]), lr=0.5, epochs=1)
    np.testing.assert_array_equal(w0, -0.5 * x[0])
    assert b0 == -0.5


@pytest.mark.parametrize("seed,d", [(0, 2), (1, 5)])
def test_perceptron_converges_on_separable_data(seed, d):
    rng = np.random.default_rng(seed)
    X, y = separable_blobs(rng, 80, d, margin=0.5)
    w, b = lm.perceptron_train(X, y, lr=1.0, epochs=200)
    assert np.all(lm.perceptron_predict(w, b, X) == y)
    # converged: one more epoch makes no mistake, so changes nothing
    w2, b2 = lm.perceptron_train(X, y, lr=1.0, epochs=201)
    np.testing.assert_array_equal(w2, w)
    assert b2 == b


def test_perceptron_predict_threshold():
    rng = np.random.default_rng(5)
    X = rng.normal(size=(30, 3))
    w = rng.normal(size=3)
    b = 0.3
    yhat = lm.perceptron_predict(w, b, X)
    assert yhat.shape == (30,)
    assert yhat.dtype == np.int64
    np.testing.assert_array_equal(yhat, np.where(X @ w + b >= 0, 1, 0))
    # exactly on the boundary -> 1
    assert lm.perceptron_predict(np.zeros(3), 0.0, X[:1])[0] == 1


# ----------------------------------------------------------------------------------------------------------
# ADALINE
# ----------------------------------------------------------------------------------------------------------


def adaline_loop(X, y, lr, epochs, normalized):
    d = len(X[0])
    w = [0.0] * d
    b = 0.0
    for _ in range(epochs):
        for x_i, y_i in zip(X, y):
            z = sum(wj * xj for wj, xj in zip(w, x_i)) + b
            step = lr * (y_i - z)
            if normalized:
                step /= 1.0 + sum(xj * xj for xj in x_i)  # ||[1, x]||^2
            w = [wj + step * xj for wj, xj in zip(w, x_i)]
            b = b + step
    return np.array(w), b


@pytest.mark.parametrize("normalized", [False, True])
@pytest.mark.parametrize("n,d,lr,epochs", [(1, 1, 0.3, 1), (1, 4, 0.7, 3), (12, 3, 0.05, 1), (20, 2, 0.5, 4)])
def test_adaline_matches_hand_simulation(n, d, lr, epochs, normalized):
    rng = np.random.default_rng(50 + n + d)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, 2, size=n).astype(np.float64)
    w, b = lm.adaline_train(X, y, lr, epochs, normalized=normalized)
    w_ref, b_ref = adaline_loop(X.tolist(), y.tolist(), lr, epochs, normalized)
    assert w.shape == (d,)
    np.testing.assert_allclose(w, w_ref, rtol=1e-11, atol=1e-13)
    assert math.isclose(float(b), b_ref, rel_tol=1e-11, abs_tol=1e-13)


@pytest.mark.parametrize("normalized,lr", [(False, 0.05), (True, 0.5)])
def test_adaline_recovers_noiseless_linear_target(normalized, lr):
    # consistent targets: the LMS iteration converges to the exact solution
    rng = np.random.default_rng(6)
    X, y, w_true, b_true = standardised_regression(rng, 30, 3, noise=0.0)
    w, b = lm.adaline_train(X, y, lr, epochs=150, normalized=normalized)
    np.testing.assert_allclose(w, w_true, atol=1e-6)
    np.testing.assert_allclose(b, b_true, atol=1e-6)


@settings(max_examples=60, deadline=None)
@given(
    x=st.lists(st.floats(-1e3, 1e3), min_size=1, max_size=5),
    target=st.floats(-10, 10),
    lr=st.floats(0.0, 2.0),
)
def test_adaline_normalized_shrinks_error_by_one_minus_lr(x, target, lr):
    # NLMS: after one update on a sample its error is (1 - lr) times the old one, for any scale of x
    X = np.array([x])
    w, b = lm.adaline_train(X, np.array([target]), lr, epochs=1, normalized=True)
    new_error = target - (X[0] @ w + b)
    assert abs(new_error - (1 - lr) * target) <= 1e-9 * (1 + abs(target))


# ----------------------------------------------------------------------------------------------------------
# logistic regression
# ----------------------------------------------------------------------------------------------------------


def test_sigmoid_matches_torch_and_is_stable():
    z = np.concatenate([np.linspace(-50, 50, 201), [-1e308, -1000.0, -745.0, -709.0, 0.0, 709.0, 1000.0, 1e308]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with np.errstate(over="raise", invalid="raise", divide="raise"):  # underflow to 0 is fine
            s = lm.sigmoid(z)
    assert s.shape == z.shape and s.dtype == np.float64
    assert np.all(np.isfinite(s)) and np.all((s >= 0) & (s <= 1))
    # atol: at z = -745 we return the subnormal 5e-324 (the true value rounds to it), torch returns 0
    np.testing.assert_allclose(s, torch.sigmoid(t(z)).numpy(), rtol=1e-14, atol=1e-320)
    assert lm.sigmoid(0.0) == 0.5
    assert np.shape(lm.sigmoid(3.0)) == ()
    assert lm.sigmoid(np.zeros((2, 3, 4))).shape == (2, 3, 4)


@settings(max_examples=200, deadline=None)
@given(st.floats(-700, 700))
def test_sigmoid_symmetry(z):
    assert abs(lm.sigmoid(-z) - (1.0 - lm.sigmoid(z))) <= 1e-15


@pytest.mark.parametrize("n,d", SHAPES)
@pytest.mark.parametrize("scale", [1.0, 40.0])  # 40: logits of several hundred, where naive BCE would overflow
def test_bce_loss_vs_torch(n, d, scale):
    rng = np.random.default_rng(60 + n * d)
    X = scale * rng.normal(size=(n, d))
    y = rng.integers(0, 2, size=n).astype(np.float64)
    w = rng.normal(size=d)
    b = float(rng.normal())
    loss, dw, db = lm.bce_loss(w, b, X, y)

    w_t = t(w, grad=True)
    b_t = t(b, grad=True)
    loss_t = F.binary_cross_entropy_with_logits(t(X) @ w_t + b_t, t(y), reduction="mean")
    loss_t.backward()

    assert isinstance(loss, float) and isinstance(db, float)
    assert dw.shape == (d,)
    np.testing.assert_allclose(loss, loss_t.item(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dw, w_t.grad.numpy(), rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(db, b_t.grad.item(), rtol=1e-10, atol=1e-13)


def test_bce_soft_labels_vs_torch():
    rng = np.random.default_rng(7)
    X = rng.normal(size=(16, 3))
    y = rng.uniform(size=16)
    w = rng.normal(size=3)
    loss, dw, db = lm.bce_loss(w, -0.2, X, y)
    w_t = t(w, grad=True)
    b_t = t(-0.2, grad=True)
    loss_t = F.binary_cross_entropy_with_logits(t(X) @ w_t + b_t, t(y))
    loss_t.backward()
    np.testing.assert_allclose([loss, db], [loss_t.item(), b_t.grad.item()], rtol=1e-12)
    np.testing.assert_allclose(dw, w_t.grad.numpy(), rtol=1e-10)


@pytest.mark.parametrize("n,d", [(1, 3), (10, 4)])
def test_bce_grad_numeric(n, d):
    rng = np.random.default_rng(70 + n)
    X = rng.normal(size=(n, d))
    y = rng.integers(0, 2, size=n).astype(np.float64)
    w = rng.normal(size=d)
    bb = np.array([0.4])
    _, dw, db = lm.bce_loss(w, bb[0], X, y)
    num_w = numeric_gradient(lambda v: lm.bce_loss(v, bb[0], X, y)[0], w)
    num_b = numeric_gradient(lambda v: lm.bce_loss(w, v[0], X, y)[0], bb)
    assert rel_error(dw, num_w) < 1e-7
    assert rel_error(db, num_b[0]) < 1e-7


def test_logistic_regression_train_vs_torch_gd():
    rng = np.random.default_rng(8)
    X = rng.normal(size=(40, 3))
    y = (X @ [1.0, -2.0, 0.5] + 0.3 * rng.normal(size=40) > 0).astype(np.float64)
    lr, n_steps = 0.5, 50
    w, b, losses = lm.logistic_regression_train(X, y, lr, n_steps)

    w_t = torch.zeros(3, dtype=torch.float64, requires_grad=True)
    b_t = torch.zeros((), dtype=torch.float64, requires_grad=True)
    opt = torch.optim.SGD([w_t, b_t], lr=lr)
    losses_t = []
    for _ in range(n_steps):
        opt.zero_grad()
        loss_t = F.binary_cross_entropy_with_logits(t(X) @ w_t + b_t, t(y))
        losses_t.append(loss_t.item())
        loss_t.backward()
        opt.step()

    assert losses.shape == (n_steps,)
    np.testing.assert_allclose(losses[0], np.log(2.0), rtol=1e-14)
    np.testing.assert_allclose(losses, losses_t, rtol=1e-11)
    np.testing.assert_allclose(w, w_t.detach().numpy(), rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b, b_t.item(), rtol=1e-10, atol=1e-12)


def test_logistic_regression_digits_0_vs_1():
    digits = load_digits()
    keep = digits.target <= 1
    X = digits.data[keep] / 16.0
    y = digits.target[keep].astype(np.float64)
    perm = np.random.default_rng(0).permutation(len(y))
    n_train = int(0.7 * len(y))
    tr, te = perm[:n_train], perm[n_train:]
    w, b, losses = lm.logistic_regression_train(X[tr], y[tr], lr=0.5, n_steps=300)
    assert losses[-1] < losses[0]
    acc = np.mean(lm.perceptron_predict(w, b, X[te]) == y[te])
    assert acc >= 0.95, acc


# ----------------------------------------------------------------------------------------------------------
# k-nearest neighbours
# ----------------------------------------------------------------------------------------------------------


def knn_brute_force(X_train, y_train, X_test, k, metric):
    """Loop implementation of the documented rules: sort by (distance, training index), then majority vote
    with ties going to the smallest label."""
    preds = []
    for x in X_test:
        dists = []
        for j, xt in enumerate(X_train):
            if metric == "l2":
                dist = math.sqrt(sum((a - c) ** 2 for a, c in zip(x, xt)))
            else:
                dist = sum(abs(a - c) for a, c in zip(x, xt))
            dists.append((dist, j))
        dists.sort()
        counts = {}
        for _, j in dists[:k]:
            counts[y_train[j]] = counts.get(y_train[j], 0) + 1
        best = max(counts.values())
        preds.append(min(label for label, c in counts.items() if c == best))
    return np.array(preds)


@pytest.mark.parametrize("m,n,d", [(1, 1, 1), (1, 6, 3), (7, 1, 2), (15, 30, 4)])
def test_pairwise_distances_vs_torch_and_scipy(m, n, d):
    rng = np.random.default_rng(80 + m + n)
    A = rng.normal(size=(m, d))
    B = rng.normal(size=(n, d))
    for metric, p, name in [("l2", 2.0, "euclidean"), ("l1", 1.0, "cityblock")]:
        D = lm.pairwise_distances(A, B, metric=metric)
        assert D.shape == (m, n)
        oracle = torch.cdist(t(A), t(B), p=p, compute_mode="donot_use_mm_for_euclid_dist").numpy()
        np.testing.assert_allclose(D, oracle, rtol=1e-10, atol=1e-7)
        np.testing.assert_allclose(D, cdist(A, B, name), rtol=1e-10, atol=1e-7)
    np.testing.assert_allclose(lm.pairwise_distances(A, B), lm.pairwise_distances(A, B, "l2"))


def test_pairwise_distances_self_is_zero_and_bad_metric():
    X = np.random.default_rng(9).normal(size=(6, 3)) * 100
    D = lm.pairwise_distances(X, X)
    assert np.all(D >= 0)
    np.testing.assert_allclose(np.diag(D), 0.0, atol=1e-5)
    np.testing.assert_allclose(D, D.T, atol=1e-10)
    with pytest.raises(ValueError):
        lm.pairwise_distances(X, X, metric="cosine")


@pytest.mark.parametrize("metric", ["l2", "l1"])
@pytest.mark.parametrize("k", [1, 2, 3, 4, 7])
def test_knn_predict_vs_brute_force_random(metric, k):
    rng = np.random.default_rng(90 + k)
    X_train = rng.normal(size=(25, 3))
    y_train = rng.integers(0, 3, size=25)
    X_test = rng.normal(size=(12, 3))
    pred = lm.knn_predict(X_train, y_train, X_test, k, metric=metric)
    assert pred.shape == (12,)
    np.testing.assert_array_equal(pred, knn_brute_force(X_train.tolist(), y_train.tolist(), X_test.tolist(), k, metric))


@pytest.mark.parametrize("metric", ["l2", "l1"])
@pytest.mark.parametrize("k", [1, 2, 4, 6])
def test_knn_predict_vs_brute_force_with_ties(metric, k):
    # integer grid: many exactly equal distances (exact in float64) and many tied votes
    rng = np.random.default_rng(100 + k)
    X_train = rng.integers(-2, 3, size=(30, 2)).astype(np.float64)
    y_train = rng.integers(1, 5, size=30)
    X_test = rng.integers(-2, 3, size=(20, 2)).astype(np.float64)
    pred = lm.knn_predict(X_train, y_train, X_test, k, metric=metric)
    np.testing.assert_array_equal(pred, knn_brute_force(X_train.tolist(), y_train.tolist(), X_test.tolist(), k, metric))


def test_knn_tie_rules_small_case():
    X_train = np.array([[-1.0], [1.0], [5.0]])
    y_train = np.array([7, 3, 3])
    X_test = np.array([[0.0]])
    # both first two points at distance 1: the smaller training index (label 7) is the 1-NN
    assert lm.knn_predict(X_train, y_train, X_test, 1)[0] == 7
    # k = 2: one vote each for 7 and 3 -> smallest label
    assert lm.knn_predict(X_train, y_train, X_test, 2)[0] == 3
    for k in (1, 2, 3):
        assert lm.knn_predict(X_train, y_train, X_test, k)[0] == knn_brute_force(
            X_train.tolist(), y_train.tolist(), X_test.tolist(), k, "l2")[0]


def test_knn_k1_on_training_set_is_identity():
    rng = np.random.default_rng(11)
    X = rng.normal(size=(20, 4))
    y = rng.integers(0, 5, size=20)
    np.testing.assert_array_equal(lm.knn_predict(X, y, X, 1), y)


# ----------------------------------------------------------------------------------------------------------
# Gaussian maximum-likelihood classifier
# ----------------------------------------------------------------------------------------------------------


def gaussian_data(rng, sizes, d):
    X, y = [], []
    for c, n_c in enumerate(sizes):
        A = np.linalg.qr(rng.normal(size=(d, d)))[0] * rng.uniform(0.5, 2.0, size=d)  # well conditioned
        X.append(rng.normal(size=(n_c, d)) @ A + 2.0 * rng.normal(size=d))
        y.append(np.full(n_c, 2 * c + 1))  # labels 1, 3, 5, ... (not 0..C-1)
    return np.vstack(X), np.concatenate(y)


@pytest.mark.parametrize("reg", [0.0, 0.1])
def test_gaussian_mle_fit_vs_numpy(reg):
    rng = np.random.default_rng(12)
    X, y = gaussian_data(rng, [30, 50, 20], 3)
    perm = rng.permutation(len(y))
    X, y = X[perm], y[perm]
    classes, means, covs = lm.gaussian_mle_fit(X, y, reg=reg)
    np.testing.assert_array_equal(classes, [1, 3, 5])
    assert means.shape == (3, 3) and covs.shape == (3, 3, 3)
    for c, label in enumerate(classes):
        Xc = X[y == label]
        np.testing.assert_allclose(means[c], Xc.mean(axis=0), rtol=1e-12)
        expected = np.cov(Xc, rowvar=False, bias=True) + reg * np.eye(3)  # MLE: divide by N_c
        np.testing.assert_allclose(covs[c], expected, rtol=1e-11, atol=1e-13)


@pytest.mark.parametrize("n,d", [(1, 1), (1, 3), (40, 2), (25, 5)])
def test_gaussian_log_likelihood_vs_scipy(n, d):
    rng = np.random.default_rng(130 + n + d)
    X_fit, y_fit = gaussian_data(rng, [40, 60], d)
    _, means, covs = lm.gaussian_mle_fit(X_fit, y_fit)
    X = rng.normal(size=(n, d)) * 2
    ll = lm.gaussian_log_likelihood(X, means, covs)
    assert ll.shape == (n, 2)
    for c in range(2):
        np.testing.assert_allclose(ll[:, c], multivariate_normal(means[c], covs[c]).logpdf(X), rtol=1e-10)


@pytest.mark.parametrize("seed,sizes,d", [(0, [60, 25], 2), (1, [40, 70, 35], 4)])
def test_gaussian_mle_predict_vs_sklearn_qda(seed, sizes, d):
    rng = np.random.default_rng(140 + seed)
    X, y = gaussian_data(rng, sizes, d)
    X_test = rng.normal(size=(300, d)) * X.std(0) + X.mean(0)
    classes, means, covs = lm.gaussian_mle_fit(X, y)
    C = len(classes)
    qda = QuadraticDiscriminantAnalysis(priors=np.full(C, 1.0 / C), reg_param=0.0, store_covariance=True)
    qda.fit(X, y)
    np.testing.assert_allclose(means, qda.means_, rtol=1e-10)
    # QDA's decision is the same log-likelihood up to a constant: compare the normalised log posteriors
    ll = lm.gaussian_log_likelihood(X_test, means, covs)
    log_post = ll - np.logaddexp.reduce(ll, axis=1, keepdims=True)
    np.testing.assert_allclose(log_post, qda.predict_log_proba(X_test), rtol=1e-7, atol=1e-8)
    pred = lm.gaussian_mle_predict(X_test, classes, means, covs)
    np.testing.assert_array_equal(pred, qda.predict(X_test))
    assert np.mean(lm.gaussian_mle_predict(X, classes, means, covs) == y) > 0.8


def test_gaussian_mle_digits_with_reg():
    # constant border pixels make the pure MLE covariance singular; the ridge fixes it
    digits = load_digits()
    X = digits.data / 16.0
    y = digits.target
    perm = np.random.default_rng(0).permutation(len(y))
    tr, te = perm[:1200], perm[1200:]
    classes, means, covs = lm.gaussian_mle_fit(X[tr], y[tr], reg=0.05)
    np.testing.assert_array_equal(classes, np.arange(10))
    acc = np.mean(lm.gaussian_mle_predict(X[te], classes, means, covs) == y[te])
    assert acc > 0.9, acc


# ----------------------------------------------------------------------------------------------------------
# k-fold cross-validation
# ----------------------------------------------------------------------------------------------------------


@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_kfold_indices_partition(data):
    n = data.draw(st.integers(2, 60))
    k = data.draw(st.integers(2, n))
    seed = data.draw(st.one_of(st.none(), st.integers(0, 2 ** 32 - 1)))
    rng = None if seed is None else np.random.default_rng(seed)
    splits = lm.kfold_indices(n, k, rng)
    assert len(splits) == k
    all_val = np.concatenate([val for _, val in splits])
    np.testing.assert_array_equal(np.sort(all_val), np.arange(n))  # every index validated exactly once
    sizes = [len(val) for _, val in splits]
    assert sizes == sorted(sizes, reverse=True) and max(sizes) - min(sizes) <= 1
    assert sizes.count(n // k + 1) == n % k
    for train, val in splits:
        assert len(np.intersect1d(train, val)) == 0
        np.testing.assert_array_equal(np.sort(np.concatenate([train, val])), np.arange(n))
        assert np.issubdtype(train.dtype, np.integer) and np.issubdtype(val.dtype, np.integer)


@pytest.mark.parametrize("n,k", [(10, 2), (10, 3), (17, 5), (8, 8)])
def test_kfold_indices_unshuffled_matches_sklearn(n, k):
    ours = lm.kfold_indices(n, k)
    theirs = list(KFold(n_splits=k, shuffle=False).split(np.zeros(n)))
    for (tr, va), (tr_s, va_s) in zip(ours, theirs):
        np.testing.assert_array_equal(va, va_s)
        np.testing.assert_array_equal(tr, tr_s)


def test_kfold_indices_shuffled_follows_rng_permutation():
    n, k = 23, 4
    splits = lm.kfold_indices(n, k, np.random.default_rng(5))
    perm = np.random.default_rng(5).permutation(n)
    for (_, va), chunk in zip(splits, np.array_split(perm, k)):
        np.testing.assert_array_equal(va, chunk)
    again = lm.kfold_indices(n, k, np.random.default_rng(5))
    for (tr1, va1), (tr2, va2) in zip(splits, again):
        np.testing.assert_array_equal(tr1, tr2)
        np.testing.assert_array_equal(va1, va2)


def test_kfold_indices_rejects_bad_k():
    with pytest.raises(ValueError):
        lm.kfold_indices(5, 1)
    with pytest.raises(ValueError):
        lm.kfold_indices(5, 6)


@pytest.mark.parametrize("shuffle_seed", [None, 3])
def test_cross_validate_knn_vs_loop(shuffle_seed):
    rng = np.random.default_rng(15)
    X = rng.integers(-3, 4, size=(32, 2)).astype(np.float64)  # ties included
    y = rng.integers(0, 3, size=32)
    ks = [1, 2, 5]
    n_folds = 4
    for metric in ("l2", "l1"):
        rng_arg = None if shuffle_seed is None else np.random.default_rng(shuffle_seed)
        acc = lm.cross_validate_knn(X, y, ks, n_folds, metric=metric, rng=rng_arg)
        order = np.arange(32) if shuffle_seed is None else np.random.default_rng(shuffle_seed).permutation(32)
        folds = np.array_split(order, n_folds)
        expected = []
        for k in ks:
            fold_acc = []
            for j, va in enumerate(folds):
                tr = np.concatenate([f for i, f in enumerate(folds) if i != j])
                pred = knn_brute_force(X[tr].tolist(), y[tr].tolist(), X[va].tolist(), k, metric)
                fold_acc.append(np.mean(pred == y[va]))
            expected.append(np.mean(fold_acc))
        assert acc.shape == (3,)
        np.testing.assert_allclose(acc, expected, rtol=1e-14)


def test_cross_validate_knn_on_digits():
    digits = load_digits()
    X = digits.data[:400] / 16.0
    y = digits.target[:400]
    acc = lm.cross_validate_knn(X, y, [1, 3, 15], 5, metric="l2", rng=np.random.default_rng(0))
    assert acc.shape == (3,) and np.all((acc >= 0) & (acc <= 1))
    assert acc[0] > 0.9, acc
