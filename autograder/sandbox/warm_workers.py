"""Warm workers, grader side: start the warm parent, ask it for a fresh worker, and kill that worker.

A cold worker is a new ``python -I`` that imports NumPy before it locks itself down: most of the cost of a small
submission. The warm parent (``autograder.worker.warm_parent``, read its docstring) is one such interpreter per
:class:`~autograder.sandbox.Runtime`, started lazily, that has done the imports and forks a child per worker. Each
child then locks itself down exactly as a cold worker does, with its own private uid, namespaces, /tmp, /proc and
limits; the warm parent itself never runs student code and never holds a submission, a reply, the reference module
or a hidden spec.

This side creates both pipes of a worker, hands the worker's ends to the warm parent with ``SCM_RIGHTS`` and closes
them at once; the warm parent answers with a pidfd of the child, with which this side signals the child and waits
for its exit without racing a reused pid. Every exchange has a deadline; any failure (the warm parent died, hung
or answered nonsense) raises :class:`WarmParentError`, and the caller starts a cold worker instead.

The warm parent runs as root only: a child then runs as another user and cannot signal, trace or read it.
"""

from __future__ import annotations

import os
import select
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import Any

from ..worker import protocol

_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from dlcv_worker.warm_parent import main; main()"
BOOT_SECONDS = 30.0    # the warm parent's imports, once per runtime
SPAWN_SECONDS = 10.0   # one fork and its answer (milliseconds normally)


class WarmParentError(RuntimeError):
    """The warm parent could not start a worker (it died, hung or answered nonsense)."""


class WarmProcess:
    """A worker forked by the warm parent: its pid, a pidfd, and this side's ends of its two pipes.

    Parameters
    ----------
    pid : int
    pidfd : int
        Refers to this very process even after its pid is reused; readable once it has exited.
    to_worker, from_worker : int
        This side's ends of the request and the reply pipe.
    """

    warm = True

    def __init__(self, pid: int, pidfd: int, to_worker: int, from_worker: int) -> None:
        self.pid = pid
        self.pidfd: int | None = pidfd
        self.to_worker, self.from_worker = to_worker, from_worker

    def exited(self, seconds: float = 0.0) -> bool:
        """Whether the process has exited, waiting up to ``seconds``."""
        if self.pidfd is None:  # killed (:meth:`kill`), its pidfd closed
            return True
        poller = select.poll()
        poller.register(self.pidfd, select.POLLIN)
        return bool(poller.poll(seconds * 1000))

    def kill(self) -> None:
        """SIGKILL the worker and its process group (its own session), wait for its exit, close its pipes."""
        if self.pidfd is None:
            return
        if not self.exited():
            try:  # the child is alive (or a zombie its warm parent has not reaped): the group id is still its own
                os.killpg(self.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        try:
            signal.pidfd_send_signal(self.pidfd, signal.SIGKILL)
        except ProcessLookupError:
            pass
        self.exited(10.0)
        for fd in (self.pidfd, self.to_worker, self.from_worker):
            try:
                os.close(fd)
            except OSError:
                pass
        self.pidfd = None


class WarmParent:
    """One warm parent process and its control socket. Thread-safe: requests are answered one at a time.

    Parameters
    ----------
    runtime_dir : pathlib.Path
        The runtime copy of ``autograder.worker`` (imported as ``dlcv_worker``).
    env : dict
        The worker environment (scrubbed, one BLAS/OpenMP thread); children inherit it.

    Raises
    ------
    WarmParentError
        The warm parent did not boot.
    """

    def __init__(self, runtime_dir: Path, env: dict[str, str]) -> None:
        self._lock = threading.Lock()
        self._control, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-B", "-c", _BOOT, str(runtime_dir)],
                stdin=theirs,  # type: ignore[call-overload]  # Popen takes any object with fileno()
                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                cwd=runtime_dir, env=env, start_new_session=True,
            )
        finally:
            theirs.close()
        self._control.setblocking(False)  # every exchange below has a deadline
        try:
            ready = protocol.read_frame(self._control.fileno(), time.monotonic() + BOOT_SECONDS)
        except (protocol.WorkerTimeout, protocol.WorkerGone, protocol.ProtocolError) as error:
            self.close()
            raise WarmParentError(f"the warm parent did not boot ({type(error).__name__})") from None
        if ready.get("threads") != 1:
            self.close()
            raise WarmParentError(f"the warm parent is not single-threaded ({ready.get('threads')!r} threads)")
        self.pid = self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def spawn(self, config: dict[str, Any]) -> WarmProcess:
        """Fork a worker for ``config`` (the cold worker's config) and return its :class:`WarmProcess`."""
        to_read, to_write = os.pipe()      # grader -> worker
        from_read, from_write = os.pipe()  # worker -> grader
        try:
            with self._lock:
                pid, pidfd = self._request([to_read, from_write], {"config": config})
        except BaseException:
            for fd in (to_write, from_read):
                os.close(fd)
            raise
        finally:
            os.close(to_read)
            os.close(from_write)
        return WarmProcess(pid, pidfd, to_write, from_read)

    def _request(self, fds: list[int], message: dict[str, Any]) -> tuple[int, int]:
        deadline = time.monotonic() + SPAWN_SECONDS
        fileno = self._control.fileno()
        try:
            self._wait(fileno, deadline, write=True)
            socket.send_fds(self._control, [b"F"], fds)
            protocol.write_frame(fileno, message, deadline)
            self._wait(fileno, deadline)
            marker, received, _, _ = socket.recv_fds(self._control, 1, 1)
            reply = protocol.read_frame(fileno, deadline)
        except (OSError, protocol.WorkerTimeout, protocol.WorkerGone, protocol.ProtocolError) as error:
            raise WarmParentError(f"the warm parent did not answer ({type(error).__name__})") from None
        pid = reply.get("pid")
        if marker != b"P" or len(received) != 1 or type(pid) is not int:
            for fd in received:
                os.close(fd)
            raise WarmParentError(f"the warm parent could not start a worker: {str(reply.get('error'))[:300]}")
        return pid, received[0]

    @staticmethod
    def _wait(fileno: int, deadline: float, write: bool = False) -> None:
        left = deadline - time.monotonic()
        if left <= 0:
            raise protocol.WorkerTimeout()
        if not any(select.select([], [fileno], [], left) if write else select.select([fileno], [], [], left)):
            raise protocol.WorkerTimeout()

    def close(self) -> None:
        """End the warm parent (its children are workers of their own and are not touched)."""
        try:
            self._control.close()
        except OSError:
            pass
        try:
            self.process.kill()
        except ProcessLookupError:
            pass
        self.process.wait()
