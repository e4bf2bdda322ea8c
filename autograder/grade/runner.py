"""Grade one submission against its lab's hidden spec (trusted side), driving a sandboxed worker."""

from __future__ import annotations

import difflib
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .. import affinity
from ..course import gradable_lab_ids, load_spec, reference_names
from ..sandbox import Worker, WorkerError
from ..worker import callbacks, protocol
from .extract import NotGradable, program_from_notebook
from .results import Results, graded_results, not_gradable_results, test_result
from .spec import StudentCodeError, TestFailure

if TYPE_CHECKING:
    from ..sandbox import Limits, Runtime
    from .extract import Program
    from .submissions import Submission


class _Session:
    """The student's code loaded in a worker; restarts the worker when it dies or hangs."""

    def __init__(self, runtime: Runtime, limits: Limits, program: Program, namespaces: bool) -> None:
        self.runtime, self.limits, self.program, self.namespaces = runtime, limits, program, namespaces
        self.worker: Worker | None = None
        self.restarts = 0
        self.load_errors: list[dict[str, Any]] = []
        self.load_failure: str | None = None
        self.defined: list[str] = []
        self.protections: dict[str, Any] = {}
        self.deadline = time.monotonic() + limits.submission_seconds
        self.cpu = affinity.pin_this_thread()  # this thread and its workers share a CPU until close()

    def _start(self) -> None:
        if self.load_failure:  # the notebook itself cannot be loaded: retrying would only fail again, slowly
            raise StudentCodeError(self.load_failure)
        if self.restarts > self.limits.worker_restarts:
            raise StudentCodeError("your code crashed or hung too many times; the remaining tests were not run")
        self.restarts += 1
        self.worker = Worker(self.runtime, self.limits, self.namespaces, cpu=self.cpu)
        self.protections = self.worker.protections
        seconds = min(self.limits.load_seconds, self._left())
        try:
            reply = self.worker.request({"op": "load", "cells": self.program.cells}, seconds)
        except protocol.WorkerTimeout:
            self._stop()
            self.load_failure = (f"running your notebook's definitions took over {seconds:.3g} s (does a cell run a"
                                 " long computation at import?); no test could run")
            raise StudentCodeError(self.load_failure) from None
        except (protocol.WorkerGone, protocol.ProtocolError):
            self._stop()
            self.load_failure = ("the sandbox stopped while running your notebook's definitions (a cell calls exit,"
                                 " or uses too much memory); no test could run")
            raise StudentCodeError(self.load_failure) from None
        errors, defined = reply.get("errors"), reply.get("defined")  # worker data: check every field
        self.load_errors = [e for e in errors if isinstance(e, dict)][:20] if isinstance(errors, list) else []
        self.defined = [n for n in defined if isinstance(n, str)][:1000] if isinstance(defined, list) else []

    def _stop(self) -> None:
        if self.worker is not None:
            self.worker.close()
            self.worker = None

    def _left(self) -> float:
        return self.deadline - time.monotonic()

    def call(self, name: str, args: tuple[Any, ...], kwargs: dict[str, Any], timeout: float,
             return_arguments: bool = False) -> Any:
        """The decoded return value of the student's ``name(*args, **kwargs)``; with ``return_arguments`` the
        triple ``(value, args, kwargs)``, the arguments as the call left them."""
        if self._left() <= 0:
            raise StudentCodeError("the time allowed for the whole submission ran out before this test")
        if self.worker is None:
            self._start()
        seconds = min(timeout, self._left())
        functions: list[protocol.FnRef] = []
        message = {"op": "call", "name": name, "args": protocol.encode(list(args), functions=functions),
                   "kwargs": protocol.encode(dict(kwargs), functions=functions), "return_arguments": return_arguments}
        try:
            reply = self.worker.request(message, seconds, _evaluator(functions))  # type: ignore[union-attr]  # _start()
        except protocol.WorkerTimeout:
            self._stop()
            raise StudentCodeError(f"`{name}` did not return within {seconds:.3g} s (an endless loop?)") from None
        except protocol.WorkerGone:
            self._stop()
            raise StudentCodeError(f"the sandbox stopped while `{name}` ran (it exited, or went over a memory,"
                                   " CPU or process limit)") from None
        except protocol.ProtocolError as error:
            self._stop()
            raise StudentCodeError(f"`{name}` produced an answer the grader cannot read ({error})") from None
        if reply.get("ok") is True:
            try:
                value = protocol.decode(reply.get("value"))
                if return_arguments:
                    return value, *_arguments_after(reply, len(args), set(kwargs))
            except protocol.ProtocolError as error:
                raise StudentCodeError(f"`{name}` returned something the grader cannot read ({error})") from None
            return value
        kind = reply.get("kind")
        if kind == "missing":
            candidates = [n for n in self.defined if n not in reference_names()]  # a real exercise is no rename
            similar = difflib.get_close_matches(name, candidates, n=1, cutoff=0.75)
            renamed = f" (did you rename it? your notebook defines `{similar[0]}`)" if similar else ""
            raise StudentCodeError(f"`{name}` is not defined in your notebook{renamed}{self._load_hint()}")
        if kind == "not_implemented":
            raise StudentCodeError(f"`{name}` is not implemented yet (it raises NotImplementedError)")
        raised = str(reply.get("error", "an error"))[:1000]
        trace = str(reply.get("traceback", ""))[:2000]
        raise StudentCodeError(f"`{name}` raised {raised}" + (f"\n{trace}" if trace else ""))

    def _load_hint(self) -> str:
        notes = [f"cell {e.get('cell')}: {e.get('error')}" for e in self.load_errors] + list(self.program.problems)
        return f" (problems while loading: {'; '.join(str(n) for n in notes)[:600]})" if notes else ""

    def close(self) -> None:
        if self.worker is not None:
            try:
                self.worker.request({"op": "bye"}, 0.5)
            except Exception:  # noqa: BLE001 - the worker is killed below either way
                pass
        self._stop()
        if self.cpu is not None:
            affinity.unpin_this_thread()
            self.cpu = None


def _arguments_after(reply: dict[str, Any], count: int, keywords: set[str]) -> tuple[tuple[Any, ...], dict[str, Any]]:
    """The arguments of a call as the student's function left them, decoded as strictly as a return value."""
    args, kwargs = protocol.decode(reply.get("args")), protocol.decode(reply.get("kwargs"))
    if type(args) is not list or len(args) != count or type(kwargs) is not dict or set(kwargs) != keywords:
        raise protocol.ProtocolError("the arguments sent back do not match the call")
    return tuple(args), kwargs


def _evaluator(functions: list[protocol.FnRef]) -> Callable[[dict[str, Any]], dict[str, Any]]:
    """Answers the worker's requests for values of the callbacks of one call, here in the trusted process."""
    built: dict[int, Callable[..., Any]] = {}

    def evaluate(frame: dict[str, Any]) -> dict[str, Any]:
        index = frame.get("callback")
        if type(index) is not int or not 0 <= index < len(functions):
            raise protocol.ProtocolError("callback for an unknown function")
        if index not in built:
            built[index] = callbacks.make(functions[index].name, functions[index].params)
        try:
            args = protocol.decode(frame.get("args"))
            if not isinstance(args, list):
                raise protocol.ProtocolError("callback arguments must be a list")
            with np.errstate(all="ignore"):
                return {"value": protocol.encode(built[index](*args))}
        except Exception as error:  # noqa: BLE001 - the student's arguments made the callback fail
            return {"error": f"{type(error).__name__}: {str(error)[:200]}"}

    return evaluate


class StudentFunction:
    """One of the student's functions as a hidden test calls it: ``fn(*args)`` runs it in the sandbox."""

    def __init__(self, session: _Session, name: str, timeout: float) -> None:
        self._session, self._name, self._timeout = session, name, timeout

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """The decoded return value."""
        return self._session.call(self._name, args, kwargs, self._timeout)

    def with_arguments(self, *args: Any, **kwargs: Any) -> tuple[Any, tuple[Any, ...], dict[str, Any]]:
        """``(value, args_after, kwargs_after)``: the return value, and the arguments (a tuple, a dict) as the call
        left them, for state a function updates in place (batch norm's running averages in ``bn_param``)."""
        return self._session.call(self._name, args, kwargs, self._timeout, return_arguments=True)


class StudentCode:
    """What a hidden test sees as ``student``: ``student.name(*args)`` runs the student's ``name`` in the sandbox."""

    def __init__(self, session: _Session, timeout: float) -> None:
        self._session = session
        self._timeout = timeout

    def __getattr__(self, name: str) -> StudentFunction:
        if name.startswith("_"):
            raise AttributeError(name)
        return StudentFunction(self._session, name, self._timeout)


def unreadable_reason(error: OSError) -> str:
    """What a student is told when their file cannot be read (``error`` is the :class:`OSError`)."""
    return f"the file could not be read ({error.strerror})"


def grade_submission(submission: Submission, runtime: Runtime, limits: Limits, seed: int, namespaces: bool = True
                     ) -> Results:
    """Grade one submission and return its results dictionary (Gradescope's schema plus our fields).

    Never raises for anything the submission does: unreadable files, crashing, hanging or lying code all end in
    results that say why points were lost.

    Parameters
    ----------
    submission : autograder.grade.submissions.Submission
    runtime : autograder.sandbox.Runtime
    limits : autograder.sandbox.Limits
    seed : int
        Seed of the random test inputs, decided where the grading task was made
        (:func:`autograder.grade.batch.default_seed` unless the user replays a run); every result records it.
    namespaces : bool
    """
    seed = int(seed)
    if submission.lab is None or submission.lab not in gradable_lab_ids():
        return not_gradable_results(submission, "cannot tell which lab this is: name the file "
                                    "<student>_<lab>.ipynb, e.g. jdoe_01_gradient_descent.ipynb (course staff: or "
                                    "grade it with --lab)", seed=seed)
    spec = load_spec(submission.lab)
    try:
        program = program_from_notebook(submission.path)
    except NotGradable as error:
        return not_gradable_results(submission, str(error), spec, seed=seed)
    except OSError as error:
        return not_gradable_results(submission, unreadable_reason(error), spec, seed=seed)

    session = _Session(runtime, limits, program, namespaces)
    tests = []
    try:
        for index, test in enumerate(spec.tests):
            rng = np.random.default_rng([seed, index])
            student = StudentCode(session, test.timeout or limits.test_seconds)
            try:
                with np.errstate(all="ignore"):
                    test.fn(rng, student)
                tests.append(test_result(test, test.points, "passed", ""))
            except (TestFailure, StudentCodeError) as failure:
                tests.append(test_result(test, 0, "failed", str(failure)))
            except WorkerError as error:
                tests.append(test_result(test, 0, "failed", f"the sandbox could not start: {error}"))
            except Exception as error:  # noqa: BLE001 - an answer the spec did not foresee fails this test only
                tests.append(test_result(test, 0, "failed", "the grader could not check this answer "
                                         f"({type(error).__name__}); tell the course staff"))
    finally:
        session.close()
    return graded_results(submission, spec, seed, tests, program.problems, session.protections)
