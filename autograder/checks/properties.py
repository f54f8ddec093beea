"""Checks that judge a function by the properties of what it did, not by one value.

Some exercises have no single right value to compare: a function that builds a
module (whose weights start random), that initialises coefficients from a
seed, that updates tensors in place, or that trains. Their check sums up what
the learner's function did and what the reference did as an ordered set of
named properties (the module's sizes, its output with fixed weights, whether
the same seed gives the same values, the loss after training...), and reports
the first property that differs, with the hint written for it. Each property
is read on its own, so a module whose forward pass fails is still told first
about the wrong weight shape that made it fail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable

import numpy as np

from autograder.checks.check import Case, Check
from autograder.checks.compare import Difference, compare
from autograder.checks.observe import LearnerError, Observation, call, learner_error
from autograder.checks.values import describe, show, type_name


@dataclass(frozen=True)
class Called:
    """One call of the function under test, as the property readers see it."""

    result: Any
    arguments: tuple  # the inputs as the call left them (some functions update them in place)
    case: Case
    again: Callable  # calls the same function once more, on new inputs


Reader = Callable[[Called], Any]


class Properties(dict):
    """The properties read from one call, in the order they are compared."""


class PropertyCheck(Check):
    """A check that compares properties of the learner's call with those of the reference's.

    `properties` maps each property's name to a function reading it from a
    `Called`; `property_hints` gives the hint for a property that differs.
    The function must return a `result_type` (described to the learner as
    `result_description`, with `wrong_type_hint` when it returns something
    else); `in_place=True` allows it to change its inputs (it is meant to).
    """

    def __init__(
        self,
        name: str,
        reference: Callable,
        *,
        properties: dict[str, Reader],
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

    def observe(self, function: Callable, case: Case) -> Observation:
        done = call(function, case.args, case.kwargs, self._arg_names)
        if done.error is not None or (done.mutated and not self.in_place) or not isinstance(done.result, self.result_type):
            return done
        called = Called(done.result, done.arguments, case, function)
        properties = Properties()
        for key, read in self.properties.items():
            try:
                properties[key] = read(called)
            except Exception as error:  # what the learner's function returned failed when used
                properties[key] = learner_error(error, f"when the check read the {key}")
        return Observation(result=properties)

    def compare(self, got: Any, expected: Any) -> Difference | None:
        if not isinstance(got, Properties):
            return self._wrong_result(got)
        for key, expected_value in expected.items():
            hint = self.property_hints.get(key, self.hint)
            value = got[key]
            if isinstance(value, LearnerError):
                return Difference(f"gave a result that raised {value.type_name} {value.when}", "", "", _error_detail(value), hint)
            difference = compare(value, expected_value, self.tolerance)
            if difference is None:
                continue
            if expected_value is True and value is False:
                return Difference(f"does not meet a requirement: {key}", "", "", hint=hint)
            if isinstance(expected_value, np.ndarray) or difference.part:
                problem = f"gave the wrong {key}" + (f", in {difference.part}" if difference.part else "")
                return Difference(problem, difference.expected, difference.got, difference.detail, hint)
            return Difference(f"gave the wrong {key}", show(expected_value), show(value), hint=hint)
        return None

    def _wrong_result(self, got: Any) -> Difference:
        if got is None:
            return Difference("returned None", self.result_description, "None", hint="Did you forget the `return` statement?")
        return Difference(f"returned a {type_name(got)}", self.result_description, describe(got), hint=self.wrong_type_hint)


def _error_detail(error: LearnerError) -> str:
    detail = f"{error.type_name}: {error.message}"
    return f"{detail}\n  at {error.line}" if error.line else detail
