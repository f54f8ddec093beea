"""What a figure shows, in words: the text alternative a screen reader reads instead of the picture.

`describe(figure)` reads it off the figure itself: titles, axis labels and
ranges, each line's label with its first and last point (the final loss of a
loss curve), bar heights, point counts per class, colour scales, the numbers
written in a table's cells.

JupyterLab 4.6 renders an image/png output as an <img> with no alt attribute
(its `renderImage` sets none, whatever the output's text/plain or metadata);
it keeps the alt of an <img> in an HTML output. So a described figure is shown
as one output holding its PNG, the same PNG as HTML with the description as
alt text (what JupyterLab and nbconvert's HTML render), and the description as
text/plain (what stands in for matplotlib's "<Figure size 500x420 with 1 Axes>").
`show_described_figures()` makes IPython show every matplotlib figure so.
"""

from __future__ import annotations

import html

import numpy as np
from matplotlib.axes import Axes
from matplotlib.collections import PathCollection
from matplotlib.container import BarContainer
from matplotlib.contour import ContourSet
from matplotlib.figure import Figure
from matplotlib.image import AxesImage
from matplotlib.lines import Line2D

MOST_CATEGORIES = 10  # colour-mapped values with at most this many distinct integers are classes, not a scale


def describe(figure: Figure) -> str:
    """A few sentences saying what `figure` shows, derived from its content."""
    colour_bars = {mappable.colorbar.ax for ax in figure.axes for mappable in _mappables(ax) if mappable.colorbar}
    panels = [ax for ax in figure.axes if ax.get_visible() and ax not in colour_bars]
    sentences = [f"{figure.get_suptitle()}."] if figure.get_suptitle() else []
    for number, ax in enumerate(panels, 1):
        name = f"Panel {number} of {len(panels)}" if len(panels) > 1 else "A figure"
        title = f" titled “{ax.get_title()}”" if ax.get_title() else ""
        try:
            parts = [part for part in (_axes(ax), *_artists(ax)) if part]
        except Exception:  # a learner's figure of a kind not foreseen here is still shown, with what is sure
            parts = []
        sentences.append(f"{name}{title}: " + "; ".join(parts or ["its content is not described"]) + ".")
    return " ".join(sentences) or "An empty figure."


def mime_bundle(figure: Figure) -> dict[str, str]:
    """`figure` as one output: its PNG, the same as an HTML <img> with the description as alt text, the description."""
    from IPython.core.pylabtools import print_figure

    png = print_figure(figure, "png", base64=True)
    description = describe(figure)
    image = f'<img src="data:image/png;base64,{png}" alt="{html.escape(description)}">'
    return {"image/png": png, "text/html": image, "text/plain": description}


def display_described(figure: Figure) -> None:
    """Show `figure` in IPython with its description (the output of `mime_bundle`)."""
    from IPython.display import display

    display(mime_bundle(figure), raw=True)


def show_described_figures() -> None:
    """In IPython, show every matplotlib figure with its description (nothing outside IPython)."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.display_formatter.ipython_display_formatter.for_type(Figure, display_described)


def _number(value: float) -> str:
    """Three significant digits, 1000 rather than 1e+03, and a minus sign a screen reader reads as "minus"."""
    text = f"{float(value):.3g}" if abs(value) < 1000 or abs(value) >= 1e6 else f"{float(value):.0f}"
    return text.replace("-", "−") if value else "0"


def _is_number(text: str) -> bool:
    try:
        float(text.replace("−", "-"))
    except ValueError:
        return False
    return True


def _mappables(ax: Axes) -> list:
    return [artist for artist in (*ax.collections, *ax.images) if isinstance(artist, (ContourSet, AxesImage, PathCollection))]


def _axes(ax: Axes) -> str:
    """'x axis input x from −3 to 3, y axis true: cat, dog' for the axes that show a label or ticks."""
    described = []
    for letter, (low, high) in _ranges(ax).items():
        axis = getattr(ax, f"{letter}axis")
        label = axis.get_label_text()
        if not label and not len(axis.get_ticklocs()):
            continue
        text = f"{letter} axis{' ' + label if label else ''}"
        names = [tick.get_text() for tick in axis.get_ticklabels()]
        if axis.get_scale() == "linear" and any(name and not _is_number(name) for name in names):  # e.g. class names
            described.append(f"{text}: " + ", ".join(names))
        else:
            scale = " (log scale)" if axis.get_scale() == "log" else ""
            described.append(f"{text}{scale} from {_number(low)} to {_number(high)}")
    return ", ".join(described)


def _ranges(ax: Axes) -> dict[str, tuple[float, float]]:
    """The range of the data each axis shows: the data's limits, cut to the axis's (a 3-D panel's: the axis's)."""
    if hasattr(ax, "get_zlim"):
        return {"x": ax.get_xlim(), "y": ax.get_ylim(), "z": ax.get_zlim()}
    ranges = {}
    for letter, data in (("x", ax.dataLim.intervalx), ("y", ax.dataLim.intervaly)):
        view = sorted(getattr(ax, f"get_{letter}lim")())
        low, high = max(view[0], min(data)), min(view[1], max(data))
        ranges[letter] = (low, high) if low < high else tuple(view)
    return ranges


def _artists(ax: Axes) -> list[str]:
    """One phrase per thing drawn in `ax`: lines, bars, points, colour maps, images or tables, surfaces."""
    parts = [_line(line) for line in ax.get_lines() if line.get_transform() is ax.transData]  # not axhline's and axvline's
    parts += [_bars(ax, bars) for bars in ax.containers if isinstance(bars, BarContainer)]
    for mappable in _mappables(ax):
        if isinstance(mappable, PathCollection):
            parts.append(_points(mappable))
        elif isinstance(mappable, ContourSet):
            parts.append(_contours(mappable))
        elif mappable.get_array() is None:
            parts.append("an image")
        elif ax.texts:
            parts.append(_table(ax, mappable))
        else:
            height, width = mappable.get_array().shape[:2]
            parts.append(f"an image of {width} by {height} pixels")
    surfaces = [collection for collection in ax.collections if type(collection).__name__ == "Poly3DCollection"]
    return parts + ["a surface"] * len(surfaces)


def _line(line: Line2D) -> str:
    x, y = line.get_xydata().T  # numbers, whatever was plotted (dates, categories)
    name = f"line {line.get_label()}" if not line.get_label().startswith("_") else "a line"
    if not np.isfinite(y).any():
        return f"{name} with no finite value" if len(y) else ""
    text = f"{name} from {_number(y[0])} at {_number(x[0])} to {_number(y[-1])} at {_number(x[-1])}"
    ends = {_number(y[0]), _number(y[-1])}
    for word, index in (("lowest", int(np.nanargmin(y))), ("highest", int(np.nanargmax(y)))):
        if _number(y[index]) not in ends:
            text += f", {word} {_number(y[index])} at {_number(x[index])}"
    return text


def _bars(ax: Axes, bars: BarContainer) -> str:
    ticks, names = ax.get_xticks(), [label.get_text() for label in ax.get_xticklabels()]
    heights = []
    for patch in bars.patches:
        centre = patch.get_x() + patch.get_width() / 2
        nearest = int(np.argmin(np.abs(ticks - centre))) if len(ticks) else None
        named = nearest is not None and names[nearest] and not _is_number(names[nearest])  # a category's tick
        where = names[nearest] if named else _number(centre)
        heights.append(f"{where} {_number(patch.get_height())}")
    label = bars.get_label()
    return f"bars{' ' + label if label and not label.startswith('_') else ''}: " + ", ".join(heights)


def _points(points: PathCollection) -> str:
    count = len(points.get_offsets())
    label = "" if points.get_label().startswith("_") else f" ({points.get_label()})"
    classes = points.get_array()
    if classes is not None and len(classes) and _are_categories(classes):
        values, counts = np.unique(classes, return_counts=True)
        each = ", ".join(f"{n} of class {v:g}" for v, n in zip(values, counts))
        return f"{count} points{label} of {len(values)} classes ({each})"
    return f"{count} points{label}"


def _contours(contours: ContourSet) -> str:
    levels = np.asarray(contours.get_array() if contours.filled else contours.levels, dtype=float)
    if not contours.filled:
        return "contour lines at " + ", ".join(_number(level) for level in levels)
    if _are_categories(levels):
        return "regions coloured by class (" + ", ".join(f"{level:g}" for level in levels) + ")"
    label = contours.colorbar.ax.get_ylabel() if contours.colorbar else ""
    return f"a colour map of {label or 'values'} from {_number(levels.min())} to {_number(levels.max())}"


def _table(ax: Axes, image: AxesImage) -> str:
    """The numbers written in the cells of an image, row by row, each row named by its tick label."""
    height, width = image.get_array().shape[:2]
    rows = [label.get_text() for label in ax.get_yticklabels()]
    cells: dict[int, list[str]] = {}
    for text in ax.texts:
        row = int(round(text.get_position()[1]))
        cells.setdefault(row, []).append(text.get_text())
    return f"a grid of {height} by {width} numbers, by row: " + "; ".join(
        f"{rows[row] if row < len(rows) and rows[row] else row}: {', '.join(values)}" for row, values in sorted(cells.items())
    )


def _are_categories(values: np.ndarray) -> bool:
    values = np.asarray(values, dtype=float)
    distinct = np.unique(values)
    return len(distinct) <= MOST_CATEGORIES and bool(np.all(distinct == np.round(distinct)))
