"""A PostgreSQL gradebook works as the SQLite one does: grading, resuming after a kill, export, reports, the Formgrader.

A real PostgreSQL server (Debian's package) is started for the tests on
loopback, in a temporary folder. The session's reference class
(tests/reference_class.py), graded once with the default SQLite gradebook, is
graded again in a copy of its course with `--db=postgresql://...` (also
written into its nbgrader_config.py, as an instructor would, so that
nbgrader's own commands and the Formgrader use it too); the PostgreSQL run is
killed with SIGKILL after its first recorded submission and run again. Both
gradebooks then hold the same submissions and grades, nbgrader's export and
the reports agree, and the Formgrader shows the scores.
"""

import csv
import os
import signal
import subprocess
import sys
import time

import pytest
from nbgrader.api import Gradebook

from autograder.instructor.nbgrader_cli import run_nbgrader
from grading import grade, summary
from reference_class import ASSIGNMENT, CELL_TIMEOUT, copy_of
from servers import postgresql


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
def both(server, reference_class, tmp_path_factory):
    postgres_course = copy_of(reference_class.ungraded, tmp_path_factory.mktemp("postgres"))
    (postgres_course / "gradebook.db").unlink()
    with open(postgres_course / "nbgrader_config.py", "a") as config:
        config.write(f"\nc.CourseDirectory.db_url = {server!r}  # the class's gradebook is a PostgreSQL database\n")
    run_nbgrader("generate_assignment", ASSIGNMENT, "--force", "--log-level=ERROR", cwd=postgres_course, capture=True)
    killed = subprocess.Popen(
        [sys.executable, "-m", "autograder.instructor.grade", ASSIGNMENT, "--workers=2", *CELL_TIMEOUT, f"--db={server}"],
        cwd=postgres_course, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True,
    )
    done = postgres_course / "grading" / ASSIGNMENT / "done"
    deadline = time.monotonic() + 600
    while time.monotonic() < deadline and len(list(done.glob("*.json"))) < 2:  # the unusable one, and one graded
        time.sleep(0.05)
    os.killpg(killed.pid, signal.SIGKILL)
    killed.wait()
    recorded_when_killed = len(list(done.glob("*.json")))
    on_postgres = grade(postgres_course, ASSIGNMENT, "--workers=2", *CELL_TIMEOUT, f"--db={server}")
    return {"postgres": (postgres_course, on_postgres), "killed_at": recorded_when_killed, "url": server}


def test_grading_with_postgresql_resumes_and_ends_as_with_sqlite(both, reference_class):
    postgres_course, on_postgres = both["postgres"]
    assert on_postgres.returncode == 0, on_postgres.stderr[-3000:]
    assert 2 <= both["killed_at"] < len(reference_class.learners), "the first run was killed midway"
    assert summary(on_postgres.stdout) == reference_class.rows
    on_sqlite_grades, sqlite_submissions = grades_in(f"sqlite:///{reference_class.graded / 'gradebook.db'}")
    on_postgres_grades, postgres_submissions = grades_in(both["url"])
    assert on_postgres_grades == on_sqlite_grades
    assert postgres_submissions == sqlite_submissions == {learner.name: 1 for learner in reference_class.learners}


def test_nbgraders_own_export_and_the_reports_read_the_postgresql_gradebook(both):
    postgres_course, _ = both["postgres"]
    run_nbgrader("export", "--to", "exported.csv", "--log-level=ERROR", cwd=postgres_course, capture=True)
    exported = {row["student_id"]: row["score"] for row in csv.DictReader(open(postgres_course / "exported.csv"))}
    reported = {row["student_id"]: row["score"] for row in csv.DictReader(open(postgres_course / "reports" / ASSIGNMENT / "grades.csv"))}
    assert exported == reported
    assert float(exported["ada"]) == 5.0 and float(exported["cy"]) == 4.0 and float(exported["json"]) == 0.0


def test_the_formgrader_shows_the_postgresql_gradebook(both, reference_class):
    from browser import chromium, jupyter_lab, require_chromium, screenshot, wait_for
    from selenium.webdriver.common.by import By

    require_chromium()
    postgres_course, on_postgres = both["postgres"]
    recorded = summary(on_postgres.stdout)
    with jupyter_lab(postgres_course) as (url, token), chromium() as driver:
        driver.get(f"{url}/formgrader/manage_students?token={token}")
        wait_for(driver, f"document.querySelectorAll('table tbody tr').length >= {len(reference_class.learners)}", timeout=90)
        rows = {}
        for row in driver.find_elements(By.CSS_SELECTOR, "table tbody tr"):
            cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
            if len(cells) >= 4:
                rows[cells[1]] = cells[3]
        screenshot(driver, "09-formgrader-postgresql")
    for student, row in recorded.items():
        assert rows[student] == row["score"], student
