"""The earlier exercises that notebooks 05-08 write out for themselves ("From earlier notebooks") are right answers.

Those notebooks use functions that learners wrote in earlier notebooks (relu,
numerical_gradient, make_mlp, train_epoch, EarlyStopping, ...); so that every
learner runs the same code whatever became of their own, a locked cell writes
the course's version out. Each such function must pass its own exercise's
check, visible and hidden cases, as the learner's answer had to.
"""

import pytest

from autograder.checks import for_assignment
from course import ASSIGNMENTS, notebook


def earlier_cell(assignment: str):
    """The notebook's locked "From earlier notebooks" code cell, or None."""
    return next((cell for cell in notebook(assignment).cells if cell.cell_type == "code"
                 and cell.metadata.get("nbgrader", {}).get("grade_id", "").endswith("-earlier-code")), None)


def written_out() -> list[tuple[str, str, object]]:
    """(notebook, function name, check of the exercise it was) for every earlier exercise a notebook writes out."""
    checks = {check.name: check for assignment in ASSIGNMENTS for check in for_assignment(assignment).EXERCISES}
    found = []
    for assignment in ASSIGNMENTS:
        cell = earlier_cell(assignment)
        if cell is not None:
            names = [line.split()[1].split("(")[0].rstrip(":") for line in cell.source.splitlines() if line.startswith(("def ", "class "))]
            found += [(assignment, name, checks[name]) for name in names if name in checks]
    return found


def defined_by(assignment: str, name: str):
    """`name` as the notebook defines it: its first code cell (the imports) and its "From earlier notebooks" cell, run."""
    imports = next(cell for cell in notebook(assignment).cells if cell.cell_type == "code")
    namespace = {}
    for cell in (imports, earlier_cell(assignment)):
        exec(cell.source, namespace)
    return namespace[name]


WRITTEN_OUT = written_out()


def test_notebooks_05_to_08_write_out_what_they_use():
    assert {name for _, name, _ in WRITTEN_OUT} >= {"relu", "numerical_gradient", "make_mlp", "train_epoch", "evaluate", "EarlyStopping"}


@pytest.mark.parametrize("assignment, name, check", WRITTEN_OUT, ids=[f"{a}-{n}" for a, n, _ in WRITTEN_OUT])
def test_a_written_out_exercise_passes_its_check(assignment, name, check):
    for hidden in (False, True):
        verdict = check.verdict(defined_by(assignment, name), hidden)
        assert verdict.passed, f"{assignment}'s {name}: {verdict.message}"
