"""The instructor's pages in a real browser: nbgrader's Formgrader on the class the grading demo graded.

The demo (`python -m autograder.instructor.demo`, run with the README's other
commands in a fresh clone: tests/readme_run.py) makes and grades a class;
JupyterLab is then started in that course directory as the README tells an
instructor (plain `jupyter lab`), and read in headless Chromium: nbgrader's
instructor tools are there (which the learner's JupyterLab leaves out, see
test_ui_learner.py), and the Formgrader's students page shows every learner
with the score the grade command recorded. Screenshots are saved in
tests/artifacts/ui/.
"""

import json

import pytest
from selenium.webdriver.common.by import By

from browser import chromium, jupyter_lab, nbgrader_menu, require_chromium, right_sidebar_tabs, screenshot, wait_for

ASSIGNMENT = "01_single_neuron"


@pytest.fixture(scope="module")
def demo_course(readme_clone, readme_commands):
    """The course the demo made and graded in the README's clone (tests/readme_run.py)."""
    require_chromium()
    return readme_clone / "demo-course"


def test_the_demo_says_where_the_reports_are(demo_course):
    assert (demo_course / "reports" / ASSIGNMENT / "exercises.png").exists()
    assert (demo_course / "feedback" / "barbara" / ASSIGNMENT / f"{ASSIGNMENT}.html").exists()


@pytest.fixture(scope="module")
def instructor(demo_course):
    """Chromium on the instructor's JupyterLab in the demo's course directory, and the lab's base URL and token."""
    with jupyter_lab(demo_course) as (url, token), chromium() as driver:
        yield driver, url, token


def test_the_instructors_jupyterlab_has_nbgrader_instructor_tools(instructor):
    driver, url, token = instructor
    driver.get(f"{url}/lab?token={token}")
    wait_for(driver, "!!window.jupyterapp", timeout=90)
    driver.set_script_timeout(90)
    driver.execute_async_script("window.jupyterapp.restored.then(() => arguments[arguments.length - 1](true));")
    assert "Create Assignment" in right_sidebar_tabs(driver)
    assert {"Assignment List", "Course List", "Formgrader", "Create assignment"} <= set(nbgrader_menu(driver))
    screenshot(driver, "08-instructor-lab")


def test_formgrader_shows_every_learner_with_the_recorded_score(demo_course, instructor):
    driver, url, token = instructor
    recorded = {
        path.stem: json.loads(path.read_text()) for path in (demo_course / "grading" / ASSIGNMENT / "done").glob("*.json")
    }
    driver.get(f"{url}/formgrader/manage_students?token={token}")
    wait_for(driver, f"document.querySelectorAll('table tbody tr').length >= {len(recorded)}", timeout=60)
    rows = {}
    for row in driver.find_elements(By.CSS_SELECTOR, "table tbody tr"):
        cells = [cell.text for cell in row.find_elements(By.TAG_NAME, "td")]
        if len(cells) >= 4:
            rows[cells[1]] = cells[3]
    screenshot(driver, "07-formgrader-students")
    for student, result in recorded.items():
        assert rows[student] == f"{result['score']:g} / {result['max_score']:g}", student
