"""The check behind every test cell: run a learner's function on an exercise's cases and judge what it did.

A `Check` runs the cases of one exercise in order (fixed, readable cases
first, then seeded random ones, then edge cases), calls the learner's function
on fresh copies of each case's inputs, and stops at the first case where what
it did differs from what the reference does. The outcome is a `Verdict`: on
success one line is printed; otherwise a `CheckFailed` carries the verdict,
whose message names the case and its inputs, the expected and the actual
result, and a hint. A hint that names a known mistake (the learner's function
behaves like that mistake on every case) comes first.

A check knows its exercise by its `Spec` (no answer in it) and judges one
case from the case, the learner's observation and its `Expectations`: what
the reference and the known mistakes do on the cases. For the visible cases
those were recorded at release (autograder.checks.recorded); the hidden ones
are worked out on the instructor's side (autograder.checks.hidden). A check
never calls a reference itself. Observing is split in two, `collect` (calling
the learner's function, where it lives) and `finish` (what can be worked out
from what was collected), so that the course's grader can judge outside the
learner's kernel (see `sealed` and autograder.instructor.judging).
"""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import inspect
import io
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol, Sequence

import numpy as np
import torch

from autograder.checks import hidden as hidden_cases
from autograder.checks import sealed, verdict
from autograder.checks.compare import Difference, compare, dtypes_of
from autograder.checks.feedback import CheckFailed
from autograder.checks.observe import (
    Observation, Readings, call, numpy_random_numbers_seeded, one_thread, seeded_random_numbers, substitute,
)
from autograder.checks.properties import Called, compare_properties, derive, read
from autograder.checks.spec import Spec
from autograder.checks.verdict import Verdict

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
class KnownMistake:
    """A known mistake as a check sees it: its name, its hint, and what it does on each case (by index)."""

    name: str
    hint: str
    observed: Callable[[int], Observation]


class Expectations(Protocol):
    """What a check compares a learner's function with, on a list of cases."""

    def expected(self, index: int) -> Observation: ...

    def mistakes(self) -> Iterable[KnownMistake]: ...


@dataclass(frozen=True)
class Facts:
    """What a check can tell from the learner's function itself rather than from its results."""

    globals_hint: str = ""  # advice when it reads notebook data instead of its arguments
    silences_warnings: bool = False  # whether its code switches NumPy's warnings off
    parts_hint: str = ""  # advice when an exercise it calls does not pass its own check


class Check:
    """Call with the learner's function: `check.linear_unit(linear_unit)`.

    `spec` is the exercise as checks know it; `places` maps the name of every
    exercise of the notebook to where the notebook asks for it ("Exercise 2"),
    for messages about a function that is not written yet; `recorded` is what
    the reference and the known mistakes do on the visible cases; `notebook` is
    the notebook's module name ("single_neuron"); `siblings` holds the
    notebook's checks by name, for a function that calls other exercises.
    """

    def __init__(self, spec: Spec, places: dict[str, str], recorded: Expectations, notebook: str, siblings: dict[str, Check]):
        self.spec = spec
        self.name = spec.name
        self.points = spec.points
        self.places = places
        self.recorded = recorded
        self.notebook = notebook
        self.siblings = siblings
        self.arg_names = tuple(spec.parameters)

    def __repr__(self) -> str:
        return f"<check for {self.name}, {self.points} points>"

    def __call__(self, function: Callable | None = None, *, hidden: bool = False) -> None:
        """Print one line if `function` is right; raise CheckFailed explaining the first problem if not.

        Under the course's grader the check reports what the function did instead of judging (see `sealed`).
        """
        if sealed.active():
            sealed.report(self, function, hidden)
            return
        outcome = self.verdict(function, hidden)
        if not outcome.passed:
            raise CheckFailed(outcome) from None
        _print(outcome.message)

    def cases(self, hidden: bool = False) -> list[Case]:
        """The visible cases, or the hidden ones the graded test cell adds (HiddenCasesUnavailable where there are none)."""
        return hidden_cases.cases(self) if hidden else list(self.spec.cases())

    def expectations(self, cases: Sequence[Case], hidden: bool = False) -> Expectations:
        """What the reference and the known mistakes do on `cases`: recorded for the visible ones."""
        return hidden_cases.expectations(self, cases) if hidden else self.recorded

    def parts(self) -> dict[str, Callable]:
        """What the exercises this one calls are replaced by while it is checked: see autograder.checks.hidden."""
        return hidden_cases.parts(self) if self.spec.uses else {}

    def verdict(self, function: Callable | None, hidden: bool = False) -> Verdict:
        """The verdict on `function` over the visible (or hidden) cases."""
        if not callable(function):
            return verdict.not_a_function(self.name, self.points, function)
        try:
            cases = self.cases(hidden)
            expectations = self.expectations(cases, hidden)
        except hidden_cases.HiddenCasesUnavailable as unavailable:
            return verdict.ungraded(self.name, self.points, str(unavailable))
        parts = self.parts()
        seen: dict[int, Observation] = {}

        def observed(index: int) -> Observation:
            if index not in seen:
                seen[index] = self.finish(self.collect(function, cases[index], parts), cases[index])
            return seen[index]

        with one_thread():
            return self.judge(cases, observed, functools.cache(lambda: self.facts(function, parts)), hidden, expectations)

    def facts(self, function: Callable, parts: dict[str, Callable]) -> Facts:
        """What can be told from the function itself, and whether an exercise it calls (and is not replaced) fails its own check."""
        facts = facts_of(function)
        for name in self.spec.uses:
            part, sibling = getattr(function, "__globals__", {}).get(name), self.siblings.get(name)
            if name in parts or sibling is None or not callable(part):
                continue
            with contextlib.redirect_stdout(io.StringIO()):
                outcome = sibling.verdict(part)
            if not outcome.passed and outcome.status != verdict.NOT_WRITTEN:
                where = f" ({self.places[name]})" if name in self.places else ""
                hint = f"{self.name} calls your {name}, which does not pass its own check yet ({outcome.summary}): fix {name} first{where}, then run this check again."
                return dataclasses.replace(facts, parts_hint=hint)
        return facts

    def collect(self, function: Callable, case: Case, parts: dict[str, Callable] | None = None) -> Observation:
        """Call `function` on the case: the part of observing that must run where the function lives.

        With `parts`, the function runs with the exercises it calls replaced by them (see `parts`).
        """
        spec = self.spec
        if parts:
            function = substitute(function, parts)
        with numpy_random_numbers_seeded(), seeded_random_numbers() if spec.seeded else contextlib.nullcontext():
            done = call(function, case.args, case.kwargs, self.arg_names)
            if not spec.properties:
                return done
            return read(spec.properties, spec.returns, done, Called(done.result, done.arguments, case, function))

    def finish(self, observation: Observation, case: Case) -> Observation:
        """Complete a collected observation: the part of observing that may happen outside the learner's kernel."""
        return derive(self.spec.properties, observation, case)

    def observe(self, function: Callable, case: Case) -> Observation:
        """What `function` does on this case, ready to compare (the function runs as it is)."""
        return self.finish(self.collect(function, case), case)

    def judge(
        self, cases: Sequence[Case], observed: Callable[[int], Observation], facts: Callable[[], Facts], hidden: bool,
        expectations: Expectations,
    ) -> Verdict:
        """The verdict on the learner's observations of `cases` (by index), against `expectations` on those cases."""
        spec = self.spec
        if spec.warning_hint and facts().silences_warnings:
            return verdict.failed(
                self.name, self.points,
                "switches NumPy's warnings off (np.errstate, np.seterr or the warnings module): that hides an overflow, it does not prevent it.",
                f"remove that, then: {spec.warning_hint}",
            )
        for index, case in enumerate(cases):
            got = observed(index)
            special = self._stopped(got, case)
            if special is not None:
                return special
            difference, diagnosable = self._difference(case, got, expectations.expected(index))
            if difference is None:
                continue
            mistake = self._diagnose(cases, observed, expectations) if diagnosable else None
            hint = mistake.hint if mistake else (diagnosable and (facts().parts_hint or facts().globals_hint)) or difference.hint
            return verdict.failed(
                self.name, self.points, difference.problem, hint, case=case, arg_names=self.arg_names,
                expected=difference.expected, got=difference.got, detail=difference.detail, mistake=mistake.name if mistake else "",
            )
        return verdict.passed(self.name, self.points, len(cases), hidden)

    def _stopped(self, got: Observation, case: Case) -> Verdict | None:
        """The verdict when the call did not get as far as a result worth comparing: a stub, an interruption, a sealed reference."""
        error = got.error
        if error is None:
            return None
        if error.not_implemented:
            return verdict.not_written(self.name, self.points, error.function, self.places.get(error.function, ""))
        if error.interrupted:
            return verdict.failed(
                self.name, self.points, "was interrupted before it finished",
                "If it never finishes on its own, look for a loop whose condition never becomes false.",
                case=case, arg_names=self.arg_names, detail=error.line and f"it was running {error.line}",
            )
        if error.calls_reference:
            return verdict.failed(
                self.name, self.points, f"calls the course's reference implementation, {error.message}, instead of computing its answer.",
                f"grading gives no marks for calling the reference: write your own {self.name}.",
                status=verdict.CALLS_REFERENCE,
            )
        return None

    def _difference(self, case: Case, got: Observation, expected: Observation) -> tuple[Difference | None, bool]:
        """How the learner's observation differs from the expected one, and whether a known mistake may explain it."""
        spec = self.spec
        if expected.error is not None:
            raise RuntimeError(f"the reference for {self.name} failed on {case.name!r}: {expected.error}")
        if got.error is not None:
            error = got.error
            detail = "\n  ".join(part for part in (error.message, error.when, error.line and f"at {error.line}") if part)
            return Difference(f"raised {error.type_name}", "", "", detail, case.hint or spec.hint), True
        if got.mutated and not spec.changes_its_inputs:
            names = " and ".join(got.mutated)
            hint = spec.mutation_hint or f"Leave {names} unchanged: compute a new array (x = x * 2) instead of updating it (x *= 2)."
            return Difference(f"changed its input {names} in place", "", "", hint=hint), False
        if spec.warning_hint and got.warnings:
            return Difference(f"caused a NumPy warning: {got.warnings[0]}", "", "", hint=spec.warning_hint), True
        difference = self.compare(got.result, expected.result, dtypes_of((case.args, case.kwargs)))
        if difference is None:
            return None, False
        return dataclasses.replace(difference, hint=case.hint or difference.hint or spec.hint), True

    def compare(self, got: Any, expected: Any, inputs: frozenset = frozenset()) -> Difference | None:
        """How a learner's result differs from the expected one: by value, or property by property.

        `inputs` holds the dtypes of the case's inputs, for hints about dtypes.
        """
        spec = self.spec
        if spec.properties:
            return compare_properties(spec.properties, spec.returns, got, expected, spec.tolerance, inputs)
        return compare(got, expected, spec.tolerance, spec.result_names, inputs)

    def _diagnose(self, cases: Sequence[Case], observed: Callable[[int], Observation], expectations: Expectations) -> KnownMistake | None:
        """The known mistake that behaves exactly like the learner's function on every case, if any.

        The learner's function is run on the cases not yet observed, with its printing silenced.
        """
        with contextlib.redirect_stdout(io.StringIO()):
            learner = [observed(index) for index in range(len(cases))]
            for mistake in expectations.mistakes():
                if all(self.same_behaviour(got, mistake.observed(index)) for index, got in enumerate(learner)):
                    return mistake
        return None

    def same_behaviour(self, first: Observation, second: Observation) -> bool:
        """Whether two observations are alike as far as judging goes: the same error, or results that compare equal."""
        if first.error is not None or second.error is not None:
            return (
                first.error is not None
                and second.error is not None
                and (first.error.type_name, first.error.message) == (second.error.type_name, second.error.message)
            )
        if self.spec.warning_hint and set(first.warnings) != set(second.warnings):
            return False
        if self.spec.properties and not (isinstance(first.result, Readings) and isinstance(second.result, Readings)):
            # at least one did not return what could be read: they behave alike if both returned the same thing
            readable = isinstance(first.result, Readings) or isinstance(second.result, Readings)
            return not readable and compare(first.result, second.result, self.spec.tolerance) is None
        return self.compare(first.result, second.result) is None


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
