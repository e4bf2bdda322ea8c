"""The runtime of a grading run: a read-only copy of the worker's code, and the warm parent that forks workers."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any, Protocol

from .cold_workers import ColdProcess
from .policy import warm_by_default, worker_environment
from .uids import kill_uid
from .warm_workers import WarmParent, WarmParentError


class WorkerProcess(Protocol):
    """A started worker process, cold (:class:`~.cold_workers.ColdProcess`) or warm
    (:class:`~.warm_workers.WarmProcess`): its pid, this side's ends of its two pipes, and how to kill it."""

    warm: bool
    pid: int
    to_worker: int
    from_worker: int

    def kill(self) -> None: ...


WORKER_PACKAGE = Path(__file__).resolve().parent.parent / "worker"
PR_SET_DUMPABLE = 4


def _protect_grader() -> bool:
    """Without root the workers run as the grader's own user: make the grader non-dumpable, so that a worker that
    can see it (the fallback without a PID namespace) can neither ptrace it nor read its memory or environment."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_DUMPABLE, ctypes.c_ulong(0), 0, 0, 0) == 0


class Runtime:
    """A read-only folder holding the worker's code, shared by all workers of a grading run, and the warm
    parent that forks them (started on first use, restarted after it dies).

    Parameters
    ----------
    hide, expose : iterable of str
        What workers must not see (:func:`paths_to_hide`) and the public code they may import
        (:func:`paths_to_expose`).
    warm : bool, optional
        Fork workers from a warm parent; default :func:`warm_by_default`. Without it every worker is a cold
        ``python -I``.
    """

    WARM_PARENT_FAILURES = 3  # warm parents that fail one after another before this runtime starts cold workers only

    def __init__(self, hide: Iterable[str] = (), expose: Iterable[str] = (), warm: bool | None = None) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="dlcv-runtime-"))
        self.expose = sorted({str(Path(p).resolve()) for p in expose})
        target = self.dir / "dlcv_worker"
        shutil.copytree(WORKER_PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
        os.chmod(self.dir, 0o755)
        self.hide = sorted({str(Path(p).resolve()) for p in hide})
        self.warm = warm_by_default() if warm is None else bool(warm) and os.geteuid() == 0
        self.grader_undumpable = os.geteuid() != 0 and _protect_grader()
        self.warm_parent: WarmParent | None = None
        self.warm_parent_failures = 0
        self._warm_parent_lock = threading.Lock()

    def start_worker(self, config: dict[str, Any], cwd: Path) -> WorkerProcess:
        """A new worker process for ``config``: forked from the warm parent if possible, else cold."""
        if self.warm and self.warm_parent_failures < self.WARM_PARENT_FAILURES:
            try:
                process = self._warm_parent().spawn(config)
                self.warm_parent_failures = 0
                return process
            except WarmParentError:
                self._discard_warm_parent()
                if config.get("uid") is not None:
                    kill_uid(config["uid"])  # a child forked before the warm parent failed must not linger
        return ColdProcess(self.dir, config, cwd)

    def _warm_parent(self) -> WarmParent:
        with self._warm_parent_lock:
            if self.warm_parent is None or not self.warm_parent.alive():
                if self.warm_parent is not None:
                    self.warm_parent.close()
                self.warm_parent = None
                self.warm_parent = WarmParent(self.dir, worker_environment())
            return self.warm_parent

    def _discard_warm_parent(self) -> None:
        with self._warm_parent_lock:
            self.warm_parent_failures += 1
            if self.warm_parent is not None:
                self.warm_parent.close()
                self.warm_parent = None

    def close(self) -> None:
        with self._warm_parent_lock:
            if self.warm_parent is not None:
                self.warm_parent.close()
                self.warm_parent = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Runtime:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
