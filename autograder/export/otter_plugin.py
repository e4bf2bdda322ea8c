"""The otter-grader plugin that grades with dlcv: ``autograder.export.otter_plugin.DlcvGrader``.

``dlcv export otter`` names it in each master notebook's assignment config, so ``otter assign`` writes it to the
autograder zip's ``otter_config.json``::

    "plugins": [{"autograder.export.otter_plugin.DlcvGrader": {"lab": "01_gradient_descent"}}]

When ``otter run`` (or Gradescope) grades a submission, the plugin

1. ``before_execution``: grades the submitted file with dlcv's sandboxed grader
   (:func:`autograder.export.grading.grade_notebook`) and hands otter back a notebook without a single cell of
   the student's, so otter's own kernel executes none of the student's code;
2. ``after_grading``: replaces each question's result with dlcv's for that exercise: its tests, their messages,
   the exercise's score (partial credit) and points; the submission's message becomes dlcv's summary.

Plugin config: ``lab`` (the lab id; default: the notebook's ``metadata.dlcv.lab``), ``seed`` (replays a run;
default: dlcv's fixed seed of the student and lab, the student being the first Gradescope user's email, else the
submitted file's name) and ``namespaces`` (default true; as ``dlcv grade --no-namespaces`` when false).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import nbformat
from otter.plugins import AbstractOtterPlugin
from otter.test_files import ExceptionTestFile, TestCase, TestCaseResult

from ..grade import results as schema
from ..grade.results import Results
from .grading import grade_notebook

if TYPE_CHECKING:
    from otter.test_files import GradingResults

PLUGIN_NAME = f"{__name__}.DlcvGrader"


class DlcvGrader(AbstractOtterPlugin):
    """Grade with dlcv instead of in otter's kernel (see the module docstring)."""

    dlcv_results: Results | None = None

    def before_execution(self, submission: nbformat.NotebookNode | str) -> nbformat.NotebookNode | str:
        """Grade the submission with dlcv; return what otter may execute in its place: nothing of the student's.

        Parameters
        ----------
        submission : nbformat.NotebookNode or str
            The submission as otter read it (read here only for its lab id, when the config gives none).

        Returns
        -------
        nbformat.NotebookNode or str
            An empty notebook (an empty script for a script submission).
        """
        self.dlcv_results = grade_notebook(
            self.submission_path, self.lab(submission), student=self.student(),
            seed=self.plugin_config.get("seed"), namespaces=self.plugin_config.get("namespaces", True))
        return "" if isinstance(submission, str) else nothing_to_run()

    def after_grading(self, results: GradingResults) -> None:
        """Put dlcv's results in otter's (an ``otter.test_files.GradingResults``), question by question."""
        if self.dlcv_results is None:
            raise RuntimeError("dlcv did not grade this submission (before_execution did not run)")
        apply_dlcv_results(results, self.dlcv_results)
        results.set_plugin_data(PLUGIN_NAME, self.dlcv_results)

    def generate_report(self) -> str:
        """One line for otter's plugin report: dlcv's score and the seed that replays it."""
        if self.dlcv_results is None:
            return "dlcv did not grade this submission"
        dlcv = self.dlcv_results
        line = f"dlcv: {schema.score(dlcv):g} / {schema.max_score(dlcv):g} points (seed {dlcv.get('seed')})"
        return line if schema.is_gradable(dlcv) else f"{line}; not gradable: {schema.reason(dlcv)}"

    def lab(self, submission: nbformat.NotebookNode | str) -> str:
        """The lab id: the plugin config's, else the notebook's own metadata."""
        lab = self.plugin_config.get("lab")
        if lab is None and not isinstance(submission, str):
            lab = submission.get("metadata", {}).get("dlcv", {}).get("lab")
        if not lab:
            raise ValueError(f"{PLUGIN_NAME}: no lab id in the plugin config (\"lab\") or the notebook's metadata")
        return lab

    def student(self) -> str:
        """Who submitted: the first Gradescope user's email, else the submitted file's name (it picks the seed)."""
        users = (self.submission_metadata or {}).get("users") or []
        if users and isinstance(users[0], dict) and users[0].get("email"):
            return users[0]["email"]
        return Path(self.submission_path).stem


def nothing_to_run() -> nbformat.NotebookNode:
    """A notebook with no cell, for otter's kernel (otter still adds its own set-up and test cells)."""
    nb = nbformat.v4.new_notebook()
    nb.metadata = {"kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
                   "language_info": {"name": "python"}}
    return nb


def apply_dlcv_results(results: GradingResults, dlcv: Results) -> None:
    """Make otter's ``results`` say what dlcv's results say.

    Each exercise becomes one question (otter's test file of that name when there is one) whose test cases are
    dlcv's hidden tests of that exercise, with their messages, and whose score is dlcv's exercise score.
    Questions dlcv does not grade are dropped: otter ran them on no student code.

    Parameters
    ----------
    results : otter.test_files.GradingResults
        Changed in place.
    dlcv : dict
        dlcv's results (:mod:`autograder.grade.results`).
    """
    questions = {}
    for exercise, total in schema.exercises(dlcv).items():
        tests = schema.tests_of(dlcv, exercise)
        cases = [TestCase(name=_case_name(t["name"], exercise), body=None, hidden=False, points=t["max_score"],
                          success_message=None, failure_message=None) for t in tests]
        question = results.results.get(exercise) or ExceptionTestFile(exercise, "", [], all_or_nothing=False)
        question.test_cases = cases
        question.test_case_results = [TestCaseResult(test_case=case, message=test["output"],
                                                     passed=test["status"] == "passed")
                                      for case, test in zip(cases, tests)]
        question.all_or_nothing = False
        question.update_score(total["score"])
        questions[exercise] = question
    results.results = questions
    results.set_output(dlcv.get("output", ""))


def _case_name(name: str, exercise: str) -> str:
    """A dlcv test's name inside its question: without the ``"<exercise>: "`` that the question's name says."""
    return name[len(exercise) + 2:] if name.startswith(f"{exercise}: ") else name
