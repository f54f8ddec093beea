"""Run nbgrader's command line from Python, with the tools it calls on the PATH, and its gradebook without a subprocess."""

from __future__ import annotations

import functools
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


def run_nbgrader(
    *arguments: str, cwd: Path, capture: bool = False, check: bool = True, environment: dict[str, str] | None = None,
) -> subprocess.CompletedProcess:
    """`nbgrader <arguments>` in course directory `cwd`, with `environment` added to this process's.

    Raises CalledProcessError if it fails (unless `check` is False).
    """
    put_interpreter_first_on_path()
    return subprocess.run(
        [sys.executable, "-m", "nbgrader", *arguments],
        cwd=cwd,
        check=check,
        capture_output=capture,
        text=True,
        env={**os.environ, **(environment or {})},
    )


def read_schema_version_in_process() -> None:
    """Make nbgrader's new gradebooks read their schema version from alembic in this process.

    nbgrader stamps every gradebook it creates with the newest revision of its
    database migrations, which it asks of alembic's command line in a
    subprocess (seconds on a busy machine, and once per grading worker and
    assignment). Alembic's own API gives the same answer at once.
    """
    import nbgrader.api
    from alembic.config import Config
    from alembic.script import ScriptDirectory
    from nbgrader.dbutil import _temp_alembic_ini

    @functools.cache
    def newest_revision() -> str:
        with _temp_alembic_ini("sqlite://") as alembic_ini:
            return ScriptDirectory.from_config(Config(alembic_ini)).get_current_head()

    nbgrader.api.get_alembic_version = newest_revision
