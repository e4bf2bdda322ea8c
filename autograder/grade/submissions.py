"""Find the submissions under the paths given to ``dlcv grade`` and tell whose they are and for which lab.

Recognised layouts (``LAB`` is a lab id such as ``01_gradient_descent``):

* ``<student>_LAB.ipynb`` anywhere in a folder;
* ``<student>/LAB.ipynb``;
* nbgrader's ``submitted/<student>/LAB/<anything>.ipynb``;
* any other notebook, whose lab comes from ``--lab`` or else from its own metadata (``metadata.dlcv.lab``).
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

_SKIP_PARTS = {".ipynb_checkpoints", "__pycache__", ".git"}
_SAFE_ID = re.compile(r"[^A-Za-z0-9_.@+-]")


@dataclass(frozen=True)
class Submission:
    """One file to grade. ``lab`` is None when it could not be told."""

    path: Path
    student: str
    lab: str | None

    @property
    def key(self) -> tuple[str, str]:
        return (self.student, self.lab or "unknown_lab")


def safe_id(text: str) -> str:
    """A student or lab id usable as a folder name (no separators, no leading dots)."""
    cleaned = _SAFE_ID.sub("_", text).lstrip(".") or "_"
    return cleaned[:100]


def _classify(path: Path, root: Path, lab_ids: Sequence[str]) -> tuple[str, str] | None:
    """(student, lab) of a file, or None if the file follows no known layout."""
    stem = path.stem
    for lab in lab_ids:
        if stem.endswith("_" + lab) and len(stem) > len(lab) + 1:
            return stem[: -len(lab) - 1], lab
    parent = path.parent
    # nbgrader's submitted/<student>/<lab>/<file> first: its notebook is often named by the lab too
    if parent.name in lab_ids and parent.parent != parent:
        return parent.parent.name, parent.name
    if stem in lab_ids and parent != root.parent:
        return parent.name, stem
    return None


def _lab_from_metadata(path: Path, lab_ids: Sequence[str]) -> str | None:
    """The lab a notebook's own metadata names (it only chooses which tests run), or None."""
    try:
        if path.stat().st_size > 64 * 2**20:
            return None
        lab = json.loads(path.read_text(encoding="utf-8"))["metadata"]["dlcv"]["lab"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return lab if lab in lab_ids else None


def find_submissions(paths: Iterable[str | os.PathLike[str]], lab_ids: Sequence[str], default_lab: str | None = None
                     ) -> tuple[list[Submission], list[Path]]:
    """Every submission under ``paths``.

    Parameters
    ----------
    paths : list of pathlib.Path
        Notebooks and folders.
    lab_ids : list of str
        Known lab ids.
    default_lab : str, optional
        Lab of files whose lab cannot be read from their path (``--lab``).

    Returns
    -------
    submissions : list of Submission
        Sorted by student then lab.
    ignored : list of pathlib.Path
        Files in folders that follow no layout and are not notebooks.
    """
    found: dict[tuple[str, str], Submission] = {}
    guess: tuple[str, str | None] | None
    ignored: list[Path] = []
    for given in paths:
        given = Path(given)
        if given.is_file():
            guess = _classify(given, given.parent, lab_ids)
            student, lab = guess if guess else (given.stem, default_lab or _lab_from_metadata(given, lab_ids))
            sub = Submission(given, safe_id(student), lab)
            found.setdefault(sub.key, sub)
            continue
        if not given.is_dir():
            raise FileNotFoundError(f"{given} does not exist")
        for path in sorted(given.rglob("*")):
            if not path.is_file() or _SKIP_PARTS & set(path.parts) or path.name.startswith("."):
                continue
            guess = _classify(path, given, lab_ids)
            if guess is None:
                if path.suffix == ".ipynb":
                    guess = (path.stem, default_lab or _lab_from_metadata(path, lab_ids))
                else:
                    ignored.append(path)
                    continue
            sub = Submission(path, safe_id(guess[0]), guess[1])
            found.setdefault(sub.key, sub)
    return sorted(found.values(), key=lambda s: s.key), ignored
