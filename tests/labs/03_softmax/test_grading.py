"""Lab 3 graded end to end: the solution scores full marks, the stub zero, realistic mistakes lose exactly the
points of the properties they break, and the public self-checks tell a right answer from a wrong one."""

import numpy as np
import pytest
from lab_contract import LabContract
from lab_tables import mistakes_of

import solutions.softmax as ref
from helpers import (
    failed_tests,
    grade_notebook,
    replace_function,
    solution_notebook,
)
from labkit import CheckFailure, check

LAB = "03_softmax"
FULL = {"one_hot": 2, "softmax": 4, "softmax_jacobian": 2, "cross_entropy": 2, "softmax_loss": 4,
        "linear_softmax_loss": 5, "linear_predict": 2}


class TestGradingContract(LabContract):
    LAB, FULL, REFERENCE = LAB, FULL, ref


MISTAKES = mistakes_of(LAB).MISTAKES


def test_feedback_names_the_problem_without_revealing_values(tmp_path):
    nb = replace_function(solution_notebook(LAB), "softmax", MISTAKES["softmax_without_max_subtraction"][1])
    failures = failed_tests(grade_notebook(nb, LAB, tmp_path))
    assert list(failures) == ["softmax: softmax of extreme logits (+-1e4, mixed) is finite and correct"]
    message = failures["softmax: softmax of extreme logits (+-1e4, mixed) is finite and correct"]
    assert "nan" in message and "where a finite number was expected" in message

    nb = replace_function(solution_notebook(LAB), "linear_softmax_loss",
                          MISTAKES["reg_gradient_missing_factor_2"][1])
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
