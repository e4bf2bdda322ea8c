"""`dlcv check`: a student's own check of a notebook before submitting."""

import shutil
import subprocess

import nbformat

from helpers import ROOT, dlcv, solution_notebook

LAB = "01_gradient_descent"


def test_check_command_passes_the_solution_and_explains_the_stub(tmp_path):
    solution = tmp_path / "solution.ipynb"
    nbformat.write(solution_notebook(LAB), solution)
    subprocess.run(["cp", "-r", str(ROOT / "labs" / "labkit"), str(tmp_path)], check=True)
    passed = dlcv("check", str(solution))
    assert passed.returncode == 0, passed.stdout + passed.stderr
    assert "6 passed, 0 failed" in passed.stdout
    stub = dlcv("check", str(ROOT / "labs" / f"{LAB}.ipynb"), "--exercise", "gradient_descent")
    assert stub.returncode == 1
    assert "gradient_descent is not implemented yet" in stub.stdout and "0 passed, 1 failed" in stub.stdout


def test_check_names_the_cell_with_a_syntax_error_and_the_exercises_that_depend_on_it(tmp_path):
    nb = solution_notebook("03_softmax")
    [cell] = [c for c in nb.cells if c.metadata.get("dlcv", {}).get("exercise") == "softmax_jacobian"]
    cell.source = cell.source.replace("def softmax_jacobian(s):", "def softmax_jacobian(s)", 1)
    path = tmp_path / "softmax.ipynb"
    nbformat.write(nb, path)
    shutil.copytree(ROOT / "labs" / "labkit", tmp_path / "labkit")
    completed = dlcv("check", str(path))
    number = nb.cells.index(cell) + 1
    lines = completed.stdout.splitlines()
    assert completed.returncode == 1
    assert lines[0] == f"\N{BALLOT X} cell {number} (exercise softmax_jacobian) has a syntax error at line 1: expected ':'"
    assert lines[1].strip() == "def softmax_jacobian(s)" and lines[2].strip() == "^"
    not_run = [line for line in lines if "not run" in line]
    assert len(not_run) == 2  # its own checks, and softmax_loss's, which call softmax_jacobian
    assert "checks of softmax_jacobian" in not_run[0] and "checks of softmax_loss" in not_run[1]
    assert "they use `softmax_jacobian`" in not_run[1] and "NameError" not in completed.stdout
    assert lines[-1] == "5 passed, 2 failed"
