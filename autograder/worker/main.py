"""Entry point of the sandboxed worker: lock the process down (:mod:`.lockdown`), then serve (:mod:`.serve`).

Started as ``python -I -B -c <boot> RUNTIME_DIR CONFIG_JSON`` with the protocol on stdin/stdout (a cold start), or
forked by the warm parent (:mod:`.warm_parent`), which calls :func:`run` in the fresh child. Its first message reports
which protections are active.
"""

import json
import os

import numpy as np

from .lockdown import boot
from .serve import serve


def run(config):
    """Lock down with ``config``, then serve the protocol on fds 0/1 until the grader says bye or goes away."""
    np.seterr(all="ignore")
    _run_on(config.get("cpu"))
    read_fd, write_fd, active = boot(config)
    serve(read_fd, write_fd, active)


def _run_on(cpu):
    """Run on the grading thread's CPU (see :mod:`autograder.affinity`): best effort, before the lockdown."""
    if cpu is not None:
        try:
            os.sched_setaffinity(0, {int(cpu)})
        except (OSError, ValueError, TypeError):
            pass


def main(config_json):
    run(json.loads(config_json))
    os._exit(0)
