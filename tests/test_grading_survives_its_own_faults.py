"""The grader's own faults never become grades: they are retried, and when retrying fails, nothing is recorded.

Faults are injected through the grader's fault hook (autograder.instructor.faults):
kernels that fail to start or hang without answering, a Dask worker that dies
while grading, a gradebook that is locked when a grade is recorded. A class graded through such faults
gets exactly the scores of an undisturbed run and every learner a feedback
page. A learner whose every attempt fails is left without a score (not a
zero), named in the summary; the command exits 75, and the next run grades it.
"""

import csv
import json
import os
import sqlite3

import pytest

from autograder.instructor.fabricate import Learner, one_wrong, set_up_course, solved, submit, untouched
from autograder.instructor.faults import PLAN
from grading import grade, summary

ASSIGNMENT = "01_single_neuron"
CLASS = [
    Learner("ada", "correct", "everything right", solved),
    Learner("bea", "wrong", "nothing done", untouched),
    Learner("cy", "wrong", "flatten_images returns None", one_wrong(1)),
    Learner("dee", "correct", "everything right", solved),
]
EXPECTED = {"ada": 5.0, "bea": 0.0, "cy": 4.0, "dee": 5.0}


def grade_with_faults(root, plan_path, *options):
    return grade(root, ASSIGNMENT, "--VerifiedExecute.startup_timeout=5", *options, env={**os.environ, PLAN: str(plan_path)})


def scores(root):
    with sqlite3.connect(root / "gradebook.db") as database:
        return dict(database.execute(
            "select submitted_assignment.student_id, sum(grade.auto_score) from grade "
            "join submitted_notebook on grade.notebook_id = submitted_notebook.id "
            "join submitted_assignment on submitted_notebook.assignment_id = submitted_assignment.id group by 1"
        ).fetchall())


@pytest.fixture(scope="module")
def disturbed(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    materials = set_up_course(root, ASSIGNMENT)
    for learner in CLASS:
        submit(root, materials, learner)
    plan = root.parent / "plan.json"
    plan.write_text(json.dumps({"kernel_start": ["fail", "hang", "fail"], "worker": ["pass", "die"], "gradebook": ["pass", "pass", "locked"]}))
    finished = grade_with_faults(root, plan, "--workers=2", "--attempts=4")  # three faults cannot spend four tries
    return root, plan, finished


def test_every_fault_was_used(disturbed):
    _, plan, _ = disturbed
    assert json.loads(plan.read_text()) == {"kernel_start": [], "worker": [], "gradebook": []}


def test_a_class_graded_through_the_graders_faults_gets_the_undisturbed_scores(disturbed):
    root, _, finished = disturbed
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    assert scores(root) == EXPECTED
    rows = summary(finished.stdout)
    for learner in CLASS:
        assert (root / "feedback" / learner.name / ASSIGNMENT / f"{ASSIGNMENT}.html").exists()
        assert rows[learner.name]["status"] == "graded"
    tries = [json.loads(path.read_text())["attempts"] for path in (root / "grading" / ASSIGNMENT / "done").glob("*.json")]
    assert max(tries) > 1, "the kernels that failed to start were started again"


@pytest.fixture(scope="module")
def abandoned(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    materials = set_up_course(root, ASSIGNMENT)
    submit(root, materials, CLASS[0])
    plan = root.parent / "plan.json"
    plan.write_text(json.dumps({"kernel_start": ["fail", "hang", "fail"]}))
    first = grade_with_faults(root, plan, "--workers=1", "--attempts=3")
    ungraded_scores = scores(root)
    grades = list(csv.DictReader(open(root / "reports" / ASSIGNMENT / "grades.csv")))
    page = (root / "feedback" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    second = grade_with_faults(root, plan, "--workers=1")
    return {"root": root, "first": first, "ungraded_scores": ungraded_scores, "grades": grades, "page": page, "second": second}


def test_a_submission_the_grader_keeps_failing_on_is_left_without_a_score(abandoned):
    first = abandoned["first"]
    assert first.returncode == 75
    row = summary(first.stdout)["ada"]
    assert row["score"] == "—" and row["status"] == "NOT GRADED (grader)"
    assert "3 attempts" in row["notes"] and "run the command again" in row["notes"]
    assert abandoned["ungraded_scores"] == {}, "no score and no zero in the gradebook"
    assert [row["score"] for row in abandoned["grades"] if row["student_id"] == "ada"] == [""]
    assert "not graded yet" in abandoned["page"] and "nothing in your work caused it" in abandoned["page"]


def test_the_next_run_grades_it(abandoned):
    second = abandoned["second"]
    assert second.returncode == 0, second.stderr[-2000:]
    assert scores(abandoned["root"]) == {"ada": 5.0}
    assert "1 of 1 submissions were already graded" not in second.stderr
