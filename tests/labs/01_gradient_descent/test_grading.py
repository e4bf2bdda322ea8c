"""Lab 1 graded end to end: the solution scores full marks, the stub zero, realistic mistakes lose exactly the
points of the properties they break."""

import numpy as np
import pytest
from lab_contract import LabContract
from lab_tables import mistakes_of

import solutions.gradient_descent as ref
from helpers import (
    assert_feedback_reveals_no_hidden_values,
    grade_notebook,
    replace_function,
    solution_notebook,
)
from labkit import CheckFailure, check

LAB = "01_gradient_descent"
FULL = {"bowl_functions": 4, "numerical_derivatives": 5, "gradient_descent": 8, "learning_rates": 5,
        "chain_rule": 2, "nonconvex": 5}


class TestGradingContract(LabContract):
    LAB, FULL, REFERENCE = LAB, FULL, ref


MISTAKES = mistakes_of(LAB).MISTAKES


def test_regrading_is_deterministic_and_a_seed_replays(tmp_path):
    nb = replace_function(solution_notebook(LAB), "numerical_derivative", MISTAKES["one_sided_difference"][1])
    first = grade_notebook(nb, LAB, tmp_path)
    second = grade_notebook(nb, LAB, tmp_path)
    assert first["tests"] == second["tests"] and first["seed"] == second["seed"]
    replay = grade_notebook(nb, LAB, tmp_path, student="someone_else", seed=first["seed"])
    assert replay["tests"] == first["tests"]



# ------------------------------------------------------------------------------------------ feedback
# Feedback tells students which property failed and by how much, never the hidden inputs or reference values.


@pytest.mark.parametrize("case", sorted(MISTAKES))
def test_failure_messages_reveal_no_hidden_input_or_reference_value(case, tmp_path, monkeypatch):
    assert_feedback_reveals_no_hidden_values(LAB, ref, ("gradient_descent", "numerical_derivative",
                                                        "numerical_gradient", "chain_rule_derivative", "nonconvex_grad",
                                                        "f_2d", "classify_critical_point"),
                                             MISTAKES[case], tmp_path, monkeypatch)

# ------------------------------------------------------------------------------------------ public self-checks

REFERENCE_FUNCTIONS = ["f", "df", "f_2d", "df_2d", "numerical_derivative", "numerical_gradient", "gradient_descent",
                       "learning_rate_verdicts", "chain_rule_derivative", "nonconvex_grad", "classify_critical_point"]


@pytest.mark.parametrize("name", REFERENCE_FUNCTIONS)
def test_public_checks_pass_the_reference(name, capsys):
    assert check(name, getattr(ref, name)) is None
    assert "public checks passed" in capsys.readouterr().out


def test_public_check_failure_names_the_call_the_values_and_the_index():
    def off_by_one(df, x0, lr, eps=1e-6, max_steps=1000):
        return ref.gradient_descent(df, x0, lr, eps, max_steps)[:-1]

    with pytest.raises(CheckFailure) as failure:
        check("gradient_descent", off_by_one)
    message = str(failure.value)
    assert "gradient_descent(lambda x: 6*x, 1.0, 0.05, eps=0.0, max_steps=5)" in message
    assert "expected shape (6,), got shape (5,)" in message


def test_public_check_failure_reports_the_worst_entry():
    def wrong_derivative(x):
        return 2 * x + (x == 3.0)  # wrong only at x = 3

    with pytest.raises(CheckFailure) as failure:
        check("df", wrong_derivative)
    message = str(failure.value)
    assert "expected 6, got 7 at index (4,)" in message and "off by 1" in message


def test_public_check_of_a_stub_says_it_is_not_implemented():
    def stub(x):
        raise NotImplementedError()

    with pytest.raises(CheckFailure, match="not implemented yet"):
        check("f", stub)


def test_gradient_descent_handles_scalars_and_vectors_alike():
    scalar = ref.gradient_descent(lambda x: 2 * x, 1.0, 0.25, eps=0.0, max_steps=3)
    vector = ref.gradient_descent(lambda v: 2 * v, np.array([1.0]), 0.25, eps=0.0, max_steps=3)
    np.testing.assert_allclose(scalar, 0.5 ** np.arange(4))
    np.testing.assert_allclose(vector[:, 0], scalar)
    assert scalar.shape == (4,) and vector.shape == (4, 1)
