"""Public self-checks: ``check(name, fn)`` tests a student's function on small, known cases.

Each public check module in ``labkit.public`` registers checks for the functions of one lab. A failed check says
what was called, what was expected, what came back, and where and by how much the two differ.
"""

import importlib
import pkgutil
import traceback

import numpy as np

_REGISTRY = {}


class CheckFailure(AssertionError):
    """Raised by :func:`check` when a function fails one of its public checks; the message is the report."""


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
        When a check fails; the message names the check, the call, the expected and the received value.
    """
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
    if verbose:  # nothing is returned, so a check on a cell's last line displays no Out[] value
        print(f"\N{CHECK MARK} {name}: all {len(checks)} public checks passed")


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
    if got is None:
        raise CheckFailure(f"  call: {call}\n  got None: did you forget a `return`?")
    try:
        got_arr = np.asarray(got, dtype=float)
    except (TypeError, ValueError):
        raise CheckFailure(f"  call: {call}\n  expected numbers, got {_describe(got)}") from None
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
