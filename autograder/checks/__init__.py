"""The checks that the notebooks' test cells call, one module per notebook.

A notebook imports its module as `check` and calls, for example,
`check.linear_unit(linear_unit)`: one line when right, and when wrong an
AssertionError naming the case, the expected and actual result, and a hint.
The module of notebook folder `01_single_neuron` is `single_neuron`, and it
lists its checks, in notebook order, in `EXERCISES`.
"""

import importlib
from types import ModuleType

from autograder.checks.feedback import show_failures_as_feedback

show_failures_as_feedback()


def for_assignment(assignment: str) -> ModuleType:
    """The check module of a notebook folder: '01_single_neuron' -> autograder.checks.single_neuron."""
    return importlib.import_module(f"{__name__}.{assignment.split('_', 1)[1]}")
