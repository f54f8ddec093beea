"""Every command the README names answers --help: its options, how to run it, exit status 0, no traceback."""

import re
import subprocess
import sys

import pytest

from course import REPOSITORY

COMMANDS = sorted(set(re.findall(r"python -m (autograder\.[\w.]+)", (REPOSITORY / "README.md").read_text())))


def test_the_readme_names_the_commands():
    assert {"autograder.instructor.grade", "autograder.instructor.release", "autograder.instructor.demo"} <= set(COMMANDS)


@pytest.mark.parametrize("command", COMMANDS)
def test_a_command_answers_help(command):
    finished = subprocess.run([sys.executable, "-m", command, "--help"], capture_output=True, text=True, timeout=120)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "Traceback" not in finished.stdout + finished.stderr
    assert re.search(r"--\w", finished.stdout), f"{command} --help names no option:\n{finished.stdout[:1000]}"
