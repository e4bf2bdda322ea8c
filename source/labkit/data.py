"""Real data sets that ship inside scikit-learn, so the labs work offline."""

import numpy as np


def load_digits(test_fraction=0.25, seed=0, classes=None):
    """scikit-learn's 1,797 handwritten 8x8 digits, scaled to [0, 1] and split into train and test sets.

    Parameters
    ----------
    test_fraction : float
        Share of the samples held out for testing (stratified by class).
    seed : int
        Seed of the split, so that everybody gets the same split.
    classes : sequence of int, optional
        Keep only these digits (e.g. ``(0, 1)`` for a two-class problem). Labels are kept as the digits.

    Returns
    -------
    X_train : ndarray, shape (N_train, 64), float64
    y_train : ndarray, shape (N_train,), int64
    X_test : ndarray, shape (N_test, 64), float64
    y_test : ndarray, shape (N_test,), int64
    """
    from sklearn.datasets import load_digits as sklearn_digits
    from sklearn.model_selection import train_test_split

    digits = sklearn_digits()
    X = digits.data.astype(np.float64) / 16.0
    y = digits.target.astype(np.int64)
    if classes is not None:
        keep = np.isin(y, classes)
        X, y = X[keep], y[keep]
    X_train, X_test, y_train, y_test = train_test_split(
        X, y, test_size=test_fraction, random_state=seed, stratify=y
    )
    return X_train, y_train, X_test, y_test


def load_sample_image(name="china.jpg", gray=True):
    """One of scikit-learn's two bundled photographs (``"china.jpg"`` or ``"flower.jpg"``).

    Parameters
    ----------
    name : str
    gray : bool
        Convert to grayscale (luma weights 0.299, 0.587, 0.114).

    Returns
    -------
    ndarray, float64 in [0, 1], shape (H, W) if ``gray`` else (H, W, 3)
    """
    from sklearn.datasets import load_sample_image as sklearn_sample_image

    image = sklearn_sample_image(name).astype(np.float64) / 255.0
    if gray:
        image = image @ np.array([0.299, 0.587, 0.114])
    return image
