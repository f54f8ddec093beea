"""The README's instructor commands, run in a fresh clone as the README says, leave `git status` empty.

The repository (its committed HEAD) is cloned into a temporary folder, and
there, with the clone's own package first on the path (as an install from
that clone would have it): step 1 regenerates course/ (without
`--run-solutions`, which by design stores fresh outputs in solutions/), step 3
collects a small fabricated class into submitted/, step 4 grades it with the
course's grading command, step 5 exports every grade with `nbgrader export
--to grades.csv`, and the grading demo runs. Everything they leave must be
ignored by git, and the demo must print its own story and no library's
warnings.
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


@pytest.fixture(scope="module")
def clone(tmp_path_factory):
    clone = tmp_path_factory.mktemp("readme") / "course-repository"
    subprocess.run(["git", "clone", "--quiet", str(REPOSITORY), str(clone)], check=True)
    return clone


@pytest.fixture(scope="module")
def commands(clone):
    """What each README command printed, after running them all in the clone."""
    printed = {"release": run([sys.executable, "-m", "autograder.instructor.release"], clone)}
    released = materials(clone, ASSIGNMENT)
    for learner in demo_class()[:3]:
        submit(clone, released, learner)
    printed["grade"] = run([sys.executable, "-m", "autograder.instructor.grade", ASSIGNMENT], clone)
    printed["export"] = run([str(Path(sys.executable).parent / "nbgrader"), "export", "--to", "grades.csv"], clone)
    printed["demo"] = run([sys.executable, "-m", "autograder.instructor.demo"], clone)
    return printed


def test_every_command_made_what_the_readme_says(clone, commands):
    assert (clone / "grades.csv").read_text().count(ASSIGNMENT) == 3
    assert (clone / "reports" / ASSIGNMENT / "exercises.png").exists()
    assert (clone / "feedback" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.html").exists()
    assert (clone / "demo-course" / "reports" / ASSIGNMENT / "summary.txt").exists()


def test_git_status_is_empty_afterwards(clone, commands):
    status = subprocess.run(["git", "status", "--porcelain"], cwd=clone, capture_output=True, text=True, check=True)
    assert status.stdout == "", f"the README's commands left files git does not ignore:\n{status.stdout}"


def test_the_commands_print_no_warnings(commands):
    for name, finished in commands.items():
        printed = finished.stdout + finished.stderr
        assert "Warning" not in printed and "WARNING" not in printed, f"{name} printed:\n{printed[-3000:]}"
