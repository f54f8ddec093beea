"""A PostgreSQL gradebook works as the SQLite one does: grading, resuming after a kill, export, reports, the Formgrader.

A real PostgreSQL server (Debian's package) is started for the tests on
loopback, in a temporary folder. One copy of a fabricated class is graded
with the default SQLite gradebook, another with `--db=postgresql://...` (also
written into its nbgrader_config.py, as an instructor would, so that
nbgrader's own commands and the Formgrader use it too); the PostgreSQL run is
killed with SIGKILL after its first recorded submission and run again. Both
gradebooks then hold the same submissions and grades, nbgrader's export and
the reports agree, and the Formgrader shows the scores.
"""

import csv
import os
import shutil
import signal
import subprocess
import sys
import time

import pytest
from nbgrader.api import Gradebook

from autograder.instructor.fabricate import Learner, broken_code, one_wrong, set_up_course, solved, submit, untouched
from autograder.instructor.nbgrader_cli import run_nbgrader
from grading import grade, summary
from servers import postgresql

ASSIGNMENT = "01_single_neuron"
CLASS = [
    Learner("ada", "correct", "everything right", solved),
    Learner("bea", "wrong", "nothing done", untouched),
    Learner("cy", "wrong", "flatten_images returns None", one_wrong(1)),
    Learner("exits", "broken", "os._exit in the last answer", broken_code(2, "import os\nos._exit(0)")),
    Learner("json", "broken", "not JSON", lambda m: '{"cells": ['),
    Learner("eve", "correct", "everything right", solved),
]


def grades_in(db_url):
    """(student, cell) -> (auto score, max score) for every grade, and student -> number of submissions."""
    with Gradebook(db_url) as gradebook:
        cells, submissions = {}, {}
        for submission in gradebook.find_assignment(ASSIGNMENT).submissions:
            submissions[submission.student.id] = submissions.get(submission.student.id, 0) + 1
            for notebook in submission.notebooks:
                for grade_ in notebook.grades:
                    cells[submission.student.id, grade_.name] = (grade_.auto_score, grade_.max_score)
    return cells, submissions


@pytest.fixture(scope="module")
def server():
    with postgresql() as url:
        yield url


@pytest.fixture(scope="module")
def both(server, tmp_path_factory):
    sqlite_course = tmp_path_factory.mktemp("sqlite") / "course"
    materials = set_up_course(sqlite_course, ASSIGNMENT)
    for learner in CLASS:
        submit(sqlite_course, materials, learner)
    postgres_course = tmp_path_factory.mktemp("postgres") / "course"
    shutil.copytree(sqlite_course, postgres_course)
    (postgres_course / "gradebook.db").unlink()
    with open(postgres_course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {server!r}  # the class's gradebook is a PostgreSQL database\n")
    run_nbgrader("generate_assignment", ASSIGNMENT, "--force", "--log-level=ERROR", cwd=postgres_course, capture=True)
    on_sqlite = grade(sqlite_course, ASSIGNMENT, "--workers=2")
    killed = subprocess.Popen(
        [sys.executable, "-m", "autograder.instructor.grade", ASSIGNMENT, "--workers=2", f"--db={server}"],
        cwd=postgres_course, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    done = postgres_course / "grading" / ASSIGNMENT / "done"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and len(list(done.glob("*.json"))) < 2:  # the unusable one, and one graded
        time.sleep(0.05)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    recorded_when_killed = len(list(done.glob("*.json")))
    on_postgres = grade(postgres_course, ASSIGNMENT, "--workers=2", f"--db={server}")
    return {"sqlite": (sqlite_course, on_sqlite), "postgres": (postgres_course, on_postgres), "killed_at": recorded_when_killed, "url": server}


def test_grading_with_postgresql_resumes_and_ends_as_with_sqlite(both):
    sqlite_course, on_sqlite = both["sqlite"]
    postgres_course, on_postgres = both["postgres"]
    assert on_sqlite.returncode == 0 and on_postgres.returncode == 0, on_postgres.stderr[-3000:]
    assert 2 <= both["killed_at"] < len(CLASS), "the first run was killed midway"
    assert summary(on_postgres.stdout) == summary(on_sqlite.stdout)
    on_sqlite_grades, sqlite_submissions = grades_in(f"sqlite:///{sqlite_course / 'gradebook.db'}")
    on_postgres_grades, postgres_submissions = grades_in(both["url"])
    assert on_postgres_grades == on_sqlite_grades
    assert postgres_submissions == sqlite_submissions == {learner.name: 1 for learner in CLASS}


def test_nbgraders_own_export_and_the_reports_read_the_postgresql_gradebook(both):
    postgres_course, _ = both["postgres"]
    run_nbgrader("export", "--to", "exported.csv", "--log-level=ERROR", cwd=postgres_course, capture=True)
    exported = {row["student_id"]: row["score"] for row in csv.DictReader(open(postgres_course / "exported.csv"))}
    reported = {row["student_id"]: row["score"] for row in csv.DictReader(open(postgres_course / "reports" / ASSIGNMENT / "grades.csv"))}
    assert exported == reported
    assert float(exported["ada"]) == 5.0 and float(exported["cy"]) == 4.0 and float(exported["json"]) == 0.0


def test_the_formgrader_shows_the_postgresql_gradebook(both):
    from browser import chromium, jupyter_lab, require_chromium, screenshot, wait_for
    from selenium.webdriver.common.by import By

    require_chromium()
    postgres_course, on_postgres = both["postgres"]
    recorded = summary(on_postgres.stdout)
    with jupyter_lab(postgres_course) as (url, token), chromium() as driver:
        driver.get(f"{url}/formgrader/manage_students?token={token}")
        wait_for(driver, f"document.querySelectorAll('table tbody tr').length >= {len(CLASS)}", timeout=90)
        rows = {}
        for row in driver.find_elements(By.CSS_SELECTOR, "table tbody tr"):
            cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
            if len(cells) >= 4:
                rows[cells[1]] = cells[3]
        screenshot(driver, "09-formgrader-postgresql")
    for student, row in recorded.items():
        assert rows[student] == row["score"], student
