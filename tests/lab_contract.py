"""The grading contract every lab holds, written once: a lab's ``test_grading.py`` subclasses :class:`LabContract`
with its id, its expected points and its reference module, and pytest runs these tests for it (in that lab's
folder, so ``pytest -m labNN`` and ``pytest tests/labs/NN_name`` include them).

- the solution notebook scores full marks, exercise by exercise;
- the untouched stub scores zero and every failed test says "not implemented yet";
- every realistic mistake of the lab's table (``tests/labs/NN_name/mistakes.py``) loses exactly its points;
- Bob's example notebook is his named mistakes, byte for byte, and loses exactly their points;
- no feedback of the stub, the solution or any mistake quotes a hidden-spec or reference-solution line.
"""

from types import ModuleType

import pytest
from lab_tables import mistakes_of

from helpers import (
    assert_bobs_example_is_his_mistakes,
    assert_feedback_quotes_no_spec_or_solution_line,
    assert_solution_scores_full_marks,
    assert_stub_scores_zero,
    assert_wrong_answer_scores,
)


def mistake_names(lab: str) -> list[str]:
    """The names of the lab's realistic mistakes, sorted (one test case each)."""
    return sorted(mistakes_of(lab).MISTAKES)


class LabContract:
    """Subclass as ``TestGradingContract`` and set the three attributes; the class itself collects nothing."""

    LAB: str  # the lab id, e.g. "01_gradient_descent"
    FULL: dict[str, float]  # exercise -> its points, written out: the spec's points are checked against it
    REFERENCE: ModuleType  # the reference module, whose solution lines no feedback may quote

    def test_solution_notebook_scores_full_marks(self, tmp_path):
        assert_solution_scores_full_marks(self.LAB, self.FULL, tmp_path)

    def test_student_stub_scores_zero_and_says_why(self, tmp_path):
        assert_stub_scores_zero(self.LAB, self.FULL, tmp_path)

    def test_realistic_wrong_answer_loses_exactly_its_points(self, mistake, tmp_path):
        assert_wrong_answer_scores(self.LAB, self.FULL, mistake, tmp_path)

    def test_bobs_example_notebook_is_his_mistakes_and_loses_exactly_their_points(self, tmp_path):
        assert_bobs_example_is_his_mistakes(self.LAB, self.FULL, tmp_path)

    def test_feedback_of_stub_solution_and_every_mistake_quotes_no_hidden_spec_or_solution_line(self, tmp_path):
        assert_feedback_quotes_no_spec_or_solution_line(self.LAB, self.REFERENCE, tmp_path)


def parametrize_mistakes(metafunc: pytest.Metafunc) -> None:
    """One case per mistake of the lab, for a :class:`LabContract` test that takes ``mistake``."""
    cls = metafunc.cls
    if "mistake" in metafunc.fixturenames and cls is not None and issubclass(cls, LabContract):
        metafunc.parametrize("mistake", mistake_names(cls.LAB))
