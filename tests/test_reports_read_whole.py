"""The instructor's reports read whole: every text inside the picture, the summary a table whatever the names.

The picture is rendered from a class whose failures are far longer than a
line (one with a long unbreakable name in it), and matplotlib's own extents of
everything drawn are compared with the figure's; the file written must be the
figure whole (not cropped when saved).
"""

import csv

import matplotlib.image
import pytest

from autograder.instructor import reports

LONG = (
    "linear_unit calls the course's reference implementation, autograder.references.single_neuron.linear_unit_"
    + "x" * 60
    + ", instead of computing its answer; something in the notebook stopped, replaced or imitated the check, "
    "which the grader noticed when the report did not arrive in time"
)
EXERCISES = [("linear_unit", 2.0), ("a_much_longer_exercise_name_than_any_in_the_course", 1.0), ("to_torch_linear", 2.0)]


def result(student: str, verdicts: dict[str, str], **extra) -> dict:
    cells = {name: (0.0 if verdicts.get(name) else points, points) for name, points in EXERCISES}
    return {"student": student, "score": sum(score for score, _ in cells.values()), "max_score": 5.0,
            "cells": cells, "verdicts": verdicts, "problems": [], "notes": [], "calls_reference": []} | extra


@pytest.fixture
def rows():
    results = [
        result("ada", {}),
        result("bea", {"linear_unit": LONG, "a_much_longer_exercise_name_than_any_in_the_course": "x" * 400}),
        result("cy", {"linear_unit": LONG + " on the case 'one input, one example':"}),
        result("dee", {"linear_unit": "linear_unit returned None"}),
        result("eve", {"linear_unit": "linear_unit is not written yet: it raises NotImplementedError."}),
    ]
    # to_torch_linear is graded for one learner only; it failed for nobody.
    for graded in results[1:]:
        del graded["cells"]["to_torch_linear"]
    return reports.exercise_rows(results, EXERCISES)


def drawn_texts(figure):
    texts = [*figure.legends[0].get_texts()]
    for axes in figure.axes:
        texts += [axes.title, axes._left_title, axes.xaxis.label, axes.yaxis.label]
        texts += axes.get_xticklabels() + axes.get_yticklabels()
    return [text for text in texts if text.get_visible() and text.get_text().strip()]


def test_no_text_reaches_past_the_edge_of_the_picture(rows, tmp_path):
    figure = reports.exercise_figure(rows)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    edge = figure.bbox
    texts = drawn_texts(figure)
    assert any("most common failures" in text.get_text() for text in texts)
    for text in texts:
        box = text.get_window_extent(renderer)
        assert edge.x0 <= box.x0 and box.x1 <= edge.x1 and edge.y0 <= box.y0 and box.y1 <= edge.y1, text.get_text()
    whole = figure.get_tightbbox(renderer).transformed(figure.dpi_scale_trans)
    assert edge.x0 <= whole.x0 and whole.x1 <= edge.x1 and edge.y0 <= whole.y0 and whole.y1 <= edge.y1
    _, picture = reports.write_exercise_report(rows, tmp_path)
    height, width, _ = matplotlib.image.imread(picture).shape
    assert (width, height) == (round(edge.width), round(edge.height)), "the saved picture is not the whole figure"


def test_failures_stand_beside_the_bars_one_exercise_apart_from_the_next(rows):
    figure = reports.exercise_figure(rows)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    bars, failures = figure.axes
    boxes = [label.get_window_extent(renderer) for label in failures.get_yticklabels()]
    assert all(box.x0 >= bars.get_window_extent(renderer).x1 for box in boxes)
    assert all(upper.y0 >= lower.y1 for upper, lower in zip(boxes, boxes[1:]))
    labels = [label.get_window_extent(renderer) for label in bars.get_yticklabels()]
    assert all(upper.y0 >= lower.y1 for upper, lower in zip(labels, labels[1:]))


def test_long_failures_are_shortened_with_an_ellipsis_and_the_picture_says_where_they_are_whole(rows, tmp_path):
    figure = reports.exercise_figure(rows)
    failures = [label.get_text() for label in figure.axes[1].get_yticklabels()]
    assert "…" in failures[0] and "most common failures (shortened; exercises.csv has them whole)" == figure.axes[1].get_ylabel()
    assert all(len(line) <= reports.FAILURE_WIDTH for block in failures for line in block.splitlines())
    assert failures[2] == "no failures"
    table, _ = reports.write_exercise_report(rows, tmp_path)
    with open(table) as file:
        written = {row["exercise"]: row["common_failures"] for row in csv.DictReader(file)}
    assert written["linear_unit"].startswith(f"2x {LONG} | 1x ") and "x" * 400 in written[EXERCISES[1][0]]


def test_short_failures_are_shown_whole_under_a_plain_heading():
    rows = reports.exercise_rows([result("dee", {"linear_unit": "linear_unit returned None"})], EXERCISES)
    figure = reports.exercise_figure(rows)
    assert figure.axes[1].get_ylabel() == "most common failures"
    assert figure.axes[1].get_yticklabels()[0].get_text() == "1× linear_unit returned None"


def test_labels_count_points_and_learners_in_the_singular_and_the_plural(rows):
    labels = [label.get_text() for label in reports.exercise_figure(rows).axes[0].get_yticklabels()]
    assert labels == [
        "linear_unit\n2 points, 5 learners graded",
        f"{EXERCISES[1][0]}\n1 point, 5 learners graded",
        "to_torch_linear\n2 points, 1 learner graded",
    ]


def test_the_summary_stays_a_table_with_long_names_and_several_notes():
    results = [
        result("ada", {}),
        result("maria_de_los_angeles_fernandez_garcia", {"linear_unit": "x"}, calls_reference=["linear_unit"]),
        result("bo", {}, score=None, max_score=None, problems=["grading took longer than 420 s and was stopped"],
               notes=["notebook my work.ipynb graded as 01_single_neuron.ipynb (it was renamed)"]),
    ]
    lines = reports.summary_table(results).splitlines()
    heading, rule, *rows = lines
    assert set(rule) == {"-"} and len(rule) >= len(heading)
    score_ends = heading.index("score") + len("score")
    notes_start = heading.index("notes")
    learners = [line for line in rows if line[0] != " "]
    assert [line.split()[0] for line in learners] == ["ada", "bo", "maria_de_los_angeles_fernandez_garcia"]
    for line in learners:
        assert line[score_ends - 1] != " " and line[score_ends] == " "
    notes = [line[notes_start:] for line in rows if len(line) > notes_start]
    assert notes == [
        "grading took longer than 420 s and was stopped",
        "notebook my work.ipynb graded as 01_single_neuron.ipynb (it was renamed)",
        "called the reference implementation in linear_unit",
    ]
    assert all(line[:notes_start].strip() == "" for line in rows if line[0] == " ")
    assert not any(line.rstrip().endswith(";") for line in lines)
