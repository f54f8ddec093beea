"""The check behind every test cell: compare a learner's function with the reference.

A `Check` runs its cases in order (fixed, readable cases first, then seeded
random ones, then edge cases), calls the learner's function and the reference
on fresh copies of each case's inputs, and stops at the first case where they
disagree. It then raises an `AssertionError` whose message names the case and
its inputs, the expected and the actual result, and a hint; a hint that matches
a known mistake (the learner's result equals what that mistake produces) comes
first. On success it prints one line.

The error is a `CheckFailed` (an AssertionError), which notebooks show as a
short feedback block rather than a traceback (see `feedback`). Observing is
split in two, `collect` (calling the learner's function, in its kernel) and
`finish` (anything that can be computed from what was collected), so that the
course's grader can judge outside the kernel (`report`, then `verdict`).
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import io
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

import numpy as np
import torch

from autograder.checks import sealed, transport
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
    `hint`, when given, is the advice for a function that fails this case.
    """

    name: str
    args: tuple
    kwargs: dict = field(default_factory=dict)
    context: dict = field(default_factory=dict)
    hint: str = ""


@dataclass(frozen=True)
class Facts:
    """What a check can tell from the learner's function itself rather than from its results."""

    globals_hint: str = ""  # advice when it reads notebook data instead of its arguments
    silences_warnings: bool = False  # whether its code switches NumPy's warnings off


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: a function that makes it, and what to tell a learner who made it."""

    hint: str
    makes: Callable


NOT_WRITTEN = "is not written yet"  # how a failure says the function is still the stub


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
        """Print one line if `function` is right; raise AssertionError explaining the first problem if not.

        Under the course's grader the check reports instead of judging (see `sealed`).
        """
        cases = self.cases(hidden)
        if sealed.active():
            _print(transport.report_line(self.report(function, cases, hidden)))
            _print(f"{self.name}: {len(cases)} answers recorded for the grader.")
            return
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
            return self._not_a_function(function)
        observed: dict[int, Observation] = {}

        def observation(index: int) -> Observation:
            if index not in observed:
                observed[index] = self.observe(function, cases[index])
            return observed[index]

        with _one_thread():
            return self._first_failure(cases, observation, lambda: facts_of(function))

    def report(self, function: Callable | None, cases: Sequence[Case], hidden: bool) -> transport.Report:
        """What `function` does on every case, collected for the grader to judge (it stops at an interruption)."""
        observations = None
        if callable(function):
            observations = []
            with _one_thread():
                for case in cases:
                    observations.append(self.collect(function, case))
                    if observations[-1].error is not None and observations[-1].error.interrupted:
                        break
        facts = dataclasses.asdict(facts_of(function)) if callable(function) else {}
        names = tuple(case.name for case in cases)
        return transport.Report(self.name, hidden, names, None if observations is None else tuple(observations), facts)

    def verdict(self, report: transport.Report) -> str | None:
        """Judge a report from a learner's kernel, here, with the reference: the message, or None if right."""
        cases = self.cases(report.hidden)
        if report.case_names != tuple(case.name for case in cases) or report.check != self.name:
            return f"{self.name} could not be graded: the report from the notebook does not match this check's cases."
        if report.observations is None:
            return self._not_a_function(None)
        if len(report.observations) < len(cases) and not report.observations[-1].error:
            return f"{self.name} could not be graded: the report from the notebook is incomplete."
        finished = [self.finish(observation, case) for observation, case in zip(report.observations, cases)]
        facts = Facts(str(report.facts.get("globals_hint", "")), bool(report.facts.get("silences_warnings", False)))
        return self._first_failure(cases[: len(finished)], finished.__getitem__, lambda: facts)

    def observe(self, function: Callable, case: Case) -> Observation:
        """What `function` does on this case, ready to compare."""
        return self.finish(self.collect(function, case), case)

    def collect(self, function: Callable, case: Case) -> Observation:
        """Call `function` on the case; the part of observing that must run where the function lives."""
        return call(function, case.args, case.kwargs, self._arg_names)

    def finish(self, observation: Observation, case: Case) -> Observation:
        """Complete a collected observation; the part of observing that a grader may do outside the kernel."""
        return observation

    def _first_failure(self, cases: Sequence[Case], observation: Callable[[int], Observation], facts: Callable[[], Facts]) -> str | None:
        if self.warning_hint and facts().silences_warnings:
            return (
                f"{self.name} switches NumPy's warnings off (np.errstate, np.seterr or the warnings module): that hides "
                f"an overflow, it does not prevent it.\nHint: remove that, then: {self.warning_hint}"
            )
        for index, case in enumerate(cases):
            got = observation(index)
            if got.error is not None and got.error.not_implemented:
                return (
                    f"{self.name} {NOT_WRITTEN}: it raises NotImplementedError.\n"
                    "Hint: replace the line `raise NotImplementedError()` with your code, run that cell, then this one."
                )
            if got.error is not None and got.error.interrupted:
                return self._message(
                    "was interrupted before it finished",
                    case,
                    detail=got.error.line and f"it was running {got.error.line}",
                    hint="If it never finishes on its own, look for a loop whose condition never becomes false.",
                )
            if got.error is not None and got.error.calls_reference:
                return (
                    f"{self.name} calls the course's reference implementation, {got.error.message}, instead of computing "
                    f"its answer.\nHint: grading gives no marks for calling the reference: write your own {self.name}."
                )
            expected = self.observe(self.reference, case)
            if expected.error is not None:
                raise RuntimeError(f"the reference for {self.name} failed on {case.name!r}: {expected.error}")
            message = self.judge(case, got, expected, lambda: self._diagnose(cases, observation, facts))
            if message is not None:
                return message
        return None

    def _not_a_function(self, value: Any) -> str:
        return (
            f"check.{self.name} needs your function itself, but was given {show(value)}.\n"
            f"Hint: write check.{self.name}({self.name}), passing the function without calling it."
        )

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
            return self._message(f"raised {error.type_name}", case, detail=detail, hint=diagnose() or case.hint or self.hint)
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
            hint=diagnose() or case.hint or difference.hint or self.hint,
        )

    def _diagnose(self, cases: Sequence[Case], observation: Callable[[int], Observation], facts: Callable[[], Facts]) -> str:
        """The hint of the known mistake that behaves exactly like the learner's function on every case, if any.

        The learner's function is run again on the cases not yet observed, with its printing silenced.
        """
        with contextlib.redirect_stdout(io.StringIO()):
            learner = [observation(index) for index in range(len(cases))]
            for mistake in self.mistakes:
                if all(self._same_behaviour(got, self.observe(mistake.makes, case)) for got, case in zip(learner, cases)):
                    return mistake.hint
        return facts().globals_hint

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


SILENCERS = ("errstate", "seterr", "filterwarnings", "catch_warnings", "simplefilter")


def facts_of(function: Callable) -> Facts:
    """What can be read from the function itself: the notebook data it uses, whether it silences warnings."""
    try:
        used = inspect.getclosurevars(function).globals
    except (TypeError, ValueError):
        used = {}
    data = sorted(name for name, value in used.items() if isinstance(value, (np.ndarray, torch.Tensor)))
    hint = f"Your function reads the notebook variable(s) {', '.join(data)}; use only the arguments it is given." if data else ""
    try:
        source = inspect.getsource(function)
    except (OSError, TypeError):
        source = ""
    return Facts(hint, any(word in source for word in SILENCERS))


@contextlib.contextmanager
def _one_thread():
    """Run a check on one thread: its tensors are tiny, and on a busy machine more threads only wait on each other."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)
