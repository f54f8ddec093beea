"""Data sets the notebooks share, built from a fixed seed so that every run sees the same data."""

from __future__ import annotations

import numpy as np
import torch
from sklearn.datasets import make_moons
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler


def standardize(X_train: np.ndarray, *others: np.ndarray) -> list[np.ndarray]:
    """Scale every column to mean 0 and standard deviation 1, using the training set's statistics only.

    Returns the scaled training set followed by the other sets, scaled the same way.
    """
    scaler = StandardScaler().fit(X_train)
    return [scaler.transform(X) for X in (X_train, *others)]


def moons(n_samples: int = 800, noise: float = 0.15, seed: int = 0) -> tuple[torch.Tensor, ...]:
    """Two interleaving half-moons, a binary task no straight line can separate.

    Returns (X_train, y_train, X_val, y_val): 75 % / 25 % of the points, split with
    both classes in equal proportion, standardised on the training set; X as
    (N, 2) float32 tensors, y as (N,) float32 tensors of 0/1 labels.
    """
    X, y = make_moons(n_samples=n_samples, noise=noise, random_state=seed)
    X_train, X_val, y_train, y_val = train_test_split(X, y, test_size=0.25, random_state=seed, stratify=y)
    X_train, X_val = standardize(X_train, X_val)
    return tuple(torch.tensor(array, dtype=torch.float32) for array in (X_train, y_train, X_val, y_val))
