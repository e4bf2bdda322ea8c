"""The resource limits of one sandboxed worker."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any


@dataclass(frozen=True)
class Limits:
    """Resource limits of one sandboxed worker. Every field has a documented default (docs/staff/grading.md,
    "Limits")."""

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

    def to_config(self) -> dict[str, Any]:
        return asdict(self)
