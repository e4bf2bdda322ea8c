"""Shared helpers of the test suite: grade a notebook in-process, swap a function's code in a notebook."""

import ast
import re
import copy
import os
import sys
import textwrap
from pathlib import Path

import nbformat
import numpy as np

from autograder.sandbox import paths_to_expose, paths_to_hide
from autograder.grade.batch import default_seed
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
        seed = default_seed(student, lab) if seed is None else seed
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


# ------------------------------------------------------------------ feedback reveals no hidden input

NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def numbers_in(value):
    """Every number inside ``value`` (arrays, scalars, lists, dicts and their keys, a FnRef's parameters)."""
    if isinstance(value, dict):
        return [n for v in value.values() for n in numbers_in(v)] + [n for k in value for n in numbers_in(k)]
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in numbers_in(v)]
    if hasattr(value, "params"):
        return numbers_in(value.params)
    array = np.asarray(value)
    return [float(x) for x in array.ravel()] if array.dtype.kind in "fiu" else []


def significant_digits(token):
    return len(token.lower().split("e")[0].lstrip("+-").replace(".", "").lstrip("0"))


def record_hidden_values(reference, function_names, monkeypatch):
    """Record, from now on, every number sent to a student's code and every number the reference's
    ``function_names`` compute; returns the list that fills up as grading goes."""
    from autograder.grade import runner

    secrets = []
    real_call = runner._Session.call

    def recording_call(self, name, args, kwargs, timeout, **options):
        secrets.extend(numbers_in(list(args)) + numbers_in(kwargs))
        return real_call(self, name, args, kwargs, timeout, **options)

    monkeypatch.setattr(runner._Session, "call", recording_call)
    for fn_name in function_names:
        def recording(*args, _real=getattr(reference, fn_name), **kwargs):
            result = _real(*args, **kwargs)
            secrets.extend(numbers_in(result))
            return result

        monkeypatch.setattr(reference, fn_name, recording)
    return secrets


def assert_messages_reveal_no_hidden_values(messages, secrets):
    """No message contains one of the recorded ``secrets`` to 4 significant digits."""
    assert messages and secrets
    secret_texts = {f"{s:.4g}" for s in secrets if np.isfinite(s) and s != int(s)}
    for message in messages:
        long_numbers = [t for t in NUMBER.findall(message) if significant_digits(t) >= 4]
        assert not [t for t in long_numbers if f"{float(t):.4g}" in secret_texts], message


def assert_feedback_reveals_no_hidden_values(lab, reference, function_names, wrong_answer, tmp_path, monkeypatch):
    """Grade ``wrong_answer`` while recording every number sent to the student's code and every number the
    reference's ``function_names`` compute; no failure message may contain one of them to 4 significant digits."""
    secrets = record_hidden_values(reference, function_names, monkeypatch)
    name, source, _ = wrong_answer
    messages = failed_tests(grade_notebook(replace_function(solution_notebook(lab), name, source), lab, tmp_path))
    assert_messages_reveal_no_hidden_values(list(messages.values()), secrets)


# ------------------------------------------------------------------ no solution line and no hidden-spec line leaks


def secret_solution_lines(module_path):
    """The lines of a reference module's solution regions that say something of the solution (stripped).

    A line that also stands in code given to students (outside every region) is no secret, nor is a comment or a
    line that says nothing of the solution (a bare keyword, ``return x``).
    """
    from autograder.build import regions

    source = Path(module_path).read_text()
    inside = {line.strip() for line in regions.solution_region_lines(source, Path(module_path).name)}
    outside = {line.strip() for line in regions.stub_code(source, Path(module_path).name).splitlines()}
    return {line for line in inside - outside
            if len(re.findall(r"\w", line)) >= 4 and not line.startswith("#")
            and not re.fullmatch(r"return \w+|(?:else|try|finally|break|continue|pass)\s*:?", line)}


def distinctive_spec_lines(spec_path):
    """Lines that only a hidden spec would write (stripped): random inputs, calls into the sandbox or the
    reference, docstrings."""
    return [line.strip() for line in Path(spec_path).read_text().splitlines()
            if any(mark in line for mark in ("rng.", "student.", "ref.", "FnRef(", '"""')) and len(line.strip()) > 12]


def handout_lines(nb):
    """Lines of cells that hand out an earlier lab's answer on purpose (``provided`` from another module)."""
    handouts = [c for c in nb.cells if any(":" in name for name in c.metadata.get("dlcv", {}).get("provided", []))]
    return {line.strip() for cell in handouts for line in cell.source.splitlines() if line.strip()}
