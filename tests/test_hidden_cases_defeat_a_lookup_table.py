"""Recording the visible cases earns nothing: the hidden ones are drawn from the course's secret at grading time.

Notebook 01 is graded in two copies of one course, by stock `nbgrader
autograde` and by the grade command, each twice (the second time from
scratch, as a regrade), for two learners:

- a lookup table: every answer returns what the learner's install recorded
  for each visible case (so every visible check passes) and None elsewhere;
- answers written otherwise than the references (each declaration's first
  other right answer).

The lookup table scores zero on every test cell, the other full marks, both
times alike. The grade command's feedback shows the hidden tests' verdicts,
never their code, and no path of the grader's files. Without the secret,
the grade command refuses, saying how to make one.
"""

import csv
import os
import shutil

import pytest

from autograder.checks import for_assignment
from autograder.instructor import secret
from autograder.instructor.fabricate import Learner, lookup_table, set_up_course, submit, written_anew
from autograder.instructor.fabricate import materials as materials_of
from autograder.instructor.nbgrader_cli import run_nbgrader
from course import REPOSITORY
from grading import grade

ASSIGNMENT = "01_single_neuron"
CLASS = [
    Learner("lookup_table", "wrong", "the recorded answer on every visible case, None elsewhere", lookup_table),
    Learner("written_anew", "correct", "right answers written otherwise than the references", written_anew),
]


def stock_scores(root):
    run_nbgrader("autograde", ASSIGNMENT, "--force", cwd=root, capture=True)
    run_nbgrader("export", "--to", "grades.csv", cwd=root, capture=True)
    with open(root / "grades.csv") as file:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(file)}


def our_scores(root):
    done = grade(root, ASSIGNMENT, "--force", "--workers=2")
    assert done.returncode == 0, done.stdout + done.stderr
    with open(root / "reports" / ASSIGNMENT / "grades.csv") as file:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(file)}


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    """{grader: [scores the first time, scores when graded again]}, and the grade command's course directory."""
    stock = tmp_path_factory.mktemp("stock")
    materials = set_up_course(stock, ASSIGNMENT)
    for learner in CLASS:
        submit(stock, materials, learner)
    ours = tmp_path_factory.mktemp("ours")
    shutil.copytree(stock, ours, dirs_exist_ok=True)
    return {"stock": [stock_scores(stock), stock_scores(stock)], "ours": [our_scores(ours), our_scores(ours)], "root": ours}


def test_the_lookup_table_passes_every_visible_check(graded):
    materials = materials_of(graded["root"], ASSIGNMENT)
    namespace = {"check": for_assignment(ASSIGNMENT)}
    for cell in lookup_table(materials).cells:
        if cell.metadata.get("nbgrader", {}).get("solution"):
            exec(cell.source, namespace)
    assert all(check.verdict(namespace[check.name]).passed for check in for_assignment(ASSIGNMENT).EXERCISES)


@pytest.mark.parametrize("grader", ["stock", "ours"])
def test_a_lookup_table_of_the_visible_cases_scores_zero_and_right_answers_full_marks(graded, grader):
    total = sum(check.points for check in for_assignment(ASSIGNMENT).EXERCISES)
    first, again = graded[grader]
    assert first == {"lookup_table": 0.0, "written_anew": float(total)}
    assert again == first


def test_feedback_shows_hidden_verdicts_but_not_hidden_tests_or_the_graders_paths(graded):
    page = (graded["root"] / "feedback" / "lookup_table" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "hidden case" in page and "✘" in page
    assert "hidden=True" not in page and "BEGIN HIDDEN TESTS" not in page
    assert "site-packages" not in page and str(REPOSITORY) not in page and "autograder/" not in page


def test_grading_without_the_secret_refuses_and_says_how_to_make_one(graded):
    assert secret.find(graded["root"]) and not (graded["root"] / secret.FILE).exists(), "the tests' secret is the environment's"
    environment = {name: value for name, value in os.environ.items() if name != secret.VARIABLE}
    done = grade(graded["root"], ASSIGNMENT, "--force", env=environment)
    assert done.returncode != 0
    assert "No grading secret" in done.stdout + done.stderr and "python -m autograder.instructor.secret --new" in done.stdout + done.stderr
