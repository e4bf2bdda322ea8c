"""Cold workers: a worker started as a fresh ``python -I`` from the runtime's copy of ``autograder.worker``."""

import json
import os
import select
import signal
import socket
import subprocess
import sys

from .policy import worker_environment

_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from dlcv_worker.main import main; main(sys.argv[2])"


class ColdProcess:
    """A worker started as a fresh ``python -I`` (the cold path).

    Without root it also gets one end of a hand-off socket, on which it sends a pidfd of pid 1 of its PID
    namespace (before its hello) or which it closes unused (no user namespace).
    """

    warm = False

    def __init__(self, runtime_dir, config, cwd):
        self._handoff, theirs, self.init_pidfd = None, None, None
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
        self.to_worker, self.from_worker = self.process.stdin.fileno(), self.process.stdout.fileno()

    def _take_init_pidfd(self):
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

    def kill(self):
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
