"""Notebook 06, training with PyTorch."""

import torch
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
