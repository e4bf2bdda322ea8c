"""Grade a batch on a Dask distributed cluster: ``dlcv grade --scheduler tcp://HOST:PORT`` (or ``local:N``).

:func:`autograder.grade.batch.grade_batch` stays the same; it is given a :class:`ClusterExecutor` instead of its
thread pool. For each :class:`~autograder.grade.batch.GradingTask` the executor sends one Dask task holding the
submission's **bytes** (a worker may be another machine, which cannot read the client's paths) and plain data only
(builtins: a worker whose code differs can still unpickle it, and refuse it). The worker runs
:func:`~autograder.grade.cluster_worker.grade_on_worker` (what it checks and where it copies the submission: read
its module), which grades in the same sandbox as local grading and returns the results; the client writes each
``results.json`` as it arrives, so resume, ``--force``, ``--seed`` and the gradebook work as locally.

On the client (:class:`ClusterExecutor`)
----------------------------------------
- **A deadline per task**: Dask has no task timeout. A task reports when it starts (a Dask event); if its result
  has not arrived ``limits.submission_seconds + margin_seconds`` later, the submission is reported not gradable
  ("grading timed out on the cluster") and the batch goes on. The sandbox already bounds a submission's wall
  time, so this only fires when the worker itself hangs (frozen, swapping, cut off). A task that Dask starts again
  elsewhere gets a fresh deadline. Tasks still queued have none: a cluster without workers waits for one.
- **Files that need no sandbox** (an unknown lab, a file that cannot be read or is over the size limit) are
  answered on the client with exactly what local grading says; nothing is sent.
- **A lost scheduler** stops the batch with :class:`ClusterError`: the results written so far are kept and a
  rerun resumes; no submission is marked not gradable for the cluster's fault.
"""

from __future__ import annotations

import collections
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from concurrent.futures import Executor, Future
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..course import gradable_lab_ids, load_spec
from .batch import GradingTask, run_task
from .cluster_worker import grade_on_worker
from .digest import course_digest
from .extract import MAX_NOTEBOOK_BYTES, NotGradable, require_notebook_size
from .results import Results, not_gradable_results
from .runner import grade_submission, unreadable_reason

if TYPE_CHECKING:
    from dask.typing import Key
    from distributed import Client
    from distributed import Future as DaskFuture

CONNECT_SECONDS = 5.0    # how long to try reaching a scheduler before giving up
MARGIN_SECONDS = 60.0    # added to limits.submission_seconds for a task's deadline (sandbox start-up, transfer)
_POLL_SECONDS = 0.25     # how often deadlines are checked
_SCHEDULER = re.compile(r"tcp://(?P<host>\[[0-9A-Fa-f:.]+\]|[A-Za-z0-9_.-]+):(?P<port>\d{1,5})|local:(?P<n>\d{1,4})")


class ClusterError(RuntimeError):
    """The cluster cannot be reached, or was lost during the batch; the message says what to do."""


# ---------------------------------------------------------------------------------------------- the address


@dataclass(frozen=True)
class Scheduler:
    """Where to grade: ``address`` of a running scheduler, or ``local_workers`` processes of a LocalCluster."""

    address: str | None = None
    local_workers: int = 0

    def __str__(self) -> str:
        return self.address or f"local:{self.local_workers}"


def parse_scheduler(text: str) -> Scheduler:
    """The :class:`Scheduler` that ``--scheduler`` names.

    Parameters
    ----------
    text : str
        ``tcp://HOST:PORT`` (a running ``dask scheduler``) or ``local:N`` (N >= 1 worker processes here).

    Raises
    ------
    ValueError
        When ``text`` is neither, with a message that shows both forms.
    """
    match = _SCHEDULER.fullmatch(text.strip())
    if match and match["n"] is not None and int(match["n"]) >= 1:
        return Scheduler(local_workers=int(match["n"]))
    if match and match["port"] is not None and 0 < int(match["port"]) < 65536:
        return Scheduler(address=f"tcp://{match['host']}:{int(match['port'])}")
    raise ValueError(f"{text!r} is not a scheduler: give tcp://HOST:PORT (a running `dask scheduler`, e.g. "
                     "tcp://10.0.0.5:8786) or local:N (N >= 1 worker processes on this machine)")


@contextmanager
def cluster_executor(scheduler: Scheduler | str, margin_seconds: float = MARGIN_SECONDS) -> Iterator[ClusterExecutor]:
    """Connect to (or start) the cluster ``scheduler`` names and yield a :class:`ClusterExecutor` on it.

    Parameters
    ----------
    scheduler : Scheduler or str
    margin_seconds : float
        See :class:`ClusterExecutor`.

    Yields
    ------
    ClusterExecutor

    Raises
    ------
    ClusterError
        When the scheduler cannot be reached within ``CONNECT_SECONDS``.
    """
    from distributed import Client, LocalCluster

    scheduler = parse_scheduler(scheduler) if isinstance(scheduler, str) else scheduler
    cluster = None
    if scheduler.local_workers:
        cluster = LocalCluster(n_workers=scheduler.local_workers, threads_per_worker=1, processes=True,
                               dashboard_address=None)
        client = Client(cluster)
    else:
        try:
            client = Client(scheduler.address, timeout=CONNECT_SECONDS)
        except (OSError, TimeoutError) as error:
            raise ClusterError(
                f"cannot reach the Dask scheduler at {scheduler.address} within {CONNECT_SECONDS:g} s ({error}); "
                "is `dask scheduler` running there and its port open from this machine? (or grade on this "
                "machine: --scheduler local:N, or no --scheduler)") from None
    executor = ClusterExecutor(client, margin_seconds=margin_seconds)
    try:
        yield executor
    finally:
        executor.shutdown(wait=False, cancel_futures=True)
        client.close()
        if cluster is not None:
            cluster.close()


# ---------------------------------------------------------------------------------------------- the client side


def _not_gradable(task: GradingTask, reason: str) -> Results:
    """Not-gradable results for ``task``, with its lab's tests listed, as local grading writes them."""
    sub = task.submission
    spec = load_spec(sub.lab) if sub.lab in gradable_lab_ids() else None
    return not_gradable_results(sub, reason, spec, seed=task.seed)


def _answer_on_client(task: GradingTask) -> tuple[bytes, None] | tuple[None, Results]:
    """``(data, None)`` to send, or ``(None, results)`` for a file that never reaches a sandbox: an unknown lab,
    an unreadable file, one that is empty or over the size limit (the same results as local grading)."""
    sub = task.submission
    if sub.lab is None or sub.lab not in gradable_lab_ids():
        return None, grade_submission(sub, None, task.limits, task.seed,  # type: ignore[arg-type]  # no sandbox:
                                      task.namespaces)  # it returns at the lab check
    try:
        require_notebook_size(Path(sub.path).stat().st_size, MAX_NOTEBOOK_BYTES)
        return Path(sub.path).read_bytes(), None
    except NotGradable as error:
        return None, _not_gradable(task, str(error))
    except OSError as error:
        return None, _not_gradable(task, unreadable_reason(error))


@dataclass
class _Pending:
    task: GradingTask
    result: Future[Results]
    allowed: float                 # seconds from the task's start to its deadline
    started: float | None = None   # time.monotonic() on the client when the task (last) started
    future: DaskFuture | None = None  # the Dask future, once sent


class ClusterExecutor(Executor):
    """A :class:`concurrent.futures.Executor` for :func:`~autograder.grade.batch.grade_batch` that grades each
    :class:`~autograder.grade.batch.GradingTask` on a Dask cluster.

    Parameters
    ----------
    client : distributed.Client
        Connected to the cluster; not closed by the executor.
    margin_seconds : float
        Added to each task's ``limits.submission_seconds`` to make its deadline, counted from when it starts.
    digest : str, optional
        The course digest sent with each task (default: this installation's); only tests pass another one.
    max_in_flight : int, optional
        Tasks sent to the cluster and not answered yet, at most (default: twice the cluster's worker threads, at
        least 4, looked up as workers join). The others wait on the client, their files unread, so a batch of
        10,000 notebooks never holds all their bytes in the client's and the scheduler's memory.

    Notes
    -----
    Only ``submit(run_task, task)`` is supported: the futures it returns resolve to results dictionaries, or
    raise :class:`ClusterError` when the cluster is lost.
    """

    def __init__(self, client: Client, margin_seconds: float = MARGIN_SECONDS, digest: str | None = None,
                 max_in_flight: int | None = None) -> None:
        self.client = client
        self.margin_seconds = float(margin_seconds)
        self.digest = digest or course_digest()
        self.max_in_flight = max_in_flight
        self._topic = f"dlcv-started-{uuid.uuid4().hex}"
        self._lock = threading.Lock()
        self._pending: dict[Key, _Pending] = {}  # Dask key -> _Pending
        self._waiting: collections.deque[tuple[GradingTask, Future[Results]]] = collections.deque()  # not sent yet
        self._sending = 0  # tasks being sent right now (counted in flight)
        self._closed = threading.Event()
        client.subscribe_topic(self._topic, self._on_started)
        self._watchdog = threading.Thread(target=self._watch_deadlines, name="dlcv-cluster-deadlines", daemon=True)
        self._watchdog.start()

    def workers(self) -> int:
        """Number of worker threads the cluster has now (int)."""
        return sum(self.client.nthreads().values())

    def submit(self, fn: Callable[[GradingTask], Results], task: GradingTask,  # type: ignore[override]
               /) -> Future[Results]:  # run_task(task) only
        if fn is not run_task or not isinstance(task, GradingTask):
            raise TypeError("ClusterExecutor only runs run_task(GradingTask)")
        result: Future[Results] = Future()
        with self._lock:
            self._waiting.append((task, result))
        self._send_waiting()
        return result

    def _limit(self) -> int:
        if self.max_in_flight is not None:
            return max(1, int(self.max_in_flight))
        return max(4, 2 * self.workers())

    def _send_waiting(self) -> None:
        """Send waiting tasks while fewer than the limit are in flight (any thread; never holds the lock while
        sending)."""
        while not self._closed.is_set():
            limit = self._limit()
            with self._lock:
                if not self._waiting or len(self._pending) + self._sending >= limit:
                    return
                task, result = self._waiting.popleft()
                self._sending += 1
            try:
                self._send(task, result)
            except Exception as error:  # noqa: BLE001 - e.g. the connection is gone: this submission's future says so
                result.set_exception(ClusterError(f"the task could not be sent to the Dask cluster ({error}); the "
                                                  "results written so far are kept: run the same command again"))
            finally:
                with self._lock:
                    self._sending -= 1

    def _send(self, task: GradingTask, result: Future[Results]) -> None:
        """Read the submission and send it as one Dask task (or answer it here, see ``_answer_on_client``)."""
        data, answer = _answer_on_client(task)
        if answer is not None:
            result.set_result(answer)
            return
        sub = task.submission
        key = f"dlcv-grade-{sub.student}-{sub.lab}-{uuid.uuid4().hex[:12]}"
        payload = {"digest": self.digest, "topic": self._topic, "student": sub.student, "lab": sub.lab,
                   "name": Path(sub.path).name, "data": data, "limits": task.limits.to_config(), "seed": task.seed,
                   "namespaces": task.namespaces, "hide": list(task.hide)}
        entry = _Pending(task, result, task.limits.submission_seconds + self.margin_seconds)
        with self._lock:
            self._pending[key] = entry
        entry.future = self.client.submit(grade_on_worker, payload, key=key, pure=False)
        entry.future.add_done_callback(self._on_done)

    def _take(self, key: Key) -> _Pending | None:
        """Remove and return the pending entry of ``key`` (None when answered already); frees a place in flight."""
        with self._lock:
            entry = self._pending.pop(key, None)
        if entry is not None:
            # the scheduler forgets the task (and its bytes) before the next one is sent
            entry.future.release()  # type: ignore[union-attr]  # set once sent: a task starts or ends only then
            threading.Thread(target=self._send_waiting, name="dlcv-cluster-send", daemon=True).start()
        return entry

    def _on_started(self, event: tuple[float, Any]) -> None:
        _, message = event
        with self._lock:
            entry = self._pending.get(message.get("key"))
            if entry is not None:
                entry.started = time.monotonic()

    def _on_done(self, future: DaskFuture) -> None:
        """Answer the submission of a Dask future that finished, erred or was cancelled (Dask's callback thread)."""
        from distributed import KilledWorker

        with self._lock:
            entry = self._pending.get(future.key)
        if entry is None:
            return  # answered already: its deadline passed, or the executor was shut down
        status = future.status
        if status == "finished":
            try:
                reply = future.result()
            except Exception:  # noqa: BLE001 - its result was lost with a worker: Dask computes it again
                status = future.status
            else:
                if self._take(future.key):
                    entry.result.set_result(reply["results"] if "results" in reply
                                            else _not_gradable(entry.task, reply["refused"]))
                return
        if status == "error":
            error = future.exception()
            if isinstance(error, KilledWorker):
                reason = (f"every Dask worker that graded it died ({error}); a worker may be short of memory: give "
                          "the workers more, or grade this file on its own")
            else:
                reason = (f"the Dask worker could not grade it ({type(error).__name__}: {error}); install the same "
                          "commit on the workers (`pip install -e .`) and delete this results.json to grade it again")
            if self._take(future.key):
                entry.result.set_result(_not_gradable(entry.task, reason))
        elif status == "cancelled":
            if self._take(future.key):
                entry.result.set_exception(ClusterError(
                    "the Dask cluster dropped the batch (the connection to the scheduler was lost?); the results "
                    "written so far are kept: run the same command again to grade the rest"))
        else:  # lost or pending again: wait for the recomputation
            future.add_done_callback(self._on_done)

    def _watch_deadlines(self) -> None:
        while not self._closed.wait(_POLL_SECONDS):
            now = time.monotonic()
            with self._lock:
                late = [k for k, e in self._pending.items() if e.started is not None and now - e.started > e.allowed]
            entries = [e for e in map(self._take, late) if e is not None]
            for entry in entries:
                entry.future.cancel()  # type: ignore[union-attr]  # it started: it was sent
                entry.result.set_result(_not_gradable(entry.task, (
                    f"grading timed out on the cluster: no result {entry.allowed:g} s after a Dask worker started it "
                    f"(the sandbox stops a submission after {entry.task.limits.submission_seconds:g} s; was the "
                    "worker frozen or overloaded?); delete this results.json and rerun to grade it again")))

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        """Stop the deadline watch; with ``cancel_futures``, cancel the tasks not finished yet (the client stays
        open)."""
        self._closed.set()
        with self._lock:
            entries = [self._pending.pop(key) for key in list(self._pending)] if cancel_futures else []
            waiting = list(self._waiting) if cancel_futures else []
            if cancel_futures:
                self._waiting.clear()
        for entry in entries:
            if entry.future is not None:  # None: a task still being sent (its result is never read)
                entry.future.cancel()
            entry.result.cancel()
        for _, result in waiting:
            result.cancel()
        try:
            self.client.unsubscribe_topic(self._topic)
        except Exception:  # noqa: BLE001 - the connection may be gone already
            pass
        if wait and self._watchdog is not threading.current_thread():
            self._watchdog.join()
