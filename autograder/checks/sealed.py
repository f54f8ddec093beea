"""The kernel's side of the course's grader: checks that report, and references that refuse.

The grader (autograder.instructor) starts every learner's kernel with
AUTOGRADER_SEALED=1. In such a kernel a check does not judge: it reports what
the learner's function did (see `transport`) and the grader judges outside
the kernel, where nothing the notebook runs can reach. The grader also seals
the reference implementations of the exercises being graded, so that a
function which calls them instead of computing raises `ReferenceUnavailable`.
Outside the grader (JupyterLab, nbval, stock `nbgrader autograde`) checks judge
in the kernel as usual.
"""

from __future__ import annotations

import os
import sys
from typing import Callable

SEALED = "AUTOGRADER_SEALED"


class ReferenceUnavailable(Exception):
    """Raised by a sealed reference implementation: grading gives no marks for calling it."""


def active() -> bool:
    """Whether this kernel was started by the course's grader."""
    return os.environ.get(SEALED) == "1"


def seal(checks: tuple) -> None:
    """Replace the reference implementation of each check, wherever the package holds it, by a refusal."""
    for check in checks:
        module = sys.modules[check.reference.__module__]
        refusal = _refusal(f"{module.__name__}.{check.reference.__name__}")
        setattr(module, check.reference.__name__, refusal)
        check.reference = refusal


def _refusal(qualified_name: str) -> Callable:
    def refuse(*args: object, **kwargs: object) -> None:
        raise ReferenceUnavailable(qualified_name)

    refuse.__name__ = refuse.__qualname__ = qualified_name.rsplit(".", 1)[1]
    return refuse
