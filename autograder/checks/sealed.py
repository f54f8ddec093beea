"""The kernel's side of the course's grader: checks that report, and references that refuse.

The grader (autograder.instructor) starts every learner's kernel with
AUTOGRADER_SEALED=1. In such a kernel a check does not judge: it reports what
the learner's function did (`report`, as one line of data, see `transport`)
and the grader judges outside the kernel, where nothing the notebook runs can
reach. The grader also seals the reference implementations of the exercises
being graded, so that a function which imports one instead of computing gets a
refusal that raises `ReferenceUnavailable`. Outside the grader (JupyterLab,
nbval, stock `nbgrader autograde`) checks judge in the kernel as usual.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import types
from typing import Any, Callable

from autograder.checks import transport
from autograder.checks.observe import one_thread

SEALED = "AUTOGRADER_SEALED"


class ReferenceUnavailable(Exception):
    """Raised by a sealed reference implementation: grading gives no marks for calling it."""


def active() -> bool:
    """Whether this kernel was started by the course's grader."""
    return os.environ.get(SEALED) == "1"


def report(check: Any, function: Callable | None, hidden: bool) -> None:
    """Print what `function` does on every case of `check`, for the grader to judge (it stops at an interruption)."""
    from autograder.checks.check import facts_of

    cases = check.cases(hidden)
    observations = None
    if callable(function):
        observations = []
        with one_thread():
            for case in cases:
                observations.append(check.collect(function, case))
                if observations[-1].error is not None and observations[-1].error.interrupted:
                    break
    facts = dataclasses.asdict(facts_of(function)) if callable(function) else {}
    names = tuple(case.name for case in cases)
    print(transport.report_line(transport.Report(check.name, hidden, names, None if observations is None else tuple(observations), facts)))


def seal(checks: tuple) -> None:
    """Make the reference of each check refuse, wherever the package's modules hold it.

    Every module of the package that holds a sealed reference is replaced, in sys.modules and in its
    package, by a copy in which the reference's name gives a refusal; so is any module imported later,
    since it imports from those copies. The checks keep the modules they were built from, so the
    references they use as parts of other exercises (see Check.collect) still work.
    """
    originals = {id(check.reference): check.reference for check in checks}
    refusals = {id(function): _refusal(f"{function.__module__}.{function.__name__}") for function in originals.values()}
    for name, module in list(sys.modules.items()):
        if not name.startswith("autograder.") or module is None:
            continue
        held = {attribute: refusals[id(value)] for attribute, value in vars(module).items() if id(value) in refusals and value is originals[id(value)]}
        if held:
            _replace_module(name, module, held)
    for check in checks:
        check.reference = refusals[id(check.reference)]


def _replace_module(name: str, module: types.ModuleType, replacements: dict[str, Callable]) -> None:
    copy = types.ModuleType(name, module.__doc__)
    copy.__dict__.update(vars(module))
    copy.__dict__.update(replacements)
    sys.modules[name] = copy
    parent, _, child = name.rpartition(".")
    if parent in sys.modules:
        setattr(sys.modules[parent], child, copy)


def _refusal(qualified_name: str) -> Callable:
    def refuse(*args: object, **kwargs: object) -> None:
        raise ReferenceUnavailable(qualified_name)

    refuse.__name__ = refuse.__qualname__ = qualified_name.rsplit(".", 1)[1]
    return refuse
