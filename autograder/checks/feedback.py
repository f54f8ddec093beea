"""How a failed check looks in a notebook: a short block, never the package's internals.

A failed check raises `CheckFailed`, an AssertionError whose message is the
whole feedback. In IPython (JupyterLab, nbgrader's autograding, nbval) the
exception is shown by `show_check_failure` instead of a traceback: the first
line in bold red, the case, the values and the hint below it. The error is
still an error output, so nbgrader still scores the cell zero.
"""

from __future__ import annotations

from typing import Any

_RED_BOLD, _BOLD, _RESET = "\x1b[1;31m", "\x1b[1m", "\x1b[0m"


class CheckFailed(AssertionError):
    """The verdict of a check: the learner's function is not right yet; the message says why."""


def render(message: str) -> list[str]:
    """The lines a learner sees for a failed check, with terminal colours."""
    headline, *rest = message.splitlines() or [""]
    lines = [f"{_RED_BOLD}✘ {headline}{_RESET}"]
    for line in rest:
        if line.startswith("Hint:"):
            line = f"{_BOLD}Hint:{_RESET}{line[len('Hint:'):]}"
        lines.append(line)
    return lines


def show_check_failure(shell: Any, etype: type, value: BaseException, tb: Any, tb_offset: int | None = None) -> list[str]:
    """IPython's custom exception handler for `CheckFailed`: show the feedback, not a traceback."""
    lines = render(str(value))
    shell._showtraceback(etype, value, ["\n".join(lines)])
    return lines


def show_failures_as_feedback() -> None:
    """Make the running IPython shell (if any) show failed checks as feedback blocks."""
    try:
        from IPython import get_ipython
    except ImportError:
        return
    shell = get_ipython()
    if shell is not None:
        shell.set_custom_exc((CheckFailed,), show_check_failure)
