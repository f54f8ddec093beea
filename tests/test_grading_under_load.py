"""A busy machine changes no grade: a class graded while every core is kept busy scores exactly as on an idle machine.

The session's reference class of notebook 01 (tests/reference_class.py:
right, wrong, partly done, an endless loop and a sleep that the 5 s cell
limit stops, answers that raise or exit, a notebook that is not JSON, and a
right answer whose cell computes for half the time limit), graded once on an
idle machine, is graded again in a copy of its course while CPU-bound
processes (two per core) keep every core busy. Time limits count the time a
kernel had, not the time it waited for a CPU, so every score, every reason
and every feedback page is the same; on a wall clock, the slow right answer
would time out.
"""

import os
import subprocess
import sys

import pytest

from grading import grade, summary
from reference_class import ASSIGNMENT, CELL_TIMEOUT, copy_of


@pytest.fixture(scope="module")
def busy(reference_class, tmp_path_factory):
    root = copy_of(reference_class.ungraded, tmp_path_factory.mktemp("busy"))
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2 * (os.cpu_count() or 1))]
    try:
        finished = grade(root, ASSIGNMENT, "--workers=2", *CELL_TIMEOUT)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    return root, summary(finished.stdout)


def test_every_score_and_reason_is_the_same_on_a_busy_machine(reference_class, busy):
    _, loaded = busy
    alone = reference_class.rows
    assert loaded == alone
    assert alone["loops"]["score"] == "4 / 5" and "stopped after 5 s" in alone["loops"]["notes"]
    assert alone["slow"] == {"score": "5 / 5", "status": "graded", "notes": ""}


def test_every_learner_has_a_feedback_page_on_a_busy_machine(reference_class, busy):
    root, _ = busy
    for learner in reference_class.learners:
        assert (root / "feedback" / learner.name / ASSIGNMENT / f"{ASSIGNMENT}.html").exists(), learner.name
