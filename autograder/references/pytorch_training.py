"""Notebook 06, training with PyTorch."""

from typing import Sequence

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder, StandardScaler
from torch import nn
from torch.utils.data import DataLoader


def train_epoch(model: nn.Module, loader: DataLoader, loss_fn: nn.Module, optimizer: torch.optim.Optimizer) -> float:
    """One pass of mini-batch training over `loader`.

    Inputs:
        model: the network, put in training mode here.
        loader: yields (X, y) batches.
        loss_fn: maps (model(X), y) to a mean loss over the batch.
        optimizer: updates the model's parameters.
    Returns:
        the mean loss over the epoch's examples (each batch's mean loss weighted by its size), as a float.
    """
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(X)
        count += len(X)
    return total / count


def evaluate(model: nn.Module, loader: DataLoader, loss_fn: nn.Module) -> float:
    """The mean loss over `loader`'s examples, in evaluation mode and without building a graph.

    Inputs:
        model: the network, put in evaluation mode here (dropout off, batch norm on its running statistics).
        loader: yields (X, y) batches.
        loss_fn: maps (model(X), y) to a mean loss over the batch.
    Returns:
        the mean loss over all examples, as a float.
    """
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for X, y in loader:
            total += loss_fn(model(X), y).item() * len(X)
            count += len(X)
    return total / count


def accuracy(logits: torch.Tensor, y: torch.Tensor) -> float:
    """The share of examples classified right.

    Inputs:
        logits: (N, K) scores of K classes, or (N, 1) / (N,) logits of class 1 in a binary task.
        y: (N,) class indices, or (N, 1) / (N,) 0/1 labels in a binary task.
    Returns:
        a float between 0 and 1. In a binary task the predicted class is 1 where the logit is
        positive (probability above 0.5); otherwise it is the class with the largest score.
    """
    if logits.ndim == 1 or logits.shape[1] == 1:
        predicted = (logits.reshape(-1) > 0).long()
    else:
        predicted = logits.argmax(dim=1)
    return (predicted == y.reshape(-1).long()).float().mean().item()


def predict_grid(model: nn.Module, grid: np.ndarray, task: str) -> np.ndarray:
    """The model's prediction at every point of a grid, in evaluation mode and without building a graph.

    Inputs:
        model: a network mapping (M, D) float32 tensors to (M, 1) outputs ("regression", "binary")
            or (M, K) class scores ("multiclass"); put in evaluation mode here.
        grid: (M, D) NumPy array of points (float64, as plots make them).
        task: "regression", "binary" or "multiclass".
    Returns:
        (M,) NumPy array: the model's output for "regression"; the probability of class 1
        (the sigmoid of the logit) for "binary"; the index of the highest-scoring class (int64)
        for "multiclass".
    """
    model.eval()
    with torch.no_grad():
        outputs = model(torch.as_tensor(grid, dtype=torch.float32))
    if task == "regression":
        return outputs[:, 0].numpy()
    if task == "binary":
        return torch.sigmoid(outputs[:, 0]).numpy()
    return outputs.argmax(dim=1).numpy()


def predict_label(model: nn.Module, scaler: StandardScaler, encoder: LabelEncoder, raw_point: Sequence[float]) -> tuple[str, float]:
    """Classify one raw example: scale it, run the model, turn its scores into probabilities, decode the label.

    Inputs:
        model: a classifier mapping (1, D) float32 tensors to (1, K) class scores; put in evaluation mode here.
        scaler: the StandardScaler fitted on the raw training inputs.
        encoder: the LabelEncoder fitted on the training labels (class index k is encoder.classes_[k]).
        raw_point: the D raw input values of one example (a list or a (D,) array), unscaled.
    Returns:
        (label, probability): the most probable class's label, as a str, and its softmax probability, as a float.
    """
    x = scaler.transform(np.asarray(raw_point, dtype=float).reshape(1, -1))
    model.eval()
    with torch.no_grad():
        probabilities = torch.softmax(model(torch.as_tensor(x, dtype=torch.float32)), dim=1)[0]
    index = int(probabilities.argmax())
    return str(encoder.inverse_transform([index])[0]), probabilities[index].item()
