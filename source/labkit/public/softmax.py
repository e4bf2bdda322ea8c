"""Public self-checks for Lab 3 (the softmax classifier): small cases worked out by hand."""

import math

import numpy as np

from ..selfcheck import CheckFailure, expect_close, expect_integers, public_check


def _pair(result, call, names):
    """The student's result as a tuple of ``len(names)`` values, or a CheckFailure saying what came back."""
    if result is None:
        raise CheckFailure(f"  call: {call}\n  got None: did you forget a `return`?")
    if not isinstance(result, (tuple, list)) or len(result) != len(names):
        shape = f"a {type(result).__name__} of length {len(result)}" if isinstance(result, (tuple, list)) \
            else f"a {type(result).__name__}"
        raise CheckFailure(f"  call: {call}\n  expected a tuple ({', '.join(names)}), got {shape}")
    return result


# ------------------------------------------------------------------------------------------------ one_hot


@public_check("one_hot")
def _one_hot_lecture_example(one_hot):
    """the lecture's example: labels [3, 0, 2] with 4 classes"""
    expected = [[0.0, 0.0, 0.0, 1.0],
                [1.0, 0.0, 0.0, 0.0],
                [0.0, 0.0, 1.0, 0.0]]
    expect_close(one_hot(np.array([3, 0, 2]), 4), expected, "one_hot(np.array([3, 0, 2]), 4)")


@public_check("one_hot")
def _one_hot_single_label(one_hot):
    """one sample whose label is the last class: [4] with 5 classes gives [[0, 0, 0, 0, 1]]"""
    expect_close(one_hot(np.array([4]), 5), [[0.0, 0.0, 0.0, 0.0, 1.0]], "one_hot(np.array([4]), 5)")


# ------------------------------------------------------------------------------------------------ softmax


@public_check("softmax")
def _softmax_of_logarithms(softmax):
    """softmax(log([1, 2, 3, 4])) is [1, 2, 3, 4] / 10"""
    expect_close(softmax(np.log([1.0, 2.0, 3.0, 4.0])), [0.1, 0.2, 0.3, 0.4], "softmax(np.log([1.0, 2.0, 3.0, 4.0]))")


@public_check("softmax")
def _softmax_rows(softmax):
    """on a (2, 3) array every ROW is one score vector (the softmax runs along the last axis)"""
    scores = np.log(np.array([[1.0, 1.0, 2.0], [3.0, 1.0, 1.0]]))
    expect_close(softmax(scores), [[0.25, 0.25, 0.5], [0.6, 0.2, 0.2]],
                 "softmax(np.log(np.array([[1.0, 1.0, 2.0], [3.0, 1.0, 1.0]])))")


@public_check("softmax")
def _softmax_leading_dimensions(softmax):
    """a (2, 1, 2) input: every length-2 slice along the last axis becomes [0.5, 0.5]"""
    expect_close(softmax(np.full((2, 1, 2), 7.0)), np.full((2, 1, 2), 0.5), "softmax(np.full((2, 1, 2), 7.0))")


@public_check("softmax")
def _softmax_huge_logits(softmax):
    """logits of +-1e4 give finite probabilities (subtract each row's maximum before np.exp)"""
    scores = np.array([[1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]])
    with np.errstate(all="ignore"):
        got = softmax(scores)
    expect_close(got, [[0.5, 0.5, 0.0], [1 / 3, 1 / 3, 1 / 3]],
                 "softmax(np.array([[1e4, 1e4, -1e4], [-1e4, -1e4, -1e4]]))")


# ------------------------------------------------------------------------------------------- softmax_jacobian


@public_check("softmax_jacobian")
def _jacobian_two_classes(softmax_jacobian):
    """s = [0.2, 0.8]: the Jacobian is [[0.16, -0.16], [-0.16, 0.16]]"""
    expect_close(softmax_jacobian(np.array([0.2, 0.8])), [[0.16, -0.16], [-0.16, 0.16]],
                 "softmax_jacobian(np.array([0.2, 0.8]))")


@public_check("softmax_jacobian")
def _jacobian_three_classes(softmax_jacobian):
    """s = [0.5, 0.25, 0.25]: diagonal s_i(1 - s_i), off the diagonal -s_i s_j"""
    expected = [[0.25, -0.125, -0.125],
                [-0.125, 0.1875, -0.0625],
                [-0.125, -0.0625, 0.1875]]
    expect_close(softmax_jacobian(np.array([0.5, 0.25, 0.25])), expected,
                 "softmax_jacobian(np.array([0.5, 0.25, 0.25]))")


# ---------------------------------------------------------------------------------------------- cross_entropy


@public_check("cross_entropy")
def _cross_entropy_two_samples(cross_entropy):
    """two samples whose true classes get 0.5 and 0.8: the mean of -log 0.5 and -log 0.8"""
    probs = np.array([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]])
    expect_close(cross_entropy(probs, np.array([0, 1])), -(math.log(0.5) + math.log(0.8)) / 2,
                 "cross_entropy(np.array([[0.5, 0.25, 0.25], [0.1, 0.8, 0.1]]), np.array([0, 1]))")


@public_check("cross_entropy")
def _cross_entropy_clips_zero(cross_entropy):
    """a true-class probability of exactly 0 is clipped at eps: the loss is -log(1e-12), not inf"""
    with np.errstate(all="ignore"):
        got = cross_entropy(np.array([[0.0, 1.0]]), np.array([0]))
    expect_close(got, -math.log(1e-12), "cross_entropy(np.array([[0.0, 1.0]]), np.array([0]))")


# ----------------------------------------------------------------------------------------------- softmax_loss


@public_check("softmax_loss")
def _softmax_loss_equal_scores(softmax_loss):
    """equal scores: the loss is log C and dscores = (1/C - one_hot(y)) / N"""
    call = "softmax_loss(np.zeros((2, 4)), np.array([1, 3]))"
    loss, dscores = _pair(softmax_loss(np.zeros((2, 4)), np.array([1, 3])), call, ["loss", "dscores"])
    expect_close(loss, math.log(4), f"{call}[0] (the loss)")
    expected = [[0.125, -0.375, 0.125, 0.125],
                [0.125, 0.125, 0.125, -0.375]]
    expect_close(dscores, expected, f"{call}[1] (dscores, averaged over the N = 2 samples)")


@public_check("softmax_loss")
def _softmax_loss_huge_logits(softmax_loss):
    """scores [[1e4, 0]] with label 1: the loss is 1e4 (finite) and dscores [[1, -1]]"""
    call = "softmax_loss(np.array([[1e4, 0.0]]), np.array([1]))"
    with np.errstate(all="ignore"):
        result = softmax_loss(np.array([[1e4, 0.0]]), np.array([1]))
    loss, dscores = _pair(result, call, ["loss", "dscores"])
    expect_close(loss, 1e4, f"{call}[0] (the loss)")
    expect_close(dscores, [[1.0, -1.0]], f"{call}[1] (dscores)")


# ------------------------------------------------------------------------------------------ linear_softmax_loss


@public_check("linear_softmax_loss")
def _linear_loss_by_hand(linear_softmax_loss):
    """one sample whose two class scores are equal (4 and 4), reg = 0.25: worked out by hand"""
    # scores = X @ W + b = [1 + 3, 1 + 3]: both classes get probability 1/2, dscores = [[-0.5, 0.5]].
    W = np.array([[1.0, 1.0], [0.0, 0.0]])
    b = np.array([3.0, 3.0])
    X = np.array([[1.0, 2.0]])
    call = ("linear_softmax_loss(W=np.array([[1.0, 1.0], [0.0, 0.0]]), b=np.array([3.0, 3.0]),"
            " X=np.array([[1.0, 2.0]]), y=np.array([0]), reg=0.25)")
    loss, dW, db = _pair(linear_softmax_loss(W, b, X, np.array([0]), 0.25), call, ["loss", "dW", "db"])
    expect_close(loss, math.log(2) + 0.25 * 2.0, f"{call}[0] (the loss: log 2 + reg * sum(W * W); b is not"
                                                 " regularised)")
    expect_close(dW, [[-0.5 + 0.5, 0.5 + 0.5], [-1.0, 1.0]],
                 f"{call}[1] (dW = X.T @ dscores + 2 * reg * W)")
    expect_close(db, [-0.5, 0.5], f"{call}[2] (db = dscores summed over the samples; b is not regularised)")


# ----------------------------------------------------------------------------------------------- linear_predict


@public_check("linear_predict")
def _predict_identity_weights(linear_predict):
    """with W = I and b = 0 the prediction is the position of each row's largest feature"""
    got = linear_predict(np.eye(3), np.zeros(3), np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 1.0], [-1.0, -3.0, 0.5]]))
    expect_integers(got, [0, 1, 2], "linear_predict(np.eye(3), np.zeros(3), "
                                 "np.array([[1.0, 0.0, 0.0], [0.0, 2.0, 1.0], [-1.0, -3.0, 0.5]]))")


@public_check("linear_predict")
def _predict_ties(linear_predict):
    """equal scores: the smallest class index wins (as np.argmax does)"""
    got = linear_predict(np.zeros((2, 3)), np.array([0.0, 1.0, 1.0]), np.ones((4, 2)))
    expect_integers(got, [1, 1, 1, 1], "linear_predict(np.zeros((2, 3)), np.array([0.0, 1.0, 1.0]), np.ones((4, 2)))")
