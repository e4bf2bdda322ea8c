"""Keep a grading thread and its sandboxed worker on one CPU while they grade a submission.

A grade is a long exchange of small messages: every value of a callback that the student's code asks for is
one round trip between the worker and the grading thread, and a wrong stopping rule asks for a thousand. The two
never run at the same time (one waits while the other answers), yet left alone the kernel wakes them on different
CPUs, and on a virtual machine a wake-up across CPUs costs more than the message itself: on this project's 2-core
VM, a 1,000-round-trip test takes 0.16 s across CPUs and 0.085 s on one.

The pair is pinned for one submission only: to this process's CPU when it has one (:func:`prefer`: a local batch
gives each grading process its own, so that no two pairs stack on one CPU), else to the CPU the grading thread is on
when it starts; between submissions the thread is free again. The worker pins itself (``config["cpu"]``,
:func:`autograder.worker.main.run`: the sandbox's copy of the worker package cannot import this module) before its
lockdown.
"""

import ctypes
import os

_ALLOWED = frozenset(os.sched_getaffinity(0))  # the CPUs this process may use, read before any thread is pinned
try:
    _sched_getcpu = ctypes.CDLL(None, use_errno=True).sched_getcpu
except (OSError, AttributeError):  # not glibc: no pinning
    _sched_getcpu = None


_preferred = None


def prefer(index):
    """Pin this process's grading threads to CPU number ``index`` (modulo the CPUs it may use) from now on."""
    global _preferred
    _preferred = sorted(_ALLOWED)[index % len(_ALLOWED)]


def pin_this_thread():
    """Pin the calling thread to this process's CPU (:func:`prefer`), else to the CPU it runs on; return that CPU
    (for the worker to pin itself to), or None when there is nothing to gain (one CPU allowed) or the system does
    not say which CPU it is."""
    if len(_ALLOWED) < 2 or (_preferred is None and _sched_getcpu is None):
        return None
    cpu = _preferred if _preferred is not None else _sched_getcpu()
    if cpu not in _ALLOWED:
        return None
    try:
        os.sched_setaffinity(0, {cpu})  # 0: the calling thread only (affinity is per thread on Linux)
    except OSError:
        return None
    return cpu


def unpin_this_thread():
    """Let the calling thread run on every CPU of the process again."""
    if len(_ALLOWED) > 1:
        try:
            os.sched_setaffinity(0, _ALLOWED)
        except OSError:
            pass
