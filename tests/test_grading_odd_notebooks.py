"""Odd notebooks are graded, not refused: each learner gets what their answers earn, with a note of what was odd.

Stock nbgrader refuses a whole notebook for one graded cell the gradebook does
not know, and fails outright when a deleted test cell's neighbour is gone too.
Here learners copy a test cell, add a graded cell of their own, rename one,
duplicate an answer cell (the later copy wrong), garble a cell's metadata,
turn an answer cell into Markdown, delete an answer cell with its test cell,
strip every cell's metadata, or send a timestamp nbgrader cannot read, a
notebook missing a required field, or a link instead of a file.
"""

import copy

import nbformat
import pytest

from autograder.instructor.fabricate import Learner, set_up_course, solved, submit
from grading import grade, summary

ASSIGNMENT = "01_single_neuron"


def _position(notebook, grade_id):
    return next(index for index, cell in enumerate(notebook.cells) if cell.metadata.get("nbgrader", {}).get("grade_id") == grade_id)


def copies_a_test_cell(m):
    notebook = solved(m)
    duplicate = copy.deepcopy(notebook.cells[_position(notebook, "linear_unit")])
    duplicate.id = "a-copy-of-linear-unit"
    notebook.cells.append(duplicate)
    return notebook


def adds_a_graded_cell(m):
    notebook = solved(m)
    cell = nbformat.v4.new_code_cell("print('my own test')")
    cell.metadata.nbgrader = {"grade": True, "grade_id": "my_own_test", "points": 10, "locked": False, "solution": False, "schema_version": 3}
    notebook.cells.append(cell)
    return notebook


def renames_a_test_cell(m):
    notebook = solved(m)
    notebook.cells[_position(notebook, "linear_unit")].metadata.nbgrader["grade_id"] = "linear_unit_mine"
    return notebook


def duplicates_an_answer_cell(m):
    notebook = solved(m)
    position = _position(notebook, "flatten_images_answer")
    wrong = copy.deepcopy(notebook.cells[position])
    wrong.source, wrong.id = "def flatten_images(images):\n    return None", "a-second-answer"
    notebook.cells.insert(position + 1, wrong)
    return notebook


def garbles_metadata(m):
    notebook = solved(m)
    notebook.cells[_position(notebook, "flatten_images")].metadata.nbgrader["points"] = "lots"
    notebook.cells[_position(notebook, "to_torch_linear")].metadata["nbgrader"] = "a string, not a mapping"
    return notebook


def answer_as_markdown(m):
    notebook = solved(m)
    cell = notebook.cells[_position(notebook, "linear_unit_answer")]
    notebook.cells[_position(notebook, "linear_unit_answer")] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata)
    return notebook


def deletes_an_answer_and_its_test(m):
    notebook = solved(m)
    notebook.cells = [cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") not in ("flatten_images_answer", "flatten_images")]
    return notebook


def strips_all_metadata(m):
    notebook = solved(m)
    for cell in notebook.cells:
        cell.metadata.pop("nbgrader", None)
    return notebook


def misses_a_required_field(m):
    text = nbformat.writes(solved(m))
    return text.replace('"nbformat_minor"', '"nbformat_minor_was_here"', 1)


CLASS = [
    Learner("copies_test", "odd", "a copy of a test cell", copies_a_test_cell),
    Learner("adds_graded", "odd", "a graded cell of its own", adds_a_graded_cell),
    Learner("renames_test", "odd", "a renamed test cell", renames_a_test_cell),
    Learner("duplicates_answer", "odd", "an answer cell twice, the later copy wrong", duplicates_an_answer_cell),
    Learner("garbles", "odd", "garbled metadata", garbles_metadata),
    Learner("markdown_answer", "odd", "an answer cell turned into Markdown", answer_as_markdown),
    Learner("deletes_pair", "odd", "an answer cell and its test cell deleted", deletes_an_answer_and_its_test),
    Learner("strips", "odd", "every cell's metadata stripped", strips_all_metadata),
    Learner("no_minor", "odd", "a notebook without nbformat_minor", misses_a_required_field),
    Learner("bad_time", "odd", "an unreadable timestamp", solved),
    Learner("linked", "odd", "a link instead of the notebook", solved, filename="draft.ipynb"),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    materials = set_up_course(root, ASSIGNMENT)
    for learner in CLASS:
        submit(root, materials, learner)
    (root / "submitted" / "bad_time" / ASSIGNMENT / "timestamp.txt").write_text("the day before the deadline, honest")
    (root / "submitted" / "linked" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").symlink_to(root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb")
    finished = grade(root, ASSIGNMENT, "--workers=2")
    return finished, summary(finished.stdout)


def test_every_odd_notebook_is_graded(graded):
    finished, rows = graded
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    assert sorted(rows) == sorted(learner.name for learner in CLASS)
    assert not any("NOT GRADED" in row["status"] for row in rows.values())


@pytest.mark.parametrize(
    "student, score, note",
    [
        ("copies_test", "5", "the cell linear_unit appears 2 times; its last copy is graded"),
        ("adds_graded", "5", "a graded cell that is not part of the assignment (my_own_test) ran as ordinary code"),
        ("renames_test", "5", "the test cell linear_unit was missing; it was put back and run"),
        ("duplicates_answer", "4", "the cell flatten_images_answer appears 2 times"),
        ("garbles", "5", "the locked cell flatten_images had its points changed; the original was restored"),
        ("markdown_answer", "5", "had its cell_type changed"),
        ("deletes_pair", "4", "the test cell flatten_images was missing; it was put back and run"),
        ("strips", "5", "the test cell to_torch_linear was missing; it was put back and run"),
        ("bad_time", "5", "timestamp.txt could not be read"),
    ],
)
def test_each_learner_gets_what_their_answers_earn(graded, student, score, note):
    _, rows = graded
    assert rows[student]["score"] == f"{score} / 5", rows[student]
    assert note in rows[student]["notes"]


def test_a_notebook_that_is_not_valid_is_unusable_with_the_reason(graded):
    _, rows = graded
    assert rows["no_minor"]["score"] == "0 / 5" and rows["no_minor"]["status"] == "unusable, 0 points"
    assert "could not be read as a notebook" in rows["no_minor"]["notes"] and "nbformat_minor" in rows["no_minor"]["notes"]


def test_a_link_is_not_followed(graded):
    _, rows = graded
    assert "01_single_neuron.ipynb ignored: a link, not a file" in rows["linked"]["notes"]
    assert "graded as 01_single_neuron.ipynb" in rows["linked"]["notes"], "the draft, the only real file, is graded"
