"""Public self-checks for Lab 6 (regularization): small cases whose answers are known in closed form.

Backward checks hand your backward function the cache that the forward function's docstring describes, as the
grader does (batch norm: ``(x, x_hat, mu, var, gamma, beta, eps)``; dropout: ``(dropout_param, mask)``).
"""

import math

import numpy as np

from ..gradcheck import eval_numerical_gradient_array, rel_error
from ..selfcheck import CheckFailure, expect_close, expect_equal, public_check


def _tuple(got, names, call):
    """The tuple ``got`` of ``len(names)`` values, or a report of what came back instead."""
    if not (isinstance(got, tuple) and len(got) == len(names)):
        shown = f"a tuple of {len(got)} values" if isinstance(got, tuple) else type(got).__name__
        raise CheckFailure(f"  call: {call}\n  expected a tuple ({', '.join(names)}), got {shown}")
    return got


# ------------------------------------------------------------------------------------------------ penalties

W_SMALL = np.array([[1.0, -2.0], [0.0, 0.5]])


@public_check("l2_penalty")
def _l2_values(l2_penalty):
    """1/2 (1 + 4 + 0 + 0.25) = 2.625 and the gradient w"""
    call = "l2_penalty(np.array([[1, -2], [0, 0.5]]))"
    penalty, dw = _tuple(l2_penalty(W_SMALL.copy()), ("penalty", "dw"), call)
    expect_close(penalty, 2.625, call + "  [penalty]")
    expect_close(dw, W_SMALL, call + "  [dw]")


@public_check("l1_penalty")
def _l1_values(l1_penalty):
    """|1| + |-2| + |0| + |0.5| = 3.5 and the subgradient sign(w), 0 at w == 0"""
    call = "l1_penalty(np.array([[1, -2], [0, 0.5]]))"
    penalty, dw = _tuple(l1_penalty(W_SMALL.copy()), ("penalty", "dw"), call)
    expect_close(penalty, 3.5, call + "  [penalty]")
    expect_close(dw, [[1.0, -1.0], [0.0, 1.0]], call + "  [dw]")


W_STEP, DW_STEP = np.array([1.0, -2.0, 0.0]), np.array([0.5, 0.5, 0.5])


@public_check("penalized_sgd_step")
def _penalized_step(penalized_sgd_step):
    """w - lr (dw + alpha w) for L2, w - lr (dw + alpha sign(w)) for L1 (lr = 0.1, alpha = 1)"""
    base = "penalized_sgd_step(np.array([1, -2, 0]), np.array([0.5, 0.5, 0.5]), 0.1, 1.0, {!r})"
    expect_close(penalized_sgd_step(W_STEP.copy(), DW_STEP.copy(), 0.1, 1.0, "l2"), [0.85, -1.85, -0.05],
                 base.format("l2"))
    expect_close(penalized_sgd_step(W_STEP.copy(), DW_STEP.copy(), 0.1, 1.0, "l1"), [0.85, -1.95, -0.05],
                 base.format("l1"))
    try:
        penalized_sgd_step(W_STEP.copy(), DW_STEP.copy(), 0.1, 1.0, "l3")
    except ValueError:
        return
    raise CheckFailure(f"  call: {base.format('l3')}\n  expected ValueError (an unknown penalty), but it returned")


@public_check("weight_decay_step")
def _weight_decay(weight_decay_step):
    """(1 - lr alpha) w - lr dw: the same step as the L2 penalty (lr = 0.1, alpha = 1)"""
    call = "weight_decay_step(np.array([1, -2, 0]), np.array([0.5, 0.5, 0.5]), 0.1, 1.0)"
    expect_close(weight_decay_step(W_STEP.copy(), DW_STEP.copy(), 0.1, 1.0), [0.85, -1.85, -0.05], call)


@public_check("l1_proximal_step")
def _soft_threshold(l1_proximal_step):
    """with dw = 0, lr = 0.1, alpha = 1 every weight moves 0.1 towards 0 and small ones become exactly 0"""
    call = "l1_proximal_step(np.array([1, 0.05, -0.5, -0.1]), np.zeros(4), 0.1, 1.0)"
    got = l1_proximal_step(np.array([1.0, 0.05, -0.5, -0.1]), np.zeros(4), 0.1, 1.0)
    expect_close(got, [0.9, 0.0, -0.4, 0.0], call)
    if not np.all(np.asarray(got)[[1, 3]] == 0.0):
        raise CheckFailure(f"  call: {call}\n  entries 1 and 3 should be exactly 0.0, got {np.asarray(got)[[1, 3]]}")
    call = "l1_proximal_step(np.array([0.3]), np.array([2.0]), 0.1, 0.5)"
    expect_close(l1_proximal_step(np.array([0.3]), np.array([2.0]), 0.1, 0.5), [0.05], call + "  [z = 0.1, then 0.1 - 0.05]")


# ------------------------------------------------------------------------------------------------ overfitting


@public_check("polynomial_features")
def _powers(polynomial_features):
    """the powers 0..3 of 2 and -1"""
    call = "polynomial_features(np.array([2.0, -1.0]), 3)"
    expect_close(polynomial_features(np.array([2.0, -1.0]), 3), [[1, 2, 4, 8], [1, -1, 1, -1]], call)
    call = "polynomial_features(np.array([5.0]), 0)"
    expect_close(polynomial_features(np.array([5.0]), 0), [[1.0]], call)


@public_check("ridge_fit")
def _ridge(ridge_fit):
    """the line y = 1 + x through (-1, 0), (1, 2): exact for lam = 0; lam = 2 shrinks the slope to 1/2 only"""
    X, y = np.array([[1.0, -1.0], [1.0, 1.0]]), np.array([0.0, 2.0])
    call = "ridge_fit(np.array([[1, -1], [1, 1]]), np.array([0, 2]), {})"
    expect_close(ridge_fit(X.copy(), y.copy(), 0.0), [1.0, 1.0], call.format(0.0))
    expect_close(ridge_fit(X.copy(), y.copy(), 2.0), [1.0, 0.5],
                 call.format(2.0) + "  [(X^T X + 2 diag(0, 1)) theta = X^T y: the intercept is not penalised]")


# ------------------------------------------------------------------------------------------------ early stopping

LOSSES = [1.0, 0.8, 0.9, 0.85, 0.7, 0.75, 0.76, 0.77]


@public_check("early_stopping_run")
def _early_stopping(early_stopping_run):
    """a run of 8 epochs: stop after `patience` epochs without improvement and return the best epoch's parameters"""
    history = {"W": np.arange(8.0)[:, None, None] * np.ones((8, 2, 2)), "b": -np.arange(8.0)[:, None]}
    for patience, best, stop in ((3, 4, 7), (2, 1, 3), (5, 4, 7)):
        call = f"early_stopping_run({LOSSES}, history, patience={patience})"
        best_epoch, stop_epoch, params = _tuple(early_stopping_run(LOSSES, history, patience),
                                                ("best_epoch", "stop_epoch", "best_params"), call)
        expect_equal((best_epoch, stop_epoch), (best, stop), call + "  [(best_epoch, stop_epoch)]")
        if not isinstance(params, dict) or sorted(params) != ["W", "b"]:
            raise CheckFailure(f"  call: {call}\n  best_params should be a dict with the keys 'W' and 'b', got"
                               f" {params!r}")
        expect_close(params["W"], history["W"][best], call + f"  [best_params['W'], those of epoch {best}]")
        expect_close(params["b"], history["b"][best], call + f"  [best_params['b'], those of epoch {best}]")
    call = f"early_stopping_run({LOSSES}, history, patience=2, min_delta=0.25)"
    best_epoch, stop_epoch, _ = early_stopping_run(LOSSES, history, 2, 0.25)
    expect_equal((best_epoch, stop_epoch), (0, 2), call + "  [0.8 is not 0.25 below 1.0]")


# ------------------------------------------------------------------------------------------------ dropout

X_DROP = np.arange(1.0, 21.0).reshape(4, 5)


@public_check("dropout_forward")
def _dropout_values(dropout_forward):
    """the documented mask of seed 0, kept units scaled by 1/(1 - p); identity at test time and for p = 0"""
    for p in (0.5, 0.2):
        param = {"p": p, "mode": "train", "seed": 0}
        call = f"dropout_forward(x, {param}) with x = np.arange(1.0, 21.0).reshape(4, 5)"
        out, _ = _tuple(dropout_forward(X_DROP.copy(), dict(param)), ("out", "cache"), call)
        keep = np.random.default_rng(0).random(X_DROP.shape) < 1 - p
        expect_close(out, X_DROP * keep / (1 - p), call)
    call = "dropout_forward(x, {'p': 0.5, 'mode': 'test'})"
    out, _ = _tuple(dropout_forward(X_DROP.copy(), {"p": 0.5, "mode": "test"}), ("out", "cache"), call)
    expect_close(out, X_DROP, call)
    call = "dropout_forward(x, {'p': 0.0, 'mode': 'train', 'seed': 3})"
    out, _ = dropout_forward(X_DROP.copy(), {"p": 0.0, "mode": "train", "seed": 3})
    expect_close(out, X_DROP, call)


@public_check("dropout_backward")
def _dropout_gradient(dropout_backward):
    """the gradient flows through the kept units only, scaled like them; unchanged at test time"""
    mask = np.array([[2.0, 0.0, 2.0], [0.0, 0.0, 2.0]])  # p = 0.5: kept units carry 1 / (1 - p) = 2
    dout = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    param = {"p": 0.5, "mode": "train", "seed": 0}
    call = f"dropout_backward(dout, ({param}, mask)) with dout = {dout.tolist()}, mask = {mask.tolist()}"
    expect_close(dropout_backward(dout.copy(), (dict(param), mask.copy())), [[2, 0, 6], [0, 0, 12]], call)
    param = {"p": 0.5, "mode": "test"}
    call = f"dropout_backward(dout, ({param}, None))"
    expect_close(dropout_backward(dout.copy(), (dict(param), None)), dout, call)


@public_check("dropout_forward_noninverted")
def _noninverted(dropout_forward_noninverted):
    """training keeps units without rescaling; test time multiplies by 1 - p"""
    param = {"p": 0.25, "mode": "train", "seed": 1}
    call = f"dropout_forward_noninverted(x, {param}) with x = np.arange(1.0, 21.0).reshape(4, 5)"
    out, _ = _tuple(dropout_forward_noninverted(X_DROP.copy(), dict(param)), ("out", "cache"), call)
    keep = np.random.default_rng(1).random(X_DROP.shape) < 0.75
    expect_close(out, X_DROP * keep, call)
    call = "dropout_forward_noninverted(x, {'p': 0.25, 'mode': 'test'})"
    out, _ = _tuple(dropout_forward_noninverted(X_DROP.copy(), {"p": 0.25, "mode": "test"}), ("out", "cache"), call)
    expect_close(out, 0.75 * X_DROP, call)


# ------------------------------------------------------------------------------------------------ batch norm

X_BN = np.array([[1.0, 2.0], [3.0, 6.0]])  # mean (2, 4), biased variance (1, 4), unbiased (2, 8)
GAMMA_BN, BETA_BN = np.array([2.0, 1.0]), np.array([0.0, 1.0])


@public_check("batchnorm_forward")
def _batchnorm_values(batchnorm_forward):
    """a 2x2 batch (means 2 and 4, biased variances 1 and 4), the running averages it leaves, and test mode"""
    bn_param = {"mode": "train", "eps": 0.0}
    call = "batchnorm_forward(x, gamma, beta, bn_param) with x = [[1, 2], [3, 6]], gamma = [2, 1], beta = [0, 1]"
    out, _ = _tuple(batchnorm_forward(X_BN.copy(), GAMMA_BN.copy(), BETA_BN.copy(), bn_param), ("out", "cache"),
                    call + ", bn_param = {'mode': 'train', 'eps': 0.0}")
    expect_close(out, [[-2.0, 0.0], [2.0, 2.0]], call + "  [out: x_hat = [[-1, -1], [1, 1]] uses the biased variance]")
    for key in ("running_mean", "running_var"):
        if key not in bn_param:
            raise CheckFailure(f"  call: {call}\n  bn_param has no {key!r} after the call: store the running"
                               " averages in bn_param")
    expect_close(bn_param["running_mean"], [0.2, 0.4],
                 call + "  [bn_param['running_mean'] = 0.9 * 0 + 0.1 * mean, from the default zeros]")
    expect_close(bn_param["running_var"], [1.1, 1.7],
                 call + "  [bn_param['running_var'] = 0.9 * 1 + 0.1 * the UNBIASED variance (2, 8), from the default"
                        " ones]")
    bn_param = {"mode": "test", "eps": 0.0, "running_mean": np.array([1.0, 2.0]), "running_var": np.array([4.0, 1.0])}
    call = ("batchnorm_forward(x, gamma, beta, {'mode': 'test', 'eps': 0.0, 'running_mean': [1, 2], 'running_var':"
            " [4, 1]})")
    out, _ = _tuple(batchnorm_forward(X_BN.copy(), GAMMA_BN.copy(), BETA_BN.copy(), bn_param), ("out", "cache"), call)
    expect_close(out, [[0.0, 1.0], [2.0, 5.0]], call)
    expect_close(bn_param["running_mean"], [1.0, 2.0], call + "  [test mode leaves running_mean alone]")


def _bn_cache(x, gamma, beta, eps=1e-5):
    """The cache the docstring describes, computed here: (x, x_hat, mu, var, gamma, beta, eps)."""
    mu, var = x.mean(axis=0), x.var(axis=0)
    return (x, (x - mu) / np.sqrt(var + eps), mu, var, gamma, beta, eps)


def _bn_out(x, gamma, beta, eps=1e-5):
    _, x_hat, _, _, _, _, _ = _bn_cache(x, gamma, beta, eps)
    return gamma * x_hat + beta


def _check_bn_backward(name, backward):
    rng = np.random.default_rng(0)
    x = rng.normal(loc=3.0, scale=2.0, size=(5, 3))
    gamma, beta, dout = rng.normal(size=3), rng.normal(size=3), rng.normal(size=(5, 3))
    call = f"{name}(dout, cache) for a random batch of shape (5, 3)"
    grads = _tuple(backward(dout.copy(), _bn_cache(x.copy(), gamma.copy(), beta.copy())), ("dx", "dgamma", "dbeta"),
                   call)
    numeric = (eval_numerical_gradient_array(lambda v: _bn_out(v, gamma, beta), x.copy(), dout),
               eval_numerical_gradient_array(lambda v: _bn_out(x, v, beta), gamma.copy(), dout),
               eval_numerical_gradient_array(lambda v: _bn_out(x, gamma, v), beta.copy(), dout))
    for label, got, num in zip(("dx", "dgamma", "dbeta"), grads, numeric):
        if np.shape(got) != num.shape:
            raise CheckFailure(f"  call: {call}\n  {label} should have shape {num.shape}, got {np.shape(got)}")
        error = rel_error(got, num)
        if error > 1e-6:
            raise CheckFailure(f"  call: {call}\n  {label} disagrees with the numeric gradient: relative error"
                               f" {error:.2g}")
    # an upstream gradient that only shifts every feature: the normalisation removes it, so dx = 0
    call = f"{name}(np.ones((5, 3)), cache) for the same batch"
    dx, dgamma, dbeta = backward(np.ones((5, 3)), _bn_cache(x.copy(), gamma.copy(), beta.copy()))
    expect_close(dx, np.zeros((5, 3)), call + "  [dx: a constant shift of x_hat is undone by the mean]", atol=1e-9)
    expect_close(dbeta, [5.0, 5.0, 5.0], call + "  [dbeta]")


@public_check("batchnorm_backward")
def _batchnorm_graph(batchnorm_backward):
    """dx, dgamma, dbeta match the numeric gradient; a constant upstream gradient gives dx = 0"""
    _check_bn_backward("batchnorm_backward", batchnorm_backward)


@public_check("batchnorm_backward_alt")
def _batchnorm_closed_form(batchnorm_backward_alt):
    """dx, dgamma, dbeta match the numeric gradient; a constant upstream gradient gives dx = 0"""
    _check_bn_backward("batchnorm_backward_alt", batchnorm_backward_alt)


# ------------------------------------------------------------------------------------------------ augmentation

IMAGES = np.arange(2 * 1 * 3 * 4, dtype=np.float64).reshape(2, 1, 3, 4)


@public_check("random_flip")
def _flip(random_flip):
    """p = 1 mirrors every image left-right (the width axis), p = 0 none"""
    call = "random_flip(x, np.random.default_rng(0), p={}) with x of shape (2, 1, 3, 4)"
    expect_close(random_flip(IMAGES.copy(), np.random.default_rng(0), p=1.0), IMAGES[:, :, :, ::-1], call.format(1.0))
    expect_close(random_flip(IMAGES.copy(), np.random.default_rng(0), p=0.0), IMAGES, call.format(0.0))


@public_check("random_crop")
def _crop(random_crop):
    """pad = 0 gives the images back; with pad = 2 every output is its image shifted by at most 2 pixels"""
    call = "random_crop(x, np.random.default_rng(0), 0) with x of shape (2, 1, 3, 4)"
    expect_close(random_crop(IMAGES.copy(), np.random.default_rng(0), 0), IMAGES, call)
    x = np.random.default_rng(1).uniform(1, 2, size=(6, 2, 5, 5))  # no zeros: the padding is recognisable
    call = "random_crop(x, np.random.default_rng(3), 2) with x of shape (6, 2, 5, 5)"
    out = np.asarray(random_crop(x.copy(), np.random.default_rng(3), 2))
    expect_equal(out.shape, x.shape, call + ".shape")
    padded = np.pad(x, ((0, 0), (0, 0), (2, 2), (2, 2)))
    shifts = set()
    for i in range(6):
        found = [(top, left) for top in range(5) for left in range(5)
                 if np.allclose(out[i], padded[i, :, top:top + 5, left:left + 5])]
        if not found:
            raise CheckFailure(f"  call: {call}\n  output image {i} is not a 5x5 window of its image padded by 2 zeros"
                               " on every side")
        shifts.add(found[0])
    if len(shifts) < 2:
        raise CheckFailure(f"  call: {call}\n  all six images were cut at the same place: draw one offset per image")


@public_check("add_gaussian_noise")
def _noise(add_gaussian_noise):
    """the documented draw rng.normal(0, std, size=x.shape), added to x"""
    call = "add_gaussian_noise(x, np.random.default_rng(5), 0.5) with x of shape (2, 1, 3, 4)"
    got = add_gaussian_noise(IMAGES.copy(), np.random.default_rng(5), 0.5)
    expect_close(got, IMAGES + np.random.default_rng(5).normal(0.0, 0.5, size=IMAGES.shape), call)


# ------------------------------------------------------------------------------------------------ label smoothing


@public_check("smooth_labels")
def _smooth(smooth_labels):
    """the notes' example: 10 classes, epsilon = 0.1: 0.9 for the true class, 0.1 / 9 = 0.0111 for the others"""
    call = "smooth_labels(np.array([3, 0]), 10, 0.1)"
    expected = np.full((2, 10), 0.1 / 9)
    expected[0, 3] = expected[1, 0] = 0.9
    expect_close(smooth_labels(np.array([3, 0]), 10, 0.1), expected, call)
    call = "smooth_labels(np.array([1]), 3, 0.0)"
    expect_close(smooth_labels(np.array([1]), 3, 0.0), [[0.0, 1.0, 0.0]], call)


@public_check("soft_cross_entropy")
def _soft_ce(soft_cross_entropy):
    """equal scores: loss log C whatever the targets, gradient (1/C - targets) / N; huge scores stay finite"""
    targets = np.array([[0.8, 0.1, 0.1], [0.0, 0.5, 0.5]])
    call = "soft_cross_entropy(np.zeros((2, 3)), targets) with targets = [[0.8, 0.1, 0.1], [0, 0.5, 0.5]]"
    loss, dscores = _tuple(soft_cross_entropy(np.zeros((2, 3)), targets.copy()), ("loss", "dscores"), call)
    expect_close(loss, math.log(3.0), call + "  [loss]")
    expect_close(dscores, (1 / 3 - targets) / 2, call + "  [dscores]")
    call = "soft_cross_entropy(np.array([[1000.0, 0.0]]), np.array([[0.5, 0.5]]))"
    loss, _ = soft_cross_entropy(np.array([[1000.0, 0.0]]), np.array([[0.5, 0.5]]))
    expect_close(loss, 500.0, call + "  [loss: 0.5 * 0 + 0.5 * 1000, without overflow]")


# ------------------------------------------------------------------------------------------------ ensembles


@public_check("ensemble_predict")
def _ensemble(ensemble_predict):
    """two models' probabilities (0.6, 0.4, 0) and (0, 0.2, 0.8) average to (0.3, 0.3, 0.4): class 2"""
    scores = np.log(np.array([[[0.6, 0.4, 1e-300]], [[1e-300, 0.2, 0.8]]]))
    call = "ensemble_predict(np.log([[[0.6, 0.4, 0]], [[0, 0.2, 0.8]]]))  (0 stands for 1e-300)"
    probs, labels = _tuple(ensemble_predict(scores), ("probs", "labels"), call)
    expect_close(probs, [[0.3, 0.3, 0.4]], call + "  [probs: the mean of the two softmaxes, not the softmax of the"
                                                  " mean score]")
    expect_equal(np.asarray(labels).tolist(), [2], call + "  [labels]")


@public_check("bootstrap_indices")
def _bootstrap(bootstrap_indices):
    """2,000 draws with replacement from 0..1999: about 63 % distinct indices"""
    call = "bootstrap_indices(2000, np.random.default_rng(0))"
    indices = np.asarray(bootstrap_indices(2000, np.random.default_rng(0)))
    expect_equal(indices.shape, (2000,), call + ".shape")
    if indices.min() < 0 or indices.max() >= 2000 or not np.issubdtype(indices.dtype, np.integer):
        raise CheckFailure(f"  call: {call}\n  expected integers in 0..1999, got {indices.dtype} from {indices.min()}"
                           f" to {indices.max()}")
    distinct = np.unique(indices).size / 2000
    if not 0.60 < distinct < 0.66:
        raise CheckFailure(f"  call: {call}\n  {distinct:.1%} of the indices are distinct; drawing with replacement"
                           " gives about 1 - 1/e = 63.2 %")


@public_check("cyclic_cosine_lr")
def _cyclic(cyclic_cosine_lr):
    """a cycle of 10 steps from 1.0 towards 0.1: 1.0 at steps 0, 10, 20; 0.55 at step 5; restarts after step 9"""
    for step, expected in ((0, 1.0), (5, 0.55), (10, 1.0), (15, 0.55), (20, 1.0),
                           (9, 0.1 + 0.45 * (1 + math.cos(0.9 * math.pi)))):
        call = f"cyclic_cosine_lr({step}, 10, 1.0, 0.1)"
        expect_close(cyclic_cosine_lr(step, 10, 1.0, 0.1), expected, call)
