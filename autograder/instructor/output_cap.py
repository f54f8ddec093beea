"""A cap on what one cell of a learner's kernel prints, applied in the kernel, where the output is made.

The grader drops a cell's output past its limit as it reads it (see
`verified_execute`), but a cell printing in an endless loop makes output far
faster than a grader on a busy machine reads it: the flood queues up between
them, and the grader is still reading it long after the cell was interrupted.
`install` makes the kernel itself stop sending a cell's output once it has
sent a little more than the limit (so that the grader still sees, and notes,
that the limit was passed): text written to any of the kernel's output streams
and rich output sent with `display`; nor does it keep a copy of what a cell
printed (IPython's own history of outputs). A check's report line always gets
through, on a line of its own. The count starts again with every cell.

This is the first line of defence, not the only one: a submission that sends
messages on the kernel's sockets by itself is still cut off by the grader.
"""

from __future__ import annotations

import contextlib
import json
from typing import Any

from autograder.checks.transport import MARKER

MARGIN = 2**20  # characters sent past the grader's limit, so that the grader sees the limit passed


class _CellOutput:
    """How much the running cell has sent, and whether its last text sent ended a line."""

    def __init__(self, limit: int):
        self.limit, self.sent, self.line_ended = limit, 0, True

    def reset(self, *_: Any) -> None:
        self.sent, self.line_ended = 0, True

    def admit(self, size: int) -> bool:
        self.sent += size
        return self.sent <= self.limit


def install(shell: Any, limit_mb: int) -> None:
    """Cap every cell's output in this kernel at `limit_mb` megabytes (plus `MARGIN`)."""
    from ipykernel.iostream import OutStream
    from ipykernel.zmqshell import ZMQDisplayPublisher

    cell = _CellOutput(limit_mb * 2**20 + MARGIN)
    shell.events.register("pre_execute", cell.reset)
    shell._tee = lambda channel: contextlib.nullcontext()  # IPython keeps all a cell prints (for %history -o): a flood would fill the memory
    write, publish = OutStream.write, ZMQDisplayPublisher.publish

    def capped_write(stream: OutStream, text: str) -> int | None:
        if not isinstance(text, str):
            return write(stream, text)  # which refuses it, as OutStream does
        if not cell.admit(len(text)):
            if text.startswith(MARKER):  # a check's report, on a line of its own
                text = text if cell.line_ended else "\n" + text
            elif text != "\n" or cell.line_ended:  # the newline print() adds after a report gets through
                return len(text)
        if text:
            cell.line_ended = text.endswith("\n")
        return write(stream, text)

    def capped_publish(publisher: ZMQDisplayPublisher, data: Any, *args: Any, **kwargs: Any) -> None:
        if cell.admit(len(json.dumps(data, default=str))):
            publish(publisher, data, *args, **kwargs)

    OutStream.write, ZMQDisplayPublisher.publish = capped_write, capped_publish
