"""Exports for courses that already use a grading tool, and the student release.

Each module writes what one tool expects, and each one grades with dlcv's sandboxed grader underneath
(:func:`autograder.export.grading.grade_notebook`), reading the outcome through :mod:`autograder.grade.results`:

- :mod:`.nbgrader`: an nbgrader course tree whose autograde step is dlcv's grader;
- :mod:`.otter`: otter-assign master notebooks and an otter plugin that grades with dlcv;
- :mod:`.gradescope`: a Gradescope autograder zip (``setup.sh``, ``run_autograder``) without otter;
- :mod:`.release`: exactly what students get.
"""


class ExportError(RuntimeError):
    """A lab could not be exported; the message says which lab and why."""
