"""Lab 2's realistic mistakes, the one table: ``MISTAKES`` maps a name to (the function replaced, its wrong source,
{exercise: expected score} for the exercises it costs points; every other exercise keeps full marks).

``BOB`` names the mistakes of Bob's example notebook (examples/submissions/bob_02_linear_models.ipynb, written by
examples/make_examples.py). Bob's Lab 2: his perceptron predicts booleans instead of integer labels, and his k-fold
splits ignore the random generator (so shuffled cross-validation is never shuffled).
"""

MISTAKES = {
    # the gradient is a sum, not a mean: the loss is still right, every gradient and the training run are not
    "bce_gradient_missing_1_over_n": ("bce_loss", """
        def bce_loss(w, b, X, y):
            z = X @ w + b
            loss = float(np.mean(np.logaddexp(0.0, z) - y * z))
            dz = sigmoid(z) - y
            return loss, X.T @ dz, float(np.sum(dz))
        """, {"logistic_regression": 3}),  # loses dw, db, the numeric check and training (1 + 1 + 1 + 2)
    "bce_forgets_the_bias_gradient": ("bce_loss", """
        def bce_loss(w, b, X, y):
            z = X @ w + b
            loss = float(np.mean(np.logaddexp(0.0, z) - y * z))
            dw = X.T @ (sigmoid(z) - y) / X.shape[0]
            return loss, dw, 0.0
        """, {"logistic_regression": 4}),  # loses db, the numeric check and training (1 + 1 + 2)
    "bce_takes_the_log_of_the_sigmoid": ("bce_loss", """
        def bce_loss(w, b, X, y):
            z = X @ w + b
            yhat = sigmoid(z)
            loss = float(-np.mean(y * np.log(yhat) + (1 - y) * np.log(1 - yhat)))
            dz = (yhat - y) / X.shape[0]
            return loss, X.T @ dz, float(np.sum(dz))
        """, {"logistic_regression": 7}),  # only the confident (z = +50..80, y = 0) sample gives log(0)
    "perceptron_update_sign_error": ("perceptron_train", """
        def perceptron_train(X, y, lr, epochs):
            w = np.zeros(X.shape[1])
            b = 0.0
            for _ in range(epochs):
                for i in range(X.shape[0]):
                    yhat = 1.0 if X[i] @ w + b >= 0 else 0.0
                    w = w - lr * (y[i] - yhat) * X[i]
                    b = b - lr * (y[i] - yhat)
            return w, float(b)
        """, {"perceptron": 2}),  # every training test fails (1 + 1 + 1); both prediction tests pass
    "perceptron_predict_strict_threshold": ("perceptron_predict", """
        def perceptron_predict(w, b, X):
            return (X @ w + b > 0).astype(np.int64)
        """, {"perceptron": 4}),  # only points exactly on the boundary can tell
    "adaline_lecture_unit_norm": ("adaline_train", """
        def adaline_train(X, y, lr, epochs, normalized=False):
            w = np.zeros(X.shape[1])
            b = 0.0
            for _ in range(epochs):
                for i in range(X.shape[0]):
                    step = lr * (y[i] - (X[i] @ w + b))
                    if normalized:
                        step = step / np.linalg.norm(X[i])
                    w = w + step * X[i]
                    b = b + step
            return w, float(b)
        """, {"adaline": 2}),  # divides by ||x|| (lecture 1.4.2) instead of ||x~||^2: both normalised tests fail
    "least_squares_forgets_the_bias_column": ("least_squares_fit", """
        def least_squares_fit(X, y):
            return np.linalg.solve(X.T @ X, X.T @ y)
        """, {"least_squares": 0}),
    "mse_gradient_missing_the_factor_2": ("mse_loss_and_grad", """
        def mse_loss_and_grad(theta, X, y):
            Xb = add_bias_column(X)
            residual = Xb @ theta - y
            return float(np.mean(residual ** 2)), Xb.T @ residual / Xb.shape[0]
        """, {"least_squares_gd": 2}),  # GD still converges to the same minimum: only the loss and that test pass
    "l1_distance_sums_the_wrong_axis": ("pairwise_distances", """
        def pairwise_distances(X_test, X_train, metric="l2"):
            if metric == "l2":
                sq = np.sum(X_test**2, axis=1)[:, None] + np.sum(X_train**2, axis=1)[None, :] - 2 * X_test @ X_train.T
                return np.sqrt(np.maximum(sq, 0.0))
            if metric == "l1":
                return np.sum(np.abs(X_test[:, None, :] - X_train[None, :, :]), axis=1)
            raise ValueError(metric)
        """, {"knn": 5}),  # the L1 distances and L1 k-NN fail; everything with L2 passes
    "knn_tie_rule_reversed": ("knn_predict", """
        def knn_predict(X_train, y_train, X_test, k, metric="l2"):
            dists = pairwise_distances(X_test, X_train, metric)
            nearest = np.argsort(dists, axis=1, kind="stable")[:, :k]
            classes = np.unique(y_train)
            votes = np.sum(y_train[nearest][:, :, None] == classes[None, None, :], axis=1)
            return classes[votes.shape[1] - 1 - np.argmax(votes[:, ::-1], axis=1)]  # ties -> LARGEST label
        """, {"knn": 6}),  # only the tied-vote test has tied votes (the others use two classes and odd k)
    "covariance_divided_by_n_minus_1": ("gaussian_mle_fit", """
        def gaussian_mle_fit(X, y, reg=0.0):
            classes = np.unique(y)
            means = np.stack([X[y == c].mean(axis=0) for c in classes])
            covs = np.stack([np.cov(X[y == c], rowvar=False).reshape(X.shape[1], X.shape[1])
                             + reg * np.eye(X.shape[1]) for c in classes])
            return classes, means, covs
        """, {"gaussian_mle": 3}),  # both fit tests fail (2 + 1); the log-likelihood and prediction take covs given
    "kfold_remainder_in_the_last_fold": ("kfold_indices", """
        def kfold_indices(n, k, rng=None):
            order = np.arange(n) if rng is None else rng.permutation(n)
            size = n // k
            splits = []
            for j in range(k):
                stop = n if j == k - 1 else (j + 1) * size
                splits.append((np.concatenate([order[:j * size], order[stop:]]), order[j * size:stop]))
            return splits
        """, {"cross_validation": 1}),  # right only when k divides n; the CV test uses n % n_folds != 0
    # Bob's own words for mistakes above (examples/submissions/bob_*.ipynb is made of them)
    "perceptron_predicts_booleans": ("perceptron_predict", """
        def perceptron_predict(w, b, X):
            return X @ w + b >= 0
        """, {'perceptron': 3}),
    "kfold_ignores_the_rng": ("kfold_indices", """
        def kfold_indices(n, k, rng=None):
            folds = np.array_split(np.arange(n), k)
            return [(np.concatenate([f for j, f in enumerate(folds) if j != i]), fold) for i, fold in enumerate(folds)]
        """, {'cross_validation': 2}),
}

BOB = ("perceptron_predicts_booleans", "kfold_ignores_the_rng")
BOB_SCORE = 40  # of 45
