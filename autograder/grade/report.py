"""Write grading results: one ``results.json`` per submission (atomically) and the ``gradebook.csv``."""

import csv
import io
import json
import os
import tempfile
from pathlib import Path

from . import results as schema


def atomic_write(path, text):
    """Write ``text`` to ``path`` so that readers see the old file or the new one, never half of one."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def results_path(out_dir, student, lab):
    return Path(out_dir) / student / lab / "results.json"


def exercise_feedback(results, exercise):
    """What the student is told about each test of ``exercise``: ``(mark, description, message)`` in the order the
    tests ran; the message (why it failed) is ``""`` for a test that passed."""
    found = []
    for test in schema.tests_of(results, exercise):
        passed = test["status"] == "passed"
        found.append(("✔" if passed else "✘", test["name"].split(": ", 1)[-1], "" if passed else test["output"] or ""))
    return found


def feedback_text(results):
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


def write_results(out_dir, student, lab, results, html_from=None):
    """Write one submission's ``results.json`` and its student-facing ``feedback.md``, and with ``html_from`` (the
    submitted notebook's path) also ``feedback.html``; returns the results path. The results file comes last:
    once it exists, the rest is there too (a rerun skips submissions that have one)."""
    path = results_path(out_dir, student, lab)
    atomic_write(path.with_name("feedback.md"), feedback_text(results))
    if html_from is not None:
        from .feedback_html import feedback_html

        atomic_write(path.with_name("feedback.html"), feedback_html(results, html_from))
    atomic_write(path, json.dumps(results, indent=2, sort_keys=True, allow_nan=False) + "\n")
    return path


def read_all_results(out_dir):
    """The summary (:func:`~autograder.grade.results.summary`: no per-test entries, so a batch of thousands stays
    small in memory) of every readable ``<student>/<lab>/results.json`` under ``out_dir``, sorted by student then
    lab, as (student, lab, summary) triples."""
    found = []
    for path in sorted(Path(out_dir).glob("*/*/results.json")):
        try:
            results = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, json.JSONDecodeError):
            continue
        if isinstance(results, dict):
            found.append((path.parent.parent.name, path.parent.name, schema.summary(results)))
    return found


def gradebook_rows(all_results, exercises_by_lab):
    """Header and rows of the gradebook: a row per student, a column per exercise, per-lab totals, a total, and
    notes (what could not be graded, and why).

    Parameters
    ----------
    all_results : list of (student, lab, results dict)
        A file whose lab could not be told is listed under a lab that is not in ``exercises_by_lab``: it gets no
        columns, only a note.
    exercises_by_lab : dict of lab -> list of exercise names (column order)
    """
    labs = sorted({lab for _, lab, _ in all_results if lab in exercises_by_lab})
    header = ["student"]
    for lab in labs:
        header += [f"{lab}:{name}" for name in exercises_by_lab[lab]] + [f"{lab}:total", f"{lab}:max"]
    header += ["total", "max", "notes"]
    rows, notes = {}, {}
    for student, lab, results in all_results:
        row = rows.setdefault(student, {"student": student})
        if not schema.is_gradable(results):
            notes.setdefault(student, []).append(f"{lab if lab in labs else 'a file of unknown lab'} not graded: "
                                                 f"{schema.reason(results)}")
        if lab not in labs:
            continue
        for name, totals in schema.exercises(results).items():
            row[f"{lab}:{name}"] = totals.get("score", 0)
        row[f"{lab}:total"] = schema.score(results)
        row[f"{lab}:max"] = schema.max_score(results)
    for student, row in rows.items():
        row["total"] = sum(row.get(f"{lab}:total", 0) for lab in labs)
        row["max"] = sum(row.get(f"{lab}:max", 0) for lab in labs)
        row["notes"] = "; ".join(notes.get(student, []))
    return header, [rows[s] for s in sorted(rows)]


def write_gradebook(out_dir, exercises_by_lab):
    """Rebuild ``out_dir/gradebook.csv`` from every results file there; returns (path, header, rows)."""
    header, rows = gradebook_rows(read_all_results(out_dir), exercises_by_lab)
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=header, restval="", lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: (f"{v:g}" if isinstance(v, float) else v) for k, v in row.items()})
    path = Path(out_dir) / "gradebook.csv"
    atomic_write(path, buffer.getvalue())
    return path, header, rows
