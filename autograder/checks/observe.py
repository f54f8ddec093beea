"""Call a function on a case and record what it did.

A learner's function is always called on fresh copies of the inputs, so that a
function which changes its inputs in place is caught (and cannot spoil the next
case), and with its exceptions and floating-point warnings recorded rather than
raised, so that the check can explain them.
"""

from __future__ import annotations

import copy
import linecache
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import torch

_PACKAGE_DIR = str(Path(__file__).resolve().parents[1])
_LIBRARY_MARKERS = ("site-packages", "dist-packages", "/lib/python3")
_deepcopy = copy.deepcopy


@dataclass(frozen=True)
class LearnerError:
    """An exception raised by the learner's code, and the line of their code it came from."""

    type_name: str
    message: str
    line: str = ""  # "line 4: return X @ w.T + b", empty when no line of theirs is on the stack
    when: str = ""  # what the check was doing, when it was not simply calling the function

    @property
    def not_implemented(self) -> bool:
        return self.type_name == "NotImplementedError"

    @property
    def interrupted(self) -> bool:
        return self.type_name == "KeyboardInterrupt"

    @property
    def calls_reference(self) -> bool:
        return self.type_name == "ReferenceUnavailable"

    def __str__(self) -> str:
        return f"{self.type_name}: {self.message}" if self.message else self.type_name


class Properties(dict):
    """The properties read from one call of a function, in the order they are compared."""


@dataclass(frozen=True)
class Observation:
    """What one call did: its result or its error, the inputs it changed, the warnings it caused."""

    result: Any = None
    error: LearnerError | None = None
    mutated: tuple[str, ...] = ()
    warnings: tuple[str, ...] = field(default=())
    arguments: tuple = ()  # the inputs as the call left them, for checks of functions that update them


def call(function: Callable, args: tuple, kwargs: dict, arg_names: tuple[str, ...]) -> Observation:
    """Call `function` on deep copies of `args` and `kwargs` and record what happened."""
    args, kwargs = _deepcopy(args), _deepcopy(kwargs)
    before = _deepcopy((args, kwargs))
    with warnings.catch_warnings(record=True) as caught, np.errstate(over="warn", divide="warn", invalid="warn", under="ignore"):
        warnings.simplefilter("always")
        try:
            result = function(*args, **kwargs)
        except (Exception, KeyboardInterrupt, SystemExit) as error:  # explained to the learner, never re-raised
            return Observation(error=learner_error(error))
    names = (*arg_names[: len(args)], *kwargs)
    mutated = tuple(
        name for name, old, new in zip(names, (*before[0], *before[1].values()), (*args, *kwargs.values())) if not _same(old, new)
    )
    messages = tuple(dict.fromkeys(str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)))
    return Observation(result=result, mutated=mutated, warnings=messages, arguments=(*args, *kwargs.values()))


def _same(old: Any, new: Any) -> bool:
    """Whether an input is unchanged by the call (arrays and tensors compared element by element)."""
    if isinstance(old, np.ndarray):
        return isinstance(new, np.ndarray) and old.shape == new.shape and np.array_equal(old, new, equal_nan=True)
    if isinstance(old, torch.Tensor):
        return isinstance(new, torch.Tensor) and old.shape == new.shape and torch.equal(
            torch.nan_to_num(old.detach()), torch.nan_to_num(new.detach())
        )
    if isinstance(old, (list, tuple)):
        return len(old) == len(new) and all(_same(a, b) for a, b in zip(old, new))
    if isinstance(old, dict):
        return old.keys() == new.keys() and all(_same(old[k], new[k]) for k in old)
    return True


def learner_error(error: Exception, when: str = "") -> LearnerError:
    """Record an exception from the learner's code, with the line of theirs that raised it."""
    return LearnerError(type(error).__name__, str(error), _learner_line(error.__traceback__), when)


def _learner_line(tb: Any) -> str:
    """The innermost line of the learner's own code in a traceback, as "line N: source"."""
    found = ""
    for frame in traceback.extract_tb(tb):
        filename = frame.filename
        if filename.startswith(_PACKAGE_DIR) or any(marker in filename for marker in _LIBRARY_MARKERS):
            continue
        source = (frame.line or linecache.getline(filename, frame.lineno)).strip()
        found = f"line {frame.lineno}: {source}" if source else f"line {frame.lineno}"
    return found
