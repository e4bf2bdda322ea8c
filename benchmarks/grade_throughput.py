"""Benchmark: grade 50 Lab 1 submissions (mixed correct / partly wrong / stub) and report seconds per submission.

Prints, from one run: wall time of the batch with -j 1 and -j 2, median seconds per submission (from the
per-submission timings), throughput, and the fixed cost of one sandboxed worker (start + load). Also, side by
side, the cost of the hardening: the same batch with namespaces, hidden paths and a private user switched off.

Run: ``python benchmarks/grade_throughput.py [--copies 50]``
"""

import argparse
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from autograder.grade.batch import grade_batch  # noqa: E402
from autograder.grade.submissions import find_submissions  # noqa: E402
from autograder.sandbox import Limits, Runtime, Worker  # noqa: E402

LAB = "01_gradient_descent"


def make_batch(folder, copies):
    examples = sorted((ROOT / "examples" / "submissions").glob(f"*_{LAB}.ipynb"))
    for i in range(copies):
        source = examples[i % len(examples)]
        shutil.copy(source, folder / f"s{i:03d}_{source.stem.split('_')[0]}_{LAB}.ipynb")


def run(folder, jobs, namespaces):
    submissions, _ = find_submissions([folder], [LAB])
    times = []
    out = Path(tempfile.mkdtemp(prefix="dlcv-bench-out-"))
    last = [time.perf_counter()]
    started = time.perf_counter()

    def tick(sub, results):
        now = time.perf_counter()
        times.append(now - last[0])
        last[0] = now

    if jobs == 1:
        per = []
        for sub in submissions:
            t0 = time.perf_counter()
            grade_batch([sub], out, jobs=1, namespaces=namespaces, force=True)
            per.append(time.perf_counter() - t0)
        wall = time.perf_counter() - started
    else:
        grade_batch(submissions, out, jobs=jobs, namespaces=namespaces, force=True, progress=tick)
        wall = time.perf_counter() - started
        per = None
    shutil.rmtree(out, ignore_errors=True)
    return wall, per, len(submissions)


def worker_start_cost(namespaces, repeats=10):
    with Runtime(hide=[str(ROOT / "solutions"), str(ROOT / "autograder")]) as runtime:
        samples = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            worker = Worker(runtime, Limits(), namespaces)
            worker.close()
            samples.append(time.perf_counter() - t0)
    return statistics.median(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=50)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dlcv-bench-") as tmp:
        folder = Path(tmp)
        make_batch(folder, args.copies)
        print(f"{args.copies} Lab 1 submissions (correct / partly wrong / stub, in turn)")
        rows = []
        for namespaces in (True, False):
            label = "hardened" if namespaces else "plain   "
            wall1, per, n = run(folder, 1, namespaces)
            wall2, _, _ = run(folder, 2, namespaces)
            start = worker_start_cost(namespaces)
            rows.append((label, statistics.median(per), wall1, wall2, n, start))
        print(f"{'sandbox':<9} {'median s/sub (-j1)':>19} {'batch -j1 (s)':>14} {'batch -j2 (s)':>14}"
              f" {'subs/s -j2':>11} {'worker start+stop (s)':>22}")
        for label, median, wall1, wall2, n, start in rows:
            print(f"{label:<9} {median:>19.3f} {wall1:>14.2f} {wall2:>14.2f} {n / wall2:>11.1f} {start:>22.3f}")
        hardened, plain = rows
        print(f"hardening cost: {hardened[1] - plain[1]:+.3f} s per submission "
              f"({hardened[1] / plain[1]:.2f}x the plain median); target: well under 0.5 s per submission")


if __name__ == "__main__":
    main()
