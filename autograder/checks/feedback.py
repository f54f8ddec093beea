"""How a failed check, or a call of an unfinished exercise, looks in a notebook: a short block, never a traceback.

A failed check raises `CheckFailed`, an AssertionError carrying the check's
verdict, whose message is the whole feedback. A cell that calls an exercise
still left as its stub gets the stub's NotImplementedError. In IPython
(JupyterLab, nbgrader's autograding, nbval) both are shown by `show_feedback`
instead of a traceback: a failed check as its message, the first line in bold
red and the hint below; an unfinished exercise as one line naming it and
where to write it; a call of a reference that grading refused (see `sealed`)
as one line saying so. Any is still an error output, so nbgrader still scores
a test cell zero and "Run All" still stops there. In a kernel of the course's
grader every other traceback is shown with the grader's folders (its Python,
the course's package, the kernel's room) in place of their paths, so that no
feedback shows where the grader keeps its files.
"""

from __future__ import annotations

import os
import sys
from typing import Any

from autograder.checks import sealed
from autograder.checks.observe import PACKAGE_DIR, is_ours_or_a_library, learner_frame

_RED_BOLD, _BOLD, _RESET = "\x1b[1;31m", "\x1b[1m", "\x1b[0m"

places: dict[str, str] = {}  # every exercise of the notebooks imported so far -> where it is asked for ("Exercise 2")


class CheckFailed(AssertionError):
    """A check's verdict that the learner's function is not right yet; the message says why."""

    def __init__(self, verdict: Any):
        super().__init__(verdict.message)
        self.verdict = verdict


def render(message: str) -> list[str]:
    """The lines a learner sees for a failed check, with terminal colours."""
    headline, *rest = message.splitlines() or [""]
    lines = [f"{_RED_BOLD}✘ {headline}{_RESET}"]
    for line in rest:
        if line.startswith("Hint:"):
            line = f"{_BOLD}Hint:{_RESET}{line[len('Hint:'):]}"
        lines.append(line)
    return lines


def unfinished_exercise(error: BaseException) -> str:
    """The one line for a NotImplementedError raised by the stub of an exercise; empty for any other."""
    if not isinstance(error, NotImplementedError) or str(error) or not _raised_by_learner_code(error.__traceback__):
        return ""
    _, function = learner_frame(error.__traceback__)
    if function not in places:
        return ""
    return (
        f"{function} is not written yet: write it in {places[function]} (the cell with `raise NotImplementedError()`), "
        "run that cell, then this one."
    )


def _raised_by_learner_code(tb: Any) -> bool:
    while tb is not None and tb.tb_next is not None:
        tb = tb.tb_next
    return tb is not None and not is_ours_or_a_library(tb.tb_frame.f_code.co_filename)


def refused_reference(error: BaseException) -> str:
    """The one line for a call of a reference that grading refused; empty for any other error."""
    if not isinstance(error, sealed.ReferenceUnavailable):
        return ""
    name = str(error).rsplit(".", 1)[-1]
    return f"{name} is the course's reference implementation, which a notebook being graded cannot call: write your own {name}."


def show_feedback(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> list[str] | None:
    """IPython's custom exception handler: feedback for a failed check, an unfinished exercise or a refused reference,
    else the usual traceback (under the grader, without the grader's paths)."""
    if isinstance(value, CheckFailed):
        lines = render(str(value))
    elif line := unfinished_exercise(value) or refused_reference(value):
        lines = [f"{_RED_BOLD}✘ {line}{_RESET}"]
    elif sealed.active():
        lines = [without_grader_paths(part) for part in shell.InteractiveTB.structured_traceback(etype, value, tb, tb_offset=tb_offset)]
    else:
        shell.showtraceback((etype, value, tb), tb_offset=tb_offset)
        return None
    shell._showtraceback(etype, value, ["\n".join(lines)])
    return lines


def without_grader_paths(text: str) -> str:
    """A traceback's text with the grader's folders in place of their paths: <course package>, <python>, the room."""
    folders = {PACKAGE_DIR: "<course package>", os.getcwd(): "."}
    folders |= {prefix: "<python>" for prefix in {sys.prefix, sys.base_prefix, sys.exec_prefix}}
    for path, shown in sorted(folders.items(), key=lambda item: -len(item[0])):
        text = text.replace(path, shown)
    return text


def show_failures_as_feedback() -> None:
    """Make the running IPython shell (if any) show failed checks and unfinished exercises as feedback."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((BaseException,) if sealed.active() else (CheckFailed, NotImplementedError, sealed.ReferenceUnavailable), show_feedback)
