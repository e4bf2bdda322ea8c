"""Where things live in an instructor's repository (the labs themselves are listed in :mod:`autograder.course`)."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path


class ProjectError(RuntimeError):
    """The instructor's repository is not where it was looked for, or a lab is missing a file."""


@dataclass(frozen=True)
class Project:
    """Paths of an instructor's repository (the folder holding ``source/`` and ``solutions/``)."""

    root: Path

    @property
    def source(self) -> Path:
        return self.root / "source"

    @property
    def labs(self) -> Path:
        return self.root / "labs"

    @property
    def solution_notebooks(self) -> Path:
        return self.root / "solutions" / "notebooks"

    @property
    def labkit_source(self) -> Path:
        return self.source / "labkit"

    def module_path(self, dotted_name: str) -> Path:
        """Path of a module of this repository given its dotted name (``solutions.gradient_descent``)."""
        return self.root.joinpath(*dotted_name.split(".")).with_suffix(".py")


def find_project(root: str | os.PathLike[str] | None = None) -> Project:
    """The project at ``root``, or the first folder upward from the working directory with ``source/`` and
    ``solutions/``, or the checkout this package was installed from (editable installs)."""
    candidates = [Path(root)] if root else [Path.cwd(), *Path.cwd().parents, Path(__file__).resolve().parents[1]]
    for candidate in candidates:
        if (candidate / "source").is_dir() and (candidate / "solutions").is_dir():
            return Project(candidate.resolve())
    where = root or "the working directory or its parents"
    raise ProjectError(
        f"no dlcv-labs repository (a folder with source/ and solutions/) at {where}; "
        "run the command inside the instructor's repository or pass --root"
    )
