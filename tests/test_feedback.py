"""Feedback tells students which property failed and by how much, never the hidden inputs or reference values."""

import re

import numpy as np
import pytest

import solutions.gradient_descent as ref
from autograder.grade import runner
from helpers import failed_tests, grade_notebook, replace_function, solution_notebook
from test_lab01_gradient_descent import LAB, WRONG_ANSWERS

NUMBER = re.compile(r"[-+]?\d+(?:\.\d+)?(?:e[-+]?\d+)?")


def _numbers(value):
    if isinstance(value, dict):
        return [n for v in value.values() for n in _numbers(v)] + [n for k in value for n in _numbers(k)]
    if isinstance(value, (list, tuple)):
        return [n for v in value for n in _numbers(v)]
    array = np.asarray(value) if not hasattr(value, "params") else None
    if array is None:
        return _numbers(value.params)
    if array.dtype.kind in "fiu":
        return [float(x) for x in array.ravel()]
    return []


def _significant(token):
    digits = token.lower().split("e")[0].lstrip("+-").replace(".", "").lstrip("0")
    return len(digits)


@pytest.mark.parametrize("case", sorted(WRONG_ANSWERS))
def test_failure_messages_reveal_no_hidden_input_or_reference_value(case, tmp_path, monkeypatch):
    secrets = []
    real_call = runner._Session.call

    def recording_call(self, name, args, kwargs, timeout, **options):
        secrets.extend(_numbers(list(args)) + _numbers(kwargs))
        return real_call(self, name, args, kwargs, timeout, **options)

    monkeypatch.setattr(runner._Session, "call", recording_call)
    for fn_name in ("gradient_descent", "numerical_derivative", "numerical_gradient", "chain_rule_derivative",
                    "nonconvex_grad", "f_2d", "classify_critical_point"):
        real = getattr(ref, fn_name)

        def recording(*args, _real=real, **kwargs):
            result = _real(*args, **kwargs)
            secrets.extend(_numbers(result))
            return result

        monkeypatch.setattr(ref, fn_name, recording)

    name, source, _ = WRONG_ANSWERS[case]
    results = grade_notebook(replace_function(solution_notebook(LAB), name, source), LAB, tmp_path)
    messages = failed_tests(results)
    assert messages and secrets
    secret_texts = {f"{s:.4g}" for s in secrets if np.isfinite(s) and s != int(s)}
    for message in messages.values():
        long_numbers = [t for t in NUMBER.findall(message) if _significant(t) >= 4]
        assert not [t for t in long_numbers if f"{float(t):.4g}" in secret_texts], message
