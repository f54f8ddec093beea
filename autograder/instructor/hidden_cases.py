"""Hidden cases: drawn for each learner from the course's grading secret, at grading time, on the instructor's side.

An exercise declares how its hidden cases are made from a number
(`Exercise.hidden_cases(seed)`); the number is `secret.seed(key, student,
exercise)`, where the key is the notebook's (`secret.assignment_key`). So the
cases are the same whenever the same learner is graded again, other for every
learner (one learner's feedback tells another nothing), and unknown to anyone
without the secret: the learner's install holds neither the secret nor the
code that makes the cases. What the reference and the known mistakes do on
them is worked out here too (`ReferenceExpectations`).

- The course's grader (autograder.instructor.verified_execute) draws a
  submission's cases in the grading worker (`Submission`), hands each test
  cell's to the sealed kernel just before that cell runs (`delivery_code`),
  with the references of the exercises it calls, and judges what comes back.
- In an instructor's kernel that is not sealed (stock `nbgrader autograde`,
  the solution notebooks under nbval), autograder.checks.hidden calls
  `cases`, `expectations` and `parts`: the secret is found from the kernel's
  folder (or the environment), and under `nbgrader autograde`, whose kernel
  runs in autograded/<student>/<assignment>/, the learner is that folder's
  parent's name.

Cases reach a check as pickles (`as_checks_see_them`): whatever in them has
a twin in the notebook's visible side (autograder.checks.recorded: the same
code, copied there by the release command) is that twin, so that the check's
properties, which are the visible side's, recognise the case's probes; what
has none (the references of the exercises a function calls, helpers only
hidden cases use) is pickled as code, which a sealed kernel runs without
being able to import the answer key.
"""

from __future__ import annotations

import base64
import importlib
import io
import pickle
import sys
import types
from pathlib import Path
from typing import Any, Callable

import cloudpickle
import torch

from autograder.checks.check import Case, Check
from autograder.checks.hidden import Delivery, HiddenCasesUnavailable, grading, with_gradient
from autograder.exercises import Exercise, ReferenceExpectations, declaration_of
from autograder.instructor import secret

ANSWER_KEY = "autograder.exercises"
VISIBLE_SIDES = "autograder.checks.recorded"


def draw(exercise: Exercise, key: str, student: str) -> list[Case]:
    """One learner's hidden cases of an exercise, as its check sees them."""
    return as_checks_see_them(list(exercise.hidden_cases(secret.seed(key, student, exercise.name))))


def as_checks_see_them(value: Any) -> Any:
    """`value` after the trip a kernel's delivery makes: pickled, with twins in the visible side, and read back."""
    return pickle.loads(pickled(value))


def pickled(value: Any) -> bytes:
    for name, module in list(sys.modules.items()):
        if (name == ANSWER_KEY or name.startswith(ANSWER_KEY + ".")) and module is not None:
            cloudpickle.register_pickle_by_value(module)
    buffer = io.BytesIO()
    _TwinPickler(buffer).dump(value)
    return buffer.getvalue()


class _TwinPickler(cloudpickle.Pickler):
    """cloudpickle's pickler, which stores a function or class of the answer key as its visible side's twin, if it has one."""

    def reducer_override(self, obj: Any) -> Any:
        if isinstance(obj, torch.Tensor) and obj.grad is not None:  # a tensor's pickle leaves its gradient out
            return with_gradient, (obj.detach().clone(), obj.requires_grad, obj.grad)
        if isinstance(obj, (types.FunctionType, type)) and (obj.__module__ or "").startswith(ANSWER_KEY + ".") and "." not in obj.__qualname__:
            visible_side = importlib.import_module(f"{VISIBLE_SIDES}.{obj.__module__.rsplit('.', 1)[1]}")
            if hasattr(visible_side, obj.__qualname__):
                return getattr, (visible_side, obj.__qualname__)
        return super().reducer_override(obj)


def references_of_parts(exercise: Exercise) -> dict[str, Callable]:
    """The references of the exercises an exercise calls, by name."""
    return {part.__name__: part for part in exercise.uses}


# ---------------------------------------------------------------- in an instructor's kernel that is not sealed


def cases(check: Check) -> list[Case]:
    return draw(declaration_of(check), _kernel_key(check.notebook), _kernel_student())


def expectations(check: Check, drawn: list[Case]) -> ReferenceExpectations:
    return ReferenceExpectations(declaration_of(check), check, drawn)


def parts(check: Check) -> dict[str, Callable]:
    return references_of_parts(declaration_of(check))


def _kernel_key(notebook: str) -> str:
    try:
        return secret.assignment_key(secret.require(Path.cwd()), notebook)
    except secret.MissingSecret as missing:
        raise HiddenCasesUnavailable(f"the instructor's grading secret is missing. {missing}") from None


def _kernel_student() -> str:
    """The learner whose notebook this kernel runs: under `nbgrader autograde`, its folder's parent's name; else none."""
    return Path.cwd().parent.name if grading() else ""


# ---------------------------------------------------------------- in the course's grader


class Submission:
    """One learner's hidden cases of one notebook, as the grading worker draws, hands over and judges them."""

    def __init__(self, notebook: str, key: str, student: str, checks: Any):
        self.notebook, self.key, self.student, self.checks = notebook, key, student, checks
        self._drawn: dict[str, tuple[list[Case], ReferenceExpectations]] = {}

    def judged_against(self, check: Check, hidden: bool) -> tuple[list[Case], Any]:
        """The cases a report of `check` must be about, and what the reference and the mistakes do on them."""
        if not hidden:
            cases = check.cases()
            return cases, check.expectations(cases)
        if check.name not in self._drawn:
            exercise = declaration_of(check)
            drawn = draw(exercise, self.key, self.student)
            self._drawn[check.name] = drawn, ReferenceExpectations(exercise, check, drawn)
        return self._drawn[check.name]

    def delivery_code(self, name: str) -> str:
        """One line of Python that hands the kernel the hidden cases of exercise `name` and the references it calls."""
        check = getattr(self.checks, name, None)
        if check is None:
            return ""
        cases, _ = self.judged_against(check, hidden=True)
        delivery = Delivery(cases, references_of_parts(declaration_of(check)))
        payload = base64.b64encode(pickled({name: delivery})).decode()
        return f"__import__('autograder.checks.hidden', fromlist=['receive']).receive('{payload}')"

