"""Lab 1 graded end to end: the solution scores full marks, the stub zero, realistic mistakes lose exactly the
points of the properties they break."""

import numpy as np
import pytest

import solutions.gradient_descent as ref
from helpers import (
    assert_solution_scores_full_marks,
    assert_stub_scores_zero,
    assert_wrong_answer_scores,
    grade_notebook,
    replace_function,
    solution_notebook,
)
from labkit import CheckFailure, check

LAB = "01_gradient_descent"
FULL = {"bowl_functions": 4, "numerical_derivatives": 5, "gradient_descent": 8, "learning_rates": 5,
        "chain_rule": 2, "nonconvex": 5}


def test_solution_notebook_scores_full_marks(tmp_path):
    assert_solution_scores_full_marks(LAB, FULL, tmp_path)


def test_student_stub_scores_zero_and_says_why(tmp_path):
    assert_stub_scores_zero(LAB, FULL, tmp_path)


WRONG_ANSWERS = {
    "gd_wrong_sign": ("gradient_descent", """
        def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
            x = np.array(x0, dtype=float)
            trajectory = [x]
            for _ in range(max_steps):
                grad = np.asarray(df(x), dtype=float)
                if np.linalg.norm(grad) < eps:
                    break
                x = x + lr * grad
                trajectory.append(x)
            return np.array(trajectory)
        """, {"gradient_descent": 0}),
    "gd_one_update_short": ("gradient_descent", """
        def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
            x = np.array(x0, dtype=float)
            trajectory = [x]
            for _ in range(max_steps - 1):
                grad = np.asarray(df(x), dtype=float)
                if np.linalg.norm(grad) < eps:
                    break
                x = x - lr * grad
                trajectory.append(x)
            return np.array(trajectory)
        """, {"gradient_descent": 3}),  # only the early-stopping runs (2 + 1 points) never reach the budget
    "gd_ignores_stopping_rule": ("gradient_descent", """
        def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
            trajectory = [np.array(x0, dtype=float)]
            for _ in range(max_steps):
                trajectory.append(trajectory[-1] - lr * np.asarray(df(trajectory[-1])))
            return np.array(trajectory)
        """, {"gradient_descent": 5}),  # loses the two stopping-rule tests (2 + 1)
    "gd_stops_on_largest_component": ("gradient_descent", """
        def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
            x = np.array(x0, dtype=float)
            trajectory = [x]
            for _ in range(max_steps):
                grad = np.asarray(df(x), dtype=float)
                if np.max(np.abs(grad)) < eps:
                    break
                x = x - lr * grad
                trajectory.append(x)
            return np.array(trajectory)
        """, {"gradient_descent": 7}),  # only the D-dimensional stopping test can tell
    "one_sided_difference": ("numerical_derivative", """
        def numerical_derivative(fn, x, h=1e-5):
            return (fn(x + h) - fn(x)) / h
        """, {"numerical_derivatives": 3}),
    "verdict_for_lr_1_wrong": ("learning_rate_verdicts", """
        def learning_rate_verdicts():
            return {0.01: "converges", 0.1: "converges", 1.0: "converges", 100.0: "diverges", 1000.0: "diverges"}
        """, {"learning_rates": 4}),
    "chain_rule_missing_inner_derivative": ("chain_rule_derivative", """
        def chain_rule_derivative(x):
            return 2 * (3 * x**3 + 2)
        """, {"chain_rule": 0}),
    "f_2d_sums_the_wrong_axis": ("f_2d", """
        def f_2d(v):
            return np.sum(np.asarray(v, dtype=float) ** 2, axis=0)
        """, {"bowl_functions": 3}),
    "nonconvex_grad_sign_error": ("nonconvex_grad", """
        def nonconvex_grad(v):
            v = np.asarray(v, dtype=float)
            x, y = v[..., 0], v[..., 1]
            return np.stack([x**3 + x**2 + 2 * x, 2 * y], axis=-1)
        """, {"nonconvex": 3}),
    "minimum_and_maximum_swapped": ("classify_critical_point", """
        def classify_critical_point(hessian, tol=1e-8):
            eigenvalues = np.linalg.eigvalsh(hessian)
            if np.all(eigenvalues > tol):
                return "maximum"
            if np.all(eigenvalues < -tol):
                return "minimum"
            return "saddle point"
        """, {"nonconvex": 3}),
}


@pytest.mark.parametrize("case", sorted(WRONG_ANSWERS))
def test_realistic_wrong_answer_loses_exactly_its_points(case, tmp_path):
    assert_wrong_answer_scores(LAB, FULL, WRONG_ANSWERS[case], tmp_path)


def test_regrading_is_deterministic_and_a_seed_replays(tmp_path):
    nb = replace_function(solution_notebook(LAB), "numerical_derivative", WRONG_ANSWERS["one_sided_difference"][1])
    first = grade_notebook(nb, LAB, tmp_path)
    second = grade_notebook(nb, LAB, tmp_path)
    assert first["tests"] == second["tests"] and first["seed"] == second["seed"]
    replay = grade_notebook(nb, LAB, tmp_path, student="someone_else", seed=first["seed"])
    assert replay["tests"] == first["tests"]


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
