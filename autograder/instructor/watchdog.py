"""The limits of a submission as a whole, watched over all of its processes at once.

Per-process limits (an allocation past `memory_mb` fails with MemoryError, a
file past `file_size_mb` cannot grow) are set in the kernel itself (see
`kernel_sandbox`). What no single process can be held to is watched here, by
a thread of the grading worker that looks at the submission's whole process
tree (see `containment`) several times a second, and once more after every
cell (`check`):

- memory: what its processes hold together beyond what its kernel held when
  the notebook started, as proportional set size (pages shared by n processes
  count 1/n to each), plus anonymous memory files (memfd) they hold;
- processes: how many processes and threads it has at once;
- disk: the bytes and files in its folders (working folder, home, temporary
  files), plus files it deleted but still holds open;
- time: how long it has been running, in wall-clock seconds.

The first limit passed ends the whole submission at once and is remembered as
the reason; grading then treats the kernel as dead, keeping what the
submission earned before. A poll every `interval` seconds means a submission
can overshoot between two looks by what it manages to allocate or write in
that time; the README's threat model gives the figures.
"""

from __future__ import annotations

import os
import threading
import time
from dataclasses import dataclass
from pathlib import Path

from autograder.instructor import containment

_PAGE = os.sysconf("SC_PAGE_SIZE")
MB = 2**20


@dataclass(frozen=True)
class Limits:
    """What one submission may use, all its processes together."""

    memory_mb: int = 2048
    processes: int = 64  # processes and threads at once
    disk_mb: int = 256
    files: int = 2000
    seconds: float = 600.0  # wall-clock seconds for the whole submission

    def describe(self) -> str:
        return (
            f"{self.memory_mb} MB of memory, {self.processes} processes and threads, {self.disk_mb} MB and "
            f"{self.files} files on disk, {self.seconds:g} s in all"
        )


@dataclass(frozen=True)
class Usage:
    """What a submission was using at one look."""

    memory_mb: float
    processes: int
    disk_mb: float
    files: int
    seconds: float


class Watchdog(threading.Thread):
    """Watch the process tree under `root` and the `folders` it writes in; end it all at the first limit passed."""

    def __init__(self, root: int, folders: list[str], limits: Limits, isolated: bool, interval: float = 0.1):
        super().__init__(name=f"watchdog-{root}", daemon=True)
        self.root, self.folders, self.limits, self.isolated, self.interval = root, folders, limits, isolated, interval
        self.breach: str | None = None  # why the submission was ended, if it was
        self.out_of_time = False  # whether it was ended for its time in all (a sign of the grader's trouble, not its own)
        self.peak = Usage(0, 0, 0, 0, 0)
        self._began = time.monotonic()
        self._stop_asked = threading.Event()
        self._looking = threading.Lock()  # the polling thread's looks and `check`'s, one at a time
        self._baseline = 0.0  # megabytes the kernel itself held when the notebook started

    def notebook_starts(self) -> None:
        """Count memory from here on: what the kernel holds once started is the grader's, not the submission's."""
        usage = self.look()
        self._baseline = usage.memory_mb if usage else 0.0

    def run(self) -> None:
        while not self._stop_asked.wait(self.interval):
            if not self._look_and_judge():
                return

    def check(self) -> str | None:
        """Look once now, whatever the polling's pace, and end the submission at a limit passed; the breach, if any.

        Called after every cell: what a cell leaves running or on disk counts
        before that cell's results do, even when a busy machine has kept the
        polling thread from looking while the cell ran.
        """
        self._look_and_judge()
        return self.breach

    def _look_and_judge(self) -> bool:
        """One look; at the first limit passed, end the submission. Whether there is still something to watch."""
        with self._looking:
            if self.breach:
                return False
            usage = self.look()
            if usage is None:
                return False
            self.peak = Usage(*(max(a, b) for a, b in zip(vars(self.peak).values(), vars(usage).values())))
            self.breach = self._breach(usage)
            if self.breach:
                containment.end(self.root, self.isolated)
            return not self.breach

    def stop(self) -> None:
        self._stop_asked.set()
        if self.is_alive() and threading.current_thread() is not self:
            self.join()

    def look(self) -> Usage | None:
        """What the submission uses now; None once its root process is gone."""
        members = containment.tree(self.root)
        if not containment.parent_of(self.root):
            return None
        threads = sum(_threads(pid) for pid in members)
        held = _held_files(members)
        disk_bytes, files = _folder_usage(self.folders, self.limits)
        memory = _memory_bytes(members, (self.limits.memory_mb + self._baseline) * MB) + held["memory"]
        return Usage(memory / MB, threads, (disk_bytes + held["disk"]) / MB, files, time.monotonic() - self._began)

    def _breach(self, usage: Usage) -> str | None:
        limits = self.limits
        if usage.processes > limits.processes:
            return f"it ran {usage.processes} processes and threads at once (the limit is {limits.processes})"
        if usage.memory_mb - self._baseline > limits.memory_mb:
            allocated = usage.memory_mb - self._baseline
            return f"its processes allocated {allocated:.0f} MB of memory together (the limit is {limits.memory_mb} MB)"
        if usage.disk_mb > limits.disk_mb:
            return f"it wrote {usage.disk_mb:.0f} MB of files (the limit is {limits.disk_mb} MB)"
        if usage.files > limits.files:
            return f"it made more than {limits.files} files (the limit)"
        if usage.seconds > limits.seconds:
            self.out_of_time = True
            return f"it ran for more than {limits.seconds:g} s in all (the limit)"
        return None


def _threads(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return 0
    return int(text[text.rindex(")") + 2 :].split()[17])


def _memory_bytes(members: list[int], limit: int) -> int:
    """The memory of the processes together: their resident sizes when those stay under `limit`, else their exact shares.

    A process's resident size is never less than its proportional share, and
    reading it is cheap; the proportional set size (pages shared by n
    processes count 1/n to each) is read only when it matters.
    """
    resident = sum(_statm_resident(pid) for pid in members)
    if resident <= limit:
        return resident
    return sum(_proportional_size(pid) for pid in members)


def _statm_resident(pid: int) -> int:
    try:
        return int(Path(f"/proc/{pid}/statm").read_text().split()[1]) * _PAGE
    except (FileNotFoundError, ProcessLookupError, IndexError):
        return 0


def _proportional_size(pid: int) -> int:
    try:
        with open(f"/proc/{pid}/smaps_rollup") as rollup:
            for line in rollup:
                if line.startswith("Pss:"):
                    return int(line.split()[1]) * 1024
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def _held_files(members: list[int]) -> dict[str, int]:
    """Bytes in files the processes hold open but that no folder shows: anonymous memory files, deleted files."""
    seen: set[tuple[int, int]] = set()
    held = {"memory": 0, "disk": 0}
    for pid in members:
        try:
            descriptors = os.listdir(f"/proc/{pid}/fd")
        except (FileNotFoundError, ProcessLookupError, PermissionError):
            continue
        for descriptor in descriptors:
            path = f"/proc/{pid}/fd/{descriptor}"
            try:
                target = os.readlink(path)
                if not (target.startswith("/memfd:") or target.endswith(" (deleted)")):
                    continue
                status = os.stat(path)
            except OSError:
                continue
            if (status.st_dev, status.st_ino) not in seen:
                seen.add((status.st_dev, status.st_ino))
                held["memory" if target.startswith("/memfd:") else "disk"] += status.st_blocks * 512
    return held


def _folder_usage(folders: list[str], limits: Limits) -> tuple[int, int]:
    """Bytes on disk and number of entries under the folders; the count stops early once past the limits."""
    total, count, pending = 0, 0, list(folders)
    while pending and total <= limits.disk_mb * MB and count <= limits.files:
        try:
            entries = list(os.scandir(pending.pop()))
        except OSError:
            continue
        for entry in entries:
            count += 1
            try:
                status = entry.stat(follow_symlinks=False)
            except OSError:
                continue
            total += status.st_blocks * 512
            if entry.is_dir(follow_symlinks=False):
                pending.append(entry.path)
    return total, count
