"""Each solution notebook's nbgrader cells, headings and total follow its exercises' declarations.

Every exercise declared in autograder.exercises has, in notebook order, an
answer cell `<name>_answer` defining it with its reference's signature and
docstring, then a locked test cell `<name>` worth its points, whose visible
line calls its check and whose hidden tests call it again on the hidden
cases; a heading "### Exercise N · `name` (P points)" above it; and the
notebook's introduction states the total. The release command writes these
(tests/test_release_is_current.py fails while they are stale); these tests
say what they must be.
"""

import re

import pytest

from autograder.instructor.notebooks import nbgrader_cells, points_text
from autograder.instructor.release import exercises_of
from course import ASSIGNMENTS, notebook


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_answer_and_test_cells_follow_the_declarations(assignment):
    nb = notebook(assignment)
    names = [exercise.name for exercise in exercises_of(assignment)]
    assert list(nbgrader_cells(nb, "solution")) == [f"{name}_answer" for name in names]
    assert list(nbgrader_cells(nb, "grade")) == names
    order = [cell.metadata["nbgrader"]["grade_id"] for cell in nb.cells if "nbgrader" in cell.metadata]
    for name in names:
        assert order.index(name) == order.index(f"{name}_answer") + 1


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_call_their_check_and_carry_its_points(assignment):
    points = {exercise.name: exercise.points for exercise in exercises_of(assignment)}
    for name, cell in nbgrader_cells(notebook(assignment), "grade").items():
        assert cell.metadata["nbgrader"]["locked"] and cell.metadata["nbgrader"]["points"] == points[name]
        assert cell.source.splitlines() == [
            f"check.{name}({name})",
            "### BEGIN HIDDEN TESTS",
            f"check.{name}({name}, hidden=True)",
            "### END HIDDEN TESTS",
        ]


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_headings_and_total_state_the_declared_points(assignment):
    nb = notebook(assignment)
    exercises = exercises_of(assignment)
    text = "\n".join(cell.source for cell in nb.cells if cell.cell_type == "markdown")
    headings = re.findall(r"^### Exercise .*$", text, flags=re.MULTILINE)
    assert headings == [f"### Exercise {n} · `{e.name}` ({points_text(e.points)})" for n, e in enumerate(exercises, start=1)]
    total = " ".join(nb.cells[0].source.split())
    assert f"worth {points_text(sum(e.points for e in exercises))} in all" in total


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebook_opens_with_title_goals_and_how_to_check(assignment):
    first = notebook(assignment).cells[0]
    assert first.cell_type == "markdown" and first.source.startswith(f"# {assignment[:2]} · ")
    assert "**By the end of this notebook you will be able to**" in first.source
    assert "**How to check your work.**" in first.source


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_setup_cell_is_locked_and_imports_the_check_module(assignment):
    setup = next(cell for cell in notebook(assignment).cells if cell.cell_type == "code")
    assert setup.metadata["nbgrader"]["locked"]
    module = assignment.split("_", 1)[1]
    assert f"from autograder.checks import {module} as check" in setup.source
