"""Lab 6 graded end to end: the solution scores full marks, the stub zero, realistic mistakes lose exactly the
points of the properties they break (including what they break downstream: the penalised SGD step runs the
student's penalties)."""

import numpy as np
import pytest

import solutions.regularization as ref
from helpers import (
    assert_feedback_reveals_no_hidden_values,
    assert_solution_scores_full_marks,
    assert_stub_scores_zero,
    assert_wrong_answer_scores,
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


def test_solution_notebook_scores_full_marks(tmp_path):
    assert_solution_scores_full_marks(LAB, FULL, tmp_path)


def test_student_stub_scores_zero_and_says_why(tmp_path):
    assert_stub_scores_zero(LAB, FULL, tmp_path)


# batchnorm_forward with one line changed (RUNNING_MEAN, RUNNING_VAR, VARIANCE stand for the lines that differ)
_BN_FORWARD = '''
def batchnorm_forward(x, gamma, beta, bn_param):
    mode = bn_param["mode"]
    eps = bn_param.get("eps", 1e-5)
    momentum = bn_param.get("momentum", 0.9)
    N, D = x.shape
    running_mean = bn_param.get("running_mean", np.zeros(D))
    running_var = bn_param.get("running_var", np.ones(D))
    if mode == "train":
        mu = x.mean(axis=0)
        var = VARIANCE
        x_hat = (x - mu) / np.sqrt(var + eps)
        out = gamma * x_hat + beta
        running_mean = RUNNING_MEAN
        running_var = RUNNING_VAR
        cache = (x, x_hat, mu, var, gamma, beta, eps)
    else:
        out = gamma * (x - running_mean) / np.sqrt(running_var + eps) + beta
        cache = None
    bn_param["running_mean"] = running_mean
    bn_param["running_var"] = running_var
    return out, cache
'''


def _bn_forward(variance="x.var(axis=0)", running_mean="momentum * running_mean + (1 - momentum) * mu",
                running_var="momentum * running_var + (1 - momentum) * x.var(axis=0, ddof=1)"):
    return (_BN_FORWARD.replace("VARIANCE", variance).replace("RUNNING_MEAN", running_mean)
            .replace("RUNNING_VAR", running_var))


WRONG_ANSWERS = {
    # --- penalties and weight decay
    "l2_gradient_is_2w": ("l2_penalty", """
        def l2_penalty(w):
            return 0.5 * float(np.sum(w * w)), 2.0 * w
        """, {"penalties": 2, "weight_decay": 2}),  # downstream: the L2 step and the path of the two forms
    "l1_subgradient_is_1_at_zero": ("l1_penalty", """
        def l1_penalty(w):
            return float(np.sum(np.abs(w))), np.where(w >= 0, 1.0, -1.0)
        """, {"penalties": 2, "weight_decay": 3}),  # only inputs with exact zeros tell: one penalty and one L1 step test
    "ridge_penalises_the_intercept": ("ridge_fit", """
        def ridge_fit(X, y, lam):
            return np.linalg.solve(X.T @ X + lam * np.eye(X.shape[1]), X.T @ y)
        """, {"overfitting": 1}),  # features are right; lam = 0 passes, but lam > 0 and lam = 1e8 do not
    # --- early stopping
    "early_stopping_keeps_a_reference_not_a_copy": ("EarlyStopping", """
        class EarlyStopping:
            def __init__(self, patience, min_delta=0.0):
                self.patience, self.min_delta = patience, min_delta
                self.best_loss, self.best_epoch, self.best_params = np.inf, -1, None
                self.epoch, self.bad_epochs = -1, 0

            def update(self, val_loss, params):
                self.epoch += 1
                if val_loss < self.best_loss - self.min_delta:
                    self.best_loss, self.best_epoch, self.bad_epochs = val_loss, self.epoch, 0
                    self.best_params = params
                else:
                    self.bad_epochs += 1
                return self.bad_epochs >= self.patience
        """, {"early_stopping": 2}),  # the epochs are right, but the "best" parameters are the last ones
    "early_stopping_waits_one_epoch_too_long": ("EarlyStopping", """
        class EarlyStopping:
            def __init__(self, patience, min_delta=0.0):
                self.patience, self.min_delta = patience, min_delta
                self.best_loss, self.best_epoch, self.best_params = np.inf, -1, None
                self.epoch, self.bad_epochs = -1, 0

            def update(self, val_loss, params):
                self.epoch += 1
                if val_loss < self.best_loss - self.min_delta:
                    self.best_loss, self.best_epoch, self.bad_epochs = val_loss, self.epoch, 0
                    self.best_params = {k: v.copy() for k, v in params.items()}
                else:
                    self.bad_epochs += 1
                return self.bad_epochs > self.patience
        """, {"early_stopping": 0}),  # every run stops one epoch late (stop_epoch is wrong), and in these runs
    #                                   the extra epochs also find new best epochs, so best_params differ too
    # --- dropout
    "dropout_scales_by_p": ("dropout_forward", """
        def dropout_forward(x, dropout_param):
            p, mode = dropout_param["p"], dropout_param["mode"]
            if mode == "train":
                mask = (np.random.default_rng(dropout_param.get("seed")).random(x.shape) < 1 - p) / p
                return x * mask, (dropout_param, mask)
            return x.copy(), (dropout_param, None)
        """, {"dropout": 3}),  # training output and the mean activation are off; test mode and backward pass
    "dropout_p_is_the_keep_probability": ("dropout_forward", """
        def dropout_forward(x, dropout_param):
            p, mode = dropout_param["p"], dropout_param["mode"]
            if mode == "train":
                mask = (np.random.default_rng(dropout_param.get("seed")).random(x.shape) < p) / p
                return x * mask, (dropout_param, mask)
            return x.copy(), (dropout_param, None)
        """, {"dropout": 3}),  # the mask and the share of dropped units are wrong (the statistics use p != 0.5)
    "dropout_applied_in_test_mode": ("dropout_forward", """
        def dropout_forward(x, dropout_param):
            p = dropout_param["p"]
            mask = (np.random.default_rng(dropout_param.get("seed")).random(x.shape) < 1 - p) / (1 - p)
            return x * mask, (dropout_param, mask)
        """, {"dropout": 4}),  # only the test-mode forward test can tell
    "noninverted_test_scales_by_p": ("dropout_forward_noninverted", """
        def dropout_forward_noninverted(x, dropout_param):
            p, mode = dropout_param["p"], dropout_param["mode"]
            if mode == "train":
                mask = (np.random.default_rng(dropout_param.get("seed")).random(x.shape) < 1 - p).astype(float)
                return x * mask, (dropout_param, mask)
            return p * x, (dropout_param, None)
        """, {"dropout_noninverted": 1}),
    # --- batch norm
    "batchnorm_normalises_with_the_unbiased_variance": ("batchnorm_forward", _bn_forward(variance="x.var(axis=0,"
                                                                                                 " ddof=1)"),
                                                        {"batchnorm_forward": 3}),
    # out is wrong in training (and with the defaults); the running averages, computed from var * N / (N - 1) as
    # the docstring says, would be too, but this student takes the unbiased variance for them directly: right
    "running_average_with_momentum_on_the_wrong_term": (
        "batchnorm_forward", _bn_forward(running_mean="(1 - momentum) * running_mean + momentum * mu",
                                         running_var="(1 - momentum) * running_var + momentum * x.var(axis=0, ddof=1)"),
        {"batchnorm_forward": 2}),  # out is right in training and in test mode; every running-average test fails
    "running_variance_is_the_biased_one": ("batchnorm_forward", _bn_forward(
        running_var="momentum * running_var + (1 - momentum) * x.var(axis=0)"), {"batchnorm_forward": 2}),
    "backward_forgets_the_means_path": ("batchnorm_backward", """
        def batchnorm_backward(dout, cache):
            x, x_hat, mu, var, gamma, beta, eps = cache
            N = x.shape[0]
            std = np.sqrt(var + eps)
            dbeta = dout.sum(axis=0)
            dgamma = (dout * x_hat).sum(axis=0)
            dx_hat = gamma * dout
            dvar = np.sum(dx_hat * (x - mu), axis=0) * -0.5 / std ** 3
            dx = dx_hat / std + dvar * 2.0 * (x - mu) / N
            return dx, dgamma, dbeta
        """, {"batchnorm_backward": 1}),  # dgamma and dbeta are right; dx is wrong wherever it is tested
    "closed_form_forgets_the_mean_of_dout": ("batchnorm_backward_alt", """
        def batchnorm_backward_alt(dout, cache):
            x, x_hat, mu, var, gamma, beta, eps = cache
            N = x.shape[0]
            dgamma = (dout * x_hat).sum(axis=0)
            dx = gamma / (N * np.sqrt(var + eps)) * (N * dout - x_hat * dgamma)
            return dx, dgamma, dout.sum(axis=0)
        """, {"batchnorm_backward_alt": 1}),
    "dgamma_summed_over_the_wrong_axis": ("batchnorm_backward_alt", """
        def batchnorm_backward_alt(dout, cache):
            x, x_hat, mu, var, gamma, beta, eps = cache
            N = x.shape[0]
            dx = gamma / (N * np.sqrt(var + eps)) * (N * dout - dout.sum(axis=0) - x_hat * (dout * x_hat).sum(axis=0))
            return dx, (dout * x_hat).sum(axis=1), dout.sum(axis=0)
        """, {"batchnorm_backward_alt": 2}),  # dx is right (its own test passes); dgamma fails both other tests
    # --- augmentation, label smoothing, ensembles
    "flip_on_the_height_axis": ("random_flip", """
        def random_flip(x, rng, p=0.5):
            flip = rng.random(x.shape[0]) < p
            return np.where(flip[:, None, None, None], x[:, :, ::-1, :], x)
        """, {"augmentation": 3}),
    "crop_pads_on_one_side_only": ("random_crop", """
        def random_crop(x, rng, pad):
            N, C, H, W = x.shape
            padded = np.pad(x, ((0, 0), (0, 0), (0, pad), (0, pad)))
            top = rng.integers(0, pad + 1, size=N)
            left = rng.integers(0, pad + 1, size=N)
            rows = top[:, None] + np.arange(H)
            cols = left[:, None] + np.arange(W)
            return padded[np.arange(N)[:, None, None, None], np.arange(C)[None, :, None, None],
                          rows[:, None, :, None], cols[:, None, None, :]]
        """, {"augmentation": 3}),  # pad = 0 still works, but the one crop test covers pads 0..3 (2 points)
    "label_smoothing_spreads_over_all_classes": ("smooth_labels", """
        def smooth_labels(y, num_classes, epsilon=0.1):
            targets = np.full((len(y), num_classes), epsilon / num_classes)
            targets[np.arange(len(y)), y] += 1.0 - epsilon
            return targets
        """, {"label_smoothing": 2}),  # the soft cross-entropy is tested on the reference's targets
    "ensemble_averages_the_scores": ("ensemble_predict", """
        def ensemble_predict(scores):
            probs = softmax(scores.mean(axis=0))
            return probs, np.argmax(probs, axis=1)
        """, {"ensembles": 1}),  # the probabilities are wrong, and so are some labels (3 of 16 in the second test
    #                             at this seed): a geometric mean lets one over-confident model outvote the others
    "bootstrap_without_replacement": ("bootstrap_indices", """
        def bootstrap_indices(n, rng):
            return rng.permutation(n)
        """, {"ensembles": 2}),
    "snapshot_schedule_never_restarts": ("cyclic_cosine_lr", """
        def cyclic_cosine_lr(step, cycle_length, lr_max, lr_min=0.0):
            return cosine_lr(min(step, cycle_length), cycle_length, lr_max, lr_min)
        """, {"snapshots": 0}),
}


@pytest.mark.parametrize("case", sorted(WRONG_ANSWERS))
def test_realistic_wrong_answer_loses_exactly_its_points(case, tmp_path):
    assert_wrong_answer_scores(LAB, FULL, WRONG_ANSWERS[case], tmp_path)


def test_feedback_names_the_failing_property_without_hidden_values(tmp_path):
    nb = replace_function(solution_notebook(LAB), "batchnorm_forward",
                          WRONG_ANSWERS["running_average_with_momentum_on_the_wrong_term"][1])
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

    nb = replace_function(solution_notebook(LAB), "dropout_forward", WRONG_ANSWERS["dropout_scales_by_p"][1])
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
    assert_feedback_reveals_no_hidden_values(LAB, ref, GRADED_REFERENCE_FUNCTIONS, WRONG_ANSWERS[case], tmp_path,
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
