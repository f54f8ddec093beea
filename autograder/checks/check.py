"""The check behind every test cell: compare a learner's function with the reference.

A `Check` runs its cases in order (fixed, readable cases first, then seeded
random ones, then edge cases), calls the learner's function and the reference
on fresh copies of each case's inputs, and stops at the first case where they
disagree. It then raises an `AssertionError` whose message names the case and
its inputs, the expected and the actual result, and a hint; a hint that matches
a known mistake (the learner's result equals what that mistake produces) comes
first. On success it prints one line.

The error is a `CheckFailed` (an AssertionError), which notebooks show as a
short feedback block rather than a traceback (see `feedback`).
"""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import torch

from autograder.checks.compare import FLOAT64, Difference, Tolerance, compare
from autograder.checks.feedback import CheckFailed
from autograder.checks.observe import Observation, call
from autograder.checks.values import show

_print = print


@dataclass(frozen=True)
class Case:
    """One set of inputs, with a name a learner can recognise in a message.

    `context` holds further inputs the check itself uses, such as the batch it
    feeds to a layer the learner's function built; messages show them too.
    """

    name: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: a function that makes it, and what to tell a learner who made it."""

    hint: str
    makes: Callable


class Check:
    """Call with the learner's function: `check.linear_unit(linear_unit)`."""

    def __init__(
        self,
        name: str,
        reference: Callable,
        *,
        points: int,
        cases: Callable[[], Sequence[Case]],
        hidden_cases: Callable[[], Sequence[Case]],
        hint: str,
        mistakes: Sequence[Mistake] = (),
        tolerance: Tolerance = FLOAT64,
        result_names: tuple[str, ...] = (),
        warning_hint: str = "",
        mutation_hint: str = "",
    ):
        """`result_names` names the values of a tuple result; with `warning_hint`,
        a NumPy warning (overflow, division by zero) fails the case with that hint;
        `mutation_hint` replaces the usual hint for a function that changes its inputs."""
        self.name = name
        self.reference = reference
        self.points = points
        self.hint = hint
        self.mistakes = tuple(mistakes)
        self.tolerance = tolerance
        self.result_names = result_names
        self.warning_hint = warning_hint
        self.mutation_hint = mutation_hint
        self._make_cases = {False: cases, True: hidden_cases}
        self._arg_names = tuple(inspect.signature(reference).parameters)

    def __repr__(self) -> str:
        return f"<check for {self.name}, {self.points} points>"

    def __call__(self, function: Callable | None = None, *, hidden: bool = False) -> None:
        """Print one line if `function` is right; raise AssertionError explaining the first problem if not."""
        cases = self.cases(hidden)
        message = self.failure(function, cases)
        if message is not None:
            raise CheckFailed(message) from None
        more = "further hidden " if hidden else ""
        _print(f"✔ {self.name}: correct on all {len(cases)} {more}cases.")

    def cases(self, hidden: bool = False) -> list[Case]:
        """The visible cases, or the hidden ones the graded test cell adds."""
        return list(self._make_cases[hidden]())

    def failure(self, function: Callable, cases: Sequence[Case]) -> str | None:
        """The message for the first case `function` gets wrong, or None if it gets all right."""
        if not callable(function):
            return (
                f"check.{self.name} needs your function itself, but was given {show(function)}.\n"
                f"Hint: write check.{self.name}({self.name}), passing the function without calling it."
            )
        for case in cases:
            got = self.observe(function, case)
            if got.error is not None and got.error.not_implemented:
                return (
                    f"{self.name} is not written yet: it raises NotImplementedError.\n"
                    "Hint: replace the line `raise NotImplementedError()` with your code, run that cell, then this one."
                )
            if got.error is not None and got.error.interrupted:
                return self._message(
                    "was interrupted before it finished",
                    case,
                    detail=got.error.line and f"it was running {got.error.line}",
                    hint="If it never finishes on its own, look for a loop whose condition never becomes false.",
                )
            expected = self.observe(self.reference, case)
            if expected.error is not None:
                raise RuntimeError(f"the reference for {self.name} failed on {case.name!r}: {expected.error}")
            message = self.judge(case, got, expected, lambda: self._diagnose(function, cases))
            if message is not None:
                return message
        return None

    def observe(self, function: Callable, case: Case) -> Observation:
        """What `function` does on this case; checks of objects other than arrays override this."""
        return call(function, case.args, case.kwargs, self._arg_names)

    def compare(self, got: Any, expected: Any) -> Difference | None:
        """How two results differ; checks with results other than values override this."""
        return compare(got, expected, self.tolerance, self.result_names)

    def judge(self, case: Case, got: Observation, expected: Observation, diagnose: Callable[[], str]) -> str | None:
        """The message for this case, or None when the learner's observation is right.

        `diagnose()` names the learner's mistake when it is a known one; it is
        only called once something is wrong.
        """
        if got.error is not None:
            error = got.error
            detail = "\n  ".join(part for part in (error.message, error.when, error.line and f"at {error.line}") if part)
            return self._message(f"raised {error.type_name}", case, detail=detail, hint=diagnose() or self.hint)
        if got.mutated:
            names = " and ".join(got.mutated)
            return self._message(
                f"changed its input {names} in place",
                case,
                hint=self.mutation_hint
                or f"Leave {names} unchanged: compute a new array (x = x * 2) instead of updating it (x *= 2).",
            )
        if self.warning_hint and got.warnings:
            return self._message(f"caused a NumPy warning: {got.warnings[0]}", case, hint=diagnose() or self.warning_hint)
        difference = self.compare(got.result, expected.result)
        if difference is None:
            return None
        return self._message(
            difference.problem,
            case,
            expected=difference.expected,
            got=difference.got,
            detail=difference.detail,
            hint=diagnose() or difference.hint or self.hint,
        )

    def _diagnose(self, function: Callable, cases: Sequence[Case]) -> str:
        """The hint of the known mistake that behaves exactly like `function` on every case, if any."""
        learner = [self.observe(function, case) for case in cases]
        for mistake in self.mistakes:
            if all(self._same_behaviour(got, self.observe(mistake.makes, case)) for got, case in zip(learner, cases)):
                return mistake.hint
        return _globals_hint(function)

    def _same_behaviour(self, first: Observation, second: Observation) -> bool:
        if first.error is not None or second.error is not None:
            return (
                first.error is not None
                and second.error is not None
                and (first.error.type_name, first.error.message) == (second.error.type_name, second.error.message)
            )
        if self.warning_hint and set(first.warnings) != set(second.warnings):
            return False
        return self.compare(first.result, second.result) is None

    def _message(self, problem: str, case: Case, *, hint: str, expected: str = "", got: str = "", detail: str = "") -> str:
        lines = [f"{self.name} {problem} on the case {case.name!r}:"]
        names = self._arg_names[: len(case.args)] + tuple(case.kwargs)
        inputs = list(zip(names, (*case.args, *case.kwargs.values()))) + list(case.context.items())
        for name, value in inputs:
            lines.append(f"    {name} = {_indent(show(value), len(name) + 7)}")
        if expected or got:
            lines.append(f"  expected: {_indent(expected, 12)}")
            lines.append(f"  got:      {_indent(got, 12)}")
        if detail:
            lines.append(f"  {detail}")
        lines.append(f"Hint: {hint}")
        return "\n".join(lines)


def _indent(text: str, width: int) -> str:
    return text.replace("\n", "\n" + " " * width)


def _globals_hint(function: Callable) -> str:
    """A hint when the function reads data (arrays, tensors) from the notebook instead of its arguments."""
    try:
        used = inspect.getclosurevars(function).globals
    except (TypeError, ValueError):
        return ""
    data = sorted(name for name, value in used.items() if isinstance(value, (np.ndarray, torch.Tensor)))
    if not data:
        return ""
    names = ", ".join(data)
    return f"Your function reads the notebook variable(s) {names}; use only the arguments it is given."
