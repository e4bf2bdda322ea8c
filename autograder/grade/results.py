"""The results schema: one ``results.json`` per submission, built here and read back through here only.

It is Gradescope's schema (``score``, ``output``, ``visibility``, ``tests`` with ``name``, ``score``,
``max_score``, ``status``, ``output``, ``visibility``, ``tags``) plus three fields of ours at the top level —
``seed`` (replays the run), ``gradable`` and, when it is false, ``reason`` — and ``extra_data``::

    {"student", "lab", "max_score", "grader_version",
     "exercises": {exercise: {"score", "max_score"}},   # notebook order
     "protections": {...}}                              # what the sandbox had active (gradable results only)

Each test's first tag is its exercise. Readers (feedback, result files, gradebook, CLI, exporters) use the accessors
below, which also accept results files written by older versions or damaged by hand.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from .. import __version__

if TYPE_CHECKING:
    from .spec import Spec, TestCase
    from .submissions import Submission

Results = dict[str, Any]
"""A submission's results dictionary (the schema above; parsed JSON, so read it through the accessors)."""

TestResult = dict[str, Any]
"""One entry of ``results["tests"]``."""

NOT_GRADED = "not graded: the submission could not be read (the reason is given once, at the top)"


def test_result(test: TestCase, score: float, status: str, output: str) -> TestResult:
    """One entry of ``tests`` for the hidden test ``test`` (a :class:`~autograder.grade.spec.TestCase`)."""
    return {"name": f"{test.exercise}: {test.description}", "score": score, "max_score": test.points,
            "status": status, "output": output, "visibility": "visible", "tags": [test.exercise]}


def exercise_totals(spec: Spec | None, tests: Sequence[TestResult]) -> dict[str, dict[str, float]]:
    """Exercise -> {"score", "max_score"} in the spec's order, summed from ``tests``."""
    if spec is None:
        return {}
    totals = {name: {"score": 0, "max_score": spec.max_score(name)} for name in spec.exercises}
    for test in tests:
        totals[test["tags"][0]]["score"] += test["score"]
    return totals


def graded_results(submission: Submission, spec: Spec, seed: int, tests: Sequence[TestResult], notes: Sequence[str],
                   protections: dict[str, Any]) -> Results:
    """The results of a submission whose tests ran (each passed or failed with a reason)."""
    score = sum(t["score"] for t in tests)
    max_score = spec.max_score()
    lines = [f"{submission.lab}: {score:g} / {max_score:g} points"] + [f"note: {note}" for note in notes]
    return {
        "score": score, "output": "\n".join(lines), "visibility": "visible", "tests": tests, "seed": seed,
        "gradable": True,
        "extra_data": {"student": submission.student, "lab": submission.lab, "max_score": max_score,
                       "exercises": exercise_totals(spec, tests), "protections": protections,
                       "grader_version": __version__},
    }


def not_gradable_results(submission: Submission, reason: str, spec: Spec | None = None, *, seed: int) -> Results:
    """Results for a file that could not be graded: zero for every test, with the reason and the seed that
    replays it (every results.json records its seed, graded or not)."""
    tests = [test_result(t, 0, "failed", NOT_GRADED) for t in spec.tests] if spec else []
    return {
        "score": 0, "output": f"This submission could not be graded: {reason}", "visibility": "visible",
        "tests": tests, "seed": seed, "gradable": False, "reason": reason,
        "extra_data": {"student": submission.student, "lab": submission.lab,
                       "max_score": spec.max_score() if spec else 0, "exercises": exercise_totals(spec, tests),
                       "grader_version": __version__},
    }


# ---------------------------------------------------------------------------------------------- readers


def score(results: Results) -> float:
    return results.get("score", 0)


def max_score(results: Results) -> float:
    return results.get("extra_data", {}).get("max_score", 0)


def lab(results: Results) -> str | None:
    return results.get("extra_data", {}).get("lab")


def is_gradable(results: Results) -> bool:
    return results.get("gradable", True) is not False


def reason(results: Results) -> str:
    """Why the submission could not be graded ('' when it could)."""
    return "" if is_gradable(results) else results.get("reason", "")


def exercises(results: Results) -> dict[str, dict[str, float]]:
    """Exercise -> {"score", "max_score"}, in notebook order."""
    return results.get("extra_data", {}).get("exercises", {})


def summary(results: Results) -> Results:
    """``results`` without its per-test entries (the bulk of it: names and messages), for whatever needs only the
    totals, the exercises, gradability and protections (the gradebook, the terminal summary)."""
    return {key: value for key, value in results.items() if key != "tests"}


def tests_of(results: Results, exercise: str) -> list[TestResult]:
    """The ``tests`` entries of ``exercise``, in the order they ran."""
    return [t for t in results.get("tests", []) if t.get("tags") == [exercise]]


def weaker_sandbox_reason(results: Results) -> str | None:
    """Why the sandbox ran without a user namespace (the fallback without root), or None when it did not."""
    protections = results.get("extra_data", {}).get("protections")
    if not isinstance(protections, dict) or protections.get("user_namespace") is not False:
        return None
    return str(protections.get("user_namespace_reason") or "no reason given")
