"""A grading run killed at any moment (SIGKILL) finishes on the next run; grading twice changes nothing.

A class of 8 learners is graded with 2 workers, the run is killed as soon as
its first submission is recorded, and the command is run again: every learner
then has exactly one submission and one grade per test cell, with the right
scores. Running it once more grades nothing and leaves the gradebook as it
was; with --force it grades everything again, to the same scores.
"""

import os
import signal
import sqlite3
import subprocess
import sys
import time

import pytest

from autograder.instructor.fabricate import benchmark_class, set_up_course, submit

ASSIGNMENT = "01_single_neuron"
CLASS = benchmark_class(8)  # six right, two with one exercise returning None


def grade(root, *options):
    return subprocess.run(
        [sys.executable, "-m", "autograder.instructor.grade", ASSIGNMENT, "--workers=2", *options],
        cwd=root, capture_output=True, text=True, timeout=600,
    )


def gradebook(root):
    """Every grade in the gradebook, and how many submissions each learner has."""
    with sqlite3.connect(root / "gradebook.db") as database:
        grades = database.execute(
            "select submitted_assignment.student_id, base_cell.name, grade.auto_score from grade "
            "join submitted_notebook on grade.notebook_id = submitted_notebook.id "
            "join submitted_assignment on submitted_notebook.assignment_id = submitted_assignment.id "
            "join base_cell on grade.cell_id = base_cell.id order by 1, 2"
        ).fetchall()
        submissions = dict(database.execute("select student_id, count(*) from submitted_assignment group by student_id").fetchall())
    return grades, submissions


def expected_scores():
    return {learner.name: 5.0 if learner.kind == "correct" else None for learner in CLASS}


@pytest.fixture(scope="module")
def resumed(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    materials = set_up_course(root, ASSIGNMENT)
    for learner in CLASS:
        submit(root, materials, learner)
    done = root / "grading" / ASSIGNMENT / "done"
    run = subprocess.Popen(
        [sys.executable, "-m", "autograder.instructor.grade", ASSIGNMENT, "--workers=2"],
        cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not (done.exists() and any(done.glob("*.json"))):
        time.sleep(0.05)
    os.killpg(run.pid, signal.SIGKILL)
    run.wait()
    recorded_when_killed = len(list(done.glob("*.json")))
    finished = grade(root)
    return root, recorded_when_killed, finished


def test_the_killed_run_had_not_finished(resumed):
    _, recorded_when_killed, _ = resumed
    assert 1 <= recorded_when_killed < len(CLASS)


def test_the_next_run_finishes_with_one_grade_per_cell_and_the_right_scores(resumed):
    root, _, finished = resumed
    assert finished.returncode == 0, finished.stderr[-2000:]
    grades, submissions = gradebook(root)
    assert submissions == {learner.name: 1 for learner in CLASS}
    assert len(grades) == len(set((student, cell) for student, cell, _ in grades)) == 3 * len(CLASS)
    totals = {}
    for student, _, score in grades:
        totals[student] = totals.get(student, 0) + score
    for learner in CLASS:
        assert (totals[learner.name] == 5.0) == (learner.kind == "correct"), learner.name


def test_grading_again_changes_nothing(resumed):
    root, _, _ = resumed
    before = gradebook(root)
    again = grade(root)
    assert again.returncode == 0
    assert f"{len(CLASS)} of {len(CLASS)} submissions were already graded" in again.stderr
    assert gradebook(root) == before


def test_forced_regrading_gives_the_same_gradebook(resumed):
    root, _, _ = resumed
    before = gradebook(root)
    assert grade(root, "--force").returncode == 0
    assert gradebook(root) == before
