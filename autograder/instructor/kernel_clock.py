"""Time limits that measure the submission, not the machine.

On a busy machine a learner's kernel waits for a CPU that other processes
hold, and a cell that takes 2 s alone can take 10 s of wall-clock time. A time
limit on wall-clock time would then cost a right answer its points because of
the grader's machine. `KernelClock` counts the time the kernel had: wall-clock
seconds less the seconds its main thread spent runnable but waiting for a CPU
(Linux's scheduler statistics, /proc/<pid>/schedstat). A kernel that sleeps or
loops is charged every second; one that waits for the CPU is not. Where the
statistics are missing it is a plain wall clock.
"""

from __future__ import annotations

import time
from pathlib import Path


def waited_for_cpu(pid: int) -> float:
    """Seconds the main thread of process `pid` has spent runnable, waiting for a CPU (0 when unknown)."""
    try:
        return int(Path(f"/proc/{pid}/task/{pid}/schedstat").read_text().split()[1]) / 1e9
    except (FileNotFoundError, ProcessLookupError, IndexError, ValueError):
        return 0.0


class KernelClock:
    """Seconds since `start()` as the kernel had them, and as the wall clock counts them."""

    def __init__(self, pid: int):
        self.pid = pid
        self.start()

    def start(self) -> None:
        self._wall, self._waited = time.monotonic(), waited_for_cpu(self.pid)

    def wall(self) -> float:
        return time.monotonic() - self._wall

    def waited(self) -> float:
        """Seconds the kernel spent waiting for a CPU since `start()`."""
        return max(0.0, waited_for_cpu(self.pid) - self._waited) if self.pid else 0.0

    def had(self) -> float:
        """Seconds the kernel had since `start()`: running, sleeping or blocked, but not waiting for a CPU."""
        return self.wall() - self.waited()
