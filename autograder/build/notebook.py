"""Turn a lab template plus its reference module into the student notebook and the (unexecuted) solution notebook.

The builder walks the template's cells; each is made into notebook cells by the first of the cell kinds in
:data:`~autograder.build.cell_kinds.CELL_KINDS` that claims it (exercise, answer, provided, self-check, narrative:
read that module for what each kind's metadata says), then ends a lab that has exercises with the "Check
everything" cells.
"""

import copy
from dataclasses import dataclass

import jupytext
import nbformat

from .cell_kinds import CELL_KINDS, YOUR_ANSWER, LabSources, TemplateError, nbgrader_metadata, new_cell

__all__ = ["YOUR_ANSWER", "LabNotebooks", "TemplateError", "build_notebooks", "dumps", "exercise_points"]


@dataclass(frozen=True)
class LabNotebooks:
    """The notebooks generated from one template: the student's and the solution, plus ``marked``, the solution
    with each solution region still between its ``### BEGIN SOLUTION`` / ``### END SOLUTION`` lines (the source
    notebook of course tools that make the stubs themselves, as nbgrader does)."""

    lab_id: str
    title: str
    student: nbformat.NotebookNode
    solution: nbformat.NotebookNode
    exercises: tuple
    topic: str  # the reference module's name, e.g. "gradient_descent"
    marked: nbformat.NotebookNode = None


def _lab_sources(lab, template_path, project):
    """The :class:`~autograder.build.cell_kinds.LabSources` of ``lab``: its reference module, from the catalogue."""
    reference_path = lab.reference_path(project)
    if not reference_path.is_file():
        raise TemplateError(f"{template_path}: reference module {lab.reference} not found at {reference_path}")
    reference = (reference_path.read_text(encoding="utf-8"), str(reference_path.relative_to(project.root)))
    return LabSources(template_path, project, reference, exercise_points(lab))


def build_notebooks(lab, project):
    """Generate both notebooks of ``lab`` from its template and its reference module.

    Parameters
    ----------
    lab : autograder.course.Lab
        Its template is ``source/NN_name.py``, its reference module ``solutions/<topic>.py``.
    project : autograder.project.Project

    Returns
    -------
    LabNotebooks
    """
    lab_id, title = lab.id, lab.title
    template_path = lab.template(project)
    if not template_path.is_file():
        raise TemplateError(f"{lab_id}: no lab template at {template_path}")
    template = jupytext.read(template_path)
    sources = _lab_sources(lab, template_path, project)
    student_cells, solution_cells, exercises, marked_sources = [], [], [], {}
    for index, cell in enumerate(template.cells):
        meta = dict(cell.metadata)
        kind = next(kind for kind in CELL_KINDS if kind.claims(meta))
        made = kind.make(cell, meta, f"{index:02d}", sources)
        student_cells += made.student
        solution_cells += made.solution
        marked_sources |= made.marked
        if made.exercise is not None:
            exercises.append(made.exercise)

    grade_ids = [c.metadata["nbgrader"]["grade_id"] for c in student_cells]
    repeated = sorted({g for g in grade_ids if grade_ids.count(g) > 1})
    if repeated:  # nbgrader rejects a notebook whose grade ids repeat (an answer named like an exercise)
        raise TemplateError(f"{template_path}: exercise and answer names must differ; repeated: {', '.join(repeated)}")
    if exercises:
        for cells in (student_cells, solution_cells):
            cells.extend(_check_everything_cells(template, exercises, sources.points))

    kernelspec = dict(template.metadata.get("kernelspec", {"name": "python3", "display_name": "Python 3",
                                                             "language": "python"}))

    def notebook(cells):
        nb = nbformat.v4.new_notebook(cells=cells)
        nb.nbformat_minor = 5
        nb.metadata = {"kernelspec": kernelspec, "language_info": {"name": "python"},
                       "dlcv": {"lab": lab_id, "title": title}}
        return nb

    marked_cells = [copy.deepcopy(cell) for cell in solution_cells]
    for cell in marked_cells:
        cell.source = marked_sources.get(cell.id, cell.source)
    return LabNotebooks(lab_id, title, notebook(student_cells), notebook(solution_cells), tuple(exercises),
                        lab.topic, notebook(marked_cells))


def exercise_points(lab):
    """Exercise -> autograded points of ``lab`` (a :class:`~autograder.course.Lab`), or {} while it has no hidden
    spec yet (a lab being written can be built before its hidden tests exist)."""
    return lab.points() if lab.gradable else {}


def _check_everything_cells(template, exercises, points):
    """The last two cells of a lab: a heading, and a cell that runs every exercise's public self-checks (as otter's
    ``grader.check_all()``) and lists each with its points."""
    functions = {c.metadata["exercise"]: list(c.metadata["functions"]) for c in template.cells
                 if "exercise" in c.metadata}
    entries = "".join(f"    {name!r}: ({functions[name]!r}, {points.get(name, 0):g}),\n" for name in exercises)
    text = ("## Check everything\n\nEvery exercise, its points, and whether its public self-checks pass. A pass "
            "here is necessary, not sufficient: the grade comes from hidden tests on other, random inputs.")
    # assigned, so the returned statuses are not displayed again as the cell's Out[] value
    code = f"from labkit import check_all\n\nsummary = check_all({{\n{entries}}}, globals())"
    meta = nbgrader_metadata("cell-check-everything-text")
    return [new_cell("markdown", text, "check-everything-text", meta),
            new_cell("code", code, "check-everything", nbgrader_metadata("cell-check-everything"))]


def dumps(nb):
    """Serialise a notebook deterministically (sorted keys, one-space indent, final newline)."""
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"
