"""Start and talk to sandboxed workers (trusted side), and decide what a worker may see.

Each worker is a fresh process in its own session, with a scrubbed environment: as root, a child forked from the
runtime's warm parent (``autograder.sandbox.warm_workers``: an interpreter that has imported NumPy and labkit and
holds nothing else); otherwise, or whenever the warm parent fails, a cold ``python -I`` started from a runtime copy
of ``autograder.worker``. Either way the worker locks itself down before any student code runs (read
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

Modules, one job each: ``limits`` (:class:`Limits`), ``policy`` (what a worker may see and is given: hidden and
exposed paths, its environment, warm or cold), ``uids`` (private user ids and killing what they own),
``cold_workers`` (a worker started as a fresh ``python -I``), ``warm_workers`` (a worker forked by the warm
parent), ``runtime`` (:class:`Runtime`: the worker code's folder and the warm parent, which starts either kind),
``channel`` (:class:`Worker`: one worker and its protocol channel), ``errors`` (:class:`WorkerError`).
"""

from .channel import Worker
from .errors import WorkerError
from .limits import Limits
from .policy import (
                     USER_NAMESPACES_SWITCH,
                     paths_to_expose,
                     paths_to_hide,
                     user_namespace_switch,
                     warm_by_default,
                     worker_environment,
)
from .runtime import Runtime

__all__ = ["USER_NAMESPACES_SWITCH", "Limits", "Runtime", "Worker", "WorkerError", "paths_to_expose", "paths_to_hide",
           "user_namespace_switch", "warm_by_default", "worker_environment"]
