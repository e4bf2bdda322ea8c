"""Grade many submissions on an executor (by default a pool of grading threads, each driving its own sandboxed
worker), writing each result as it arrives, so an interrupted batch resumes where it stopped."""

import os
import threading
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

from ..project import hidden_spec_paths
from ..sandbox import Limits, Runtime, paths_to_expose, paths_to_hide
from . import report
from .results import not_gradable_results, summary
from .runner import grade_submission, load_spec


@dataclass
class BatchOutcome:
    """What a batch did: per-submission results (this run's and earlier runs' kept ones)."""

    graded: list = field(default_factory=list)    # (submission, results) graded now
    skipped: list = field(default_factory=list)   # submissions with results already on disk


@dataclass(frozen=True)
class GradingTask:
    """Everything needed to grade one submission, wherever the task runs (plain data; picklable)."""

    submission: object
    hide: tuple
    expose: tuple
    limits: Limits
    seed: int | None
    namespaces: bool


class _Runtimes:
    """The worker runtime of each (hide, expose) policy in this process, made by the first task that needs it and
    removed when the last one running finishes: it is set up where the grading happens, not by the client."""

    def __init__(self):
        self._lock = threading.Lock()
        self._held = {}  # key -> [runtime, users]

    def acquire(self, hide, expose, warm=None):
        """The runtime of this policy, made if none is held; ``warm`` (see :class:`Runtime`) applies to a new one."""
        with self._lock:
            entry = self._held.get((hide, expose))
            if entry is None:
                entry = self._held[(hide, expose)] = [Runtime(hide=hide, expose=expose, warm=warm), 0]
            entry[1] += 1
            return entry[0]

    def release(self, hide, expose):
        with self._lock:
            entry = self._held[(hide, expose)]
            entry[1] -= 1
            if entry[1] == 0:
                del self._held[(hide, expose)]
                entry[0].close()


_RUNTIMES = _Runtimes()


def run_task(task):
    """Grade one :class:`GradingTask` and return its results; never raises for anything the submission does."""
    # Inside a local batch the batch's runtime (warm) is held already. A task of another executor (a cluster
    # worker) makes its own, removed when it ends: a warm template would be booted for one submission only.
    runtime = _RUNTIMES.acquire(task.hide, task.expose, warm=False)
    try:
        return grade_submission(task.submission, runtime, task.limits, task.seed, task.namespaces)
    except Exception as error:  # noqa: BLE001 - a grader bug on one file must not stop the batch
        submission = task.submission
        spec = load_spec(submission.lab) if submission.lab in hidden_spec_paths() else None
        return not_gradable_results(submission, f"internal grader error ({type(error).__name__}: {error}); "
                                    "tell the course staff", spec, task.seed)
    finally:
        _RUNTIMES.release(task.hide, task.expose)


def grade_batch(submissions, out_dir, executor=None, jobs=1, limits=Limits(), seed=None, force=False,
                namespaces=True, progress=None, html=False, keep_tests=True):
    """Grade ``submissions`` into ``out_dir``; each results.json is written as soon as it is ready.

    Parameters
    ----------
    submissions : list of Submission
    out_dir : pathlib.Path
    executor : concurrent.futures.Executor, optional
        Runs :func:`run_task` on each :class:`GradingTask`; default: a thread pool of ``jobs`` threads.
    jobs : int
        Submissions graded at the same time by the default executor.
    limits : autograder.sandbox.Limits
    seed : int, optional
        Seed for every submission (replays a recorded run); default: one fixed seed per student and lab.
    force : bool
        Regrade submissions that already have results.
    namespaces : bool
        Use namespaces, hidden paths and a private user when running as root.
    progress : callable, optional
        Called with (submission, results) after each one, e.g. to advance a progress bar.
    html : bool
        Also write ``feedback.html`` (the notebook with the results under each exercise; about 2 s each).
    keep_tests : bool
        Keep each submission's per-test entries in the returned outcome; without, the outcome holds summaries
        (:func:`~autograder.grade.results.summary`) and the grader's memory does not grow with the batch.

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
    hide = tuple(paths_to_hide(out_dir, [s.path for s in submissions]))
    expose = tuple(paths_to_expose())
    tasks = {sub: GradingTask(sub, hide, expose, limits, seed, namespaces) for sub in todo}
    own_executor = executor is None
    executor = ThreadPoolExecutor(max_workers=max(1, jobs)) if own_executor else executor
    if own_executor:  # graded here: one runtime (and warm template) for the whole batch, not one per submission
        _RUNTIMES.acquire(hide, expose)
    try:
        futures = {executor.submit(run_task, task): sub for sub, task in tasks.items()}
        for future in as_completed(futures):
            sub = futures.pop(future)  # a finished future holds its full results: let it go with this loop
            results = future.result()
            report.write_results(out_dir, *sub.key, results, html_from=sub.path if html else None)
            if progress:
                progress(sub, results)
            outcome.graded.append((sub, results if keep_tests else summary(results)))
    finally:
        if own_executor:
            executor.shutdown(wait=True, cancel_futures=True)
            _RUNTIMES.release(hide, expose)
    outcome.graded.sort(key=lambda pair: pair[0].key)
    return outcome


def exercises_by_lab():
    """Lab id -> exercise names in notebook order, for the gradebook's columns."""
    return {lab: list(load_spec(lab).exercises) for lab in hidden_spec_paths()}


def default_jobs():
    return max(1, min(os.cpu_count() or 1, 8))
