"""The feedback page of a submission that nbgrader did not grade: unusable, or not graded yet.

Graded submissions get nbgrader's own feedback (its GenerateFeedback
converter, run by the worker). Two kinds get a page written here instead, so
that every learner finds one where nbgrader puts it
(`feedback/<student>/<assignment>/<notebook>.html`, the folder given).
"""

from __future__ import annotations

import html
from pathlib import Path


def write_unusable(folder: Path, assignment: str, notebook: str, problems: list[str], max_score: float) -> Path:
    """A page in `folder` saying why the submission could not be graded and so scores 0."""
    reasons = "".join(f"<li>{html.escape(problem)}</li>" for problem in problems)
    return _write(
        folder, assignment, notebook,
        f"<h1>{html.escape(assignment)}: not graded</h1>"
        f"<p>Your submission could not be graded, so it scores 0 of {max_score:g} points:</p><ul>{reasons}</ul>",
    )


def write_not_graded_yet(folder: Path, assignment: str, notebook: str) -> Path:
    """A page in `folder` saying that grading failed for a reason of the grader's own, and that it will be graded."""
    return _write(
        folder, assignment, notebook,
        f"<h1>{html.escape(assignment)}: not graded yet</h1>"
        "<p>The grader had a problem of its own while grading your submission (nothing in your work caused it). "
        "It has no score yet and will be graded again.</p>",
    )


def _write(folder: Path, assignment: str, notebook: str, body: str) -> Path:
    page = folder / f"{notebook}.html"
    page.write_text(f"<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>{html.escape(assignment)}</title></head><body>{body}</body></html>")
    return page
