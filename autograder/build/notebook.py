"""Turn a lab template plus its reference module into the student notebook and the (unexecuted) solution notebook.

Template cells (Jupytext percent format) are told apart by their metadata:

``exercise="name" functions=[...]``
    The named reference functions, stubbed for students. Graded by the hidden spec's tests of ``name``.
``provided=[...]``
    Reference functions given in full. A plain name comes from the lab's own module and must have no solution
    region. ``"solutions.softmax:softmax_loss"`` names another module's function: a handout of an earlier lab's
    answer, given with its solution (release the later lab only after the earlier one's deadline).
``check="name"``
    Public self-checks of exercise ``name`` (run by ``dlcv check``).
``answer="name" points=P`` (markdown)
    A free-text answer, graded by hand; the template holds the model answer, students get ``YOUR ANSWER HERE``.
anything else
    Narrative or demo cells, given to students as they are and locked.
"""

import copy
from dataclasses import dataclass

import jupytext
import nbformat

from . import regions

NBGRADER_SCHEMA = 3
YOUR_ANSWER = "YOUR ANSWER HERE"


class TemplateError(ValueError):
    """A lab template refers to something that does not exist or breaks a rule."""


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


def _nbgrader(grade_id, *, solution=False, grade=False, locked=True, points=None):
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": NBGRADER_SCHEMA,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    return meta


def _new_cell(cell_type, source, cell_id, nbgrader, dlcv=None):
    make = nbformat.v4.new_markdown_cell if cell_type == "markdown" else nbformat.v4.new_code_cell
    cell = make(source)
    cell.id = cell_id
    cell.metadata = {"nbgrader": nbgrader}
    if dlcv:
        cell.metadata["dlcv"] = dlcv
    return cell


def _lookup(name, reference, project):
    """(function source, where) of ``name`` or ``"module:name"``; ``reference`` is (source, where) of the lab's."""
    source, where = reference
    if ":" in name:
        module, name = name.split(":", 1)
        path = project.module_path(module)
        if not path.is_file():
            raise TemplateError(f"module {module} of {module}:{name} not found at {path}")
        source, where = path.read_text(encoding="utf-8"), str(path.relative_to(project.root))
    try:
        return regions.function_source(source, name, where), where
    except KeyError as error:
        raise TemplateError(str(error.args[0])) from None


def _functions_source(reference, names, render, project):
    """The functions ``names``, each rendered by ``render(code, where)``, two blank lines apart."""
    return "\n\n\n".join(render(*_lookup(name, reference, project)) for name in names)


def _as_marked(code, where):
    regions.solution_code(code, where)  # checks the markers
    return code


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
    lab_id = lab.id
    template_path = lab.template(project)
    if not template_path.is_file():
        raise TemplateError(f"{lab_id}: no lab template at {template_path}")
    template = jupytext.read(template_path)
    reference_path = lab.reference_path(project)
    if not reference_path.is_file():
        raise TemplateError(f"{template_path}: reference module {lab.reference} not found at {reference_path}")
    reference = (reference_path.read_text(encoding="utf-8"), str(reference_path.relative_to(project.root)))

    points = exercise_points(lab)
    student_cells, solution_cells, exercises, marked_sources = [], [], [], {}
    for index, cell in enumerate(template.cells):
        meta = dict(cell.metadata)
        number = f"{index:02d}"
        if "exercise" in meta:
            name = meta["exercise"]
            names = meta.get("functions") or []
            if not names:
                raise TemplateError(f"{template_path}: exercise {name!r} lists no functions")
            if name in points:
                heading = f"**Exercise `{name}`** · {_points(points[name])}, graded by hidden tests on random inputs"
                heading_id = f"{number}-points-{name}".replace("_", "-")
                for cells in (student_cells, solution_cells):
                    cells.append(_new_cell("markdown", heading, heading_id, _nbgrader(f"cell-{heading_id}")))
            extra = f"\n\n\n{cell.source}" if cell.source.strip() else ""
            dlcv = {"exercise": name, "functions": list(names)}
            nbg = _nbgrader(name, solution=True, locked=False)
            cell_id = f"{number}-exercise-{name}".replace("_", "-")
            stub = _functions_source(reference, names, regions.stub_code, project) + extra
            solution = _functions_source(reference, names, regions.solution_code, project) + extra
            marked_sources[cell_id] = _functions_source(reference, names, _as_marked, project) + extra
            student_cells.append(_new_cell("code", stub, cell_id, nbg, dlcv))
            solution_cells.append(_new_cell("code", solution, cell_id, nbg, dlcv))
            exercises.append(name)
            continue
        if "answer" in meta:
            name = meta["answer"]
            nbg = _nbgrader(name, solution=True, grade=True, locked=False, points=meta.get("points", 1))
            cell_id = f"{number}-answer-{name}".replace("_", "-")
            student_cells.append(_new_cell("markdown", YOUR_ANSWER, cell_id, nbg, {"answer": name}))
            solution_cells.append(_new_cell("markdown", cell.source, cell_id, nbg, {"answer": name}))
            continue
        if "provided" in meta:
            names = meta["provided"]
            for name in names:
                code, where = _lookup(name, reference, project)
                if ":" not in name and regions.solution_region_lines(code, where):
                    raise TemplateError(f"{template_path}: provided function {name} has a solution region")
            source = _functions_source(reference, names, regions.solution_code, project)
            cell_type, dlcv, kind = "code", {"provided": list(names)}, "provided"
        elif "check" in meta:
            source, cell_type, dlcv, kind = cell.source, "code", {"check": meta["check"]}, "check"
        else:
            source, cell_type, dlcv, kind = cell.source, cell.cell_type, None, cell.cell_type
        cell_id = f"{number}-{kind}"
        # A check cell is an nbgrader test cell (worth 0 here; the hidden tests give the points), so that
        # nbgrader's Validate reports every exercise whose self-check fails or is not implemented yet.
        nbg = _nbgrader(f"cell-{cell_id}", grade=kind == "check", points=0 if kind == "check" else None)
        student_cells.append(_new_cell(cell_type, source, cell_id, nbg, dlcv))
        solution_cells.append(_new_cell(cell_type, source, cell_id, nbg, dlcv))

    grade_ids = [c.metadata["nbgrader"]["grade_id"] for c in student_cells]
    repeated = sorted({g for g in grade_ids if grade_ids.count(g) > 1})
    if repeated:  # nbgrader rejects a notebook whose grade ids repeat (an answer named like an exercise)
        raise TemplateError(f"{template_path}: exercise and answer names must differ; repeated: {', '.join(repeated)}")
    if exercises:
        for cells in (student_cells, solution_cells):
            cells.extend(_check_everything_cells(template, exercises, points))

    title = lab.title
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


def _points(value):
    return f"{value:g} point" + ("" if value == 1 else "s")


def exercise_points(lab):
    """Exercise -> autograded points of ``lab`` (a :class:`~autograder.course.Lab`), or {} while it has no hidden
    spec yet (a lab being written can be built before its hidden tests exist)."""
    return lab.points() if lab.gradable else {}


def _check_everything_cells(template, exercises, points):
    """The last two cells of a lab: a heading, and a cell that runs every exercise's public checks (as otter's
    ``grader.check_all()``) and lists each with its points."""
    functions = {c.metadata["exercise"]: list(c.metadata["functions"]) for c in template.cells
                 if "exercise" in c.metadata}
    entries = "".join(f"    {name!r}: ({functions[name]!r}, {points.get(name, 0):g}),\n" for name in exercises)
    text = ("## Check everything\n\nEvery exercise, its points, and whether its public self-checks pass. A pass "
            "here is necessary, not sufficient: the grade comes from hidden tests on other, random inputs.")
    # assigned, so the returned statuses are not displayed again as the cell's Out[] value
    code = f"from labkit import check_all\n\nsummary = check_all({{\n{entries}}}, globals())"
    meta = _nbgrader("cell-check-everything-text")
    return [_new_cell("markdown", text, "check-everything-text", meta),
            _new_cell("code", code, "check-everything", _nbgrader("cell-check-everything"))]


def dumps(nb):
    """Serialise a notebook deterministically (sorted keys, one-space indent, final newline)."""
    nbformat.validate(nb)
    text = nbformat.writes(nb)
    return text if text.endswith("\n") else text + "\n"
