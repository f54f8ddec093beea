"""The checks that the notebooks' test cells call, one module per notebook.

A notebook imports its module as `check` and calls, for example,
`check.linear_unit(linear_unit)`: one line when right, and when wrong a
CheckFailed (an AssertionError) naming the case, the expected and actual
result, and a hint; `check.progress()` shows every exercise's standing. The
module of notebook folder `01_single_neuron` is `single_neuron`: it makes its
checks, in notebook order (`EXERCISES`), from what the release command
recorded of the exercises declared in autograder.exercises.single_neuron (see
autograder.checks.recorded). Nothing here holds or calls a reference.
"""

import importlib
from types import ModuleType
from typing import Callable

from autograder.checks.feedback import places, show_failures_as_feedback

show_failures_as_feedback()


def for_assignment(assignment: str) -> ModuleType:
    """The check module of a notebook folder: '01_single_neuron' -> autograder.checks.single_neuron."""
    return importlib.import_module(f"{__name__}.{assignment.split('_', 1)[1]}")


def checks_of(module_name: str) -> tuple[tuple, Callable]:
    """The checks of a notebook's exercises, in notebook order, and its `progress` view.

    `module_name` is the check module's own name (autograder.checks.single_neuron); its exercises are
    those recorded for the notebook of the same name in autograder.checks.recorded.
    """
    from autograder.checks import recorded
    from autograder.checks.check import Check
    from autograder.checks.progress import progress_view

    notebook = module_name.rsplit(".", 1)[1]
    specs = recorded.load(notebook)
    numbers = {spec.name: f"Exercise {number}" for number, (spec, _) in enumerate(specs, start=1)}
    places.update(numbers)
    siblings: dict = {}
    checks = tuple(Check(spec, numbers, expectations, notebook, siblings) for spec, expectations in specs)
    siblings.update({check.name: check for check in checks})
    return checks, progress_view(checks)
