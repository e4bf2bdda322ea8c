"""Grading one submission: a hang, a crash or a wrong type costs only its own tests, and says why."""

import time

import nbformat
import pytest

from autograder.sandbox import Limits
from helpers import HANGS, exercise_scores, failed_tests, grade_notebook, replace_function, solution_notebook

LAB = "01_gradient_descent"


def test_a_hanging_function_loses_only_its_own_tests(tmp_path):
    nb = replace_function(solution_notebook(LAB), "gradient_descent", HANGS)
    limits = Limits(test_seconds=1.0)
    started = time.monotonic()
    results = grade_notebook(nb, LAB, tmp_path, limits=limits)
    elapsed = time.monotonic() - started
    scores = exercise_scores(results)
    assert scores["gradient_descent"] == 0
    assert sum(scores.values()) == results["extra_data"]["max_score"] - 8
    messages = [m for name, m in failed_tests(results).items() if name.startswith("gradient_descent")]
    assert len(messages) == 5 and all("did not return within 1 s" in m for m in messages)
    assert elapsed < 5 * 1.0 + 15  # each hang is cut at its limit (generous slack for worker restarts)


def test_a_function_that_kills_its_process_loses_only_its_tests(tmp_path):
    nb = replace_function(solution_notebook(LAB), "chain_rule_derivative", """
        def chain_rule_derivative(x):
            import os
            os._exit(0)
        """)
    results = grade_notebook(nb, LAB, tmp_path)
    assert exercise_scores(results)["chain_rule"] == 0
    assert results["score"] == results["extra_data"]["max_score"] - 2
    assert all("the sandbox stopped" in m for m in failed_tests(results).values())


def test_student_code_can_import_the_standard_library_in_the_sandbox(tmp_path):
    nb = replace_function(solution_notebook(LAB), "f", """
        def f(x):
            import fractions, statistics  # not imported by the worker itself
            return statistics.fmean([x**2]) if False else x**2
        """)
    assert failed_tests(grade_notebook(nb, LAB, tmp_path)) == {}


def test_wrong_return_types_are_explained(tmp_path):
    nb = replace_function(solution_notebook(LAB), "df", "def df(x):\n    return [2 * x]")
    nb = replace_function(nb, "f", "def f(x):\n    return 'x squared'")
    results = grade_notebook(nb, LAB, tmp_path)
    failures = failed_tests(results)
    assert "df(x) is a list; return a NumPy array" in failures["bowl_functions: df(x) = 2x element-wise on random arrays"]
    assert "f(x) is str" in failures["bowl_functions: f(x) = x² element-wise on random arrays"]


def test_a_renamed_function_gets_a_hint_but_another_exercise_is_never_suggested(tmp_path):
    nb = replace_function(solution_notebook(LAB), "gradient_descent", "def gradient_decent(df, x0, lr):\n    pass")
    nb = replace_function(nb, "chain_rule_derivative", "def chain_rule_deriv_v2(x):\n    pass")
    nb = replace_function(nb, "f_2d", "def g_2d(v):\n    pass")
    failures = failed_tests(grade_notebook(nb, LAB, tmp_path))
    gd = next(m for name, m in failures.items() if name.startswith("gradient_descent"))
    assert "did you rename it? your notebook defines `gradient_decent`" in gd
    chain = next(m for name, m in failures.items() if name.startswith("chain_rule"))
    assert "`chain_rule_derivative` is not defined" in chain and "numerical_derivative" not in chain
    f_2d = next(m for name, m in failures.items() if "f_2d on" in name)
    assert "df_2d" not in f_2d


def test_a_notebook_that_hangs_while_loading_is_given_up_at_once(tmp_path):
    nb = solution_notebook(LAB)
    nb.cells.insert(1, nbformat.v4.new_code_cell("import time\nSLOW = time.sleep(3600) if False else 0\n"
                                                 "def helper(x=time.sleep(3600)):\n    return x"))
    started = time.monotonic()
    results = grade_notebook(nb, LAB, tmp_path, limits=Limits(load_seconds=1.0))
    assert time.monotonic() - started < 10  # one load attempt, not one per test
    assert results["score"] == 0
    assert all("took over 1 s" in t["output"] and "no test could run" in t["output"] for t in results["tests"])


# ------------------------------------------------------------------ state a student function changes in place

IN_PLACE = '''
import numpy as np

def update_running_mean(x, param):
    """Batch-norm style: keeps a running mean in ``param``, updated in place, and returns the batch mean."""
    mean = x.mean(axis=0)
    param["running_mean"] = 0.9 * param.setdefault("running_mean", np.zeros(x.shape[1])) + 0.1 * mean
    param["calls"] = param.get("calls", 0) + 1
    x *= 2.0
    return mean

def leaves_a_function_behind(param):
    param["callback"] = lambda: 0
'''


@pytest.fixture
def in_place_student(tmp_path):
    from autograder.grade import runner
    from autograder.grade.extract import Program
    from autograder.sandbox import Runtime, paths_to_expose, paths_to_hide

    with Runtime(hide=paths_to_hide(tmp_path, []), expose=paths_to_expose()) as runtime:
        session = runner._Session(runtime, Limits(), Program(cells=[(1, IN_PLACE)]), namespaces=True)
        try:
            yield runner.StudentCode(session, timeout=5)
        finally:
            session.close()


def test_a_spec_reads_arguments_back_after_a_call(in_place_student):
    import numpy as np

    x, param = np.arange(6.0).reshape(3, 2), {"running_mean": np.ones(2)}
    value, (x_after, param_after), kwargs_after = in_place_student.update_running_mean.with_arguments(x, param)
    assert np.array_equal(value, [2.0, 3.0])
    assert np.allclose(param_after["running_mean"], 0.9 * np.ones(2) + 0.1 * np.array([2.0, 3.0]))
    assert param_after["calls"] == 1 and kwargs_after == {}
    assert np.array_equal(x_after, 2 * x)
    # a plain call returns the value only, and nothing of ours is changed: arguments travel as copies
    assert np.array_equal(in_place_student.update_running_mean(x, param), [2.0, 3.0])
    assert list(param) == ["running_mean"] and np.array_equal(param["running_mean"], np.ones(2))
    assert np.array_equal(x, np.arange(6.0).reshape(3, 2))
    # keyword arguments come back by name
    _, args, kwargs = in_place_student.update_running_mean.with_arguments(x, param={})
    assert args[0].shape == (3, 2) and kwargs["param"]["calls"] == 1


def test_arguments_sent_back_are_decoded_as_strictly_as_return_values(in_place_student):
    from autograder.grade import runner
    from autograder.grade.spec import Unsupported
    from autograder.worker import protocol

    _, (param,), _ = in_place_student.leaves_a_function_behind.with_arguments({})
    assert isinstance(param["callback"], Unsupported)  # an object left in an argument stays a name, never an object
    for reply in ({"args": protocol.encode([1]), "kwargs": protocol.encode({})},            # one argument too few
                  {"args": protocol.encode([1, 2]), "kwargs": protocol.encode({"z": 1})},   # a keyword not sent
                  {"args": {"__pickle__": "x"}, "kwargs": protocol.encode({})},              # not our format
                  {"kwargs": protocol.encode({})}):                                          # missing
        with pytest.raises(protocol.ProtocolError):
            runner._arguments_after(reply, 2, set())
