"""Notebook 08, the capstone: a regularised binary classifier with a Keras-like fit."""

from typing import Sequence

import pandas as pd
import torch
from torch import nn

from autograder.references.pytorch_training import accuracy

HISTORY_COLUMNS = ["loss", "val_loss", "accuracy", "val_accuracy"]


def make_classifier(n_features: int, n_hidden: int = 32, dropout: float = 0.3) -> nn.Sequential:
    """A one-hidden-layer binary classifier with batch normalisation and dropout.

    Inputs:
        n_features: the number of input columns D.
        n_hidden: the number of hidden units H.
        dropout: the probability that dropout zeroes a hidden unit while training.
    Returns:
        nn.Sequential(Linear(D, H), BatchNorm1d(H), ReLU(), Dropout(dropout), Linear(H, 1)),
        mapping (N, D) inputs to (N, 1) logits (no sigmoid: the loss applies it).
    """
    return nn.Sequential(
        nn.Linear(n_features, n_hidden),
        nn.BatchNorm1d(n_hidden),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(n_hidden, 1),
    )


def fit(
    model: nn.Module,
    train: tuple[torch.Tensor, torch.Tensor],
    val: tuple[torch.Tensor, torch.Tensor],
    epochs: int,
    batch_size: int = 32,
    lr: float = 1e-3,
    callbacks: Sequence = (),
    log_every: int = 0,
) -> pd.DataFrame:
    """Train a binary classifier with Adam and BCEWithLogitsLoss, as Keras's model.fit does.

    Inputs:
        model: maps (N, D) float inputs to (N, 1) logits.
        train, val: (X, y) pairs; X a (N, D) float32 tensor, y a (N,) float32 tensor of 0/1 labels.
        epochs: the number of epochs to run, unless a callback stops training sooner.
        batch_size: the examples per mini-batch; each epoch shuffles the training examples, and
            its last batch holds what is left.
        lr: Adam's learning rate.
        callbacks: objects with step(val_loss, model) -> bool, called after every epoch with
            that epoch's validation loss (True: stop training); when training ends, restore(model)
            is called on each callback that has it (EarlyStopping brings back its best weights).
        log_every: print one short line after every log_every-th epoch; 0 prints nothing.
    Returns:
        a pandas DataFrame with one row per epoch run and the columns loss, val_loss, accuracy and
        val_accuracy: the training loss and accuracy over the epoch's examples (each batch measured
        on its own logits, in training mode, and weighted by its size), and the validation loss and
        accuracy after the epoch, in eval mode and without gradients.
    """
    X_train, y_train = train
    X_val, y_val = val
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    rows = []
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(X_train))
        total_loss, total_correct = 0.0, 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            optimizer.zero_grad()
            logits = model(X_train[batch]).squeeze(1)
            loss = loss_fn(logits, y_train[batch])
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(batch)
            total_correct += accuracy(logits, y_train[batch]) * len(batch)
        model.eval()
        with torch.no_grad():
            val_logits = model(X_val).squeeze(1)
            val_loss = loss_fn(val_logits, y_val).item()
        rows.append(
            {
                "loss": total_loss / len(order),
                "val_loss": val_loss,
                "accuracy": total_correct / len(order),
                "val_accuracy": accuracy(val_logits, y_val),
            }
        )
        if log_every and epoch % log_every == 0:
            row = rows[-1]
            print(f"epoch {epoch:3d}: loss {row['loss']:.4f}, val_loss {row['val_loss']:.4f}, val_accuracy {row['val_accuracy']:.3f}")
        stops = [callback.step(val_loss, model) for callback in callbacks]
        if any(stops):
            break
    for callback in callbacks:
        if hasattr(callback, "restore"):
            callback.restore(model)
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


def predict_proba(model: nn.Module, X: torch.Tensor) -> torch.Tensor:
    """The model's probability of label 1 for every example.

    Inputs:
        model: maps (N, D) inputs to (N, 1) logits; put in eval mode here.
        X: (N, D) float32 tensor.
    Returns:
        (N,) float32 tensor of probabilities, sigmoid of the logits, computed without a graph.
    """
    model.eval()
    with torch.no_grad():
        return torch.sigmoid(model(X)).squeeze(1)


def predict_classes(model: nn.Module, X: torch.Tensor, threshold: float = 0.5) -> torch.Tensor:
    """The predicted label of every example: 1 where its probability is above the threshold.

    Inputs:
        model: maps (N, D) inputs to (N, 1) logits.
        X: (N, D) float32 tensor.
        threshold: the probability above which an example gets label 1.
    Returns:
        (N,) int64 tensor of 0/1 labels.
    """
    return (predict_proba(model, X) > threshold).long()
