"""The warm parent, sandbox side: a preloaded process that has imported what every worker imports, and forks one
fresh child per worker the grader asks for. It never runs student code and never sees a submission.

Started by the trusted grader (``autograder.sandbox.warm_workers``) as ``python -I -B -c <boot> RUNTIME_DIR``, as
root, with the same scrubbed environment as a cold worker (one BLAS/OpenMP thread), its control socket on fd 0 and
nothing else open. What it holds: NumPy, this package, labkit (public) — and the configs of the workers it started,
which hold nothing a worker does not get anyway (the hidden paths' names, limits, a uid). It never holds the
reference module, a hidden spec, a submission or any reply of a worker: those travel only on each child's own
pipes, which the grader creates and hands over with each request.

One request: a byte ``F`` carrying two descriptors (``SCM_RIGHTS``: the read end of the grader's request pipe and
the write end of its reply pipe), then a protocol frame ``{"config": ...}`` — the cold worker's config. The
warm parent forks; it closes both descriptors at once (so no later child can inherit them) and answers with a byte
``P`` carrying a pidfd of the child, then ``{"pid": pid}``. A child that cannot be started is answered with
``{"error": ...}``. The warm parent exits when the grader closes the socket.

The child, in order: leaves the warm parent's SIGCHLD handler and control socket behind, starts its own session
(so the grader can kill its whole process group), puts the two pipes on fds 0/1 and closes every other descriptor,
reseeds every random generator it inherited, and then does exactly what a cold worker does after its imports
(:func:`.main.run`: lockdown — namespaces, covers, private /proc, limits, private uid — then the serve loop).
It always ends with ``os._exit``: it can never return into the warm parent's loop.
"""

import os
import random
import signal
import socket
import sys

import numpy as np
import numpy.random  # noqa: F401 - the worker's decoder builds seeded generators with it

from . import main as worker_main
from . import protocol

# Public code student notebooks import; loaded once here so that no child pays for it.
_PRELOAD = ("labkit", "labkit.gradcheck", "labkit.plotting", "labkit.data", "labkit.acceptance")


def _preload():
    import importlib

    for name in _PRELOAD:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - a module that cannot load here is imported by the child, as when cold
            pass


def _reap(*_):
    """Collect every child that has exited (children never report anything back)."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def _threads():
    return len(os.listdir("/proc/self/task"))


def _child(control, pipes, config):
    """In the fresh child: become a worker. Never returns."""
    try:
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        control.close()
        os.setsid()
        request_fd, reply_fd = pipes
        os.dup2(request_fd, 0)
        os.dup2(reply_fd, 1)
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))  # the pipes' originals, and anything else
        os.chdir(config["workdir"])
        random.seed()  # CPython reseeds `random` after a fork already; NumPy's legacy global state it does not
        np.random.seed()
        worker_main.run(config)
    except BaseException:  # noqa: BLE001 - a failed child only fails its own worker
        os._exit(1)
    os._exit(0)


def _spawn(control, pipes, config):
    """Fork a worker for ``config``; returns ``(pid, pidfd)``, both owned by this warm parent."""
    if _threads() != 1:  # a fork copies one thread only: a lock held by another one would stay held forever
        raise RuntimeError(f"the warm parent has {_threads()} threads")
    pid = os.fork()
    if pid == 0:
        _child(control, pipes, config)
    return pid, os.pidfd_open(pid)


def serve(control):
    """Answer the grader's requests on ``control`` until it closes the socket."""
    while True:
        try:
            marker, fds, _, _ = socket.recv_fds(control, 1, 2)
        except OSError:
            return
        if marker != b"F":
            for fd in fds:
                os.close(fd)
            return
        try:
            message = protocol.read_frame(control.fileno())
        except (protocol.WorkerGone, protocol.ProtocolError):
            return
        try:
            if len(fds) != 2 or not isinstance(message.get("config"), dict):
                raise ValueError("a request needs two descriptors and a config")
            pid, pidfd = _spawn(control, fds, message["config"])
        except Exception as error:  # noqa: BLE001 - the grader falls back to a cold worker
            socket.send_fds(control, [b"P"], [])
            protocol.write_frame(control.fileno(), {"error": f"{type(error).__name__}: {error}"[:500]})
        else:
            socket.send_fds(control, [b"P"], [pidfd])
            os.close(pidfd)
            protocol.write_frame(control.fileno(), {"pid": pid})
        finally:
            for fd in fds:
                os.close(fd)


def main():
    """Boot the warm parent: move the control socket off fd 0, import everything once, then serve."""
    control = socket.socket(fileno=os.dup(0))
    null = os.open(os.devnull, os.O_RDWR)
    for fd in (0, 1, 2):
        os.dup2(null, fd)
    os.close(null)
    os.closerange(3, control.fileno())  # nothing else is open (the grader starts us with close_fds), to be sure
    os.closerange(control.fileno() + 1, os.sysconf("SC_OPEN_MAX"))
    np.seterr(all="ignore")
    _preload()
    signal.signal(signal.SIGCHLD, _reap)
    protocol.write_frame(control.fileno(), {"ready": os.getpid(), "threads": _threads()})
    serve(control)
    sys.exit(0)
