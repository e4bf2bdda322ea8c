"""Hidden tests run the way nbgrader and otter-grader run them natively: in the student's own kernel.

For the side-by-side benchmark (``compare_tools.py``) only. A course that grades with nbgrader or otter alone puts
its hidden tests in cells (or test files) executed in the kernel that just ran the student's notebook; this module
is that test code for dlcv's labs, so all three tools check the same properties on the same kind of random inputs:
each exercise's tests are the hidden spec's own test functions, and ``student.NAME(...)`` calls the kernel's
``NAME`` directly instead of a sandboxed worker. Arguments and return values go through dlcv's wire format
(encode, then decode) so they arrive with the same types the sandbox would give them.

This is *not* safe grading — student code shares the kernel with the tests and the reference module, which is
exactly what dlcv's sandbox avoids.
"""

import numpy as np

from autograder.course import load_spec
from autograder.grade.batch import default_seed
from autograder.grade.spec import StudentCodeError, TestFailure
from autograder.worker import callbacks, protocol


class _InKernelFunction:
    """``student.NAME`` for a hidden test: the kernel's own ``NAME``, called in this process."""

    def __init__(self, namespace, name):
        self._namespace, self._name = namespace, name

    def _call(self, args, kwargs):
        function = self._namespace.get(self._name)
        if not callable(function):
            raise StudentCodeError(f"`{self._name}` is not defined in your notebook")
        functions = []
        encoded = protocol.encode([list(args), dict(kwargs)], functions=functions)
        args, kwargs = protocol.decode(encoded, lambda i: callbacks.make(functions[i].name, functions[i].params))
        try:
            value = function(*args, **kwargs)
        except NotImplementedError:
            raise StudentCodeError(f"`{self._name}` is not implemented yet (it raises NotImplementedError)") from None
        except Exception as error:  # noqa: BLE001 - the student's error fails this test, as in the sandbox
            raise StudentCodeError(f"`{self._name}` raised {type(error).__name__}: {error}") from None
        return protocol.decode(protocol.encode(value)), args, kwargs

    def __call__(self, *args, **kwargs):
        return self._call(args, kwargs)[0]

    def with_arguments(self, *args, **kwargs):
        value, args_after, kwargs_after = self._call(args, kwargs)
        return value, tuple(protocol.decode(protocol.encode(list(args_after)))), \
            protocol.decode(protocol.encode(kwargs_after))


class InKernelStudent:
    """What a hidden test sees as ``student`` when it runs in the student's kernel (``namespace``: its globals)."""

    def __init__(self, namespace):
        self._namespace = namespace

    def __getattr__(self, name):
        if name.startswith("_"):
            raise AttributeError(name)
        return _InKernelFunction(self._namespace, name)


def run_exercise(lab, exercise, namespace, student="native"):
    """Run ``exercise``'s hidden tests on the functions in ``namespace``; raise if any fails.

    Parameters
    ----------
    lab : str
        Lab id, e.g. ``"01_gradient_descent"``.
    exercise : str
        The exercise's grade id.
    namespace : dict
        The student kernel's globals.
    student : str
        Picks the seed of the random inputs (as dlcv's default seed does).

    Returns nothing: nbgrader would take a number shown as the cell's value for partial credit.

    Raises
    ------
    AssertionError
        Naming every failed test and its message (nbgrader and otter show it as the cell's error).
    """
    spec = load_spec(lab)
    seed = default_seed(student, lab)
    failures, run = [], 0
    for index, test in enumerate(spec.tests):
        if test.exercise != exercise:
            continue
        run += 1
        try:
            with np.errstate(all="ignore"):
                test.fn(np.random.default_rng([seed, index]), InKernelStudent(namespace))
        except (TestFailure, StudentCodeError) as failure:
            failures.append(f"{test.name}: {failure}")
    if failures:
        raise AssertionError(f"{len(failures)} of {run} tests of {exercise} failed:\n" + "\n".join(failures))
