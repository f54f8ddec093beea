"""Call a function on a case and record what it did.

A learner's function is always called on fresh copies of the inputs, so that a
function which changes its inputs in place is caught (and cannot spoil the next
case), and with its exceptions and floating-point warnings recorded rather than
raised, so that the check can explain them.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import linecache
import types
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import torch

PACKAGE_DIR = str(Path(__file__).resolve().parents[1])  # the course's package
_LIBRARY_MARKERS = ("site-packages", "dist-packages", "/lib/python3")
_deepcopy = copy.deepcopy


@dataclass(frozen=True)
class LearnerError:
    """An exception raised by the learner's code, and the line and function of theirs it came from."""

    type_name: str
    message: str
    line: str = ""  # "line 4: return X @ w.T + b", empty when no line of theirs is on the stack
    when: str = ""  # what the check was doing, when it was not simply calling the function
    function: str = ""  # the learner's function (or class) whose code raised it, e.g. "calc_preds"

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


class Readings(dict):
    """What a check read from one call of a function, by name (see `properties`)."""


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


def learner_error(error: BaseException, when: str = "") -> LearnerError:
    """Record an exception from the learner's code, with the line and function of theirs that raised it."""
    line, function = learner_frame(error.__traceback__)
    return LearnerError(type(error).__name__, str(error), line, when, function)


def learner_frame(tb: Any) -> tuple[str, str]:
    """The innermost line of the learner's own code in a traceback, as ("line N: source", its function's name).

    A method's function is its class ("EarlyStopping"); both are empty when no line of theirs is on the stack.
    """
    line, function = "", ""
    while tb is not None:
        code, number = tb.tb_frame.f_code, tb.tb_lineno
        if not is_ours_or_a_library(code.co_filename):
            source = linecache.getline(code.co_filename, number).strip()
            line = f"line {number}: {source}" if source else f"line {number}"
            function = code.co_qualname.split(".")[0] if code.co_name != "<module>" else ""
        tb = tb.tb_next
    return line, function


def is_ours_or_a_library(filename: str) -> bool:
    """Whether code in this file is the course's package or an installed library, rather than the learner's."""
    return filename.startswith(PACKAGE_DIR) or any(marker in filename for marker in _LIBRARY_MARKERS)


def substitute(function: Callable, replacements: dict[str, Callable]) -> Callable:
    """The same function, finding the names in `replacements` there rather than in its own module or notebook.

    The function runs in a copy of its globals (the notebook's names are left alone), and so do the
    other functions defined beside it, so that a helper it calls sees the replacements too.
    Substituting into a function that already has substitutions keeps those: the earlier ones win.
    """
    if not inspect.isfunction(function):
        return function
    original = getattr(function, "original", function)
    replacements = {**replacements, **getattr(function, "substitutions", {})}
    namespace = dict(original.__globals__)
    for name, value in namespace.items():
        if inspect.isfunction(value) and value.__globals__ is original.__globals__:
            namespace[name] = _in_namespace(value, namespace)
    namespace.update(replacements)
    copy_ = _in_namespace(original, namespace)
    copy_.original, copy_.substitutions = original, replacements
    return copy_


def _in_namespace(function: types.FunctionType, namespace: dict) -> types.FunctionType:
    copy_ = types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__, function.__closure__)
    copy_.__kwdefaults__, copy_.__qualname__, copy_.__doc__ = function.__kwdefaults__, function.__qualname__, function.__doc__
    return copy_


@contextlib.contextmanager
def one_thread() -> Iterator[None]:
    """Run a check on one thread: its tensors are tiny, and on a busy machine more threads only wait on each other."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


@contextlib.contextmanager
def numpy_random_numbers_seeded(seed: int = 0) -> Iterator[None]:
    """Run with NumPy's global random numbers seeded, leaving the notebook's as they were.

    A function that draws from np.random rather than from the generator it is given then does the same
    on every run, as its recorded known mistake did.
    """
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


@contextlib.contextmanager
def seeded_random_numbers(seed: int = 0) -> Iterator[None]:
    """Run with torch's global random numbers seeded, leaving the notebook's random state as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        yield
