"""Reliability: a killed batch resumes, grading is deterministic, and the sandbox falls back (and says so)."""

import csv
import json
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest

from autograder.sandbox import Limits
from helpers import ROOT, grade_notebook

LAB = "01_gradient_descent"
EXAMPLES = ROOT / "examples" / "submissions"
EXPECTED = {"alice": 29, "bob": 23, "carol": 0}


def _batch(folder, copies):
    folder.mkdir()
    for i in range(copies):
        name = sorted(EXPECTED)[i % 3]
        shutil.copy(EXAMPLES / f"{name}_{LAB}.ipynb", folder / f"{name}{i:02d}_{LAB}.ipynb")


def _grade_command(folder, out):
    return [sys.executable, "-m", "autograder", "grade", str(folder), "--out", str(out), "-j", "1"]


@pytest.mark.slow
def test_a_batch_killed_with_sigkill_resumes_and_lists_everyone_once(tmp_path):
    folder, out = tmp_path / "subs", tmp_path / "out"
    _batch(folder, 15)
    process = subprocess.Popen(_grade_command(folder, out), cwd=ROOT, start_new_session=True,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 120
    while len(list(out.glob("*/*/results.json"))) < 4 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.02)
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    done_before = {p.parent.parent.name for p in out.glob("*/*/results.json")}
    assert 4 <= len(done_before) < 15, "the kill must land in the middle of the batch"
    mtimes = {p: p.stat().st_mtime_ns for p in out.glob("*/*/results.json")}

    resumed = subprocess.run(_grade_command(folder, out), cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{len(done_before)} submissions already had results" in resumed.stderr
    assert all(p.stat().st_mtime_ns == t for p, t in mtimes.items())  # nothing graded twice
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert sorted(r["student"] for r in rows) == sorted(p.stem.split("_")[0] for p in folder.iterdir())
    for row in rows:
        assert int(row["total"]) == EXPECTED[row["student"].rstrip("0123456789")]
    for results in out.glob("*/*/results.json"):
        json.loads(results.read_text())  # every file is whole


def test_the_same_submission_graded_ten_times_gives_identical_results(tmp_path):
    runs = [grade_notebook(EXAMPLES / f"bob_{LAB}.ipynb", LAB, tmp_path, student="bob") for _ in range(10)]
    assert all(r["tests"] == runs[0]["tests"] and r["score"] == 23 for r in runs)
    assert len({r["seed"] for r in runs}) == 1


def test_without_namespaces_the_results_say_which_protections_were_active(tmp_path):
    results = grade_notebook(EXAMPLES / f"alice_{LAB}.ipynb", LAB, tmp_path, namespaces=False)
    protections = results["extra_data"]["protections"]
    assert results["score"] == 29
    assert protections["separate_process"] and protections["rlimits"]["processes"] == Limits().processes
    assert "network_namespace" not in protections and "hidden_paths" not in protections


def test_ctrl_c_stops_a_j2_batch_with_one_line_and_a_rerun_grades_the_rest(tmp_path):
    folder, out = tmp_path / "subs", tmp_path / "out"
    _batch(folder, 60)
    command = [sys.executable, "-m", "autograder", "grade", str(folder), "--out", str(out), "-j", "2"]
    process = subprocess.Popen(command, cwd=ROOT, start_new_session=True, stdout=subprocess.DEVNULL,
                               stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while len(list(out.glob("*/*/results.json"))) < 4 and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.01)
    os.killpg(process.pid, signal.SIGINT)  # as Ctrl-C in a terminal: the whole foreground group
    _, stderr = process.communicate(timeout=120)
    done_before = len(list(out.glob("*/*/results.json")))
    assert process.returncode == 130, stderr
    assert 4 <= done_before < 60, "the interrupt must land in the middle of the batch"
    assert "Traceback" not in stderr
    assert "interrupted; the results written so far are kept: run the same command again" in stderr

    resumed = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
    assert resumed.returncode == 0, resumed.stderr
    assert f"{done_before} submissions already had results" in resumed.stderr
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert len(rows) == 60
    for row in rows:
        assert int(row["total"]) == EXPECTED[row["student"].rstrip("0123456789")]
