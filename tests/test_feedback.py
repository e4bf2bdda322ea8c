"""Feedback tells students which property failed and by how much, never the hidden inputs or reference values."""

import pytest

import solutions.gradient_descent as ref
from helpers import assert_feedback_reveals_no_hidden_values
from test_lab01_gradient_descent import LAB, WRONG_ANSWERS


@pytest.mark.parametrize("case", sorted(WRONG_ANSWERS))
def test_failure_messages_reveal_no_hidden_input_or_reference_value(case, tmp_path, monkeypatch):
    assert_feedback_reveals_no_hidden_values(LAB, ref, ("gradient_descent", "numerical_derivative",
                                                        "numerical_gradient", "chain_rule_derivative", "nonconvex_grad",
                                                        "f_2d", "classify_critical_point"),
                                             WRONG_ANSWERS[case], tmp_path, monkeypatch)
