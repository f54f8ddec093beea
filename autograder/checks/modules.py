"""Checks of functions that build a PyTorch module.

The learner's module and the reference's are each summed up as an ordered set
of properties (its sizes, parameter shapes and dtypes, its output on a batch),
and the first property that differs is reported with the hint for it. Each
property is read on its own, so a module whose forward pass fails is still
told first about the wrong weight shape that made it fail.
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
from torch import nn

from autograder.checks.check import Case, Check
from autograder.checks.compare import FLOAT32, Difference, compare
from autograder.checks.observe import LearnerError, Observation, call, learner_error
from autograder.checks.values import describe, show, type_name

_Module = nn.Module


Property = Callable[[nn.Module, Case], Any]


class ModuleProperties(dict):
    """The properties of a built module, in the order they are compared."""


class ModuleCheck(Check):
    """A check of a function returning a module of type `module_type`.

    `properties` maps each property's name to a function reading it from a
    module (given the case); `property_hints` gives the hint for each property
    that can be wrong.
    """

    def __init__(
        self,
        name: str,
        reference: Callable,
        *,
        module_type: type[nn.Module],
        properties: dict[str, Property],
        property_hints: dict[str, str],
        **check_options: Any,
    ):
        check_options.setdefault("tolerance", FLOAT32)
        super().__init__(name, reference, **check_options)
        self.module_type = module_type
        self.properties = properties
        self.property_hints = property_hints

    def observe(self, function: Callable, case: Case) -> Observation:
        built = call(function, case.args, case.kwargs, self._arg_names)
        if built.error is not None or built.mutated or not isinstance(built.result, self.module_type):
            return built
        properties = ModuleProperties()
        for key, read in self.properties.items():
            try:
                properties[key] = read(built.result, case)
            except Exception as error:  # the learner's module failed while being used
                properties[key] = learner_error(error, f"when the check read the module's {key}")
        return Observation(result=properties)

    def compare(self, got: Any, expected: Any) -> Difference | None:
        if not isinstance(got, ModuleProperties):
            hint = f"Return the {self.module_type.__name__} itself." if isinstance(got, _Module) else ""
            wanted = f"a {self.module_type.__module__.split('.')[0]}.nn.{self.module_type.__name__}"
            if got is None:
                return Difference("returned None", wanted, "None", hint="Did you forget the `return` statement?")
            return Difference(f"returned a {type_name(got)}", wanted, describe(got), hint=hint)
        for key, expected_value in expected.items():
            if isinstance(got[key], LearnerError):
                return Difference(
                    f"returned a module that raised {got[key].type_name} {got[key].when}",
                    show(expected_value),
                    str(got[key]),
                    got[key].line and f"at {got[key].line}",
                    self.property_hints.get(key, self.hint),
                )
            difference = compare(got[key], expected_value, self.tolerance)
            if difference is not None:
                whole = not isinstance(expected_value, np.ndarray)
                return Difference(
                    f"returned a module with the wrong {key}",
                    show(expected_value) if whole else difference.expected,
                    show(got[key]) if whole else difference.got,
                    "" if whole else difference.detail,
                    self.property_hints.get(key, difference.hint),
                )
        return None
