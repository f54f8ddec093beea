"""Each solution notebook's nbgrader cells agree with its check module.

Every exercise in a check module's EXERCISES has, in notebook order, an answer
cell `<name>_answer` and then a locked test cell `<name>` worth the check's
points, whose visible line calls the check and whose hidden tests call it again
with the hidden cases. A test cell's grade_id is the name of the check it calls.
"""

import pytest

from autograder.checks import for_assignment
from autograder.instructor.notebooks import nbgrader_cells
from course import ASSIGNMENTS, notebook


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_answer_and_test_cells_follow_the_checks(assignment):
    nb = notebook(assignment)
    checks = for_assignment(assignment).EXERCISES
    names = [check.name for check in checks]
    assert list(nbgrader_cells(nb, "solution")) == [f"{name}_answer" for name in names]
    assert list(nbgrader_cells(nb, "grade")) == names
    order = [cell.metadata["nbgrader"]["grade_id"] for cell in nb.cells if "nbgrader" in cell.metadata]
    for name in names:
        assert order.index(f"{name}_answer") < order.index(name)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_test_cells_call_their_check_and_carry_its_points(assignment):
    checks = {check.name: check for check in for_assignment(assignment).EXERCISES}
    for name, cell in nbgrader_cells(notebook(assignment), "grade").items():
        assert cell.metadata["nbgrader"]["locked"] and cell.metadata["nbgrader"]["points"] == checks[name].points
        assert cell.source.splitlines() == [
            f"check.{name}({name})",
            "### BEGIN HIDDEN TESTS",
            f"check.{name}({name}, hidden=True)",
            "### END HIDDEN TESTS",
        ]


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
