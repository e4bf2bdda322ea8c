"""Result files: each submission's ``results.json`` and feedback, written atomically, and read back."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from . import results as schema
from .feedback_text import feedback_text
from .results import Results


def atomic_write(path: Path, text: str) -> None:
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


def results_path(out_dir: str | os.PathLike[str], student: str, lab: str) -> Path:
    return Path(out_dir) / student / lab / "results.json"


def write_results(out_dir: str | os.PathLike[str], student: str, lab: str, results: Results,
                  html_from: Path | None = None) -> Path:
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


def read_all_results(out_dir: str | os.PathLike[str]) -> list[tuple[str, str, Results]]:
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
