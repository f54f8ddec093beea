"""Run nbgrader's command line from Python, with the tools it calls on the PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def put_interpreter_first_on_path() -> None:
    """Let nbgrader find `alembic` (its database migrations), which it runs by name, in this process and its children.

    pip put both in the folder of this interpreter, which is not on the PATH
    when the virtual environment is not activated.
    """
    folder, path = str(Path(sys.executable).parent), os.environ.get("PATH", "")
    if path.split(os.pathsep)[0] != folder:
        os.environ["PATH"] = os.pathsep.join([folder, path])


def run_nbgrader(*arguments: str, cwd: Path, capture: bool = False, check: bool = True) -> subprocess.CompletedProcess:
    """`nbgrader <arguments>` in course directory `cwd`; raises CalledProcessError if it fails (unless `check` is False)."""
    put_interpreter_first_on_path()
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *arguments],
        cwd=cwd,
        check=check,
        capture_output=capture,
        text=True,
    )
