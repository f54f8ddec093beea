"""Every graded exercise is proven in both directions, as learntools tests its checkers.

The reference and several differently written correct answers pass the visible
and the hidden cases; the untouched released stub fails; each plausible mistake
fails with a message that names that mistake.
"""

import pytest

from autograder.checks.feedback import CheckFailed
from autograder.instructor.notebooks import nbgrader_cells
from course import ASSIGNMENTS, answers, exercise_id, exercises, notebook
from autograder.checks import for_assignment


def _correct_answers():
    return [
        pytest.param(check, function, id=f"{check.name}-{function.__name__}")
        for assignment, check in exercises()
        for function in answers(assignment).CORRECT[check.name]
    ]


def _wrong_answers():
    return [
        pytest.param(check, wrong, id=f"{check.name}-{wrong.function.__name__}")
        for assignment, check in exercises()
        for wrong in answers(assignment).WRONG[check.name]
    ]


@pytest.mark.parametrize("assignment, check", exercises(), ids=exercise_id)
def test_reference_passes(assignment, check, capsys):
    check(check.reference)
    check(check.reference, hidden=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith(f"✔ {check.name}: correct on all") for line in lines)


@pytest.mark.parametrize("check, function", _correct_answers())
def test_correct_answer_passes(check, function, capsys):
    check(function)
    check(function, hidden=True)
    assert capsys.readouterr().out.count("✔") == 2


@pytest.mark.parametrize("check, wrong", _wrong_answers())
def test_known_mistake_fails_with_a_message_that_names_it(check, wrong):
    with pytest.raises(AssertionError) as failure:
        check(wrong.function)
    assert isinstance(failure.value, CheckFailed)
    message = str(failure.value)
    assert wrong.says in message
    assert len(message.splitlines()) <= 24, "a failure is a short block"
    assert "Traceback" not in message and "autograder/" not in message, "no package internals"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_stubs_fail_as_not_written_yet(assignment):
    released = notebook(assignment, "course")
    setup = next(cell for cell in released.cells if cell.cell_type == "code")
    namespace = {}
    exec(setup.source, namespace)
    checks = for_assignment(assignment)
    for grade_id, cell in nbgrader_cells(released, "solution").items():
        exec(cell.source, namespace)
        name = grade_id.removesuffix("_answer")
        with pytest.raises(CheckFailed, match="is not written yet: it raises NotImplementedError"):
            getattr(checks, name)(namespace[name])


@pytest.mark.parametrize("assignment, check", exercises(), ids=exercise_id)
def test_every_exercise_has_two_correct_and_three_wrong_answers(assignment, check):
    catalogue = answers(assignment)
    assert len(catalogue.CORRECT[check.name]) >= 2
    sayings = [wrong.says for wrong in catalogue.WRONG[check.name]]
    assert len(sayings) >= 3 and len(set(sayings)) == len(sayings)
