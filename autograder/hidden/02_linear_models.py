"""Hidden tests of Lab 2 (linear models). Inputs are random; answers come from the reference module.

Tolerances
----------
- Values computed with the same formula as the reference: rtol 1e-7 (the helpers' default).
- Linear solves (least squares, Gaussian log-densities): rtol 1e-6, since solve, lstsq, inv and pinv round
  differently.
- Per-sample training loops (perceptron, ADALINE) are compared "exactly": rtol 1e-9, which allows only the rounding
  of a different but equivalent order of operations (e.g. an augmented weight vector [b, w]).
- Analytic gradients are also compared with central differences of the student's OWN loss (h = 1e-5, float64):
  the relative error ``max(|a - b| / max(1e-8, |a| + |b|))`` must be below ``GRAD_TOL = 1e-6``.
- Labels and index arrays must be integer arrays equal to the reference's.
"""

import numpy as np

import solutions.linear_models as ref
from autograder.grade.spec import (
    FnRef,
    Spec,
    TestFailure,
    as_array,
    count,
    expect_close,
    expect_gradient,
    expect_labels,
    expect_tuple,
    kind_of,
    local_fn,
    numeric_gradient,
)

spec = Spec("02_linear_models", {
    "least_squares": "least squares in closed form",
    "least_squares_gd": "least squares by gradient descent",
    "perceptron": "the perceptron",
    "adaline": "ADALINE (Widrow-Hoff)",
    "logistic_regression": "logistic regression",
    "knn": "k-nearest neighbours",
    "gaussian_mle": "the Gaussian maximum-likelihood classifier",
    "cross_validation": "k-fold cross-validation",
})

GRAD_TOL = 1e-6
EXACT = 1e-9  # rtol of "exact" trajectory comparisons


# ------------------------------------------------------------------------------------------------ helpers


def _mse(student, theta, X, y):
    return expect_tuple(student.mse_loss_and_grad(theta, X, y), ("loss", "dtheta"), "mse_loss_and_grad")


def _bce(student, w, b, X, y):
    return expect_tuple(student.bce_loss(w, b, X, y), ("loss", "dw", "db"), "bce_loss")


def _scalar(got, what):
    return float(as_array(got, what, allow_scalar=True))


def _regression_data(rng, n, d, noise=0.5):
    X = rng.normal(size=(n, d))
    y = X @ rng.normal(size=d) + rng.normal() + noise * rng.normal(size=n)
    return X, y


def _binary_data(rng, n, d, separable=False):
    """Random binary data; with ``separable`` the labels come from a random hyperplane. ``y[0] == 0`` always, so
    the perceptron's very first step (z = 0 predicts 1) is a mistake and every run updates its weights."""
    X = rng.normal(scale=2.0, size=(n, d))
    if separable:
        w, b = rng.normal(size=d), rng.normal()
        y = (X @ w + b >= 0).astype(np.int64)
        if y[0] == 1:
            y = 1 - y
    else:
        y = rng.integers(0, 2, size=n)
        y[0] = 0
    return X, y


# ------------------------------------------------------------------------------------------ least squares


@spec.test("least_squares", points=2)
def fit_on_random_data(rng, student):
    """least_squares_fit on random data of several shapes (D = 1 included)"""
    for n, d in ((int(rng.integers(5, 12)), 1), (int(rng.integers(8, 20)), int(rng.integers(2, 5))), (40, 6)):
        X, y = _regression_data(rng, n, d)
        expect_close(student.least_squares_fit(X, y), ref.least_squares_fit(X, y),
                     f"theta for data of shape ({n}, {d})", rtol=1e-6, atol=1e-8)


@spec.test("least_squares")
def fit_recovers_a_noiseless_model(rng, student):
    """without noise, theta is [bias, weights] of the model that made the data (inputs far from 0)"""
    n, d = int(rng.integers(6, 15)), int(rng.integers(1, 4))
    X = rng.normal(loc=5.0, size=(n, d))
    y = X @ rng.normal(size=d) + float(rng.uniform(3, 10))
    expect_close(student.least_squares_fit(X, y), ref.least_squares_fit(X, y), "theta", rtol=1e-6, atol=1e-8)


@spec.test("least_squares")
def fit_with_as_many_samples_as_parameters(rng, student):
    """N = D + 1: the fit goes through every point"""
    d = int(rng.integers(1, 4))
    X = rng.normal(size=(d + 1, d))
    y = rng.normal(size=d + 1)
    expect_close(student.least_squares_fit(X, y), ref.least_squares_fit(X, y), "theta", rtol=1e-6, atol=1e-8)


# ------------------------------------------------------------------------------------- least squares by GD

SHAPES = ((1, 1), (1, 3), (4, 2), (10, 1))


@spec.test("least_squares_gd")
def mse_loss_value(rng, student):
    """mse_loss_and_grad: the loss on random inputs (N = 1 included)"""
    for n, d in SHAPES:
        X, y = _regression_data(rng, n, d)
        theta = rng.normal(size=d + 1)
        got = _mse(student, theta, X, y)
        expect_close(got[0], ref.mse_loss_and_grad(theta, X, y)[0], f"the loss for X of shape ({n}, {d})",
                     allow_scalar=True)


@spec.test("least_squares_gd")
def mse_gradient_value(rng, student):
    """mse_loss_and_grad: the gradient on random inputs (N = 1 included)"""
    for n, d in SHAPES:
        X, y = _regression_data(rng, n, d)
        theta = rng.normal(size=d + 1)
        got = _mse(student, theta, X, y)
        expect_close(got[1], ref.mse_loss_and_grad(theta, X, y)[1], f"dtheta for X of shape ({n}, {d})")


@spec.test("least_squares_gd")
def mse_gradient_matches_numeric_gradient(rng, student):
    """dtheta matches central differences of your own loss (h = 1e-5, rel. error < 1e-6)"""
    for n, d in ((1, 2), (6, 3)):
        X, y = _regression_data(rng, n, d)
        theta = rng.normal(size=d + 1)
        _, dtheta = _mse(student, theta, X, y)
        numeric = numeric_gradient(lambda t: _scalar(_mse(student, t, X, y)[0], "the loss"), theta)
        expect_gradient(dtheta, numeric, f"dtheta of your loss (X of shape ({n}, {d}))", GRAD_TOL)


@spec.test("least_squares_gd", points=2)
def gd_first_steps(rng, student):
    """least_squares_gd: theta and the losses after a few steps from theta = 0"""
    for n, d in ((1, 2), (int(rng.integers(5, 15)), int(rng.integers(1, 4)))):
        X, y = _regression_data(rng, n, d)
        lr, steps = float(rng.uniform(0.01, 0.1)), int(rng.integers(1, 6))
        got = expect_tuple(student.least_squares_gd(X, y, lr, steps), ("theta", "losses"), "least_squares_gd")
        theta, losses = ref.least_squares_gd(X, y, lr, steps)
        expect_close(got[0], theta, f"theta after {steps} steps")
        expect_close(got[1], losses, f"the array of losses ({steps} steps)")


@spec.test("least_squares_gd")
def gd_agrees_with_the_closed_form(rng, student):
    """after enough steps, gradient descent reaches the closed-form least-squares solution"""
    X, y = _regression_data(rng, 200, 3)
    got = expect_tuple(student.least_squares_gd(X, y, 0.3, 300), ("theta", "losses"), "least_squares_gd")
    expect_close(got[0], ref.least_squares_fit(X, y), "theta after 300 steps with lr = 0.3 (vs. the closed form)",
                 rtol=1e-6, atol=1e-8)


# -------------------------------------------------------------------------------------------- perceptron


@spec.test("perceptron")
def predict_on_random_points(rng, student):
    """perceptron_predict on random weights and points (N = 1 included)"""
    for n, d in ((1, 3), (int(rng.integers(5, 30)), int(rng.integers(1, 5)))):
        X = rng.normal(size=(n, d))
        w, b = rng.normal(size=d), float(rng.normal())
        expect_labels(student.perceptron_predict(w, b, X), ref.perceptron_predict(w, b, X),
                      f"the array of predictions for {n} point{'s' if n > 1 else ''}")


@spec.test("perceptron")
def predict_on_the_boundary(rng, student):
    """points exactly on the boundary (z = 0) are class 1"""
    d = int(rng.integers(2, 5))
    w = rng.integers(-3, 4, size=d).astype(np.float64)
    w[0] = 1.0
    X = rng.integers(-4, 5, size=(12, d)).astype(np.float64)
    b = -float(X[0] @ w)  # X[0] lies on the boundary; integer arithmetic is exact
    X[1::2, 0] -= X[1::2] @ w + b  # so do all odd rows
    expect_labels(student.perceptron_predict(w, b, X), ref.perceptron_predict(w, b, X),
                  "the array of predictions (half of the points lie on the boundary)")


def _perceptron_runs(rng, student, cases):
    for n, d, epochs, separable in cases:
        X, y = _binary_data(rng, n, d, separable)
        lr = float(rng.choice([1.0, rng.uniform(0.05, 0.5)]))
        got = expect_tuple(student.perceptron_train(X, y, lr, epochs), ("w", "b"), "perceptron_train")
        w, b = ref.perceptron_train(X, y, lr, epochs)
        what = f"after {count(epochs, 'epoch')} on {count(n, 'sample')}"
        expect_close(got[0], w, f"w {what}", rtol=EXACT, atol=1e-12)
        expect_close(got[1], b, f"b {what}", rtol=EXACT, atol=1e-12, allow_scalar=True)


@spec.test("perceptron")
def train_one_epoch(rng, student):
    """perceptron_train: one epoch on random data equals the reference exactly (N = 1 included)"""
    _perceptron_runs(rng, student, [(1, 2, 1, False), (int(rng.integers(3, 9)), int(rng.integers(1, 4)), 1, False)])


@spec.test("perceptron")
def train_several_epochs(rng, student):
    """perceptron_train: several epochs on random data equal the reference exactly"""
    _perceptron_runs(rng, student, [(int(rng.integers(4, 10)), int(rng.integers(1, 4)), int(rng.integers(2, 6)),
                                     False) for _ in range(2)])


@spec.test("perceptron")
def train_on_separable_data(rng, student):
    """perceptron_train on linearly separable data (20 epochs) equals the reference"""
    _perceptron_runs(rng, student, [(int(rng.integers(10, 25)), 2, 20, True)])


# ------------------------------------------------------------------------------------------------ ADALINE


def _adaline_runs(rng, student, normalized, cases):
    for n, d, epochs in cases:
        X = rng.normal(size=(n, d))
        y = rng.integers(0, 2, size=n).astype(np.float64)
        lr = float(rng.uniform(0.2, 1.5)) if normalized else float(rng.uniform(0.01, 0.05))
        got = expect_tuple(student.adaline_train(X, y, lr, epochs, normalized=normalized), ("w", "b"), "adaline_train")
        w, b = ref.adaline_train(X, y, lr, epochs, normalized=normalized)
        what = f"after {count(epochs, 'epoch')} on {count(n, 'sample')}"
        expect_close(got[0], w, f"w {what}", rtol=EXACT, atol=1e-12)
        expect_close(got[1], b, f"b {what}", rtol=EXACT, atol=1e-12, allow_scalar=True)


@spec.test("adaline")
def original_rule_one_epoch(rng, student):
    """adaline_train, original rule: one epoch (N = 1 included)"""
    _adaline_runs(rng, student, False, [(1, 3, 1), (int(rng.integers(3, 10)), int(rng.integers(1, 4)), 1)])


@spec.test("adaline")
def original_rule_several_epochs(rng, student):
    """adaline_train, original rule: several epochs"""
    _adaline_runs(rng, student, False, [(int(rng.integers(5, 12)), int(rng.integers(1, 4)), int(rng.integers(2, 6)))])


@spec.test("adaline")
def normalized_rule_one_epoch(rng, student):
    """adaline_train(normalized=True): one epoch (N = 1 included)"""
    _adaline_runs(rng, student, True, [(1, 2, 1), (int(rng.integers(3, 10)), int(rng.integers(1, 4)), 1)])


@spec.test("adaline")
def normalized_rule_several_epochs(rng, student):
    """adaline_train(normalized=True): several epochs"""
    _adaline_runs(rng, student, True, [(int(rng.integers(5, 12)), int(rng.integers(1, 4)), int(rng.integers(2, 6)))])


# ------------------------------------------------------------------------------------ logistic regression


def _logistic_inputs(rng, n, d, scale=1.0):
    X = rng.normal(size=(n, d))
    w = scale * rng.normal(size=d)
    b = float(scale * rng.normal())
    y = rng.integers(0, 2, size=n).astype(np.float64)
    return w, b, X, y


LOGISTIC_SHAPES = ((1, 1), (1, 4), (5, 2), (12, 3))


@spec.test("logistic_regression")
def sigmoid_values(rng, student):
    """sigmoid on random arrays of several shapes, large |z| included, and on a scalar"""
    for shape in ((1,), (int(rng.integers(2, 9)),), (3, 4)):
        z = rng.normal(scale=10.0, size=shape)
        z.flat[0] = -800.0
        expect_close(student.sigmoid(z), ref.sigmoid(z), f"sigmoid of an array of shape {shape}", atol=1e-15)
    z = float(rng.normal())
    expect_close(student.sigmoid(z), ref.sigmoid(z), "sigmoid of a float", allow_scalar=True)


@spec.test("logistic_regression")
def bce_loss_value(rng, student):
    """bce_loss: the loss on random inputs (N = 1 included)"""
    for n, d in LOGISTIC_SHAPES:
        w, b, X, y = _logistic_inputs(rng, n, d)
        got = _bce(student, w, b, X, y)
        expect_close(got[0], ref.bce_loss(w, b, X, y)[0], f"the loss for X of shape ({n}, {d})", allow_scalar=True)


@spec.test("logistic_regression")
def bce_loss_of_confident_predictions(rng, student):
    """bce_loss stays finite and right when |z| is large (confident right and wrong predictions)"""
    w, b, X, y = _logistic_inputs(rng, 8, 3, scale=10.0)
    for i, z in enumerate((rng.uniform(50.0, 80.0), -rng.uniform(50.0, 80.0))):
        X[i] = (z - b) * w / (w @ w)  # samples 0 and 1 have z = +-50..80 and the wrong label: a loss of |z| each
        y[i] = 0.0 if z > 0 else 1.0
    got = _bce(student, w, b, X, y)
    expect_close(got[0], ref.bce_loss(w, b, X, y)[0], "the loss when |z| is large", allow_scalar=True)


@spec.test("logistic_regression")
def bce_weight_gradient(rng, student):
    """bce_loss: dw on random inputs (N = 1 included)"""
    for n, d in LOGISTIC_SHAPES:
        w, b, X, y = _logistic_inputs(rng, n, d)
        got = _bce(student, w, b, X, y)
        expect_close(got[1], ref.bce_loss(w, b, X, y)[1], f"dw for X of shape ({n}, {d})")


@spec.test("logistic_regression")
def bce_bias_gradient(rng, student):
    """bce_loss: db on random inputs (N = 1 included)"""
    for n, d in LOGISTIC_SHAPES:
        w, b, X, y = _logistic_inputs(rng, n, d)
        got = _bce(student, w, b, X, y)
        expect_close(got[2], ref.bce_loss(w, b, X, y)[2], f"db for X of shape ({n}, {d})", allow_scalar=True)


@spec.test("logistic_regression")
def bce_gradient_matches_numeric_gradient(rng, student):
    """dw and db match central differences of your own loss (h = 1e-5, rel. error < 1e-6)"""
    for n, d in ((1, 2), (7, 3)):
        w, b, X, y = _logistic_inputs(rng, n, d)
        _, dw, db = _bce(student, w, b, X, y)
        numeric = numeric_gradient(lambda p: _scalar(_bce(student, p[:-1], float(p[-1]), X, y)[0], "the loss"),
                                   np.concatenate([w, [b]]))
        what = f"of your loss (X of shape ({n}, {d}))"
        expect_gradient(dw, numeric[:-1], f"dw {what}", GRAD_TOL)
        expect_gradient(np.array([_scalar(db, "db")]), numeric[-1:], f"db {what}", GRAD_TOL)


@spec.test("logistic_regression", points=2)
def train_by_gradient_descent(rng, student):
    """logistic_regression_train: w, b and the losses after a few steps from zero (N = 1 included)"""
    for n, d in ((1, 2), (int(rng.integers(6, 20)), int(rng.integers(1, 4)))):
        _, _, X, y = _logistic_inputs(rng, n, d)
        lr, steps = float(rng.uniform(0.1, 1.0)), int(rng.integers(1, 8))
        got = expect_tuple(student.logistic_regression_train(X, y, lr, steps), ("w", "b", "losses"),
                           "logistic_regression_train")
        w, b, losses = ref.logistic_regression_train(X, y, lr, steps)
        expect_close(got[0], w, f"w after {steps} steps")
        expect_close(got[1], b, f"b after {steps} steps", allow_scalar=True)
        expect_close(got[2], losses, f"the array of losses ({steps} steps)")


# -------------------------------------------------------------------------------------------------- k-NN


def _distance_test(metric):
    def test(rng, student):
        for m, n, d in ((1, 1, 1), (1, 5, 3), (4, 1, 2), (int(rng.integers(2, 9)), int(rng.integers(2, 9)), 4)):
            A, B = rng.normal(size=(m, d)), rng.normal(size=(n, d))
            got = student.pairwise_distances(A, B, metric) if metric == "l1" else student.pairwise_distances(A, B)
            expect_close(got, ref.pairwise_distances(A, B, metric), f"the ({m}, {n}) {metric.upper()} distance matrix",
                         rtol=1e-6, atol=1e-7)

    test.__name__ = f"{metric}_distances"
    test.__doc__ = (f"pairwise_distances{'' if metric == 'l2' else ' with metric=l1'}: {metric.upper()} distances"
                    " for several shapes (M = 1 and N = 1 included)")
    return test


spec.test("knn")(_distance_test("l2"))
spec.test("knn")(_distance_test("l1"))


def _knn_random_test(metric):
    def test(rng, student):
        n, d = int(rng.integers(15, 40)), int(rng.integers(2, 5))
        X_train = rng.normal(size=(n, d))
        y_train = (X_train[:, 0] + 0.5 * rng.normal(size=n) > 0).astype(np.int64)
        X_test = rng.normal(size=(20, d))
        for k in (1, int(rng.choice([3, 5, 7]))):  # two classes and odd k: no tied votes
            got = student.knn_predict(X_train, y_train, X_test, k, metric)
            expect_labels(got, ref.knn_predict(X_train, y_train, X_test, k, metric),
                          f"the array of predictions with k = {k}, metric = {metric!r}")

    test.__name__ = f"knn_on_random_data_{metric}"
    test.__doc__ = f"knn_predict on random two-class data, metric = {metric!r}"
    return test


spec.test("knn")(_knn_random_test("l2"))
spec.test("knn")(_knn_random_test("l1"))


@spec.test("knn")
def knn_with_ten_classes(rng, student):
    """knn_predict with ten classes and k = 1 (labels are returned, not indices)"""
    X_train = rng.normal(size=(30, 3))
    y_train = rng.permutation(np.repeat(np.arange(10), 3)) * 3 + 1  # labels 1, 4, ..., 28
    X_test = rng.normal(size=(15, 3))
    expect_labels(student.knn_predict(X_train, y_train, X_test, 1),
                  ref.knn_predict(X_train, y_train, X_test, 1), "the array of predictions")


@spec.test("knn")
def knn_breaks_distance_ties_by_index(rng, student):
    """equal distances: the neighbour with the smaller training index comes first"""
    # training points on an integer grid, each location twice with different labels: the k-th neighbour always
    # has a twin at the same distance
    grid = rng.permutation(np.array([[i, j] for i in range(-2, 3) for j in range(-2, 3)], dtype=np.float64))[:8]
    X_train = np.concatenate([grid, grid[::-1]])
    labels = rng.integers(0, 2, size=8)
    y_train = np.concatenate([labels, 1 - labels[::-1]])
    X_test = rng.integers(-3, 4, size=(25, 2)).astype(np.float64)
    for k in (1, 3):
        expect_labels(student.knn_predict(X_train, y_train, X_test, k),
                      ref.knn_predict(X_train, y_train, X_test, k),
                      f"the array of predictions with k = {k} (with ties)")


@spec.test("knn")
def knn_breaks_tied_votes_by_the_smallest_label(rng, student):
    """a tied vote goes to the smallest label (the nearest neighbour has the larger one)"""
    d, half = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    k = 2 * half
    small, large = sorted(int(v) for v in rng.choice(np.arange(0, 20), size=2, replace=False))
    X_test = rng.normal(size=(6, d)) * 100.0
    X_train, y_train = [], []
    for query in X_test:  # around every query: k points at distances 1, 2, ..., k, labels large, small, large, ...
        for r in range(1, k + 1):
            direction = rng.normal(size=d)
            X_train.append(query + r * direction / np.linalg.norm(direction))
            y_train.append(large if r % 2 else small)
    X_train, y_train = np.array(X_train), np.array(y_train, dtype=np.int64)
    order = rng.permutation(len(y_train))
    X_train, y_train = X_train[order], y_train[order]
    got = student.knn_predict(X_train, y_train, X_test, k)
    expect_labels(got, ref.knn_predict(X_train, y_train, X_test, k),
                  f"the array of predictions with k = {k} (tied votes)")


# ------------------------------------------------------------------------------------------ Gaussian MLE


def _class_data(rng, d):
    n_classes = int(rng.integers(2, 5))
    labels = np.sort(rng.choice(np.arange(10), size=n_classes, replace=False))
    X, y = [], []
    for label in labels:
        n_c = int(rng.integers(d + 2, d + 8))
        a = rng.normal(size=(d, d))
        X.append(rng.normal(size=d) * 3 + rng.normal(size=(n_c, d)) @ a)
        y.append(np.full(n_c, label))
    order = rng.permutation(sum(len(v) for v in y))
    return np.concatenate(X)[order], np.concatenate(y)[order].astype(np.int64)


def _expect_fit(student, X, y, reg):
    got = expect_tuple(student.gaussian_mle_fit(X, y, reg), ("classes", "means", "covs"), "gaussian_mle_fit")
    classes, means, covs = ref.gaussian_mle_fit(X, y, reg)
    expect_labels(got[0], classes, "the classes array")
    expect_close(got[1], means, "the means array")
    expect_close(got[2], covs, "the covs array")


@spec.test("gaussian_mle", points=2)
def fit_means_and_covariances(rng, student):
    """gaussian_mle_fit: classes, means and MLE covariances of random classes (reg = 0)"""
    for d in (1, int(rng.integers(2, 5))):
        X, y = _class_data(rng, d)
        _expect_fit(student, X, y, 0.0)


@spec.test("gaussian_mle")
def fit_with_a_ridge(rng, student):
    """gaussian_mle_fit with reg > 0 adds reg to the diagonals"""
    X, y = _class_data(rng, int(rng.integers(2, 5)))
    _expect_fit(student, X, y, float(rng.uniform(0.1, 1.0)))


def _random_gaussians(rng, n_classes, d):
    means = rng.normal(scale=2.0, size=(n_classes, d))
    a = rng.normal(size=(n_classes, d, d))
    covs = a @ a.transpose(0, 2, 1) + 0.5 * np.eye(d)
    return means, covs


@spec.test("gaussian_mle", points=2)
def log_likelihood_values(rng, student):
    """gaussian_log_likelihood of random samples under random Gaussians (N = 1 and D = 1 included)"""
    for n, c, d in ((1, 2, 1), (1, 3, 3), (int(rng.integers(2, 10)), int(rng.integers(1, 4)), int(rng.integers(1, 5)))):
        means, covs = _random_gaussians(rng, c, d)
        X = rng.normal(scale=2.0, size=(n, d))
        expect_close(student.gaussian_log_likelihood(X, means, covs), ref.gaussian_log_likelihood(X, means, covs),
                     f"the ({n}, {c}) log-likelihood array", rtol=1e-6, atol=1e-8)


@spec.test("gaussian_mle")
def predict_the_most_likely_class(rng, student):
    """gaussian_mle_predict picks the class of largest likelihood and returns its label"""
    d, c = int(rng.integers(1, 4)), int(rng.integers(2, 5))
    means, covs = _random_gaussians(rng, c, d)
    classes = np.sort(rng.choice(np.arange(3, 30), size=c, replace=False)).astype(np.int64)
    X = rng.normal(scale=3.0, size=(25, d))
    expect_labels(student.gaussian_mle_predict(X, classes, means, covs),
                  ref.gaussian_mle_predict(X, classes, means, covs), "the array of predictions")


# ---------------------------------------------------------------------------------------- cross-validation


def _expect_splits(got, want, exact_train, what):
    if not isinstance(got, (list, tuple)):
        raise TestFailure(f"{what} returned a {kind_of(got)}; expected a list of (train_idx, val_idx) tuples")
    if len(got) != len(want):
        raise TestFailure(f"{what} returned {len(got)} splits; expected {len(want)}")
    for j, (split, (train, val)) in enumerate(zip(got, want)):
        split = expect_tuple(split, ("train_idx", "val_idx"), f"split {j} of {what}")
        expect_labels(split[1], val, f"val_idx of split {j}")
        if exact_train:
            expect_labels(split[0], train, f"train_idx of split {j}")
        else:  # any order of the training indices is fine
            train_got = split[0]
            expect_labels(np.sort(train_got) if isinstance(train_got, np.ndarray) else train_got, np.sort(train),
                          f"train_idx of split {j} (sorted)")


@spec.test("cross_validation")
def kfold_when_k_divides_n(rng, student):
    """kfold_indices without shuffling when k divides n (k = 2 and k = n included)"""
    k = int(rng.integers(3, 6))
    for n, folds in ((2 * k, 2), (k * int(rng.integers(2, 5)), k), (k, k)):
        _expect_splits(student.kfold_indices(n, folds), ref.kfold_indices(n, folds), True,
                      f"kfold_indices(n={n}, k={folds})")


@spec.test("cross_validation")
def kfold_with_a_remainder(rng, student):
    """kfold_indices without shuffling when k does not divide n (the first n % k folds are larger)"""
    for _ in range(2):
        k = int(rng.integers(3, 7))
        n = k * int(rng.integers(2, 5)) + int(rng.integers(1, k))
        _expect_splits(student.kfold_indices(n, k), ref.kfold_indices(n, k), True, f"kfold_indices(n={n}, k={k})")


@spec.test("cross_validation")
def kfold_shuffled(rng, student):
    """kfold_indices with an rng: folds are consecutive pieces of rng.permutation(n)"""
    k = int(rng.integers(3, 6))
    n = k * int(rng.integers(3, 6)) + int(rng.integers(1, k))
    gen = FnRef("default_rng", seed=int(rng.integers(2**31)))
    _expect_splits(student.kfold_indices(n, k, gen), ref.kfold_indices(n, k, local_fn(gen)), False,
                  f"kfold_indices(n={n}, k={k}, rng)")


@spec.test("cross_validation", points=2)
def cross_validate_knn_accuracies(rng, student):
    """cross_validate_knn: mean validation accuracy of each k, with and without shuffling"""
    n_folds = int(rng.integers(3, 6))
    n = n_folds * int(rng.integers(6, 10)) + int(rng.integers(1, n_folds))
    X = rng.normal(size=(n, 2))
    y = (X[:, 0] * X[:, 1] + 0.3 * rng.normal(size=n) > 0).astype(np.int64)
    ks = [1, 3, 5, 9]
    expect_close(student.cross_validate_knn(X, y, ks, n_folds), ref.cross_validate_knn(X, y, ks, n_folds),
                 f"mean_acc ({n_folds} folds, no shuffling)")
    gen = FnRef("default_rng", seed=int(rng.integers(2**31)))
    expect_close(student.cross_validate_knn(X, y, ks, n_folds, "l2", gen),
                 ref.cross_validate_knn(X, y, ks, n_folds, "l2", local_fn(gen)),
                 f"mean_acc ({n_folds} folds, shuffled by rng)")
