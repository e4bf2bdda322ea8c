"""Lab 8 graded end to end: the solution scores full marks, the stub zero, realistic mistakes lose exactly the
points of the properties they break (including downstream: the given trainer runs the student's linear loss,
denoising_loss runs the student's autoencoder_loss and corrupt, the adjoint test runs the student's forward pass).
Also: other correct ways of writing the transposed convolution score full marks, the public checks, the feedback
leak test, and the tolerance margins of the hidden spec."""

import sys
from pathlib import Path

import numpy as np
import pytest
from lab_contract import LabContract
from lab_tables import mistakes_of

import solutions.autoencoder as ref
from helpers import (
    assert_feedback_reveals_no_hidden_values,
    exercise_scores,
    failed_tests,
    grade_notebook,
    replace_function,
    solution_notebook,
)
from labkit import CheckFailure, check

sys.path.insert(0, str(Path(__file__).resolve().parents[3] / "benchmarks"))
import lab08_tolerances  # noqa: E402

LAB = "08_autoencoders"
FULL = {"pca": 4, "angles": 3, "linear_ae": 5, "autoencoder": 5, "denoising": 3, "size": 2, "conv_transpose": 8,
        "conv_matrix": 2, "upsampling": 3}


MISTAKES = mistakes_of(LAB).MISTAKES
_gather, _NAIVE_FORWARD, _NAIVE_BACKWARD = (mistakes_of(LAB)._gather, mistakes_of(LAB)._NAIVE_FORWARD,
                                            mistakes_of(LAB)._NAIVE_BACKWARD)
_with_helper = mistakes_of(LAB).make


class TestGradingContract(LabContract):
    LAB, FULL, REFERENCE = LAB, FULL, ref


@pytest.mark.parametrize("forward, backward", [(_gather("w[:, :, ::-1, ::-1]"), None),
                                               (_NAIVE_FORWARD, _NAIVE_BACKWARD)], ids=["gather_form", "naive_loops"])
def test_other_correct_transposed_convolutions_score_full_marks(forward, backward, tmp_path):
    nb = replace_function(solution_notebook(LAB), "conv_transpose_forward", forward)
    if backward:
        nb = replace_function(nb, "conv_transpose_backward", backward)
    results = grade_notebook(nb, LAB, tmp_path)
    assert failed_tests(results) == {}
    assert exercise_scores(results) == FULL


# ------------------------------------------------------------------------------------------ feedback

def test_feedback_names_the_failing_property_without_hidden_values(tmp_path):
    name, source, _ = MISTAKES["conv_transpose_pads_instead_of_cropping"]
    failed = failed_tests(grade_notebook(_with_helper(solution_notebook(LAB), name, source), LAB, tmp_path))
    assert sorted(failed) == [
        "conv_transpose: <conv(x), y> = <x, conv_transpose(y)> with the same w, for strides and pads where the sizes"
        " fit",
        "conv_transpose: forward with padding: pad rows and columns are cropped from every border"]
    assert all("has shape" in message for message in failed.values())

    name, source, _ = MISTAKES["linear_ae_encoder_gradient_uses_W1_in_place_of_W2"]
    failed = failed_tests(grade_notebook(_with_helper(solution_notebook(LAB), name, source), LAB, tmp_path))
    message = failed["linear_ae: the given fit_linear_autoencoder, running your loss, finds PCA's subspace (< 1 degree)"
                     " and error (< 1 %)"]
    assert message.startswith("after 2000 Adam steps on your loss, the decoder's rows are up to")


GRADED_REFERENCE_FUNCTIONS = ["pca_fit", "pca_reconstruct", "principal_angles", "linear_autoencoder_loss",
                              "autoencoder_loss", "corrupt", "denoising_loss", "conv_transpose_output_size",
                              "conv_transpose_forward", "conv_transpose_backward", "conv_matrix", "upsampling_weights"]

# one wrong answer per kind of message: PCA columns, angles, the fit, layer gradients, the adjoint, the AE's dict
FEEDBACK_CASES = ["pca_components_taken_as_columns_of_vt", "angles_without_orthonormalising",
                  "linear_ae_encoder_gradient_uses_W1_in_place_of_W2", "conv_transpose_kernel_not_flipped",
                  "conv_transpose_dw_in_the_convolutions_layout", "autoencoder_forgets_the_sigmoid_derivative",
                  "size_without_the_value_error"]


@pytest.mark.parametrize("case", FEEDBACK_CASES)
def test_failure_messages_reveal_no_hidden_input_or_reference_value(case, tmp_path, monkeypatch):
    """No failure message contains a number sent to the student's code or computed by the reference."""
    assert_feedback_reveals_no_hidden_values(LAB, ref, GRADED_REFERENCE_FUNCTIONS, MISTAKES[case], tmp_path,
                                             monkeypatch)


# ------------------------------------------------------------------------------------------ tolerances

def test_tolerances_leave_margin():
    """The reference, graded by the hidden tests in process, stays far inside every tolerance (30 seeds here;
    benchmarks/lab08_tolerances.py runs 2,000)."""
    worst, module = lab08_tolerances.measure(30)
    assert worst["gradient rel. error"] < module.GRAD_TOL / 10
    assert worst["value error / allowed"] < 0.1
    assert worst["fit angle (degrees)"] < module.FIT_MAX_ANGLE / 1.5
    assert worst["fit error ratio - 1"] < module.FIT_ERROR_RATIO / 10


# ------------------------------------------------------------------------------------------ public self-checks

REFERENCE_FUNCTIONS = GRADED_REFERENCE_FUNCTIONS


@pytest.mark.parametrize("name", REFERENCE_FUNCTIONS)
def test_public_checks_pass_the_reference(name, capsys):
    check(name, getattr(ref, name))
    assert f"{name}: all" in capsys.readouterr().out


def _namespace(source, **extra):
    import textwrap

    namespace = {"np": np, **extra}
    exec(textwrap.dedent(source), namespace)  # noqa: S102 - the test's own wrong answers
    return namespace


@pytest.mark.parametrize("case, needle", [
    ("pca_without_centring", "[components]"),
    ("pca_components_taken_as_columns_of_vt", "d1 = (0.6, 0.8, 0)"),  # the 2-D case cannot tell
    ("pca_smallest_eigenvalues_of_the_covariance", "[components]"),
    ("angles_without_orthonormalising", "the line through (1, 0, 1)"),
    ("linear_ae_mse_gradient_missing_the_2", "[grads['W1']]"),
    ("denoising_loss_against_the_noisy_input", "[loss: against the clean X]"),
    ("size_with_the_convolutions_formula", "conv_transpose_output_size(3, 3, pad=0, stride=1)"),
    ("size_without_the_value_error", "expected ValueError"),
    ("conv_transpose_kernel_not_flipped", "w = [[1, 2], [3, 4]]"),
    ("conv_transpose_pads_instead_of_cropping", "'pad': 1"),
    ("conv_transpose_stride_between_kernel_taps", "w = [[1]] (1x1)"),
    ("upsampling_mixes_the_channels", "[w: channel c only feeds channel c]"),
])
def test_public_checks_catch_the_wrong_answers(case, needle):
    name, source, _ = MISTAKES[case]
    extra = {}
    if name == "denoising_loss":
        extra = {"corrupt": ref.corrupt, "autoencoder_loss": ref.autoencoder_loss}
    if name == "upsampling_weights":
        extra = {"ref_upsampling": ref.upsampling_weights}
    with pytest.raises(CheckFailure) as failure:
        check(name, _namespace(source, **extra)[name], verbose=False)
    assert needle in str(failure.value)


def test_public_check_of_conv_transpose_backward_catches_the_wrong_layout_and_axes():
    for case in ("conv_transpose_db_summed_over_the_wrong_axes", "conv_transpose_dw_in_the_convolutions_layout"):
        name, source, _ = MISTAKES[case]
        with pytest.raises(CheckFailure):
            check(name, _namespace(source, ref_backward=ref.conv_transpose_backward)[name], verbose=False)


def test_public_check_of_a_stub_says_it_is_not_implemented():
    def conv_transpose_forward(x, w, b, conv_param):
        raise NotImplementedError()

    with pytest.raises(CheckFailure, match="not implemented yet"):
        check("conv_transpose_forward", conv_transpose_forward)


# ------------------------------------------------------------------------------------------ the notebook's claims

def test_the_executed_notebook_shows_the_labs_claims():
    nb = solution_notebook(LAB)
    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
    assert not any(o.get("output_type") == "error" for o in outputs)
    printed = "".join(o.get("text", "") for o in outputs)
    angles = printed.split("PCA's subspace: [")[1].split("]")[0]
    assert max(float(a) for a in angles.split()) < 1.0
    ratio = float(printed.split("linear autoencoder ")[1].split("(")[1].split("%")[0])
    assert abs(ratio) < 1.0
    noisy, plain, denoised = (float(printed.split(f"{name}: ")[1].split()[0]) for name in (
        "the noisy input itself", "plain autoencoder, k = 16", "denoising autoencoder, k = 16"))
    assert denoised < plain < noisy
    assert sum(1 for o in outputs if "image/png" in o.get("data", {})) >= 11
