"""Lab 3 graded end to end: the solution scores full marks, the stub zero, realistic mistakes lose exactly the
points of the properties they break, and the public self-checks tell a right answer from a wrong one."""

import numpy as np
import pytest

import solutions.softmax as ref
from helpers import (
    assert_solution_scores_full_marks,
    assert_stub_scores_zero,
    assert_wrong_answer_scores,
    failed_tests,
    grade_notebook,
    replace_function,
    solution_notebook,
)
from labkit import CheckFailure, check

LAB = "03_softmax"
FULL = {"one_hot": 2, "softmax": 4, "softmax_jacobian": 2, "cross_entropy": 2, "softmax_loss": 4,
        "linear_softmax_loss": 5, "linear_predict": 2}


def test_solution_notebook_scores_full_marks(tmp_path):
    assert_solution_scores_full_marks(LAB, FULL, tmp_path)


def test_student_stub_scores_zero_and_says_why(tmp_path):
    assert_stub_scores_zero(LAB, FULL, tmp_path)


# Each case: (function to replace, its wrong source, the exercise scores that change). Functions call each other by
# name in the sandbox, so a mistake in softmax_loss also costs the gradient tests of linear_softmax_loss.
WRONG_ANSWERS = {
    "softmax_without_max_subtraction": ("softmax", """
        def softmax(scores):
            exp_scores = np.exp(scores)
            return exp_scores / np.sum(exp_scores, axis=-1, keepdims=True)
        """, {"softmax": 2}),  # only the +-1e4 test (2 points) overflows
    "softmax_over_the_wrong_axis": ("softmax", """
        def softmax(scores):
            shifted = scores - np.max(scores, axis=0, keepdims=True)
            exp_scores = np.exp(shifted)
            return exp_scores / np.sum(exp_scores, axis=0, keepdims=True)
        """, {"softmax": 0}),  # right for one vector (C,) only, and every test also uses batches
    "jacobian_without_the_diagonal_term": ("softmax_jacobian", """
        def softmax_jacobian(s):
            return -np.outer(s, s)
        """, {"softmax_jacobian": 0}),
    "one_hot_off_by_one": ("one_hot", """
        def one_hot(y, num_classes):
            Y = np.zeros((len(y), num_classes))
            Y[np.arange(len(y)), y - 1] = 1.0
            return Y
        """, {"one_hot": 0}),
    "cross_entropy_without_clipping": ("cross_entropy", """
        def cross_entropy(probs, y, eps=1e-12):
            return float(-np.mean(np.log(probs[np.arange(len(y)), y])))
        """, {"cross_entropy": 1}),  # log(0) = -inf: loses the clipping test only
    "cross_entropy_summed_not_averaged": ("cross_entropy", """
        def cross_entropy(probs, y, eps=1e-12):
            return float(-np.sum(np.log(np.maximum(probs[np.arange(len(y)), y], eps))))
        """, {"cross_entropy": 0}),  # right for N = 1 only
    "dscores_missing_1_over_N": ("softmax_loss", """
        def softmax_loss(scores, y):
            N = scores.shape[0]
            shifted = scores - np.max(scores, axis=1, keepdims=True)
            log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
            loss = -np.mean(log_probs[np.arange(N), y])
            dscores = np.exp(log_probs)
            dscores[np.arange(N), y] -= 1.0
            return float(loss), dscores
        """, {"softmax_loss": 1, "linear_softmax_loss": 2}),  # the loss values stay right, every gradient is N x
    "softmax_loss_without_log_sum_exp": ("softmax_loss", """
        def softmax_loss(scores, y):
            N = scores.shape[0]
            probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
            loss = -np.mean(np.log(probs[np.arange(N), y]))
            dscores = probs.copy()
            dscores[np.arange(N), y] -= 1.0
            return float(loss), dscores / N
        """, {"softmax_loss": 3}),  # fine on ordinary scores, inf/nan at +-1e4
    "reg_gradient_missing_factor_2": ("linear_softmax_loss", """
        def linear_softmax_loss(W, b, X, y, reg):
            loss, dscores = softmax_loss(X @ W + b, y)
            loss += reg * np.sum(W * W)
            dW = X.T @ dscores + reg * W
            db = np.sum(dscores, axis=0)
            return loss, dW, db
        """, {"linear_softmax_loss": 4}),  # only dW with reg > 0 can tell
    "half_l2_convention": ("linear_softmax_loss", """
        def linear_softmax_loss(W, b, X, y, reg):
            loss, dscores = softmax_loss(X @ W + b, y)
            loss += 0.5 * reg * np.sum(W * W)
            dW = X.T @ dscores + reg * W
            db = np.sum(dscores, axis=0)
            return loss, dW, db
        """, {"linear_softmax_loss": 3}),  # self-consistent, but not this lab's reg * ||W||^2
    "bias_regularised_too": ("linear_softmax_loss", """
        def linear_softmax_loss(W, b, X, y, reg):
            loss, dscores = softmax_loss(X @ W + b, y)
            loss += reg * (np.sum(W * W) + np.sum(b * b))
            dW = X.T @ dscores + 2 * reg * W
            db = np.sum(dscores, axis=0) + 2 * reg * b
            return loss, dW, db
        """, {"linear_softmax_loss": 3}),  # loses the loss with reg > 0 and db
    "db_forgotten": ("linear_softmax_loss", """
        def linear_softmax_loss(W, b, X, y, reg):
            loss, dscores = softmax_loss(X @ W + b, y)
            loss += reg * np.sum(W * W)
            dW = X.T @ dscores + 2 * reg * W
            db = np.zeros_like(b)
            return loss, dW, db
        """, {"linear_softmax_loss": 4}),
    "predict_argmax_over_the_wrong_axis": ("linear_predict", """
        def linear_predict(W, b, X):
            return np.argmax(X @ W + b, axis=0)
        """, {"linear_predict": 0}),
}


@pytest.mark.parametrize("case", sorted(WRONG_ANSWERS))
def test_realistic_wrong_answer_loses_exactly_its_points(case, tmp_path):
    assert_wrong_answer_scores(LAB, FULL, WRONG_ANSWERS[case], tmp_path)


def test_feedback_names_the_problem_without_revealing_values(tmp_path):
    nb = replace_function(solution_notebook(LAB), "softmax", WRONG_ANSWERS["softmax_without_max_subtraction"][1])
    failures = failed_tests(grade_notebook(nb, LAB, tmp_path))
    assert list(failures) == ["softmax: softmax of extreme logits (+-1e4, mixed) is finite and correct"]
    message = failures["softmax: softmax of extreme logits (+-1e4, mixed) is finite and correct"]
    assert "nan" in message and "where a finite number was expected" in message

    nb = replace_function(solution_notebook(LAB), "linear_softmax_loss",
                          WRONG_ANSWERS["reg_gradient_missing_factor_2"][1])
    failures = failed_tests(grade_notebook(nb, LAB, tmp_path))
    [(name, message)] = failures.items()
    assert name.startswith("linear_softmax_loss: dW against the numeric gradient")
    assert "disagrees with the numeric gradient" in message and "relative error" in message


# ------------------------------------------------------------------------------------------ public self-checks

REFERENCE_FUNCTIONS = ["one_hot", "softmax", "softmax_jacobian", "cross_entropy", "softmax_loss",
                       "linear_softmax_loss", "linear_predict"]


@pytest.mark.parametrize("name", REFERENCE_FUNCTIONS)
def test_public_checks_pass_the_reference(name, capsys):
    assert check(name, getattr(ref, name)) is None
    assert "public checks passed" in capsys.readouterr().out


def test_public_check_catches_an_unstable_softmax():
    def unstable(scores):
        exp_scores = np.exp(scores)
        return exp_scores / np.sum(exp_scores, axis=-1, keepdims=True)

    with pytest.raises(CheckFailure) as failure:
        check("softmax", unstable)
    message = str(failure.value)
    assert "logits of +-1e4 give finite probabilities" in message
    assert "softmax(np.array([[1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]]))" in message
    assert "non-finite value nan at index (0, 0)" in message


def test_public_check_catches_softmax_over_the_wrong_axis():
    def wrong_axis(scores):
        shifted = scores - np.max(scores, axis=0, keepdims=True)
        return np.exp(shifted) / np.sum(np.exp(shifted), axis=0, keepdims=True)

    with pytest.raises(CheckFailure) as failure:
        check("softmax", wrong_axis)
    message = str(failure.value)
    assert "every ROW is one score vector" in message
    assert "expected 0.2, got 0.5 at index (1, 1)" in message


def test_public_check_of_the_linear_loss_shows_the_dW_entry():
    def missing_factor_2(W, b, X, y, reg):
        loss, dW, db = ref.linear_softmax_loss(W, b, X, y, reg)
        return loss, dW - reg * W, db

    with pytest.raises(CheckFailure) as failure:
        check("linear_softmax_loss", missing_factor_2)
    message = str(failure.value)
    assert "[1] (dW = X.T @ dscores + 2 * reg * W)" in message
    assert "expected 0, got -0.25 at index (0, 0)" in message


def test_public_check_of_a_loss_that_returns_one_value():
    def loss_only(scores, y):
        return ref.softmax_loss(scores, y)[0]

    with pytest.raises(CheckFailure, match=r"expected a tuple \(loss, dscores\), got a float"):
        check("softmax_loss", loss_only)


def test_public_check_of_a_stub_says_it_is_not_implemented():
    def stub(y, num_classes):
        raise NotImplementedError()

    with pytest.raises(CheckFailure, match="not implemented yet"):
        check("one_hot", stub)
