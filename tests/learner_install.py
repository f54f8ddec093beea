"""The learner's install, built the way the README tells a learner (or a lab image) to, for the tests that need it.

`build` makes a fresh virtual environment and runs the README's learner
command in it, `pip install ./learner-lab`, from the repository root; pip
takes the pinned wheels from its usual sources (the CPU build of PyTorch
among them), so nothing the instructor's environment holds leaks in. The
session fixture `learner_python` (tests/conftest.py) builds it once for the
whole test run. `run` runs a script with that Python in a folder of the
caller's choosing, never the repository (whose autograder/ would shadow the
install).
"""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from filelock import FileLock

from course import REPOSITORY

BASE_PYTHON = Path(getattr(sys, "_base_executable", sys.executable))  # the interpreter the instructor's venv was made from


def build(folder: Path) -> Path:
    """A fresh venv in `folder` with the learner's install; its Python."""
    subprocess.run([str(BASE_PYTHON), "-m", "venv", str(folder)], check=True, capture_output=True)
    python = folder / "bin" / "python"
    with FileLock(_build_lock()):  # pip builds ./learner-lab in its own folder: two test processes at once would collide
        done = subprocess.run(
            [str(python), "-m", "pip", "install", "--no-input", "--quiet", "./learner-lab"],
            cwd=REPOSITORY, capture_output=True, text=True, timeout=1200,
        )
    if done.returncode:
        raise RuntimeError(f"pip install ./learner-lab failed:\n{done.stdout}\n{done.stderr}")
    return python


def _build_lock() -> Path:
    """A lock file for this repository's learner-lab builds, outside the repository."""
    return Path(tempfile.gettempdir()) / f"learner-lab-build-{hashlib.sha256(str(REPOSITORY).encode()).hexdigest()[:12]}.lock"


def add_jupyterhub(python: Path) -> Path:
    """Add to the learner's install what a JupyterHub's learner servers need besides (the README's hub section): jupyterhub,
    pinned as in the instructor's requirements.txt; the same Python."""
    pin = next(line for line in (REPOSITORY / "requirements.txt").read_text().splitlines() if line.startswith("jupyterhub=="))
    done = subprocess.run([str(python), "-m", "pip", "install", "--no-input", "--quiet", pin], capture_output=True, text=True, timeout=600)
    if done.returncode:
        raise RuntimeError(f"pip install {pin} failed:\n{done.stdout}\n{done.stderr}")
    return python


def environment(python: Path) -> dict[str, str]:
    """The environment of a learner's session: that Python first on PATH, no trace of the instructor's venv or secret."""
    kept = {name: value for name, value in os.environ.items() if name not in ("VIRTUAL_ENV", "PYTHONPATH", "AUTOGRADER_GRADING_SECRET")}
    return kept | {"PATH": f"{python.parent}{os.pathsep}{kept['PATH']}", "VIRTUAL_ENV": str(python.parents[1]), "MPLBACKEND": "Agg"}


def run(python: Path, script: str, folder: Path, *arguments: str, input: str | None = None, timeout: float = 600) -> subprocess.CompletedProcess:
    """Run `script` (Python source) with `python` in `folder`, `input` on its stdin; the finished process, its output as text."""
    return subprocess.run(
        [str(python), "-c", script, *arguments], cwd=folder, env=environment(python), input=input, capture_output=True, text=True,
        timeout=timeout,
    )
