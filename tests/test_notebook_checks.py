"""Self-checks as students meet them: shown without a traceback in their notebook (Run All goes on), failing for
real under nbgrader's Validate and dlcv check, and one "check everything" cell that lists every exercise."""

import os
import shutil
import subprocess

import nbformat
import pytest
from nbclient import NotebookClient

from helpers import ROOT, solution_notebook, student_notebook
from labkit import check_all

STUB = "def f(x):\n    raise NotImplementedError()\n"
WRONG = "def f(x):\n    return x**3\n"


def _run(tmp_path, code, strict):
    """Execute a three-cell notebook (define f, check it, print) in a real kernel; return its cells."""
    shutil.copytree(ROOT / "labs" / "labkit", tmp_path / "labkit", dirs_exist_ok=True)
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(f"from labkit import check\n{code}"),
                                         nbformat.v4.new_code_cell('check("f", f)'),
                                         nbformat.v4.new_code_cell('print("the next cell ran")')])
    env = {k: v for k, v in os.environ.items() if k not in ("DLCV_STRICT_CHECKS", "NBGRADER_EXECUTION")}
    if strict:
        env["DLCV_STRICT_CHECKS"] = "1"
    saved = dict(os.environ)
    os.environ.clear()
    os.environ.update(env)
    try:
        NotebookClient(nb, kernel_name="python3", allow_errors=True,
                       resources={"metadata": {"path": str(tmp_path)}}).execute()
    finally:
        os.environ.clear()
        os.environ.update(saved)
    return nb.cells


@pytest.mark.parametrize("code, says", [(STUB, "f is not implemented yet"), (WRONG, "f: public check failed")])
def test_in_a_students_notebook_a_failing_check_shows_its_message_and_run_all_goes_on(tmp_path, code, says):
    _, checked, after = _run(tmp_path, code, strict=False)
    assert [o["output_type"] for o in checked.outputs] == ["display_data"]  # no error: the run goes on
    shown = checked.outputs[0]["data"]
    assert shown["text/plain"].startswith(f"\N{BALLOT X} {says}") and "labkit" not in shown["text/plain"]
    assert "Traceback" not in shown["text/html"] and says in shown["text/html"]
    assert after.outputs[0]["text"] == "the next cell ran\n"


def test_where_a_failure_must_count_it_raises_with_the_message_alone(tmp_path):
    _, checked, _ = _run(tmp_path, STUB, strict=True)
    [error] = [o for o in checked.outputs if o["output_type"] == "error"]
    assert error["ename"] == "CheckFailure"
    assert error["traceback"][0].startswith("\N{BALLOT X} f is not implemented yet")
    assert not [line for line in error["traceback"] if "selfcheck.py" in line or "File " in line]


def test_check_everything_lists_every_exercise_with_its_status_and_points(capsys):
    from solutions.gradient_descent import df, f

    def not_yet(*args):
        raise NotImplementedError()

    namespace = {"f": f, "df": lambda x: 3 * x, "numerical_derivative": not_yet, "numerical_gradient": not_yet,
                 "f_2d": f, "df_2d": df}
    status = check_all({"bowl_functions": (["f", "df", "f_2d", "df_2d"], 4),
                        "numerical_derivatives": (["numerical_derivative", "numerical_gradient"], 5),
                        "gradient_descent": (["gradient_descent"], 1)}, namespace)
    assert status == {"bowl_functions": "failed", "numerical_derivatives": "not implemented",
                      "gradient_descent": "failed"}
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].startswith("\N{BALLOT X} bowl_functions") and "4 points" in lines[0] and "df: public" in lines[0]
    assert "5 points   not implemented" in lines[1]
    assert "1 point   failed: `gradient_descent` is not defined: run its cell" in lines[2]
    assert lines[3] == "0 of 3 exercises pass their public checks (0 of 10 points if the hidden tests agree)"


@pytest.mark.parametrize("lab", sorted(p.stem for p in (ROOT / "labs").glob("[0-9][0-9]_*.ipynb")))
def test_every_check_cell_is_an_nbgrader_test_cell_and_the_lab_ends_with_check_everything(lab):
    nb = student_notebook(lab)
    checks = [c for c in nb.cells if "check" in c.metadata.get("dlcv", {})]
    assert checks and all(c.metadata["nbgrader"]["grade"] and c.metadata["nbgrader"]["points"] == 0
                          and c.metadata["nbgrader"]["locked"] for c in checks)
    assert nb.cells[-1].source.startswith("from labkit import check_all")
    exercises = [c.metadata["dlcv"]["exercise"] for c in nb.cells if "exercise" in c.metadata.get("dlcv", {})]
    assert all(f"'{name}': (" in nb.cells[-1].source for name in exercises)
    headings = [c.source for c in nb.cells if c.source.startswith("**Exercise `")]
    assert [h.split("`")[1] for h in headings] == exercises and all(" point" in h for h in headings)


def _validate(path):
    env = dict(os.environ)
    env.pop("DLCV_STRICT_CHECKS", None)
    return subprocess.run(["nbgrader", "validate", path.name], cwd=path.parent, capture_output=True, text=True,
                          env=env)


@pytest.mark.slow
@pytest.mark.parametrize("lab", ["01_gradient_descent", "04_backprop"])
def test_nbgraders_validate_never_says_a_stub_passes(lab, tmp_path):
    shutil.copytree(ROOT / "labs" / "labkit", tmp_path / "labkit")
    stub = tmp_path / f"{lab}.ipynb"
    nbformat.write(student_notebook(lab), stub)
    completed = _validate(stub)
    exercises = sum("exercise" in c.metadata.get("dlcv", {}) for c in student_notebook(lab).cells)
    assert f"VALIDATION FAILED ON {exercises} CELL(S)" in completed.stdout, completed.stdout[-3000:]
    assert "not implemented yet" in completed.stdout and "Traceback" not in completed.stdout
    solved = tmp_path / "solved.ipynb"
    nbformat.write(solution_notebook(lab), solved)
    assert "Success! Your notebook passes all the tests." in _validate(solved).stdout
