"""Lab 7 graded end to end: the solution scores full marks, the stub zero, realistic mistakes lose exactly the
points of the properties they break, including downstream: ``convolve2d`` calls ``cross_correlate2d``, the fast
pooling falls back on the naive functions when the windows do not tile, ``conv_forward_fast`` uses ``im2col`` and
``conv_backward_fast`` uses ``col2im``, and the ConvNet runs the student's fast convolution and pooling."""

import numpy as np
import pytest
from lab_contract import LabContract
from lab_tables import mistakes_of

import solutions.cnn as ref
from helpers import (
    assert_feedback_reveals_no_hidden_values,
    failed_tests,
    grade_notebook,
    replace_function,
    solution_notebook,
)
from labkit import CheckFailure, check

LAB = "07_cnn"
FULL = {"correlation": 5, "sharpen": 2, "output_size": 4, "conv_naive": 8, "conv_fast": 9, "max_pool": 4,
        "avg_pool": 3, "fast_pool": 4, "unpool": 4, "counting": 4, "cnn": 7}


class TestGradingContract(LabContract):
    LAB, FULL, REFERENCE = LAB, FULL, ref


MISTAKES = mistakes_of(LAB).MISTAKES
_CONVNET = mistakes_of(LAB)._CONVNET


def test_the_convnet_template_of_these_tests_is_right(tmp_path):
    """The ConvNet source the wrong answers are made from scores full marks when it regularises the weights only."""
    nb = replace_function(solution_notebook(LAB), "ConvNet", _CONVNET.replace("REGULARISED(key)", 'key[0] == "W"'))
    results = grade_notebook(nb, LAB, tmp_path)
    assert failed_tests(results) == {}


def test_feedback_names_the_failing_property_without_hidden_values(tmp_path):
    nb = replace_function(solution_notebook(LAB), *MISTAKES["dw_missing_the_sum_over_the_batch"][:2])
    failed = failed_tests(grade_notebook(nb, LAB, tmp_path))
    assert list(failed) == ["conv_naive: dw of conv_backward_naive: summed over the batch and all positions"]
    message = next(iter(failed.values()))
    assert message.startswith("dw of conv_backward_naive (x of shape") and "largest error" in message

    nb = replace_function(solution_notebook(LAB), *MISTAKES["switches_are_indices_inside_the_window"][:2])
    (message,) = failed_tests(grade_notebook(nb, LAB, tmp_path)).values()
    assert message.startswith("max_pool_switches(x, pool_param) (x of shape") and "is wrong in" in message


GRADED_REFERENCE_FUNCTIONS = [name for name in dir(ref) if name.endswith(("_forward", "_backward"))] + [
    "cross_correlate2d", "convolve2d", "sharpen_kernel", "im2col", "col2im", "max_pool_switches", "count_parameters",
    "convnet_loss"]

# one wrong answer per kind of message: values, layer gradients, integer switches, the ConvNet's dict
FEEDBACK_CASES = ["convolution_layer_flips_the_kernel", "db_summed_over_the_filters",
                  "col2im_overwrites_instead_of_adding", "switches_are_indices_inside_the_window",
                  "convnet_regularises_the_biases_too"]


@pytest.mark.parametrize("case", FEEDBACK_CASES)
def test_failure_messages_reveal_no_hidden_input_or_reference_value(case, tmp_path, monkeypatch):
    """No failure message contains a number sent to the student's code or computed by the reference."""
    assert_feedback_reveals_no_hidden_values(LAB, ref, GRADED_REFERENCE_FUNCTIONS, MISTAKES[case], tmp_path,
                                             monkeypatch)


# ------------------------------------------------------------------------------------------ public self-checks

REFERENCE_FUNCTIONS = ["cross_correlate2d", "convolve2d", "correlation_equals_convolution", "sharpen_kernel",
                       "conv_output_size", "same_padding", "fitting_strides", "conv_forward_naive",
                       "conv_backward_naive", "im2col", "col2im", "conv_forward_fast", "conv_backward_fast",
                       "max_pool_forward_naive", "max_pool_backward_naive", "avg_pool_forward_naive",
                       "avg_pool_backward_naive", "max_pool_forward_fast", "max_pool_backward_fast",
                       "avg_pool_forward_fast", "avg_pool_backward_fast", "max_pool_switches", "max_unpool_forward",
                       "max_unpool_backward", "count_parameters", "convnet_loss"]


@pytest.mark.parametrize("name", REFERENCE_FUNCTIONS)
def test_public_checks_pass_the_reference(name, capsys):
    check(name, getattr(ref, name))
    assert f"{name}: all" in capsys.readouterr().out


def _namespace(*names):
    """The reference functions a wrong answer's source may call."""
    return {"np": np, "sliding_window_view": np.lib.stride_tricks.sliding_window_view,
            **{n: getattr(ref, n) for n in names}}


def _compile(case, *names):
    import textwrap

    name, source, _ = MISTAKES[case]
    namespace = _namespace(*names)
    exec(textwrap.dedent(source), namespace)
    return name, namespace[name]


@pytest.mark.parametrize("case, needs", [
    ("convolution_flips_only_upside_down", ["cross_correlate2d"]),
    ("cross_correlation_flips_the_kernel", []),
    ("symmetric_means_equal_to_the_transpose", []),
    ("the_notes_sharpen", ["identity_kernel"]),
    ("output_size_rounds_up", []),
    ("same_padding_accepts_even_filters", []),
    ("convolution_layer_flips_the_kernel", []),
    ("padding_on_one_side_only", []),
    ("dw_missing_the_sum_over_the_batch", []),
    ("db_summed_over_the_filters", []),
    ("im2col_with_the_wrong_channel_order", []),
    ("im2col_pads_one_side_only", []),
    ("col2im_overwrites_instead_of_adding", []),
    ("fast_db_summed_over_the_wrong_axis", ["col2im"]),
    ("max_pool_gradient_to_every_entry", []),
    ("avg_pool_gradient_not_divided", []),
    ("fast_max_pool_groups_the_wrong_entries", ["pool_windows_tile", "max_pool_backward_naive"]),
    ("switches_are_indices_inside_the_window", []),
    ("unpool_swaps_height_and_width", []),
    ("conv_parameters_without_biases", []),
])
def test_public_checks_catch_the_wrong_answers(case, needs):
    name, fn = _compile(case, *needs)
    with pytest.raises(CheckFailure):
        check(name, fn)


def test_public_check_of_conv_backward_names_the_call_and_the_gradient():
    _, fn = _compile("dw_missing_the_sum_over_the_batch")
    with pytest.raises(CheckFailure) as failure:
        check("conv_backward_naive", fn)
    message = str(failure.value)
    assert "(N = 2)" in message and "[dw: summed over both samples]" in message and "off by" in message


def test_public_check_of_a_stub_says_it_is_not_implemented():
    def conv_forward_naive(x, w, b, conv_param):
        raise NotImplementedError()

    with pytest.raises(CheckFailure, match="not implemented yet"):
        check("conv_forward_naive", conv_forward_naive)


# ------------------------------------------------------------------------------------------ the executed notebook

def _printed(nb):
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_the_digits_cnn_reaches_97_percent_in_the_executed_notebook():
    nb = solution_notebook(LAB)
    accuracy = float(_printed(nb).split("test accuracy: ")[1].split("%")[0])
    assert accuracy >= 97.0
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))


def test_the_notebook_reproduces_the_notes_table():
    printed = _printed(solution_notebook(LAB))
    for row in ("(28, 28, 8)            6,272           608", "(10, 10, 16)            1,600         3,216",
                "(120, 1)              120        48,120", "(84, 1)               84        10,164",
                "(10, 1)               10           850"):
        assert row in printed
