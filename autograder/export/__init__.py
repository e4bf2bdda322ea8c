"""Exports for courses that already use a grading tool, and the student release.

Each exporter writes what one tool expects, and each one grades with dlcv's sandboxed grader underneath
(:func:`autograder.export.grading.grade_notebook`), reading the outcome through :mod:`autograder.grade.results`.
They share one interface, :class:`Exporter`, and are found through :data:`EXPORTERS` (``dlcv export TOOL`` and
``dlcv release`` list and load them from there):

- ``nbgrader``: an nbgrader course tree whose autograde step is dlcv's grader (:mod:`.nbgrader`);
- ``otter``: otter-assign master notebooks and an otter plugin that grades with dlcv (:mod:`.otter`);
- ``gradescope``: a Gradescope autograder zip (``setup.sh``, ``run_autograder``) without otter (:mod:`.gradescope`);
- ``release``: exactly what students get (:mod:`.release`).
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Protocol, runtime_checkable

if TYPE_CHECKING:
    from ..project import Project


class ExportError(RuntimeError):
    """A lab could not be exported; the message says which lab and why."""


def bundled_files(project: Project, lab: str) -> list[Path]:
    """Project-relative paths of what a staff-only autograder of ``lab`` ships (:func:`autograder.course.source_bundle`:
    the packages, the reference modules and this lab's hidden spec, no other's), sorted.

    Raises
    ------
    ExportError
        When the lab has no hidden spec in ``project``.
    """
    from ..course import source_bundle
    from ..project import ProjectError

    try:
        return source_bundle(project, [lab])
    except ProjectError as error:
        raise ExportError(str(error)) from None


@runtime_checkable
class Exporter(Protocol):
    """What every exporter module provides."""

    def export(self, project: Project, out: Path, lab_ids: list[str]) -> list[Path]:
        """Write the export of ``lab_ids`` into ``out``.

        Parameters
        ----------
        project : autograder.project.Project
            The instructor's repository.
        out : pathlib.Path
            The output folder, created if missing; what an exporter accepts to find there is its own rule.
        lab_ids : list of str
            Lab ids, e.g. ``["01_gradient_descent"]``, known to :mod:`autograder.course`.

        Returns
        -------
        list of pathlib.Path
            What was written.

        Raises
        ------
        ExportError
            When a lab cannot be exported; the message says which and why, and nothing of that lab is written.
        """
        ...


@dataclass(frozen=True)
class ExporterEntry:
    """One exporter in the registry: its name (``dlcv export NAME``), its one-line summary (the CLI's help), and
    the module that implements :class:`Exporter`, imported only when the exporter is used."""

    name: str
    summary: str
    module: str

    def load(self) -> Exporter:
        """The exporter's module, checked to provide the :class:`Exporter` interface."""
        module = importlib.import_module(self.module)
        if not isinstance(module, Exporter):
            raise TypeError(f"{self.module} does not provide export(project, out, lab_ids)")
        return module


EXPORTERS: dict[str, ExporterEntry] = {entry.name: entry for entry in (
    ExporterEntry("nbgrader", "an nbgrader course: nbgrader_config.py and source/<lab>/<lab>.ipynb; autograde runs "
                  "dlcv's grader", "autograder.export.nbgrader"),
    ExporterEntry("otter", "otter-assign master notebooks, DIR/<lab>/<lab>.ipynb; otter run grades with dlcv's grader",
                  "autograder.export.otter"),
    ExporterEntry("gradescope", "a Gradescope autograder zip per lab (setup.sh, run_autograder) that grades with dlcv",
                  "autograder.export.gradescope"),
    ExporterEntry("release", "write exactly what students get: notebooks, labkit, requirements, a README",
                  "autograder.export.release"),
)}
"""Every exporter by name; ``release`` is ``dlcv release``, the others are ``dlcv export NAME``."""

COURSE_TOOLS = ("nbgrader", "otter", "gradescope")
"""The exporters ``dlcv export`` offers (the course tools)."""
