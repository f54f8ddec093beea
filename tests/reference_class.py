"""One fabricated class of notebook 01, graded once a test session on an idle machine: the run others are compared to.

The class holds right, wrong, partly done, runaway, crashing and unreadable
submissions, and a right answer whose cell computes for half the cell time
limit. Tests that grade it another way (on a busy machine, on a Dask cluster
that loses a worker or its scheduler, with a PostgreSQL gradebook) copy the
ungraded course and compare what they get with this run, so the reference
costs one grading run however many tests read it.
"""

from __future__ import annotations

import shutil
import sqlite3
from dataclasses import dataclass
from pathlib import Path

import pytest

from autograder.instructor.fabricate import Learner, broken_code, first_done, one_wrong, set_up_course, solved, submit, untouched
from grading import grade, summary

ASSIGNMENT = "01_single_neuron"
CELL_TIMEOUT = ("--timeout=5",)  # every run of the class stops a cell after 5 s, so the runaway ones end soon


def computing_for(seconds: float) -> str:
    """Code that keeps its kernel computing for `seconds` of its own CPU time, however fast the machine is."""
    return f"import time\n_started = time.thread_time()\nwhile time.thread_time() - _started < {seconds}:\n    pass"


def reference_learners() -> list[Learner]:
    return [
        Learner("ada", "correct", "everything right", solved),
        Learner("bea", "wrong", "nothing done", untouched),
        Learner("cy", "wrong", "flatten_images returns None", one_wrong(1)),
        Learner("dee", "partial", "only linear_unit done", first_done(1)),
        Learner("loops", "broken", "an endless loop in flatten_images", broken_code(1, "while True:\n    pass")),
        Learner("sleeps", "broken", "a long sleep in to_torch_linear", broken_code(2, "import time\ntime.sleep(10**6)")),
        Learner("floods", "broken", "flatten_images prints without end", broken_code(1, "while True:\n    print('x' * 10000)")),
        Learner("raises", "broken", "linear_unit raises", one_wrong(0, "raise ValueError('stuck')")),
        Learner("exits", "broken", "os._exit in the last answer", broken_code(2, "import os\nos._exit(0)")),
        Learner("json", "broken", "not JSON", lambda released: '{"cells": ['),
        Learner("slow", "correct", "right, after 2.5 s of computing", broken_code(1, computing_for(2.5))),
        Learner("eve", "correct", "everything right", solved),
    ]


@dataclass
class GradedClass:
    ungraded: Path  # the course with every submission collected and none graded: copy it, never grade it
    graded: Path  # a copy, graded once with CELL_TIMEOUT and two local workers
    learners: list[Learner]
    rows: dict[str, dict[str, str]]  # the summary the grade command printed, read back


def copy_of(course: Path, to: Path) -> Path:
    """A copy of a course directory at `to`/course."""
    return Path(shutil.copytree(course, to / "course"))


def gradebook_grades(root: Path) -> tuple[dict[str, tuple[int, float]], dict[str, int]]:
    """From a course's SQLite gradebook: learner -> (graded cells, summed score), and learner -> submissions."""
    with sqlite3.connect(root / "gradebook.db") as database:
        cells = database.execute(
            "select submitted_assignment.student_id, count(*), sum(grade.auto_score) from grade "
            "join submitted_notebook on grade.notebook_id = submitted_notebook.id "
            "join submitted_assignment on submitted_notebook.assignment_id = submitted_assignment.id group by 1"
        ).fetchall()
        submissions = dict(database.execute("select student_id, count(*) from submitted_assignment group by 1").fetchall())
    return {student: (count, score) for student, count, score in cells}, submissions


@pytest.fixture(scope="session")
def reference_class(tmp_path_factory) -> GradedClass:
    ungraded = tmp_path_factory.mktemp("reference-class") / "course"
    materials = set_up_course(ungraded, ASSIGNMENT)
    learners = reference_learners()
    for learner in learners:
        submit(ungraded, materials, learner)
    graded = copy_of(ungraded, tmp_path_factory.mktemp("reference-graded"))
    finished = grade(graded, ASSIGNMENT, "--workers=2", *CELL_TIMEOUT)
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    return GradedClass(ungraded, graded, learners, summary(finished.stdout))
