"""Notebook 01, the single neuron."""

import numpy as np
import torch
from torch import nn


def linear_unit(X: np.ndarray, w: np.ndarray, b: float) -> np.ndarray:
    """The output of one linear unit for every example of a batch.

    Inputs:
        X: (N, D) array, one example per row.
        w: (D,) array, one weight per input.
        b: the bias, a number.
    Returns:
        (N,) float array whose entry n is X[n] · w + b.
    """
    return X @ w + b


def flatten_images(images: np.ndarray) -> np.ndarray:
    """A batch of images as a table with one row per image.

    Inputs:
        images: (N, H, W, C) array: N images of H rows, W columns and C channels.
    Returns:
        (N, H * W * C) array with the same dtype; row n lists the pixels of image n
        in (row, column, channel) order, exactly as they are stored.
    """
    return images.reshape(images.shape[0], -1)


def to_torch_linear(W: np.ndarray, b: np.ndarray) -> nn.Linear:
    """A PyTorch layer that computes X @ W + b.

    Inputs:
        W: (D, K) array: column k holds the weights of unit k.
        b: (K,) array of biases.
    Returns:
        nn.Linear(D, K) with float32 parameters: weight = W.T, of shape (K, D), and bias = b.
    """
    layer = nn.Linear(W.shape[0], W.shape[1])
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(W.T))
        layer.bias.copy_(torch.from_numpy(b))
    return layer
