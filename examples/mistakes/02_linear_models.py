"""Bob's Lab 2: his perceptron predicts booleans instead of integer labels, and his k-fold splits ignore the
random generator (so shuffled cross-validation is never shuffled)."""

CHANGES = {
    "perceptron_predict": '''def perceptron_predict(w, b, X):
    return X @ w + b >= 0''',
    "kfold_indices": '''def kfold_indices(n, k, rng=None):
    folds = np.array_split(np.arange(n), k)
    return [(np.concatenate([f for j, f in enumerate(folds) if j != i]), fold) for i, fold in enumerate(folds)]''',
}
