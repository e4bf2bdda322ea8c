"""Shared helpers of the test suite: grade a notebook in-process, swap a function's code in a notebook."""

import ast
import copy
import os
import sys
import textwrap
from pathlib import Path

import nbformat

from autograder.sandbox import paths_to_expose, paths_to_hide
from autograder.grade.runner import grade_submission
from autograder.grade.submissions import Submission
from autograder.sandbox import Limits, Runtime

ROOT = Path(__file__).resolve().parent.parent

# nbgrader shells out to `alembic` by name; the interpreter's bin folder must be on PATH.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")


def solution_notebook(lab):
    return nbformat.read(ROOT / "solutions" / "notebooks" / f"{lab}.ipynb", as_version=4)


def student_notebook(lab):
    return nbformat.read(ROOT / "labs" / f"{lab}.ipynb", as_version=4)


def replace_function(nb, name, new_source):
    """A copy of ``nb`` whose definition of function ``name`` is replaced by ``new_source``.

    Raises
    ------
    KeyError
        When no code cell defines ``name`` at top level.
    """
    nb = copy.deepcopy(nb)
    new_source = textwrap.dedent(new_source).strip("\n")
    for cell in nb.cells:
        if cell.cell_type != "code":
            continue
        try:
            tree = ast.parse(cell.source)
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name:
                lines = cell.source.splitlines()
                first = min([node.lineno] + [d.lineno for d in node.decorator_list])
                last = node.end_lineno
                # keep a trailing `### END SOLUTION`-style comment inside the function out of the new code
                while last < len(lines) and lines[last].startswith((" ", "\t")) and lines[last].strip().startswith("#"):
                    last += 1
                cell.source = "\n".join(lines[: first - 1] + new_source.splitlines() + lines[last:])
                return nb
    raise KeyError(f"no code cell defines {name}")


def grade_notebook(nb, lab, tmp_path, student="student", seed=None, limits=None, namespaces=True):
    """Write ``nb`` (a notebook node, or a path) as a submission and grade it; return the results dict."""
    if isinstance(nb, (str, Path)):
        path = Path(nb)
    else:
        path = Path(tmp_path) / f"{student}_{lab}.ipynb"
        nbformat.write(nb, path)
    submission = Submission(path, student, lab)
    with Runtime(hide=paths_to_hide(tmp_path, [submission.path]), expose=paths_to_expose()) as runtime:
        return grade_submission(submission, runtime, limits or Limits(), seed, namespaces)


def exercise_scores(results):
    """Exercise name -> points scored."""
    return {name: t["score"] for name, t in results["extra_data"]["exercises"].items()}


def failed_tests(results):
    return {t["name"]: t["output"] for t in results["tests"] if t["status"] != "passed"}


# ------------------------------------------------------------------ the three-way contract every lab is tested by


def assert_solution_scores_full_marks(lab, full, tmp_path):
    """The executed solution notebook earns every point, exercise by exercise (``full``: exercise -> points)."""
    results = grade_notebook(solution_notebook(lab), lab, tmp_path)
    assert results["gradable"] is True
    assert failed_tests(results) == {}
    assert exercise_scores(results) == full
    assert results["score"] == results["extra_data"]["max_score"] == sum(full.values())


def assert_stub_scores_zero(lab, full, tmp_path):
    """The generated student notebook earns nothing, and every test says the function is not implemented."""
    results = grade_notebook(student_notebook(lab), lab, tmp_path)
    assert results["gradable"] is True
    assert exercise_scores(results) == {name: 0 for name in full}
    assert all("not implemented yet" in t["output"] for t in results["tests"])


def assert_wrong_answer_scores(lab, full, wrong_answer, tmp_path):
    """A realistic mistake, ``(function, wrong source, {exercise: expected score})``, costs exactly those points,
    each with a reason."""
    name, source, expected = wrong_answer
    results = grade_notebook(replace_function(solution_notebook(lab), name, source), lab, tmp_path)
    assert exercise_scores(results) == {**full, **expected}
    assert all(failed_tests(results).values())
