"""A hidden spec's skeleton: the :class:`Spec` that collects tests, and the two ways a test can fail."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol, TypeVar

import numpy as np


class Student(Protocol):
    """What a test receives as ``student`` (:class:`autograder.grade.runner.StudentCode`): ``student.NAME(...)`` runs
    the student's ``NAME`` in the sandbox."""

    def __getattr__(self, name: str) -> Any: ...


TestFunction = Callable[[np.random.Generator, Student], object]
"""A hidden test: ``fn(rng, student)``, which returns when the answer is right and raises otherwise."""

_T = TypeVar("_T", bound=TestFunction)


class TestFailure(AssertionError):
    """The student's answer is wrong; the message is shown to the student."""

    __test__ = False  # not a pytest test class


class StudentCodeError(RuntimeError):
    """The student's code could not produce an answer (missing, raised, timed out, crashed)."""


@dataclass(frozen=True)
class TestCase:
    """One hidden test: a function of (rng, student) worth ``points`` for ``exercise``."""

    exercise: str
    name: str
    description: str
    points: float
    fn: TestFunction
    timeout: float | None = None

    __test__ = False


class Spec:
    """The hidden tests of one lab, in the order they were declared.

    Parameters
    ----------
    lab : str
        The lab id, e.g. ``"01_gradient_descent"``.
    exercises : dict of str -> str
        Exercise name (the notebook cell's grade id) -> a title for feedback, in notebook order.
    """

    def __init__(self, lab: str, exercises: Mapping[str, str]) -> None:
        self.lab = lab
        self.exercises = dict(exercises)
        self.tests: list[TestCase] = []

    def test(self, exercise: str, points: float = 1, timeout: float | None = None) -> Callable[[_T], _T]:
        """Register the decorated ``fn(rng, student)`` as a test of ``exercise`` worth ``points``."""
        if exercise not in self.exercises:
            raise ValueError(f"{self.lab}: test for unknown exercise {exercise!r}")

        def register(fn: _T) -> _T:
            description = (fn.__doc__ or fn.__name__).strip().splitlines()[0]
            self.tests.append(TestCase(exercise, fn.__name__, description, points, fn, timeout))
            return fn

        return register

    def max_score(self, exercise: str | None = None) -> float:
        return sum(t.points for t in self.tests if exercise is None or t.exercise == exercise)
