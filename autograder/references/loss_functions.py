"""Notebook 03, loss functions. Each agrees with its torch.nn.functional counterpart."""

import numpy as np

LOG_FLOOR = -100.0  # like PyTorch's binary_cross_entropy, no log is taken to be lower than this


def mae(y_hat: np.ndarray, y: np.ndarray) -> float:
    """Mean absolute error, like F.l1_loss.

    Inputs:
        y_hat: predictions, float array of any shape.
        y: targets, float array of the same shape.
    Returns:
        the mean of |y_hat − y| over all entries.
    """
    return np.mean(np.abs(y_hat - y))


def mse(y_hat: np.ndarray, y: np.ndarray) -> float:
    """Mean squared error, like F.mse_loss.

    Inputs:
        y_hat: predictions, float array of any shape.
        y: targets, float array of the same shape.
    Returns:
        the mean of (y_hat − y)² over all entries.
    """
    return np.mean((y_hat - y) ** 2)


def binary_cross_entropy(p: np.ndarray, y: np.ndarray) -> float:
    """Binary cross-entropy of probabilities, like F.binary_cross_entropy.

    Inputs:
        p: predicted probabilities that the label is 1, float array with values in [0, 1].
        y: labels (0 or 1, or soft labels in between), float array of the same shape.
    Returns:
        the mean of −[y log p + (1 − y) log(1 − p)], with each log clamped at −100 as
        PyTorch does, so that p = 0 or p = 1 gives a large but finite loss.
    """
    with np.errstate(divide="ignore"):  # log(0) is -inf, clamped just below
        log_p = np.maximum(np.log(p), LOG_FLOOR)
        log_not_p = np.maximum(np.log1p(-p), LOG_FLOOR)  # log(1 - p), accurate even for tiny p
    return -np.mean(y * log_p + (1 - y) * log_not_p)


def binary_cross_entropy_with_logits(z: np.ndarray, y: np.ndarray) -> float:
    """Binary cross-entropy of logits, like F.binary_cross_entropy_with_logits.

    Inputs:
        z: logits (any real numbers; the probability is sigmoid(z)), float array.
        y: labels (0 or 1, or soft labels in between), float array of the same shape.
    Returns:
        the mean of −[y log σ(z) + (1 − y) log(1 − σ(z))], computed as
        max(z, 0) − z·y + log(1 + e^(−|z|)), which is finite for every finite z.
    """
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def softmax(Z: np.ndarray) -> np.ndarray:
    """The softmax of each row of Z, without overflow for large logits.

    Inputs:
        Z: (N, C) array of logits, one row per example.
    Returns:
        (N, C) array of probabilities; each row is positive and sums to 1.
    """
    exp = np.exp(Z - Z.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def log_softmax(Z: np.ndarray) -> np.ndarray:
    """log(softmax(Z)) row by row, computed with the log-sum-exp trick (finite for finite Z)."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy(Z: np.ndarray, y: np.ndarray, weight: np.ndarray | None = None) -> float:
    """Softmax cross-entropy of logits against class indices, like F.cross_entropy.

    Inputs:
        Z: (N, C) array of logits.
        y: (N,) integer array of class indices in 0..C−1.
        weight: optional (C,) array: how much each class counts.
    Returns:
        the mean over examples of −log softmax(Z)[n, y[n]]; with weights, the
        weighted mean, each example weighted by weight[y[n]] and the sum divided
        by the sum of those weights.
    """
    losses = -log_softmax(Z)[np.arange(len(y)), y]
    weights = np.ones(len(y)) if weight is None else weight[y]
    return np.sum(weights * losses) / np.sum(weights)
