"""The checks that the notebooks' test cells call, one module per notebook.

A notebook imports its module as `check` and calls, for example,
`check.linear_unit(linear_unit)`: one line when right, and when wrong a
CheckFailed (an AssertionError) naming the case, the expected and actual
result, and a hint; `check.progress()` shows every exercise's standing. The
module of notebook folder `01_single_neuron` is `single_neuron`: it makes its
checks, in notebook order (`EXERCISES`), from the exercises declared in
autograder.exercises.single_neuron.
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

    `module_name` is the check module's own name (autograder.checks.single_neuron); the exercises
    are those declared in the module of the same name in autograder.exercises.
    """
    from autograder.checks.check import Check
    from autograder.checks.progress import progress_view
    from autograder.exercises import declared

    exercises = declared(module_name.rsplit(".", 1)[1])
    numbers = {exercise.name: f"Exercise {number}" for number, exercise in enumerate(exercises, start=1)}
    places.update(numbers)
    checks = tuple(Check(exercise, numbers) for exercise in exercises)
    return checks, progress_view(checks)
