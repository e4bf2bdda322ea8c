"""Hidden tests of Lab 3 (the softmax classifier). Inputs are random; answers come from the reference module.

Every test draws fresh shapes and values from ``rng`` and always includes a single sample (N = 1). Scores in the
ordinary tests are moderate (|z| < 40), so that an unstable softmax loses only the tests that say they use
extreme logits (+-1e4).

Tolerances
----------
- Values computed with the same formula as the reference: rtol 1e-7, atol 1e-10.
- Gradients (dscores, dW, db) and the softmax Jacobian are also compared with central differences of the
  REFERENCE loss (h = 1e-5, float64, computed here on the trusted side). The relative error
  ``max(|a - b| / max(1e-8, |a| + |b|))`` must be at most ``GRAD_TOL = 1e-6``, taken over the entries
  whose absolute difference exceeds ``GRAD_IGNORE_BELOW = 1e-8``. Below that, a difference is rounding noise of the
  central difference itself: on these inputs the reference differs from its numeric gradient by at most 2.5e-10
  (3,000 random draws measured), which would otherwise give relative errors up to 1e-5 on entries that are
  nearly 0 by cancellation. A wrong gradient is off by 1e-3 or more.
- At extreme logits only the reference comparison is used (a central difference of a loss of size 1e4 loses
  too many digits to be a fair judge).
"""

import numpy as np

import solutions.softmax as ref
from autograder.grade.spec import (
    Spec,
    count,
    expect_close,
    expect_gradient,
    expect_labels,
    expect_tuple,
    labels,
    numeric_gradient,
    sample_counts,
)

spec = Spec("03_softmax", {
    "one_hot": "one-hot encoding",
    "softmax": "the stable softmax",
    "softmax_jacobian": "the Jacobian of the softmax",
    "cross_entropy": "categorical cross-entropy",
    "softmax_loss": "softmax loss and its gradient",
    "linear_softmax_loss": "the linear classifier's loss and gradients",
    "linear_predict": "predictions",
})

GRAD_TOL = 1e-6
GRAD_IGNORE_BELOW = 1e-8


# ------------------------------------------------------------------------------------------------ helpers


def _expect_gradient(got, expected, numeric, what):
    """``got`` must match the numeric gradient (relative error) and the reference (tolerance)."""
    expect_gradient(got, numeric, what, GRAD_TOL, ignore_below=GRAD_IGNORE_BELOW)
    expect_close(got, expected, what)


def _extreme_scores(rng, shape):
    """Scores made of +-1e4 and 0 plus small noise, with one row of only large negative and one of only large
    positive scores (each of those would overflow or underflow a softmax without the max subtraction)."""
    scores = rng.choice([-1e4, 0.0, 1e4], size=shape) + rng.normal(size=shape)
    scores[0] = -1e4 + rng.normal(size=shape[1:])
    if shape[0] > 1:
        scores[1] = 1e4 + rng.normal(size=shape[1:])
    return scores


def _classifier_inputs(rng, n):
    d, c = int(rng.integers(2, 8)), int(rng.integers(2, 7))
    W = 0.5 * rng.normal(size=(d, c))
    b = rng.normal(size=c)
    X = rng.normal(size=(n, d))
    return W, b, X, labels(rng, n, c)


# ------------------------------------------------------------------------------------------------ one_hot


@spec.test("one_hot")
def one_hot_of_random_labels(rng, student):
    """one_hot of random labels, N = 1 included"""
    for n in sample_counts(rng, 2, 20):
        classes = int(rng.integers(2, 11))
        y = labels(rng, n, classes)
        expect_close(student.one_hot(y, classes), ref.one_hot(y, classes), f"one_hot of {count(n, 'label')}")


@spec.test("one_hot")
def one_hot_uses_every_class(rng, student):
    """one_hot where every class occurs (the first and the last included), and a single class"""
    classes = int(rng.integers(2, 11))
    y = rng.permutation(np.repeat(np.arange(classes), 2))
    expect_close(student.one_hot(y, classes), ref.one_hot(y, classes), "one_hot of labels covering every class")
    y = np.zeros(int(rng.integers(2, 5)), dtype=np.int64)
    expect_close(student.one_hot(y, 1), ref.one_hot(y, 1), "one_hot with num_classes = 1")


# ------------------------------------------------------------------------------------------------ softmax


@spec.test("softmax")
def softmax_of_random_score_matrices(rng, student):
    """softmax of random (N, C) scores, N = 1 and C = 1 included"""
    for n in sample_counts(rng, 2, 12):
        scores = rng.normal(scale=4, size=(n, int(rng.integers(2, 11))))
        expect_close(student.softmax(scores), ref.softmax(scores), f"softmax of an ({n}, C) array")
    scores = rng.normal(size=(int(rng.integers(2, 5)), 1))
    expect_close(student.softmax(scores), ref.softmax(scores), "softmax of an (N, 1) array")


@spec.test("softmax")
def softmax_along_the_last_axis_of_any_shape(rng, student):
    """softmax of one vector (C,) and of arrays with extra leading dimensions (N, T, C), (A, 1, B, C)"""
    shapes = [(int(rng.integers(2, 8)),),
              (int(rng.integers(2, 5)), int(rng.integers(2, 5)), int(rng.integers(2, 7))),
              (int(rng.integers(1, 4)), 1, int(rng.integers(2, 4)), int(rng.integers(2, 6)))]
    for shape in shapes:
        scores = rng.normal(scale=4, size=shape)
        expect_close(student.softmax(scores), ref.softmax(scores), f"softmax of an array of shape {shape}")


@spec.test("softmax", points=2)
def softmax_of_extreme_logits(rng, student):
    """softmax of extreme logits (+-1e4, mixed) is finite and correct"""
    for n in sample_counts(rng, 3, 8):
        scores = _extreme_scores(rng, (n, int(rng.integers(2, 7))))
        expect_close(student.softmax(scores), ref.softmax(scores),
                     f"softmax of an ({n}, C) array of logits around +-1e4")
    scores = _extreme_scores(rng, (2, 3, 4))
    expect_close(student.softmax(scores), ref.softmax(scores), "softmax of a (2, 3, 4) array of logits around +-1e4")


# ------------------------------------------------------------------------------------------- softmax_jacobian


@spec.test("softmax_jacobian")
def jacobian_of_random_probability_vectors(rng, student):
    """softmax_jacobian of random probability vectors, C = 1 to 10"""
    for classes in (1, int(rng.integers(2, 5)), int(rng.integers(5, 11))):
        s = ref.softmax(rng.normal(size=classes))
        expect_close(student.softmax_jacobian(s), ref.softmax_jacobian(s), f"the Jacobian for C = {classes}")


@spec.test("softmax_jacobian")
def jacobian_against_central_differences(rng, student):
    """softmax_jacobian(softmax(z)) equals the numeric Jacobian of the softmax at z"""
    classes = int(rng.integers(3, 8))
    z = rng.normal(size=classes)
    s = ref.softmax(z)
    numeric = np.stack([numeric_gradient(lambda v, i=i: ref.softmax(v)[i], z) for i in range(classes)])
    _expect_gradient(student.softmax_jacobian(s), ref.softmax_jacobian(s), numeric,
                     f"the Jacobian for C = {classes}")


# ---------------------------------------------------------------------------------------------- cross_entropy


@spec.test("cross_entropy")
def cross_entropy_of_random_predictions(rng, student):
    """cross_entropy of random probability vectors, N = 1 included"""
    for n in sample_counts(rng, 2, 15):
        classes = int(rng.integers(2, 11))
        probs = rng.dirichlet(np.full(classes, 2.0), size=n)
        y = labels(rng, n, classes)
        expect_close(student.cross_entropy(probs, y), ref.cross_entropy(probs, y), f"the loss of {count(n, 'sample')}",
                     allow_scalar=True)


@spec.test("cross_entropy")
def cross_entropy_clips_tiny_probabilities(rng, student):
    """cross_entropy clips true-class probabilities of 0 at eps (the default and a given eps)"""
    n, classes = int(rng.integers(3, 9)), int(rng.integers(2, 6))
    probs = rng.dirichlet(np.full(classes, 2.0), size=n)
    y = labels(rng, n, classes)
    zero = rng.permutation(n)[:2]
    probs[zero, y[zero]] = 0.0  # two samples give their true class probability 0
    probs[zero] /= probs[zero].sum(axis=1, keepdims=True)
    expect_close(student.cross_entropy(probs, y), ref.cross_entropy(probs, y),
                 "the loss when some true classes get probability 0", allow_scalar=True)
    eps = float(rng.choice([1e-6, 1e-4]))
    probs[zero[0], y[zero[0]]] = eps / 10  # below eps: clipped; the others are used as they are
    expect_close(student.cross_entropy(probs, y, eps=eps), ref.cross_entropy(probs, y, eps=eps),
                 f"the loss with eps = {eps:g}", allow_scalar=True)


# ----------------------------------------------------------------------------------------------- softmax_loss


def _softmax_loss_result(student, scores, y):
    return expect_tuple(student.softmax_loss(scores, y), ["loss", "dscores"], "softmax_loss(scores, y)")


@spec.test("softmax_loss")
def loss_of_random_scores(rng, student):
    """the loss of softmax_loss on random scores, N = 1 included"""
    for n in sample_counts(rng, 2, 12):
        scores = rng.normal(scale=3, size=(n, int(rng.integers(2, 11))))
        y = labels(rng, n, scores.shape[1])
        loss, _ = _softmax_loss_result(student, scores, y)
        expect_close(loss, ref.softmax_loss(scores, y)[0], f"the loss of {count(n, 'sample')}", allow_scalar=True)


@spec.test("softmax_loss", points=2)
def dscores_of_random_scores(rng, student):
    """dscores of softmax_loss against the numeric gradient and the reference, N = 1 included"""
    for n in sample_counts(rng, 2, 9):
        scores = rng.normal(scale=2, size=(n, int(rng.integers(2, 8))))
        y = labels(rng, n, scores.shape[1])
        _, dscores = _softmax_loss_result(student, scores, y)
        numeric = numeric_gradient(lambda s: ref.softmax_loss(s, y)[0], scores)
        _expect_gradient(dscores, ref.softmax_loss(scores, y)[1], numeric, f"dscores for {count(n, 'sample')}")


@spec.test("softmax_loss")
def loss_and_dscores_at_extreme_logits(rng, student):
    """softmax_loss at extreme logits (+-1e4, mixed): finite loss and dscores, both correct"""
    for n in sample_counts(rng, 3, 8):
        scores = _extreme_scores(rng, (n, int(rng.integers(2, 7))))
        y = labels(rng, n, scores.shape[1])
        loss, dscores = _softmax_loss_result(student, scores, y)
        want_loss, want_dscores = ref.softmax_loss(scores, y)
        expect_close(loss, want_loss, f"the loss of {count(n, 'sample')} with logits around +-1e4", allow_scalar=True)
        expect_close(dscores, want_dscores, f"dscores of {count(n, 'sample')} with logits around +-1e4")


# ------------------------------------------------------------------------------------------ linear_softmax_loss


def _linear_result(student, W, b, X, y, reg):
    return expect_tuple(student.linear_softmax_loss(W, b, X, y, reg), ["loss", "dW", "db"],
                        "linear_softmax_loss(W, b, X, y, reg)")


def _random_reg(rng):
    return float(rng.uniform(0.05, 1.0))


@spec.test("linear_softmax_loss")
def loss_without_regularisation(rng, student):
    """the loss with reg = 0, N = 1 included"""
    for n in sample_counts(rng, 2, 12):
        W, b, X, y = _classifier_inputs(rng, n)
        loss = _linear_result(student, W, b, X, y, 0.0)[0]
        expect_close(loss, ref.linear_softmax_loss(W, b, X, y, 0.0)[0], f"the loss of {count(n, 'sample')} (reg = 0)",
                     allow_scalar=True)


@spec.test("linear_softmax_loss")
def loss_with_regularisation(rng, student):
    """the loss with reg > 0 (data loss + reg * sum(W * W); the bias is not regularised), N = 1 included"""
    for n in sample_counts(rng, 2, 12):
        W, b, X, y = _classifier_inputs(rng, n)
        reg = _random_reg(rng)
        loss = _linear_result(student, W, b, X, y, reg)[0]
        expect_close(loss, ref.linear_softmax_loss(W, b, X, y, reg)[0], f"the loss of {count(n, 'sample')} (reg > 0)",
                     allow_scalar=True)


def _dW_test(rng, student, reg_of):
    for n in sample_counts(rng, 2, 10):
        W, b, X, y = _classifier_inputs(rng, n)
        reg = reg_of(rng)
        dW = _linear_result(student, W, b, X, y, reg)[1]
        numeric = numeric_gradient(lambda w: ref.linear_softmax_loss(w, b, X, y, reg)[0], W)
        label = "reg = 0" if reg == 0 else "reg > 0"
        _expect_gradient(dW, ref.linear_softmax_loss(W, b, X, y, reg)[1], numeric,
                         f"dW for {count(n, 'sample')} ({label})")


@spec.test("linear_softmax_loss")
def dW_without_regularisation(rng, student):
    """dW against the numeric gradient and the reference, reg = 0, N = 1 included"""
    _dW_test(rng, student, lambda rng: 0.0)


@spec.test("linear_softmax_loss")
def dW_with_regularisation(rng, student):
    """dW against the numeric gradient and the reference, reg > 0, N = 1 included"""
    _dW_test(rng, student, _random_reg)


@spec.test("linear_softmax_loss")
def db_against_numeric_gradient(rng, student):
    """db against the numeric gradient and the reference, reg = 0 and reg > 0, N = 1 included"""
    for n, reg in zip(sample_counts(rng, 2, 10) * 2, [0.0, 0.0, _random_reg(rng), _random_reg(rng)]):
        W, b, X, y = _classifier_inputs(rng, n)
        db = _linear_result(student, W, b, X, y, reg)[2]
        numeric = numeric_gradient(lambda v: ref.linear_softmax_loss(W, v, X, y, reg)[0], b)
        label = "reg = 0" if reg == 0 else "reg > 0"
        _expect_gradient(db, ref.linear_softmax_loss(W, b, X, y, reg)[2], numeric,
                         f"db for {count(n, 'sample')} ({label})")


# ----------------------------------------------------------------------------------------------- linear_predict


@spec.test("linear_predict")
def predictions_on_random_data(rng, student):
    """linear_predict on random classifiers and samples, N = 1 included"""
    for n in sample_counts(rng, 2, 30):
        W, b, X, _ = _classifier_inputs(rng, n)
        expect_labels(student.linear_predict(W, b, X), ref.linear_predict(W, b, X),
                      f"the labels of {count(n, 'sample')}")


@spec.test("linear_predict")
def ties_go_to_the_smallest_class(rng, student):
    """linear_predict breaks ties between equal scores in favour of the smallest class index"""
    n, d, c = int(rng.integers(2, 10)), int(rng.integers(2, 6)), int(rng.integers(3, 7))
    first, second = np.sort(rng.choice(c, size=2, replace=False))
    W = rng.normal(size=(d, c))
    W[:, [first, second]] = 0.0  # these two classes score exactly b = 5 on every sample ...
    b = rng.normal(size=c) - 100.0  # ... and all the others far less
    b[[first, second]] = 5.0
    X = rng.normal(size=(n, d))
    expect_labels(student.linear_predict(W, b, X), ref.linear_predict(W, b, X),
                  f"the labels of {count(n, 'sample')} with tied scores")
