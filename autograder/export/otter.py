"""otter-grader: ``dlcv export otter DIR`` writes one otter-assign master notebook per lab.

``DIR/<lab>/`` holds what ``otter assign <lab>.ipynb dist`` needs:

- ``<lab>.ipynb``: the master notebook in otter's v1 format. An assignment config cell, then the lab's cells in
  order; each exercise is a question worth its hidden-test points, its reference solution between otter's
  ``# BEGIN SOLUTION NO PROMPT`` / ``# END SOLUTION`` markers and dlcv's stub as the prompt, and one public
  test that runs the exercise's labkit self-checks (exception-based, so ``otter check`` reports the self-check's
  own message). Free-text answers are manual questions.
- ``labkit/``: the student helper package (``files``: it goes to the students and into the autograder).
- ``dlcv-labs/``: a source copy of this repository's packages with this lab's hidden spec only (``autograder_files``:
  only in the autograder zip, which is staff-only), and ``requirements.txt``, which installs it on Gradescope.

The assignment config names the plugin :class:`autograder.export.otter_plugin.DlcvGrader`, which otter writes to
the zip's ``otter_config.json``: at grading time it grades the submission with dlcv's sandboxed grader and
gives otter the scores and messages, so otter itself runs none of the student's code.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
import yaml

from ..build import regions
from ..build.notebook import TemplateError, build_notebooks, dumps
from ..course import get_lab, labkit_files
from . import ExportError, bundled_files

if TYPE_CHECKING:
    from ..build.notebook import LabNotebooks
    from ..project import Project

PLUGIN = "autograder.export.otter_plugin.DlcvGrader"
SOURCE_COPY = "dlcv-labs"
REQUIREMENTS = "requirements.txt"
PYTHON_VERSION = "3.11"  # the course environment's (environment.yml)

# Lines otter assign would rewrite or drop wherever they stand (its solution, seed, ignore and prompt markers).
_OTTER_DIRECTIVE = re.compile(r"#\s?SOLUTION|#\s*(?:BEGIN|END)\s+(?:SOLUTION|PROMPT|IGNORE)|#\s*(?:SEED|IGNORE)\s*$")


def export(project: Project, out_dir: Path, lab_ids: list[str]) -> list[Path]:
    """Write the otter-assign folder of each lab.

    Parameters
    ----------
    project : autograder.project.Project
    out_dir : pathlib.Path
        Created if missing; ``out_dir/<lab>/`` is replaced whole.
    lab_ids : list of str

    Returns
    -------
    list of pathlib.Path
        What was written, a few paths per lab.

    Raises
    ------
    ExportError
        When a lab has no hidden spec or its sources cannot be turned into otter's format; nothing of that lab
        is written.
    """
    written: list[Path] = []
    for lab in lab_ids:
        written += export_lab(project, Path(out_dir), lab)
    return written


def export_lab(project: Project, out_dir: Path, lab: str) -> list[Path]:
    """Write ``out_dir/<lab>/`` (see the module docstring) and return its main paths."""
    if not get_lab(lab).gradable:
        raise ExportError(f"{lab}: no hidden spec in autograder/hidden/, so nothing would grade it")
    bundle = bundled_files(project, lab)  # before anything is written: a lab it cannot bundle leaves no trace
    try:
        notebooks = build_notebooks(get_lab(lab), project)
        master = master_notebook(notebooks, project)
    except (TemplateError, regions.RegionError) as error:
        raise ExportError(f"{lab}: {error}") from None
    out_dir.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=f".{lab}-", dir=out_dir))
    try:
        (staging / f"{lab}.ipynb").write_text(dumps(master), encoding="utf-8")
        (staging / REQUIREMENTS).write_text(requirements_text(), encoding="utf-8")
        _copy_files({Path("labkit") / rel: path for rel, path in labkit_files(project).items()}, staging)
        _copy_files({rel: project.root / rel for rel in bundle}, staging / SOURCE_COPY)
        target = out_dir / lab
        if target.exists():
            shutil.rmtree(target)
        staging.chmod(0o755)  # mkdtemp's folder is private to its owner
        staging.rename(target)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    return [target / f"{lab}.ipynb", target / REQUIREMENTS, target / "labkit", target / SOURCE_COPY]


# ---------------------------------------------------------------------------------------------- the notebook


def assignment_config(lab: str) -> dict[str, Any]:
    """The assignment config of ``lab`` (the first cell's YAML), as a dict."""
    return {
        "name": lab,  # otter run rejects a notebook made for another assignment
        "requirements": REQUIREMENTS,
        "python_version": PYTHON_VERSION,
        "files": ["labkit"],
        "autograder_files": [SOURCE_COPY],
        "tests": {"files": True, "ok_format": False},
        "plugins": [{PLUGIN: {"lab": lab}}],
        # dlcv's messages are written for students and reveal no hidden input: show every question's result
        # as dlcv's own results.json does, once (no separate summary of the public tests, which otter did not
        # run on the student's code).
        "generate": {"show_hidden": True, "show_all_public": True, "force_public_test_summary": False},
    }


def requirements_text(autograder_dir: str = "/autograder") -> str:
    """The autograder's extra pip requirements: the source copy of dlcv shipped in the zip (``files/``)."""
    return (f"# dlcv-labs, which the otter plugin grades with: a source copy shipped inside this autograder zip\n"
            f"{autograder_dir}/source/files/{SOURCE_COPY}\n")


def master_notebook(notebooks: LabNotebooks, project: Project) -> nbformat.NotebookNode:
    """The otter-assign master notebook of one lab.

    Parameters
    ----------
    notebooks : autograder.build.notebook.LabNotebooks
    project : autograder.project.Project

    Returns
    -------
    nbformat.NotebookNode
    """
    lab = notebooks.lab_id
    reference = _reference_source(notebooks, project)
    cells = [_raw("assignment-config", "# ASSIGNMENT CONFIG\n" + _yaml(assignment_config(lab)))]
    solution_cells = notebooks.solution.cells
    headings = {c.id.replace("-exercise-", "-points-", 1) for c in solution_cells if "exercise" in _dlcv(c)}
    points = {name: _number(value) for name, value in get_lab(lab).points().items()}
    for cell in solution_cells:
        _refuse_otter_directives(cell, lab)
        if cell.id in headings:
            continue  # it opens its exercise's question below
        if "exercise" in _dlcv(cell):
            heading = next((c for c in solution_cells if c.id == cell.id.replace("-exercise-", "-points-", 1)), None)
            cells += exercise_question(cell, heading, points[_dlcv(cell)["exercise"]], reference)
        elif "answer" in _dlcv(cell):
            cells += answer_question(cell)
        else:
            cells.append(_copy(cell))
    nb = nbformat.v4.new_notebook(cells=cells, metadata=dict(notebooks.solution.metadata))
    nb.nbformat_minor = 5
    return nb


def exercise_question(cell: nbformat.NotebookNode, heading: nbformat.NotebookNode | None, points: float,
                      reference: tuple[str, str]) -> list[nbformat.NotebookNode]:
    """The cells of one autograded question: its heading, the solution in otter's markers, its public test."""
    name = _dlcv(cell)["exercise"]
    solution = _copy(cell)
    solution.source = otter_solution_source(cell, reference)
    test = nbformat.v4.new_code_cell(public_test_source(name, _dlcv(cell)["functions"]))
    test.id = f"{cell.id}-test"
    return [
        _raw(f"{cell.id}-begin", f"# BEGIN QUESTION\n{_yaml({'name': name, 'points': points})}"),
        *([_copy(heading)] if heading is not None else []),
        _raw(f"{cell.id}-begin-solution", "# BEGIN SOLUTION"),
        solution,
        _raw(f"{cell.id}-end-solution", "# END SOLUTION"),
        _raw(f"{cell.id}-begin-tests", "# BEGIN TESTS"),
        test,
        _raw(f"{cell.id}-end-tests", "# END TESTS"),
        _raw(f"{cell.id}-end", "# END QUESTION"),
    ]


def answer_question(cell: nbformat.NotebookNode) -> list[nbformat.NotebookNode]:
    """A free-text answer as a manual question: the model answer is its solution (otter gives students a
    response cell in its place)."""
    name = _dlcv(cell)["answer"]
    points = cell.metadata.get("nbgrader", {}).get("points", 1)
    return [
        _raw(f"{cell.id}-begin", f"# BEGIN QUESTION\n{_yaml({'name': name, 'manual': True, 'points': points})}"),
        _raw(f"{cell.id}-begin-solution", "# BEGIN SOLUTION"),
        _copy(cell),
        _raw(f"{cell.id}-end-solution", "# END SOLUTION"),
        _raw(f"{cell.id}-end", "# END QUESTION"),
    ]


def otter_solution_source(cell: nbformat.NotebookNode, reference: tuple[str, str]) -> str:
    """The exercise cell's code with each solution region between otter's markers.

    A region becomes ``# BEGIN SOLUTION NO PROMPT`` / the solution / ``# END SOLUTION``, followed by dlcv's stub
    inside a string between ``# BEGIN PROMPT`` / ``# END PROMPT`` lines: the master notebook runs as the
    solution, and otter assign leaves students exactly dlcv's stub (``# YOUR CODE HERE`` /
    ``raise NotImplementedError()``).

    Parameters
    ----------
    cell : nbformat.NotebookNode
        The exercise cell of the solution notebook.
    reference : tuple of (str, str)
        The reference module's source and its path for messages.
    """
    source, where = reference
    marked = [regions.function_source(source, name, where) for name in _dlcv(cell)["functions"]]
    solution = "\n\n\n".join(regions.solution_code(code, where) for code in marked)
    if not cell.source.startswith(solution):
        raise ExportError(f"exercise {_dlcv(cell)['exercise']}: its cell does not start with its functions")
    extra = cell.source[len(solution):]
    return "\n\n\n".join(regions.rewrite_regions(code, _otter_region, where) for code in marked) + extra


def _otter_region(indent: str, lines: list[str]) -> list[str]:
    return [f"{indent}# BEGIN SOLUTION NO PROMPT", *lines, f"{indent}# END SOLUTION",
            f'{indent}""" # BEGIN PROMPT', f"{indent}# YOUR CODE HERE", f"{indent}raise NotImplementedError()",
            f'{indent}""" # END PROMPT']


def public_test_source(exercise: str, functions: Sequence[str]) -> str:
    """An exception-based otter test: every function of ``exercise`` is defined and passes its labkit
    self-checks. The check raises (instead of only showing its report) also in a notebook kernel, where
    ``grader.check`` runs it, so otter counts a failure and shows the self-check's message."""
    from labkit.selfcheck import registered_checks

    checked = [f for f in functions if f in registered_checks()]
    verb, their = ("is", "its") if len(functions) == 1 else ("are", "their")
    return f'''def test_{exercise}(env):
    """{_names(functions)} {verb} defined and pass {their} public self-checks (the grade comes from hidden tests)."""
    import os

    from labkit import check

    for name in {functions!r}:
        assert callable(env.get(name)), f"`{{name}}` is not defined: run its cell"
    strict = os.environ.get("DLCV_STRICT_CHECKS")
    os.environ["DLCV_STRICT_CHECKS"] = "1"
    try:
        for name in {checked!r}:
            check(name, env[name], verbose=False)
    finally:
        if strict is None:
            del os.environ["DLCV_STRICT_CHECKS"]
        else:
            os.environ["DLCV_STRICT_CHECKS"] = strict


test_{exercise}(globals())'''


def _names(functions: Sequence[str]) -> str:
    quoted = [f"`{f}`" for f in functions]
    return quoted[0] if len(quoted) == 1 else ", ".join(quoted[:-1]) + " and " + quoted[-1]


def _refuse_otter_directives(cell: nbformat.NotebookNode, lab: str) -> None:
    """Raise when a line of ``cell`` would be taken by otter assign for one of its markers."""
    if cell.cell_type != "code":
        return
    for line in cell.source.splitlines():
        if _OTTER_DIRECTIVE.search(line):
            raise ExportError(f"{lab}, cell {cell.id}: otter assign would treat this line as its marker: "
                              f"{line.strip()!r}")


def _reference_source(notebooks: LabNotebooks, project: Project) -> tuple[str, str]:
    path = get_lab(notebooks.lab_id).reference_path(project)
    return path.read_text(encoding="utf-8"), str(path.relative_to(project.root))


def _number(value: float) -> int | float:
    return int(value) if float(value).is_integer() else float(value)


def _dlcv(cell: nbformat.NotebookNode) -> dict[str, Any]:
    return cell.metadata.get("dlcv", {})


def _copy(cell: nbformat.NotebookNode) -> nbformat.NotebookNode:
    """A copy of a generated cell for the master notebook: dlcv's metadata, not nbgrader's."""
    new = nbformat.from_dict({k: v for k, v in cell.items() if k not in ("outputs", "execution_count")})
    new.metadata = {"dlcv": dict(_dlcv(cell))} if _dlcv(cell) else {}
    if cell.cell_type == "code":
        new.outputs, new.execution_count = [], None
    return new


def _raw(cell_id: str, source: str) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_raw_cell(source.rstrip("\n"))
    cell.id = cell_id
    return cell


def _yaml(value: object) -> str:
    return yaml.safe_dump(value, sort_keys=False, default_flow_style=False)


# ---------------------------------------------------------------------------------------------- the sources


def _copy_files(files: Mapping[Path, Path], target: Path) -> None:
    """Copy each ``source`` to ``target / destination`` for ``destination: source`` of ``files``."""
    for destination, source in files.items():
        (target / destination).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, target / destination)
