"""Grading a batch: everyone is graded despite bad files, reruns grade what is missing, any executor, -j2."""

import csv
import json
import os
import shutil
import signal
from pathlib import Path

import nbformat
import pytest

from autograder.grade.submissions import find_submissions
from helpers import HANGS, ROOT, dlcv, lab1_examples, replace_function, solution_notebook, student_notebook

LAB = "01_gradient_descent"


def _batch(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir()
    nbformat.write(solution_notebook(LAB), folder / f"ada_{LAB}.ipynb")
    nbformat.write(student_notebook(LAB), folder / f"ben_{LAB}.ipynb")
    nbformat.write(replace_function(solution_notebook(LAB), "gradient_descent", HANGS), folder / f"cy_{LAB}.ipynb")
    (folder / f"dee_{LAB}.ipynb").write_bytes(b"\x89PNG\r\n\x1a\n not a notebook")
    (folder / "eve").mkdir()
    nbformat.write(solution_notebook(LAB), folder / "eve" / f"{LAB}.ipynb")
    (folder / "README.txt").write_text("not a submission")
    return folder


def test_a_batch_grades_everyone_despite_bad_files(tmp_path):
    folder, out = _batch(tmp_path), tmp_path / "out"
    completed = dlcv("grade", str(folder), "--out", str(out), "-j", "2", "--test-timeout", "1")
    assert completed.returncode == 3, completed.stderr  # finished, with one file not gradable
    rows = {row["student"]: row for row in csv.DictReader((out / "gradebook.csv").open())}
    assert sorted(rows) == ["ada", "ben", "cy", "dee", "eve"]
    assert rows["ada"]["total"] == rows["eve"]["total"] == rows["ada"]["max"] == "29"
    assert rows["ben"]["total"] == "0" and rows["dee"]["total"] == "0"
    assert rows["cy"][f"{LAB}:gradient_descent"] == "0" and rows["cy"]["total"] == "21"
    dee = json.loads((out / "dee" / LAB / "results.json").read_text())
    assert dee["gradable"] is False and "not a Jupyter notebook" in dee["reason"]
    assert "NOT GRADABLE" in completed.stdout and "ignored" in completed.stderr and "README.txt" in completed.stderr


def test_rerunning_grades_only_what_is_missing(tmp_path):
    out, examples = tmp_path / "out", lab1_examples(tmp_path)
    assert dlcv("grade", str(examples), "--out", str(out)).returncode == 0
    first = (out / "bob" / LAB / "results.json").stat().st_mtime_ns
    (out / "carol" / LAB / "results.json").unlink()
    again = dlcv("grade", str(examples), "--out", str(out))
    assert "2 submissions already had results" in again.stderr
    assert (out / "bob" / LAB / "results.json").stat().st_mtime_ns == first
    assert (out / "carol" / LAB / "results.json").is_file()
    assert len(list(csv.DictReader((out / "gradebook.csv").open()))) == 3


@pytest.mark.slow
def test_every_lab_has_a_correct_a_partly_wrong_and_an_untouched_example(tmp_path):
    from autograder.course import gradable_lab_ids

    out = tmp_path / "out"
    completed = dlcv("grade", str(ROOT / "examples" / "submissions"), "--out", str(out))
    assert completed.returncode == 0, completed.stderr
    for lab in gradable_lab_ids():
        alice, bob, carol = (json.loads((out / s / lab / "results.json").read_text()) for s in ("alice", "bob", "carol"))
        full = alice["extra_data"]["max_score"]
        assert alice["score"] == full > 0 and carol["score"] == 0, lab
        assert 0 < bob["score"] < full, lab
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert [r["student"] for r in rows] == ["alice", "bob", "carol"]


def test_a_batch_runs_on_any_executor_and_its_sandbox_is_set_up_where_it_grades(tmp_path, monkeypatch):
    """The shape a cluster backend needs: tasks are plain data, graded in other processes, which make their own
    worker runtime (the client makes none: here it could not)."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    from autograder.course import gradable_lab_ids
    from autograder.grade import batch
    from autograder.grade.submissions import find_submissions

    def no_runtime_here(*args, **kwargs):
        raise AssertionError("the client process set up a worker runtime")

    monkeypatch.setattr(batch, "Runtime", no_runtime_here)
    submissions, _ = find_submissions([lab1_examples(tmp_path)], gradable_lab_ids())
    with ProcessPoolExecutor(max_workers=2, mp_context=multiprocessing.get_context("spawn")) as pool:
        outcome = batch.grade_batch(submissions, tmp_path / "out", executor=pool)
    assert {sub.student: results["score"] for sub, results in outcome.graded} == {"alice": 29, "bob": 23, "carol": 0}
    assert sorted(p.parent.parent.name for p in (tmp_path / "out").glob(f"*/{LAB}/results.json")) == [
        "alice", "bob", "carol"]


def test_files_that_cannot_be_graded_say_the_one_right_thing_once(tmp_path):
    folder, out = tmp_path / "subs", tmp_path / "out"
    folder.mkdir()
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), folder / "homework.ipynb")
    (folder / "eve_03_softmax.txt").write_text("my answers: softmax = exp / sum\n")
    whole = (ROOT / "examples" / "submissions" / "bob_02_linear_models.ipynb").read_text()
    (folder / "cut_02_linear_models.ipynb").write_text(whole[: len(whole) // 2])
    completed = dlcv("grade", str(folder), "--out", str(out))
    assert completed.returncode == 3, completed.stderr

    header = next(csv.reader((out / "gradebook.csv").open()))
    assert not [h for h in header if h.startswith("unknown_lab")] and header[-1] == "notes"
    notes = {row["student"]: row["notes"] for row in csv.DictReader((out / "gradebook.csv").open())}
    assert notes["homework"].startswith("a file of unknown lab not graded: cannot tell which lab this is")
    assert notes["eve"].startswith("03_softmax not graded: the file is not a Jupyter notebook (it is a .txt file")
    assert "JSON" not in notes["eve"].replace("notebook JSON", "")

    feedback = (out / "homework" / "unknown_lab" / "feedback.md").read_text()
    assert feedback.splitlines()[0] == "# Not graded" and "None" not in feedback and "0 / 0" not in feedback
    cut = json.loads((out / "cut" / "02_linear_models" / "results.json").read_text())
    assert "its JSON is broken" in cut["reason"] and len(cut["tests"]) > 20
    assert sum(cut["reason"] in t["output"] for t in cut["tests"]) == 0  # the reason once, not under every test
    assert (out / "cut" / "02_linear_models" / "feedback.md").read_text().count(cut["reason"]) == 1
    assert cut["reason"] in completed.stdout  # whole, not cut at a column
    assert "homework ?" in completed.stdout


def _grading_processes():
    """The local batch's grading processes: children of the forkserver that this process started."""
    def processes():
        for entry in Path("/proc").iterdir():
            try:
                status = dict(line.split(":\t", 1) for line in (entry / "status").read_text().splitlines())
                yield int(entry.name), int(status["PPid"]), (entry / "cmdline").read_bytes()
            except (OSError, ValueError, KeyError):
                continue

    table = list(processes())
    servers = {pid for pid, ppid, cmdline in table if ppid == os.getpid() and b"forkserver" in cmdline}
    return [pid for pid, ppid, _ in table if ppid in servers]


def test_j2_grades_in_two_processes_and_a_grading_process_killed_mid_batch_loses_nothing(tmp_path):
    from autograder.grade.batch import grade_batch

    folder = tmp_path / "batch"
    folder.mkdir()
    for copy in range(4):
        for path in (ROOT / "examples" / "submissions").glob(f"*_{LAB}.ipynb"):
            shutil.copy(path, folder / f"{path.stem.split('_')[0]}{copy}_{LAB}.ipynb")
    submissions, _ = find_submissions([folder], [LAB])
    seen, killed = [], []

    def kill_one_grading_process(sub, results):
        seen.append(sub.student)
        if not killed:
            processes = _grading_processes()
            assert len(processes) == 2  # -j2: two grading processes, each with its own GIL and warm parent
            os.kill(processes[0], signal.SIGKILL)
            killed.append(processes[0])

    outcome = grade_batch(submissions, tmp_path / "out", jobs=2, progress=kill_one_grading_process)
    assert killed
    expected = {"alice": 29, "bob": 23, "carol": 0}
    assert sorted(seen) == sorted(s.student for s in submissions)  # each once: none lost, none graded twice
    assert {sub.student: results["score"] for sub, results in outcome.graded} == {
        s.student: expected[s.student[:-1]] for s in submissions}
    assert len(list((tmp_path / "out").glob(f"*/{LAB}/results.json"))) == len(submissions)
