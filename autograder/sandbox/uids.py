"""Private user ids for workers run as root, and killing every process one of them owns."""

from __future__ import annotations

import fcntl
import os
import signal
import threading
import time
from pathlib import Path

from .errors import WorkerError

_UID_BASE = 61000


class UidPool:
    """Private user ids for workers, unique across every grader process on the machine.

    A uid is taken by holding an exclusive ``flock`` on its lock file, which the kernel releases when the holder
    exits, so concurrent ``dlcv grade`` runs never share a uid (and never kill each other's workers), and a
    killed grader leaks nothing.
    """

    def __init__(self, base: int = _UID_BASE, size: int = 4096,
                 lock_dir: str | os.PathLike[str] = "/run/dlcv-uids") -> None:
        self._range = range(base, base + size)
        self._lock_dir = Path(lock_dir)
        self._held: dict[int, int] = {}  # uid -> the fd of its locked file
        self._lock = threading.Lock()

    def take(self) -> int:
        with self._lock:
            self._lock_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
            for uid in self._range:
                if uid in self._held:
                    continue
                fd = os.open(self._lock_dir / str(uid), os.O_CREAT | os.O_RDWR, 0o600)
                try:
                    fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    os.close(fd)
                    continue
                self._held[uid] = fd
                return uid
        raise WorkerError("no free private user id for a sandboxed worker")

    def give_back(self, uid: int) -> None:
        with self._lock:
            fd = self._held.pop(uid, None)
        if fd is not None:
            os.close(fd)


UIDS = UidPool()


def kill_uid(uid: int) -> None:
    """SIGKILL every process owned by ``uid`` (the worker's private user), until none is left."""
    for attempt in range(25):
        found = False
        for entry in os.scandir("/proc"):
            if not entry.name.isdigit():
                continue
            try:
                if entry.stat().st_uid == uid:
                    found = True
                    os.kill(int(entry.name), signal.SIGKILL)
            except (FileNotFoundError, ProcessLookupError, PermissionError):
                continue
        if not found:
            return
        time.sleep(0.001 if attempt < 5 else 0.01)  # a killed process is gone within a millisecond or two
