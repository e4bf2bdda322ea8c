"""Bob's Lab 3: his one-hot matrix holds integers instead of floats, and his cross-entropy sums over the batch
instead of averaging."""

CHANGES = {
    "one_hot": '''def one_hot(y, num_classes):
    Y = np.zeros((len(y), num_classes), dtype=int)
    Y[np.arange(len(y)), y] = 1
    return Y''',
    "cross_entropy": '''def cross_entropy(probs, y, eps=1e-12):
    return float(-np.sum(np.log(np.maximum(probs[np.arange(len(y)), y], eps))))''',
}
