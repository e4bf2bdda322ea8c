"""Benchmark: the same batch of Lab 1 (or --lab) submissions graded by the local pool (-j 1) and on Dask (local:1,
local:2).

Prints, from one run, side by side: wall seconds of the batch, seconds per submission, throughput, and the
1 -> 2 Dask worker scaling ratio (batch time with one worker / with two; 2.0 is perfect). The Dask rows do not
count starting the LocalCluster (printed apart): on a real cluster the workers are already running. Seconds per
submission per worker (local:1) is the figure the cost model uses (docs/grader/cluster.md; the figures and
their dates: docs/maintainers/benchmarks.md).

Each configuration grades the batch ``--repeat`` times and the fastest counts (other work on the machine only ever
slows a run down).

Run: ``python benchmarks/dask_scaling.py [--copies 40] [--repeat 3] [--lab 07_cnn]`` (2 cores here: local:2 cannot
go past 2x; each submission keeps two processes busy, the trusted grader and its sandbox, so expect less).
"""

import argparse
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def make_batch(folder, copies, lab):
    """``copies`` submissions of ``lab`` (the correct, partly wrong and stub examples in turn) in ``folder``."""
    examples = sorted((ROOT / "examples" / "submissions").glob(f"*_{lab}.ipynb"))
    for i in range(copies):
        source = examples[i % len(examples)]
        shutil.copy(source, folder / f"s{i:03d}{source.stem.split('_')[0]}_{lab}.ipynb")


def timed_batch(submissions, executor=None):
    """Wall seconds to grade ``submissions`` into a fresh folder (the local pool with one job when no executor)."""
    from autograder.grade.batch import grade_batch

    out = Path(tempfile.mkdtemp(prefix="dlcv-bench-out-"))
    try:
        started = time.perf_counter()
        outcome = grade_batch(submissions, out, executor=executor, jobs=1, force=True)
        wall = time.perf_counter() - started
    finally:
        shutil.rmtree(out, ignore_errors=True)
    assert len(outcome.graded) == len(submissions)
    return wall, {sub.key: results["score"] for sub, results in outcome.graded}


def timed_cluster_batch(submissions, workers, repeat):
    """(start-up seconds, fastest of ``repeat`` batch seconds, scores) on a LocalCluster of ``workers``
    processes."""
    from autograder.grade.cluster import cluster_executor

    started = time.perf_counter()
    with cluster_executor(f"local:{workers}") as executor:
        executor.client.wait_for_workers(workers)
        startup = time.perf_counter() - started
        timed_batch(submissions[:workers], executor)  # warm each worker (imports, first sandbox) outside the timing
        runs = [timed_batch(submissions, executor) for _ in range(repeat)]
    return startup, min(wall for wall, _ in runs), runs[0][1]


def main():
    from autograder.grade.submissions import find_submissions

    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--copies", type=int, default=40)
    parser.add_argument("--lab", default="01_gradient_descent", help="lab id of the examples to grade")
    parser.add_argument("--repeat", type=int, default=3, help="batches per configuration; the fastest counts")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="dlcv-bench-") as tmp:
        make_batch(Path(tmp), args.copies, args.lab)
        submissions, _ = find_submissions([Path(tmp)], [args.lab])
        n = len(submissions)
        timed_batch(submissions[:1])  # warm the page cache and imports
        local_runs = [timed_batch(submissions) for _ in range(args.repeat)]
        local, local_scores = min(wall for wall, _ in local_runs), local_runs[0][1]
        start1, one, scores1 = timed_cluster_batch(submissions, 1, args.repeat)
        start2, two, scores2 = timed_cluster_batch(submissions, 2, args.repeat)
    assert scores1 == scores2 == local_scores, "Dask grading must give the local scores"
    print(f"{n} {args.lab} submissions (correct / partly wrong / stub, in turn), fastest of {args.repeat} batches "
          "each; scores identical in all runs")
    print(f"{'run':<16} {'batch (s)':>10} {'s/submission':>13} {'submissions/s':>14} {'cluster start (s)':>18}")
    for label, wall, start in (("local pool -j1", local, None), ("dask local:1", one, start1),
                               ("dask local:2", two, start2)):
        start_text = f"{start:>18.2f}" if start is not None else f"{'-':>18}"
        print(f"{label:<16} {wall:>10.2f} {wall / n:>13.3f} {n / wall:>14.2f} {start_text}")
    print(f"Dask overhead per submission (local:1 vs -j1): {(one - local) / n:+.3f} s")
    print(f"scaling 1 -> 2 Dask workers: {one / two:.2f}x (2.00x would be perfect; this machine has 2 cores)")
    print(f"cost model figure: {one / n:.3f} s per submission per worker")


if __name__ == "__main__":  # guarded: the LocalCluster's spawned workers import this module
    sys.path.insert(0, str(ROOT))
    main()
