"""Grade one submission of a batch on a Dask cluster worker (:func:`grade_on_worker`); the client side, which
sends the tasks and writes the results, is :mod:`autograder.grade.cluster`.

- **The course digest first** (:func:`autograder.grade.digest.course_digest`): a worker whose installed hidden
  specs, reference module, labkit or grader differ from the client's refuses the task; the client reports the
  submission not gradable with that message instead of a grade from a stale spec.
- **A private copy of the submission**: the bytes go to ``<private root>/<task folder>/<original file name>``.
  The private root is one ``mkdtemp`` folder (mode 0700) per worker process, removed at exit; each task folder is
  removed when its task ends. The sandbox's hidden paths are computed *on the worker*: the worker's own
  installation (its repository or packages, via :func:`~autograder.sandbox.paths_to_hide`) and the private root,
  plus the client's list (the client's repository, output folder and submission folders: they matter when a
  worker shares the client's machine, as with ``local:N``; paths that do not exist on a worker are skipped by the
  lock-down). With namespaces (as root) the machine's ``/tmp`` is replaced by a private tmpfs as well, so no
  sandbox sees another task's copy; without them nothing is hidden, as locally, and ``results.json`` says so.
- **Idempotent**: the results are a pure function of the task's data (the seed travels with it); the worker
  writes nothing shared, so a task that Dask runs again after a worker was lost gives the same results.
"""

from __future__ import annotations

import atexit
import shutil
import tempfile
import threading
from pathlib import Path
from typing import Any

from ..sandbox import Limits, paths_to_expose, paths_to_hide
from .batch import GradingTask, run_task
from .digest import course_digest, short
from .submissions import Submission

_PRIVATE: dict[str, Path | None] = {"root": None}
_PRIVATE_LOCK = threading.Lock()


def _private_root() -> Path:
    """This process's private folder for submission copies (mode 0700), made on first use, removed at exit."""
    with _PRIVATE_LOCK:
        if _PRIVATE["root"] is None:
            root = Path(tempfile.mkdtemp(prefix="dlcv-cluster-")).resolve()
            atexit.register(shutil.rmtree, root, ignore_errors=True)
            _PRIVATE["root"] = root
        return _PRIVATE["root"]  # type: ignore[return-value]  # set above


def _mismatch(client_digest: str) -> str | None:
    """The refusal of a worker whose course differs from the client's (None when they agree)."""
    mine = course_digest()
    if client_digest == mine:
        return None
    where = ""
    try:
        from distributed import get_worker

        where = f" at {get_worker().address}"
    except (ImportError, ValueError):
        pass
    return (f"this worker's course differs from the client's: reinstall the same commit on the workers "
            f"(client {short(client_digest)}, worker {short(mine)}{where})")


def _report_start(topic: str) -> None:
    """Tell the client this task has started (its deadline runs from now); nothing outside a Dask worker."""
    try:
        from distributed import get_worker

        worker = get_worker()
    except (ImportError, ValueError):
        return
    worker.log_event(topic, {"key": str(worker.get_current_task())})


def grade_on_worker(task: dict[str, Any]) -> dict[str, Any]:
    """Grade one submission sent by :class:`~autograder.grade.cluster.ClusterExecutor`, on a cluster worker.

    Parameters
    ----------
    task : dict
        Plain data: ``digest`` (str), ``topic`` (str), ``student`` (str), ``lab`` (str), ``name`` (the file's
        name, str), ``data`` (bytes), ``limits`` (dict of :class:`~autograder.sandbox.Limits` fields), ``seed``
        (int, decided by the client: :meth:`~autograder.grade.batch.GradingTask.make`), ``namespaces`` (bool),
        ``hide`` (list of str, the client's hidden paths).

    Returns
    -------
    dict
        ``{"results": results dict}``, or ``{"refused": reason}`` when this worker's course differs.
    """
    refusal = _mismatch(task["digest"])
    if refusal:
        return {"refused": refusal}
    _report_start(task["topic"])
    root = _private_root()
    folder = Path(tempfile.mkdtemp(dir=root))
    try:
        name = Path(task["name"]).name or "submission.ipynb"
        path = folder / name
        path.write_bytes(task["data"])
        hide = tuple(sorted(set(task["hide"]) | set(paths_to_hide(root, []))))
        grading = GradingTask.make(Submission(path, task["student"], task["lab"]), hide, paths_to_expose(),
                                   Limits(**task["limits"]), task["seed"], task["namespaces"])
        return {"results": run_task(grading)}
    finally:
        shutil.rmtree(folder, ignore_errors=True)
