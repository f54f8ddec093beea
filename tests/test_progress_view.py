"""`check.progress()`: every notebook shows which of its exercises pass, fail or are not attempted, with their points."""

import pytest

from autograder.checks import for_assignment
from autograder.checks.progress import FAILED, NOT_ATTEMPTED, PASSED, progress_of
from autograder.checks.sealed import SEALED
from autograder.instructor.notebooks import nbgrader_cells
from course import ASSIGNMENTS, declaration, notebook


def released_namespace(assignment: str) -> dict:
    """The namespace of the untouched released notebook: its setup cell and its stubs, run."""
    released = notebook(assignment, "course")
    namespace = {}
    exec(next(cell for cell in released.cells if cell.cell_type == "code").source, namespace)
    for cell in nbgrader_cells(released, "solution").values():
        exec(cell.source, namespace)
    return namespace


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_notebook_shows_nothing_attempted(assignment):
    checks = for_assignment(assignment)
    progress = progress_of(checks.EXERCISES, released_namespace(assignment))
    assert [e.status for e in progress.rows] == [NOT_ATTEMPTED] * len(checks.EXERCISES)
    total = sum(check.points for check in checks.EXERCISES)
    assert progress.points == (0, total)
    assert f"0 of {len(checks.EXERCISES)} exercises pass: 0 of {total:g} points" in repr(progress)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_wrong_answer_fails_and_the_rest_pass_with_their_points(assignment):
    exercises = for_assignment(assignment).EXERCISES
    first, rest = exercises[0], exercises[1:]
    wrong = declaration(first).wrong_answers()[0]
    namespace = {check.name: declaration(check).reference for check in rest} | {first.name: wrong.answer}
    progress = progress_of(exercises, namespace)
    assert [e.status for e in progress.rows] == [FAILED] + [PASSED] * len(rest)
    assert progress.rows[0].detail and "Traceback" not in repr(progress)
    assert progress.points == (sum(check.points for check in rest), sum(check.points for check in exercises))
    table = progress._repr_html_()
    assert table.count("<tr>") == len(exercises) + 1 and "✘ failed" in table and "✔ passed" in table


def test_undefined_functions_are_not_attempted_and_named_so():
    exercises = for_assignment(ASSIGNMENTS[0]).EXERCISES
    progress = progress_of(exercises, {})
    assert all(e.status == NOT_ATTEMPTED and "not defined yet" in e.detail for e in progress.rows)


def test_progress_is_switched_off_while_grading(monkeypatch):
    monkeypatch.setenv(SEALED, "1")
    progress = for_assignment(ASSIGNMENTS[0]).progress()
    assert progress.rows == () and "switched off" in repr(progress)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_notebook_tells_how_to_see_progress_and_ends_with_it(assignment):
    nb = notebook(assignment, "course")
    assert "`check.progress()`" in nb.cells[0].source
    last_test = max(i for i, cell in enumerate(nb.cells) if cell.metadata.get("nbgrader", {}).get("grade"))
    progress_cells = [i for i, cell in enumerate(nb.cells) if cell.cell_type == "code" and cell.source == "check.progress()"]
    assert progress_cells and progress_cells[-1] > last_test
