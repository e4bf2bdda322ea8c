"""Lab 3's realistic mistakes, the one table: ``MISTAKES`` maps a name to (the function replaced, its wrong source,
{exercise: expected score} for the exercises it costs points; every other exercise keeps full marks).

``BOB`` names the mistakes of Bob's example notebook (examples/submissions/bob_03_softmax.ipynb, written by
examples/make_examples.py). Bob's Lab 3: his one-hot matrix holds integers instead of floats, and his cross-entropy
sums over the batch instead of averaging.
"""

# Each case: (function to replace, its wrong source, the exercise scores that change). Functions call each other by
# name in the sandbox, so a mistake in softmax_loss also costs the gradient tests of linear_softmax_loss.
MISTAKES = {
    "softmax_without_max_subtraction": ("softmax", """
        def softmax(scores):
            exp_scores = np.exp(scores)
            return exp_scores / np.sum(exp_scores, axis=-1, keepdims=True)
        """, {"softmax": 2}),  # only the +-1e4 test (2 points) overflows
    "softmax_over_the_wrong_axis": ("softmax", """
        def softmax(scores):
            shifted = scores - np.max(scores, axis=0, keepdims=True)
            exp_scores = np.exp(shifted)
            return exp_scores / np.sum(exp_scores, axis=0, keepdims=True)
        """, {"softmax": 0}),  # right for one vector (C,) only, and every test also uses batches
    "jacobian_without_the_diagonal_term": ("softmax_jacobian", """
        def softmax_jacobian(s):
            return -np.outer(s, s)
        """, {"softmax_jacobian": 0}),
    "one_hot_off_by_one": ("one_hot", """
        def one_hot(y, num_classes):
            Y = np.zeros((len(y), num_classes))
            Y[np.arange(len(y)), y - 1] = 1.0
            return Y
        """, {"one_hot": 0}),
    "cross_entropy_without_clipping": ("cross_entropy", """
        def cross_entropy(probs, y, eps=1e-12):
            return float(-np.mean(np.log(probs[np.arange(len(y)), y])))
        """, {"cross_entropy": 1}),  # log(0) = -inf: loses the clipping test only
    "cross_entropy_summed_not_averaged": ("cross_entropy", """
        def cross_entropy(probs, y, eps=1e-12):
            return float(-np.sum(np.log(np.maximum(probs[np.arange(len(y)), y], eps))))
        """, {"cross_entropy": 0}),  # right for N = 1 only
    "dscores_missing_1_over_N": ("softmax_loss", """
        def softmax_loss(scores, y):
            N = scores.shape[0]
            shifted = scores - np.max(scores, axis=1, keepdims=True)
            log_probs = shifted - np.log(np.sum(np.exp(shifted), axis=1, keepdims=True))
            loss = -np.mean(log_probs[np.arange(N), y])
            dscores = np.exp(log_probs)
            dscores[np.arange(N), y] -= 1.0
            return float(loss), dscores
        """, {"softmax_loss": 1, "linear_softmax_loss": 2}),  # the loss values stay right, every gradient is N x
    "softmax_loss_without_log_sum_exp": ("softmax_loss", """
        def softmax_loss(scores, y):
            N = scores.shape[0]
            probs = np.exp(scores) / np.sum(np.exp(scores), axis=1, keepdims=True)
            loss = -np.mean(np.log(probs[np.arange(N), y]))
            dscores = probs.copy()
            dscores[np.arange(N), y] -= 1.0
            return float(loss), dscores / N
        """, {"softmax_loss": 3}),  # fine on ordinary scores, inf/nan at +-1e4
    "reg_gradient_missing_factor_2": ("linear_softmax_loss", """
        def linear_softmax_loss(W, b, X, y, reg):
            loss, dscores = softmax_loss(X @ W + b, y)
            loss += reg * np.sum(W * W)
            dW = X.T @ dscores + reg * W
            db = np.sum(dscores, axis=0)
            return loss, dW, db
        """, {"linear_softmax_loss": 4}),  # only dW with reg > 0 can tell
    "half_l2_convention": ("linear_softmax_loss", """
        def linear_softmax_loss(W, b, X, y, reg):
            loss, dscores = softmax_loss(X @ W + b, y)
            loss += 0.5 * reg * np.sum(W * W)
            dW = X.T @ dscores + reg * W
            db = np.sum(dscores, axis=0)
            return loss, dW, db
        """, {"linear_softmax_loss": 3}),  # self-consistent, but not this lab's reg * ||W||^2
    "bias_regularised_too": ("linear_softmax_loss", """
        def linear_softmax_loss(W, b, X, y, reg):
            loss, dscores = softmax_loss(X @ W + b, y)
            loss += reg * (np.sum(W * W) + np.sum(b * b))
            dW = X.T @ dscores + 2 * reg * W
            db = np.sum(dscores, axis=0) + 2 * reg * b
            return loss, dW, db
        """, {"linear_softmax_loss": 3}),  # loses the loss with reg > 0 and db
    "db_forgotten": ("linear_softmax_loss", """
        def linear_softmax_loss(W, b, X, y, reg):
            loss, dscores = softmax_loss(X @ W + b, y)
            loss += reg * np.sum(W * W)
            dW = X.T @ dscores + 2 * reg * W
            db = np.zeros_like(b)
            return loss, dW, db
        """, {"linear_softmax_loss": 4}),
    "predict_argmax_over_the_wrong_axis": ("linear_predict", """
        def linear_predict(W, b, X):
            return np.argmax(X @ W + b, axis=0)
        """, {"linear_predict": 0}),
    # Bob's own words for mistakes above (examples/submissions/bob_*.ipynb is made of them)
    "one_hot_of_integers": ("one_hot", """
        def one_hot(y, num_classes):
            Y = np.zeros((len(y), num_classes), dtype=int)
            Y[np.arange(len(y)), y] = 1
            return Y
        """, {'one_hot': 0}),
}

BOB = ("one_hot_of_integers", "cross_entropy_summed_not_averaged")
BOB_SCORE = 17  # of 21
