"""Cold workers: a worker started as a fresh ``python -I`` from the runtime's copy of ``autograder.worker``."""

from __future__ import annotations

import json
import os
import select
import signal
import socket
import subprocess
import sys
from pathlib import Path
from typing import Any

from .policy import worker_environment

_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from dlcv_worker.main import main; main(sys.argv[2])"


class ColdProcess:
    """A worker started as a fresh ``python -I`` (the cold path).

    Without root it also gets one end of a hand-off socket, on which it sends a pidfd of pid 1 of its PID
    namespace (before its hello) or which it closes unused (no user namespace).
    """

    warm = False

    def __init__(self, runtime_dir: Path, config: dict[str, Any], cwd: Path) -> None:
        self._handoff: socket.socket | None = None
        theirs: socket.socket | None = None
        self.init_pidfd: int | None = None
        if os.geteuid() != 0:
            self._handoff, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_STREAM)
            self._handoff.setblocking(False)
            config = {**config, "handoff_fd": theirs.fileno()}
        try:
            self.process = subprocess.Popen(
                [sys.executable, "-I", "-B", "-c", _BOOT, str(runtime_dir), json.dumps(config)],
                stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL,
                cwd=cwd, env=worker_environment(), start_new_session=True,
                pass_fds=(theirs.fileno(),) if theirs else (),
            )
        finally:
            if theirs is not None:
                theirs.close()
        self.pid = self.process.pid
        self.to_worker: int = self.process.stdin.fileno()  # type: ignore[union-attr]  # both are PIPEs: never None
        self.from_worker: int = self.process.stdout.fileno()  # type: ignore[union-attr]

    def _take_init_pidfd(self) -> None:
        """The pidfd of the worker's PID namespace's pid 1, if it has sent one (it does before its hello)."""
        if self._handoff is None or self.init_pidfd is not None:
            return
        try:
            marker, fds, _, _ = socket.recv_fds(self._handoff, 1, 1)
        except (BlockingIOError, OSError):
            return
        if marker == b"P" and len(fds) == 1:
            self.init_pidfd = fds[0]
        else:
            for fd in fds:
                os.close(fd)

    def kill(self) -> None:
        """SIGKILL the worker's PID namespace (without root), its process group and the worker, reap it, close
        its pipes."""
        self._take_init_pidfd()
        if self.init_pidfd is not None:
            try:
                signal.pidfd_send_signal(self.init_pidfd, signal.SIGKILL)
            except ProcessLookupError:
                pass
            poller = select.poll()
            poller.register(self.init_pidfd, select.POLLIN)
            poller.poll(10_000)  # pid 1 is reported gone only once the kernel has ended the whole namespace
            os.close(self.init_pidfd)
            self.init_pidfd = None
        try:
            os.killpg(self.process.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        self.process.kill()
        self.process.wait()
        for stream in (self.process.stdin, self.process.stdout, self._handoff):
            try:
                if stream is not None:
                    stream.close()
            except OSError:
                pass
