"""Reading and writing the course's notebooks as nbgrader sees them."""

from __future__ import annotations

import nbformat

BEGIN_SOLUTION, END_SOLUTION = "### BEGIN SOLUTION", "### END SOLUTION"


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
