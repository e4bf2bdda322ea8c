"""Workers forked from the warm parent: as isolated as cold ones, and nothing passes from one to the next.

Every test here runs as root only (the warm parent is used only as root, where a child runs as another user than
the warm parent). A submission that tampers with everything it can reach — globals, builtins, NumPy functions and
ndarray methods, sys.modules, environment variables, files in /tmp and its working folder — is graded through the
same warm parent as honest ones, which must score exactly what they score on cold workers.
"""

import os
import signal
import textwrap
import time
from pathlib import Path

import nbformat
import pytest

from autograder.grade.batch import default_seed
from autograder.grade.runner import grade_submission
from autograder.grade.submissions import Submission
from autograder.sandbox import Limits, Runtime, Worker, paths_to_expose, paths_to_hide, worker_environment
from autograder.worker import protocol
from helpers import ROOT, hidden_spec_lines, secret_solution_lines

pytestmark = pytest.mark.skipif(os.geteuid() != 0, reason="warm workers are used as root only")

LAB = "01_gradient_descent"
HONEST = {"full": (ROOT / "solutions" / "notebooks" / f"{LAB}.ipynb", 29),
          "partial": (ROOT / "examples" / "submissions" / f"bob_{LAB}.ipynb", 23),
          "stub": (ROOT / "labs" / f"{LAB}.ipynb", 0)}

# Tampers at load and again in every graded function (which then answer wrong, so the attacker itself scores 0).
TAMPER = """
import builtins, ctypes, gc, os, sys
import numpy as np

def _tamper():
    np.allclose = np.isclose = np.array_equal = lambda *a, **k: True
    np.linalg.norm = lambda *a, **k: 0.0
    slots = gc.get_referents(np.ndarray.__dict__)[0]
    slots["__eq__"] = lambda self, other: True
    slots["dlcv_tampered"] = True
    ctypes.pythonapi.PyType_Modified(ctypes.py_object(np.ndarray))
    builtins.DLCV_TAMPERED = True
    builtins.abs = lambda x: 0.0
    sys.modules["solutions"] = type(sys)("solutions")
    sys.modules["labkit"].rel_error = lambda *a: 0.0
    os.environ["DLCV_TAMPERED"] = "1"
    for path in ("/tmp/dlcv-tampered", "dlcv-tampered", "/var/tmp/dlcv-tampered", "/dev/shm/dlcv-tampered"):
        with open(path, "w") as handle:
            handle.write("tampered")
    globals()["DLCV_TAMPERED"] = True

_tamper()

def f(x):
    _tamper()
    return np.zeros_like(np.asarray(x, dtype=float))

def df(x):
    _tamper()
    return np.zeros_like(np.asarray(x, dtype=float))

def gradient_descent(*args, **kwargs):
    _tamper()
    return np.zeros(3), np.zeros((3, 1))
"""

# What a later worker sees of the tampering (everything False when nothing passed).
PROBE = """
import builtins, os, sys
import numpy as np
import labkit

def probe():
    files = [p for p in ("/tmp/dlcv-tampered", "dlcv-tampered", "/var/tmp/dlcv-tampered", "/dev/shm/dlcv-tampered")
             if os.path.exists(p)]
    return {"allclose": bool(np.allclose(np.zeros(2), np.ones(2))),
            "norm": float(np.linalg.norm(np.ones(4))),
            "eq": bool((np.zeros(2) == np.ones(2)).any()),
            "method": hasattr(np.ndarray, "dlcv_tampered"),
            "builtins": hasattr(builtins, "DLCV_TAMPERED") or abs(-2.0) != 2.0,
            "solutions": "solutions" in sys.modules,
            "rel_error": float(labkit.rel_error(np.ones(2), 2 * np.ones(2))),
            "env": "DLCV_TAMPERED" in os.environ,
            "files": files,
            "globals": "DLCV_TAMPERED" in globals(),
            "cwd": os.getcwd(), "listing": sorted(os.listdir("."))}
"""

CLEAN = {"allclose": False, "norm": 2.0, "eq": False, "method": False, "builtins": False, "solutions": False,
         "rel_error": 1 / 3, "env": False, "files": [], "globals": False, "cwd": "/tmp/work",
         "listing": ["output.log"]}


def _runtime(tmp_path, submissions=(), warm=True):
    return Runtime(hide=paths_to_hide(tmp_path, list(submissions)), expose=paths_to_expose(), warm=warm)


def _run(worker, source, name="probe", seconds=10):
    reply = worker.request({"op": "load", "cells": [[1, textwrap.dedent(source)]]}, seconds)
    reply = worker.request({"op": "call", "name": name, "args": protocol.encode([]),
                            "kwargs": protocol.encode({})}, seconds)
    return protocol.decode(reply["value"]) if reply.get("ok") else reply


def _attacker_notebook(path):
    nb = nbformat.read(HONEST["stub"][0], as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell(TAMPER))
    nbformat.write(nb, path)
    return path


def _submissions(tmp_path):
    folder = tmp_path / "submissions"
    folder.mkdir(exist_ok=True)
    subs = {name: Submission(path, name, LAB) for name, (path, _) in HONEST.items()}
    attacker = _attacker_notebook(folder / f"mallory_{LAB}.ipynb")
    return subs, Submission(attacker, "mallory", LAB)


def _per_test(results):
    return [(t["name"], t["score"], t["output"]) for t in results["tests"]]


def _warm_parents_of_this_process():
    """pids of the warm parents this test process started (their command line names the warm parent's module)."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if not entry.name.isdigit() or int((entry / "stat").read_text().rsplit(")", 1)[1].split()[1]) != os.getpid():
                continue
            if b"dlcv_worker.warm_parent" in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except (OSError, IndexError, ValueError):
            continue
    return found


# ---------------------------------------------------------------------------------------------- no state passes


def test_nothing_a_worker_changes_reaches_the_next_one_from_the_same_warm_parent(tmp_path):
    with _runtime(tmp_path) as runtime:
        first = Worker(runtime, Limits())
        try:
            assert first.warm
            _run(first, TAMPER, name="f")
            tampered = _run(first, PROBE)
        finally:
            first.close()
        assert tampered["allclose"] and tampered["method"] and tampered["env"] and tampered["files"]  # it did tamper
        parent = runtime.warm_parent.pid

        second = Worker(runtime, Limits())
        try:
            assert second.warm and runtime.warm_parent.pid == parent
            assert _run(second, PROBE) == CLEAN
        finally:
            second.close()


def test_honest_submissions_after_an_attacker_score_as_on_cold_workers(tmp_path):
    subs, attacker = _submissions(tmp_path)
    paths = [s.path for s in subs.values()] + [attacker.path]
    with _runtime(tmp_path, paths, warm=False) as cold:
        expected = {name: grade_submission(sub, cold, Limits(), default_seed(sub.student, sub.lab)) for name, sub in subs.items()}
    assert {name: r["score"] for name, r in expected.items()} == {name: s for name, (_, s) in HONEST.items()}

    with _runtime(tmp_path, paths) as warm:
        order = [attacker, subs["full"], attacker, subs["stub"], attacker, subs["partial"], subs["full"]]
        graded = [(sub.student, grade_submission(sub, warm, Limits(), default_seed(sub.student, sub.lab)))
                  for sub in order]
        assert warm.warm_parent is not None and warm.warm_parent_failures == 0
    for student, results in graded:
        if student == "mallory":
            assert results["score"] == 0 and results["gradable"]
        else:
            assert results["score"] == HONEST[student][1]
            assert _per_test(results) == _per_test(expected[student])


# ----------------------------------------------------------------------------------------- the warm parent itself


def _readable_memory(pid):
    """Every readable mapping of process ``pid``, read from the trusted side through /proc/PID/mem."""
    chunks = []
    with open(f"/proc/{pid}/maps") as maps, open(f"/proc/{pid}/mem", "rb", buffering=0) as mem:
        for line in maps:
            fields = line.split()
            start, end = (int(x, 16) for x in fields[0].split("-"))
            if "r" not in fields[1] or (len(fields) > 5 and fields[5] in ("[vvar]", "[vsyscall]", "[vvar_vclock]")):
                continue
            try:
                mem.seek(start)
                chunks.append(mem.read(end - start))
            except OSError:
                continue
    return b"\0".join(chunks)


def _solution_lines():
    """The reference module's solution lines and every line of the hidden spec, comments and docstrings included."""
    return (sorted(secret_solution_lines(ROOT / "solutions" / "gradient_descent.py", comments=True)),
            sorted(hidden_spec_lines(ROOT / "autograder" / "hidden" / f"{LAB}.py", docstrings=True)))


def test_the_warm_parent_holds_no_reference_spec_or_submission(tmp_path):
    marker = f"dlcv-warm-submission-{os.getpid()}-{time.time_ns()}"
    nb = nbformat.read(HONEST["full"][0], as_version=4)
    nb.cells.insert(0, nbformat.v4.new_code_cell(f"SUBMISSION_MARKER = {marker!r}"))
    path = tmp_path / f"alice_{LAB}.ipynb"
    nbformat.write(nb, path)
    with _runtime(tmp_path, [path]) as runtime:
        assert grade_submission(Submission(path, "alice", LAB), runtime, Limits(), default_seed("alice", LAB))["score"] == 29
        pid = runtime.warm_parent.pid
        status = Path(f"/proc/{pid}/status").read_text()
        maps = Path(f"/proc/{pid}/maps").read_text()
        fds = {fd: os.readlink(f"/proc/{pid}/fd/{fd}") for fd in os.listdir(f"/proc/{pid}/fd")}
        environ = dict(item.split("=", 1) for item in
                       Path(f"/proc/{pid}/environ").read_bytes().decode().split("\0") if item)
        memory = _readable_memory(pid)

    assert "Threads:\t1\n" in status  # forks only ever copy this one thread
    assert str(ROOT / "solutions") not in maps and str(ROOT / "autograder") not in maps
    assert fds["0"] == fds["1"] == fds["2"] == "/dev/null"
    assert sorted(t.split(":")[0] for fd, t in fds.items() if fd not in "012") == ["socket"]  # its control channel
    assert environ == worker_environment()
    assert marker.encode() not in memory  # a submission never reaches the warm parent
    for module in (b"solutions.gradient_descent", b"autograder.hidden", b"autograder.grade.runner"):
        assert module not in memory, module
    solution, spec = _solution_lines()
    assert solution and spec
    leaked = [line for line in solution + spec if line.encode() in memory]
    assert leaked == []


def test_workers_of_one_warm_parent_share_no_pipe_and_no_random_state(tmp_path):
    source = """
        import os, random
        import numpy as np
        def probe():
            inodes = []
            for fd in os.listdir("/proc/self/fd"):
                try:
                    inodes.append(os.fstat(int(fd)).st_ino)
                except OSError:
                    pass
            return {"inodes": inodes, "legacy": float(np.random.rand()), "random": random.random(),
                    "pid": os.getpid(), "uid": os.getuid(), "threads": len(os.listdir("/proc/self/task"))}
        """
    with _runtime(tmp_path) as runtime:
        workers = [Worker(runtime, Limits()) for _ in range(3)]
        try:
            seen = [_run(w, source) for w in workers]
            pipes = [{os.fstat(w._to_worker).st_ino, os.fstat(w._from_worker).st_ino} for w in workers]
        finally:
            for w in workers:
                w.close()
    assert all(w.warm for w in workers)
    for i, probe in enumerate(seen):
        others = set().union(*(p for j, p in enumerate(pipes) if j != i))
        assert pipes[i] <= set(probe["inodes"]) and not others & set(probe["inodes"])
    assert len({p["legacy"] for p in seen}) == len({p["random"] for p in seen}) == 3
    assert len({p["uid"] for p in seen}) == 3 and all(p["threads"] == 1 for p in seen)


def test_warm_and_cold_workers_report_the_same_protections(tmp_path):
    protections = {}
    for warm in (True, False):
        with _runtime(tmp_path, warm=warm) as runtime:
            worker = Worker(runtime, Limits())
            try:
                assert worker.warm is warm
                protections[warm] = dict(worker.protections, unprivileged_user="private")
            finally:
                worker.close()
    assert protections[True] == protections[False]
    assert protections[True]["private_proc"] and protections[True]["network_namespace"]


# ---------------------------------------------------------------------------------------------- when it dies


def test_a_warm_parent_killed_mid_batch_is_replaced_and_every_score_is_right(tmp_path):
    from autograder.grade.batch import grade_batch
    from autograder.grade.submissions import find_submissions

    folder = tmp_path / "batch"
    folder.mkdir()
    expected = {}
    for i in range(6):
        name, (source, score) = list(HONEST.items())[i % 3]
        (folder / f"s{i}{name}_{LAB}.ipynb").write_bytes(source.read_bytes())
        expected[f"s{i}{name}"] = score
    submissions, _ = find_submissions([folder], [LAB])
    killed, done = [], []

    def kill_the_warm_parent(sub, results):
        done.append(sub)
        if len(done) in (1, 4):  # the worker after a kill may start cold; the one after it is warm again
            pids = _warm_parents_of_this_process()
            assert len(pids) == 1, pids
            os.kill(pids[0], signal.SIGKILL)
            killed.append(pids[0])

    outcome = grade_batch(submissions, tmp_path / "out", jobs=1, force=True, progress=kill_the_warm_parent)
    assert {sub.student: r["score"] for sub, r in outcome.graded} == expected
    assert len(set(killed)) == 2  # the second kill met a new warm parent
    assert _warm_parents_of_this_process() == []  # the batch's runtime is closed with it


def test_a_worker_outlives_its_warm_parent_and_the_next_one_is_warm_again(tmp_path):
    with _runtime(tmp_path) as runtime:
        worker = Worker(runtime, Limits())
        try:
            old = runtime.warm_parent.pid
            os.kill(old, signal.SIGKILL)
            time.sleep(0.05)
            assert _run(worker, "def probe():\n    return 42\n") == 42
        finally:
            worker.close()
        again = Worker(runtime, Limits())
        try:
            assert again.warm and runtime.warm_parent.pid != old
            assert _run(again, PROBE)["env"] is False
        finally:
            again.close()


@pytest.mark.skipif(len(os.sched_getaffinity(0)) < 2, reason="pinning matters only with two CPUs or more")
@pytest.mark.parametrize("warm", [True, False], ids=["warm", "cold"])
def test_a_grading_thread_and_its_worker_share_one_cpu_for_one_submission_only(tmp_path, warm):
    from autograder import affinity

    allowed = os.sched_getaffinity(0)
    with _runtime(tmp_path, warm=warm) as runtime:
        cpu = affinity.pin_this_thread()
        try:
            assert cpu in allowed and os.sched_getaffinity(0) == {cpu}
            worker = Worker(runtime, Limits(), cpu=cpu)
            try:
                seen = _run(worker, "import os\ndef probe():\n    return sorted(os.sched_getaffinity(0))\n")
            finally:
                worker.close()
        finally:
            affinity.unpin_this_thread()
    assert seen == [cpu]
    assert os.sched_getaffinity(0) == allowed
