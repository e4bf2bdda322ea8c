"""Benchmark: cold vs warm workers, side by side, from one run.

Prints: seconds per Lab 1 submission at -j1 (median of the per-submission intervals of one batch) and throughput
at -j2, cold (``DLCV_WORKERS=cold``: a fresh ``python -I`` per worker) and warm (forked from the warm parent); the warm
median of every lab at -j1; the grader's own memory (VmRSS, and the peak ``ru_maxrss``) after 100 and after 1,000
submissions of one warm -j2 batch (measured first, so that nothing else has raised the peak); and where the time
of one warm worker goes (start, load, one call, stop). At -j2 the batch grades in two processes
(:func:`autograder.grade.batch.local_executor`): their memory and their warm parents' are reported too.

Run as root (warm workers are used as root only): ``python benchmarks/warm_workers.py [--copies 60]``
"""

import argparse
import os
import resource
import shutil
import statistics
import tempfile
import time
from pathlib import Path

from autograder.course import gradable_lab_ids
from autograder.grade.batch import grade_batch
from autograder.grade.submissions import find_submissions
from autograder.sandbox import Limits, Runtime, Worker, paths_to_expose, paths_to_hide
from autograder.worker import protocol

ROOT = Path(__file__).resolve().parent.parent
LAB1 = "01_gradient_descent"


def make_batch(folder, lab, copies):
    folder.mkdir(parents=True, exist_ok=True)
    examples = sorted((ROOT / "examples" / "submissions").glob(f"*_{lab}.ipynb"))
    for i in range(copies):
        source = examples[i % len(examples)]
        shutil.copy(source, folder / f"s{i:04d}{source.stem.split('_')[0]}_{lab}.ipynb")
    return find_submissions([folder], [lab])[0]


def _status(pid):
    try:
        return dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines())
    except OSError:  # it has just exited
        return {}


def _grader_processes():
    """This process's descendants that run as this user: the batch's grading processes, the forkserver that
    starts them, and their warm parents (the sandboxed workers run as other users and are not the grader)."""
    children = {}
    for entry in Path("/proc").iterdir():
        status = _status(entry.name) if entry.name.isdigit() else {}
        if status:
            children.setdefault(int(status["PPid"]), []).append((int(entry.name), status))
    found, todo = [], [os.getpid()]
    while todo:
        for pid, status in children.get(todo.pop(), []):
            if int(status["Uid"].split()[1]) == os.geteuid():
                found.append(status)
                todo.append(pid)
    return found


def _memory_mb():
    """(VmRSS of this process, its peak ru_maxrss, the VmRSS of this process and every grader process below it)."""
    own = int(_status("self")["VmRSS"].split()[0]) / 1024
    below = sum(int(s["VmRSS"].split()[0]) for s in _grader_processes() if "VmRSS" in s) / 1024
    return own, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, own + below


def run(submissions, jobs, mode, on_result=None):
    """Grade ``submissions`` in one batch with workers ``mode`` ('cold' or 'warm'); returns (wall, intervals)."""
    os.environ["DLCV_WORKERS"] = mode
    out = Path(tempfile.mkdtemp(prefix="dlcv-bench-out-"))
    intervals, last = [], [time.perf_counter()]

    def tick(sub, results):
        now = time.perf_counter()
        intervals.append(now - last[0])
        last[0] = now
        if on_result:
            on_result(len(intervals))

    started = time.perf_counter()
    grade_batch(submissions, out, jobs=jobs, force=True, progress=tick, keep_tests=False)  # as `dlcv grade`
    wall = time.perf_counter() - started
    shutil.rmtree(out, ignore_errors=True)
    return wall, intervals


def memory_over_a_long_batch(tmp, count=1000):
    submissions = make_batch(tmp / "long", LAB1, count)
    marks = {}

    def note(done):
        if done in (100, count):
            marks[done] = _memory_mb()

    wall, _ = run(submissions, 2, "warm", note)
    return marks, count / wall


def where_the_time_goes(tmp, repeats=20):
    """Median seconds of: worker start (fork + lockdown + hello), load of Lab 1's solution cells, one call, stop."""
    from autograder.grade.extract import program_from_notebook

    program = program_from_notebook(ROOT / "solutions" / "notebooks" / f"{LAB1}.ipynb")
    phases = {"start": [], "load": [], "call": [], "stop": []}
    for warm in (True, False):
        with Runtime(hide=paths_to_hide(tmp, []), expose=paths_to_expose(), warm=warm) as runtime:
            Worker(runtime, Limits()).close()  # boots the warm parent
            for _ in range(repeats):
                t0 = time.perf_counter()
                worker = Worker(runtime, Limits())
                t1 = time.perf_counter()
                worker.request({"op": "load", "cells": program.cells}, 20)
                t2 = time.perf_counter()
                worker.request({"op": "call", "name": "f", "args": protocol.encode([2.0]),
                                "kwargs": protocol.encode({})}, 10)
                t3 = time.perf_counter()
                worker.close()
                t4 = time.perf_counter()
                for key, value in zip(phases, (t1 - t0, t2 - t1, t3 - t2, t4 - t3)):
                    phases[key].append(value)
            yield ("warm" if warm else "cold"), {k: statistics.median(v) for k, v in phases.items()}
            phases = {k: [] for k in phases}


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=60, help="Lab 1 submissions per -j1/-j2 batch")
    parser.add_argument("--per-lab", type=int, default=15, help="submissions per lab for the per-lab medians")
    parser.add_argument("--long", type=int, default=1000, help="submissions of the memory batch")
    args = parser.parse_args()
    if os.geteuid() != 0:
        print("not root: warm workers are not used, both columns would be cold")
    with tempfile.TemporaryDirectory(prefix="dlcv-bench-") as tmp:
        tmp = Path(tmp)
        marks, long_rate = memory_over_a_long_batch(tmp, args.long)

        lab1 = make_batch(tmp / "lab1", LAB1, args.copies)
        rows = {}
        for mode in ("cold", "warm"):
            _, intervals = run(lab1, 1, mode)
            wall2, _ = run(lab1, 2, mode)
            rows[mode] = (statistics.median(intervals), len(lab1) / wall2)
        print(f"Lab 1, {len(lab1)} submissions (alice / bob / carol in turn), one batch each")
        print(f"{'workers':<8} {'median s/sub -j1':>17} {'subs/s -j2':>11}")
        for mode, (median, rate) in rows.items():
            print(f"{mode:<8} {median:>17.3f} {rate:>11.1f}")
        print(f"warm / cold: {rows['warm'][0] / rows['cold'][0]:.2f}x the time at -j1, "
              f"{rows['warm'][1] / rows['cold'][1]:.2f}x the throughput at -j2 (goal: <= 0.050 s, >= 25 subs/s)")

        print(f"\nper lab, warm, -j1, {args.per_lab} submissions each")
        print(f"{'lab':<22} {'median s/sub':>12} {'max s/sub':>10}")
        for lab in gradable_lab_ids():
            _, intervals = run(make_batch(tmp / lab, lab, args.per_lab), 1, "warm")
            print(f"{lab:<22} {statistics.median(intervals):>12.3f} {max(intervals):>10.3f}")

        print(f"\ngrader memory over one warm -j2 batch of {args.long} Lab 1 submissions ({long_rate:.1f} subs/s)")
        for done, (rss, peak, everything) in sorted(marks.items()):
            print(f"after {done:>5}: VmRSS {rss:7.1f} MB, peak (ru_maxrss) {peak:7.1f} MB; with its grading"
                  f" processes and warm parents {everything:7.1f} MB")

        print("\none Lab 1 worker, median seconds per phase (solution cells; one call of f)")
        for mode, phases in where_the_time_goes(tmp):
            print(f"{mode:<5} " + "  ".join(f"{k} {v:.4f}" for k, v in phases.items()))


if __name__ == "__main__":
    main()
