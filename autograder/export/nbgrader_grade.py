"""``DlcvGrade``: the step of ``nbgrader autograde`` that grades with dlcv instead of executing the notebook.

The course's ``nbgrader_config.py`` (written by :mod:`autograder.export.nbgrader`) puts it in place of nbgrader's
``Execute`` in ``Autograde.autograde_preprocessors``. It receives the submission after nbgrader's sanitising pass
(outputs cleared, locked cells and points restored from the source), grades that notebook with dlcv's sandboxed
grader, and sets the outputs of each exercise's test cell so that nbgrader's own
:func:`nbgrader.utils.determine_grade` reads dlcv's points for the exercise: a stream of dlcv's feedback lines,
then an ``execute_result`` whose ``text/plain`` is the score (nbgrader's partial credit). No cell runs in a
kernel; student code runs only in dlcv's sandbox.

Which cell grades which exercise comes from the course's source notebook (the instructor's), never from the
submission's metadata, so a student who relabels or edits cells gains nothing.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import nbformat
from nbgrader.coursedir import CourseDirectory
from nbgrader.preprocessors import NbGraderPreprocessor
from traitlets import Bool, Float, Integer

from ..course import gradable_lab_ids
from ..grade import results as schema
from ..grade.feedback_text import exercise_feedback
from ..grade.results import Results
from ..sandbox import Limits
from .grading import grade_notebook
from .nbgrader import exercise_test_cells


def score_text(score: float) -> str:
    """``score`` as nbgrader's partial credit reads it back exactly (``"4"``, ``"2.5"``, ``"0.3333333333333333"``)."""
    short = f"{score:g}"
    return short if float(short) == score else repr(float(score))


def feedback_lines(results: Results, exercise: str) -> list[str]:
    """dlcv's feedback on ``exercise``, the lines the student's ``feedback.md`` has, as plain text."""
    if not schema.is_gradable(results):
        return [f"{exercise}: 0 points: this submission could not be graded: {schema.reason(results)}"]
    totals = schema.exercises(results)[exercise]
    lines = [f"{exercise}: {totals['score']:g} / {totals['max_score']:g} points (dlcv's hidden tests)"]
    for mark, description, message in exercise_feedback(results, exercise):
        lines.append(f"{mark} {description}")
        lines += [f"    {line}" for line in message.splitlines()]
    return lines


def graded_outputs(results: Results, exercise: str) -> list[nbformat.NotebookNode]:
    """The outputs of the test cell of ``exercise``: dlcv's feedback, then the score as nbgrader's partial credit."""
    score = schema.exercises(results).get(exercise, {}).get("score", 0) if schema.is_gradable(results) else 0
    return [nbformat.v4.new_output("stream", name="stdout", text="\n".join(feedback_lines(results, exercise)) + "\n"),
            nbformat.v4.new_output("execute_result", data={"text/plain": score_text(score)}, execution_count=None)]


class DlcvGrade(NbGraderPreprocessor):
    """Grade the notebook with dlcv's sandboxed grader and write each exercise's score into its test cell.

    The lab is the assignment's name (``01_gradient_descent``); the student id, from nbgrader, chooses the seed as
    in ``dlcv grade``, so both give the same inputs and the same scores.
    """

    seed = Integer(None, allow_none=True, help="Seed of the random test inputs (default: dlcv's fixed seed per "
                                               "student and lab, as `dlcv grade`)").tag(config=True)
    namespaces = Bool(True, help="Use namespaces, hidden paths and a private user when running as root "
                                 "(as `dlcv grade` without --no-namespaces)").tag(config=True)
    test_seconds = Float(Limits.test_seconds, help="Wall seconds of one call into student code").tag(config=True)
    submission_seconds = Float(Limits.submission_seconds,
                               help="Wall seconds of a whole submission").tag(config=True)

    def preprocess(self, nb: nbformat.NotebookNode, resources: dict[str, Any]
                   ) -> tuple[nbformat.NotebookNode, dict[str, Any]]:
        """Grade ``nb`` and fill in its test cells; ``resources["nbgrader"]`` names the assignment and student."""
        lab, student = resources["nbgrader"]["assignment"], resources["nbgrader"]["student"]
        if lab not in gradable_lab_ids():
            raise ValueError(f"assignment {lab!r} is not a dlcv lab (the labs are: {', '.join(gradable_lab_ids())}); "
                             "name each assignment by its lab id, as `dlcv export nbgrader` does")
        tests = self._trusted_test_cells(lab, resources["nbgrader"]["notebook"])
        results = self._grade(nb, lab, student)
        for cell in nb.cells:
            exercise = tests.get(cell.metadata.get("nbgrader", {}).get("grade_id"))
            if exercise is None or not cell.metadata["nbgrader"].get("grade") or cell.cell_type != "code":
                continue
            self._require_points_match(lab, exercise, cell.metadata["nbgrader"]["points"], results)
            cell.outputs = graded_outputs(results, exercise)
            cell.execution_count = None
        self.log.info("dlcv graded %s of %s: %g / %g points", lab, student, schema.score(results),
                      schema.max_score(results))
        return nb, resources

    @staticmethod
    def _require_points_match(lab: str, exercise: str, points: float, results: Results) -> None:
        """Raise ValueError unless the course's test cell of ``exercise`` is worth what dlcv's hidden spec says."""
        if not schema.exercises(results):
            return  # an internal error before the spec loaded: nothing to compare with, every test cell gets 0
        max_score = schema.exercises(results).get(exercise, {}).get("max_score")
        if max_score is None or float(points) != max_score:
            worth = "has no such exercise" if max_score is None else f"gives it {max_score:g} points"
            raise ValueError(f"{lab}: the test cell of {exercise} is worth {points} points in this course, but dlcv's "
                             f"hidden spec {worth}; export the course again (`dlcv export nbgrader`) and rerun "
                             "`nbgrader generate_assignment` before autograding")

    def _trusted_test_cells(self, lab: str, notebook: str) -> dict[str, str]:
        """Grade id -> exercise of the test cells of the course's source notebook."""
        coursedir = CourseDirectory(config=self.config)
        path = Path(coursedir.format_path(coursedir.source_directory, ".", lab)) / f"{notebook}.ipynb"
        return exercise_test_cells(nbformat.read(path, as_version=4))

    def _grade(self, nb: nbformat.NotebookNode, lab: str, student: str) -> Results:
        limits = Limits(test_seconds=self.test_seconds, submission_seconds=self.submission_seconds)
        with tempfile.TemporaryDirectory(prefix="dlcv-nbgrader-") as folder:
            path = os.path.join(folder, f"{lab}.ipynb")
            nbformat.write(nb, path)
            return grade_notebook(path, lab, student=student, seed=self.seed, limits=limits,
                                  namespaces=self.namespaces)
