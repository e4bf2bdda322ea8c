"""Entry point of the sandboxed worker: lock the process down, then run the student's code on request.

Started as ``python -I -B -c <boot> RUNTIME_DIR CONFIG_JSON`` with the protocol on stdin/stdout. Before any
student code runs it moves the protocol to private descriptors, sends the student's prints to a capped log file,
and applies every protection it can (namespaces, hidden paths, a private /tmp, resource limits, an unprivileged
user). Its first message reports which protections are active.
"""

import ast
import ctypes
import ctypes.util
import importlib
import json
import os
import resource
import signal
import sys
import traceback

import numpy as np

from . import protocol

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET = 0x00020000, 0x08000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_BIND, MS_REC, MS_PRIVATE = 1, 2, 4, 8, 0x1000, 0x4000, 0x40000
# Heavy packages that graded functions almost never use: a notebook's top-level `import matplotlib.pyplot as plt`
# binds a stand-in that imports the real module the first time it is used, so it costs nothing unless a graded
# function really draws (a plain import of pyplot takes most of a second).
DEFERRED_PACKAGES = frozenset({"matplotlib", "IPython", "tqdm", "sklearn", "scipy", "pandas", "seaborn",
                               "ipywidgets", "torch", "PIL"})


class _Deferred:
    """Stands for a module or a name imported from one until first use, then forwards everything to it."""

    __slots__ = ("_dlcv_resolve",)

    def __init__(self, resolve):
        object.__setattr__(self, "_dlcv_resolve", resolve)

    def __getattr__(self, name):
        return getattr(self._dlcv_resolve(), name)

    def __call__(self, *args, **kwargs):
        return self._dlcv_resolve()(*args, **kwargs)

    def __repr__(self):
        return repr(self._dlcv_resolve())


def _defer_module(name, aliased):
    """``import name as x`` binds ``name`` itself; ``import a.b`` binds the top package ``a``."""
    def resolve():
        module = importlib.import_module(name)
        return module if aliased else importlib.import_module(name.partition(".")[0])
    return _Deferred(resolve)


def _defer_name(module, name):
    """``from module import name``: an attribute, or a submodule not imported yet."""
    def resolve():
        parent = importlib.import_module(module)
        try:
            return getattr(parent, name)
        except AttributeError:
            return importlib.import_module(f"{module}.{name}")
    return _Deferred(resolve)


def _deferred_imports(body):
    """Rewrite top-level imports of DEFERRED_PACKAGES (also inside if/try blocks) into stand-in assignments."""
    rewritten = []
    for node in body:
        if isinstance(node, ast.Import) and any(a.name.partition(".")[0] in DEFERRED_PACKAGES for a in node.names):
            for alias in node.names:
                if alias.name.partition(".")[0] in DEFERRED_PACKAGES:
                    target = alias.asname or alias.name.partition(".")[0]
                    call = ast.Call(ast.Name("__dlcv_defer_module__", ast.Load()),
                                    [ast.Constant(alias.name), ast.Constant(alias.asname is not None)], [])
                    rewritten.append(ast.copy_location(ast.Assign([ast.Name(target, ast.Store())], call), node))
                else:
                    rewritten.append(ast.copy_location(ast.Import([alias]), node))
        elif (isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
              and node.module.partition(".")[0] in DEFERRED_PACKAGES and all(a.name != "*" for a in node.names)):
            for alias in node.names:
                call = ast.Call(ast.Name("__dlcv_defer_name__", ast.Load()),
                                [ast.Constant(node.module), ast.Constant(alias.name)], [])
                target = ast.Name(alias.asname or alias.name, ast.Store())
                rewritten.append(ast.copy_location(ast.Assign([target], call), node))
        else:
            for field in ("body", "orelse", "finalbody"):
                if isinstance(node, (ast.If, ast.Try)) and getattr(node, field, None):
                    setattr(node, field, _deferred_imports(getattr(node, field)))
            for handler in getattr(node, "handlers", []):
                handler.body = _deferred_imports(handler.body)
            rewritten.append(node)
    return rewritten


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _mount(libc, source, target, fstype, flags, data):
    result = libc.mount(source.encode() if source else None, target.encode(),
                        fstype.encode() if fstype else None, flags, data.encode() if data else None)
    if result != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}")


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def _kept_paths(config):
    """What the worker needs even inside hidden folders: the interpreter, the environment, exposed packages."""
    paths = (sys.base_prefix, sys.prefix, os.path.dirname(sys.executable), *config.get("expose", ()))
    return sorted({os.path.realpath(p) for p in paths if os.path.exists(p)})


PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
# The only top-level folders a worker sees (besides what it needs from elsewhere, bound back in): the system, and
# a private /tmp. Everything else — /home, /root, /work, /srv, /opt, /var, /run, ... — is covered, so no copy of
# a course repository, no other grader's output and no backup anywhere on the machine can be read.
SYSTEM_FOLDERS = frozenset({"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc", "sys",
                            "tmp"})


def _isolate_filesystem_and_network(config, active):
    """As root: new mount, network and IPC namespaces; a private, size-limited /tmp; empty mounts over hidden
    paths and over folders the private user may not enter. What the worker itself needs (the interpreter, the
    virtual environment, public packages) is put back in place inside the empty mounts, even when it lives
    under one of them (a checkout in /tmp, a pyenv under /root)."""
    libc = _libc()
    if libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    active["network_namespace"] = True
    active["ipc_namespace"] = True
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE, None)

    keep = _kept_paths(config)
    hide = [p for p in config["hide"] if os.path.exists(p)]
    tmp = [p for p in PRIVATE_TMP if os.path.isdir(p) and not os.path.islink(p)]
    elsewhere = [f"/{name}" for name in os.listdir("/")
                 if name not in SYSTEM_FOLDERS and os.path.isdir(f"/{name}") and not os.path.islink(f"/{name}")]
    closed = []
    if config.get("uid") is not None:
        closed = [c for c in (_first_closed_ancestor(k) for k in keep) if c is not None and c not in keep]
    # Handles on what must stay reachable, taken before anything is covered: bound back in place afterwards.
    handles = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in keep}

    tmp_size = f"size={config['limits']['disk_bytes']},mode=1777"
    covered, hidden = [], []
    for cover in sorted(set(tmp + hide + closed + elsewhere), key=len):  # outer first; inner ones are gone already
        if any(_inside(cover, done) for done in covered) or not os.path.exists(cover):
            continue
        holds_kept = any(_inside(path, cover) and path != cover for path in keep)
        if cover in tmp:
            _mount(libc, "none", cover, "tmpfs", MS_NOSUID | MS_NODEV, tmp_size)
        elif os.path.isfile(cover):
            _mount(libc, "/dev/null", cover, None, MS_BIND, None)
        elif holds_kept:  # an empty folder holding only the way down to what is kept
            _mount(libc, "none", cover, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
        else:
            _mount(libc, "none", cover, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=000")
        covered.append(cover)
    hidden = [p for p in hide if any(_inside(p, c) for c in covered)]
    for path, handle in handles.items():
        if any(_inside(path, c) and path != c for c in covered):
            os.makedirs(path, mode=0o755, exist_ok=True)
            _mount(libc, f"/proc/self/fd/{handle}", path, None, MS_BIND | MS_REC, None)
        os.close(handle)
    active["private_tmp"] = True
    active["hidden_paths"] = hidden
    active["covered_folders"] = sorted(c for c in covered if c in elsewhere)
    try:  # a /proc of our own that shows only the worker's processes, not the grader's or other workers'
        _mount(libc, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")
        active["private_proc"] = True
    except OSError:
        pass


def _first_closed_ancestor(path):
    """The first folder on the way down to ``path`` that other users cannot enter, or None."""
    current = "/"
    for part in path.strip("/").split("/"):
        current = os.path.join(current, part)
        if os.path.isdir(current) and not os.stat(current).st_mode & 0o001:
            return current
    return None


def _apply_limits(limits, active):
    pairs = {
        resource.RLIMIT_CPU: limits["cpu_seconds"],
        resource.RLIMIT_AS: limits["memory_bytes"],
        resource.RLIMIT_FSIZE: limits["file_bytes"],
        resource.RLIMIT_NPROC: limits["processes"],
        resource.RLIMIT_NOFILE: 256,
        resource.RLIMIT_CORE: 0,
    }
    for which, value in pairs.items():
        resource.setrlimit(which, (value, value))
    signal.signal(signal.SIGXFSZ, signal.SIG_IGN)  # an oversized write raises OSError instead of killing us
    active["rlimits"] = {k: limits[k] for k in ("cpu_seconds", "memory_bytes", "file_bytes", "processes")}


def _drop_privileges(uid, active):
    os.setgroups([])
    os.setgid(uid)
    os.setuid(uid)
    active["unprivileged_user"] = uid


def _private_channel():
    """Move the protocol off fds 0/1; fd 0 reads /dev/null and fds 1/2 append to a capped log in the cwd."""
    read_fd, write_fd = os.dup(0), os.dup(1)
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    log = os.open("output.log", os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
    os.dup2(log, 1)
    os.dup2(log, 2)
    os.close(null)
    os.close(log)
    return read_fd, write_fd


def boot(config):
    """Apply the protections named in ``config``; return (read_fd, write_fd, active protections)."""
    active = {"separate_process": True}
    errors = {}
    root = os.geteuid() == 0
    if root and config.get("namespaces", True):
        try:
            _isolate_filesystem_and_network(config, active)
        except OSError as error:
            errors["namespaces"] = str(error)
    workdir = "/tmp/work" if active.get("private_tmp") else config["workdir"]
    os.makedirs(workdir, exist_ok=True)
    if root and config.get("uid") is not None:
        os.chown(workdir, config["uid"], config["uid"])
    os.chdir(workdir)
    active["workdir"] = workdir
    read_fd, write_fd = _private_channel()
    if root and config.get("uid") is not None:
        os.chown("output.log", config["uid"], config["uid"])
    _apply_limits(config["limits"], active)
    if root and config.get("uid") is not None:
        try:
            _drop_privileges(config["uid"], active)
        except OSError as error:
            errors["unprivileged_user"] = str(error)
    keep = _kept_paths(config)
    sys.path[:] = [p for p in sys.path if p and (any(_inside(os.path.realpath(p), k) for k in keep)
                                                  or not any(_inside(os.path.realpath(p), h) for h in config["hide"]))]
    if errors:
        active["errors"] = errors
    return read_fd, write_fd, active


def _student_traceback(error, limit=4):
    frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename.startswith("<cell ")]
    return "".join(traceback.format_list(frames[-limit:]))[-2000:]


def _describe_exception(error):
    try:
        message = str(error)
    except BaseException:  # a rigged __str__ cannot take the worker down
        message = "<unprintable>"
    return f"{type(error).__name__}: {message}"[:1000]


def _load(namespace, cells):
    errors = []
    for index, source in cells:
        try:
            filename = f"<cell {index}>"
            tree = ast.parse(source, filename)
            tree.body = _deferred_imports(tree.body)
            exec(compile(ast.fix_missing_locations(tree), filename, "exec"), namespace)
        except BaseException as error:  # noqa: BLE001 - student code may raise anything, even SystemExit
            errors.append({"cell": index, "error": _describe_exception(error), "traceback": _student_traceback(error)})
    defined = sorted(name for name, value in namespace.items() if not name.startswith("__") and callable(value))
    return {"ok": True, "errors": errors, "defined": defined}


class _RemoteFunction:
    """A hidden test's function, evaluated by the trusted grader: each call sends the arguments and waits."""

    __slots__ = ("_index", "_channel")

    def __init__(self, index, channel):
        self._index, self._channel = index, channel

    def __call__(self, *args):
        read_fd, write_fd = self._channel
        protocol.write_frame(write_fd, {"callback": self._index, "args": protocol.encode(list(args))})
        reply = protocol.read_frame(read_fd)
        if "error" in reply:
            raise ValueError(f"the test function could not be evaluated: {reply['error']}")
        return protocol.decode(reply.get("value"))

    def __repr__(self):
        return "<test function>"


def _call(namespace, message, channel):
    fn = namespace.get(message["name"])
    if not callable(fn):
        return {"ok": False, "kind": "missing"}
    args = protocol.decode(message["args"], lambda index: _RemoteFunction(index, channel))
    kwargs = protocol.decode(message["kwargs"], lambda index: _RemoteFunction(index, channel))
    try:
        value = fn(*args, **kwargs)
        return {"ok": True, "value": protocol.encode(value)}
    except BaseException as error:  # noqa: BLE001
        kind = "not_implemented" if isinstance(error, NotImplementedError) else "exception"
        return {"ok": False, "kind": kind, "error": _describe_exception(error),
                "traceback": _student_traceback(error)}


def serve(read_fd, write_fd, active):
    namespace = {"__name__": "__main__", "__builtins__": __builtins__, "__dlcv_defer_module__": _defer_module,
                 "__dlcv_defer_name__": _defer_name}
    protocol.write_frame(write_fd, {"ok": True, "hello": active, "pid": os.getpid()})
    while True:
        try:
            message = protocol.read_frame(read_fd)
        except protocol.WorkerGone:
            return
        op = message.get("op")
        if op == "load":
            reply = _load(namespace, message["cells"])
        elif op == "call":
            reply = _call(namespace, message, (read_fd, write_fd))
        elif op == "bye":
            return
        else:
            reply = {"ok": False, "kind": "protocol", "error": f"unknown op {op!r}"}
        np.seterr(all="ignore")
        try:
            protocol.write_frame(write_fd, reply)
        except (protocol.ProtocolError, RecursionError, ValueError, TypeError) as error:
            protocol.write_frame(write_fd, {"ok": False, "kind": "exception",
                                            "error": f"the result cannot be sent back ({_describe_exception(error)})"})


def main(config_json):
    config = json.loads(config_json)
    np.seterr(all="ignore")
    read_fd, write_fd, active = boot(config)
    serve(read_fd, write_fd, active)
    os._exit(0)
