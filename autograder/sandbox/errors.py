"""The error of a worker that could not be started."""

from __future__ import annotations


class WorkerError(RuntimeError):
    """The worker could not be started or did not boot."""
