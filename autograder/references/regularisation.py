"""Notebook 07, generalisation and regularisation."""

import copy

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
