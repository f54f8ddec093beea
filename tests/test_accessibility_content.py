"""What the course's own content owes a learner who cannot see it as its authors do: read without the pictures or the colours.

- Headings never skip a level (a screen reader's outline of a notebook): every
  released notebook starts at a level-1 heading and goes down one level at most.
- Every figure the course draws has a text alternative a screen reader can read:
  every plot of autograder/plots.py is shown with a description of what it
  shows (its titles, axis labels, legend entries, final values), as its
  output's text and as its image's alt text; and every figure output stored in
  a solution notebook carries one (not matplotlib's "<Figure size 640x480 with 1 Axes>").
- Every plot's colours stay apart under the common colour-vision deficiencies:
  the colours that tell the lines, points or bars of a plot apart, simulated
  for deuteranopia, protanopia and tritanopia (colorspacious, severity 100), are
  at least MIN_DISTANCE apart in CAM02-UCS.
"""

from __future__ import annotations

import html.parser
import itertools
import re

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402

import mistune  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from colorspacious import cspace_convert, deltaE  # noqa: E402
from matplotlib.collections import PathCollection  # noqa: E402
from matplotlib.colors import to_rgb  # noqa: E402
from matplotlib.lines import Line2D  # noqa: E402
from matplotlib.patches import Rectangle  # noqa: E402

from autograder import figure_descriptions, plots  # noqa: E402
from course import ASSIGNMENTS, notebook  # noqa: E402

DEFICIENCIES = ("deuteranomaly", "protanomaly", "tritanomaly")  # colorspacious' names; at severity 100: -anopia
MIN_DISTANCE = 10.0  # CAM02-UCS units between two colours of one plot (about ten just-noticeable differences)
DEFAULT_FIGURE_TEXT = re.compile(r"^<Figure size \d+x\d+ with \d+ Axes>$")
# Axes, zero lines, edges, a curve under the points that stand out (rounded as category_colours rounds): not categories.
NEUTRAL = {tuple(round(channel, 3) for channel in to_rgb(name)) for name in ("black", "white", "grey")}


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


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
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


OTHER_PLOTS = {  # the rest of autograder/plots.py: surfaces, colour maps, images, panels, a table
    "plot_unit_plane": lambda: plots.plot_unit_plane(np.array([1.5, -1.0]), 0.5),
    "show_images": lambda: plots.show_images(np.zeros((2, 4, 4, 3), dtype=np.uint8), ["red square", "blue and white"]),
    "plot_surface_map": lambda: plots.plot_surface_map(lambda points: points[:, 0] * points[:, 1], "A product of two inputs"),
    "plot_decision_boundaries": lambda: plots.plot_decision_boundaries(
        lambda points: (points[:, 0] > 0).astype(int), {"train": three_classes(2), "test": three_classes(2)}, "Two sets"),
    "plot_history": lambda: plots.plot_history({"loss": [0.9, 0.5, 0.25], "val_loss": [1.0, 0.6, 0.4]}, [["loss", "val_loss"]]),
    "plot_confusion_matrix": lambda: plots.plot_confusion_matrix([0, 0, 1, 1, 1], [0, 1, 1, 1, 0], ["malignant", "benign"]),
}


def what_a_figure_shows(figure) -> list[str]:
    """What its description must name: every title, axis label, legend entry and category of `figure`."""
    words = [figure.get_suptitle()]
    for ax in figure.axes:
        words += [ax.get_title(), ax.get_xlabel(), ax.get_ylabel()]
        words += [text.get_text() for text in ax.get_legend().get_texts()] if ax.get_legend() else []
        words += [tick.get_text() for tick in ax.get_xticklabels() if tick.get_text() and not re.fullmatch(r"[−\-\d.]+", tick.get_text())]
    return [word for word in words if word]


def final_values(figure) -> list[str]:
    """The last value of every line in a legend (a loss curve's final loss), as descriptions write numbers."""
    return [f"{line.get_ydata()[-1]:.3g}".replace("-", "−") for ax in figure.axes for line in ax.get_lines()
            if not line.get_label().startswith("_")]


class ImageAttributes(html.parser.HTMLParser):
    def handle_starttag(self, tag, attrs):
        if tag == "img":
            self.image = dict(attrs)


def test_every_plot_of_the_package_is_tried_here():
    drawn_here = {name.split(",")[0] for name in {**PLOTS, **OTHER_PLOTS}}
    assert {name for name in vars(plots) if name.startswith(("plot_", "show_images"))} <= drawn_here


@pytest.mark.parametrize("name", {**PLOTS, **OTHER_PLOTS})
def test_every_plot_is_shown_with_a_description_of_what_it_shows(name):
    figure = {**PLOTS, **OTHER_PLOTS}[name]()
    description = figure_descriptions.describe(figure)
    missing = [word for word in what_a_figure_shows(figure) + final_values(figure) if word not in description]
    assert not missing, f"{name}: the description leaves out {missing}: {description}"
    output = figure_descriptions.mime_bundle(figure)
    parser = ImageAttributes()
    parser.feed(output["text/html"])
    assert output["text/plain"] == parser.image["alt"] == description
    assert parser.image["src"] == "data:image/png;base64," + output["image/png"]


def a_learners_figure(draw) -> matplotlib.figure.Figure:
    figure, ax = plt.subplots()
    draw(ax)
    ax.set_title("mine")
    plt.close(figure)
    return figure


LEARNERS_FIGURES = {  # what a learner may draw in a notebook that imported autograder.plots, which describes it too
    "an empty line": lambda ax: ax.plot([], [], label="nothing"),
    "categories": lambda ax: ax.plot(["a", "b", "c"], [1, 2, 3]),
    "no finite value": lambda ax: ax.plot([1, 2, 3], [np.nan] * 3),
    "a pie": lambda ax: ax.pie([1, 2, 3]),
    "a histogram": lambda ax: ax.hist(np.arange(10)),
}


@pytest.mark.parametrize("name", LEARNERS_FIGURES)
def test_a_learners_own_figure_is_shown_with_what_its_description_can_say(name):
    figure = a_learners_figure(LEARNERS_FIGURES[name])
    assert figure_descriptions.mime_bundle(figure)["text/plain"].startswith("A figure titled “mine”: ")


def closest_pair(colours: list, deficiency: str) -> tuple[float, tuple, tuple]:
    seen = cspace_convert(np.array(colours), {"name": "sRGB1+CVD", "cvd_type": deficiency, "severity": 100}, "sRGB1")
    seen = np.clip(seen, 0, 1)
    return min((deltaE(seen[i], seen[j], input_space="sRGB1"), colours[i], colours[j])
               for i, j in itertools.combinations(range(len(colours)), 2))


@pytest.mark.parametrize("name", PLOTS)
def test_plot_colours_stay_apart_under_colour_vision_deficiencies(name):
    colours = category_colours(PLOTS[name]())
    assert len(colours) >= 2, f"{name} shows fewer than two colours: {colours}"
    too_close = []
    for deficiency in DEFICIENCIES:
        distance, first, second = closest_pair(colours, deficiency)
        if distance < MIN_DISTANCE:
            too_close.append(f"{deficiency}: {first} and {second} only {distance:.1f} apart")
    assert not too_close, f"{name}: " + "; ".join(too_close)
