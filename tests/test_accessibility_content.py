"""What the course's own content owes a learner who cannot see it as its authors do: read without the pictures or the colours.

- Headings never skip a level (a screen reader's outline of a notebook): every
  released notebook starts at a level-1 heading and goes down one level at most.
- Every figure the course draws has a text alternative a screen reader can read:
  a figure output of a solution notebook carries, beside its image, a
  description of what it shows (not matplotlib's "<Figure size 640x480 with 1 Axes>").
- Every plot's colours stay apart under the common colour-vision deficiencies:
  the colours that tell the lines, points or bars of a plot apart, simulated
  for deuteranopia, protanopia and tritanopia (colorspacious, severity 100), are
  at least MIN_DISTANCE apart in CAM02-UCS.

Findings in files this suite does not own (the notebooks and autograder/plots.py
are being redesigned) are marked xfail, each with what must change.
"""

from __future__ import annotations

import itertools
import re

import matplotlib

matplotlib.use("Agg")

import mistune  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from colorspacious import cspace_convert, deltaE  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from autograder import plots  # noqa: E402
from course import ASSIGNMENTS, notebook  # noqa: E402

DEFICIENCIES = ("deuteranomaly", "protanomaly", "tritanomaly")  # colorspacious' names; at severity 100: -anopia
MIN_DISTANCE = 10.0  # CAM02-UCS units between two colours of one plot (about ten just-noticeable differences)
DEFAULT_FIGURE_TEXT = re.compile(r"^<Figure size \d+x\d+ with \d+ Axes>$")
NEUTRAL = {(0.0, 0.0, 0.0), (1.0, 1.0, 1.0), to_rgb("grey"), to_rgb("black")}  # axes, zero lines, edges: not categories


def headings(assignment: str) -> list[tuple[int, str]]:
    """(level, text) of every Markdown heading of a released notebook, in order."""
    found = []
    for cell in notebook(assignment, "course").cells:
        if cell.cell_type == "markdown":
            tokens, _ = mistune.create_markdown(renderer="ast").parse(cell.source)
            found += [(token["attrs"]["level"], cell.source) for token in tokens if token["type"] == "heading"]
    return found


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_headings_never_skip_a_level(assignment):
    levels = [level for level, _ in headings(assignment)]
    assert levels and levels[0] == 1, f"{assignment} does not start with a level-1 heading: {levels[:3]}"
    skips = [(before, after) for before, after in zip(levels, levels[1:]) if after > before + 1]
    assert not skips, f"{assignment} skips heading levels: {skips}"


def figure_outputs(assignment: str) -> list[tuple[int, str]]:
    """(cell index, text/plain) of every image output of a solution notebook."""
    found = []
    for index, cell in enumerate(notebook(assignment).cells):
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if any(kind.startswith("image/") for kind in data):
                found.append((index, data.get("text/plain", "")))
    return found


FIGURES_LACK_TEXT = pytest.mark.xfail(
    strict=True, reason="autograder/plots.py's figures must carry a description (their text/plain), not matplotlib's default repr"
)


@pytest.mark.parametrize("assignment", [pytest.param(a, marks=FIGURES_LACK_TEXT) for a in ASSIGNMENTS])
def test_every_figure_has_a_text_alternative(assignment):
    figures = figure_outputs(assignment)
    assert figures, f"{assignment} draws no figure"
    missing = [index for index, text in figures if not text.strip() or DEFAULT_FIGURE_TEXT.match(text.strip())]
    assert not missing, f"{assignment}: the figures of cells {missing} have no text alternative"


def category_colours(figure) -> list[tuple[float, float, float]]:
    """The distinct colours that tell apart the lines, points and bars of a figure."""
    colours = []
    for ax in figure.axes:
        for artist in ax.get_children():
            if isinstance(artist, Line2D) and len(artist.get_xdata()) > 2:
                colours.append(to_rgb(artist.get_color()))
            elif isinstance(artist, PathCollection):  # points coloured by a colour map, or one colour each
                mapped = artist.get_array()
                colours += [tuple(rgba[:3]) for rgba in (artist.to_rgba(mapped) if mapped is not None else artist.get_facecolors())]
            elif isinstance(artist, Rectangle) and artist is not ax.patch and artist.get_height() > 0:
                colours.append(to_rgb(artist.get_facecolor()))
    distinct = []
    for colour in colours:
        rounded = tuple(round(channel, 3) for channel in colour)
        if rounded not in NEUTRAL and rounded not in distinct:
            distinct.append(rounded)
    return distinct


def three_classes(count: int = 3) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(0)
    return rng.normal(size=(30 * count, 2)), np.repeat(np.arange(count), 30)


x = np.linspace(-3, 3, 20)
PLOTS = {  # each plot of autograder/plots.py that tells things apart by colour, drawn as the notebooks draw it
    "plot_unit_lines": lambda: plots.plot_unit_lines([(2.0, -1.0), (0.5, -1.0), (2.0, 1.5)]),
    "plot_curves": lambda: plots.plot_curves(x, {f"curve {k}": x * k for k in range(4)}, "t", "x", "y"),
    "plot_activations": lambda: plots.plot_activations({"sigmoid": np.tanh, "tanh": np.tanh, "relu": np.abs, "leaky": np.sin}),
    "plot_loss_curves": lambda: plots.plot_loss_curves({f"lr {k}": list(np.exp(-k * np.arange(10))) for k in (1, 2, 3, 4)}),
    "plot_descent_path": lambda: plots.plot_descent_path(lambda w: w**2, {f"lr {k}": [4.0, 2.0 / k, 1.0 / k] for k in (1, 2, 3)}, (-5, 5)),
    "plot_decision_boundary, two classes": lambda: plots.plot_decision_boundary(None, *three_classes(2)),
    "plot_decision_boundary, three classes": lambda: plots.plot_decision_boundary(None, *three_classes(3)),
    "plot_class_metrics": lambda: plots.plot_class_metrics(np.repeat([0, 1, 2], 4), np.tile([0, 1, 2, 0], 3), ["c1", "c2", "c3"]),
}


DEFAULT_CYCLE = pytest.mark.xfail(
    strict=True, reason="autograder/plots.py uses matplotlib's default colours, whose orange and green merge under protanopia: "
    "give its lines and bars a palette safe for colour-vision deficiencies (Okabe-Ito, for example)"
)
DRAWN_WITH_THE_DEFAULT_CYCLE = {"plot_unit_lines", "plot_curves", "plot_loss_curves", "plot_descent_path", "plot_class_metrics"}


def closest_pair(colours: list, deficiency: str) -> tuple[float, tuple, tuple]:
    seen = cspace_convert(np.array(colours), {"name": "sRGB1+CVD", "cvd_type": deficiency, "severity": 100}, "sRGB1")
    seen = np.clip(seen, 0, 1)
    return min((deltaE(seen[i], seen[j], input_space="sRGB1"), colours[i], colours[j])
               for i, j in itertools.combinations(range(len(colours)), 2))


@pytest.mark.parametrize("name", [pytest.param(name, marks=DEFAULT_CYCLE) if name in DRAWN_WITH_THE_DEFAULT_CYCLE else name
                                  for name in PLOTS])
def test_plot_colours_stay_apart_under_colour_vision_deficiencies(name):
    colours = category_colours(PLOTS[name]())
    assert len(colours) >= 2, f"{name} shows fewer than two colours: {colours}"
    too_close = []
    for deficiency in DEFICIENCIES:
        distance, first, second = closest_pair(colours, deficiency)
        if distance < MIN_DISTANCE:
            too_close.append(f"{deficiency}: {first} and {second} only {distance:.1f} apart")
    assert not too_close, f"{name}: " + "; ".join(too_close)
