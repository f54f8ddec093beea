"""The README's instructor commands, run once a test session in a fresh clone as the README says.

The repository (its committed HEAD) is cloned into a temporary folder, and
there, with the clone's own package first on the path (as an install from
that clone would have it): step 1 regenerates course/ (without
`--run-solutions`, which by design stores fresh outputs in solutions/), step 3
collects a small fabricated class into submitted/, step 4 grades it with the
course's grading command, step 5 exports every grade with `nbgrader export
--to grades.csv`, and the grading demo runs (into the clone's demo-course/,
which the instructor's browser tests then read).
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from autograder.instructor.fabricate import demo_class, materials, submit
from course import REPOSITORY

ASSIGNMENT = "01_single_neuron"


def run(command: list[str], clone: Path) -> subprocess.CompletedProcess:
    environment = {**os.environ, "PYTHONPATH": str(clone),
                   "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])}
    finished = subprocess.run(command, cwd=clone, env=environment, capture_output=True, text=True, timeout=900)
    assert finished.returncode == 0, f"{command} failed:\n{finished.stdout[-3000:]}\n{finished.stderr[-3000:]}"
    return finished


@pytest.fixture(scope="session")
def readme_clone(tmp_path_factory):
    clone = tmp_path_factory.mktemp("readme") / "course-repository"
    subprocess.run(["git", "clone", "--quiet", str(REPOSITORY), str(clone)], check=True)
    return clone


@pytest.fixture(scope="session")
def readme_commands(readme_clone):
    """What each README command printed, after running them all in the clone."""
    printed = {"release": run([sys.executable, "-m", "autograder.instructor.release"], readme_clone)}
    released = materials(readme_clone, ASSIGNMENT)
    for learner in demo_class()[:3]:
        submit(readme_clone, released, learner)
    printed["grade"] = run([sys.executable, "-m", "autograder.instructor.grade", ASSIGNMENT], readme_clone)
    printed["export"] = run([str(Path(sys.executable).parent / "nbgrader"), "export", "--to", "grades.csv"], readme_clone)
    printed["demo"] = run([sys.executable, "-m", "autograder.instructor.demo"], readme_clone)
    return printed


