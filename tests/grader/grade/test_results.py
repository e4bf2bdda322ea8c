"""The results a grading writes."""

import json

import nbformat

from autograder.grade.batch import default_seed
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


def test_every_results_json_records_the_seed_that_replays_it(tmp_path):
    """Graded or not gradable, each results.json holds the seed decided when its task was made; grading the same
    files again with ``--seed`` of that record gives the same results."""
    folder = lab1_examples(tmp_path)
    (folder / f"dee_{LAB}.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n not a notebook")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), folder / "homework.ipynb")
    assert dlcv("grade", str(folder), "--out", str(tmp_path / "first")).returncode == 3
    first = {p.parent.parent.name: json.loads(p.read_text()) for p in (tmp_path / "first").glob("*/*/results.json")}
    assert sorted(first) == ["alice", "bob", "carol", "dee", "homework"]
    assert [s for s, r in first.items() if not r["gradable"]] == ["dee", "homework"]
    for student, results in first.items():
        assert results["seed"] == default_seed(student, results["extra_data"]["lab"]), student
        replay = tmp_path / f"replay-{student}"
        dlcv("grade", str(next(folder.glob(f"{student}*.ipynb"))), "--out", str(replay),
             "--seed", str(results["seed"]))
        [again] = [json.loads(p.read_text()) for p in replay.glob("*/*/results.json")]
        assert [again[k] for k in ("score", "tests", "seed", "gradable", "output")] == \
            [results[k] for k in ("score", "tests", "seed", "gradable", "output")], student
