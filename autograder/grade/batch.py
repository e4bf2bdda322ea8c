"""Grade many submissions on an executor (by default :class:`local_executor`: grading processes, or threads for a
small batch, each driving its own sandboxed worker), writing each result as it arrives, so an interrupted batch
resumes where it stopped."""

from __future__ import annotations

import hashlib
import multiprocessing
import multiprocessing.util
import os
import signal
import threading
from collections.abc import Callable, Iterable, Sequence
from concurrent.futures import Executor, ProcessPoolExecutor, ThreadPoolExecutor, as_completed
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .. import affinity
from ..course import gradable_lab_ids, load_spec
from ..sandbox import Limits, Runtime, paths_to_expose, paths_to_hide, warm_by_default
from . import result_files
from .results import Results, not_gradable_results, summary
from .runner import grade_submission
from .submissions import Submission


@dataclass
class BatchOutcome:
    """What a batch did: per-submission results (this run's and earlier runs' kept ones)."""

    graded: list[tuple[Submission, Results]] = field(default_factory=list)    # (submission, results) graded now
    skipped: list[Submission] = field(default_factory=list)   # submissions with results already on disk


def default_seed(student: str, lab: str | None) -> int:
    """A fixed seed per (student, lab): regrading gives the same inputs and messages; students differ."""
    digest = hashlib.sha256(f"dlcv:{student}:{lab}".encode()).digest()
    return int.from_bytes(digest[:4], "big")


@dataclass(frozen=True)
class GradingTask:
    """Everything needed to grade one submission, wherever the task runs (plain data; picklable).

    The seed is decided here, once, when the task is made (:meth:`make`): every results.json the task yields —
    graded or not gradable, on this machine or on a cluster worker — records the seed that replays it.
    """

    submission: Submission
    hide: tuple[str, ...]
    expose: tuple[str, ...]
    limits: Limits
    seed: int
    namespaces: bool

    @classmethod
    def make(cls, submission: Submission, hide: Iterable[str], expose: Iterable[str], limits: Limits, seed: int | None,
             namespaces: bool) -> GradingTask:
        """The task of ``submission``; ``seed`` None means the fixed seed of its student and lab."""
        seed = default_seed(submission.student, submission.lab) if seed is None else int(seed)
        return cls(submission, tuple(hide), tuple(expose), limits, seed, namespaces)


class _Runtimes:
    """The worker runtime of each (hide, expose) policy in this process, made by the first task that needs it and
    removed when the last one running finishes: it is set up where the grading happens, not by the client."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._held: dict[tuple[tuple[str, ...], tuple[str, ...]], list[Any]] = {}  # key -> [runtime, users]

    def acquire(self, hide: tuple[str, ...], expose: tuple[str, ...], warm: bool | None = None) -> Runtime:
        """The runtime of this policy, made if none is held; ``warm`` (see :class:`Runtime`) applies to a new one."""
        with self._lock:
            entry = self._held.get((hide, expose))
            if entry is None:
                entry = self._held[(hide, expose)] = [Runtime(hide=hide, expose=expose, warm=warm), 0]
            entry[1] += 1
            return entry[0]

    def release(self, hide: tuple[str, ...], expose: tuple[str, ...]) -> None:
        with self._lock:
            entry = self._held[(hide, expose)]
            entry[1] -= 1
            if entry[1] == 0:
                del self._held[(hide, expose)]
                entry[0].close()


_RUNTIMES = _Runtimes()


def run_task(task: GradingTask) -> Results:
    """Grade one :class:`GradingTask` and return its results; never raises for anything the submission does."""
    # Inside a local batch the batch's runtime (warm) is held already. A task of another executor (a cluster
    # worker) makes its own, removed when it ends: a warm parent would be booted for one submission only.
    runtime = _RUNTIMES.acquire(task.hide, task.expose, warm=False)
    try:
        return grade_submission(task.submission, runtime, task.limits, task.seed, task.namespaces)
    except Exception as error:  # noqa: BLE001 - a grader bug on one file must not stop the batch
        submission = task.submission
        spec = load_spec(submission.lab) if submission.lab in gradable_lab_ids() else None
        return not_gradable_results(submission, f"internal grader error ({type(error).__name__}: {error}); "
                                    "tell the course staff", spec, seed=task.seed)
    finally:
        _RUNTIMES.release(task.hide, task.expose)


def grade_batch(submissions: Sequence[Submission], out_dir: str | os.PathLike[str], executor: Executor | None = None,
                jobs: int = 1, limits: Limits = Limits(), seed: int | None = None, force: bool = False,
                namespaces: bool = True, progress: Callable[[Submission, Results], object] | None = None,
                html: bool = False, keep_tests: bool = True) -> BatchOutcome:
    """Grade ``submissions`` into ``out_dir``; each results.json is written as soon as it is ready.

    Parameters
    ----------
    submissions : list of Submission
    out_dir : pathlib.Path
    executor : concurrent.futures.Executor, optional
        Runs :func:`run_task` on each :class:`GradingTask`; default: :func:`local_executor` of ``jobs``.
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
    todo: list[Submission] = []
    for sub in submissions:
        if not force and result_files.results_path(out_dir, *sub.key).is_file():
            outcome.skipped.append(sub)
        else:
            todo.append(sub)
    if not todo:
        return outcome
    out_dir.mkdir(parents=True, exist_ok=True)  # it must exist to be hidden from the first worker on
    hide = tuple(paths_to_hide(out_dir, [s.path for s in submissions]))
    expose = tuple(paths_to_expose())
    tasks = [GradingTask.make(sub, hide, expose, limits, seed, namespaces) for sub in todo]

    def collect(executor: Executor, tasks: list[GradingTask]) -> list[GradingTask]:
        """Grade ``tasks`` on ``executor``, writing each result; return the tasks whose grading process died."""
        lost = []
        futures = {executor.submit(run_task, task): task for task in tasks}
        for future in as_completed(futures):
            task = futures.pop(future)  # a finished future holds its full results: let it go with this loop
            try:
                results = future.result()
            except BrokenProcessPool:  # a grading process died (not the sandbox: a grader bug or an OOM kill)
                lost.append(task)
                continue
            sub = task.submission
            result_files.write_results(out_dir, *sub.key, results, html_from=sub.path if html else None)
            if progress:
                progress(sub, results)
            outcome.graded.append((sub, results if keep_tests else summary(results)))
        return lost

    if executor is not None:
        lost = collect(executor, tasks)
    else:
        with local_executor(jobs, len(tasks), hide, expose) as executor:
            lost = collect(executor, tasks)
    if lost:  # graded again here, one by one: nothing already written is lost, nothing is graded twice
        with local_executor(1, len(lost), hide, expose) as executor:
            collect(executor, lost)
    outcome.graded.sort(key=lambda pair: pair[0].key)
    return outcome


TASKS_PER_PROCESS = 4  # on this project's VM two processes beat two threads from about 10 Lab 1 submissions on


class local_executor:  # noqa: N801 - used as a context manager, like open()
    """The default executor of a local batch, a context manager: ``jobs`` grading processes, or threads.

    The trusted side's share of grading (reading replies, evaluating callbacks, checking answers) is Python
    code, so grading threads of one process mostly wait for each other's GIL: on this project's 2-core VM, Lab 1 at
    -j2 grades 22 submissions/s on two threads and 37/s in two processes. So ``jobs`` >= 2 grades in that many
    processes, started by ``forkserver`` (the grader may run threads: no ``fork``), once there are at least
    :data:`TASKS_PER_PROCESS` tasks per process to pay for their start (about 0.3 s; a smaller batch grades on
    ``jobs`` threads of this process); each holds one worker runtime (one warm parent) for the whole batch, made
    in it and removed when it exits, and ignores SIGINT (Ctrl-C stops the batch from here: the processes finish the
    submissions they hold, and a rerun grades the rest). Threads grade on a runtime held here.
    """

    def __init__(self, jobs: int, count: int, hide: tuple[str, ...], expose: tuple[str, ...]) -> None:
        jobs = max(1, min(jobs, count))
        self.processes = jobs if jobs > 1 and count >= TASKS_PER_PROCESS * jobs else 0
        self.threads = jobs
        self.hide, self.expose = hide, expose
        self.executor: Executor | None = None

    def __enter__(self) -> Executor:
        if self.processes:
            self.executor = ProcessPoolExecutor(
                max_workers=self.processes, mp_context=multiprocessing.get_context("forkserver"),
                initializer=_grading_process, initargs=(self.hide, self.expose, warm_by_default()))
        else:
            _RUNTIMES.acquire(self.hide, self.expose)
            self.executor = ThreadPoolExecutor(max_workers=self.threads)
        return self.executor

    def __exit__(self, *exc: object) -> None:
        self.executor.shutdown(wait=True, cancel_futures=True)  # type: ignore[union-attr]  # set by __enter__
        if not self.processes:
            _RUNTIMES.release(self.hide, self.expose)


def _grading_process(hide: tuple[str, ...], expose: tuple[str, ...], warm: bool) -> None:
    """Initializer of a grading process: hold the batch's runtime (``warm``: with a warm parent, as the batch's
    process decided; the forkserver's environment may be older) until the process exits; leave Ctrl-C to the
    batch's own process."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    identity = multiprocessing.current_process()._identity  # (n,): the n-th process this batch's process started
    affinity.prefer(identity[0] - 1 if identity else os.getpid())  # consecutive: one CPU each, none shared
    _RUNTIMES.acquire(hide, expose, warm=warm)
    multiprocessing.util.Finalize(None, _RUNTIMES.release, args=(hide, expose), exitpriority=10)


def default_jobs() -> int:
    return max(1, min(os.cpu_count() or 1, 8))
