"""solutions/, the README and course/ are what the release command makes of the declarations, and give nothing away."""

import json
import re

import pytest

from autograder.checks import recorded
from autograder.instructor.release import REPOSITORY, stale, stale_records
from autograder.instructor.notebooks import nbgrader_cells
from course import ASSIGNMENTS, notebook

RELEASED = sorted((REPOSITORY / "course").rglob("*.ipynb"))


def test_release_check_finds_nothing_stale():
    problems = stale()
    assert not problems, "run `python -m autograder.instructor.release`:\n" + "\n".join(problems)


def test_a_recorded_expectation_that_no_longer_matches_its_reference_is_stale(monkeypatch, tmp_path):
    """What the learner's install judges by (autograder/checks/recorded/) is checked like course/: here one expected value is off."""
    record = json.loads(recorded.data_path("single_neuron").read_text())
    record["linear_unit"]["expected"][0] = record["linear_unit"]["expected"][1]
    (tmp_path / "single_neuron.json").write_text(json.dumps(record))
    monkeypatch.setattr(recorded, "data_path", lambda notebook: tmp_path / f"{notebook}.json")
    for name in recorded.FOLDER.glob("*.json"):
        if name.stem != "single_neuron":
            (tmp_path / name.name).write_bytes(name.read_bytes())
    assert list(stale_records()) == [tmp_path / "single_neuron.json"]


def test_every_assignment_is_released():
    assert [path.parent.name for path in RELEASED] == ASSIGNMENTS
    assert [path.stem for path in RELEASED] == ASSIGNMENTS


@pytest.mark.parametrize("path", RELEASED, ids=lambda path: path.stem)
def test_released_notebook_has_no_markers_or_outputs(path):
    text = path.read_text()
    assert not re.search(r"(BEGIN|END) (SOLUTION|HIDDEN TESTS)", text)
    cells = json.loads(text)["cells"]
    assert not any(cell.get("outputs") or cell.get("execution_count") for cell in cells if cell["cell_type"] == "code")


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_answer_cells_hold_the_stub_instead_of_the_solution(assignment):
    released = nbgrader_cells(notebook(assignment, "course"), "solution")
    for grade_id, cell in nbgrader_cells(notebook(assignment), "solution").items():
        before, rest = cell.source.split("### BEGIN SOLUTION")
        after = rest.split("### END SOLUTION")[1]
        indent = before.splitlines()[-1]
        stub = f"{indent}# YOUR CODE HERE\n{indent}raise NotImplementedError()"
        assert released[grade_id].source == before[: -len(indent)] + stub + after


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_test_cells_hold_only_the_visible_check(assignment):
    for name, cell in nbgrader_cells(notebook(assignment, "course"), "grade").items():
        assert cell.source == f"check.{name}({name})"
