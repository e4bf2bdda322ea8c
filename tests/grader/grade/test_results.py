"""The results a grading writes."""

import json

from helpers import dlcv, lab1_examples

LAB = "01_gradient_descent"


def test_results_follow_gradescopes_schema(tmp_path):
    out = tmp_path / "out"
    completed = dlcv("grade", str(lab1_examples(tmp_path)), "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    results = json.loads((out / "bob" / LAB / "results.json").read_text())
    assert set(results) >= {"score", "tests", "output", "visibility", "seed", "gradable"}
    assert results["score"] == sum(t["score"] for t in results["tests"]) == 23
    for test in results["tests"]:
        assert set(test) >= {"name", "score", "max_score", "status", "output", "visibility"}
        assert test["status"] in ("passed", "failed")
        assert test["score"] in (0, test["max_score"])
    assert "alice" in completed.stdout and "100.0%" in completed.stdout
    feedback = (out / "bob" / LAB / "feedback.md").read_text()
    assert feedback.startswith(f"# {LAB} — 23 / 29 points") and "## gradient_descent: 5 / 8" in feedback
    assert "the verdict for lr = 1 is 'converges', which is not right" in feedback
