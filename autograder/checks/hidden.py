"""Where a check's hidden cases come from, and what a function that calls other exercises runs with.

Hidden cases are never in a learner's hands. They are drawn when a notebook
is graded, for each learner, from the course's grading secret, which only
the instructor's side holds (autograder.instructor.hidden_cases); what the
reference does on them is worked out there too.

- Under the course's grader, the kernel gets them just before the test cell
  that runs them (`receive`), together with the references of the exercises
  that exercise calls (`parts`). Every earlier test cell of the notebook has
  run by then, so nothing the notebook does with them can earn it the points
  of an earlier exercise; a later one has cases of its own.
- Elsewhere in the instructor's install (stock `nbgrader autograde`, the
  solution notebooks, a learner studying with the full package), the check
  asks autograder.instructor.hidden_cases itself.
- In the learner's install there are none: `cases` says so.

When a grader runs the notebook (either of the first two, with
NBGRADER_EXECUTION=autograde), a function that calls the notebook's other
exercises (a spec's `uses`) runs with their references, so that a mistake
in an earlier exercise costs that exercise's points only. Otherwise it runs
with the learner's own, and its check says which of them to fix first.
"""

from __future__ import annotations

import base64
import importlib
import os
import pickle
from dataclasses import dataclass, field
from typing import Any, Callable

from autograder.checks import sealed

INSTRUCTOR_SIDE = "autograder.instructor.hidden_cases"


class HiddenCasesUnavailable(Exception):
    """There are no hidden cases here; the message says why, in a sentence a learner can read."""


@dataclass(frozen=True)
class Delivery:
    """What the grader hands a kernel for one exercise before its test cell runs."""

    cases: list = field(default_factory=list)  # the learner's hidden cases
    parts: dict = field(default_factory=dict)  # the references of the exercises it calls, by name


_delivered: dict[str, Delivery] = {}


def receive(payload: str) -> None:
    """Keep what the grader sent (base64 of a pickle of {exercise: Delivery}); only the grader calls this."""
    _delivered.update(pickle.loads(base64.b64decode(payload)))


def with_gradient(tensor: Any, requires_grad: bool, gradient: Any) -> Any:
    """A delivered tensor as it was sent, its gradient included (pickling alone leaves that out)."""
    tensor.requires_grad_(requires_grad)
    tensor.grad = gradient
    return tensor


def grading() -> bool:
    """Whether a grader is running this notebook: the course's, or stock `nbgrader autograde`."""
    return sealed.active() or os.environ.get("NBGRADER_EXECUTION") == "autograde"


def cases(check: Any) -> list:
    """The hidden cases of `check`'s exercise for this notebook's learner."""
    if sealed.active():
        if check.name not in _delivered:
            raise HiddenCasesUnavailable(f"the grader did not hand over the hidden cases of {check.name}.")
        return list(_delivered[check.name].cases)
    return _instructor_side().cases(check)


def expectations(check: Any, cases: list) -> Any:
    """What the reference and the known mistakes do on the hidden `cases` (never asked in a grader's kernel)."""
    return _instructor_side().expectations(check, cases)


def parts(check: Any) -> dict[str, Callable]:
    """The references of the exercises `check`'s exercise calls, when a grader runs the notebook; else none."""
    if sealed.active():
        delivery = _delivered.get(check.name)
        return dict(delivery.parts) if delivery else {}
    if not grading():
        return {}
    return _instructor_side().parts(check)


def _instructor_side() -> Any:
    try:
        return importlib.import_module(INSTRUCTOR_SIDE)
    except ModuleNotFoundError:
        raise HiddenCasesUnavailable(
            "the hidden cases are drawn only when your notebook is graded; here, the visible check is the one to run."
        ) from None
