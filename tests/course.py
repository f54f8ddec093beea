"""What the tests need to know about the course: its notebooks, their nbgrader cells, its exercises."""

from __future__ import annotations

import nbformat

from autograder.checks import for_assignment
from autograder.exercises import declaration_of
from autograder.instructor.release import REPOSITORY, assignments

ASSIGNMENTS = assignments()


def notebook(assignment: str, directory: str = "solutions") -> nbformat.NotebookNode:
    """The notebook of an assignment, from solutions/ (instructor's) or course/ (released)."""
    return nbformat.read(REPOSITORY / directory / assignment / f"{assignment}.ipynb", as_version=4)


def exercises() -> list[tuple[str, object]]:
    """(assignment, check) for every exercise of the course, in order; `declaration(check)` is its declaration."""
    return [(assignment, exercise) for assignment in ASSIGNMENTS for exercise in for_assignment(assignment).EXERCISES]


declaration = declaration_of  # the declaration of a check's exercise (autograder.exercises)


def exercise_id(value: object) -> str:
    return getattr(value, "name", None) or getattr(value, "__name__", None) or str(value)
