"""Lab 6's realistic mistakes, the one table: ``MISTAKES`` maps a name to (the function replaced, its wrong source,
{exercise: expected score} for the exercises it costs points; every other exercise keeps full marks).

``BOB`` names the mistakes of Bob's example notebook (examples/submissions/bob_06_regularization.ipynb, written by
examples/make_examples.py). Bob's Lab 6: his L2 penalty has the gradient 2w (the convention without the 1/2), his
batch norm puts the momentum on the new batch statistics instead of the old running averages, and his dropout also
drops units in test mode.
"""

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


MISTAKES = {
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
    # Bob's own words for mistakes above (examples/submissions/bob_*.ipynb is made of them)
    "l2_gradient_is_2w_as_bob_wrote_it": ("l2_penalty", """
        def l2_penalty(w):
            return 0.5 * float(np.sum(w ** 2)), 2 * w
        """, {'penalties': 2, 'weight_decay': 2}),
    "running_average_with_momentum_on_the_wrong_term_as_bob_wrote_it": ("batchnorm_forward", """
        def batchnorm_forward(x, gamma, beta, bn_param):
            mode = bn_param["mode"]
            eps = bn_param.get("eps", 1e-5)
            momentum = bn_param.get("momentum", 0.9)
            N, D = x.shape
            running_mean = bn_param.get("running_mean", np.zeros(D))
            running_var = bn_param.get("running_var", np.ones(D))
            if mode == "train":
                mu, var = x.mean(axis=0), x.var(axis=0)
                x_hat = (x - mu) / np.sqrt(var + eps)
                cache = (x, x_hat, mu, var, gamma, beta, eps)
                bn_param["running_mean"] = (1 - momentum) * running_mean + momentum * mu
                bn_param["running_var"] = (1 - momentum) * running_var + momentum * var * N / (N - 1)
            else:
                x_hat = (x - running_mean) / np.sqrt(running_var + eps)
                cache = None
            return gamma * x_hat + beta, cache
        """, {'batchnorm_forward': 2}),
    "dropout_applied_in_test_mode_as_bob_wrote_it": ("dropout_forward", """
        def dropout_forward(x, dropout_param):
            p = dropout_param["p"]
            rng = np.random.default_rng(dropout_param.get("seed"))
            mask = (rng.random(x.shape) < 1 - p) / (1 - p)
            return x * mask, (dropout_param, mask)
        """, {'dropout': 4}),
}

BOB = ("l2_gradient_is_2w_as_bob_wrote_it",
       "running_average_with_momentum_on_the_wrong_term_as_bob_wrote_it",
       "dropout_applied_in_test_mode_as_bob_wrote_it")
BOB_SCORE = 41  # of 48
