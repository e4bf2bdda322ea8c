"""Grade one notebook with dlcv's sandboxed grader, for the exporters' grading hooks (nbgrader, otter, Gradescope)."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from ..grade.batch import grade_batch
from ..grade.results import Results
from ..grade.submissions import Submission, safe_id
from ..sandbox import Limits


def grade_notebook(path: str | os.PathLike[str], lab: str, student: str = "submission", seed: int | None = None,
                   limits: Limits = Limits(), namespaces: bool = True) -> Results:
    """The results of one notebook, graded as ``dlcv grade`` grades it.

    Parameters
    ----------
    path : str or pathlib.Path
        The submitted notebook. It is read as data; its code runs only in the sandboxed worker.
    lab : str
        The lab id, e.g. ``"01_gradient_descent"``.
    student : str
        The student id (it chooses the default seed, as in ``dlcv grade``).
    seed : int, optional
        Replays a recorded run; default: the fixed seed of ``student`` and ``lab``.
    limits : autograder.sandbox.Limits
    namespaces : bool

    Returns
    -------
    dict
        The results (:mod:`autograder.grade.results`); never raises for anything the submission does.
    """
    submission = Submission(Path(path).resolve(), safe_id(student), lab)
    with tempfile.TemporaryDirectory(prefix="dlcv-grade-") as out:
        outcome = grade_batch([submission], Path(out), limits=limits, seed=seed, namespaces=namespaces)
    (_, results), = outcome.graded
    return results
