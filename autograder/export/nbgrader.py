"""``dlcv export nbgrader DIR``: an nbgrader course whose autograde step is dlcv's sandboxed grader.

What it writes (paths relative to ``DIR``, the course folder)::

    nbgrader_config.py                the course's settings; autograde runs DlcvGrade instead of Execute
    source/<lab>/<lab>.ipynb          the source notebook: the built lab with its solutions between
                                      nbgrader's own ``### BEGIN SOLUTION`` / ``### END SOLUTION`` lines
    source/<lab>/labkit/              the students' helper package, as in labs/labkit/

The source notebook is the build's (``autograder.build``), so ``nbgrader generate_assignment`` releases the
notebook of ``labs/<lab>.ipynb``. Each exercise's check cell (already an nbgrader test cell) becomes its
autograded test cell, worth the exercise's points; ``answer`` cells stay manually graded. ``nbgrader autograde``
does not execute the notebook: :class:`autograder.export.nbgrader_grade.DlcvGrade` grades it with dlcv and writes
each exercise's score and feedback into its test cell.
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING

import nbformat

from ..build.notebook import YOUR_ANSWER, build_notebooks, dumps, exercise_points
from ..build.regions import BEGIN, END
from ..course import all_lab_ids as all_lab_ids
from ..course import get_lab, labkit_files
from ..grade.result_files import atomic_write
from . import ExportError
from .built import require_current_labs

if TYPE_CHECKING:
    from ..project import Project

CONFIG_NAME = "nbgrader_config.py"
CODE_STUB = "# YOUR CODE HERE\nraise NotImplementedError()"  # what regions.stub_code writes, line by line

CONFIG_HEADER = '"""nbgrader settings of a dlcv-labs course, written by `dlcv export nbgrader`'
_CONFIG = f'''{CONFIG_HEADER} (exporting again into this
folder updates the labs' source/ folders and leaves this file as it is: edit it freely).

`nbgrader autograde` does not run submissions in nbgrader's kernel: its Execute step is replaced by dlcv's
sandboxed grader (autograder.export.nbgrader_grade.DlcvGrade), which writes each exercise's score and dlcv's
feedback into the exercise's test cell. The Python that runs nbgrader needs the dlcv-labs package installed.
"""

from nbgrader.converters import Autograde
from nbgrader.preprocessors import Execute

c = get_config()  # noqa: F821 - given by traitlets when nbgrader reads this file

# Stubs exactly as `dlcv build` writes them, so a released notebook equals labs/<lab>.ipynb.
c.ClearSolutions.begin_solution_delimeter = {BEGIN!r}
c.ClearSolutions.end_solution_delimeter = {END!r}
c.ClearSolutions.code_stub = {{"python": {CODE_STUB!r}}}
c.ClearSolutions.text_stub = {YOUR_ANSWER!r}

# A test cell the student deleted is put back, and gets dlcv's score like the others.
c.OverwriteCells.add_missing_cells = True

# Grade with dlcv instead of executing the notebook; every other autograde step stays nbgrader's own.
steps = list(Autograde.autograde_preprocessors.default())
steps[steps.index(Execute)] = "autograder.export.nbgrader_grade.DlcvGrade"
c.Autograde.autograde_preprocessors = steps

# release_assignment, fetch_assignment, submit and collect need a course id (and the exchange folder, if not
# nbgrader's default /srv/nbgrader/exchange); autograde, formgrader, feedback and export do not.
# c.CourseDirectory.course_id = "dlcv"
# c.Exchange.root = "/srv/nbgrader/exchange"

# DlcvGrade's options (`nbgrader autograde --help-all` lists them): a seed to replay a run, the sandbox's limits.
# c.DlcvGrade.seed = 1234
# c.DlcvGrade.submission_seconds = 120.0
'''


def exercise_test_cells(nb: nbformat.NotebookNode) -> dict[str, str]:
    """Grade id -> exercise of each autograded test cell of a lab notebook (its ``check`` cells).

    Parameters
    ----------
    nb : nbformat.NotebookNode
        A built lab notebook, or the course's source notebook (trusted: never a submission).

    Returns
    -------
    dict of str -> str
    """
    return {cell.metadata["nbgrader"]["grade_id"]: cell.metadata["dlcv"]["check"] for cell in nb.cells
            if cell.metadata.get("nbgrader", {}).get("grade") and "check" in cell.metadata.get("dlcv", {})}


def source_notebook(project: Project, lab_id: str) -> nbformat.NotebookNode:
    """The nbgrader source notebook of a lab: the build's, solutions between markers, test cells worth points.

    Parameters
    ----------
    project : autograder.project.Project
    lab_id : str

    Returns
    -------
    nbformat.NotebookNode

    Raises
    ------
    ExportError
        When the lab has no hidden spec, or its exercises and check cells do not pair up one to one.
    """
    points = exercise_points(get_lab(lab_id))
    if not points:
        raise ExportError(f"{lab_id}: no hidden spec (autograder/hidden/{lab_id}.py), so nothing to grade; "
                          "write the spec first")
    nb = build_notebooks(get_lab(lab_id), project).marked
    checks = [cell.metadata["dlcv"]["check"] for cell in nb.cells if "check" in cell.metadata.get("dlcv", {})]
    unpaired = sorted(set(points).symmetric_difference(checks) | {name for name in checks if checks.count(name) > 1})
    if unpaired:
        raise ExportError(f"{lab_id}: nbgrader needs one check cell per exercise of the hidden spec (it becomes the "
                          f"exercise's test cell); give each exactly one `check=` cell: {', '.join(unpaired)}")
    for cell in nb.cells:
        if "check" in cell.metadata.get("dlcv", {}):
            cell.metadata["nbgrader"]["points"] = points[cell.metadata["dlcv"]["check"]]
    return nb


def _require_empty_or_own_out_dir(out_dir: Path) -> None:
    """Raise ExportError unless ``out_dir`` is missing, empty, or a course written by this exporter before."""
    if not out_dir.is_dir() or not any(out_dir.iterdir()):
        return
    config = out_dir / CONFIG_NAME
    if not (config.is_file() and config.read_text(encoding="utf-8").startswith(CONFIG_HEADER)):
        raise ExportError(f"{out_dir} is not empty and is not a course written by `dlcv export nbgrader`; give a new "
                          "or empty folder (exporting into an existing dlcv course updates its labs' source folders)")


def _require_known_lab_ids(project: Project, lab_ids: list[str]) -> None:
    unknown = [lab for lab in lab_ids if lab not in all_lab_ids()]
    if unknown:
        raise ExportError(f"no lab {', '.join(unknown)}; the labs are: {', '.join(all_lab_ids())}")


def export(project: Project, out_dir: Path, lab_ids: list[str]) -> list[Path]:
    """Write the nbgrader course of ``lab_ids`` into ``out_dir``.

    Everything is made in memory first: a lab that cannot be exported leaves ``out_dir`` as it was. The same
    inputs give byte-identical files. ``out_dir`` must be new, empty, or a course this function wrote before: then
    each lab's ``source/<lab>/`` (notebook and labkit) is rewritten, and the course's own files
    (``nbgrader_config.py``, ``gradebook.db``, ``release/``, ``submitted/``, ...) are left alone.

    Parameters
    ----------
    project : autograder.project.Project
    out_dir : pathlib.Path
        The course folder (created if missing).
    lab_ids : list of str
        Lab ids, e.g. ``["01_gradient_descent"]``.

    Returns
    -------
    list of pathlib.Path
        The files written.

    Raises
    ------
    ExportError
        When ``out_dir`` is some other non-empty folder, a lab is unknown, the labs are not built (or stale), or a
        lab cannot become an nbgrader assignment.
    """
    out_dir = Path(out_dir)
    _require_empty_or_own_out_dir(out_dir)
    _require_known_lab_ids(project, lab_ids)
    require_current_labs(project, lab_ids)
    labkit = {relative: path.read_bytes() for relative, path in labkit_files(project).items()}
    files = {} if (out_dir / CONFIG_NAME).exists() else {out_dir / CONFIG_NAME: _CONFIG}
    for lab_id in lab_ids:
        folder = out_dir / "source" / lab_id
        files[folder / f"{lab_id}.ipynb"] = dumps(source_notebook(project, lab_id))
        files.update({folder / "labkit" / rel: content.decode("utf-8") for rel, content in labkit.items()})
    for lab_id in lab_ids:  # a labkit file that is gone from source/labkit goes from the course too
        old = out_dir / "source" / lab_id / "labkit"
        if old.is_dir():
            shutil.rmtree(old)
    for path, content in files.items():
        atomic_write(path, content)
    return list(files)
