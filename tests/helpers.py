"""Shared helpers of the test suite: grade a notebook in-process, swap a function's code in a notebook (from
``lab_tables``), and the leak tests every lab runs."""

import ast
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import nbformat
import numpy as np
from lab_tables import bobs_notebook, bobs_scores, mistakes_of, replace_function, with_mistake  # noqa: F401

from autograder.grade.batch import default_seed
from autograder.grade.runner import grade_submission
from autograder.grade.submissions import Submission
from autograder.sandbox import Limits, Runtime, paths_to_expose, paths_to_hide

ROOT = Path(__file__).resolve().parent.parent

# nbgrader shells out to `alembic` by name; the interpreter's bin folder must be on PATH.
os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")


# A Lab 1 gradient_descent that never returns.
HANGS = """
    def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
        while True:
            pass
    """


def dlcv(*args, cwd=ROOT):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=cwd, capture_output=True, text=True)


def lab1_examples(tmp_path):
    """A folder with the three Lab 1 example submissions (alice, bob, carol)."""
    folder = tmp_path / "examples"
    folder.mkdir()
    for path in (ROOT / "examples" / "submissions").glob("*_01_gradient_descent.ipynb"):
        shutil.copy(path, folder / path.name)
    return folder


def solution_notebook(lab):
    return nbformat.read(ROOT / "solutions" / "notebooks" / f"{lab}.ipynb", as_version=4)


def student_notebook(lab):
    return nbformat.read(ROOT / "labs" / f"{lab}.ipynb", as_version=4)


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


def assert_wrong_answer_scores(lab, full, case, tmp_path):
    """Mistake ``case`` of the lab's table, ``(function, wrong source, {exercise: expected score})``, made as the
    table makes it (:func:`with_mistake`), costs exactly those points, each with a reason."""
    expected = mistakes_of(lab).MISTAKES[case][2]
    results = grade_notebook(with_mistake(solution_notebook(lab), lab, case), lab, tmp_path)
    assert exercise_scores(results) == {**full, **expected}
    assert all(failed_tests(results).values())


def assert_bobs_example_is_his_mistakes(lab, full, tmp_path):
    """``examples/submissions/bob_<lab>.ipynb`` is the solution with the table's ``BOB`` mistakes made (what
    ``examples/make_examples.py`` writes, byte for byte), and it loses exactly their points: ``BOB_SCORE`` in all."""
    bob = bobs_notebook(solution_notebook(lab), lab)
    examples = _make_examples()
    written = Path(tmp_path) / f"bob_{lab}.ipynb"
    nbformat.write(examples.cleared(bob), written)
    assert written.read_bytes() == (ROOT / "examples" / "submissions" / f"bob_{lab}.ipynb").read_bytes()
    results = grade_notebook(written, lab, tmp_path, student="bob")
    assert exercise_scores(results) == {**full, **bobs_scores(lab)}
    assert results["score"] == mistakes_of(lab).BOB_SCORE == sum({**full, **bobs_scores(lab)}.values())
    assert all(failed_tests(results).values())


def _make_examples():
    """The module ``examples/make_examples.py``."""
    import importlib.util

    module_spec = importlib.util.spec_from_file_location("make_examples", ROOT / "examples" / "make_examples.py")
    module = importlib.util.module_from_spec(module_spec)
    module_spec.loader.exec_module(module)
    return module


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
        def recording(*args, _real=getattr(reference, fn_name), **kwargs):  # noqa: B008 - bound once, on purpose
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


def secret_solution_lines(module_path, comments=False):
    """The lines of a reference module's solution regions that say something of the solution (stripped).

    A line that also stands in code given to students (outside every region) is no secret, nor is a line that says
    nothing of the solution (a bare keyword, ``return x``), nor a comment unless ``comments`` (a student may well
    write the same comment; a process that never saw the solution may not hold it).
    """
    from autograder.build import regions

    source = Path(module_path).read_text()
    inside = {line.strip() for line in regions.solution_region_lines(source, Path(module_path).name)}
    outside = {line.strip() for line in regions.stub_code(source, Path(module_path).name).splitlines()}
    return {line for line in inside - outside
            if len(re.findall(r"\w", line)) >= 4 and (comments or not line.startswith("#"))
            and not re.fullmatch(r"return \w+|(?:else|try|finally|break|continue|pass)\s*:?", line)}


def distinctive_spec_lines(spec_path):
    """Lines that only a hidden spec would write (stripped): random inputs, calls into the sandbox or the
    reference, docstrings."""
    return [line.strip() for line in Path(spec_path).read_text().splitlines()
            if any(mark in line for mark in ("rng.", "student.", "ref.", "FnRef(", '"""')) and len(line.strip()) > 12]


def hidden_spec_lines(spec_path, docstrings=False):
    """Every line by which a hidden spec's source would show (stripped): its ``distinctive_spec_lines`` and each
    line longer than 12 characters, less comments and imports, and less docstrings unless ``docstrings`` (a test's
    docstring is its name in the feedback, on purpose; anywhere else it gives the spec away)."""
    source = Path(spec_path).read_text()
    lines = source.splitlines()
    skipped = set()
    for node in ast.walk(ast.parse(source)):
        if (not docstrings and isinstance(node, (ast.Module, ast.FunctionDef, ast.ClassDef))
                and ast.get_docstring(node, clean=False)):
            first = node.body[0]
            skipped |= set(range(first.lineno, first.end_lineno + 1))
    code = {line.strip() for number, line in enumerate(lines, 1) if number not in skipped}
    code = {line for line in code
            if len(line) > 12 and not line.startswith(("#", "import ", "from "))}
    return code | set(distinctive_spec_lines(spec_path))


def feedback_texts(results):
    """Everything a student reads of ``results``: the summary, and each test's name and message."""
    return [results["output"]] + [text for t in results["tests"] for text in (t["name"], t["output"])]


def assert_feedback_quotes_no_spec_or_solution_line(lab, reference, tmp_path):
    """Grade ``lab``'s stub, its solution and every mistake of its table: no feedback contains a line of the hidden
    spec (``hidden_spec_lines``) or a solution line of ``reference`` (``secret_solution_lines``) that the graded
    notebook does not hold itself."""
    spec_lines = hidden_spec_lines(ROOT / "autograder" / "hidden" / f"{lab}.py")
    solution_lines = secret_solution_lines(reference.__file__, comments=True)
    assert len(spec_lines) > 20 and len(solution_lines) > 10
    notebooks = {"stub": student_notebook(lab), "solution": solution_notebook(lab)}
    notebooks |= {case: with_mistake(solution_notebook(lab), lab, case) for case in mistakes_of(lab).MISTAKES}
    leaks = {}
    for number, (name, nb) in enumerate(notebooks.items()):
        own = {line.strip() for cell in nb.cells for line in cell.source.splitlines()}
        text = "\n".join(feedback_texts(grade_notebook(nb, lab, tmp_path, student=f"student{number}")))
        found = sorted(line for line in (spec_lines | solution_lines) - own if line in text)
        if found:
            leaks[name] = found
    assert leaks == {}


def handout_lines(nb):
    """Lines of cells that hand out an earlier lab's answer on purpose (``provided`` from another module)."""
    handouts = [c for c in nb.cells if any(":" in name for name in c.metadata.get("dlcv", {}).get("provided", []))]
    return {line.strip() for cell in handouts for line in cell.source.splitlines() if line.strip()}
