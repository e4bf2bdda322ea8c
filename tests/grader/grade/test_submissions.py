"""Finding submissions: nbgrader's trees, notebooks named by their lab, any name with the lab's metadata."""

import json

import nbformat

from autograder.grade.submissions import find_submissions
from helpers import ROOT, dlcv, solution_notebook

LAB = "01_gradient_descent"


def test_nbgrader_submitted_tree_is_recognised(tmp_path):
    submitted = tmp_path / "submitted" / "frank" / LAB
    submitted.mkdir(parents=True)
    nbformat.write(solution_notebook(LAB), submitted / "my_work.ipynb")
    out = tmp_path / "out"
    assert dlcv("grade", str(tmp_path / "submitted"), "--out", str(out)).returncode == 0
    assert json.loads((out / "frank" / LAB / "results.json").read_text())["score"] == 29


def test_nbgrader_notebooks_named_by_their_lab_are_told_apart_by_student(tmp_path):
    # `dlcv export nbgrader` names each assignment's notebook by the lab: submitted/<student>/<lab>/<lab>.ipynb
    for student in ("frank", "grace"):
        (tmp_path / "submitted" / student / LAB).mkdir(parents=True)
        (tmp_path / "submitted" / student / LAB / f"{LAB}.ipynb").write_text("{}")
    found, ignored = find_submissions([tmp_path / "submitted"], [LAB, "02_linear_models"])
    assert [(s.student, s.lab) for s in found] == [("frank", LAB), ("grace", LAB)] and ignored == []
    assert find_submissions([tmp_path / "submitted" / "grace" / LAB], [LAB])[0][0].student == "grace"


def test_a_notebook_with_any_name_is_graded_for_the_lab_its_metadata_names(tmp_path):
    path = tmp_path / "my final version (2).ipynb"
    path.write_bytes((ROOT / "examples" / "submissions" / f"bob_{LAB}.ipynb").read_bytes())
    out = tmp_path / "out"
    completed = dlcv("grade", str(path), "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    results = json.loads((out / "my_final_version__2_" / LAB / "results.json").read_text())
    assert results["score"] == 23
