"""An exercise as its check knows it: the `Spec`.

A spec is everything of an exercise's declaration (autograder.exercises) that
judging the visible cases needs and that may be in a learner's hands: the
exercise's name and parameters, its points, its visible cases, the hint, how
results are compared (a tolerance, or named properties), and the names of the
notebook's other exercises it calls. It holds no answer: no reference, no
known mistake, no example answer and no hidden case. The release command
writes every notebook's specs into autograder.checks.recorded, beside what
the references and the known mistakes do on the visible cases.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable, Sequence

from autograder.checks.compare import FLOAT64, Tolerance
from autograder.checks.properties import Properties, Returns


@dataclass(frozen=True)
class Spec:
    """One exercise's visible side. Judged by value (the default) within `tolerance`, or by `properties`.

    With `properties`, the function must return `returns`, and the properties are compared in order;
    `result_names` names the values of a tuple result judged by value.
    """

    name: str  # the function's (or class's) name, which is the exercise's
    parameters: tuple[str, ...]  # the names of its parameters, as messages show the inputs
    points: int
    cases: Callable[[], list]  # the visible cases: fixed and readable first, then seeded random ones, then edge cases
    hint: str  # the advice when no more specific one applies
    tolerance: Tolerance = FLOAT64
    result_names: tuple[str, ...] = ()
    properties: Properties = ()
    returns: Returns | None = None
    changes_its_inputs: bool = False  # it is meant to update its arguments in place
    uses: Sequence[str] = ()  # the notebook's other exercises it calls, by name
    warning_hint: str = ""  # with it, a NumPy warning (overflow, division by zero) fails the case
    mutation_hint: str = ""  # replaces the usual hint for a function that changes its inputs
    seeded: bool = False  # every call runs with torch's global random numbers seeded alike
