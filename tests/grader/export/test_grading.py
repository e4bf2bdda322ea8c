"""The exporters' shared grading call gives exactly what `dlcv grade` gives for the same file."""

import json
from pathlib import Path

from autograder.cli import main
from autograder.export.grading import grade_notebook

EXAMPLES = Path(__file__).resolve().parents[3] / "examples" / "submissions"


def test_grade_notebook_equals_dlcv_grade(tmp_path, capsys):
    notebook = EXAMPLES / "bob_01_gradient_descent.ipynb"
    assert main(["grade", str(notebook), "--out", str(tmp_path), "-j", "1"]) == 0
    expected = json.loads((tmp_path / "bob" / "01_gradient_descent" / "results.json").read_text())

    results = grade_notebook(notebook, "01_gradient_descent", student="bob")

    assert 0 < results["score"] < expected["extra_data"]["max_score"]
    assert results["tests"] == expected["tests"]
    assert results["extra_data"]["exercises"] == expected["extra_data"]["exercises"]
    assert results["seed"] == expected["seed"]
