"""Start and talk to sandboxed workers (trusted side), and decide what a worker may see.

Each worker is a fresh process in its own session, with a scrubbed environment: as root, a child forked from the
runtime's warm parent (``autograder.warm_workers``: an interpreter that has imported NumPy and labkit and holds
nothing else); otherwise, or whenever the warm parent fails, a cold ``python -I`` started from a runtime copy of
``autograder.worker``. Either way the worker locks itself down before any student code runs (read
``autograder.worker.lockdown`` top to bottom); this side enforces wall time, kills the whole process group, and,
when it runs as root, every process left behind by the worker's private user id. Without root the worker forks
once into a PID namespace of its own and hands this side a pidfd of that namespace's pid 1 (on a socket given to
it at start): SIGKILL to pid 1 ends every process of the namespace, wherever their process group went.

Where the trusted side reads untrusted bytes, and what bounds each read
-----------------------------------------------------------------------
- **The submitted notebook** (``grade.extract.read_notebook``): at most ``MAX_NOTEBOOK_BYTES`` (512 MiB), checked
  before reading; ``json.loads`` only; every field type-checked; a damaged cell is skipped, not fatal; cell sources
  are parsed with ``ast`` and never executed on this side.
- **A frame from a worker** (``worker.protocol.read_frame``): its 4-byte length header is checked against
  ``MAX_FRAME_BYTES`` (16 MiB) before the body is read; every read has a deadline (the test's wall time); invalid
  JSON, UTF-8 or nesting is a ``ProtocolError``.
- **A value in a reply** (``worker.protocol.decode``): at most ``MAX_ITEMS`` (100,000) values and ``MAX_DEPTH``
  (16) levels; exact types only; arrays of whitelisted numeric dtypes whose byte length must match their shape
  (computed with Python integers, so a crafted shape cannot wrap); nothing is ever unpickled.
- **Reply fields** (``grade.runner``): a load reply's ``errors`` and ``defined`` must be lists of the right types
  and are cut to 20 and 1,000 entries; error texts to 1,000 and tracebacks to 2,000 characters; arguments read
  back after a call must match the call's count and keywords (``_arguments_after``).
- **A callback request** (``grade.runner._evaluator``): the function index must be one sent with this call; its
  arguments are decoded as above; a callback that fails on them answers with an error message.
- **The hello frame** (``Worker.__init__``): a 30 s deadline; the protections it reports are recorded, never
  obeyed.

Writes to a worker are non-blocking with the same deadline, so a worker that stops reading cannot hang the grader.
"""

import fcntl
import json
import os
import select
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from .worker import protocol
from .warm_workers import WarmParent, WarmParentError

WORKER_PACKAGE = Path(__file__).resolve().parent / "worker"
_BOOT = "import sys; sys.path.insert(0, sys.argv[1]); from dlcv_worker.main import main; main(sys.argv[2])"
_UID_BASE = 61000
PR_SET_DUMPABLE = 4
USER_NAMESPACES_SWITCH = "DLCV_USER_NAMESPACES"  # "off": behave as on a kernel that forbids user namespaces


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed worker. Every field has a documented default (README, "Limits")."""

    test_seconds: float = 10.0          # wall time of one call into student code
    submission_seconds: float = 120.0   # wall time of a whole submission
    load_seconds: float = 20.0          # wall time to define the notebook's functions
    cpu_seconds: int = 120              # CPU time of one worker process (RLIMIT_CPU)
    memory_bytes: int = 2 * 2**30       # address space (RLIMIT_AS)
    file_bytes: int = 16 * 2**20        # largest file the worker may write, its output log included (RLIMIT_FSIZE)
    disk_bytes: int = 64 * 2**20        # size of the private /tmp when namespaces are available
    processes: int = 64                 # processes of one worker (RLIMIT_NPROC: counted per private uid as root,
                                        # per user namespace without root, per grader user in the fallback)
    worker_restarts: int = 5            # fresh workers a submission may use up before its remaining tests fail

    def to_config(self):
        return asdict(self)


class _UidPool:
    """Private user ids for workers, unique across every grader process on the machine.

    A uid is taken by holding an exclusive ``flock`` on its lock file, which the kernel releases when the holder
    exits, so concurrent ``dlcv grade`` runs never share a uid (and never kill each other's workers), and a
    killed grader leaks nothing.
    """

    def __init__(self, base=_UID_BASE, size=4096, lock_dir="/run/dlcv-uids"):
        self._range = range(base, base + size)
        self._lock_dir = Path(lock_dir)
        self._held = {}
        self._lock = threading.Lock()

    def take(self):
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

    def give_back(self, uid):
        with self._lock:
            fd = self._held.pop(uid, None)
        if fd is not None:
            os.close(fd)


_UIDS = _UidPool()


def _kill_uid(uid):
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


# ---------------------------------------------------------------------------------------------- what is hidden


def paths_to_hide(out_dir, submission_paths):
    """What a worker must not see, besides every non-system top-level folder it never sees anyway: the
    instructor's repository (reference solutions, hidden specs, the grader, its git history) — or, where the
    packages are installed without one, the ``solutions`` and ``autograder`` packages —, the output folder, and
    every folder holding submissions of the batch. The Python installation stays reachable (``paths_to_expose``
    and the worker's own interpreter are bound back in)."""
    import autograder
    import solutions

    root = Path(autograder.__file__).resolve().parent.parent
    if (root / "pyproject.toml").is_file() or (root / ".git").exists():
        hide = {root}
    else:
        hide = {Path(autograder.__file__).parent, Path(solutions.__file__).parent}
    hide.add(Path(out_dir))
    hide |= {Path(p).resolve().parent for p in submission_paths}
    return sorted(str(p.resolve()) for p in hide)


def paths_to_expose():
    """Public code the worker may import even when it sits inside a hidden folder: labkit."""
    import labkit

    return [str(Path(labkit.__file__).resolve().parent)]


def worker_environment():
    """The whole environment of a worker (and of the warm parent): no variable of the grader's own."""
    env = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8", "OPENBLAS_NUM_THREADS": "1", "OMP_NUM_THREADS": "1",
           "MKL_NUM_THREADS": "1", "MPLBACKEND": "Agg", "HOME": "/tmp"}
    for key in ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE"):
        if key in os.environ:
            env[key] = os.environ[key]
    return env


def user_namespace_switch():
    """None when workers without root may use user namespaces, else why not (``DLCV_USER_NAMESPACES=off``)."""
    if os.environ.get(USER_NAMESPACES_SWITCH, "on").lower() in ("off", "0", "no", "false"):
        return f"user namespaces are switched off ({USER_NAMESPACES_SWITCH}=off)"
    return None


def _protect_grader():
    """Without root the workers run as the grader's own user: make the grader non-dumpable, so that a worker that
    can see it (the fallback without a PID namespace) can neither ptrace it nor read its memory or environment."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    return libc.prctl(PR_SET_DUMPABLE, ctypes.c_ulong(0), 0, 0, 0) == 0


def warm_by_default():
    """Warm workers unless ``DLCV_WORKERS=cold``; only as root, where a worker runs as another user than the
    warm parent and so cannot reach it."""
    return os.geteuid() == 0 and os.environ.get("DLCV_WORKERS", "warm") != "cold"


class _ColdProcess:
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

    def __init__(self, hide=(), expose=(), warm=None):
        self.dir = Path(tempfile.mkdtemp(prefix="dlcv-runtime-"))
        self.expose = sorted({str(Path(p).resolve()) for p in expose})
        target = self.dir / "dlcv_worker"
        shutil.copytree(WORKER_PACKAGE, target, ignore=shutil.ignore_patterns("__pycache__"))
        os.chmod(self.dir, 0o755)
        self.hide = sorted({str(Path(p).resolve()) for p in hide})
        self.warm = warm_by_default() if warm is None else bool(warm) and os.geteuid() == 0
        self.grader_undumpable = os.geteuid() != 0 and _protect_grader()
        self.warm_parent = None
        self.warm_parent_failures = 0
        self._warm_parent_lock = threading.Lock()

    def start_worker(self, config, cwd):
        """A new worker process for ``config``: forked from the warm parent if possible, else cold."""
        if self.warm and self.warm_parent_failures < self.WARM_PARENT_FAILURES:
            try:
                process = self._warm_parent().spawn(config)
                self.warm_parent_failures = 0
                return process
            except WarmParentError:
                self._discard_warm_parent()
                if config.get("uid") is not None:
                    _kill_uid(config["uid"])  # a child forked before the warm parent failed must not linger
        return _ColdProcess(self.dir, config, cwd)

    def _warm_parent(self):
        with self._warm_parent_lock:
            if self.warm_parent is None or not self.warm_parent.alive():
                if self.warm_parent is not None:
                    self.warm_parent.close()
                self.warm_parent = None
                self.warm_parent = WarmParent(self.dir, worker_environment())
            return self.warm_parent

    def _discard_warm_parent(self):
        with self._warm_parent_lock:
            self.warm_parent_failures += 1
            if self.warm_parent is not None:
                self.warm_parent.close()
                self.warm_parent = None

    def close(self):
        with self._warm_parent_lock:
            if self.warm_parent is not None:
                self.warm_parent.close()
                self.warm_parent = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


class WorkerError(RuntimeError):
    """The worker could not be started or did not boot."""


class Worker:
    """One sandboxed worker process and its protocol channel."""

    def __init__(self, runtime, limits, namespaces=True, cpu=None):
        self.uid = _UIDS.take() if os.geteuid() == 0 else None
        self.scratch = Path(tempfile.mkdtemp(prefix="dlcv-work-"))
        config = {"hide": runtime.hide, "expose": runtime.expose, "limits": limits.to_config(), "uid": self.uid,
                  "workdir": str(self.scratch), "namespaces": namespaces, "user_namespace_off": user_namespace_switch(),
                  "cpu": cpu}
        try:
            self.process = runtime.start_worker(config, self.scratch)
        except BaseException:
            self.process = None
            self.close()
            raise
        self._to_worker, self._from_worker = self.process.to_worker, self.process.from_worker
        self.warm = self.process.warm
        os.set_blocking(self._to_worker, False)  # a worker that stops reading must not block the grader
        try:
            hello = self._receive(time.monotonic() + 30)
        except (protocol.WorkerTimeout, protocol.WorkerGone, protocol.ProtocolError) as error:
            self.close()
            raise WorkerError(f"the sandboxed worker did not start ({type(error).__name__})") from None
        self.protections = hello.get("hello", {})
        if runtime.grader_undumpable and isinstance(self.protections, dict):
            self.protections = {**self.protections, "grader_not_dumpable": True}

    def _receive(self, deadline):
        return protocol.read_frame(self._from_worker, deadline)

    def request(self, message, seconds, on_callback=None):
        """Send ``message`` and wait up to ``seconds`` in all for the reply.

        While waiting, the worker may ask for values of callbacks (``{"callback": i, "args": ...}``):
        ``on_callback(frame)`` answers each with a frame to send back.

        Raises
        ------
        protocol.WorkerTimeout, protocol.WorkerGone, protocol.ProtocolError
        """
        deadline = time.monotonic() + seconds
        self._send(message, deadline)
        while True:
            reply = self._receive(deadline)
            if "callback" not in reply:
                return reply
            if on_callback is None:
                raise protocol.ProtocolError("unexpected callback")
            self._send(on_callback(reply), deadline)

    def _send(self, message, deadline):
        try:
            protocol.write_frame(self._to_worker, message, deadline)
        except (BrokenPipeError, ConnectionError):
            raise protocol.WorkerGone() from None

    def close(self):
        """Kill the worker, everything it started, and remove its scratch folder."""
        if self.process is not None:
            self.process.kill()
        if self.uid is not None:
            _kill_uid(self.uid)
            _UIDS.give_back(self.uid)
            self.uid = None
        shutil.rmtree(self.scratch, ignore_errors=True)
