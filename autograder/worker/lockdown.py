"""Lock the worker process down before any student code runs. Read :func:`boot` top to bottom: it is the order.

1. **Namespaces.** As root: new mount, network and IPC namespaces. Without root: a user namespace that owns new
   mount, network, IPC and PID namespaces, and a fork, so that the rest happens in pid 1 of the new PID
   namespace (:mod:`.userns`: the uid maps, the fork, how the grader keeps a pidfd of pid 1). The network
   namespace has no interface but a down loopback, so there is no network at all; mounts made from here on are
   private to the worker. Where the kernel forbids user namespaces, the worker goes on without steps 1-5 and
   says why (``user_namespace: false`` and ``user_namespace_reason``).
2. **Handles first.** What the worker itself needs — the interpreter, the virtual environment, exposed public
   packages such as labkit — is opened (``O_PATH``) *before* anything is covered: once a folder is covered, the
   paths below it cannot be reached any more, a handle still can.
3. **Cover**, outer folders first (an inner one is gone once its parent is covered):
   the private temporary folders get a fresh size-limited tmpfs; the hidden paths (the instructor's repository,
   the output folder, the batch's submission folders), the folders on the way to what is kept that the private
   user could not enter anyway, and every top-level folder that is not a system folder get an empty read-only
   tmpfs (or ``/dev/null`` over a file). A cover that must still lead down to something kept is an empty
   writable tmpfs, so that the way down can be recreated.
4. **Bind back** each kept path that now lies under a cover, from its handle, at its own place; a hidden path
   inside a kept one (which came back with it) is then covered again. Without root every kept path is bound
   back **read-only**, wherever it lies: the worker runs as the grader's own user, who owns the virtual
   environment.
5. A ``/proc`` of its own with ``hidepid=2``: the worker sees only its own processes (without root, only those
   of its PID namespace).
6. Work folder (``/tmp/work`` in the private tmp), the protocol moved off fds 0/1 to private descriptors, the
   student's prints sent to a log file whose size the file-size limit caps.
7. **Resource limits** (CPU, address space, file size, processes, open files, no core dumps), then **drop to the
   private uid** (root) or **drop every capability** (without root) — last, because chown and mounting need them.
8. ``sys.path`` keeps no entry inside a hidden folder unless it leads to something kept.
"""

import ctypes
import ctypes.util
import os
import resource
import signal
import sys

from . import userns

CLONE_NEWNS, CLONE_NEWIPC, CLONE_NEWNET = 0x00020000, 0x08000000, 0x40000000
MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC, MS_REMOUNT = 1, 2, 4, 8, 0x20
MS_BIND, MS_REC, MS_PRIVATE = 0x1000, 0x4000, 0x40000

PRIVATE_TMP = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")
# The only top-level folders a worker sees (besides what it needs from elsewhere, bound back in): the system, and
# a private /tmp. Everything else — /home, /root, /work, /srv, /opt, /var, /run, ... — is covered, so no copy of
# a course repository, no other grader's output and no backup anywhere on the machine can be read.
SYSTEM_FOLDERS = frozenset({"bin", "sbin", "lib", "lib32", "lib64", "libx32", "usr", "etc", "dev", "proc", "sys",
                            "tmp"})


def _libc():
    return ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6", use_errno=True)


def _mount(libc, source, target, fstype, flags, data):
    result = libc.mount(source.encode() if source else None, target.encode(),
                        fstype.encode() if fstype else None, flags, data.encode() if data else None)
    if result != 0:
        raise OSError(ctypes.get_errno(), f"mount {target}")


def _inside(path, folder):
    return path == folder or path.startswith(folder.rstrip("/") + "/")


def kept_paths(config):
    """What the worker needs even inside hidden folders: the interpreter, the environment, exposed packages."""
    paths = (sys.base_prefix, sys.prefix, os.path.dirname(sys.executable), *config.get("expose", ()))
    return sorted({os.path.realpath(p) for p in paths if os.path.exists(p)})


def _first_closed_ancestor(path):
    """The first folder on the way down to ``path`` that other users cannot enter, or None."""
    current = "/"
    for part in path.strip("/").split("/"):
        current = os.path.join(current, part)
        if os.path.isdir(current) and not os.stat(current).st_mode & 0o001:
            return current
    return None


# ---------------------------------------------------------------------------------------- 1. namespaces


def _enter_namespaces(libc, active):
    if libc.unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC) != 0:
        raise OSError(ctypes.get_errno(), "unshare")
    active["network_namespace"] = True
    active["ipc_namespace"] = True
    _mount(libc, None, "/", None, MS_REC | MS_PRIVATE, None)  # our mounts stay ours


# ---------------------------------------------------------------------------------------- 3. what to cover


def _folders_to_cover(config, keep):
    """(private tmp folders, other top-level folders, every folder to cover sorted outer first)."""
    tmp = [p for p in PRIVATE_TMP if os.path.isdir(p) and not os.path.islink(p)]
    hide = [p for p in config["hide"] if os.path.exists(p)]
    elsewhere = [f"/{name}" for name in os.listdir("/")
                 if name not in SYSTEM_FOLDERS and os.path.isdir(f"/{name}") and not os.path.islink(f"/{name}")]
    closed = []
    if config.get("uid") is not None:  # the private user could not pass these to reach what is kept
        closed = [c for c in (_first_closed_ancestor(k) for k in keep) if c is not None and c not in keep]
    return tmp, elsewhere, sorted(set(tmp + hide + closed + elsewhere), key=len)


def _cover(libc, folders, tmp, keep, tmp_bytes):
    """Mount a cover over each folder (outer first); returns the folders covered."""
    covered = []
    for cover in folders:
        if any(_inside(cover, done) for done in covered) or not os.path.exists(cover):
            continue  # already gone under an outer cover
        if cover in tmp:
            _mount(libc, "none", cover, "tmpfs", MS_NOSUID | MS_NODEV, f"size={tmp_bytes},mode=1777")
        elif os.path.isfile(cover):
            _mount(libc, "/dev/null", cover, None, MS_BIND, None)
        elif any(_inside(path, cover) and path != cover for path in keep):
            # an empty folder holding only the way down to what is kept (recreated before binding back)
            _mount(libc, "none", cover, "tmpfs", MS_NOSUID | MS_NODEV, "size=64k,mode=755")
        else:
            _mount(libc, "none", cover, "tmpfs", MS_RDONLY | MS_NOSUID | MS_NODEV, "size=4k,mode=000")
        covered.append(cover)
    return covered


def _bind_back(libc, handles, covers, read_only=False):
    """Mount each kept path that lies under one of ``covers`` back at its place, from its handle (read-only if
    asked); returns them."""
    bound = []
    for path, handle in handles.items():
        if any(_inside(path, c) and path != c for c in covers):
            os.makedirs(path, mode=0o755, exist_ok=True)
            _mount(libc, f"/proc/self/fd/{handle}", path, None, MS_BIND | MS_REC, None)
            if read_only:
                _remount_read_only(libc, path)
            bound.append(path)
    return bound


def _remount_read_only(libc, path):
    # A mount inherited from a more privileged namespace has its nosuid/nodev/noexec flags locked: a remount
    # must repeat them (the kernel keeps the atime flags when none is given).
    locked = os.statvfs(path).f_flag & (MS_NOSUID | MS_NODEV | MS_NOEXEC)
    try:
        _mount(libc, None, path, None, MS_REMOUNT | MS_BIND | MS_RDONLY | locked, None)
    except OSError as error:
        raise OSError(error.errno, f"could not make {path} read-only inside the worker's namespace "
                                   f"({os.strerror(error.errno)}; flags kept: {locked:#x})") from None


# ---------------------------------------------------------------------------------------- 2-5. the file system


def _isolate_filesystem(libc, config, active, rootless):
    """Steps 2-5, inside new namespaces: handles, covers, binding back, a private /proc."""
    keep = kept_paths(config)
    handles = {path: os.open(path, os.O_PATH | os.O_DIRECTORY) for path in keep}  # 2. before any cover

    hide = [p for p in config["hide"] if os.path.exists(p)]  # before the covers make them unreachable
    tmp, elsewhere, folders = _folders_to_cover(config, keep)
    covered = _cover(libc, folders, tmp, keep, config["limits"]["disk_bytes"])  # 3.
    # 4. Without root the worker is the grader's user, who may write the kept folders: all come back read-only.
    bound_back = _bind_back(libc, handles, ["/"] if rootless else covered, read_only=rootless)

    # 4b. A kept folder comes back whole, with any hidden folder inside it (an installed course's hidden specs
    # in the virtual environment): cover those again, then bring back what is kept inside them.
    again = [h for h in hide if any(_inside(h, k) and h != k for k in bound_back)]
    if again:
        covered += _cover(libc, sorted(again, key=len), (), keep, 0)
        _bind_back(libc, handles, again, read_only=rootless)
    for handle in handles.values():
        os.close(handle)
    active["private_tmp"] = True
    active["hidden_paths"] = [p for p in hide if any(_inside(p, c) for c in covered)]
    active["covered_folders"] = sorted(c for c in covered if c in elsewhere)
    if rootless:
        active["read_only_kept"] = bound_back

    try:  # 5.
        _mount(libc, "proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC, "hidepid=2")
        active["private_proc"] = True
    except OSError:
        pass


def _isolate_as_root(config, active):
    """Steps 1-5 as root."""
    libc = _libc()
    _enter_namespaces(libc, active)
    active["mount_namespace"] = True
    _isolate_filesystem(libc, config, active, rootless=False)


def _isolate_without_root(config, active, errors):
    """Steps 1-5 without root: a user namespace and a fork (:mod:`.userns`), then the same file system.

    Returns the libc handle when the namespaces are in place (capabilities are dropped in step 7), else None.
    """
    handoff = config.get("handoff_fd")
    reason = config.get("user_namespace_off") if handoff is not None else "the grader passed no hand-off socket"
    libc = None
    if reason is None:
        libc = _libc()
        try:
            userns.enter(libc, active)
        except userns.Unavailable as error:
            reason = str(error)
        except OSError as error:  # unshare worked, the maps did not: weak mode, said plainly
            reason = f"the user namespace could not be set up ({error}); grade as root"
    if reason is not None:
        active["user_namespace"] = False
        active["user_namespace_reason"] = reason
        if handoff is not None:
            os.close(handoff)  # before student code: no pidfd of ours, no socket to forge one on
        return None
    userns.fork_init(handoff)  # from here on: pid 1 of the new PID namespace
    active["pid_namespace"] = True
    try:
        _mount(libc, None, "/", None, MS_REC | MS_PRIVATE, None)
        _isolate_filesystem(libc, config, active, rootless=True)
    except OSError as error:
        errors["namespaces"] = str(error)
    return libc


# ---------------------------------------------------------------------------------------- 6-7. the process


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


def boot(config):
    """Apply the protections named in ``config``, in the order of the module docstring.

    Returns
    -------
    (read_fd, write_fd, active)
        The private protocol descriptors and the protections that are active (reported to the grader).
    """
    active = {"separate_process": True}
    errors = {}
    root = os.geteuid() == 0
    uid = config.get("uid") if root else None
    rootless_libc = None
    if root and config.get("namespaces", True):
        try:
            _isolate_as_root(config, active)
        except OSError as error:
            errors["namespaces"] = str(error)
    elif not root:
        if not config.get("namespaces", True):
            config = {**config, "user_namespace_off": "turned off with --no-namespaces"}
        rootless_libc = _isolate_without_root(config, active, errors)

    workdir = "/tmp/work" if active.get("private_tmp") else config["workdir"]  # 6.
    os.makedirs(workdir, exist_ok=True)
    if uid is not None:
        os.chown(workdir, uid, uid)
    os.chdir(workdir)
    active["workdir"] = workdir
    read_fd, write_fd = _private_channel()
    if uid is not None:
        os.chown("output.log", uid, uid)

    _apply_limits(config["limits"], active)  # 7.
    if uid is not None:
        try:
            _drop_privileges(uid, active)
        except OSError as error:
            errors["unprivileged_user"] = str(error)
    if rootless_libc is not None:
        try:
            userns.drop_capabilities(rootless_libc, active)
        except OSError as error:
            errors["capabilities"] = str(error)

    keep = kept_paths(config)  # 8.
    sys.path[:] = [p for p in sys.path if p and (any(_inside(os.path.realpath(p), k) for k in keep)
                                                  or not any(_inside(os.path.realpath(p), h) for h in config["hide"]))]
    if errors:
        active["errors"] = errors
    return read_fd, write_fd, active
