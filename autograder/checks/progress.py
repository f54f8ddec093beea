"""A learner's progress through a notebook at a glance: `check.progress()`.

Every exercise of the notebook is checked, with the same check its test cell
calls (on the visible cases), against the function of that name the learner
has defined so far; the answer is a small table of what passes, what fails
(with the first line of the check's message) and what is not attempted yet,
with the points of each.
"""

from __future__ import annotations

import contextlib
import html
import io
from dataclasses import dataclass
from typing import Any, Sequence

from autograder.checks import sealed
from autograder.checks.check import NOT_WRITTEN

PASSED, FAILED, NOT_ATTEMPTED = "passed", "failed", "not attempted"
_SYMBOLS = {PASSED: "✔", FAILED: "✘", NOT_ATTEMPTED: "·"}
_COLOURS = {PASSED: "#1a7f37", FAILED: "#cf222e", NOT_ATTEMPTED: "#6e7781"}


@dataclass(frozen=True)
class Exercise:
    """Where one exercise stands."""

    name: str
    points: float
    status: str
    detail: str


@dataclass(frozen=True)
class Progress:
    """The state of every exercise of a notebook; shown as a table in a notebook, as text elsewhere."""

    exercises: tuple[Exercise, ...]
    note: str = ""

    @property
    def points(self) -> tuple[float, float]:
        """(points of the passing exercises, points of all exercises)."""
        return sum(e.points for e in self.exercises if e.status == PASSED), sum(e.points for e in self.exercises)

    def summary(self) -> str:
        earned, total = self.points
        done = sum(e.status == PASSED for e in self.exercises)
        return f"{done} of {len(self.exercises)} exercises pass: {earned:g} of {total:g} points (visible checks only)."

    def __repr__(self) -> str:
        if self.note:
            return self.note
        lines = [f"{_SYMBOLS[e.status]} {e.name:<34} {e.points:g} pt  {e.status}{': ' + e.detail if e.detail else ''}" for e in self.exercises]
        return "\n".join(lines + [self.summary()])

    def _repr_html_(self) -> str:
        if self.note:
            return f"<p>{html.escape(self.note)}</p>"
        rows = "".join(
            f"<tr><td style='text-align:left'><code>{html.escape(e.name)}</code></td><td>{e.points:g}</td>"
            f"<td style='text-align:left;white-space:nowrap;color:{_COLOURS[e.status]};font-weight:bold'>{_SYMBOLS[e.status]} {e.status}</td>"
            f"<td style='text-align:left'>{html.escape(e.detail)}</td></tr>"
            for e in self.exercises
        )
        return (
            "<table class='autograder-progress'><thead><tr><th style='text-align:left'>exercise</th><th>points</th>"
            "<th style='text-align:left'>status</th><th style='text-align:left'>first problem</th></tr></thead>"
            f"<tbody>{rows}</tbody></table><p>{html.escape(self.summary())}</p>"
        )


def progress_of(checks: Sequence[Any], namespace: dict | None = None) -> Progress:
    """Check every exercise against the learner's function of the same name in `namespace` (default: the notebook's)."""
    if sealed.active():
        return Progress((), note="The progress view is switched off while the notebook is being graded.")
    namespace = _notebook_namespace() if namespace is None else namespace
    return Progress(tuple(_state(check, namespace.get(check.name)) for check in checks))


def progress_view(checks: Sequence[Any]):
    """A notebook's `check.progress()`: the progress of its exercises `checks`, in the notebook's own namespace."""

    def progress() -> Progress:
        """Which exercises of this notebook pass, fail or are not attempted yet, with their points."""
        return progress_of(checks)

    return progress


def _state(check: Any, function: Any) -> Exercise:
    if not callable(function):
        return Exercise(check.name, check.points, NOT_ATTEMPTED, "not defined yet: run its cell")
    with contextlib.redirect_stdout(io.StringIO()):
        message = check.failure(function, check.cases())
    if message is None:
        return Exercise(check.name, check.points, PASSED, "")
    if NOT_WRITTEN in message.splitlines()[0]:
        return Exercise(check.name, check.points, NOT_ATTEMPTED, "")
    return Exercise(check.name, check.points, FAILED, message.splitlines()[0].rstrip(":"))


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
