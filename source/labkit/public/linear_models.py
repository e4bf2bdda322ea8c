"""Public self-checks for Lab 2 (linear models): tiny cases whose answers follow from the definitions by hand."""

import math
import warnings

import numpy as np

from ..selfcheck import CheckFailure, expect_close, expect_integers, public_check


def _expect_pair(got, size, call):
    if not isinstance(got, tuple) or len(got) != size:
        shown = f"a tuple of {len(got)}" if isinstance(got, tuple) else type(got).__name__
        raise CheckFailure(f"  call: {call}\n  expected a tuple of {size} values, got {shown}")


# ------------------------------------------------------------------------------------------ least squares

LINE_X = np.array([[0.0], [1.0], [2.0], [3.0]])
LINE_Y = np.array([1.0, 3.0, 5.0, 7.0])  # y = 2x + 1 exactly


@public_check("least_squares_fit")
def _fit_a_line(least_squares_fit):
    """points on y = 2x + 1 give theta = [1, 2] (bias first)"""
    expect_close(least_squares_fit(LINE_X, LINE_Y), [1.0, 2.0],
                 "least_squares_fit([[0], [1], [2], [3]], [1, 3, 5, 7])", rtol=1e-9, atol=1e-9)


@public_check("least_squares_fit")
def _fit_a_plane(least_squares_fit):
    """points on y = 4 - x1 + 0.5 x2 give theta = [4, -1, 0.5]"""
    X = np.array([[0.0, 0.0], [1.0, 0.0], [0.0, 2.0], [3.0, 1.0], [-1.0, 4.0]])
    y = 4.0 - X[:, 0] + 0.5 * X[:, 1]
    expect_close(least_squares_fit(X, y), [4.0, -1.0, 0.5], "least_squares_fit(X, y) for 5 points on a plane",
                 rtol=1e-9, atol=1e-9)


@public_check("least_squares_fit")
def _fit_the_mean(least_squares_fit):
    """with a constant input the best line is flat at the mean of y: y = [1, 2, 6], x = 1 -> bias + weight = 3"""
    X = np.array([[1.0], [1.0], [1.0], [2.0]])
    y = np.array([1.0, 2.0, 6.0, 5.0])
    # x = 1 predicts mean(1, 2, 6) = 3 and x = 2 predicts 5: theta = [1, 2]
    expect_close(least_squares_fit(X, y), [1.0, 2.0], "least_squares_fit([[1], [1], [1], [2]], [1, 2, 6, 5])",
                 rtol=1e-9, atol=1e-9)


@public_check("mse_loss_and_grad")
def _mse_at_zero(mse_loss_and_grad):
    """at theta = 0 the loss is mean(y²) and the gradient -(2/N) Xb^T y"""
    call = "mse_loss_and_grad(np.zeros(2), [[0], [1], [2], [3]], [1, 3, 5, 7])"
    got = mse_loss_and_grad(np.zeros(2), LINE_X, LINE_Y)
    _expect_pair(got, 2, call)
    loss, dtheta = got
    expect_close(loss, (1 + 9 + 25 + 49) / 4, call + "[0] (the loss)")
    # Xb^T y = [1+3+5+7, 0+3+10+21] = [16, 34]
    expect_close(dtheta, [-2 / 4 * 16, -2 / 4 * 34], call + "[1] (the gradient)")


@public_check("mse_loss_and_grad")
def _mse_at_the_solution(mse_loss_and_grad):
    """at the exact fit theta = [1, 2] the loss and the gradient are zero"""
    call = "mse_loss_and_grad(np.array([1.0, 2.0]), [[0], [1], [2], [3]], [1, 3, 5, 7])"
    loss, dtheta = mse_loss_and_grad(np.array([1.0, 2.0]), LINE_X, LINE_Y)
    expect_close(loss, 0.0, call + "[0] (the loss)")
    expect_close(dtheta, [0.0, 0.0], call + "[1] (the gradient)")


@public_check("least_squares_gd")
def _gd_one_step(least_squares_gd):
    """one step from theta = 0 is theta = lr (2/N) Xb^T y, and losses[0] = mean(y²)"""
    call = "least_squares_gd([[0], [1], [2], [3]], [1, 3, 5, 7], lr=0.1, n_steps=1)"
    got = least_squares_gd(LINE_X, LINE_Y, 0.1, 1)
    _expect_pair(got, 2, call)
    theta, losses = got
    expect_close(theta, [0.1 * 2 / 4 * 16, 0.1 * 2 / 4 * 34], call + "[0] (theta)")
    expect_close(losses, [21.0], call + "[1] (the losses)")


@public_check("least_squares_gd")
def _gd_reaches_the_line(least_squares_gd):
    """2000 steps with lr = 0.1 reach the exact fit theta = [1, 2]"""
    call = "least_squares_gd([[0], [1], [2], [3]], [1, 3, 5, 7], lr=0.1, n_steps=2000)"
    theta, losses = least_squares_gd(LINE_X, LINE_Y, 0.1, 2000)
    expect_close(theta, [1.0, 2.0], call + "[0] (theta)", rtol=1e-6, atol=1e-6)
    if np.asarray(losses).shape != (2000,):
        raise CheckFailure(f"  call: {call}\n  expected 2000 losses, got shape {np.asarray(losses).shape}")
    expect_close(losses[0], 21.0, call + "[1][0] (the loss at theta = 0)")


# ------------------------------------------------------------------------------------- perceptron, ADALINE

TWO_X = np.array([[1.0, 0.0], [0.0, 1.0]])


@public_check("perceptron_predict")
def _predict_threshold(perceptron_predict):
    """z >= 0 predicts 1, z < 0 predicts 0; z = 0 exactly is class 1"""
    X = np.array([[1.0, 1.0], [2.0, 0.0], [0.0, 1.0], [3.0, 3.0]])
    w, b = np.array([1.0, -1.0]), 0.5
    # z = [0.5, 2.5, -0.5, 0.5]
    expect_integers(perceptron_predict(w, b, X), [1, 1, 0, 1],
                   "perceptron_predict(np.array([1.0, -1.0]), 0.5, [[1, 1], [2, 0], [0, 1], [3, 3]])")
    expect_integers(perceptron_predict(w, 0.0, X), [1, 1, 0, 1],
                   "perceptron_predict(np.array([1.0, -1.0]), 0.0, [[1, 1], [2, 0], [0, 1], [3, 3]]) (z = 0 -> 1)")


@public_check("perceptron_train")
def _perceptron_by_hand(perceptron_train):
    """one epoch on x = [1, 0] (y = 0), [0, 1] (y = 1) with lr = 1, simulated by hand"""
    # sample 0: z = 0 -> yhat = 1, e = -1: w = [-1, 0], b = -1
    # sample 1: z = 0 + (-1) = -1 -> yhat = 0, e = +1: w = [-1, 1], b = 0
    call = "perceptron_train([[1, 0], [0, 1]], [0, 1], lr=1.0, epochs=1)"
    got = perceptron_train(TWO_X, np.array([0, 1]), 1.0, 1)
    _expect_pair(got, 2, call)
    w, b = got
    expect_close(w, [-1.0, 1.0], call + "[0] (w)")
    expect_close(b, 0.0, call + "[1] (b)")


@public_check("perceptron_train")
def _perceptron_correct_changes_nothing(perceptron_train):
    """a sample predicted right is left alone: y = 1 at w = 0, b = 0 (z = 0 -> 1) gives no update"""
    call = "perceptron_train([[2, 3]], [1], lr=0.5, epochs=3)"
    w, b = perceptron_train(np.array([[2.0, 3.0]]), np.array([1]), 0.5, 3)
    expect_close(w, [0.0, 0.0], call + "[0] (w)")
    expect_close(b, 0.0, call + "[1] (b)")


@public_check("perceptron_train")
def _perceptron_two_epochs(perceptron_train):
    """two epochs on the same data with lr = 0.5 (the second epoch makes no mistakes)"""
    # epoch 1 as above, scaled by 0.5: w = [-0.5, 0.5], b = 0; epoch 2: z = -0.5 (yhat 0 = y), z = 0.5 (yhat 1 = y)
    call = "perceptron_train([[1, 0], [0, 1]], [0, 1], lr=0.5, epochs=2)"
    w, b = perceptron_train(TWO_X, np.array([0, 1]), 0.5, 2)
    expect_close(w, [-0.5, 0.5], call + "[0] (w)")
    expect_close(b, 0.0, call + "[1] (b)")


@public_check("adaline_train")
def _adaline_first_step(adaline_train):
    """original rule, one sample, one epoch: from w = 0, b = 0 the error is y, so w = lr y x and b = lr y"""
    call = "adaline_train([[1, 2]], [3], lr=0.1, epochs=1)"
    got = adaline_train(np.array([[1.0, 2.0]]), np.array([3.0]), 0.1, 1)
    _expect_pair(got, 2, call)
    w, b = got
    expect_close(w, [0.3, 0.6], call + "[0] (w)")
    expect_close(b, 0.3, call + "[1] (b)")


@public_check("adaline_train")
def _adaline_two_samples(adaline_train):
    """original rule, two samples, one epoch, simulated by hand"""
    # sample 0: x = [1, 0], y = 1, z = 0, e = 1: w = [0.5, 0], b = 0.5
    # sample 1: x = [0, 1], y = 0, z = 0.5, e = -0.5: w = [0.5, -0.25], b = 0.25
    call = "adaline_train([[1, 0], [0, 1]], [1, 0], lr=0.5, epochs=1)"
    w, b = adaline_train(TWO_X, np.array([1.0, 0.0]), 0.5, 1)
    expect_close(w, [0.5, -0.25], call + "[0] (w)")
    expect_close(b, 0.25, call + "[1] (b)")


@public_check("adaline_train")
def _adaline_normalized_fits_one_sample(adaline_train):
    """normalised rule with lr = 1 fits a sample exactly: x = [1, 2], y = 3, ||x~||² = 1 + 1 + 4 = 6"""
    call = "adaline_train([[1, 2]], [3], lr=1.0, epochs=1, normalized=True)"
    w, b = adaline_train(np.array([[1.0, 2.0]]), np.array([3.0]), 1.0, 1, normalized=True)
    # step = 1 * 3 / 6 = 0.5: w = [0.5, 1.0], b = 0.5, and then x @ w + b = 0.5 + 2 + 0.5 = 3
    expect_close(w, [0.5, 1.0], call + "[0] (w)")
    expect_close(b, 0.5, call + "[1] (b)")


@public_check("adaline_train")
def _adaline_normalized_halves_the_error(adaline_train):
    """normalised rule with lr = 0.5: the sample's error halves at every visit (3 -> 1.5 -> 0.75)"""
    call = "adaline_train([[1, 2]], [3], lr=0.5, epochs=2, normalized=True)"
    w, b = adaline_train(np.array([[1.0, 2.0]]), np.array([3.0]), 0.5, 2, normalized=True)
    z = 1.0 * w[0] + 2.0 * w[1] + b
    expect_close(3.0 - z, 0.75, f"3 - (x @ w + b) after {call}")
    expect_close(w, [0.375, 0.75], call + "[0] (w)")


# ------------------------------------------------------------------------------------ logistic regression


@public_check("sigmoid")
def _sigmoid_values(sigmoid):
    """sigmoid(0) = 0.5, sigmoid(log 3) = 0.75, sigmoid(-log 3) = 0.25"""
    z = np.array([0.0, math.log(3.0), -math.log(3.0)])
    expect_close(sigmoid(z), [0.5, 0.75, 0.25], "sigmoid(np.array([0, log 3, -log 3]))")
    expect_close(sigmoid(np.zeros((2, 3))), np.full((2, 3), 0.5), "sigmoid(np.zeros((2, 3)))")


@public_check("sigmoid")
def _sigmoid_is_stable(sigmoid):
    """sigmoid(±1000) gives 1 and 0 without an overflow warning"""
    call = "sigmoid(np.array([-1000.0, 1000.0]))"
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        try:
            with np.errstate(over="raise", invalid="raise"):
                got = sigmoid(np.array([-1000.0, 1000.0]))
        except (FloatingPointError, RuntimeWarning) as error:
            raise CheckFailure(f"  call: {call}\n  NumPy reported {error!s}: exp() of a large positive number"
                               " overflows; use exp(-|z|) as the docstring explains") from None
    expect_close(got, [0.0, 1.0], call)


@public_check("bce_loss")
def _bce_at_zero(bce_loss):
    """at w = 0, b = 0 every prediction is 0.5: loss = log 2, dw = X^T (0.5 - y) / N, db = mean(0.5 - y)"""
    X = np.array([[1.0, 2.0], [-1.0, 0.0], [3.0, 1.0]])
    y = np.array([1.0, 0.0, 1.0])
    call = "bce_loss(np.zeros(2), 0.0, [[1, 2], [-1, 0], [3, 1]], [1, 0, 1])"
    got = bce_loss(np.zeros(2), 0.0, X, y)
    _expect_pair(got, 3, call)
    loss, dw, db = got
    expect_close(loss, math.log(2.0), call + "[0] (the loss)")
    # 0.5 - y = [-0.5, 0.5, -0.5]: X^T (0.5 - y) = [-0.5 - 0.5 - 1.5, -1 + 0 - 0.5] = [-2.5, -1.5]
    expect_close(dw, [-2.5 / 3, -1.5 / 3], call + "[1] (dw, the mean over the 3 samples)")
    expect_close(db, -0.5 / 3, call + "[2] (db)")


@public_check("bce_loss")
def _bce_one_sample(bce_loss):
    """one sample with z = log 3 (yhat = 0.75) and y = 0: loss = log 4, dw = 0.75 x, db = 0.75"""
    call = "bce_loss(np.array([log 3, 0.0]), 0.0, [[1, 5]], [0])"
    loss, dw, db = bce_loss(np.array([math.log(3.0), 0.0]), 0.0, np.array([[1.0, 5.0]]), np.array([0.0]))
    expect_close(loss, math.log(4.0), call + "[0] (the loss)")
    expect_close(dw, [0.75, 3.75], call + "[1] (dw)")
    expect_close(db, 0.75, call + "[2] (db)")


@public_check("bce_loss")
def _bce_confident_and_wrong(bce_loss):
    """a confident wrong prediction (z = 800, y = 0) costs 800, not inf"""
    call = "bce_loss(np.array([1.0]), 0.0, [[800]], [0])"
    with np.errstate(all="ignore"):
        loss, _, _ = bce_loss(np.array([1.0]), 0.0, np.array([[800.0]]), np.array([0.0]))
    expect_close(loss, 800.0, call + "[0] (the loss; compute it from z with np.logaddexp)")


@public_check("logistic_regression_train")
def _logreg_first_step(logistic_regression_train):
    """one step from w = 0, b = 0 moves by -lr times the gradient at zero; losses[0] = log 2"""
    X = np.array([[1.0, 2.0], [-1.0, 0.0], [3.0, 1.0]])
    y = np.array([1.0, 0.0, 1.0])
    call = "logistic_regression_train([[1, 2], [-1, 0], [3, 1]], [1, 0, 1], lr=0.3, n_steps=1)"
    got = logistic_regression_train(X, y, 0.3, 1)
    _expect_pair(got, 3, call)
    w, b, losses = got
    expect_close(w, [0.3 * 2.5 / 3, 0.3 * 1.5 / 3], call + "[0] (w)")
    expect_close(b, 0.3 * 0.5 / 3, call + "[1] (b)")
    expect_close(losses, [math.log(2.0)], call + "[2] (the losses)")


@public_check("logistic_regression_train")
def _logreg_separates(logistic_regression_train):
    """on separable 1-D data (x < 0: class 0, x > 0: class 1) the loss keeps falling"""
    X = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    call = "logistic_regression_train([[-2], [-1], [1], [2]], [0, 0, 1, 1], lr=1.0, n_steps=50)"
    w, b, losses = logistic_regression_train(X, y, 1.0, 50)
    losses = np.asarray(losses)
    if losses.shape != (50,) or not np.all(np.diff(losses) < 0):
        raise CheckFailure(f"  call: {call}\n  expected 50 strictly decreasing losses, got {losses[:5]} ...")
    expect_close(b, 0.0, call + "[1] (b: the data are symmetric about 0)", atol=1e-9)
    if not w[0] > 2.0:
        raise CheckFailure(f"  call: {call}\n  expected w > 2 after 50 steps, got {w}")


# -------------------------------------------------------------------------------------------------- k-NN


@public_check("pairwise_distances")
def _distances_3_4_5(pairwise_distances):
    """the 3-4-5 triangle: L2 distance 5, L1 distance 7; rows are test points, columns training points"""
    A = np.array([[0.0, 0.0], [3.0, 4.0]])
    B = np.array([[3.0, 4.0], [0.0, 0.0], [3.0, 0.0]])
    expect_close(pairwise_distances(A, B), [[5.0, 0.0, 3.0], [0.0, 5.0, 4.0]],
                 "pairwise_distances([[0, 0], [3, 4]], [[3, 4], [0, 0], [3, 0]])", atol=1e-7)
    expect_close(pairwise_distances(A, B, metric="l1"), [[7.0, 0.0, 3.0], [0.0, 7.0, 4.0]],
                 "pairwise_distances([[0, 0], [3, 4]], [[3, 4], [0, 0], [3, 0]], metric='l1')")
    expect_close(pairwise_distances(A[:1], B[2:], metric="l1"), [[3.0]],
                 "pairwise_distances([[0, 0]], [[3, 0]], metric='l1') (shape (1, 1))")


@public_check("knn_predict")
def _knn_small(knn_predict):
    """1-D training set: points 0, 1, 2 (class 0) and 10, 11 (class 1)"""
    X_train = np.array([[0.0], [1.0], [2.0], [10.0], [11.0]])
    y_train = np.array([0, 0, 0, 1, 1])
    X_test = np.array([[0.5], [9.0], [6.5]])
    call = "knn_predict([[0], [1], [2], [10], [11]], [0, 0, 0, 1, 1], [[0.5], [9], [6.5]], k={})"
    expect_integers(knn_predict(X_train, y_train, X_test, 1), [0, 1, 1], call.format(1))
    expect_integers(knn_predict(X_train, y_train, X_test, 3), [0, 1, 1], call.format(3))
    # 6.5: distances 6.5, 5.5, 4.5, 3.5, 4.5 -> 2 nearest: 10 (class 1), then 2 and 11 tie at 4.5 and index 2
    # (class 0) comes first; the vote is 1:1, a tie, which goes to the smaller label 0
    expect_integers(knn_predict(X_train, y_train, X_test, 2), [0, 1, 0], call.format(2))


@public_check("knn_predict")
def _knn_tied_vote(knn_predict):
    """a tied vote goes to the smallest label, even when the nearest neighbour has the larger one"""
    X_train = np.array([[1.0], [-2.0]])
    y_train = np.array([7, 3])
    call = "knn_predict([[1], [-2]], [7, 3], [[0]], k=2)"
    expect_integers(knn_predict(X_train, y_train, np.array([[0.0]]), 2), [3], call)


@public_check("knn_predict")
def _knn_tied_distance(knn_predict):
    """equal distances are ranked by training index: the query 0 is 1 away from both 1 (class 5) and -1 (class 2)"""
    X_train = np.array([[1.0], [-1.0]])
    call = "knn_predict([[1], [-1]], {}, [[0]], k=1, metric='l1')"
    expect_integers(knn_predict(X_train, np.array([5, 2]), np.array([[0.0]]), 1, metric="l1"), [5],
                   call.format("[5, 2]"))
    expect_integers(knn_predict(X_train, np.array([2, 5]), np.array([[0.0]]), 1, metric="l1"), [2],
                   call.format("[2, 5]"))


# ------------------------------------------------------------------------------------------ Gaussian MLE

GAUSS_X = np.array([[0.0, 0.0], [2.0, 0.0], [0.0, 2.0], [2.0, 2.0], [10.0, 10.0], [12.0, 10.0]])
GAUSS_Y = np.array([4, 4, 4, 4, 9, 9])


@public_check("gaussian_mle_fit")
def _mle_square_and_pair(gaussian_mle_fit):
    """four corners of a square (class 4) and a horizontal pair (class 9): means, and covariances divided by N_c"""
    call = "gaussian_mle_fit(X, y) for a square (class 4) and a pair of points (class 9)"
    got = gaussian_mle_fit(GAUSS_X, GAUSS_Y)
    if not isinstance(got, tuple) or len(got) != 3:
        raise CheckFailure(f"  call: {call}\n  expected a tuple (classes, means, covs)")
    classes, means, covs = got
    expect_integers(classes, [4, 9], call + "[0] (classes)")
    expect_close(means, [[1.0, 1.0], [11.0, 10.0]], call + "[1] (means)")
    # square: every coordinate is mean ± 1, uncorrelated -> variance 1 (divide by N_c = 4, not 3)
    # pair: x = 11 ± 1 -> variance 1; y constant -> 0
    expect_close(covs, [[[1.0, 0.0], [0.0, 1.0]], [[1.0, 0.0], [0.0, 0.0]]],
                 call + "[2] (covariances, MLE: divide by N_c)")


@public_check("gaussian_mle_fit")
def _mle_ridge(gaussian_mle_fit):
    """reg = 0.5 adds 0.5 to every diagonal entry of every covariance"""
    _, _, covs = gaussian_mle_fit(GAUSS_X, GAUSS_Y, reg=0.5)
    expect_close(covs, [[[1.5, 0.0], [0.0, 1.5]], [[1.5, 0.0], [0.0, 0.5]]], "gaussian_mle_fit(X, y, reg=0.5)[2]")


@public_check("gaussian_log_likelihood")
def _loglik_standard_normal(gaussian_log_likelihood):
    """the standard normal in 2-D: log N(0 | 0, I) = -log(2 pi); at distance 2 subtract 2; a scaled covariance"""
    X = np.array([[0.0, 0.0], [2.0, 0.0]])
    means = np.zeros((2, 2))
    covs = np.stack([np.eye(2), 4.0 * np.eye(2)])
    # class 1: det = 16 -> -1/2 log 16 = -log 4; Mahalanobis of [2, 0] is 4/4 = 1
    expected = [[-math.log(2 * math.pi), -math.log(2 * math.pi) - math.log(4.0)],
                [-math.log(2 * math.pi) - 2.0, -math.log(2 * math.pi) - math.log(4.0) - 0.5]]
    expect_close(gaussian_log_likelihood(X, means, covs), expected,
                 "gaussian_log_likelihood([[0, 0], [2, 0]], zeros((2, 2)), [I, 4 I])")


@public_check("gaussian_mle_predict")
def _predict_nearest_gaussian(gaussian_mle_predict):
    """two unit Gaussians at 0 and at 10 with labels 3 and 8: points go to the nearer mean"""
    classes = np.array([3, 8])
    means = np.array([[0.0, 0.0], [10.0, 0.0]])
    covs = np.stack([np.eye(2), np.eye(2)])
    X = np.array([[1.0, 1.0], [9.0, -2.0], [4.9, 0.0], [5.1, 3.0]])
    expect_integers(gaussian_mle_predict(X, classes, means, covs), [3, 8, 3, 8],
                   "gaussian_mle_predict([[1, 1], [9, -2], [4.9, 0], [5.1, 3]], [3, 8], means, [I, I])")


@public_check("gaussian_mle_predict")
def _predict_wide_beats_narrow(gaussian_mle_predict):
    """a point 3 away from a narrow Gaussian (var 1) and 4 away from a wide one (var 16) goes to the wide one"""
    classes = np.array([0, 1])
    means = np.array([[0.0], [7.0]])
    covs = np.array([[[1.0]], [[16.0]]])
    # class 0: -4.5 (Mahalanobis 9 / 2); class 1: -log 4 - 0.5 = -1.89
    expect_integers(gaussian_mle_predict(np.array([[3.0]]), classes, means, covs), [1],
                   "gaussian_mle_predict([[3]], [0, 1], [[0], [7]], [[[1]], [[16]]])")


# ---------------------------------------------------------------------------------------- cross-validation


def _expect_indices(got, expected, call):
    if not isinstance(got, np.ndarray) or got.dtype.kind not in "iu":
        shown = f"dtype {got.dtype}" if isinstance(got, np.ndarray) else type(got).__name__
        raise CheckFailure(f"  call: {call}\n  expected an integer NumPy array, got {shown}")
    if got.tolist() != list(expected):
        raise CheckFailure(f"  call: {call}\n  expected {list(expected)}, got {got.tolist()}")


@public_check("kfold_indices")
def _kfold_7_3(kfold_indices):
    """7 samples in 3 folds: validation folds [0, 1, 2], [3, 4], [5, 6] (the first n % k folds are larger)"""
    call = "kfold_indices(7, 3)"
    splits = kfold_indices(7, 3)
    if not isinstance(splits, list) or len(splits) != 3:
        raise CheckFailure(f"  call: {call}\n  expected a list of 3 (train_idx, val_idx) tuples, got "
                           f"{type(splits).__name__} of length {len(splits) if hasattr(splits, '__len__') else '?'}")
    expected = [([3, 4, 5, 6], [0, 1, 2]), ([0, 1, 2, 5, 6], [3, 4]), ([0, 1, 2, 3, 4], [5, 6])]
    for j, (split, (train, val)) in enumerate(zip(splits, expected)):
        _expect_pair(split, 2, f"{call}[{j}]")
        _expect_indices(split[1], val, f"{call}[{j}][1] (validation indices of fold {j})")
        _expect_indices(split[0], train, f"{call}[{j}][0] (training indices of fold {j})")


@public_check("kfold_indices")
def _kfold_shuffled(kfold_indices):
    """with an rng the folds are consecutive pieces of rng.permutation(n)"""
    order = np.random.default_rng(0).permutation(6)
    splits = kfold_indices(6, 2, np.random.default_rng(0))
    call = "kfold_indices(6, 2, np.random.default_rng(0))"
    _expect_indices(splits[0][1], order[:3].tolist(), f"{call}[0][1] (should be rng.permutation(6)[:3])")
    _expect_indices(splits[1][1], order[3:].tolist(), f"{call}[1][1] (should be rng.permutation(6)[3:])")


@public_check("cross_validate_knn")
def _cv_two_clusters(cross_validate_knn):
    """two far-apart clusters, interleaved, 2 folds: k = 1 and 3 are always right; k = 4 ties half the time"""
    X = np.array([[0.0], [10.0], [1.0], [11.0], [2.0], [12.0], [3.0], [13.0]])
    y = np.array([0, 1, 0, 1, 0, 1, 0, 1])
    # each training half holds 2 points per class: k = 4 votes 2:2 and predicts 0, right for class 0 only
    call = "cross_validate_knn(X, y, ks=[1, 3, 4], n_folds=2)"
    expect_close(cross_validate_knn(X, y, [1, 3, 4], 2), [1.0, 1.0, 0.5], call)
