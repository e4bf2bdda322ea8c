"""The kinds of cell a lab template holds: one small class per kind, and :data:`CELL_KINDS`, the order the builder
tries them in.

Template cells (Jupytext percent format) are told apart by their metadata. For each template cell,
:func:`~autograder.build.notebook.build_notebooks` asks the kinds of :data:`CELL_KINDS` in order; the first that
``claims`` the cell ``make``\\ s its cells of the student and of the solution notebook:

:class:`Exercise` — ``exercise="name" functions=[...]``
    The named reference functions, stubbed for students. Graded by the hidden spec's tests of ``name``.
:class:`Answer` — ``answer="name" points=P`` (markdown)
    A free-text answer, graded by hand; the template holds the model answer, students get ``YOUR ANSWER HERE``.
:class:`Provided` — ``provided=[...]``
    Reference functions given in full. A plain name comes from the lab's own module and must have no solution
    region. ``"solutions.softmax:softmax_loss"`` names another module's function: a handout of an earlier lab's
    answer, given with its solution (release the later lab only after the earlier one's deadline).
:class:`SelfCheck` — ``check="name"``
    Public self-checks of exercise ``name`` (run by ``dlcv check``).
:class:`Narrative` — anything else
    Narrative or demo cells, given to students as they are and locked.
"""

from dataclasses import dataclass, field

import nbformat

from . import regions

NBGRADER_SCHEMA = 3
YOUR_ANSWER = "YOUR ANSWER HERE"


class TemplateError(ValueError):
    """A lab template refers to something that does not exist or breaks a rule."""


def nbgrader_metadata(grade_id, *, solution=False, grade=False, locked=True, points=None):
    """A cell's ``metadata.nbgrader``."""
    meta = {"grade": grade, "grade_id": grade_id, "locked": locked, "schema_version": NBGRADER_SCHEMA,
            "solution": solution}
    if points is not None:
        meta["points"] = points
    return meta


def new_cell(cell_type, source, cell_id, nbgrader, dlcv=None):
    """A notebook cell with a stable id, its nbgrader metadata and (if any) ours."""
    make = nbformat.v4.new_markdown_cell if cell_type == "markdown" else nbformat.v4.new_code_cell
    cell = make(source)
    cell.id = cell_id
    cell.metadata = {"nbgrader": nbgrader}
    if dlcv:
        cell.metadata["dlcv"] = dlcv
    return cell


@dataclass(frozen=True)
class LabSources:
    """What a cell kind reads besides the template cell: the template's path, the project, the lab's reference
    module as ``(source, where)``, and the exercises' autograded points."""

    template_path: object
    project: object
    reference: tuple
    points: dict

    def lookup(self, name):
        """(function source, where) of ``name`` (the lab's module) or ``"module:name"`` (another one)."""
        source, where = self.reference
        if ":" in name:
            module, name = name.split(":", 1)
            path = self.project.module_path(module)
            if not path.is_file():
                raise TemplateError(f"module {module} of {module}:{name} not found at {path}")
            source, where = path.read_text(encoding="utf-8"), str(path.relative_to(self.project.root))
        try:
            return regions.function_source(source, name, where), where
        except KeyError as error:
            raise TemplateError(str(error.args[0])) from None

    def functions_source(self, names, render):
        """The functions ``names``, each rendered by ``render(code, where)``, two blank lines apart."""
        return "\n\n\n".join(render(*self.lookup(name)) for name in names)


@dataclass
class Made:
    """The cells made from one template cell: the student's and the solution's (in order), the sources with their
    solution regions still marked (by cell id, where they differ), and the exercise it is, if any."""

    student: list = field(default_factory=list)
    solution: list = field(default_factory=list)
    marked: dict = field(default_factory=dict)
    exercise: str = None


def _as_marked(code, where):
    regions.solution_code(code, where)  # checks the markers
    return code


def _points(value):
    return f"{value:g} point" + ("" if value == 1 else "s")


def _locked_in_both(cell_type, source, cell_id, nbgrader, dlcv=None):
    """The same locked cell in the student's and in the solution notebook."""
    return Made([new_cell(cell_type, source, cell_id, nbgrader, dlcv)],
                [new_cell(cell_type, source, cell_id, nbgrader, dlcv)])


class Exercise:
    """``exercise="name" functions=[...]``: a heading with the points (when the hidden spec grades it), then the
    functions — stubs for the student, the solution for the solution notebook."""

    @staticmethod
    def claims(meta):
        return "exercise" in meta

    @staticmethod
    def make(cell, meta, number, lab):
        name = meta["exercise"]
        names = meta.get("functions") or []
        if not names:
            raise TemplateError(f"{lab.template_path}: exercise {name!r} lists no functions")
        made = Made(exercise=name)
        if name in lab.points:
            heading = f"**Exercise `{name}`** · {_points(lab.points[name])}, graded by hidden tests on random inputs"
            heading_id = f"{number}-points-{name}".replace("_", "-")
            for cells in (made.student, made.solution):
                cells.append(new_cell("markdown", heading, heading_id, nbgrader_metadata(f"cell-{heading_id}")))
        extra = f"\n\n\n{cell.source}" if cell.source.strip() else ""
        dlcv = {"exercise": name, "functions": list(names)}
        nbg = nbgrader_metadata(name, solution=True, locked=False)
        cell_id = f"{number}-exercise-{name}".replace("_", "-")
        stub = lab.functions_source(names, regions.stub_code) + extra
        solution = lab.functions_source(names, regions.solution_code) + extra
        made.marked[cell_id] = lab.functions_source(names, _as_marked) + extra
        made.student.append(new_cell("code", stub, cell_id, nbg, dlcv))
        made.solution.append(new_cell("code", solution, cell_id, nbg, dlcv))
        return made


class Answer:
    """``answer="name" points=P``: ``YOUR ANSWER HERE`` for the student, the model answer in the solution."""

    @staticmethod
    def claims(meta):
        return "answer" in meta

    @staticmethod
    def make(cell, meta, number, lab):
        name = meta["answer"]
        nbg = nbgrader_metadata(name, solution=True, grade=True, locked=False, points=meta.get("points", 1))
        cell_id = f"{number}-answer-{name}".replace("_", "-")
        return Made([new_cell("markdown", YOUR_ANSWER, cell_id, nbg, {"answer": name})],
                    [new_cell("markdown", cell.source, cell_id, nbg, {"answer": name})])


class Provided:
    """``provided=[...]``: reference functions given in full, locked."""

    @staticmethod
    def claims(meta):
        return "provided" in meta

    @staticmethod
    def make(cell, meta, number, lab):
        names = meta["provided"]
        for name in names:
            code, where = lab.lookup(name)
            if ":" not in name and regions.solution_region_lines(code, where):
                raise TemplateError(f"{lab.template_path}: provided function {name} has a solution region")
        source = lab.functions_source(names, regions.solution_code)
        cell_id = f"{number}-provided"
        return _locked_in_both("code", source, cell_id, nbgrader_metadata(f"cell-{cell_id}"),
                               {"provided": list(names)})


class SelfCheck:
    """``check="name"``: the public self-checks of an exercise, locked.

    A self-check cell is an nbgrader test cell (worth 0 here; the hidden tests give the points), so that
    nbgrader's Validate reports every exercise whose self-check fails or is not implemented yet.
    """

    @staticmethod
    def claims(meta):
        return "check" in meta

    @staticmethod
    def make(cell, meta, number, lab):
        cell_id = f"{number}-check"
        return _locked_in_both("code", cell.source, cell_id, nbgrader_metadata(f"cell-{cell_id}", grade=True, points=0),
                               {"check": meta["check"]})


class Narrative:
    """Any other cell: narrative or demo, given as it is and locked."""

    @staticmethod
    def claims(meta):
        return True

    @staticmethod
    def make(cell, meta, number, lab):
        cell_id = f"{number}-{cell.cell_type}"
        return _locked_in_both(cell.cell_type, cell.source, cell_id, nbgrader_metadata(f"cell-{cell_id}"))


CELL_KINDS = [Exercise, Answer, Provided, SelfCheck, Narrative]
