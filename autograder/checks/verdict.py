"""What a check concludes about a learner's function, as data: the `Verdict`.

Every reader of a check's outcome reads this: the learner's output (one ✔ line,
or a short failure block), the progress view (`status`), and the course's
grader (`status`, `summary`). No module needs to recognise another's text.
The messages themselves are written here, in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from autograder.checks.values import show

PASSED = "passed"
FAILED = "failed"
NOT_WRITTEN = "not written"  # the function is still the released stub
CALLS_REFERENCE = "calls the reference"  # under the course's grader, the function called a sealed reference
UNGRADED = "could not be graded"  # the grader could not judge it (the notebook interfered)


@dataclass(frozen=True)
class Verdict:
    """The outcome of one check of one function."""

    exercise: str
    status: str
    points: float  # the points earned: all of them when it passed, none otherwise
    out_of: float
    message: str  # what the learner reads: the ✔ line, or the whole failure block
    problem: str = ""  # what went wrong, without the case: "returned the wrong values"
    case: str = ""  # the name of the case it went wrong on
    mistake: str = ""  # the known mistake it makes, by the name of the function that makes it

    @property
    def passed(self) -> bool:
        return self.status == PASSED

    @property
    def headline(self) -> str:
        return self.message.splitlines()[0] if self.message else ""

    @property
    def summary(self) -> str:
        """The failure in a few words, the same for every learner who fails the same way; empty when passed."""
        return "" if self.passed else f"{self.exercise} {self.problem}"


def passed(exercise: str, points: float, count: int, hidden: bool) -> Verdict:
    further = "further hidden " if hidden else ""
    return Verdict(exercise, PASSED, points, points, f"✔ {exercise}: correct on all {count} {further}cases.")


def failed(
    exercise: str,
    points: float,
    problem: str,
    hint: str,
    *,
    case: Any = None,
    arg_names: tuple[str, ...] = (),
    expected: str = "",
    got: str = "",
    detail: str = "",
    status: str = FAILED,
    mistake: str = "",
) -> Verdict:
    """A failure: "<exercise> <problem> on the case '<case>':", the case's inputs, expected and got, a detail, the hint."""
    if case is None:
        lines = [f"{exercise} {problem}"]
    else:
        lines = [f"{exercise} {problem} on the case {case.name!r}:"]
        names = arg_names[: len(case.args)] + tuple(case.kwargs)
        for name, value in [*zip(names, (*case.args, *case.kwargs.values())), *case.context.items()]:
            lines.append(f"    {name} = {_indent(show(value), len(name) + 7)}")
    if expected or got:
        lines.append(f"  expected: {_indent(expected, 12)}")
        lines.append(f"  got:      {_indent(got, 12)}")
    if detail:
        lines.append(f"  {detail}")
    lines.append(f"Hint: {hint}")
    return Verdict(exercise, status, 0, points, "\n".join(lines), problem, "" if case is None else case.name, mistake)


def not_written(exercise: str, points: float, helper: str = "", where: str = "") -> Verdict:
    """The function, or a function it calls (`helper`), is still the stub that raises NotImplementedError."""
    if not helper or helper == exercise:
        return failed(
            exercise, points, "is not written yet: it raises NotImplementedError.",
            "replace the line `raise NotImplementedError()` with your code, run that cell, then this one.",
            status=NOT_WRITTEN,
        )
    return failed(
        exercise, points, f"calls {helper}, which is not written yet (it raises NotImplementedError).",
        f"write {helper} first{f' ({where})' if where else ''}, run its cell, then this one.",
    )


def not_a_function(exercise: str, points: float, value: Any) -> Verdict:
    problem = f"needs your function itself, but was given {show(value)}."
    message = f"check.{exercise} {problem}\nHint: write check.{exercise}({exercise}), passing the function without calling it."
    return Verdict(exercise, FAILED, 0, points, message, problem)


def ungraded(exercise: str, points: float, reason: str) -> Verdict:
    """The grader could not judge the function: `reason` completes "<exercise> could not be graded: ..."."""
    return Verdict(exercise, UNGRADED, 0, points, f"{exercise} could not be graded: {reason}", f"could not be graded: {reason}")


def _indent(text: str, width: int) -> str:
    return text.replace("\n", "\n" + " " * width)
