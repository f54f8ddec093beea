"""Data sets the notebooks share, built from a fixed seed so that every run sees the same data."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import torch
from sklearn.datasets import load_breast_cancer, make_moons
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import LabelEncoder, StandardScaler

DATA = Path(__file__).resolve().parent / "datasets"  # shipped inside the package, so both installs have it


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


@dataclass(frozen=True)
class Splits:
    """A data set split into training, validation and test sets: inputs X and labels y of each."""

    X_train: np.ndarray
    y_train: np.ndarray
    X_val: np.ndarray
    y_val: np.ndarray
    X_test: np.ndarray
    y_test: np.ndarray


def split(X: np.ndarray, y: np.ndarray, train: float = 0.7, seed: int = 1234) -> Splits:
    """Split into training (`train`), validation and test sets (half the rest each), every class in proportion."""
    X_train, X_rest, y_train, y_rest = train_test_split(X, y, train_size=train, stratify=y, random_state=seed)
    X_val, X_test, y_val, y_test = train_test_split(X_rest, y_rest, train_size=0.5, stratify=y_rest, random_state=seed)
    return Splits(X_train, y_train, X_val, y_val, X_test, y_test)


def spiral() -> pd.DataFrame:
    """The spiral data set of autograder/datasets/spiral.csv: columns X1, X2 (inputs) and color (c1, c2 or c3), in class order."""
    return pd.read_csv(DATA / "spiral.csv")


def spiral_splits(seed: int = 1234) -> tuple[Splits, LabelEncoder]:
    """The spiral data, prepared as notebook 05 does it: 70/15/15 stratified, standardised on the training set,
    labels encoded as 0, 1, 2. Returns the splits (float64 X, int64 y) and the fitted label encoder."""
    frame = spiral()
    splits = split(frame[["X1", "X2"]].to_numpy(), frame["color"].to_numpy(), seed=seed)
    encoder = LabelEncoder().fit(splits.y_train)
    X_train, X_val, X_test = standardize(splits.X_train, splits.X_val, splits.X_test)
    labels = [encoder.transform(y) for y in (splits.y_train, splits.y_val, splits.y_test)]
    return Splits(X_train, labels[0], X_val, labels[1], X_test, labels[2]), encoder


def toy_task(name: str, n_points: int = 2500, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A 2-D toy task over the square [-1, 1]²: X of shape (n_points, 2) and its targets y.

    "prod": regression, y = x0 · x1 (float, shape (n_points, 1));
    "xor": binary, y = 1 where x0 and x1 have the same sign (float 0/1, shape (n_points, 1));
    "quadrants": 4 classes, the quadrant of the point (int64 class index 0..3, shape (n_points,)).
    """
    X = np.random.default_rng(seed).uniform(-1, 1, size=(n_points, 2))
    if name == "prod":
        return X, (X[:, 0] * X[:, 1])[:, None]
    if name == "xor":
        return X, (X[:, 0] * X[:, 1] > 0).astype(float)[:, None]
    if name == "quadrants":
        return X, (X[:, 0] > 0).astype(np.int64) + 2 * (X[:, 1] > 0).astype(np.int64)
    raise ValueError(f"unknown toy task {name!r}: choose 'prod', 'xor' or 'quadrants'")


def breast_cancer(seed: int = 0) -> tuple[Splits, list[str]]:
    """scikit-learn's breast-cancer data (569 tumours, 30 measurements; label 1 = benign), split 70/15/15
    stratified and standardised on the training set. Returns the splits (float64 X, int64 y) and the feature names."""
    data = load_breast_cancer()
    splits = split(data.data, data.target, seed=seed)
    X_train, X_val, X_test = standardize(splits.X_train, splits.X_val, splits.X_test)
    return Splits(X_train, splits.y_train, X_val, splits.y_val, X_test, splits.y_test), list(data.feature_names)
