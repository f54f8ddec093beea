"""Checks that judge a function by the properties of what it did, not by one value.

Some exercises have no single right value to compare: a function that builds a
module (whose weights start random), that initialises coefficients from a
seed, that updates tensors in place, or that trains. Their check sums up what
the learner's function did and what the reference did as an ordered set of
named properties (the module's sizes, its output with fixed weights, the
coefficients a second call with the same seed gives...), and reports the first
property that differs, with the hint written for it.

Each property is read on its own, so a module whose forward pass fails is
still told first about the wrong weight shape that made it fail. Reading
happens where the function lives (`collect`); a `Derived` property is computed
afterwards from what was read (`finish`), which lets the course's grader work
out conclusions such as "the loss went down" or "the accuracy is at least 90 %"
itself rather than take the learner's kernel's word for them. A `Raw` property
is read only to serve derived ones and is not compared.
"""

from __future__ import annotations

import contextlib
import io
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from autograder.checks.check import Case, Check
from autograder.checks.compare import Difference, compare
from autograder.checks.observe import LearnerError, Observation, Properties, call, learner_error
from autograder.checks.values import describe, show, type_name


@dataclass(frozen=True)
class Called:
    """One call of the function under test, as the property readers see it."""

    result: Any
    arguments: tuple  # the inputs as the call left them (some functions update them in place)
    case: Case
    function: Callable  # the function under test (its globals are the notebook's, for the learner's)

    def again(self, *args: Any, **kwargs: Any) -> Any:
        """Call the function once more, on new inputs, without letting it print again."""
        with contextlib.redirect_stdout(io.StringIO()):
            return self.function(*args, **kwargs)


Reader = Callable[[Called], Any]


@dataclass(frozen=True)
class Raw:
    """Read from the call for derived properties to use; not compared itself."""

    read: Reader


@dataclass(frozen=True)
class Derived:
    """Computed from the properties read before it (by name) and the case, wherever the check judges."""

    compute: Callable[[Properties, Case], Any]


class PropertyCheck(Check):
    """A check that compares properties of the learner's call with those of the reference's.

    `properties` maps each property's name to a `Reader` (a function of a
    `Called`), a `Raw` reader or a `Derived` computation, in the order they are
    compared; `property_hints` gives the hint for a property that differs. The
    function must return a `result_type` (described to the learner as
    `result_description`, with `wrong_type_hint` when it returns something
    else); `in_place=True` allows it to change its inputs (it is meant to).
    """

    def __init__(
        self,
        name: str,
        reference: Callable,
        *,
        properties: dict[str, Reader | Raw | Derived],
        property_hints: dict[str, str],
        result_type: type | tuple[type, ...] = object,
        result_description: str = "",
        wrong_type_hint: str = "",
        in_place: bool = False,
        **check_options: Any,
    ):
        super().__init__(name, reference, **check_options)
        self.properties = properties
        self.property_hints = property_hints
        self.result_type = result_type
        self.result_description = result_description
        self.wrong_type_hint = wrong_type_hint
        self.in_place = in_place

    def collect(self, function: Callable, case: Case) -> Observation:
        done = call(function, case.args, case.kwargs, self._arg_names)
        if done.error is not None or (done.mutated and not self.in_place) or not isinstance(done.result, self.result_type):
            return done
        called = Called(done.result, done.arguments, case, function)
        read = Properties()
        for key, reader in self.properties.items():
            if isinstance(reader, Derived):
                continue
            try:
                read[key] = (reader.read if isinstance(reader, Raw) else reader)(called)
            except Exception as error:  # what the learner's function returned failed when used
                read[key] = learner_error(error, f"when the check read the {key}")
        return Observation(result=read)

    def finish(self, observation: Observation, case: Case) -> Observation:
        if not isinstance(observation.result, Properties):
            return observation
        properties = Properties(observation.result)
        for key, reader in self.properties.items():
            if isinstance(reader, Derived):
                try:
                    properties[key] = reader.compute(properties, case)
                except Exception as error:  # what was read cannot support the conclusion
                    properties[key] = LearnerError(type(error).__name__, str(error), when=f"when the check worked out the {key}")
        return Observation(properties, observation.error, observation.mutated, observation.warnings)

    def compare(self, got: Any, expected: Any) -> Difference | None:
        if not isinstance(got, Properties):
            return self._wrong_result(got)
        for key, reader in self.properties.items():
            if isinstance(reader, Raw):
                continue
            expected_value, value, hint = expected[key], got.get(key), self.property_hints.get(key, self.hint)
            if isinstance(value, LearnerError):
                detail = f"{value.type_name}: {value.message}" + (f"\n  at {value.line}" if value.line else "")
                return Difference(f"gave a result that raised {value.type_name} {value.when}", "", "", detail, hint)
            if _plain(expected_value):
                difference = None if _plain(value) and value == expected_value else Difference("", "", "")
            else:
                difference = compare(value, expected_value, self.tolerance)
            if difference is None:
                continue
            if isinstance(expected_value, (bool, np.bool_)) and isinstance(value, (bool, np.bool_)) and expected_value and not value:
                return Difference(f"does not meet a requirement: {key}", "", "", hint=hint)
            if _plain(expected_value):
                return Difference(f"gave the wrong {key}", show(expected_value), show(value), hint=hint)
            if isinstance(expected_value, np.ndarray) or difference.part:
                problem = f"gave the wrong {key}" + (f", in {difference.part}" if difference.part else "")
                return Difference(problem, difference.expected, difference.got, difference.detail, hint)
            return Difference(f"gave the wrong {key}", show(expected_value), show(value), hint=hint)
        return None

    def _wrong_result(self, got: Any) -> Difference:
        """The difference when the function did not even return the right kind of thing."""
        if got is None:
            return Difference("returned None", self.result_description, "None", hint="Did you forget the `return` statement?")
        return Difference(f"returned a {type_name(got)}", self.result_description, describe(got), hint=self.wrong_type_hint)


def _plain(value: Any) -> bool:
    """Whether a value is made only of whole numbers, text, truth values and None: compared exactly, shown whole."""
    if isinstance(value, (tuple, list)):
        return all(_plain(item) for item in value)
    return value is None or isinstance(value, (bool, np.bool_, int, str)) and not isinstance(value, float)
