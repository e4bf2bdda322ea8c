"""Grading on a Dask cluster: real `dask scheduler` / `dask worker` processes on loopback, or `--scheduler local:N`;
every score compared with local grading of the same files."""

import csv
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time

import nbformat
import psutil
import pytest

from autograder.course import gradable_lab_ids
from autograder.grade.batch import grade_batch
from autograder.grade.cluster import ClusterExecutor, parse_scheduler
from autograder.grade.digest import _course_files, course_digest, short
from autograder.grade.submissions import find_submissions
from autograder.sandbox import Limits
from helpers import ROOT, replace_function, solution_notebook

LAB = "01_gradient_descent"
EXAMPLES = ROOT / "examples" / "submissions"
DASK = os.path.join(os.path.dirname(sys.executable), "dask")
HANGS = """
    def gradient_descent(df, x0, lr, eps=1e-6, max_steps=1000):
        while True:
            pass
    """


def dlcv(*args):
    return subprocess.run([sys.executable, "-m", "autograder", *args], cwd=ROOT, capture_output=True, text=True)


def _results(out):
    """(student, lab) -> results dict, for every results.json under ``out``."""
    return {(p.parent.parent.name, p.parent.name): json.loads(p.read_text()) for p in out.glob("*/*/results.json")}


def _graded(results):
    """What must not depend on where a submission was graded: its score, its tests, its seed, whether gradable."""
    return results["score"], results["tests"], results["seed"], results["gradable"], results.get("reason")


class RealCluster:
    """A `dask scheduler` and `dask worker` processes (one process, one thread each) on 127.0.0.1."""

    def __init__(self, folder, workers):
        self.folder = folder
        self.log = open(folder / "dask.log", "w")
        scheduler_file = folder / "scheduler.json"
        self.scheduler = self._start(DASK, "scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard",
                                     "--scheduler-file", str(scheduler_file))
        deadline = time.monotonic() + 60
        while not scheduler_file.is_file() and time.monotonic() < deadline:
            time.sleep(0.05)
        self.address = json.loads(scheduler_file.read_text())["address"]
        self.workers = [self._start(DASK, "worker", self.address, "--host", "127.0.0.1", "--nworkers", "1",
                                    "--nthreads", "1", "--no-dashboard") for _ in range(workers)]
        from distributed import Client

        with Client(self.address, timeout=30) as client:
            client.wait_for_workers(workers, timeout=90)

    def _start(self, *command):
        return subprocess.Popen(command, cwd=self.folder, stdout=self.log, stderr=subprocess.STDOUT,
                                start_new_session=True)

    def busy_worker(self, timeout=60):
        """A `dask worker` process group whose worker is grading now (a sandboxed process runs under it)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for worker in self.workers:
                if any("dlcv_worker" in " ".join(_cmdline(p)) for p in _descendants(worker.pid)):
                    return worker
            time.sleep(0.02)
        raise AssertionError("no worker started grading")

    def signal(self, worker, sig):
        """Send ``sig`` to the nanny, the worker and every process they started."""
        for process in [psutil.Process(worker.pid), *_descendants(worker.pid)]:
            try:
                process.send_signal(sig)
            except psutil.NoSuchProcess:
                pass

    def close(self):
        for process in [*self.workers, self.scheduler]:
            if process.poll() is None:
                self.signal(process, signal.SIGCONT)
                self.signal(process, signal.SIGKILL)
            process.wait()
        self.log.close()


def _descendants(pid):
    try:
        return psutil.Process(pid).children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def _cmdline(process):
    try:
        return process.cmdline()
    except psutil.Error:
        return []


@pytest.fixture
def real_cluster(tmp_path):
    clusters = []

    def start(workers=2):
        folder = tmp_path / f"cluster{len(clusters)}"
        folder.mkdir()
        clusters.append(RealCluster(folder, workers))
        return clusters[-1]

    yield start
    for cluster in clusters:
        cluster.close()


def _copies(folder, count):
    """``count`` copies of the Lab 1 examples (alice, bob, carol in turn) in ``folder``."""
    folder.mkdir()
    originals = sorted(EXAMPLES.glob(f"*_{LAB}.ipynb"))
    for i in range(count):
        source = originals[i % len(originals)]
        shutil.copy(source, folder / f"{source.stem.split('_')[0]}{i:02d}_{LAB}.ipynb")


def _graded_locally(paths, out):
    """student -> results of each submission under ``paths``, graded here with the local thread pool."""
    submissions, _ = find_submissions(paths, gradable_lab_ids())
    outcome = grade_batch(submissions, out, jobs=2)
    return {sub.student: results for sub, results in outcome.graded}


# ---------------------------------------------------------------------------------------------- the command line


def test_a_malformed_scheduler_is_a_usage_error(tmp_path):
    for value in ("foo", "local:0", "local:-1", "tcp://host", "tcp://host:99999", "http://host:8786", "host:8786"):
        completed = dlcv("grade", str(EXAMPLES), "--out", str(tmp_path / "out"), "--scheduler", value)
        assert completed.returncode == 2, (value, completed.stderr)
        assert f"argument --scheduler: '{value}' is not a scheduler: give tcp://HOST:PORT" in completed.stderr
    assert not (tmp_path / "out").exists()  # refused before anything was graded
    assert str(parse_scheduler("tcp://[::1]:8786")) == "tcp://[::1]:8786"
    assert parse_scheduler(" local:3 ").local_workers == 3


def test_an_unreachable_scheduler_is_a_clear_usage_error_within_seconds(tmp_path):
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    completed = dlcv("grade", str(EXAMPLES / f"bob_{LAB}.ipynb"), "--out", str(tmp_path / "out"),
                     "--scheduler", f"tcp://127.0.0.1:{port}")
    elapsed = time.monotonic() - started
    assert completed.returncode == 2, completed.stderr
    assert f"cannot reach the Dask scheduler at tcp://127.0.0.1:{port} within 5 s" in completed.stderr
    assert "is `dask scheduler` running there" in completed.stderr
    assert elapsed < 15
    assert not list((tmp_path / "out").glob("*/*/results.json"))


@pytest.mark.slow
def test_local_workers_grade_exactly_as_the_local_pool_and_resume_the_same_way(tmp_path):
    folder = tmp_path / "subs"
    folder.mkdir()
    for path in EXAMPLES.glob(f"*_{LAB}.ipynb"):
        shutil.copy(path, folder)
    shutil.copy(EXAMPLES / "bob_02_linear_models.ipynb", folder)
    nbformat.write(replace_function(solution_notebook(LAB), "gradient_descent", HANGS), folder / f"cy_{LAB}.ipynb")
    whole = (EXAMPLES / "bob_02_linear_models.ipynb").read_text()
    (folder / "cut_02_linear_models.ipynb").write_text(whole[: len(whole) // 2])
    (folder / "eve_03_softmax.txt").write_text("softmax = exp / sum\n")
    nbformat.write(nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell("x = 1")]), folder / "homework.ipynb")
    common = ["--seed", "7", "--test-timeout", "1"]

    here = dlcv("grade", str(folder), "--out", str(tmp_path / "here"), *common)
    there = dlcv("grade", str(folder), "--out", str(tmp_path / "there"), "--scheduler", "local:2", *common)
    assert here.returncode == there.returncode == 3, there.stderr  # finished; cut, eve and homework not gradable
    local, cluster = _results(tmp_path / "here"), _results(tmp_path / "there")
    assert sorted(cluster) == sorted(local) and len(local) == 8
    for key, results in local.items():
        assert _graded(cluster[key]) == _graded(results), key
    assert all(r["seed"] == 7 for r in cluster.values())  # graded or not, each records the seed that replays it
    assert (tmp_path / "there" / "gradebook.csv").read_text() == (tmp_path / "here" / "gradebook.csv").read_text()
    assert there.stdout == here.stdout.replace(str(tmp_path / "here"), str(tmp_path / "there"))

    out = tmp_path / "there"
    (out / "carol" / LAB / "results.json").unlink()
    kept = {p: p.stat().st_mtime_ns for p in out.glob("*/*/results.json")}
    resumed = dlcv("grade", str(folder), "--out", str(out), "--scheduler", "local:2", *common)
    assert resumed.returncode == 3 and "7 submissions already had results" in resumed.stderr
    assert all(p.stat().st_mtime_ns == t for p, t in kept.items())  # nothing graded twice
    assert _graded(_results(out)[("carol", LAB)]) == _graded(local[("carol", LAB)])

    bob = out / "bob" / LAB / "results.json"
    before = bob.stat().st_mtime_ns
    forced = dlcv("grade", str(folder / f"bob_{LAB}.ipynb"), "--out", str(out), "--scheduler", "local:1",
                  "--force", *common)
    assert forced.returncode == 0, forced.stderr
    assert bob.stat().st_mtime_ns != before and _graded(json.loads(bob.read_text())) == _graded(local[("bob", LAB)])


# ---------------------------------------------------------------------------------------------- real processes


@pytest.mark.slow
def test_a_worker_killed_mid_batch_loses_and_duplicates_nothing(tmp_path, real_cluster):
    cluster = real_cluster(workers=2)
    folder, out = tmp_path / "subs", tmp_path / "out"
    _copies(folder, 16)
    expected = _graded_locally([folder], tmp_path / "local")
    batch = subprocess.Popen([sys.executable, "-m", "autograder", "grade", str(folder), "--out", str(out),
                              "--scheduler", cluster.address], cwd=ROOT, stdout=subprocess.PIPE,
                             stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while not list(out.glob("*/*/results.json")) and time.monotonic() < deadline:
        time.sleep(0.01)
    victim = cluster.busy_worker()
    cluster.signal(victim, signal.SIGKILL)
    done_at_kill = len(list(out.glob("*/*/results.json")))
    stdout, stderr = batch.communicate(timeout=300)

    assert 1 <= done_at_kill < 16, "the kill must land in the middle of the batch"
    assert victim.wait(timeout=10) == -signal.SIGKILL
    assert batch.returncode == 0, stderr
    rows = list(csv.DictReader((out / "gradebook.csv").open()))
    assert sorted(r["student"] for r in rows) == sorted(p.stem.split("_")[0] for p in folder.iterdir())
    results = _results(out)
    assert len(results) == 16
    for (student, _lab), graded in results.items():
        assert _graded(graded) == _graded(expected[student]), student
    assert stdout.count(f" {LAB} ") == 16  # the summary lists each submission once


@pytest.mark.slow
def test_a_worker_with_another_course_refuses_its_tasks(tmp_path, real_cluster):
    from distributed import Client

    cluster = real_cluster(workers=1)
    _copies(tmp_path / "subs", 3)
    local = _graded_locally([tmp_path / "subs"], tmp_path / "local")
    submissions, _ = find_submissions([tmp_path / "subs"], gradable_lab_ids())
    with Client(cluster.address, timeout=30) as client:
        executor = ClusterExecutor(client, digest="0123456789ab" + "0" * 52)  # a client with another course
        try:
            outcome = grade_batch(submissions, tmp_path / "out", executor=executor)
        finally:
            executor.shutdown()
    assert len(outcome.graded) == 3
    for sub, results in outcome.graded:
        assert results["gradable"] is False and results["score"] == 0
        assert results["reason"].startswith(
            "this worker's course differs from the client's: reinstall the same commit on the workers "
            f"(client 0123456789ab, worker {short(course_digest())} at tcp://127.0.0.1:")
        same = local[sub.student]
        assert [t["name"] for t in results["tests"]] == [t["name"] for t in same["tests"]]  # the client's spec
        assert results["extra_data"]["max_score"] == same["extra_data"]["max_score"]
    assert all(not r["gradable"] for r in _results(tmp_path / "out").values())


@pytest.mark.slow
def test_at_most_max_in_flight_tasks_reach_the_scheduler_and_the_rest_wait_unread(tmp_path, real_cluster):
    """A big batch is not sent whole: the scheduler never holds more than ``max_in_flight`` of its tasks (each
    task carries a notebook's bytes), and every submission is still graded as locally."""
    import threading

    from distributed import Client

    cluster = real_cluster(workers=1)
    _copies(tmp_path / "subs", 8)
    local = _graded_locally([tmp_path / "subs"], tmp_path / "local")
    submissions, _ = find_submissions([tmp_path / "subs"], gradable_lab_ids())
    seen, done = [], threading.Event()
    with Client(cluster.address, timeout=30) as client:
        def watch_the_scheduler():
            while not done.is_set():
                seen.append(client.run_on_scheduler(
                    lambda dask_scheduler: sum(key.startswith("dlcv-grade-") for key in dask_scheduler.tasks)))
                time.sleep(0.05)

        watcher = threading.Thread(target=watch_the_scheduler)
        executor = ClusterExecutor(client, max_in_flight=2)
        watcher.start()
        try:
            outcome = grade_batch(submissions, tmp_path / "out", executor=executor)
        finally:
            done.set()
            watcher.join()
            executor.shutdown()
    assert len(seen) > 10 and max(seen) == 2, seen  # observed while the batch ran: 2 at a time, never more
    assert {sub.student: _graded(results) for sub, results in outcome.graded} == {
        student: _graded(results) for student, results in local.items()}


@pytest.mark.slow
def test_a_frozen_worker_times_out_and_the_batch_goes_on(tmp_path, real_cluster):
    from distributed import Client

    cluster = real_cluster(workers=1)
    folder = tmp_path / "subs"
    folder.mkdir()
    nbformat.write(replace_function(solution_notebook(LAB), "gradient_descent", HANGS), folder / f"cy_{LAB}.ipynb")
    submissions, _ = find_submissions([folder], gradable_lab_ids())
    limits = Limits(test_seconds=2, submission_seconds=4)
    frozen = []

    def freeze_when_it_grades():
        frozen.append(cluster.busy_worker())
        cluster.signal(frozen[0], signal.SIGSTOP)

    import threading

    freezer = threading.Thread(target=freeze_when_it_grades)
    freezer.start()
    started = time.monotonic()
    with Client(cluster.address, timeout=30) as client:
        executor = ClusterExecutor(client, margin_seconds=1)
        try:
            outcome = grade_batch(submissions, tmp_path / "out", executor=executor, limits=limits)
        finally:
            executor.shutdown()
            freezer.join()
            cluster.signal(frozen[0], signal.SIGCONT)
    elapsed = time.monotonic() - started
    [(sub, results)] = outcome.graded
    assert results["gradable"] is False
    assert results["reason"].startswith("grading timed out on the cluster: no result 5 s after a Dask worker "
                                        "started it (the sandbox stops a submission after 4 s")
    assert elapsed < 5 + 15
    written = json.loads((tmp_path / "out" / "cy" / LAB / "results.json").read_text())
    assert written["reason"] == results["reason"] and len(written["tests"]) == len(results["tests"]) > 0


# ---------------------------------------------------------------------------------------------- the digest


def test_the_course_digest_covers_specs_solutions_labkit_and_the_grader():
    names = {name for name, _ in _course_files()}
    for lab in gradable_lab_ids():
        assert f"autograder/hidden/{lab}.py" in names
    assert {"solutions/gradient_descent.py", "autograder/grade/runner.py", "autograder/sandbox/runtime.py",
            "autograder/worker/lockdown.py", "labkit/__init__.py"} <= names
    assert not [n for n in names if "__pycache__" in n or not n.endswith(".py")]
    digest = course_digest()
    assert len(digest) == 64 and int(digest, 16) >= 0 and short(digest) == digest[:12]
