"""The README's instructor commands, run as the README says in a fresh clone (tests/readme_run.py), leave `git status` empty.

Everything the release, grade, export and demo commands leave must be ignored
by git, and the demo must print its own story and no library's warnings.
"""

import subprocess

from readme_run import ASSIGNMENT


def test_every_command_made_what_the_readme_says(readme_clone, readme_commands):
    assert (readme_clone / "grades.csv").read_text().count(ASSIGNMENT) == 3
    assert (readme_clone / "reports" / ASSIGNMENT / "exercises.png").exists()
    assert (readme_clone / "feedback" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.html").exists()
    assert (readme_clone / "demo-course" / "reports" / ASSIGNMENT / "summary.txt").exists()


def test_git_status_is_empty_afterwards(readme_clone, readme_commands):
    status = subprocess.run(["git", "status", "--porcelain"], cwd=readme_clone, capture_output=True, text=True, check=True)
    assert status.stdout == "", f"the README's commands left files git does not ignore:\n{status.stdout}"


def test_the_commands_print_no_warnings(readme_commands):
    for name, finished in readme_commands.items():
        printed = finished.stdout + finished.stderr
        assert "Warning" not in printed and "WARNING" not in printed, f"{name} printed:\n{printed[-3000:]}"
