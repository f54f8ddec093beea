"""Reading and writing the course's notebooks as nbgrader sees them, and deriving their nbgrader cells.

An exercise's author writes, in the solution notebook, the prose (with a
heading "### Exercise · `name`") and the answer cell (the stub's signature
and docstring, the solution between nbgrader's solution markers).
`derive` makes the rest from the exercises' declarations: the answer cell's
metadata, the locked test cell after it (its source, grade_id and points),
the heading's number and points, and the total in the notebook's introduction.
"""

from __future__ import annotations

import ast
import inspect
import json
import re
from typing import Any, Sequence

import nbformat
from nbformat.v4 import new_code_cell

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"
TEST_CELL_CALLS = (False, True)  # a test cell calls its check on the visible cases, then (hidden) on the hidden ones
_DEFINITION = re.compile(r"^(?:def|class) (\w+)", re.MULTILINE)
_TOTAL = re.compile(r"worth(\s+)\d+(\s+)points?(\s+)in(\s+)all")


def nbgrader_cells(notebook: nbformat.NotebookNode, kind: str) -> dict[str, nbformat.NotebookNode]:
    """grade_id -> cell, for kind 'solution' (answer cells) or 'grade' (test cells)."""
    return {
        cell.metadata["nbgrader"]["grade_id"]: cell
        for cell in notebook.cells
        if cell.metadata.get("nbgrader", {}).get(kind)
    }


def solution_code(source: str) -> str:
    """An answer cell's source with nbgrader's solution markers removed: the solution as a learner would type it."""
    return "\n".join(line for line in source.splitlines() if line.strip() not in (BEGIN_SOLUTION, END_SOLUTION))


def with_answers(released: nbformat.NotebookNode, answers: dict[str, str]) -> nbformat.NotebookNode:
    """A copy of a released notebook whose answer cells (by grade_id) hold the given code."""
    notebook = nbformat.from_dict(released)
    for grade_id, cell in nbgrader_cells(notebook, "solution").items():
        cell.source = answers.get(grade_id, cell.source)
    return notebook


def test_cell_source(name: str) -> str:
    """The source of the test cell of exercise `name`: its check on the visible cases, then on the hidden ones."""
    calls = [f"check.{name}({name}{', hidden=True' if hidden else ''})" for hidden in TEST_CELL_CALLS]
    return "\n".join([calls[0], "### BEGIN HIDDEN TESTS", calls[1], "### END HIDDEN TESTS"])


def points_text(points: float) -> str:
    return f"{points:g} point{'s' * (points != 1)}"


def derive(notebook: nbformat.NotebookNode, exercises: Sequence[Any]) -> tuple[nbformat.NotebookNode, list[str]]:
    """A copy of a solution notebook with its nbgrader cells, headings and total derived from `exercises`,
    and what its author must still write (an answer cell, a heading) for the derivation to be complete."""
    notebook = nbformat.from_dict(notebook)
    problems = []
    answers = _answer_cells(notebook)
    names = [exercise.name for exercise in exercises]
    for name in answers:
        if name not in names:
            problems.append(f"the answer cell of {name} has no declaration in autograder.exercises")
    present = [name for name in answers if name in names]
    if present != [name for name in names if name in answers]:
        problems.append(f"the answer cells are in the order {present}, the declarations in the order {names}")
    for number, exercise in enumerate(exercises, start=1):
        if exercise.name not in answers:
            problems.append(f"{exercise.name} is declared but the notebook has no answer cell defining it (with {BEGIN_SOLUTION})")
            continue
        problems += _derive_exercise(notebook, answers[exercise.name], number, exercise)
    declared = set(names)
    for grade_id in nbgrader_cells(notebook, "grade"):
        if grade_id not in declared:
            problems.append(f"the test cell {grade_id} belongs to no declared exercise")
    total = sum(exercise.points for exercise in exercises)
    introduction = notebook.cells[0]
    if not _TOTAL.search(introduction.source):
        problems.append("the introduction does not say what the exercises are worth ('... worth N points in all')")
    introduction.source = _TOTAL.sub(lambda m: f"worth{m[1]}{total:g}{m[2]}point{'s' * (total != 1)}{m[3]}in{m[4]}all", introduction.source)
    return notebook, problems


def _answer_cells(notebook: nbformat.NotebookNode) -> dict[str, nbformat.NotebookNode]:
    """The answer cells, by the name of the function or class each defines."""
    cells = {}
    for cell in notebook.cells:
        if cell.cell_type == "code" and BEGIN_SOLUTION in cell.source and (definition := _DEFINITION.search(cell.source)):
            cells[definition[1]] = cell
    return cells


def _derive_exercise(notebook: nbformat.NotebookNode, answer: nbformat.NotebookNode, number: int, exercise: Any) -> list[str]:
    name, problems = exercise.name, []
    answer.metadata["nbgrader"] = _nbgrader_metadata(f"{name}_answer", solution=True)
    position = notebook.cells.index(answer)
    following = notebook.cells[position + 1] if position + 1 < len(notebook.cells) else None
    if following is None or not following.metadata.get("nbgrader", {}).get("grade"):
        following = new_code_cell()
        notebook.cells.insert(position + 1, following)
    following.source = test_cell_source(name)
    following.metadata["nbgrader"] = _nbgrader_metadata(name, points=exercise.points)
    heading = re.compile(rf"^### Exercise(?: \d+)? · `{name}`.*$", re.MULTILINE)
    prose = next((cell for cell in reversed(notebook.cells[:position]) if cell.cell_type == "markdown" and heading.search(cell.source)), None)
    if prose is None:
        problems.append(f"write a heading '### Exercise · `{name}`' in the prose above the answer cell of {name}")
    else:
        prose.source = heading.sub(f"### Exercise {number} · `{name}` ({points_text(exercise.points)})", prose.source)
    definition = _definition(answer.source, name)
    stub, reference = _parameters(definition), _signature(exercise.reference)
    if stub != reference:
        problems.append(f"the answer cell's {name}{stub} does not have the signature of its reference, {name}{reference}")
    if ast.get_docstring(definition) != inspect.getdoc(exercise.reference):
        problems.append(f"the docstring of {name} in its answer cell differs from its reference's: the contract is stated once")
    return problems


def _nbgrader_metadata(grade_id: str, *, solution: bool = False, points: float = 0) -> dict:
    if solution:
        return {"grade": False, "grade_id": grade_id, "locked": False, "schema_version": 3, "solution": True}
    return {"grade": True, "grade_id": grade_id, "locked": True, "points": points, "schema_version": 3, "solution": False}


def _definition(source: str, name: str) -> ast.FunctionDef | ast.ClassDef:
    """The definition of the function or class `name` in an answer cell."""
    return next(node for node in ast.walk(ast.parse(source)) if isinstance(node, (ast.FunctionDef, ast.ClassDef)) and node.name == name)


def _parameters(definition: ast.FunctionDef | ast.ClassDef) -> str:
    """The parameters of a function, or of a class's __init__ without self, as a signature's text."""
    if isinstance(definition, ast.ClassDef):
        definition = next((item for item in definition.body if isinstance(item, ast.FunctionDef) and item.name == "__init__"), None)
        if definition is None:
            return "()"
        positional = definition.args.args[1:]
    else:
        positional = definition.args.args
    defaults = [None] * (len(positional) - len(definition.args.defaults)) + list(definition.args.defaults)
    parts = [argument.arg + (f"={ast.literal_eval(default)!r}" if default is not None else "") for argument, default in zip(positional, defaults)]
    return f"({', '.join(parts)})"


def _signature(function: Any) -> str:
    parameters = inspect.signature(function).parameters.values()
    return f"({', '.join(p.name + ('' if p.default is p.empty else f'={p.default!r}') for p in parameters)})"


def same_notebook(first: nbformat.NotebookNode, second: nbformat.NotebookNode) -> bool:
    """Whether two notebooks are the same document."""
    return json.dumps(first, sort_keys=True) == json.dumps(second, sort_keys=True)
