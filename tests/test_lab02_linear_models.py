"""Lab 2 graded end to end: the solution scores full marks, the stub zero, realistic mistakes lose exactly the
points of the properties they break, and the public self-checks pass the reference and explain failures."""

import numpy as np
import pytest

import solutions.linear_models as ref
from helpers import (
    assert_solution_scores_full_marks,
    assert_stub_scores_zero,
    assert_wrong_answer_scores,
    failed_tests,
    grade_notebook,
    replace_function,
    solution_notebook,
    student_notebook,
)
from labkit import CheckFailure, check

LAB = "02_linear_models"
FULL = {"least_squares": 4, "least_squares_gd": 6, "perceptron": 5, "adaline": 4, "logistic_regression": 8,
        "knn": 7, "gaussian_mle": 6, "cross_validation": 5}


def test_solution_notebook_scores_full_marks(tmp_path):
    assert_solution_scores_full_marks(LAB, FULL, tmp_path)


def test_student_stub_scores_zero_and_says_why(tmp_path):
    assert_stub_scores_zero(LAB, FULL, tmp_path)


WRONG_ANSWERS = {
    # the gradient is a sum, not a mean: the loss is still right, every gradient and the training run are not
    "bce_gradient_missing_1_over_n": ("bce_loss", """
        def bce_loss(w, b, X, y):
            z = X @ w + b
            loss = float(np.mean(np.logaddexp(0.0, z) - y * z))
            dz = sigmoid(z) - y
            return loss, X.T @ dz, float(np.sum(dz))
        """, {"logistic_regression": 3}),  # loses dw, db, the numeric check and training (1 + 1 + 1 + 2)
    "bce_forgets_the_bias_gradient": ("bce_loss", """
        def bce_loss(w, b, X, y):
            z = X @ w + b
            loss = float(np.mean(np.logaddexp(0.0, z) - y * z))
            dw = X.T @ (sigmoid(z) - y) / X.shape[0]
            return loss, dw, 0.0
        """, {"logistic_regression": 4}),  # loses db, the numeric check and training (1 + 1 + 2)
    "bce_takes_the_log_of_the_sigmoid": ("bce_loss", """
        def bce_loss(w, b, X, y):
            z = X @ w + b
            yhat = sigmoid(z)
            loss = float(-np.mean(y * np.log(yhat) + (1 - y) * np.log(1 - yhat)))
            dz = (yhat - y) / X.shape[0]
            return loss, X.T @ dz, float(np.sum(dz))
        """, {"logistic_regression": 7}),  # only the confident (z = +50..80, y = 0) sample gives log(0)
    "perceptron_update_sign_error": ("perceptron_train", """
        def perceptron_train(X, y, lr, epochs):
            w = np.zeros(X.shape[1])
            b = 0.0
            for _ in range(epochs):
                for i in range(X.shape[0]):
                    yhat = 1.0 if X[i] @ w + b >= 0 else 0.0
                    w = w - lr * (y[i] - yhat) * X[i]
                    b = b - lr * (y[i] - yhat)
            return w, float(b)
        """, {"perceptron": 2}),  # every training test fails (1 + 1 + 1); both prediction tests pass
    "perceptron_predict_strict_threshold": ("perceptron_predict", """
        def perceptron_predict(w, b, X):
            return (X @ w + b > 0).astype(np.int64)
        """, {"perceptron": 4}),  # only points exactly on the boundary can tell
    "adaline_lecture_unit_norm": ("adaline_train", """
        def adaline_train(X, y, lr, epochs, normalized=False):
            w = np.zeros(X.shape[1])
            b = 0.0
            for _ in range(epochs):
                for i in range(X.shape[0]):
                    step = lr * (y[i] - (X[i] @ w + b))
                    if normalized:
                        step = step / np.linalg.norm(X[i])
                    w = w + step * X[i]
                    b = b + step
            return w, float(b)
        """, {"adaline": 2}),  # divides by ||x|| (lecture 1.4.2) instead of ||x~||^2: both normalised tests fail
    "least_squares_forgets_the_bias_column": ("least_squares_fit", """
        def least_squares_fit(X, y):
            return np.linalg.solve(X.T @ X, X.T @ y)
        """, {"least_squares": 0}),
    "mse_gradient_missing_the_factor_2": ("mse_loss_and_grad", """
        def mse_loss_and_grad(theta, X, y):
            Xb = add_bias_column(X)
            residual = Xb @ theta - y
            return float(np.mean(residual ** 2)), Xb.T @ residual / Xb.shape[0]
        """, {"least_squares_gd": 2}),  # GD still converges to the same minimum: only the loss and that test pass
    "l1_distance_sums_the_wrong_axis": ("pairwise_distances", """
        def pairwise_distances(X_test, X_train, metric="l2"):
            if metric == "l2":
                sq = np.sum(X_test**2, axis=1)[:, None] + np.sum(X_train**2, axis=1)[None, :] - 2 * X_test @ X_train.T
                return np.sqrt(np.maximum(sq, 0.0))
            if metric == "l1":
                return np.sum(np.abs(X_test[:, None, :] - X_train[None, :, :]), axis=1)
            raise ValueError(metric)
        """, {"knn": 5}),  # the L1 distances and L1 k-NN fail; everything with L2 passes
    "knn_tie_rule_reversed": ("knn_predict", """
        def knn_predict(X_train, y_train, X_test, k, metric="l2"):
            dists = pairwise_distances(X_test, X_train, metric)
            nearest = np.argsort(dists, axis=1, kind="stable")[:, :k]
            classes = np.unique(y_train)
            votes = np.sum(y_train[nearest][:, :, None] == classes[None, None, :], axis=1)
            return classes[votes.shape[1] - 1 - np.argmax(votes[:, ::-1], axis=1)]  # ties -> LARGEST label
        """, {"knn": 6}),  # only the tied-vote test has tied votes (the others use two classes and odd k)
    "covariance_divided_by_n_minus_1": ("gaussian_mle_fit", """
        def gaussian_mle_fit(X, y, reg=0.0):
            classes = np.unique(y)
            means = np.stack([X[y == c].mean(axis=0) for c in classes])
            covs = np.stack([np.cov(X[y == c], rowvar=False).reshape(X.shape[1], X.shape[1])
                             + reg * np.eye(X.shape[1]) for c in classes])
            return classes, means, covs
        """, {"gaussian_mle": 3}),  # both fit tests fail (2 + 1); the log-likelihood and prediction take covs given
    "kfold_remainder_in_the_last_fold": ("kfold_indices", """
        def kfold_indices(n, k, rng=None):
            order = np.arange(n) if rng is None else rng.permutation(n)
            size = n // k
            splits = []
            for j in range(k):
                stop = n if j == k - 1 else (j + 1) * size
                splits.append((np.concatenate([order[:j * size], order[stop:]]), order[j * size:stop]))
            return splits
        """, {"cross_validation": 1}),  # right only when k divides n; the CV test uses n % n_folds != 0
}


@pytest.mark.parametrize("case", sorted(WRONG_ANSWERS))
def test_realistic_wrong_answer_loses_exactly_its_points(case, tmp_path):
    assert_wrong_answer_scores(LAB, FULL, WRONG_ANSWERS[case], tmp_path)


def test_failure_messages_do_not_reveal_reference_values(tmp_path):
    name, source, _ = WRONG_ANSWERS["bce_gradient_missing_1_over_n"]
    results = grade_notebook(replace_function(solution_notebook(LAB), name, source), LAB, tmp_path)
    messages = failed_tests(results)
    assert any("relative error" in m and "allowed 1e-06" in m for m in messages.values())
    assert any("largest error" in m for m in messages.values())
    for message in messages.values():
        assert "[" not in message  # no arrays of numbers: only shapes, counts and error sizes


# ------------------------------------------------------------------------------------------ public self-checks

REFERENCE_FUNCTIONS = ["least_squares_fit", "mse_loss_and_grad", "least_squares_gd", "perceptron_train",
                       "perceptron_predict", "adaline_train", "sigmoid", "bce_loss", "logistic_regression_train",
                       "pairwise_distances", "knn_predict", "gaussian_mle_fit", "gaussian_log_likelihood",
                       "gaussian_mle_predict", "kfold_indices", "cross_validate_knn"]


@pytest.mark.parametrize("name", REFERENCE_FUNCTIONS)
def test_public_checks_pass_the_reference(name, capsys):
    check(name, getattr(ref, name))  # raises CheckFailure on any failed check
    assert f"{name}: all" in capsys.readouterr().out


def test_public_check_catches_the_missing_1_over_n():
    def bce_sum(w, b, X, y):
        loss, dw, db = ref.bce_loss(w, b, X, y)
        return loss, dw * X.shape[0], db * X.shape[0]

    with pytest.raises(CheckFailure) as failure:
        check("bce_loss", bce_sum)
    message = str(failure.value)
    assert "bce_loss(np.zeros(2), 0.0, [[1, 2], [-1, 0], [3, 1]], [1, 0, 1])[1]" in message
    assert "expected -0.8333333333, got -2.5 at index (0,)" in message and "off by 1.67" in message


def test_public_check_explains_an_overflowing_sigmoid():
    def naive_sigmoid(z):
        return 1.0 / (1.0 + np.exp(-np.asarray(z, dtype=float)))

    with pytest.raises(CheckFailure, match="overflow") as failure:
        check("sigmoid", naive_sigmoid)
    assert "sigmoid(np.array([-1000.0, 1000.0]))" in str(failure.value)


def test_public_check_shows_the_tied_vote():
    def largest_label_wins(X_train, y_train, X_test, k, metric="l2"):
        nearest = np.argsort(ref.pairwise_distances(X_test, X_train, metric), axis=1, kind="stable")[:, :k]
        return np.array([max(set(row), key=lambda c: (list(row).count(c), c)) for row in y_train[nearest]])

    with pytest.raises(CheckFailure) as failure:
        check("knn_predict", largest_label_wins)
    message = str(failure.value)
    assert "k=2" in message and "expected [0, 1, 0], got [0, 1, 1]" in message


def test_public_check_names_the_adaline_normalisation():
    def unit_norm(X, y, lr, epochs, normalized=False):
        if not normalized:
            return ref.adaline_train(X, y, lr, epochs)
        w, b = np.zeros(X.shape[1]), 0.0
        for _ in range(epochs):
            for x_i, y_i in zip(X, y):
                step = lr * (y_i - (x_i @ w + b)) / np.linalg.norm(x_i)
                w, b = w + step * x_i, b + step
        return w, float(b)

    with pytest.raises(CheckFailure) as failure:
        check("adaline_train", unit_norm)
    assert "normalized=True" in str(failure.value) and "||x~||² = 1 + 1 + 4 = 6" in str(failure.value)


def test_public_check_of_kfold_shows_the_folds():
    def last_fold_gets_the_rest(n, k, rng=None):
        order, size = np.arange(n), n // k
        bounds = [j * size for j in range(k)] + [n]
        return [(np.concatenate([order[:a], order[b:]]), order[a:b]) for a, b in zip(bounds, bounds[1:])]

    with pytest.raises(CheckFailure) as failure:
        check("kfold_indices", last_fold_gets_the_rest)
    assert "kfold_indices(7, 3)[0][1]" in str(failure.value) and "expected [0, 1, 2], got [0, 1]" in str(failure.value)


def test_public_check_of_a_stub_says_it_is_not_implemented():
    def stub(*args, **kwargs):
        raise NotImplementedError()

    with pytest.raises(CheckFailure, match="not implemented yet"):
        check("knn_predict", stub)


def test_narrative_docstring_and_reference_agree_on_the_adaline_normalisation():
    """The lab divides by ||x~||^2 = 1 + ||x||^2 (not the lecture's ||x||): narrative, docstring and code agree."""
    nb = student_notebook(LAB)
    narrative = "\n".join(c.source for c in nb.cells if c.cell_type == "markdown")
    assert r"\lVert \tilde x \rVert^2 = 1 + \lVert x \rVert^2" in narrative and "section 1.4.2" in narrative
    assert "||x_tilde||^2 = 1 + ||X[i]||^2" in ref.adaline_train.__doc__
    x, target, lr = np.array([[3.0, -1.0, 2.0]]), 5.0, 0.7
    w, b = ref.adaline_train(x, np.array([target]), lr, 1, normalized=True)
    np.testing.assert_allclose(b, lr * target / (1 + x[0] @ x[0]), rtol=1e-15)
    np.testing.assert_allclose(w, b * x[0], rtol=1e-15)
