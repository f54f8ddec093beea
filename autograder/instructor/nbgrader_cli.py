"""Run nbgrader's command line from Python, with the tools it calls on the PATH."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path


def run_nbgrader(*arguments: str, cwd: Path, capture: bool = False, check: bool = True) -> subprocess.CompletedProcess:
    """`nbgrader <arguments>` in course directory `cwd`; raises CalledProcessError if it fails (unless `check` is False).

    nbgrader runs `alembic` (its database migrations) by name, so the folder of
    this interpreter, where pip put both, goes first on the PATH even when the
    virtual environment is not activated.
    """
    environment = dict(os.environ)
    environment["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), environment.get("PATH", "")])
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *arguments],
        cwd=cwd,
        env=environment,
        check=check,
        capture_output=capture,
        text=True,
    )
