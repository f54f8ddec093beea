"""The check behind every test cell: run a learner's function on an exercise's cases and judge what it did.

A `Check` runs the cases of one exercise in order (fixed, readable cases
first, then seeded random ones, then edge cases), calls the learner's function
on fresh copies of each case's inputs, and stops at the first case where what
it did differs from what the reference does. The outcome is a `Verdict`: on
success one line is printed; otherwise a `CheckFailed` carries the verdict,
whose message names the case and its inputs, the expected and the actual
result, and a hint. A hint that names a known mistake (the learner's function
behaves like that mistake on every case) comes first.

Judging one case needs only the case, the learner's observation, the expected
observation and the known mistakes' observations: a check gets the last two
from its exercise's `expectations` (today worked out by calling the reference
and the mistakes; see autograder.exercises), never by calling a reference
itself. Observing is split in two, `collect` (calling the learner's function,
where it lives) and `finish` (what can be worked out from what was collected),
so that the course's grader can judge outside the learner's kernel (see
`sealed` and autograder.instructor.judging).
"""

from __future__ import annotations

import contextlib
import dataclasses
import inspect
import io
from dataclasses import dataclass, field
from typing import Any, Callable, Iterable, Protocol, Sequence

import numpy as np
import torch

from autograder.checks import sealed, verdict
from autograder.checks.compare import Difference, compare, dtypes_of
from autograder.checks.feedback import CheckFailed
from autograder.checks.observe import Observation, Readings, call, one_thread, seeded_random_numbers, substitute
from autograder.checks.properties import Called, compare_properties, derive, read
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


class Check:
    """Call with the learner's function: `check.linear_unit(linear_unit)`.

    `exercise` is the exercise's declaration (see autograder.exercises.Exercise);
    `places` maps the name of every exercise of the notebook to where the
    notebook asks for it ("Exercise 2"), for messages about a function that is
    not written yet.
    """

    def __init__(self, exercise: Any, places: dict[str, str]):
        self.exercise = exercise
        self.name = exercise.name
        self.points = exercise.points
        self.reference = exercise.reference  # the instructor's side: the grader seals it in learners' kernels
        self.places = places
        self.arg_names = tuple(inspect.signature(exercise.reference).parameters)
        self._parts = {part.__name__: part for part in exercise.uses}

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
        """The visible cases, or the hidden ones the graded test cell adds."""
        return list((self.exercise.hidden_cases if hidden else self.exercise.cases)())

    def verdict(self, function: Callable | None, hidden: bool = False) -> Verdict:
        """The verdict on `function` over the visible (or hidden) cases."""
        cases = self.cases(hidden)
        if not callable(function):
            return verdict.not_a_function(self.name, self.points, function)
        seen: dict[int, Observation] = {}

        def observed(index: int) -> Observation:
            if index not in seen:
                seen[index] = self.finish(self.collect(function, cases[index]), cases[index])
            return seen[index]

        with one_thread():
            return self.judge(cases, observed, lambda: facts_of(function), hidden)

    def collect(self, function: Callable, case: Case, *, learner: bool = True) -> Observation:
        """Call `function` on the case: the part of observing that must run where the function lives.

        A learner's function runs with the exercises it calls (`uses`) replaced by their references, so that a
        mistake made in an earlier exercise costs that exercise's points only.
        """
        exercise = self.exercise
        if learner and self._parts:
            function = substitute(function, self._parts)
        with seeded_random_numbers() if exercise.seeded else contextlib.nullcontext():
            done = call(function, case.args, case.kwargs, self.arg_names)
            if not exercise.properties:
                return done
            return read(exercise.properties, exercise.returns, done, Called(done.result, done.arguments, case, function))

    def finish(self, observation: Observation, case: Case) -> Observation:
        """Complete a collected observation: the part of observing that may happen outside the learner's kernel."""
        return derive(self.exercise.properties, observation, case)

    def observe(self, function: Callable, case: Case, *, learner: bool = True) -> Observation:
        """What `function` does on this case, ready to compare."""
        return self.finish(self.collect(function, case, learner=learner), case)

    def judge(
        self, cases: Sequence[Case], observed: Callable[[int], Observation], facts: Callable[[], Facts], hidden: bool,
        expectations: Expectations | None = None,
    ) -> Verdict:
        """The verdict on the learner's observations of `cases` (by index), against the exercise's expectations.

        `expectations` may be given when the same cases are judged again and again (the grader does).
        """
        exercise = self.exercise
        if exercise.warning_hint and facts().silences_warnings:
            return verdict.failed(
                self.name, self.points,
                "switches NumPy's warnings off (np.errstate, np.seterr or the warnings module): that hides an overflow, it does not prevent it.",
                f"remove that, then: {exercise.warning_hint}",
            )
        expectations = expectations or exercise.expectations(self, cases)
        for index, case in enumerate(cases):
            got = observed(index)
            special = self._stopped(got, case)
            if special is not None:
                return special
            difference, diagnosable = self._difference(case, got, expectations.expected(index))
            if difference is None:
                continue
            mistake = self._diagnose(cases, observed, expectations) if diagnosable else None
            hint = mistake.hint if mistake else (diagnosable and facts().globals_hint) or difference.hint
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
        exercise = self.exercise
        if expected.error is not None:
            raise RuntimeError(f"the reference for {self.name} failed on {case.name!r}: {expected.error}")
        if got.error is not None:
            error = got.error
            detail = "\n  ".join(part for part in (error.message, error.when, error.line and f"at {error.line}") if part)
            return Difference(f"raised {error.type_name}", "", "", detail, case.hint or exercise.hint), True
        if got.mutated and not exercise.changes_its_inputs:
            names = " and ".join(got.mutated)
            hint = exercise.mutation_hint or f"Leave {names} unchanged: compute a new array (x = x * 2) instead of updating it (x *= 2)."
            return Difference(f"changed its input {names} in place", "", "", hint=hint), False
        if exercise.warning_hint and got.warnings:
            return Difference(f"caused a NumPy warning: {got.warnings[0]}", "", "", hint=exercise.warning_hint), True
        difference = self.compare(got.result, expected.result, dtypes_of((case.args, case.kwargs)))
        if difference is None:
            return None, False
        return dataclasses.replace(difference, hint=case.hint or difference.hint or exercise.hint), True

    def compare(self, got: Any, expected: Any, inputs: frozenset = frozenset()) -> Difference | None:
        """How a learner's result differs from the expected one: by value, or property by property.

        `inputs` holds the dtypes of the case's inputs, for hints about dtypes.
        """
        exercise = self.exercise
        if exercise.properties:
            return compare_properties(exercise.properties, exercise.returns, got, expected, exercise.tolerance, inputs)
        return compare(got, expected, exercise.tolerance, exercise.result_names, inputs)

    def _diagnose(self, cases: Sequence[Case], observed: Callable[[int], Observation], expectations: Expectations) -> KnownMistake | None:
        """The known mistake that behaves exactly like the learner's function on every case, if any.

        The learner's function is run on the cases not yet observed, with its printing silenced.
        """
        with contextlib.redirect_stdout(io.StringIO()):
            learner = [observed(index) for index in range(len(cases))]
            for mistake in expectations.mistakes():
                if all(self._same_behaviour(got, mistake.observed(index)) for index, got in enumerate(learner)):
                    return mistake
        return None

    def _same_behaviour(self, first: Observation, second: Observation) -> bool:
        if first.error is not None or second.error is not None:
            return (
                first.error is not None
                and second.error is not None
                and (first.error.type_name, first.error.message) == (second.error.type_name, second.error.message)
            )
        if self.exercise.warning_hint and set(first.warnings) != set(second.warnings):
            return False
        if self.exercise.properties and not (isinstance(first.result, Readings) and isinstance(second.result, Readings)):
            # at least one did not return what could be read: they behave alike if both returned the same thing
            readable = isinstance(first.result, Readings) or isinstance(second.result, Readings)
            return not readable and compare(first.result, second.result, self.exercise.tolerance) is None
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
