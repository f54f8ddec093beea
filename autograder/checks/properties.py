"""Judge a function by the properties of what it did, not by one value.

Some exercises have no single right value to compare: a function that builds a
module (whose weights start random), that initialises coefficients from a
seed, that updates tensors in place, or that trains. Their check sums up what
the learner's call and the reference's call did as an ordered list of named
properties (the module's sizes, its output with fixed weights, the
coefficients a second call with the same seed gives...), and reports the first
property that differs, with the hint written for it.

A property is either read from the call where the function runs (`read`, in
the learner's kernel) or derived afterwards from what was read and the case
(`derive`), wherever the check judges: that lets the course's grader work out
conclusions such as "the same seed gave the same coefficients" itself rather
than take the learner's kernel's word for them. A `Reading` is read only for
derived properties to use, and is not compared. Each is read on its own, so a
module whose forward pass fails is still told first about the wrong weight
shape that made it fail.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from autograder.checks.compare import Difference, Tolerance, compare
from autograder.checks.observe import LearnerError, Observation, Readings, learner_error
from autograder.checks.values import describe, show, type_name


@dataclass(frozen=True)
class Called:
    """One call of the function under test, as the readers see it."""

    result: Any
    arguments: tuple  # the inputs as the call left them (some functions update them in place)
    case: Any  # the Case
    function: Callable  # the function under test (its globals are the notebook's, for the learner's)

    def again(self, *args: Any, **kwargs: Any) -> Any:
        """Call the function once more, on new inputs, without letting it print again."""
        with contextlib.redirect_stdout(io.StringIO()):
            return self.function(*args, **kwargs)


@dataclass(frozen=True)
class Property:
    """One named thing a check compares between the learner's call and the reference's, and the hint when it differs.

    Give exactly one of `read` (a function of the `Called`, run where the function runs) and
    `derive` (a function of the readings so far and the case, run wherever the check judges).
    """

    name: str
    hint: str
    read: Callable[[Called], Any] | None = None
    derive: Callable[[Readings, Any], Any] | None = None

    def __post_init__(self) -> None:
        if (self.read is None) == (self.derive is None):
            raise TypeError(f"property {self.name!r}: give exactly one of read= and derive=")


@dataclass(frozen=True)
class Reading:
    """Something read from the call only for derived properties to use; it is not compared."""

    name: str
    read: Callable[[Called], Any]


@dataclass(frozen=True)
class Returns:
    """What kind of result a function judged by its properties must return, and the hint when it does not."""

    kind: type | tuple[type, ...]
    description: str  # "a torch.nn.Linear"
    hint: str  # "Return the nn.Linear layer itself."


Properties = Sequence[Property | Reading]


def read(properties: Properties, returns: Returns | None, done: Observation, called: Called) -> Observation:
    """The readings of a call that returned the right kind of result (`done` unchanged otherwise)."""
    if done.error is not None or (returns is not None and not isinstance(done.result, returns.kind)):
        return done
    readings = Readings()
    for item in properties:
        if item.read is None:
            continue
        try:
            readings[item.name] = item.read(called)
        except Exception as error:  # what the learner's function returned failed when used
            readings[item.name] = learner_error(error, f"when the check read the {item.name}")
    return Observation(readings, done.error, done.mutated, done.warnings)


def derive(properties: Properties, observation: Observation, case: Any) -> Observation:
    """The observation with its derived properties worked out."""
    if not isinstance(observation.result, Readings):
        return observation
    readings = Readings(observation.result)
    for item in properties:
        if isinstance(item, Property) and item.derive is not None:
            try:
                readings[item.name] = item.derive(readings, case)
            except Exception as error:  # what was read cannot support the conclusion
                readings[item.name] = LearnerError(type(error).__name__, str(error), when=f"when the check worked out the {item.name}")
    return Observation(readings, observation.error, observation.mutated, observation.warnings)


def compare_properties(
    properties: Properties, returns: Returns | None, got: Any, expected: Readings, tolerance: Tolerance, inputs: frozenset = frozenset()
) -> Difference | None:
    """The first property whose value in `got` differs from `expected`, as a Difference carrying its hint."""
    if not isinstance(got, Readings):
        return _wrong_result(got, returns)
    for item in properties:
        if not isinstance(item, Property):
            continue
        wanted, value = expected[item.name], got.get(item.name)
        if isinstance(value, LearnerError) and value.not_implemented:
            return Difference(
                f"is not finished: {value.when}, it raised NotImplementedError", "", "", value.line and f"at {value.line}",
                "Write the rest of it: replace each `raise NotImplementedError()` with your code, run that cell, then this one.",
            )
        if isinstance(value, LearnerError):
            detail = f"{value.type_name}: {value.message}" + (f"\n  at {value.line}" if value.line else "")
            return Difference(f"gave a result that raised {value.type_name} {value.when}", "", "", detail, item.hint)
        if _plain(wanted):
            difference = None if _plain(value) and value == wanted else Difference("", "", "")
        else:
            difference = compare(value, wanted, tolerance, inputs=inputs)
        if difference is None:
            continue
        if isinstance(wanted, (bool, np.bool_)) and isinstance(value, (bool, np.bool_)) and wanted and not value:
            return Difference(f"does not meet a requirement: {item.name}", "", "", hint=item.hint)
        if not _plain(wanted) and (isinstance(wanted, np.ndarray) or difference.part):
            problem = f"gave the wrong {item.name}" + (f", in {difference.part}" if difference.part else "")
            return Difference(problem, difference.expected, difference.got, difference.detail, item.hint or difference.hint)
        return Difference(f"gave the wrong {item.name}", show(wanted), show(value), hint=item.hint)
    return None


def _wrong_result(got: Any, returns: Returns | None) -> Difference:
    """The difference when the function did not even return the right kind of thing."""
    description, hint = (returns.description, returns.hint) if returns else ("", "")
    if got is None:
        return Difference("returned None", description, "None", hint="Did you forget the `return` statement?")
    return Difference(f"returned a {type_name(got)}", description, describe(got), hint=hint)


def _plain(value: Any) -> bool:
    """Whether a value is made only of whole numbers, text, truth values and None: compared exactly, shown whole."""
    if isinstance(value, (tuple, list)):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, (bool, np.bool_, int, str)) and not isinstance(value, float)
