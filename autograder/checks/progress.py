"""A learner's progress through a notebook at a glance: `check.progress()`.

Every exercise of the notebook is checked, with the same check its test cell
calls (on the visible cases), against the function of that name the learner
has defined so far; the answer is a small table of what passes, what fails
(with the first line of the check's message) and what is not attempted yet,
with the points of each. Each row is read from the check's verdict.
"""

from __future__ import annotations

import contextlib
import html
import io
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from autograder.checks import sealed
from autograder.checks.verdict import FAILED, NOT_WRITTEN, PASSED

NOT_ATTEMPTED = "not attempted"
_SYMBOLS = {PASSED: "✔", FAILED: "✘", NOT_ATTEMPTED: "·"}
_COLOURS = {PASSED: "#1a7f37", FAILED: "#cf222e", NOT_ATTEMPTED: "#6e7781"}


@dataclass(frozen=True)
class Row:
    """Where one exercise stands: passed, failed or not attempted, with its points and the first problem."""

    name: str
    points: float
    status: str
    detail: str


@dataclass(frozen=True)
class ProgressView:
    """The state of every exercise of a notebook; shown as a table in a notebook, as text elsewhere."""

    rows: tuple[Row, ...]
    note: str = ""

    @property
    def points(self) -> tuple[float, float]:
        """(points of the passing exercises, points of all exercises)."""
        return sum(row.points for row in self.rows if row.status == PASSED), sum(row.points for row in self.rows)

    def summary(self) -> str:
        earned, total = self.points
        done = sum(row.status == PASSED for row in self.rows)
        return f"{done} of {len(self.rows)} exercises pass: {earned:g} of {total:g} points (visible checks only)."

    def __repr__(self) -> str:
        if self.note:
            return self.note
        lines = [f"{_SYMBOLS[r.status]} {r.name:<34} {r.points:g} pt  {r.status}{': ' + r.detail if r.detail else ''}" for r in self.rows]
        return "\n".join(lines + [self.summary()])

    def _repr_html_(self) -> str:
        if self.note:
            return f"<p>{html.escape(self.note)}</p>"
        rows = "".join(
            f"<tr><td style='text-align:left'><code>{html.escape(r.name)}</code></td><td>{r.points:g}</td>"
            f"<td style='text-align:left;white-space:nowrap;color:{_COLOURS[r.status]};font-weight:bold'>{_SYMBOLS[r.status]} {r.status}</td>"
            f"<td style='text-align:left'>{html.escape(r.detail)}</td></tr>"
            for r in self.rows
        )
        return (
            "<table class='autograder-progress'><thead><tr><th style='text-align:left'>exercise</th><th>points</th>"
            "<th style='text-align:left'>status</th><th style='text-align:left'>first problem</th></tr></thead>"
            f"<tbody>{rows}</tbody></table><p>{html.escape(self.summary())}</p>"
        )


def progress_of(checks: Sequence[Any], namespace: dict | None = None) -> ProgressView:
    """Check every exercise against the learner's function of the same name in `namespace` (default: the notebook's)."""
    if sealed.active():
        return ProgressView((), note="The progress view is switched off while the notebook is being graded.")
    namespace = _notebook_namespace() if namespace is None else namespace
    return ProgressView(tuple(_row(check, namespace.get(check.name)) for check in checks))


def progress_view(checks: Sequence[Any]) -> Callable[[], ProgressView]:
    """A notebook's `check.progress()`: the progress of its exercises `checks`, in the notebook's own namespace."""

    def progress() -> ProgressView:
        """Which exercises of this notebook pass, fail or are not attempted yet, with their points."""
        return progress_of(checks)

    return progress


def _row(check: Any, function: Any) -> Row:
    if not callable(function):
        return Row(check.name, check.points, NOT_ATTEMPTED, "not defined yet: run its cell")
    with contextlib.redirect_stdout(io.StringIO()):
        verdict = check.verdict(function)
    if verdict.status == PASSED:
        return Row(check.name, check.points, PASSED, "")
    if verdict.status == NOT_WRITTEN:
        return Row(check.name, check.points, NOT_ATTEMPTED, "")
    return Row(check.name, check.points, FAILED, verdict.headline.rstrip(":"))


def _notebook_namespace() -> dict:
    try:
        from IPython import get_ipython
    except ImportError:
        get_ipython = None
    shell = get_ipython() if get_ipython else None
    if shell is not None:
        return shell.user_ns
    import __main__

    return vars(__main__)
