"""The kernel's side of the course's grader: checks that report, and an answer key that is not there.

The grader (autograder.instructor) starts every learner's kernel with
AUTOGRADER_SEALED=1. In such a kernel a check does not judge: it reports what
the learner's function did (`report`, as one line of data, see `transport`)
and the grader judges outside the kernel, where nothing the notebook runs can
reach. The kernel holds no reference implementation: `seal` makes every
import from autograder.exercises give refusals instead, so that a function
which imports a reference rather than computing raises `ReferenceUnavailable`
(which grading names), and keeps the instructor's tools out of reach. Outside
the grader (JupyterLab, nbval, stock `nbgrader autograde`) checks judge in the
kernel as usual.
"""

from __future__ import annotations

import dataclasses
import importlib.abc
import importlib.machinery
import os
import sys
import types
from typing import Any, Callable

from autograder.checks import transport
from autograder.checks.observe import one_thread

SEALED = "AUTOGRADER_SEALED"
ANSWER_KEY = "autograder.exercises"  # the references; in a sealed kernel, importing from them gives refusals
INSTRUCTOR = "autograder.instructor"  # the grader's tools; in a sealed kernel, they cannot be imported


class ReferenceUnavailable(Exception):
    """Raised by a refusal standing in for a reference implementation: grading gives no marks for calling it."""


def active() -> bool:
    """Whether this kernel was started by the course's grader."""
    return os.environ.get(SEALED) == "1"


def report(check: Any, function: Callable | None, hidden: bool) -> None:
    """Print what `function` does on every case of `check`, for the grader to judge (it stops at an interruption)."""
    from autograder.checks.check import facts_of
    from autograder.checks.hidden import HiddenCasesUnavailable

    try:
        cases = check.cases(hidden)
    except HiddenCasesUnavailable:
        cases = []  # the grader sees that the report does not match its cases
    observations = None
    if callable(function):
        observations = []
        parts = check.parts()
        with one_thread():
            for case in cases:
                observations.append(check.collect(function, case, parts))
                if observations[-1].error is not None and observations[-1].error.interrupted:
                    break
    facts = dataclasses.asdict(facts_of(function)) if callable(function) else {}
    names = tuple(case.name for case in cases)
    print(transport.report_line(transport.Report(check.name, hidden, names, None if observations is None else tuple(observations), facts)))


def seal() -> None:
    """Make this process's imports from the answer key give refusals, and the grader's tools unimportable."""
    sys.meta_path.insert(0, _Sealed())


class _Sealed(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """Finds every module of the answer key as a module of refusals, and refuses to find the grader's tools."""

    def find_spec(self, name: str, path: Any = None, target: Any = None) -> importlib.machinery.ModuleSpec | None:
        if _within(name, INSTRUCTOR):
            raise ModuleNotFoundError(f"{name} is not available while a notebook is graded", name=name)
        if _within(name, ANSWER_KEY):
            return importlib.machinery.ModuleSpec(name, self, is_package=True)
        return None

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType:
        return _Refusals(spec.name)

    def exec_module(self, module: types.ModuleType) -> None:
        pass


class _Refusals(types.ModuleType):
    """A module whose every public name is a refusal named after it."""

    def __getattr__(self, name: str) -> Callable:
        if name.startswith("__"):
            raise AttributeError(name)
        return _refusal(f"{self.__name__}.{name}")


def _within(name: str, package: str) -> bool:
    return name == package or name.startswith(package + ".")


def _refusal(qualified_name: str) -> Callable:
    def refuse(*args: object, **kwargs: object) -> None:
        raise ReferenceUnavailable(qualified_name)

    refuse.__name__ = refuse.__qualname__ = qualified_name.rsplit(".", 1)[1]
    return refuse
