"""Notebook 07, generalisation and regularisation."""

import copy

import numpy as np
from torch import nn


class EarlyStopping:
    """Stop training when the validation loss stops improving, and keep the best weights seen.

    An epoch improves on the best loss so far when its validation loss is lower than
    best_loss - min_delta. After `patience` epochs in a row without improvement, `step`
    says to stop. The model's weights at the best epoch are kept as a copy of its state
    dict (not a reference to the live one), so that `restore` really brings them back.
    """

    def __init__(self, patience: int = 5, min_delta: float = 0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = float("inf")
        self.best_epoch = 0
        self.best_state: dict | None = None
        self.counter = 0
        self.epoch = 0

    def step(self, val_loss: float, model: nn.Module) -> bool:
        """Record one epoch's validation loss; True when training should stop."""
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.counter += 1
        return self.counter >= self.patience

    def restore(self, model: nn.Module) -> None:
        """Load the weights of the best epoch back into the model."""
        model.load_state_dict(self.best_state)


def batch_norm_forward(
    x: np.ndarray,
    gamma: np.ndarray,
    beta: np.ndarray,
    running_mean: np.ndarray,
    running_var: np.ndarray,
    training: bool,
    momentum: float = 0.1,
    eps: float = 1e-5,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Batch normalisation of a batch of feature vectors, as nn.BatchNorm1d computes it.

    Inputs:
        x: (N, D) float array, one example per row (N >= 2 in training mode).
        gamma, beta: (D,) the learned scale and shift of each feature.
        running_mean, running_var: (D,) the running statistics so far (left unchanged).
        training: True to normalise with the batch's own mean and (biased) variance and update the
            running statistics; False to normalise with the running statistics, which stay as they are.
        momentum: the weight of this batch in the new running statistics.
        eps: added to the variance before the square root.
    Returns:
        (out, new_running_mean, new_running_var): out (N, D), gamma * x_hat + beta; the running
        statistics (D,) after this batch. Like PyTorch, the running variance is updated with the
        unbiased batch variance (divided by N - 1).
    """
    if training:
        mean, var = x.mean(axis=0), x.var(axis=0)
        n = x.shape[0]
        new_running_mean = (1 - momentum) * running_mean + momentum * mean
        new_running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
        new_running_mean, new_running_var = running_mean.copy(), running_var.copy()
    x_hat = (x - mean) / np.sqrt(var + eps)
    return gamma * x_hat + beta, new_running_mean, new_running_var


def layer_norm_forward(x: np.ndarray, gamma: np.ndarray, beta: np.ndarray, eps: float = 1e-5) -> np.ndarray:
    """Layer normalisation over the last axis, as nn.LayerNorm(D) computes it.

    Inputs:
        x: (..., D) float array: (N, D) for a batch of feature vectors, (N, T, D) for sequences.
        gamma, beta: (D,) the learned scale and shift of each feature.
        eps: added to the variance before the square root.
    Returns:
        array shaped like x: every vector along the last axis normalised with its own mean and
        (biased) variance, then scaled by gamma and shifted by beta. The same in training and evaluation.
    """
    mean = x.mean(axis=-1, keepdims=True)
    var = x.var(axis=-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def dropout_forward(x: np.ndarray, p: float, training: bool, rng: np.random.Generator) -> np.ndarray:
    """Inverted dropout, as nn.Dropout(p) applies it.

    Inputs:
        x: float array of any shape.
        p: the probability of dropping each element, 0 <= p < 1.
        training: True to drop; False (evaluation) to return x unchanged.
        rng: the NumPy Generator the random mask is drawn from (the same seed gives the same mask).
    Returns:
        array shaped like x: in training, each element is 0 with probability p and x / (1 - p)
        otherwise, so the expected output equals x; in evaluation, a copy of x.
    """
    if not training:
        return x.copy()
    keep = rng.random(x.shape) >= p
    return np.where(keep, x / (1 - p), 0.0)
