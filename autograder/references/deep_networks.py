"""Notebook 02, deep networks and activations."""

import numpy as np
import torch
from torch import nn


def sigmoid(x: np.ndarray) -> np.ndarray:
    """σ(x) = 1 / (1 + e^(−x)), elementwise, without overflow for large |x|.

    Inputs:
        x: float array of any shape.
    Returns:
        array of the same shape and dtype, with values in [0, 1].
    """
    e = np.exp(-np.abs(x))  # never more than 1, so it cannot overflow
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def tanh(x: np.ndarray) -> np.ndarray:
    """tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x)), elementwise, without overflow for large |x|.

    Inputs:
        x: float array of any shape.
    Returns:
        array of the same shape and dtype, with values in [−1, 1].
    """
    e = np.exp(-2 * np.abs(x))  # tanh(|x|) = (1 − e) / (1 + e), and tanh is odd
    return np.sign(x) * (1 - e) / (1 + e)


def relu(x: np.ndarray) -> np.ndarray:
    """max(0, x), elementwise.

    Inputs:
        x: float array of any shape.
    Returns:
        array of the same shape and dtype.
    """
    return np.maximum(0, x)


def leaky_relu(x: np.ndarray, negative_slope: float = 0.01) -> np.ndarray:
    """x where x > 0, negative_slope · x elsewhere, elementwise.

    Inputs:
        x: float array of any shape.
        negative_slope: the slope for negative inputs, between 0 and 1.
    Returns:
        array of the same shape and dtype.
    """
    return np.where(x > 0, x, negative_slope * x)


def collapse_linear(W1: np.ndarray, b1: np.ndarray, W2: np.ndarray, b2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The one linear layer equivalent to layer (W1, b1) followed by layer (W2, b2), with no activation between.

    Inputs:
        W1: (D, H), b1: (H,): the first layer.
        W2: (H, K), b2: (K,): the second layer.
    Returns:
        (W, b) with W: (D, K) and b: (K,), such that (X @ W1 + b1) @ W2 + b2 == X @ W + b.
    """
    return W1 @ W2, b1 @ W2 + b2


def forward(X: np.ndarray, params: dict[str, np.ndarray]) -> np.ndarray:
    """The output of a network of three dense layers, ReLU after the first two, linear at the end.

    Inputs:
        X: (N, D) array, one example per row.
        params: "W1" (D, H1), "b1" (H1,), "W2" (H1, H2), "b2" (H2,), "W3" (H2, 1), "b3" (1,).
    Returns:
        (N, 1) array: the network's output for each example.
    """
    a1 = relu(X @ params["W1"] + params["b1"])
    a2 = relu(a1 @ params["W2"] + params["b2"])
    return a2 @ params["W3"] + params["b3"]


ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def make_mlp(dims: list[int], activation: str = "relu") -> nn.Module:
    """A multilayer perceptron: dense layers of sizes dims, the activation between them, none after the last.

    Inputs:
        dims: [D, H1, ..., K]: the input size, the hidden layers' sizes and the output size.
        activation: "relu", "tanh" or "sigmoid".
    Returns:
        an nn.Module whose parameters are all registered (model.parameters() lists every
        layer's weight and bias), mapping an (N, D) float32 tensor to an (N, K) tensor.
    """
    layers = []
    for n_in, n_out in zip(dims[:-1], dims[1:]):
        layers.append(nn.Linear(n_in, n_out))
        layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers[:-1])
