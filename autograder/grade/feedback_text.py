"""What a student reads: the Markdown feedback of one submission (``feedback.md``), exercise by exercise."""

from __future__ import annotations

from . import results as schema
from .results import Results


def exercise_feedback(results: Results, exercise: str) -> list[tuple[str, str, str]]:
    """What the student is told about each test of ``exercise``: ``(mark, description, message)`` in the order the
    tests ran; the message (why it failed) is ``""`` for a test that passed."""
    found = []
    for test in schema.tests_of(results, exercise):
        passed = test["status"] == "passed"
        found.append(("✔" if passed else "✘", test["name"].split(": ", 1)[-1], "" if passed else test["output"] or ""))
    return found


def feedback_text(results: Results) -> str:
    """A student-facing Markdown summary of one submission's results, exercise by exercise.

    A submission that could not be graded gets its reason once and nothing else: there is nothing to list.
    """
    lab = schema.lab(results)
    if not schema.is_gradable(results):
        title = f"# {lab} — not graded" if lab else "# Not graded"
        return f"{title}\n\n**This submission could not be graded:** {schema.reason(results)}\n"
    lines = [f"# {lab} — {schema.score(results):g} / {schema.max_score(results):g} points", ""]
    for name, totals in schema.exercises(results).items():
        lines.append(f"## {name}: {totals['score']:g} / {totals['max_score']:g}")
        for mark, description, message in exercise_feedback(results, name):
            lines.append(f"- {mark} {description}")
            if message:
                lines += ["", "  ```", *(f"  {line}" for line in message.splitlines()), "  ```"]
        lines.append("")
    return "\n".join(lines).rstrip() + "\n"
