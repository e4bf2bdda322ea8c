"""Grade many submissions: a pool of grading threads (each drives its own sandboxed worker), resumable."""

import os
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ..project import hidden_spec_paths
from ..sandbox import Limits, Runtime
from . import report
from .runner import grade_submission, load_spec, not_gradable_result


@dataclass
class BatchOutcome:
    """What a batch did: per-submission results (this run's and earlier runs' kept ones)."""

    graded: list = field(default_factory=list)    # (submission, results) graded now
    skipped: list = field(default_factory=list)   # submissions with results already on disk
    ignored: list = field(default_factory=list)   # files that are not submissions


def paths_to_hide(out_dir, submissions):
    """What the worker must not see: the instructor's repository (reference solutions, hidden specs, the grader,
    its git history), or where the packages are installed without one the ``solutions`` and ``autograder``
    packages; the output folder; every folder holding submissions. The Python installation stays reachable."""
    import autograder
    import solutions

    root = Path(autograder.__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() or (root / ".git").exists():
        hide = {root}
    else:
        hide = {Path(autograder.__file__).parent, Path(solutions.__file__).parent}
    hide.add(Path(out_dir))
    hide |= {s.path.resolve().parent for s in submissions}
    return sorted(str(p.resolve()) for p in hide)


def paths_to_expose():
    """Public code the worker may import even when it sits inside a hidden folder: labkit."""
    import labkit

    return [str(Path(labkit.__file__).resolve().parent)]


def _grade_safely(submission, runtime, limits, seed, namespaces):
    try:
        return grade_submission(submission, runtime, limits, seed, namespaces)
    except Exception as error:  # noqa: BLE001 - a grader bug on one file must not stop the batch
        spec = load_spec(submission.lab) if submission.lab in hidden_spec_paths() else None
        return not_gradable_result(submission, f"internal grader error ({type(error).__name__}: {error}); "
                                   "tell the course staff", spec, seed)


def grade_batch(submissions, out_dir, jobs=1, limits=Limits(), seed=None, force=False, namespaces=True,
                progress=None):
    """Grade ``submissions`` into ``out_dir``; each results.json is written as soon as it is ready.

    Parameters
    ----------
    submissions : list of Submission
    out_dir : pathlib.Path
    jobs : int
        Submissions graded at the same time.
    limits : autograder.sandbox.Limits
    seed : int, optional
        Seed for every submission (replays a recorded run); default: one fixed seed per student and lab.
    force : bool
        Regrade submissions that already have results.
    namespaces : bool
        Use namespaces, hidden paths and a private user when running as root.
    progress : callable, optional
        Called with (submission, results) after each one, e.g. to advance a progress bar.

    Returns
    -------
    BatchOutcome
    """
    out_dir = Path(out_dir)
    outcome = BatchOutcome()
    todo = []
    for sub in submissions:
        if not force and report.results_path(out_dir, *sub.key).is_file():
            outcome.skipped.append(sub)
        else:
            todo.append(sub)
    if not todo:
        return outcome
    out_dir.mkdir(parents=True, exist_ok=True)  # it must exist to be hidden from the first worker on
    with Runtime(hide=paths_to_hide(out_dir, submissions), expose=paths_to_expose()) as runtime:
        with ThreadPoolExecutor(max_workers=max(1, jobs)) as pool:
            futures = {pool.submit(_grade_safely, sub, runtime, limits, seed, namespaces): sub for sub in todo}
            for future in as_completed(futures):
                sub = futures[future]
                results = future.result()
                report.write_results(out_dir, *sub.key, results)
                outcome.graded.append((sub, results))
                if progress:
                    progress(sub, results)
    outcome.graded.sort(key=lambda pair: pair[0].key)
    return outcome


def exercises_by_lab():
    """Lab id -> exercise names in notebook order, for the gradebook's columns."""
    return {lab: list(load_spec(lab).exercises) for lab in hidden_spec_paths()}


def default_jobs():
    return max(1, min(os.cpu_count() or 1, 8))
