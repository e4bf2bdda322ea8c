"""The ``gradebook.csv``: a row per student, a column per exercise, rebuilt from every results file."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from . import results as schema
from .result_files import atomic_write, read_all_results
from .results import Results


def gradebook_rows(all_results: Sequence[tuple[str, str, Results]],
                   exercises_by_lab: Mapping[str, Sequence[str]]) -> tuple[list[str], list[dict[str, Any]]]:
    """Header and rows of the gradebook: a row per student, a column per exercise, per-lab totals, a total, and
    notes (what could not be graded, and why).

    Parameters
    ----------
    all_results : list of (student, lab, results dict)
        A file whose lab could not be told is listed under a lab that is not in ``exercises_by_lab``: it gets no
        columns, only a note.
    exercises_by_lab : dict of lab -> list of exercise names (column order)
    """
    lab_ids = sorted({lab for _, lab, _ in all_results if lab in exercises_by_lab})
    header = ["student"]
    for lab in lab_ids:
        header += [f"{lab}:{name}" for name in exercises_by_lab[lab]] + [f"{lab}:total", f"{lab}:max"]
    header += ["total", "max", "notes"]
    rows: dict[str, dict[str, Any]] = {}
    notes: dict[str, list[str]] = {}
    for student, lab, results in all_results:
        row = rows.setdefault(student, {"student": student})
        if not schema.is_gradable(results):
            notes.setdefault(student, []).append(f"{lab if lab in lab_ids else 'a file of unknown lab'} not graded: "
                                                 f"{schema.reason(results)}")
        if lab not in lab_ids:
            continue
        for name, totals in schema.exercises(results).items():
            row[f"{lab}:{name}"] = totals.get("score", 0)
        row[f"{lab}:total"] = schema.score(results)
        row[f"{lab}:max"] = schema.max_score(results)
    for student, row in rows.items():
        row["total"] = sum(row.get(f"{lab}:total", 0) for lab in lab_ids)
        row["max"] = sum(row.get(f"{lab}:max", 0) for lab in lab_ids)
        row["notes"] = "; ".join(notes.get(student, []))
    return header, [rows[s] for s in sorted(rows)]


def write_gradebook(out_dir: str | os.PathLike[str], exercises_by_lab: Mapping[str, Sequence[str]]
                    ) -> tuple[Path, list[str], list[dict[str, Any]]]:
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
