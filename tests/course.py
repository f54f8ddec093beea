"""What the tests need to know about the course: its notebooks, their nbgrader cells, the answers catalogue."""

from __future__ import annotations

import importlib
from types import ModuleType

import nbformat

from autograder.checks import for_assignment
from autograder.instructor.release import REPOSITORY, assignments

ASSIGNMENTS = assignments()


def notebook(assignment: str, directory: str = "solutions") -> nbformat.NotebookNode:
    """The notebook of an assignment, from solutions/ (instructor's) or course/ (released)."""
    return nbformat.read(REPOSITORY / directory / assignment / f"{assignment}.ipynb", as_version=4)


def answers(assignment: str) -> ModuleType:
    """The catalogue of correct and wrong answers for an assignment (tests/answers/)."""
    return importlib.import_module(f"answers.{assignment.split('_', 1)[1]}")


def exercises() -> list[tuple[str, object]]:
    """(assignment, check) for every exercise of the course, in order."""
    return [(assignment, exercise) for assignment in ASSIGNMENTS for exercise in for_assignment(assignment).EXERCISES]


def exercise_id(value: object) -> str:
    return getattr(value, "name", None) or getattr(value, "__name__", None) or str(value)

