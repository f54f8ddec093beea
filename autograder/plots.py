"""Figures the notebooks share, drawn the same way everywhere.

Every function draws one figure at a readable size and returns it, so a
notebook cell that ends with the call shows it once.
"""

from __future__ import annotations

from typing import Sequence

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.figure import Figure

WIDE = (10, 3.6)  # a row of panels
SQUARE = (5, 4.2)  # one panel


def _finish(figure: Figure) -> Figure:
    figure.tight_layout()
    plt.close(figure)  # the notebook shows the returned figure; closing avoids showing it twice
    return figure


def plot_unit_lines(settings: Sequence[tuple[float, float]], x_range: tuple[float, float] = (-3, 3)) -> Figure:
    """The output y = w * x + b of a one-input linear unit, one line per (w, b)."""
    figure, ax = plt.subplots(figsize=SQUARE)
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
    figure, axes = plt.subplots(1, len(images), figsize=(2.4 * len(images), 2.6), squeeze=False)
    for index, (ax, image) in enumerate(zip(axes[0], images)):
        ax.imshow(image.squeeze(), cmap="gray" if image.shape[-1] == 1 else None, vmin=0, vmax=255)
        ax.set(xticks=[], yticks=[], title=titles[index] if index < len(titles) else f"image {index}")
    return _finish(figure)
