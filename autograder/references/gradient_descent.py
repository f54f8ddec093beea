"""Notebook 04, gradient descent: a one-hidden-layer binary classifier trained by hand."""

from typing import Callable

import numpy as np
import torch
import torch.nn.functional as F

Coefficients = tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]


def numerical_gradient(f: Callable[[np.ndarray], float], x: np.ndarray, eps: float = 1e-6) -> np.ndarray:
    """The gradient of f at x by central differences.

    Inputs:
        f: a function from a float array shaped like x to a number.
        x: float64 array of any shape (left unchanged).
        eps: the step taken on each side of every coordinate.
    Returns:
        float array shaped like x; entry i is (f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps).
    """
    gradient = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[index] = eps
        gradient[index] = (f(x + step) - f(x - step)) / (2 * eps)
    return gradient


def init_coeffs(n_in: int, n_hidden: int, seed: int) -> Coefficients:
    """Random starting coefficients for the classifier, the same for the same seed.

    Inputs:
        n_in: the number of input features D.
        n_hidden: the number of hidden units H.
        seed: the random seed.
    Returns:
        (W1, b1, W2, b2): float32 tensors of shapes (D, H), (H,), (H, 1) and (1,), each a
        leaf that requires grad. Weights are random, scaled by 1/sqrt(fan-in); biases zero.
    """
    generator = torch.Generator().manual_seed(seed)
    W1 = torch.randn(n_in, n_hidden, generator=generator) / n_in**0.5
    W2 = torch.randn(n_hidden, 1, generator=generator) / n_hidden**0.5
    b1, b2 = torch.zeros(n_hidden), torch.zeros(1)
    return tuple(coefficient.requires_grad_() for coefficient in (W1, b1, W2, b2))


def calc_preds(coeffs: Coefficients, X: torch.Tensor) -> torch.Tensor:
    """The classifier's predicted probability of label 1 for every example.

    Inputs:
        coeffs: (W1, b1, W2, b2) as made by init_coeffs.
        X: (N, D) float tensor, one example per row.
    Returns:
        (N,) tensor of probabilities: sigmoid(relu(X @ W1 + b1) @ W2 + b2).
    """
    W1, b1, W2, b2 = coeffs
    hidden = torch.relu(X @ W1 + b1)
    return torch.sigmoid(hidden @ W2 + b2)[:, 0]


def calc_loss(coeffs: Coefficients, X: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """The mean binary cross-entropy of the predictions for X against the labels y.

    Inputs:
        coeffs: (W1, b1, W2, b2).
        X: (N, D) float tensor.
        y: (N,) float tensor of 0/1 labels.
    Returns:
        a scalar tensor, still connected to coeffs so that .backward() reaches them.
    """
    return F.binary_cross_entropy(calc_preds(coeffs, X), y)


def update_coeffs(coeffs: Coefficients, lr: float) -> None:
    """One step of gradient descent, in place: each coefficient moves against its gradient.

    Inputs:
        coeffs: (W1, b1, W2, b2), each holding its gradient in .grad.
        lr: the learning rate.
    Returns:
        None. Each coefficient c becomes c − lr · c.grad, and its gradient is reset to zero.
    """
    with torch.no_grad():
        for coefficient in coeffs:
            coefficient -= lr * coefficient.grad
            coefficient.grad.zero_()


def train_model(
    X: torch.Tensor, y: torch.Tensor, epochs: int, lr: float, n_hidden: int = 8, seed: int = 0
) -> tuple[Coefficients, list[float]]:
    """Train the classifier on (X, y) by full-batch gradient descent.

    Inputs:
        X: (N, D) float tensor; y: (N,) float tensor of 0/1 labels.
        epochs: the number of steps, each on the whole training set.
        lr: the learning rate.
        n_hidden, seed: passed to init_coeffs.
    Returns:
        (coeffs, losses): the trained coefficients, and the training loss (a float)
        before each epoch's step, one per epoch.
    """
    coeffs = init_coeffs(X.shape[1], n_hidden, seed)
    losses = []
    for _ in range(epochs):
        loss = calc_loss(coeffs, X, y)
        loss.backward()
        update_coeffs(coeffs, lr)
        losses.append(loss.item())
    return coeffs, losses
