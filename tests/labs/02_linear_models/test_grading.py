"""Lab 2 graded end to end: the solution scores full marks, the stub zero, realistic mistakes lose exactly the
points of the properties they break, and the public self-checks pass the reference and explain failures."""

import numpy as np
import pytest
from lab_contract import LabContract
from lab_tables import mistakes_of

import solutions.linear_models as ref
from helpers import (
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


class TestGradingContract(LabContract):
    LAB, FULL, REFERENCE = LAB, FULL, ref


MISTAKES = mistakes_of(LAB).MISTAKES


def test_failure_messages_do_not_reveal_reference_values(tmp_path):
    name, source, _ = MISTAKES["bce_gradient_missing_1_over_n"]
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
