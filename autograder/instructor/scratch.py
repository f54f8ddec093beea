"""Scratch space for grading: one folder per grading worker, gone when the worker is.

Each kernel's room (its working folder, home, temporary files and sockets)
is made inside its worker's scratch folder and removed after the submission.
The folder itself is removed when the worker exits; one left by a worker that
was killed is recognised by its free lock and removed by the next grading run.
Folders are private to the user who grades, so several instructors can grade
on one machine. They live in the temporary folder (TMPDIR), or in /tmp when
that path is too long for the kernels' Unix sockets, whose paths Linux caps
at 107 bytes.
"""

from __future__ import annotations

import fcntl
import os
import shutil
import tempfile
from pathlib import Path

PREFIX = "autograder-worker-"
LONGEST_BASE = 56  # leaves room for <base>/autograder-worker-XXXXXXXX/k-XXXXXXXX/c-ipc-N within 107 bytes


def base() -> str:
    """Where scratch folders go: the temporary folder, unless its path is too long for a kernel's sockets."""
    temporary = tempfile.gettempdir()
    if len(temporary) <= LONGEST_BASE:
        return temporary
    if os.access("/tmp", os.W_OK):
        return "/tmp"
    raise RuntimeError(f"the temporary folder {temporary} has too long a path for the kernels' sockets: set TMPDIR to a shorter one")


class WorkerScratch:
    """A scratch folder of this process's own, locked while it lives: `with WorkerScratch() as folder: ...`."""

    def __enter__(self) -> str:
        self.folder = tempfile.mkdtemp(prefix=PREFIX, dir=base())
        self._lock = open(os.path.join(self.folder, "lock"), "w")
        fcntl.flock(self._lock, fcntl.LOCK_EX)
        return self.folder

    def __exit__(self, *exception: object) -> None:
        self._lock.close()
        shutil.rmtree(self.folder, ignore_errors=True)


def remove_abandoned() -> None:
    """Remove the scratch folders of this user's workers that are no longer running."""
    for folder in Path(base()).glob(PREFIX + "*"):
        try:
            if folder.stat().st_uid != os.getuid():
                continue
            with open(folder / "lock") as lock:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except (BlockingIOError, FileNotFoundError, PermissionError, NotADirectoryError):
            continue
        shutil.rmtree(folder, ignore_errors=True)
