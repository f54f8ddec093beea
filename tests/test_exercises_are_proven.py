"""Every exercise is proven in both directions, from its declaration, as learntools tests its checkers.

The reference and the declaration's right answers pass the visible cases
(judged against what was recorded of the reference at release) and the hidden
ones (drawn from the tests' grading secret); the untouched released stub fails
as not written; each known mistake fails with its hint and is recognised by
name (from what was recorded of it); each further wrong answer fails with a
message containing the words it `says`.
"""

import inspect

import pytest

from autograder.checks.verdict import NOT_WRITTEN
from autograder.instructor.notebooks import nbgrader_cells
from autograder.checks import for_assignment
from course import ASSIGNMENTS, declaration, exercise_id, exercises, notebook

EXERCISES = exercises()


def examples(kind: str) -> list:
    return [
        pytest.param(check, example, id=f"{check.name}-{getattr(example, 'answer', example).__name__}")
        for _, check in EXERCISES
        for example in getattr(declaration(check), kind)
    ]


def assert_short_feedback(message: str) -> None:
    assert len(message.splitlines()) <= 24, "a failure is a short block"
    assert "Traceback" not in message and "autograder/" not in message, "no package internals"


@pytest.mark.parametrize("assignment, check", EXERCISES, ids=exercise_id)
def test_reference_passes(assignment, check, capsys):
    check(declaration(check).reference)
    check(declaration(check).reference, hidden=True)
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 2 and all(line.startswith(f"✔ {check.name}: correct on all") for line in lines)


@pytest.mark.parametrize("check, answer", examples("right"))
def test_right_answer_passes(check, answer):
    for hidden in (False, True):
        verdict = check.verdict(answer, hidden)
        assert verdict.passed, verdict.message


@pytest.mark.parametrize("check, mistake", examples("mistakes"))
def test_known_mistake_fails_with_its_hint_and_is_named(check, mistake):
    verdict = check.verdict(mistake.wrong_answer(declaration(check).reference))
    assert not verdict.passed and verdict.mistake == mistake.name, verdict.message
    assert verdict.message.splitlines()[-1] == f"Hint: {mistake.hint}"
    assert_short_feedback(verdict.message)


@pytest.mark.parametrize("check, wrong", examples("wrong"))
def test_wrong_answer_fails_with_a_message_that_names_it(check, wrong):
    verdict = check.verdict(wrong.wrong_answer(declaration(check).reference))
    assert not verdict.passed and wrong.says in verdict.message, verdict.message
    assert_short_feedback(verdict.message)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_released_stubs_fail_as_not_written_yet(assignment):
    released = notebook(assignment, "course")
    namespace = {}
    exec(next(cell for cell in released.cells if cell.cell_type == "code").source, namespace)
    checks = for_assignment(assignment)
    for grade_id, cell in nbgrader_cells(released, "solution").items():
        exec(cell.source, namespace)
        name = grade_id.removesuffix("_answer")
        verdict = getattr(checks, name).verdict(namespace[name])
        assert verdict.status == NOT_WRITTEN and "is not written yet: it raises NotImplementedError" in verdict.message


@pytest.mark.parametrize("assignment, check", EXERCISES, ids=exercise_id)
def test_every_exercise_is_declared_in_full(assignment, check):
    exercise = declaration(check)
    assert exercise.right, "a correct answer written otherwise than the reference"
    assert len(exercise.mistakes) + len(exercise.wrong) >= 3, "at least three wrong answers"
    visible, hidden = {case.name for case in check.cases()}, {case.name for case in check.cases(hidden=True)}
    assert hidden and not visible & hidden, "hidden cases are other cases"
    names = [mistake.name for mistake in exercise.mistakes]
    assert len(set(names)) == len(names) and "<lambda>" not in names, "every mistake is a function of its own name"
    assert len({mistake.hint for mistake in exercise.mistakes}) == len(names), "every mistake has its own hint"
    for part in exercise.uses:
        assert inspect.getmodule(part) is inspect.getmodule(exercise.reference), f"{part.__name__} is a reference of this notebook"
