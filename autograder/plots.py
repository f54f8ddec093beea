"""Figures the notebooks share, drawn the same way everywhere.

Every function draws one figure at a readable size and returns it, so a
notebook cell that ends with the call shows it once. Whatever tells lines,
points or bars apart by colour uses PALETTE, which stays apart under the
common colour-vision deficiencies. Importing this module makes IPython show
every figure with a description of what it shows, as its text and as its
image's alt text (autograder.figure_descriptions).
"""

from __future__ import annotations

from typing import Callable, Sequence

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler
from matplotlib.figure import Figure

from autograder.figure_descriptions import show_described_figures

# Okabe and Ito's colour-blind-safe colours (without black, kept for axes and edges), the ones with most contrast
# against white first: blue, vermillion, bluish green, reddish purple, orange, sky blue, yellow.
PALETTE = ("#0072B2", "#D55E00", "#009E73", "#CC79A7", "#E69F00", "#56B4E9", "#F0E442")
WIDE = (10, 3.6)  # a row of panels
SQUARE = (5, 4.2)  # one panel


def _subplots(*args, **kwargs) -> tuple[Figure, object]:
    """plt.subplots, with PALETTE as the colours of every panel's lines and bars."""
    figure, axes = plt.subplots(*args, **kwargs)
    for ax in figure.axes:
        ax.set_prop_cycle(cycler(color=PALETTE))
    return figure, axes


def _finish(figure: Figure) -> Figure:
    figure.tight_layout()
    plt.close(figure)  # the notebook shows the returned figure; closing avoids showing it twice
    return figure


def plot_unit_lines(settings: Sequence[tuple[float, float]], x_range: tuple[float, float] = (-3, 3)) -> Figure:
    """The output y = w * x + b of a one-input linear unit, one line per (w, b)."""
    figure, ax = _subplots(figsize=SQUARE)
    x = np.linspace(*x_range, 50)
    for w, b in settings:
        ax.plot(x, w * x + b, label=f"w = {w:g}, b = {b:g}")
    ax.axhline(0, color="grey", linewidth=0.8)
    ax.axvline(0, color="grey", linewidth=0.8)
    ax.set(xlabel="input x", ylabel="output y", title="A linear unit with one input")
    ax.legend()
    ax.grid(alpha=0.3)
    return _finish(figure)


def _formula(w: Sequence[float], b: float) -> str:
    """'y = 1.5·x0 − x1 + 0.5' for weights [1.5, -1] and bias 0.5."""
    text = "y ="
    for index, weight in enumerate(list(w) + [b]):
        term = f"x{index}" if index < len(w) else ""
        if not term and weight == 0:
            break
        size = abs(weight)
        number = "" if term and size == 1 else f"{size:g}" + ("·" if term else "")
        sign = ("−" if weight < 0 else "") if index == 0 else (" − " if weight < 0 else " + ")
        text += (" " if index == 0 else "") + sign + number + term
    return text


def plot_unit_plane(w: np.ndarray, b: float, limit: float = 3) -> Figure:
    """The output of a two-input linear unit as a surface, and the same as a map seen from above."""
    x0, x1 = np.meshgrid(np.linspace(-limit, limit, 41), np.linspace(-limit, limit, 41))
    y = w[0] * x0 + w[1] * x1 + b
    figure = plt.figure(figsize=(11, 4.4))
    figure.suptitle(f"A linear unit with two inputs: {_formula(w, b)}")
    surface = figure.add_subplot(1, 2, 1, projection="3d")
    surface.plot_surface(x0, x1, y, cmap="coolwarm", linewidth=0)
    surface.view_init(elev=20, azim=-55)
    surface.set(xlabel="x0", ylabel="x1", zlabel="y", title="The output is a plane")
    seen_from_above = figure.add_subplot(1, 2, 2)
    filled = seen_from_above.contourf(x0, x1, y, levels=15, cmap="coolwarm")
    seen_from_above.contour(x0, x1, y, levels=[0], colors="black")
    figure.colorbar(filled, ax=seen_from_above, label="y")
    seen_from_above.set(xlabel="x0", ylabel="x1", title="Seen from above (black: y = 0)", aspect="equal")
    return _finish(figure)


def show_images(images: np.ndarray, titles: Sequence[str] = ()) -> Figure:
    """A batch of (N, H, W, C) images side by side, with their titles."""
    figure, axes = _subplots(1, len(images), figsize=(2.4 * len(images), 2.6), squeeze=False)
    for index, (ax, image) in enumerate(zip(axes[0], images)):
        ax.imshow(image.squeeze(), cmap="gray" if image.shape[-1] == 1 else None, vmin=0, vmax=255)
        ax.set(xticks=[], yticks=[], title=titles[index] if index < len(titles) else f"image {index}")
    return _finish(figure)


def plot_curves(x: np.ndarray, curves: dict[str, np.ndarray], title: str, xlabel: str, ylabel: str, log_y: bool = False) -> Figure:
    """Several curves over the same x, one labelled line each."""
    figure, ax = _subplots(figsize=SQUARE)
    for label, y in curves.items():
        ax.plot(x, y, label=label)
    ax.set(xlabel=xlabel, ylabel=ylabel, title=title, yscale="log" if log_y else "linear")
    ax.legend()
    ax.grid(alpha=0.3)
    return _finish(figure)


def plot_activations(functions: dict[str, Callable[[np.ndarray], np.ndarray]], x_range: tuple[float, float] = (-5, 5)) -> Figure:
    """Each activation function (solid) with its derivative (dashed), one panel each.

    The derivative is measured from the function itself by central differences,
    so the figure shows the slope of exactly the function given.
    """
    x = np.linspace(*x_range, 401)
    step = 1e-5
    figure, axes = _subplots(1, len(functions), figsize=(3.2 * len(functions), 3.2), sharey=True)
    for ax, (name, function) in zip(np.atleast_1d(axes), functions.items()):
        ax.plot(x, function(x), label=name)
        ax.plot(x, (function(x + step) - function(x - step)) / (2 * step), "--", label="derivative")
        ax.axhline(0, color="grey", linewidth=0.8)
        ax.axvline(0, color="grey", linewidth=0.8)
        ax.set(title=name, xlabel="x", ylim=(-1.5, 2.5))
        ax.grid(alpha=0.3)
        ax.legend(loc="upper left", fontsize="small")
    return _finish(figure)


def plot_surface_map(function: Callable[[np.ndarray], np.ndarray], title: str, limit: float = 3) -> Figure:
    """A function of two inputs as a colour map: `function` maps (M, 2) points to M values."""
    x0, x1 = np.meshgrid(np.linspace(-limit, limit, 121), np.linspace(-limit, limit, 121))
    values = np.asarray(function(np.column_stack([x0.ravel(), x1.ravel()]))).reshape(x0.shape)
    figure, ax = _subplots(figsize=SQUARE)
    filled = ax.contourf(x0, x1, values, levels=20, cmap="viridis")
    figure.colorbar(filled, ax=ax, label="output")
    ax.set(xlabel="x0", ylabel="x1", title=title, aspect="equal")
    return _finish(figure)


def plot_loss_curves(
    histories: dict[str, Sequence[float] | tuple[Sequence[float], Sequence[float]]],
    title: str = "Training loss",
    xlabel: str = "epoch",
    log_y: bool = True,
) -> Figure:
    """Loss histories side by side, one line each, on a log scale by default.

    A history is a sequence of losses (drawn at 1, 2, 3, ...) or a pair (x, losses).
    """
    figure, ax = _subplots(figsize=(7, 4))
    for label, history in histories.items():
        x, losses = history if isinstance(history, tuple) else (np.arange(1, len(history) + 1), history)
        ax.plot(x, losses, label=label, linewidth=1.2)
    ax.set(xlabel=xlabel, ylabel="loss", title=title, yscale="log" if log_y else "linear")
    ax.legend()
    ax.grid(alpha=0.3, which="both")
    return _finish(figure)


def plot_decision_boundary(
    predict: Callable[[np.ndarray], np.ndarray] | None, X: np.ndarray, y: np.ndarray, title: str = "", ax=None
) -> Figure | None:
    """Points coloured by class over the regions a classifier assigns to each class.

    `predict` maps (M, 2) points to M class labels; with None only the points are
    drawn. Given an `ax`, draws into it and returns None (for panels side by side).
    """
    X, y = np.asarray(X), np.asarray(y)
    figure = None
    if ax is None:
        figure, ax = _subplots(figsize=SQUARE)
    classes = np.unique(y)
    if predict is not None:
        margin = 0.5
        x0, x1 = np.meshgrid(
            np.linspace(X[:, 0].min() - margin, X[:, 0].max() + margin, 200),
            np.linspace(X[:, 1].min() - margin, X[:, 1].max() + margin, 200),
        )
        regions = np.asarray(predict(np.column_stack([x0.ravel(), x1.ravel()]))).reshape(x0.shape)
        ax.contourf(x0, x1, regions, levels=np.arange(len(classes) + 1) - 0.5, cmap="coolwarm" if len(classes) == 2 else "Spectral", alpha=0.35)
    ax.scatter(X[:, 0], X[:, 1], c=y, cmap="coolwarm" if len(classes) == 2 else "Spectral", edgecolors="k", linewidths=0.4, s=18)
    ax.set(xlabel="x0", ylabel="x1", title=title, aspect="equal")
    return _finish(figure) if figure is not None else None


def plot_descent_path(loss: Callable[[np.ndarray], np.ndarray], paths: dict[str, Sequence[float]], x_range: tuple[float, float]) -> Figure:
    """A one-weight loss curve with the weights gradient descent visited, one path per label."""
    figure, ax = _subplots(figsize=(7, 4))
    w = np.linspace(*x_range, 400)
    ax.plot(w, loss(w), color="grey", linewidth=1)
    for label, path in paths.items():
        path = np.asarray(path)
        ax.plot(path, loss(path), "o-", markersize=4, linewidth=1, label=label)
    ax.set(xlabel="weight w", ylabel="loss L(w)", title="Gradient descent on a loss with one weight", xlim=x_range)
    ax.legend()
    ax.grid(alpha=0.3)
    return _finish(figure)


def plot_decision_boundaries(predict: Callable[[np.ndarray], np.ndarray], sets: dict[str, tuple], title: str = "") -> Figure:
    """Decision regions of one classifier over several data sets side by side, e.g. {"train": (X, y), "test": (X, y)}."""
    figure, axes = _subplots(1, len(sets), figsize=(5 * len(sets), 4.4), squeeze=False)
    for ax, (name, (X, y)) in zip(axes[0], sets.items()):
        plot_decision_boundary(predict, X, y, title=name, ax=ax)
    if title:
        figure.suptitle(title)
    return _finish(figure)


def plot_history(history, columns: Sequence[Sequence[str]], title: str = "Training history") -> Figure:
    """Curves of a training history (a DataFrame or a dict of lists, one row per epoch), one panel per group of columns,
    e.g. [["loss", "val_loss"], ["accuracy", "val_accuracy"]]."""
    figure, axes = _subplots(1, len(columns), figsize=(5.5 * len(columns), 3.8), squeeze=False)
    for ax, group in zip(axes[0], columns):
        for column in group:
            values = np.asarray(history[column], dtype=float)
            ax.plot(np.arange(1, len(values) + 1), values, label=column)
        ax.set(xlabel="epoch", title=" and ".join(group))
        ax.grid(alpha=0.3)
        ax.legend()
    figure.suptitle(title)
    return _finish(figure)


def plot_confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str]) -> Figure:
    """How many examples of each true class (rows) were predicted as each class (columns)."""
    count = len(class_names)
    matrix = np.zeros((count, count), dtype=int)
    for true, predicted in zip(np.asarray(y_true), np.asarray(y_pred)):
        matrix[int(true), int(predicted)] += 1
    figure, ax = _subplots(figsize=(1.3 * count + 2.5, 1.1 * count + 2))
    ax.imshow(matrix, cmap="Blues")
    for row in range(count):
        for column in range(count):
            dark = matrix[row, column] > matrix.max() / 2
            ax.text(column, row, str(matrix[row, column]), ha="center", va="center", color="white" if dark else "black")
    ax.set(xticks=range(count), yticks=range(count), xticklabels=class_names, yticklabels=class_names,
           xlabel="predicted", ylabel="true", title="Confusion matrix")
    return _finish(figure)


def plot_class_metrics(y_true: np.ndarray, y_pred: np.ndarray, class_names: Sequence[str]) -> Figure:
    """Precision, recall and F1 of each class, as grouped bars."""
    from sklearn.metrics import precision_recall_fscore_support

    precision, recall, f1, _ = precision_recall_fscore_support(y_true, y_pred, labels=range(len(class_names)), zero_division=0)
    figure, ax = _subplots(figsize=(2 * len(class_names) + 3, 3.6))
    positions = np.arange(len(class_names))
    for offset, (name, values) in zip((-0.27, 0, 0.27), (("precision", precision), ("recall", recall), ("F1", f1))):
        bars = ax.bar(positions + offset, values, width=0.26, label=name)
        ax.bar_label(bars, fmt="%.2f", fontsize=7)
    ax.set(xticks=positions, xticklabels=class_names, ylim=(0, 1.15), title="Per-class precision, recall and F1")
    ax.legend(loc="lower right", fontsize=8)
    return _finish(figure)


show_described_figures()
