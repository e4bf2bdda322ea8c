"""Lab 6 graded end to end: the solution scores full marks, the stub zero, realistic mistakes lose exactly the
points of the properties they break (including what they break downstream: the penalised SGD step runs the
student's penalties)."""

import numpy as np
import pytest
from lab_contract import LabContract
from lab_tables import mistakes_of

import solutions.regularization as ref
from helpers import (
    assert_feedback_reveals_no_hidden_values,
    failed_tests,
    grade_notebook,
    replace_function,
    solution_notebook,
)
from labkit import CheckFailure, check

LAB = "06_regularization"
FULL = {"penalties": 3, "weight_decay": 4, "l1_sparsity": 2, "overfitting": 3, "early_stopping": 3, "dropout": 5,
        "dropout_noninverted": 2, "batchnorm_forward": 5, "batchnorm_backward": 4, "batchnorm_backward_alt": 4,
        "augmentation": 5, "label_smoothing": 3, "ensembles": 3, "snapshots": 2}


class TestGradingContract(LabContract):
    LAB, FULL, REFERENCE = LAB, FULL, ref


MISTAKES = mistakes_of(LAB).MISTAKES


def test_feedback_names_the_failing_property_without_hidden_values(tmp_path):
    nb = replace_function(solution_notebook(LAB), "batchnorm_forward",
                          MISTAKES["running_average_with_momentum_on_the_wrong_term"][1])
    failed = failed_tests(grade_notebook(nb, LAB, tmp_path))
    assert sorted(failed) == ["batchnorm_forward: one training call updates bn_param's running mean and (unbiased)"
                              " running variance with momentum",
                              "batchnorm_forward: six training batches with bn_param carried from call to call, then"
                              " test mode uses the running averages",
                              "batchnorm_forward: with only 'mode' given: eps 1e-5, momentum 0.9, running averages from"
                              " zeros and ones"]
    state = failed["batchnorm_forward: six training batches with bn_param carried from call to call, then test mode"
                   " uses the running averages"]
    assert state.startswith("bn_param['running_mean'] after training batch 1 is wrong in")

    nb = replace_function(solution_notebook(LAB), "dropout_forward", MISTAKES["dropout_scales_by_p"][1])
    messages = failed_tests(grade_notebook(nb, LAB, tmp_path))
    assert "1 / (1 - p)" in messages["dropout: on 40,000 units: a share p is dropped and the mean activation is kept"
                                     " (E[out] = x)"]


GRADED_REFERENCE_FUNCTIONS = ["l2_penalty", "l1_penalty", "penalized_sgd_step", "weight_decay_step",
                              "l1_proximal_step", "polynomial_features", "ridge_fit", "early_stopping_run",
                              "dropout_forward", "dropout_backward", "dropout_forward_noninverted", "batchnorm_forward",
                              "batchnorm_backward", "batchnorm_backward_alt", "random_flip", "random_crop",
                              "add_gaussian_noise", "smooth_labels", "soft_cross_entropy", "ensemble_predict",
                              "bootstrap_indices", "cyclic_cosine_lr"]

# one wrong answer per kind of message: a penalty, state read back, a backward pass, early stopping, augmentation
FEEDBACK_CASES = ["l2_gradient_is_2w", "running_average_with_momentum_on_the_wrong_term",
                  "backward_forgets_the_means_path", "early_stopping_keeps_a_reference_not_a_copy",
                  "crop_pads_on_one_side_only", "ridge_penalises_the_intercept"]


@pytest.mark.parametrize("case", FEEDBACK_CASES)
def test_failure_messages_reveal_no_hidden_input_or_reference_value(case, tmp_path, monkeypatch):
    """No failure message contains a number sent to the student's code or computed by the reference."""
    assert_feedback_reveals_no_hidden_values(LAB, ref, GRADED_REFERENCE_FUNCTIONS, MISTAKES[case], tmp_path,
                                             monkeypatch)


# ------------------------------------------------------------------------------------------ public self-checks

REFERENCE_FUNCTIONS = GRADED_REFERENCE_FUNCTIONS


@pytest.mark.parametrize("name", REFERENCE_FUNCTIONS)
def test_public_checks_pass_the_reference(name, capsys):
    check(name, getattr(ref, name))
    assert f"{name}: all" in capsys.readouterr().out


def test_public_check_of_batchnorm_forward_wants_the_unbiased_running_variance():
    def batchnorm_forward(x, gamma, beta, bn_param):
        out, cache = ref.batchnorm_forward(x, gamma, beta, bn_param)
        if bn_param["mode"] == "train":  # undo the N / (N - 1): the biased variance
            m = bn_param.get("momentum", 0.9)
            bn_param["running_var"] = m * 1.0 + (1 - m) * x.var(axis=0)
        return out, cache

    with pytest.raises(CheckFailure) as failure:
        check("batchnorm_forward", batchnorm_forward)
    message = str(failure.value)
    assert "bn_param['running_var']" in message and "UNBIASED" in message and "expected 1.7, got 1.3 at index (1,)" in message


def test_public_check_of_the_graph_backward_catches_a_forgotten_mean_path():
    def batchnorm_backward(dout, cache):
        x, x_hat, mu, var, gamma, beta, eps = cache
        dx, dgamma, dbeta = ref.batchnorm_backward(dout, cache)
        return dx - gamma / np.sqrt(var + eps) * (-dout.mean(axis=0)), dgamma, dbeta  # drop the mean's share

    with pytest.raises(CheckFailure, match="dx disagrees with the numeric gradient"):
        check("batchnorm_backward", batchnorm_backward)


def test_public_check_of_dropout_names_the_scaling():
    def dropout_forward(x, dropout_param):
        out, cache = ref.dropout_forward(x, dropout_param)
        return out * (1 - dropout_param["p"]) if dropout_param["mode"] == "train" else out, cache

    with pytest.raises(CheckFailure) as failure:
        check("dropout_forward", dropout_forward)
    assert "dropout_forward(x, {'p': 0.5, 'mode': 'train', 'seed': 0})" in str(failure.value)


def test_public_check_of_early_stopping_catches_the_last_parameters():
    def early_stopping_run(val_losses, param_history, patience, min_delta=0.0):
        best, stop, _ = ref.early_stopping_run(val_losses, param_history, patience, min_delta)
        return best, stop, {k: v[stop].copy() for k, v in param_history.items()}

    with pytest.raises(CheckFailure, match=r"best_params\['W'\], those of epoch 4"):
        check("early_stopping_run", early_stopping_run)


def test_public_check_of_label_smoothing_is_the_notes_convention():
    def smooth_labels(y, num_classes, epsilon=0.1):
        return (1 - epsilon) * np.eye(num_classes)[y] + epsilon / num_classes

    with pytest.raises(CheckFailure, match="smooth_labels"):
        check("smooth_labels", smooth_labels)


def test_public_check_of_a_stub_says_it_is_not_implemented():
    def l2_penalty(w):
        raise NotImplementedError()

    with pytest.raises(CheckFailure, match="not implemented yet"):
        check("l2_penalty", l2_penalty)


# ------------------------------------------------------------------------------------------ the executed notebook


def _printed(nb):
    return "".join(o.get("text", "") for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []))


def test_the_executed_notebook_shows_what_its_narrative_claims():
    nb = solution_notebook(LAB)
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))
    printed = _printed(nb)
    # the proximal step gives exact zeros, the others none
    assert "L1 proximal steps (α = 0.2): largest |w| among the 35 useless features 0.0000" in printed
    # batch norm survives the learning rate that kills the plain network
    plain = float(printed.split("plain, learning rate 1.0: validation accuracy ")[1].split()[0])
    batchnorm = float(printed.split("batch norm, learning rate 1.0: validation accuracy ")[1].split()[0])
    assert plain < 0.2 < 0.9 < batchnorm
    # bagging and the snapshot ensemble beat their best members on the held-out digits
    for name in ("bagging", "snapshots (one run)"):
        line = printed.split(f"{name}: accuracy of the members")[1].split("\n")[0]
        best = float(line.split("best ")[1].split(")")[0])
        ensemble = float(line.split("of the ensemble ")[1].split(";")[0])
        assert ensemble > best, line
