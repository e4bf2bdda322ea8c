"""Hidden tests of Lab 6 (regularization). Inputs and hyper-parameters are random per seed; answers come from the
reference module; backward passes are also compared with numeric gradients of the reference's forward pass.

Tolerances
----------
``GRAD_TOL = 1e-5`` with ``NUMERIC_FLOOR = 1e-8``: a gradient must agree with central differences (h = 1e-5) to a
relative error ``max(|a - b| / max(1e-8, |a| + |b|))`` of 1e-5, over the entries whose absolute difference is above
1e-8 (below that, the difference is the rounding of the central difference itself). Measured over 1,000 seeds of
the shapes used here (N = 3..8, D = 1..5, eps 1e-5 or 1e-3): the reference's batch norm ``dx`` reaches 2.5e-6
without the floor (entries of ``dx`` near 1e-7 carry an absolute rounding error near 1e-10) and 3.6e-9 with it;
``dgamma``/``dbeta`` 2e-8; dropout 2e-7; ``soft_cross_entropy`` 1.7e-5 without the floor and 0 with it. The
realistic wrong answers are off by far more: a batch norm ``dx`` that forgets the mean's path by 2.5e-3 at the
least over the same 1,000 seeds (when the upstream gradient's column means happen to be small) and by 0.1 to 1
typically; dropout without 1/(1 - p), or a gamma summed over the wrong axis, by order 1. Every gradient is also
compared with the reference's by ``expect_close``. Batch norm with N = 2 is graded against the reference only:
there ``x_hat = +-1`` whatever ``x`` is, ``dx`` is of the order of eps, and central differences of it are mostly
rounding.

Values are compared with the reference by ``expect_close`` (``|got - want| <= 1e-10 + 1e-7 |want|``), except
``RIDGE_RTOL = 1e-6`` for ridge regression: the normal equations of polynomial features up to degree 6 on
[-1, 1] have condition numbers up to about 1e7, so two correct solvers (``solve`` of the normal equations, a QR
least-squares fit) agree to about 1e-9 relatively; a penalised intercept or a missing penalty is off by 1e-3 or
more.

Randomness is reproduced exactly: dropout masks follow from ``dropout_param['seed']`` as the docstring says, and
augmentation and bootstrap functions receive ``FnRef("default_rng", seed=...)``, a generator built inside the
worker, so the reference draws the same numbers from a generator of the same seed.
"""

import numpy as np

import solutions.regularization as ref
from autograder.grade.spec import (
    FnRef,
    Spec,
    StudentCodeError,
    TestFailure,
    as_array,
    call_backward,
    call_forward,
    expect_close,
    expect_equal,
    expect_gradient,
    expect_labels,
    expect_tuple,
    labels,
    local_fn,
    numeric_gradient,
    numeric_input_gradients,
    shapes,
    with_zeros,
)

GRAD_TOL = 1e-5
NUMERIC_FLOOR = 1e-8
RIDGE_RTOL = 1e-6
# Weight shapes: a single number, a vector, a matrix and a 3-D array (see inputs.shapes).
WEIGHT_SHAPES = [(1,), ((2, 9),), ((2, 6), (2, 6)), (2, (2, 4), (2, 5))]

spec = Spec("06_regularization", {
    "overfitting": "polynomial features and ridge regression",
    "penalties": "the L2 and L1 penalties and their (sub)gradients",
    "weight_decay": "SGD on the penalty and the weight-decay form",
    "l1_sparsity": "the proximal L1 step (soft-thresholding)",
    "early_stopping": "early stopping with patience",
    "dropout": "inverted dropout",
    "dropout_noninverted": "non-inverted dropout",
    "batchnorm_forward": "batch normalization, forward (train and test mode)",
    "batchnorm_backward": "batch normalization, backward along the graph",
    "batchnorm_backward_alt": "batch normalization, backward in closed form",
    "augmentation": "data augmentation: flip, crop, noise",
    "label_smoothing": "label smoothing and the soft-target cross-entropy",
    "ensembles": "ensembles: probability averaging and bootstrap samples",
    "snapshots": "the cyclic cosine schedule of a snapshot ensemble",
})


# ------------------------------------------------------------------------------------------------ helpers


def _with_zeros(rng, shape):
    """Random weights of which about a third are exactly 0.0 (the first one always)."""
    return with_zeros(rng, rng.normal(size=shape))


def _rate(rng):
    return float(np.round(rng.uniform(0.01, 0.3), 3))


def _alpha(rng):
    return float(np.round(rng.uniform(0.05, 2.0), 3))


def _pair(student, name, *args):
    return expect_tuple(getattr(student, name)(*args), ("penalty", "dw"), f"{name}(w)")


def _seed(rng):
    return int(rng.integers(2**31))


# ------------------------------------------------------------------------------------------------ penalties


@spec.test("penalties")
def l2_penalty_value_and_gradient(rng, student):
    """l2_penalty is 1/2 sum(w^2) with gradient w, for weights of several shapes"""
    for shape in shapes(rng, WEIGHT_SHAPES):
        w = rng.normal(size=shape)
        penalty, dw = _pair(student, "l2_penalty", w)
        want_penalty, want_dw = ref.l2_penalty(w)
        expect_close(penalty, want_penalty, f"the L2 penalty of weights of shape {shape}", allow_scalar=True)
        expect_close(dw, want_dw, f"the gradient of the L2 penalty (weights of shape {shape})")
        expect_gradient(dw, numeric_gradient(lambda v: ref.l2_penalty(v)[0], w),
                        f"the gradient of the L2 penalty (weights of shape {shape})", GRAD_TOL, NUMERIC_FLOOR)


@spec.test("penalties")
def l1_penalty_value_and_subgradient(rng, student):
    """l1_penalty is sum(|w|) with subgradient sign(w), for nonzero weights of several shapes"""
    for shape in shapes(rng, WEIGHT_SHAPES):
        w = rng.choice([-1.0, 1.0], size=shape) * rng.uniform(0.05, 3.0, size=shape)
        penalty, dw = _pair(student, "l1_penalty", w)
        want_penalty, want_dw = ref.l1_penalty(w)
        expect_close(penalty, want_penalty, f"the L1 penalty of weights of shape {shape}", allow_scalar=True)
        expect_close(dw, want_dw, f"the subgradient of the L1 penalty (weights of shape {shape})")


@spec.test("penalties")
def l1_subgradient_at_zero(rng, student):
    """the L1 subgradient is 0 where a weight is exactly 0 (as np.sign gives)"""
    for shape in shapes(rng, WEIGHT_SHAPES)[1:]:
        w = _with_zeros(rng, shape)
        penalty, dw = _pair(student, "l1_penalty", w)
        expect_close(penalty, ref.l1_penalty(w)[0], f"the L1 penalty of weights of shape {shape}, some exactly 0",
                     allow_scalar=True)
        expect_close(dw, ref.l1_penalty(w)[1], f"the subgradient of the L1 penalty (shape {shape}, some weights"
                                              " exactly 0)")


# ------------------------------------------------------------------------------------------------ weight decay


def _step_problem(rng, zeros=False):
    shape = (int(rng.integers(1, 6)), int(rng.integers(1, 6)))
    w = _with_zeros(rng, shape) if zeros else rng.normal(size=shape)
    return w, rng.normal(size=shape), _rate(rng), _alpha(rng)


@spec.test("weight_decay")
def penalized_step_with_l2(rng, student):
    """penalized_sgd_step with the L2 penalty, and ValueError for an unknown penalty"""
    for _ in range(3):
        w, dw, lr, alpha = _step_problem(rng)
        expect_close(student.penalized_sgd_step(w, dw, lr, alpha, "l2"), ref.penalized_sgd_step(w, dw, lr, alpha, "l2"),
                     f"penalized_sgd_step(w, dw, lr, alpha, 'l2') for w of shape {w.shape}")
    penalty = str(rng.choice(["l3", "L2", "elastic", "none"]))
    try:
        student.penalized_sgd_step(w, dw, lr, alpha, penalty)
    except StudentCodeError as error:
        if str(error).startswith("`penalized_sgd_step` raised ValueError"):
            return
        raise
    raise TestFailure(f"penalized_sgd_step(w, dw, lr, alpha, {penalty!r}) returned a value; an unknown penalty should"
                      " raise ValueError")


@spec.test("weight_decay")
def penalized_step_with_l1(rng, student):
    """penalized_sgd_step with the L1 penalty, weights exactly 0 included"""
    for _ in range(3):
        w, dw, lr, alpha = _step_problem(rng, zeros=True)
        expect_close(student.penalized_sgd_step(w, dw, lr, alpha, "l1"), ref.penalized_sgd_step(w, dw, lr, alpha, "l1"),
                     f"penalized_sgd_step(w, dw, lr, alpha, 'l1') for w of shape {w.shape}")


@spec.test("weight_decay")
def weight_decay_form(rng, student):
    """weight_decay_step is (1 - lr alpha) w - lr dw"""
    for _ in range(3):
        w, dw, lr, alpha = _step_problem(rng)
        expect_close(student.weight_decay_step(w, dw, lr, alpha), ref.weight_decay_step(w, dw, lr, alpha),
                     f"weight_decay_step(w, dw, lr, alpha) for w of shape {w.shape}")


@spec.test("weight_decay")
def both_forms_give_the_same_path(rng, student):
    """20 steps on a random least-squares problem: the penalty form and the weight-decay form follow one path"""
    D = int(rng.integers(2, 6))
    A = rng.normal(size=(D + 3, D))
    b = rng.normal(size=D + 3)
    lr, alpha = float(np.round(rng.uniform(0.01, 0.05), 3)), _alpha(rng)
    w_penalty = w_decay = np.zeros(D)
    for step in range(1, 21):
        w_penalty = as_array(student.penalized_sgd_step(w_penalty, A.T @ (A @ w_penalty - b), lr, alpha, "l2"),
                             f"penalized_sgd_step at step {step}")
        w_decay = as_array(student.weight_decay_step(w_decay, A.T @ (A @ w_decay - b), lr, alpha),
                           f"weight_decay_step at step {step}")
        if w_penalty.shape != (D,) or w_decay.shape != (D,):
            raise TestFailure(f"at step {step} the weights have shapes {w_penalty.shape} and {w_decay.shape}; expected"
                              f" {(D,)}")
        expect_close(w_decay, w_penalty, f"the weight-decay path at step {step} (compared with the penalty path)")
    want = np.zeros(D)
    for _ in range(20):
        want = ref.weight_decay_step(want, A.T @ (A @ want - b), lr, alpha)
    expect_close(w_decay, want, "the weights after 20 weight-decay steps")


# ------------------------------------------------------------------------------------------------ proximal L1


@spec.test("l1_sparsity")
def proximal_step_values(rng, student):
    """l1_proximal_step is a gradient step followed by soft-thresholding; small entries become exactly 0"""
    for _ in range(3):
        w, dw, lr, alpha = _step_problem(rng)
        got = as_array(student.l1_proximal_step(w, dw, lr, alpha), "l1_proximal_step(w, dw, lr, alpha)")
        want = ref.l1_proximal_step(w, dw, lr, alpha)
        expect_close(got, want, f"l1_proximal_step(w, dw, lr, alpha) for w of shape {w.shape}")
        if got.shape == want.shape and np.any(got[want == 0] != 0):
            raise TestFailure("l1_proximal_step should set entries with |w - lr dw| <= lr alpha to exactly 0.0")


@spec.test("l1_sparsity")
def proximal_path_on_a_lasso_problem(rng, student):
    """40 proximal steps on a random sparse regression problem reach the reference's weights and zeros"""
    N, D = int(rng.integers(20, 40)), int(rng.integers(6, 12))
    X = rng.normal(size=(N, D))
    w_true = np.zeros(D)
    w_true[:2] = rng.choice([-1.0, 1.0], size=2) * rng.uniform(1.0, 2.0, size=2)
    y = X @ w_true + 0.1 * rng.normal(size=N)
    lr, alpha = 0.05, float(np.round(rng.uniform(0.2, 0.5), 3))
    w = want = np.zeros(D)
    for step in range(1, 41):
        w = as_array(student.l1_proximal_step(w, X.T @ (X @ w - y) / N, lr, alpha), f"l1_proximal_step at step {step}")
        want = ref.l1_proximal_step(want, X.T @ (X @ want - y) / N, lr, alpha)
        expect_close(w, want, f"the weights after proximal step {step}")
    if np.sum(w == 0) != np.sum(want == 0):
        raise TestFailure(f"after 40 steps {int(np.sum(w == 0))} weights are exactly 0; expected"
                          f" {int(np.sum(want == 0))}")


# ------------------------------------------------------------------------------------------------ overfitting


@spec.test("overfitting")
def polynomial_features_values(rng, student):
    """polynomial_features for several degrees (0 included) and N = 1"""
    for n, degree in ((1, int(rng.integers(1, 5))), (int(rng.integers(2, 10)), 0), (int(rng.integers(2, 10)),
                                                                                   int(rng.integers(1, 8)))):
        x = rng.uniform(-1.5, 1.5, size=n)
        expect_close(student.polynomial_features(x, degree), ref.polynomial_features(x, degree),
                     f"polynomial_features(x, {degree}) for x of shape ({n},)")


def _ridge_problem(rng, degree):
    n = int(rng.integers(degree + 3, degree + 20))
    x = rng.uniform(-1, 1, size=n)
    y = np.sin(rng.uniform(1, 4) * x) + rng.normal(scale=0.2, size=n) + rng.normal()
    return ref.polynomial_features(x, degree), y


@spec.test("overfitting")
def ridge_fit_with_a_penalty(rng, student):
    """ridge_fit solves (X^T X + lam diag(0, 1, ..., 1)) theta = X^T y for random degrees and lam > 0"""
    for _ in range(3):
        degree = int(rng.integers(1, 7))
        X, y = _ridge_problem(rng, degree)
        lam = float(10 ** rng.uniform(-3, 1))
        expect_close(student.ridge_fit(X, y, lam), ref.ridge_fit(X, y, lam),
                     f"ridge_fit(X, y, lam) for polynomial features of degree {degree}", rtol=RIDGE_RTOL)


@spec.test("overfitting")
def ridge_fit_limits(rng, student):
    """lam = 0 is least squares, and a huge lam leaves the intercept unpenalised (it tends to the mean of y)"""
    degree = int(rng.integers(1, 5))
    X, y = _ridge_problem(rng, degree)
    expect_close(student.ridge_fit(X, y, 0.0), ref.ridge_fit(X, y, 0.0), f"ridge_fit(X, y, 0.0) (degree {degree})",
                 rtol=RIDGE_RTOL)
    expect_close(student.ridge_fit(X, y, 1e8), ref.ridge_fit(X, y, 1e8),
                 f"ridge_fit(X, y, 1e8) (degree {degree}): the intercept should not be penalised", rtol=RIDGE_RTOL,
                 atol=1e-8)


# ------------------------------------------------------------------------------------------------ early stopping


def _loss_curve(rng, epochs):
    """A U-shaped validation curve with noise: improves, then overfits."""
    t = np.arange(epochs)
    turn = rng.uniform(0.3, 0.7) * epochs
    return (1.0 + 0.02 * (t - turn) ** 2 / epochs + rng.normal(scale=0.05, size=epochs)).tolist()


def _history(rng, epochs):
    return {"W": rng.normal(size=(epochs, 3, 2)), "b": rng.normal(size=(epochs, 2))}


def _run(student, losses, history, patience, min_delta=0.0):
    got = student.early_stopping_run(losses, history, patience, min_delta)
    best_epoch, stop_epoch, best_params = expect_tuple(got, ("best_epoch", "stop_epoch", "best_params"),
                                                       "early_stopping_run(val_losses, param_history, patience)")
    return best_epoch, stop_epoch, best_params


@spec.test("early_stopping")
def early_stopping_epochs(rng, student):
    """the best epoch and the stopping epoch on noisy validation curves, for several patiences"""
    for patience in (1, int(rng.integers(2, 5)), int(rng.integers(5, 9))):
        epochs = int(rng.integers(15, 40))
        losses, history = _loss_curve(rng, epochs), _history(rng, epochs)
        best_epoch, stop_epoch, _ = _run(student, losses, history, patience)
        want_best, want_stop, _ = ref.early_stopping_run(losses, history, patience)
        expect_equal(best_epoch, want_best, f"best_epoch (patience {patience}, {epochs} epochs)")
        expect_equal(stop_epoch, want_stop, f"stop_epoch (patience {patience}, {epochs} epochs)")


@spec.test("early_stopping")
def early_stopping_restores_the_best_parameters(rng, student):
    """best_params are copies of the parameters of the best epoch, not of the last one"""
    for patience in (int(rng.integers(2, 4)), int(rng.integers(4, 7))):
        epochs = int(rng.integers(15, 40))
        losses, history = _loss_curve(rng, epochs), _history(rng, epochs)
        _, _, best_params = _run(student, losses, history, patience)
        _, _, want = ref.early_stopping_run(losses, history, patience)
        if not isinstance(best_params, dict) or sorted(best_params) != sorted(want):
            raise TestFailure(f"best_params should be a dict with the keys {sorted(want)}")
        for key in sorted(want):
            expect_close(best_params[key], want[key], f"best_params[{key!r}] (patience {patience})")


@spec.test("early_stopping")
def early_stopping_with_min_delta(rng, student):
    """an improvement counts only when it is larger than min_delta"""
    epochs = int(rng.integers(20, 40))
    losses, history = _loss_curve(rng, epochs), _history(rng, epochs)
    patience, min_delta = int(rng.integers(2, 5)), float(np.round(rng.uniform(0.03, 0.1), 3))
    best_epoch, stop_epoch, _ = _run(student, losses, history, patience, min_delta)
    want_best, want_stop, _ = ref.early_stopping_run(losses, history, patience, min_delta)
    expect_equal((best_epoch, stop_epoch), (want_best, want_stop), "(best_epoch, stop_epoch) with min_delta > 0")


# ------------------------------------------------------------------------------------------------ dropout


def _activation_shapes(rng):
    return [(1, int(rng.integers(3, 9))), (int(rng.integers(2, 9)), int(rng.integers(2, 9))),
            (int(rng.integers(2, 4)), int(rng.integers(2, 4)), int(rng.integers(2, 5)))]


def _drop(rng):
    return float(np.round(rng.uniform(0.1, 0.9), 2))


@spec.test("dropout")
def dropout_training_output(rng, student):
    """in training the mask follows from the seed as documented and kept units are scaled by 1/(1 - p)"""
    for shape in _activation_shapes(rng):
        x, param = rng.normal(size=shape), {"p": _drop(rng), "mode": "train", "seed": _seed(rng)}
        out, _ = call_forward(student, "dropout_forward", x, param)
        expect_close(out, ref.dropout_forward(x, dict(param))[0], f"out of dropout_forward in training (shape {shape})")


@spec.test("dropout")
def dropout_test_mode_is_the_identity(rng, student):
    """in test mode dropout returns its input unchanged"""
    for shape in _activation_shapes(rng):
        x, param = rng.normal(size=shape), {"p": _drop(rng), "mode": "test"}
        out, _ = call_forward(student, "dropout_forward", x, param)
        expect_close(out, x, f"out of dropout_forward in test mode (shape {shape})", rtol=0, atol=0)


@spec.test("dropout")
def dropout_statistics(rng, student):
    """on 40,000 units: a share p is dropped and the mean activation is kept (E[out] = x)"""
    p = float(rng.choice([0.2, 0.3, 0.4, 0.6, 0.7]))
    x = rng.uniform(1.0, 2.0, size=(200, 200))
    out, _ = call_forward(student, "dropout_forward", x, {"p": p, "mode": "train", "seed": _seed(rng)})
    out = as_array(out, "out of dropout_forward")
    if out.shape != x.shape:
        raise TestFailure(f"out of dropout_forward has shape {out.shape}; expected {x.shape}")
    dropped = float(np.mean(out == 0))
    if abs(dropped - p) > 0.01:  # the standard error is at most 0.0025
        raise TestFailure(f"the share of units dropout_forward dropped differs from p by {abs(dropped - p):.2f}"
                          " (allowed: 0.01); p is the probability of dropping a unit")
    ratio = float(out.mean() / x.mean())
    if abs(ratio - 1) > 0.02:
        raise TestFailure(f"the mean of the training output is {ratio:.3f} times the mean of the input; inverted"
                          " dropout keeps it (scale the kept units by 1 / (1 - p))")


@spec.test("dropout")
def dropout_backward_in_training(rng, student):
    """dropout_backward passes the gradient through the kept units, scaled, and matches the numeric gradient"""
    for shape in _activation_shapes(rng):
        x, dout = rng.normal(size=shape), rng.normal(size=shape)
        param = {"p": _drop(rng), "mode": "train", "seed": _seed(rng)}
        _, cache = ref.dropout_forward(x, param)
        dx = call_backward(student, "dropout_backward", dout, cache)
        what = f"dx of dropout_backward in training (shape {shape})"
        expect_close(dx, ref.dropout_backward(dout, cache), what)
        numeric = numeric_input_gradients(lambda v: ref.dropout_forward(v, dict(param)), [x], dout, [0])[0]
        expect_gradient(dx, numeric, what, GRAD_TOL, NUMERIC_FLOOR)


@spec.test("dropout")
def dropout_backward_in_test_mode(rng, student):
    """in test mode dropout_backward returns the upstream gradient unchanged"""
    shape = _activation_shapes(rng)[1]
    x, dout = rng.normal(size=shape), rng.normal(size=shape)
    _, cache = ref.dropout_forward(x, {"p": _drop(rng), "mode": "test"})
    expect_close(call_backward(student, "dropout_backward", dout, cache), dout, "dx of dropout_backward in test mode",
                 rtol=0, atol=0)


@spec.test("dropout_noninverted")
def noninverted_training_output(rng, student):
    """non-inverted dropout in training: the same mask, no rescaling"""
    for shape in _activation_shapes(rng):
        x, param = rng.normal(size=shape), {"p": _drop(rng), "mode": "train", "seed": _seed(rng)}
        out, _ = call_forward(student, "dropout_forward_noninverted", x, param)
        expect_close(out, ref.dropout_forward_noninverted(x, dict(param))[0],
                     f"out of dropout_forward_noninverted in training (shape {shape})")


@spec.test("dropout_noninverted")
def noninverted_test_output(rng, student):
    """non-inverted dropout at test time multiplies by 1 - p, the expected training output"""
    for shape in _activation_shapes(rng):
        x, param = rng.normal(size=shape), {"p": _drop(rng), "mode": "test"}
        out, _ = call_forward(student, "dropout_forward_noninverted", x, param)
        expect_close(out, ref.dropout_forward_noninverted(x, dict(param))[0],
                     f"out of dropout_forward_noninverted in test mode (shape {shape})")


# ------------------------------------------------------------------------------------------------ batch norm


def _bn_batch(rng, n, d):
    """A batch whose features have different means and spreads, and a gamma and beta."""
    x = rng.normal(loc=rng.normal(scale=2, size=d), scale=rng.uniform(0.5, 3, size=d), size=(n, d))
    return x, rng.normal(size=d), rng.normal(size=d)


def _bn_param(rng, d, mode="train"):
    return {"mode": mode, "eps": float(rng.choice([1e-5, 1e-3])),
            "momentum": float(np.round(rng.uniform(0.5, 0.95), 2)),
            "running_mean": rng.normal(size=d), "running_var": rng.uniform(0.5, 2.0, size=d)}


def _bn_call(student, x, gamma, beta, bn_param):
    """(out, bn_param as the student's call left it)."""
    value, args_after, _ = student.batchnorm_forward.with_arguments(x, gamma, beta, bn_param)
    out, _ = expect_tuple(value, ("out", "cache"), "batchnorm_forward")
    after = args_after[3] if len(args_after) > 3 else None
    if not isinstance(after, dict):
        raise TestFailure("batchnorm_forward should update the dict bn_param in place")
    return out, after


def _expect_running(after, want, what):
    for key in ("running_mean", "running_var"):
        if key not in after:
            raise TestFailure(f"bn_param has no {key!r} after {what}: store the running averages in bn_param")
        expect_close(after[key], want[key], f"bn_param[{key!r}] after {what}")


@spec.test("batchnorm_forward")
def batchnorm_training_output(rng, student):
    """in training, out normalises every feature with the batch mean and the biased batch variance"""
    for n, d in ((2, int(rng.integers(1, 5))), (int(rng.integers(3, 10)), int(rng.integers(1, 6))), (32, 3)):
        x, gamma, beta = _bn_batch(rng, n, d)
        bn_param = _bn_param(rng, d)
        out, _ = call_forward(student, "batchnorm_forward", x, gamma, beta, bn_param)
        expect_close(out, ref.batchnorm_forward(x, gamma, beta, dict(bn_param))[0],
                     f"out of batchnorm_forward in training (x of shape {(n, d)})")


@spec.test("batchnorm_forward")
def batchnorm_running_averages(rng, student):
    """one training call updates bn_param's running mean and (unbiased) running variance with momentum"""
    for n, d in ((2, int(rng.integers(1, 5))), (int(rng.integers(3, 10)), int(rng.integers(1, 6)))):
        x, gamma, beta = _bn_batch(rng, n, d)
        bn_param = _bn_param(rng, d)
        _, after = _bn_call(student, x, gamma, beta, bn_param)
        want = dict(bn_param)
        ref.batchnorm_forward(x, gamma, beta, want)
        _expect_running(after, want, f"one training call (x of shape {(n, d)})")


@spec.test("batchnorm_forward")
def batchnorm_state_over_many_batches(rng, student):
    """six training batches with bn_param carried from call to call, then test mode uses the running averages"""
    d = int(rng.integers(2, 6))
    bn_param = {"mode": "train", "momentum": float(np.round(rng.uniform(0.6, 0.95), 2))}
    want = dict(bn_param)
    gamma, beta = rng.normal(size=d), rng.normal(size=d)
    shift = rng.normal(scale=3, size=d)
    for step in range(1, 7):
        x = shift + rng.uniform(0.5, 2) * rng.normal(size=(int(rng.integers(2, 12)), d))
        _, bn_param = _bn_call(student, x, gamma, beta, bn_param)
        ref.batchnorm_forward(x, gamma, beta, want)
        _expect_running(bn_param, want, f"training batch {step}")
    bn_param["mode"] = want["mode"] = "test"
    x = shift + rng.normal(size=(int(rng.integers(1, 6)), d))
    out, _ = _bn_call(student, x, gamma, beta, bn_param)
    expect_close(out, ref.batchnorm_forward(x, gamma, beta, want)[0], "out in test mode after six training batches")


@spec.test("batchnorm_forward")
def batchnorm_test_mode(rng, student):
    """in test mode out uses the running averages (N = 1 included) and leaves them unchanged"""
    for n in (1, int(rng.integers(2, 8))):
        d = int(rng.integers(1, 6))
        x, gamma, beta = _bn_batch(rng, n, d)
        bn_param = _bn_param(rng, d, mode="test")
        out, after = _bn_call(student, x, gamma, beta, bn_param)
        expect_close(out, ref.batchnorm_forward(x, gamma, beta, dict(bn_param))[0],
                     f"out of batchnorm_forward in test mode (x of shape {(n, d)})")
        _expect_running(after, bn_param, f"a test-mode call (x of shape {(n, d)})")


@spec.test("batchnorm_forward")
def batchnorm_defaults(rng, student):
    """with only 'mode' given: eps 1e-5, momentum 0.9, running averages from zeros and ones"""
    n, d = int(rng.integers(3, 9)), int(rng.integers(1, 6))
    x, gamma, beta = _bn_batch(rng, n, d)
    out, after = _bn_call(student, x, gamma, beta, {"mode": "train"})
    want = {"mode": "train"}
    expect_close(out, ref.batchnorm_forward(x, gamma, beta, want)[0], "out of batchnorm_forward with default eps")
    _expect_running(after, want, "a training call with bn_param = {'mode': 'train'}")


def _bn_problem(rng, n, d):
    x, gamma, beta = _bn_batch(rng, n, d)
    bn_param = {"mode": "train", "eps": float(rng.choice([1e-5, 1e-3]))}
    dout = rng.normal(size=(n, d))

    def forward(x_, gamma_, beta_):
        return ref.batchnorm_forward(x_, gamma_, beta_, dict(bn_param))

    return (x, gamma, beta), dout, forward, forward(x, gamma, beta)[1]


def _bn_backward_tests(name, reference_backward):
    def expect_grads(rng, student, which, shapes, numeric=True):
        for n, d in shapes:
            args, dout, forward, cache = _bn_problem(rng, n, d)
            got = call_backward(student, name, dout, cache, names=("dx", "dgamma", "dbeta"))
            want = reference_backward(dout, cache)
            nums = numeric_input_gradients(forward, args, dout, [0, 1, 2]) if numeric else None
            for i, label in enumerate(("dx", "dgamma", "dbeta")):
                if label in which:
                    what = f"{label} of {name} (x of shape {(n, d)})"
                    expect_close(got[i], want[i], what)
                    if numeric:
                        expect_gradient(got[i], nums[i], what, GRAD_TOL, NUMERIC_FLOOR)

    def dx_test(rng, student):
        expect_grads(rng, student, ("dx",), [(int(rng.integers(3, 9)), int(rng.integers(1, 6))) for _ in range(2)])

    def parameter_test(rng, student):
        expect_grads(rng, student, ("dgamma", "dbeta"), [(int(rng.integers(3, 9)), int(rng.integers(2, 6)))])

    def shapes_test(rng, student):
        expect_grads(rng, student, ("dx", "dgamma", "dbeta"), [(2, int(rng.integers(1, 5))), (64, 3), (3, 40)],
                     numeric=False)

    dx_test.__doc__ = f"dx of {name} matches the reference and the numeric gradient"
    parameter_test.__doc__ = f"dgamma and dbeta of {name} match the reference and the numeric gradient"
    shapes_test.__doc__ = f"{name} for N = 2, a batch of 64 and a batch of 3 with 40 features"
    for test, suffix, points in ((dx_test, "dx", 2), (parameter_test, "dgamma_dbeta", 1), (shapes_test, "shapes", 1)):
        test.__name__ = f"{name}_{suffix}"
        spec.test(name, points=points)(test)


_bn_backward_tests("batchnorm_backward", ref.batchnorm_backward)
_bn_backward_tests("batchnorm_backward_alt", ref.batchnorm_backward_alt)


# ------------------------------------------------------------------------------------------------ augmentation


def _images(rng):
    return [rng.normal(size=(1, 1, int(rng.integers(2, 6)), int(rng.integers(2, 6)))),
            rng.normal(size=(int(rng.integers(4, 12)), int(rng.integers(1, 4)), int(rng.integers(3, 7)),
                             int(rng.integers(3, 7))))]


@spec.test("augmentation")
def flip_values(rng, student):
    """random_flip with a random p mirrors the drawn images along the width axis"""
    for x in _images(rng):
        seed, p = _seed(rng), float(np.round(rng.uniform(0.3, 0.7), 2))
        got = student.random_flip(x, FnRef("default_rng", seed=seed), p)
        expect_close(got, ref.random_flip(x, local_fn(FnRef("default_rng", seed=seed)), p),
                     f"random_flip(x, rng, p) for x of shape {x.shape}", rtol=0, atol=0)


@spec.test("augmentation")
def flip_everything(rng, student):
    """random_flip with p = 1 mirrors every image left-right (N, C, H, W: the last axis)"""
    x = _images(rng)[1]
    got = student.random_flip(x, FnRef("default_rng", seed=_seed(rng)), 1.0)
    expect_close(got, x[:, :, :, ::-1], f"random_flip(x, rng, 1.0) for x of shape {x.shape}", rtol=0, atol=0)


@spec.test("augmentation", points=2)
def crop_values(rng, student):
    """random_crop pads by pad zeros on every side and cuts the drawn window, for pad = 0 .. 3"""
    for x, pad in zip(_images(rng) + _images(rng), (0, 1, 2, 3)):
        seed = _seed(rng)
        got = student.random_crop(x, FnRef("default_rng", seed=seed), pad)
        expect_close(got, ref.random_crop(x, local_fn(FnRef("default_rng", seed=seed)), pad),
                     f"random_crop(x, rng, {pad}) for x of shape {x.shape}", rtol=0, atol=0)


@spec.test("augmentation")
def noise_values(rng, student):
    """add_gaussian_noise adds rng.normal(0, std, size=x.shape)"""
    for x in _images(rng):
        seed, std = _seed(rng), float(np.round(rng.uniform(0.05, 0.5), 3))
        got = student.add_gaussian_noise(x, FnRef("default_rng", seed=seed), std)
        expect_close(got, ref.add_gaussian_noise(x, local_fn(FnRef("default_rng", seed=seed)), std),
                     f"add_gaussian_noise(x, rng, std) for x of shape {x.shape}")


# ------------------------------------------------------------------------------------------------ label smoothing


def _labels_and_classes(rng):
    n, c = int(rng.integers(1, 9)), int(rng.integers(2, 11))
    return labels(rng, n, c), c


@spec.test("label_smoothing")
def smooth_labels_values(rng, student):
    """smooth_labels: 1 - epsilon for the true class and epsilon / (C - 1) for each other one"""
    for _ in range(3):
        y, c = _labels_and_classes(rng)
        epsilon = float(np.round(rng.uniform(0.05, 0.4), 3))
        expect_close(student.smooth_labels(y, c, epsilon), ref.smooth_labels(y, c, epsilon),
                     f"smooth_labels(y, {c}, epsilon) for {y.size} labels")


def _soft_problem(rng):
    y, c = _labels_and_classes(rng)
    return rng.normal(scale=3, size=(y.size, c)), ref.smooth_labels(y, c, float(rng.uniform(0.05, 0.4)))


@spec.test("label_smoothing")
def soft_cross_entropy_loss(rng, student):
    """soft_cross_entropy: the mean over the batch of -sum targets * log softmax(scores), also for huge scores"""
    for huge in (False, False, True):
        scores, targets = _soft_problem(rng)
        if huge:
            scores = scores * 1e3
        got = expect_tuple(student.soft_cross_entropy(scores, targets), ("loss", "dscores"), "soft_cross_entropy")
        expect_close(got[0], ref.soft_cross_entropy(scores, targets)[0],
                     f"the loss of soft_cross_entropy for scores of shape {scores.shape}"
                     + (" with entries up to 1e4" if huge else ""), allow_scalar=True)


@spec.test("label_smoothing")
def soft_cross_entropy_gradient(rng, student):
    """dscores of soft_cross_entropy matches the reference and the numeric gradient"""
    for _ in range(2):
        scores, targets = _soft_problem(rng)
        got = expect_tuple(student.soft_cross_entropy(scores, targets), ("loss", "dscores"), "soft_cross_entropy")
        what = f"dscores of soft_cross_entropy (scores of shape {scores.shape})"
        expect_close(got[1], ref.soft_cross_entropy(scores, targets)[1], what)
        expect_gradient(got[1], numeric_gradient(lambda v: ref.soft_cross_entropy(v, targets)[0], scores), what,
                        GRAD_TOL, NUMERIC_FLOOR)


# ------------------------------------------------------------------------------------------------ ensembles


def _ensemble_scores(rng):
    k, n, c = int(rng.integers(2, 6)), int(rng.integers(1, 20)), int(rng.integers(2, 8))
    return rng.normal(scale=rng.uniform(1, 4), size=(k, n, c))


@spec.test("ensembles")
def ensemble_probabilities(rng, student):
    """ensemble_predict averages the models' softmax probabilities"""
    for _ in range(2):
        scores = _ensemble_scores(rng)
        probs, _ = expect_tuple(student.ensemble_predict(scores), ("probs", "labels"), "ensemble_predict(scores)")
        expect_close(probs, ref.ensemble_predict(scores)[0], f"probs of ensemble_predict (scores of shape"
                                                             f" {scores.shape})")


@spec.test("ensembles")
def ensemble_labels(rng, student):
    """ensemble_predict's labels are the most probable classes of the averaged probabilities"""
    for _ in range(2):
        scores = _ensemble_scores(rng)
        _, labels = expect_tuple(student.ensemble_predict(scores), ("probs", "labels"), "ensemble_predict(scores)")
        expect_labels(labels, ref.ensemble_predict(scores)[1], f"labels of ensemble_predict (scores of shape"
                                                               f" {scores.shape})")


@spec.test("ensembles")
def bootstrap_draws(rng, student):
    """bootstrap_indices draws n indices with replacement, as documented"""
    for n in (1, int(rng.integers(5, 50)), 2000):
        seed = _seed(rng)
        got = student.bootstrap_indices(n, FnRef("default_rng", seed=seed))
        expect_labels(got, ref.bootstrap_indices(n, local_fn(FnRef("default_rng", seed=seed))),
                      f"bootstrap_indices({n}, rng)")


# ------------------------------------------------------------------------------------------------ snapshots


@spec.test("snapshots")
def cyclic_cosine_values(rng, student):
    """cyclic_cosine_lr at random steps of random cycles"""
    for _ in range(5):
        cycle = int(rng.integers(2, 50))
        lr_max, lr_min = float(np.round(rng.uniform(0.1, 1.0), 3)), float(np.round(rng.uniform(0.0, 0.05), 3))
        step = int(rng.integers(0, 5 * cycle))
        expect_close(student.cyclic_cosine_lr(step, cycle, lr_max, lr_min), ref.cyclic_cosine_lr(step, cycle, lr_max,
                                                                                                lr_min),
                     f"cyclic_cosine_lr at step {step} of cycles of {cycle} steps", allow_scalar=True)


@spec.test("snapshots")
def cyclic_cosine_schedule(rng, student):
    """a whole schedule of three cycles: falls within each cycle and restarts at lr_max"""
    cycle = int(rng.integers(3, 12))
    lr_max = float(np.round(rng.uniform(0.1, 1.0), 3))
    for step in range(3 * cycle + 1):
        expect_close(student.cyclic_cosine_lr(step, cycle, lr_max), ref.cyclic_cosine_lr(step, cycle, lr_max),
                     f"cyclic_cosine_lr at step {step} of cycles of {cycle} steps (default lr_min)", allow_scalar=True)
