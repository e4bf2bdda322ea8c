"""The error of a worker that could not be started."""


class WorkerError(RuntimeError):
    """The worker could not be started or did not boot."""
