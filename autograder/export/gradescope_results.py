"""dlcv's results in exactly Gradescope's ``results.json`` schema: Gradescope's keys only, ours under ``extra_data``.

Gradescope's autograder specification (https://gradescope-autograders.readthedocs.io/en/latest/specs/) lists the
keys of the file and of each test; :func:`to_gradescope` keeps those and moves every other key of dlcv's results
(``seed``, ``gradable``, ``reason``, ...) into the ``extra_data`` beside it, so nothing is lost and Gradescope
reads nothing it does not know.
"""

from __future__ import annotations

from typing import Any

from ..grade.results import Results

TOP_LEVEL_KEYS = ("score", "execution_time", "output", "output_format", "test_output_format", "test_name_format",
                  "visibility", "stdout_visibility", "extra_data", "tests", "leaderboard")
TEST_KEYS = ("score", "max_score", "status", "name", "name_format", "number", "output", "output_format", "tags",
             "visibility", "extra_data")


def _split(entry: dict[str, Any], allowed: tuple[str, ...]) -> dict[str, Any]:
    """(the entry with only ``allowed`` keys, its other keys merged into its ``extra_data``)."""
    kept = {key: value for key, value in entry.items() if key in allowed}
    extra = {key: value for key, value in entry.items() if key not in allowed}
    if extra:
        kept["extra_data"] = {**kept.get("extra_data", {}), **extra}
    return kept


def to_gradescope(results: Results, extra_data: dict[str, Any] | None = None, execution_time: float | None = None
                  ) -> dict[str, Any]:
    """The results of :func:`autograder.export.grading.grade_notebook` as Gradescope's ``results.json``.

    Parameters
    ----------
    results : dict
        dlcv's results (:mod:`autograder.grade.results`).
    extra_data : dict, optional
        More of our own data, merged into the top-level ``extra_data`` (how the sandbox ran, the file graded).
    execution_time : float, optional
        Seconds the grading took; Gradescope shows whole seconds.

    Returns
    -------
    dict
        Only the keys of Gradescope's schema at the top level and in each test. The student's output is
        ``visible``; the autograder's stdout (a summary for the staff) is ``hidden`` from students.
    """
    converted = _split({**results, "tests": [_split(t, TEST_KEYS) for t in results.get("tests", [])]},
                       TOP_LEVEL_KEYS)
    converted["extra_data"] = {**converted.get("extra_data", {}), **(extra_data or {})}
    converted.setdefault("visibility", "visible")
    converted["stdout_visibility"] = "hidden"
    if execution_time is not None:
        converted["execution_time"] = max(1, round(execution_time))
    return converted
