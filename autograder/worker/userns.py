"""Namespaces without root: a user namespace that owns the worker's mount, network, IPC and PID namespaces.

Only used when the grader is not root (:mod:`.lockdown` decides). In order:

1. :func:`enter`: ``unshare(CLONE_NEWUSER | NEWNS | NEWNET | NEWIPC | NEWPID)``, then ``setgroups`` "deny" and a
   one-line ``uid_map``/``gid_map`` that maps the worker's own uid and gid to themselves (the only ids an
   unprivileged process may map). Inside, the process keeps its uid but holds every capability over the new
   namespaces — which is what lets it mount tmpfs covers, bind mounts and a fresh ``/proc``. The nested
   ``user.max_user_namespaces`` is set to 0, so student code cannot create a user namespace of its own.
2. :func:`fork_init`: a new PID namespace applies to children only, so the worker forks once. The child is pid 1
   of the new namespace and goes on locking down (it mounts the new ``/proc``), then runs the student's code. The
   parent stays outside, in the grader's PID namespace: it hands the grader a pidfd of the child over the
   hand-off socket (so the grader can SIGKILL pid 1, and with it, by the kernel's rule, every process of the
   namespace, even ones that left the process group), lets the child go on, closes everything and waits, then
   exits with the child's status.
3. :func:`drop_capabilities`, after the last mount: bounding set, ambient, effective, permitted and inheritable
   capabilities cleared, and ``no_new_privs``, so student code can neither undo a mount nor gain anything back.

:class:`Unavailable` carries a reason a person can act on when the kernel refuses (step 1); the worker then
runs in the weaker mode and says so.
"""

import ctypes
import errno
import os
import socket

CLONE_NEWNS, CLONE_NEWUSER, CLONE_NEWPID = 0x00020000, 0x10000000, 0x20000000
CLONE_NEWIPC, CLONE_NEWNET = 0x08000000, 0x40000000
PR_CAPBSET_DROP, PR_SET_NO_NEW_PRIVS, PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL = 24, 38, 47, 4
_LINUX_CAPABILITY_VERSION_3 = 0x20080522


class Unavailable(OSError):
    """The kernel does not let this process create a user namespace; ``str()`` says why and what to do."""


def _reason(code):
    if code in (errno.EPERM, errno.EACCES):
        return ("the kernel refused to create a user namespace (unshare: permission denied): unprivileged user "
                "namespaces are disabled here (sysctl kernel.unprivileged_userns_clone=0, or an AppArmor/SELinux "
                "policy); allow them, or grade as root")
    if code == errno.ENOSPC:
        return ("the kernel allows no more user namespaces (sysctl user.max_user_namespaces is 0 or used up); "
                "raise it, or grade as root")
    if code == errno.EINVAL:
        threads = len(os.listdir("/proc/self/task"))
        return (f"unshare failed with EINVAL (the worker has {threads} threads, a user namespace needs one; or "
                "the kernel lacks user namespaces); grade as root")
    return f"unshare failed: {os.strerror(code)}; grade as root"


def enter(libc, active):
    """Step 1: new user, mount, network, IPC and PID namespaces, the uid/gid maps, no nested user namespaces.

    Raises
    ------
    Unavailable
        The kernel refused the user namespace; nothing has changed.
    OSError
        A later step failed (the process is then inside namespaces that are not fully set up).
    """
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(CLONE_NEWUSER | CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWIPC | CLONE_NEWPID) != 0:
        raise Unavailable(_reason(ctypes.get_errno()))
    for name, text in (("setgroups", "deny"), ("uid_map", f"{uid} {uid} 1"), ("gid_map", f"{gid} {gid} 1")):
        with open(f"/proc/self/{name}", "w") as handle:
            handle.write(text)
    try:
        with open("/proc/sys/user/max_user_namespaces", "w") as handle:  # this namespace's own, not the host's
            handle.write("0")
        active["nested_user_namespaces"] = False
    except OSError:
        pass  # an older kernel: nested namespaces stay possible, and our mounts stay locked in them
    active["user_namespace"] = True
    active["mount_namespace"] = True
    active["network_namespace"] = True
    active["ipc_namespace"] = True


def fork_init(handoff_fd):
    """Step 2: fork; return in the child (pid 1 of the new PID namespace). The parent never returns.

    Parameters
    ----------
    handoff_fd : int
        A unix socket to the grader; the parent sends a pidfd of the child on it (byte ``P``), then closes it.
    """
    go_read, go_write = os.pipe()
    pid = os.fork()
    if pid == 0:
        os.close(go_write)
        os.read(go_read, 1)  # the grader holds our pidfd before we go on, so it can always kill us
        os.close(go_read)
        os.close(handoff_fd)
        return
    os.close(go_read)
    _relay(pid, handoff_fd, go_write)


def _relay(pid, handoff_fd, go_write):
    """The parent outside the PID namespace: hand over the child's pidfd, hold nothing, wait, exit alike."""
    code = 1
    try:
        pidfd = os.pidfd_open(pid)
        socket.send_fds(socket.socket(fileno=handoff_fd), [b"P"], [pidfd])
        os.close(pidfd)
        os.write(go_write, b"g")
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)  # the protocol pipes stay with the child alone: its exit closes them
        os.closerange(3, os.sysconf("SC_OPEN_MAX"))
        while True:
            try:
                _, status = os.waitpid(pid, 0)
                code = os.waitstatus_to_exitcode(status)
                break
            except InterruptedError:
                continue
    finally:
        os._exit(code if code >= 0 else 128 - code)


def drop_capabilities(libc, active):
    """Step 3: no capability left in any set, and no way to gain one (``no_new_privs``)."""
    with open("/proc/sys/kernel/cap_last_cap") as handle:
        last = int(handle.read())
    for cap in range(last + 1):
        if libc.prctl(PR_CAPBSET_DROP, ctypes.c_ulong(cap), 0, 0, 0) != 0:
            raise OSError(ctypes.get_errno(), f"prctl(PR_CAPBSET_DROP, {cap})")
    libc.prctl(PR_CAP_AMBIENT, ctypes.c_ulong(PR_CAP_AMBIENT_CLEAR_ALL), 0, 0, 0)
    header = (ctypes.c_uint32 * 2)(_LINUX_CAPABILITY_VERSION_3, 0)
    data = (ctypes.c_uint32 * 6)()  # effective, permitted, inheritable (two 32-bit words each): all empty
    if libc.capset(header, data) != 0:
        raise OSError(ctypes.get_errno(), "capset")
    if libc.prctl(PR_SET_NO_NEW_PRIVS, ctypes.c_ulong(1), 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_NO_NEW_PRIVS)")
    with open("/proc/self/status") as handle:
        sets = dict(line.split(":\t", 1) for line in handle.read().splitlines() if line.startswith("Cap"))
    left = {name: value.strip() for name, value in sets.items() if int(value, 16)}
    if left:
        raise OSError(errno.EPERM, f"capabilities left after dropping them: {left}")
    active["capabilities"] = "none"
    active["no_new_privs"] = True
