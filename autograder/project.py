"""Where things live in an instructor's repository, and which labs exist.

A lab is found by its number: ``source/NN_name.py`` (template), the reference module the template names, and
``autograder/hidden/NN_name.py`` (hidden spec). ``NN_name`` is the lab's id.
"""

import re
from dataclasses import dataclass
from pathlib import Path

LAB_ID = re.compile(r"^(?P<number>\d\d)_(?P<name>[a-z0-9_]+)$")
HIDDEN_DIR = Path(__file__).resolve().parent / "hidden"


class ProjectError(RuntimeError):
    """The instructor's repository is not where it was looked for, or a lab is missing a file."""


@dataclass(frozen=True)
class Project:
    """Paths of an instructor's repository (the folder holding ``source/`` and ``solutions/``)."""

    root: Path

    @property
    def source(self):
        return self.root / "source"

    @property
    def labs(self):
        return self.root / "labs"

    @property
    def solution_notebooks(self):
        return self.root / "solutions" / "notebooks"

    @property
    def labkit_source(self):
        return self.source / "labkit"

    def templates(self):
        """Lab id -> template path, sorted by lab number."""
        found = {p.stem: p for p in self.source.glob("*.py") if LAB_ID.match(p.stem)}
        return dict(sorted(found.items()))

    def module_path(self, dotted_name):
        """Path of a module of this repository given its dotted name (``solutions.gradient_descent``)."""
        return self.root.joinpath(*dotted_name.split(".")).with_suffix(".py")


def find_project(root=None):
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


def hidden_spec_paths():
    """Lab id -> hidden spec path, from the installed ``autograder.hidden`` folder."""
    found = {p.stem: p for p in HIDDEN_DIR.glob("*.py") if LAB_ID.match(p.stem)}
    return dict(sorted(found.items()))


def select_labs(available, wanted):
    """Filter lab ids by the user's ``--lab`` values: a number (``1`` or ``01``) or a full id.

    Raises
    ------
    ProjectError
        When a wanted lab does not exist; the message lists the labs that do.
    """
    if not wanted:
        return list(available)
    chosen = []
    for want in wanted:
        matches = [lab for lab in available if lab == want or (want.isdigit() and int(lab[:2]) == int(want))]
        if not matches:
            raise ProjectError(f"no lab {want!r}; the labs are: {', '.join(available) or '(none)'}")
        chosen.extend(m for m in matches if m not in chosen)
    return chosen
