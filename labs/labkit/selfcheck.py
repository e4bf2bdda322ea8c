"""Public self-checks: ``check(name, fn)`` tests a student's function on small, known cases.

Each public check module in ``labkit.public`` registers checks for the functions of one lab. A failed check says
what was called, what was expected, what came back, and where and by how much the two differ.
"""

import importlib
import os
import pkgutil
import traceback

import numpy as np

from .acceptance import as_float_array, as_int_array

_REGISTRY = {}


class CheckFailure(AssertionError):
    """Raised by :func:`check` when a function fails one of its public checks; the message is the report.

    IPython shows a raised CheckFailure as its message alone (``_render_traceback_``): the frames inside labkit
    would only hide what went wrong.
    """

    def _render_traceback_(self):
        return [f"\N{BALLOT X} {line}" if i == 0 else line for i, line in enumerate(str(self).splitlines())]


class _FailedCheck:
    """How a failed check shows in a notebook when it does not stop the run: the report, in red, no traceback."""

    def __init__(self, failure):
        self.text = f"\N{BALLOT X} {failure}"

    def __repr__(self):
        return self.text

    def _repr_html_(self):
        import html

        return ('<pre style="color:#b00020;background:#fff0f0;border-left:4px solid #b00020;padding:6px 10px;'
                f'white-space:pre-wrap">{html.escape(self.text)}</pre>')


def _stops_on_failure():
    """Whether a failed check raises (and so stops the run) instead of only showing its report.

    It shows only, so that Run All goes on past an unfinished exercise, when it runs in a student's notebook
    kernel; it raises everywhere a failure must count: under nbgrader's Validate and autograder
    (``NBGRADER_EXECUTION``), in ``dlcv check`` and the build (``DLCV_STRICT_CHECKS``), and outside IPython
    (scripts, tests).
    """
    if os.environ.get("NBGRADER_EXECUTION") or os.environ.get("DLCV_STRICT_CHECKS"):
        return True
    try:
        from IPython import get_ipython
    except ImportError:
        return True
    shell = get_ipython()
    return shell is None or type(shell).__name__ != "ZMQInteractiveShell"


def public_check(name):
    """Register the decorated function as a public check of the student function ``name``.

    The check receives the student's function and raises :class:`CheckFailure` (via :func:`expect_close` and
    friends) when it misbehaves. Its docstring's first line is the check's title in reports.
    """

    def register(check_fn):
        _REGISTRY.setdefault(name, []).append(check_fn)
        return check_fn

    return register


def registered_checks():
    """All public checks by function name (loads every module of ``labkit.public``)."""
    from . import public

    for module in pkgutil.iter_modules(public.__path__):
        importlib.import_module(f"{public.__name__}.{module.name}")
    return _REGISTRY


def check(name, fn, verbose=True):
    """Run the public self-checks of the function ``name`` on ``fn``.

    Parameters
    ----------
    name : str
        The function's name in the lab, e.g. ``"gradient_descent"``.
    fn : callable
        Your implementation.
    verbose : bool
        Print a line when every check passes.

    Raises
    ------
    CheckFailure
        When a check fails, except in a student's notebook kernel, where the report is shown and the notebook
        goes on (see :func:`_stops_on_failure`). The message names the check, the call, the expected and the
        received value.
    """
    try:
        count = _run_checks(name, fn)
    except CheckFailure as failure:
        if _stops_on_failure():
            raise
        from IPython.display import display

        display(_FailedCheck(failure))
        return
    if verbose:  # nothing is returned, so a check on a cell's last line displays no Out[] value
        print(f"\N{CHECK MARK} {name}: all {count} public checks passed")


def _run_checks(name, fn):
    """Run every public check of ``name`` on ``fn``; return how many ran, or raise :class:`CheckFailure`."""
    checks = registered_checks().get(name)
    if not checks:
        known = ", ".join(sorted(registered_checks()))
        raise KeyError(f"no public checks are named {name!r}; known names: {known}")
    for check_fn in checks:
        title = (check_fn.__doc__ or check_fn.__name__).strip().splitlines()[0]
        try:
            check_fn(fn)
        except CheckFailure as failure:
            raise CheckFailure(f"{name}: public check failed: {title}\n{failure}") from None
        except NotImplementedError:
            raise CheckFailure(
                f"{name} is not implemented yet: replace `raise NotImplementedError()` in its cell with your code"
            ) from None
        except Exception as error:  # the student's code raised: show where, without labkit's own frames
            frames = traceback.extract_tb(error.__traceback__)[1:]
            where = "".join(traceback.format_list(frames[-3:]))
            raise CheckFailure(
                f"{name}: public check failed: {title}\n"
                f"  your function raised {type(error).__name__}: {error}\n{where}"
            ) from None
    return len(checks)


def check_all(exercises, namespace):
    """Run every exercise's public checks and show one line per exercise: passed, failed or not implemented.

    Parameters
    ----------
    exercises : dict of str -> (list of str, float)
        Exercise name -> (its functions, its autograded points), in notebook order (the build writes this).
    namespace : dict
        Where the functions are defined: ``globals()`` of the notebook.

    Returns
    -------
    dict of str -> str
        Exercise -> ``"passed"``, ``"failed"`` or ``"not implemented"``.
    """
    status, lines = {}, []
    for exercise, (functions, points) in exercises.items():
        checked = [f for f in functions if f in registered_checks()]
        missing = [f for f in checked if not callable(namespace.get(f))]
        failure = f"`{missing[0]}` is not defined: run its cell" if missing else _first_failure(checked, namespace)
        unfinished = failure is not None and "is not implemented yet" in failure.splitlines()[0]
        status[exercise] = "passed" if failure is None else "not implemented" if unfinished else "failed"
        mark = {"passed": "\N{CHECK MARK}", "failed": "\N{BALLOT X}", "not implemented": "\N{WHITE CIRCLE}"}
        lines.append(f"{mark[status[exercise]]} {exercise:<24} {_points(points):>10}   {status[exercise]}"
                     + (f": {failure.splitlines()[0]}" if status[exercise] == "failed" else ""))
    done = sum(s == "passed" for s in status.values())
    total = sum(points for _, points in exercises.values())
    earned = sum(points for name, (_, points) in exercises.items() if status[name] == "passed")
    lines.append(f"{done} of {len(status)} exercises pass their public checks ({earned:g} of {_points(total)} if the"
                 " hidden tests agree)")
    print("\n".join(lines))
    return status


def _first_failure(functions, namespace):
    """The report of the first of ``functions`` whose public checks fail, or None when all pass."""
    for function in functions:
        try:
            _run_checks(function, namespace[function])
        except CheckFailure as error:
            return str(error)
    return None


def _points(value):
    return f"{value:g} point" + ("" if value == 1 else "s")


def _describe(value):
    if isinstance(value, np.ndarray):
        return f"array of shape {value.shape} and dtype {value.dtype}"
    return f"{type(value).__name__} {value!r}"


def expect_close(got, expected, call, rtol=1e-7, atol=1e-10):
    """Fail unless ``got`` matches ``expected`` in type family, shape and value.

    Parameters
    ----------
    got : object
        What the student's function returned.
    expected : float or ndarray
        The known right answer.
    call : str
        How the function was called, shown in the report.
    rtol, atol : float
        Tolerance: entries may differ by ``atol + rtol * |expected|``.
    """
    expected_arr = np.asarray(expected, dtype=float)
    got_arr, problem = as_float_array(got, allow_scalar=expected_arr.ndim == 0)  # the grader's rule, its words
    if problem:
        raise CheckFailure(f"  call: {call}\n  the result {problem}")
    if got_arr.shape != expected_arr.shape:
        raise CheckFailure(
            f"  call: {call}\n  expected shape {expected_arr.shape}, got shape {got_arr.shape} ({_describe(got)})"
        )
    if not np.all(np.isfinite(got_arr)):
        bad = tuple(int(i) for i in np.argwhere(~np.isfinite(got_arr))[0])
        raise CheckFailure(f"  call: {call}\n  got a non-finite value {got_arr[bad]} at index {bad}")
    error = np.abs(got_arr - expected_arr)
    allowed = atol + rtol * np.abs(expected_arr)
    if np.any(error > allowed):
        index = np.unravel_index(np.argmax(error - allowed), error.shape)
        where = f" at index {tuple(int(i) for i in index)}" if error.ndim else ""
        raise CheckFailure(
            f"  call: {call}\n  expected {expected_arr[index]:.10g}, got {got_arr[index]:.10g}{where}"
            f" (off by {error[index]:.3g}; allowed {allowed[index]:.3g})"
        )


def expect_equal(got, expected, call):
    """Fail unless ``got == expected`` (for labels, strings, dictionaries of answers)."""
    if got != expected:
        raise CheckFailure(f"  call: {call}\n  expected {expected!r}, got {got!r}")


def expect_integers(got, expected, call):
    """Fail unless ``got`` is an integer array (labels, indices) equal to ``expected``, by the grader's rule."""
    expected = np.asarray(expected)
    got_arr, problem = as_int_array(got)
    if problem:
        raise CheckFailure(f"  call: {call}\n  the result {problem}")
    if got_arr.shape != expected.shape:
        raise CheckFailure(f"  call: {call}\n  expected shape {expected.shape}, got shape {got_arr.shape}")
    wrong = np.flatnonzero(got_arr.ravel() != expected.ravel())
    if wrong.size:
        i = int(wrong[0])
        raise CheckFailure(f"  call: {call}\n  expected {expected.tolist()}, got {got_arr.tolist()}"
                           f" (first difference at flat index {i}: expected {expected.ravel()[i]}, got"
                           f" {got_arr.ravel()[i]})")
