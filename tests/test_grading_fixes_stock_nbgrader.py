"""What stock `nbgrader autograde` 0.9.6 gets wrong, measured here, and what the grade command does instead.

The same five submissions of notebook 01 are graded twice, in two copies of a
course: by stock `nbgrader autograde` and by `python -m autograder.instructor.grade`.

- A learner who deletes a test cell but answers right: stock gives 0 for it
  (missing cells are not restored by default); the grade command restores it.
- A learner who switches the check off and answers wrong: stock judges inside
  the learner's kernel and gives full marks; the grade command judges outside.
- A kernel that dies: stock leaves no autograded notebook and flags the
  submission for manual grading; the grade command keeps what came before.
- Every test cell with hidden tests: stock warns of a changed checksum for
  every learner; the grade command only notes cells a learner really changed.
- A hanging cell: stock's results do not say why the points were lost; the
  grade command names the cell and the time limit.
"""

import csv
import shutil
import sqlite3
import subprocess
import sys

import pytest

from autograder.instructor.fabricate import Learner, broken_code, deletes_test_cell, replaces_check, set_up_course, solved, submit
from autograder.instructor.nbgrader_cli import run_nbgrader

ASSIGNMENT = "01_single_neuron"
# Stock's cell limit is wall time: on a busy machine the first cell's imports alone can pass 5 s, and stock then
# scores the whole notebook 0 (seen in CI). The grade command's limit counts the kernel's CPU time, so 5 s holds there.
STOCK_CELL_TIMEOUT = 20
CLASS = [
    Learner("deletes_test", "broken", "right answers, a test cell deleted", deletes_test_cell),
    Learner("replaces_check", "broken", "a wrong answer, its check switched off", replaces_check),
    Learner("os_exits", "broken", "os._exit in the last answer", broken_code(-1, "import os\nos._exit(0)")),
    Learner("honest", "correct", "right answers", solved),
    Learner("loops", "broken", "an endless loop in the second answer", broken_code(1, "while True:\n    pass")),
]


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    stock = tmp_path_factory.mktemp("stock")
    materials = set_up_course(stock, ASSIGNMENT)
    for learner in CLASS:
        submit(stock, materials, learner)
    ours = tmp_path_factory.mktemp("ours")
    shutil.copytree(stock, ours, dirs_exist_ok=True)
    stock_run = run_nbgrader("autograde", ASSIGNMENT, f"--Execute.timeout={STOCK_CELL_TIMEOUT}", cwd=stock, capture=True, check=False)
    run_nbgrader("export", "--to", "grades.csv", cwd=stock, capture=True)
    with open(stock / "grades.csv") as file:
        stock_scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(file)}
    our_run = subprocess.run(
        [sys.executable, "-m", "autograder.instructor.grade", ASSIGNMENT, "--timeout=5", "--workers=2"],
        cwd=ours, capture_output=True, text=True, timeout=600,
    )
    with open(ours / "reports" / ASSIGNMENT / "grades.csv") as file:
        our_scores = {row["student_id"]: float(row["score"]) for row in csv.DictReader(file)}
    return {"stock": stock, "ours": ours, "stock_run": stock_run, "stock_log": stock_run.stderr, "our_run": our_run,
            "stock_scores": stock_scores, "our_scores": our_scores}


def test_a_deleted_test_cell_is_restored(both):
    assert both["stock_scores"]["deletes_test"] == 3.0
    assert both["our_scores"]["deletes_test"] == 5.0


def test_switching_the_check_off_does_not_win_marks(both):
    assert both["stock_scores"]["replaces_check"] == 5.0
    assert both["our_scores"]["replaces_check"] == 3.0


def test_a_dead_kernel_keeps_earlier_marks_and_needs_no_manual_grading(both):
    assert both["stock_run"].returncode != 0 and both["our_run"].returncode == 0
    assert not (both["stock"] / "autograded" / "os_exits" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    with sqlite3.connect(both["stock"] / "gradebook.db") as stock_gradebook:
        flagged = stock_gradebook.execute(
            "select count(*) from grade join submitted_notebook on grade.notebook_id = submitted_notebook.id "
            "join submitted_assignment on submitted_notebook.assignment_id = submitted_assignment.id "
            "where submitted_assignment.student_id = 'os_exits' and grade.needs_manual_grade"
        ).fetchone()[0]
    assert flagged > 0
    assert (both["ours"] / "autograded" / "os_exits" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()
    assert both["our_scores"]["os_exits"] == 3.0
    assert "ended its own kernel" in both["our_run"].stdout


def test_hidden_tests_cause_no_spurious_checksum_warnings(both):
    assert "Attribute 'checksum' for cell linear_unit has changed" in both["stock_log"]
    honest = [line for line in both["our_run"].stdout.splitlines() if line.startswith("honest ")]
    assert honest and honest[0].split()[-1] == "graded"
    assert "has changed" not in (both["ours"] / "grading" / "workers.log").read_text()


def test_a_hanging_cell_is_named_in_the_results(both):
    assert both["stock_scores"]["loops"] == both["our_scores"]["loops"] == 4.0
    stock_results = (both["stock"] / "grades.csv").read_text()
    assert "time limit" not in stock_results
    assert "the time limit for a cell" in both["our_run"].stdout
