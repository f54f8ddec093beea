"""A learner's session in JupyterLab, in a real browser: notebook 01, its checks, the progress view, nbgrader's Validate.

JupyterLab is started on a throw-away copy of course/ as the README tells a
learner: from the learner's install alone (a fresh venv with `pip install
./learner-lab`, no answer key in it), with learner-lab/'s configuration, which
leaves nbgrader's instructor tools out (127.0.0.1, a free port, a token), and
driven in headless Chromium.
The answer cells are filled through JupyterLab's own notebook model (what
typing does), cells are run with the keyboard or the Run menu's command, and
everything asserted is read from the page. Each step leaves a screenshot in
tests/artifacts/ui/.
"""

import json
import shutil
import urllib.error
import urllib.request

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from autograder.instructor.notebooks import nbgrader_cells, solution_code
from browser import chromium, jupyter_lab, nbgrader_menu, require_chromium, right_sidebar_tabs, screenshot, wait_for
from course import REPOSITORY, notebook

ASSIGNMENT = "01_single_neuron"
PANEL = "window.jupyterapp.shell.currentWidget"
WRONG_LINEAR_UNIT = "def linear_unit(X, w, b):\n    return X @ w\n"
WRONG_FLATTEN = "def flatten_images(images):\n    return images.reshape(-1)\n"


def cell_index(driver, grade_id: str) -> int:
    return driver.execute_script(
        f"return {PANEL}.content.widgets.findIndex(cell => (cell.model.getMetadata('nbgrader') || {{}}).grade_id === arguments[0]);",
        grade_id,
    )


def set_source(driver, grade_id: str, source: str) -> int:
    index = cell_index(driver, grade_id)
    driver.execute_script(f"{PANEL}.content.widgets[arguments[0]].model.sharedModel.setSource(arguments[1]);", index, source)
    return index


OUTPUT = "(i => {{ const node = {panel}.content.widgets[i].node.querySelector('.jp-OutputArea'); return node ? node.innerText : ''; }})"


def output_text(driver, index: int) -> str:
    return driver.execute_script(f"return {OUTPUT.format(panel=PANEL)}(arguments[0]);", index)


def wait_for_output(driver, index: int, containing: str, timeout: float = 120) -> str:
    """The text of a cell's output, once it contains `containing`."""
    script = f"(() => {{ const t = {OUTPUT.format(panel=PANEL)}({index}); return t.includes({containing!r}) && t; }})()"
    try:
        return wait_for(driver, script, timeout)
    except TimeoutError:
        raise AssertionError(f"cell {index} never showed {containing!r}; it shows: {output_text(driver, index)!r}") from None


def show(driver, index: int) -> None:
    driver.execute_script(f"{PANEL}.content.widgets[arguments[0]].node.scrollIntoView({{block: 'center'}});", index)


def idle(driver) -> None:
    """Wait until the notebook's kernel is connected and has nothing left to run."""
    wait_for(
        driver,
        f"{PANEL}.sessionContext.isReady && {PANEL}.sessionContext.session.kernel.connectionStatus === 'connected'"
        f" && {PANEL}.sessionContext.session.kernel.status === 'idle'",
    )


def run_with_keyboard(driver, index: int) -> None:
    """Click a cell's prompt to select it, press Shift+Enter, and wait until it has run."""
    before = driver.execute_script(f"return {PANEL}.content.widgets[arguments[0]].model.executionCount;", index)
    show(driver, index)
    prompt = driver.execute_script(f"return {PANEL}.content.widgets[arguments[0]].node.querySelector('.jp-InputPrompt');", index)
    ActionChains(driver).click(prompt).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()
    wait_for(driver, f"{PANEL}.content.widgets[{index}].model.executionCount !== {json.dumps(before)}", message=f"cell {index} did not run")
    idle(driver)


def validate(driver) -> str:
    """Save, press nbgrader's Validate button, and read the verdict from its dialog."""
    driver.execute_script("window.jupyterapp.commands.execute('docmanager:save');")
    wait_for(driver, f"!{PANEL}.context.model.dirty")
    driver.find_element(By.CSS_SELECTOR, "[title='Validate Assignment']").click()
    verdict = wait_for(
        driver,
        "(() => { const d = document.querySelector('.jp-Dialog-content'); return d && /(Success|FAILED|failed|error)/.test(d.innerText) && d.innerText; })()",
        timeout=120,
    )
    return verdict


@pytest.fixture(scope="module")
def lab(tmp_path_factory, learner_python):
    """The learner's JupyterLab, from the learner's install, on a copy of course/'s notebook 01: its base URL and token."""
    require_chromium()
    root = tmp_path_factory.mktemp("learner")
    shutil.copytree(REPOSITORY / "course" / ASSIGNMENT, root / ASSIGNMENT)
    with jupyter_lab(root, learner=True, python=learner_python) as (url, token):
        yield url, token


@pytest.fixture(scope="module")
def session(lab):
    url, token = lab
    with chromium() as driver:
        driver.get(f"{url}/lab/tree/{ASSIGNMENT}/{ASSIGNMENT}.ipynb?token={token}")
        wait_for(driver, f"{PANEL} && {PANEL}.content && {PANEL}.content.widgets.length > 10", timeout=90)
        idle(driver)
        yield driver
        screenshot(driver, "learner-last-state")


@pytest.fixture(scope="module")
def solutions():
    return {grade_id: solution_code(cell.source) for grade_id, cell in nbgrader_cells(notebook(ASSIGNMENT), "solution").items()}


def test_notebook_opens_with_its_title_goals_and_how_to_check(session):
    text = session.execute_script(f"return {PANEL}.content.widgets[0].node.innerText;")
    assert "01 · The single neuron" in text
    assert "By the end of this notebook you will be able to" in text and "How to check your work." in text
    screenshot(session, "01-opened")


def test_the_learner_has_validate_and_the_assignment_list_but_no_instructor_tools(session, lab):
    assert nbgrader_menu(session) == ["Assignment List"]
    assert "Create Assignment" not in right_sidebar_tabs(session)
    assert session.find_elements(By.CSS_SELECTOR, "[title='Validate Assignment']")
    url, token = lab
    with pytest.raises(urllib.error.HTTPError, match="404"):
        urllib.request.urlopen(f"{url}/formgrader?token={token}", timeout=30)


def test_a_right_answer_shows_one_line_of_success(session, solutions):
    set_source(session, "linear_unit_answer", solutions["linear_unit_answer"])
    session.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells');")
    setup = session.execute_script(f"return {PANEL}.content.widgets.findIndex(cell => cell.model.type === 'code');")
    wait_for(session, f"{PANEL}.content.widgets[{setup}].model.executionCount !== null", message="Run All did not start")
    test = cell_index(session, "linear_unit")
    text = wait_for_output(session, test, "linear_unit")
    show(session, test)
    assert text.strip() == "✔ linear_unit: correct on all 10 cases."
    screenshot(session, "02-check-passes")
    # Run All stops at the next exercise's stub; later runs must not be queued behind it (the kernel would abort them).
    wait_for_output(session, cell_index(session, "flatten_images"), "is not written yet")
    idle(session)


def test_a_wrong_answer_shows_the_case_the_values_and_a_hint_without_internals(session):
    run_with_keyboard(session, set_source(session, "linear_unit_answer", WRONG_LINEAR_UNIT))
    test = cell_index(session, "linear_unit")
    run_with_keyboard(session, test)
    text = wait_for_output(session, test, "✘")
    show(session, test)
    screenshot(session, "03-check-fails")
    for visible in ["✘ linear_unit returned the wrong values on the case 'one input, one example':", "X = [[2.]]",
                    "expected: [7.]", "got:      [6.]", "Hint: Your outputs leave out the bias: add b to every output."]:
        assert visible in text
    output = output_text(session, test)
    assert "Traceback" not in output and "autograder" not in output and ".py" not in output
    assert len(output.strip().splitlines()) <= 9
    assert session.execute_script(
        f"return {PANEL}.content.widgets[{test}].node.querySelector('[data-mime-type=\"application/vnd.jupyter.stderr\"]') !== null;"
    )


def test_the_progress_view_shows_each_exercise_with_its_points(session, solutions):
    for grade_id, source in [("linear_unit_answer", solutions["linear_unit_answer"]), ("flatten_images_answer", WRONG_FLATTEN)]:
        run_with_keyboard(session, set_source(session, grade_id, source))
    session.execute_script(
        f"const nb = {PANEL}.content; nb.model.sharedModel.insertCell(nb.widgets.length, {{cell_type: 'code', source: 'check.progress()'}});"
    )
    last = session.execute_script(f"return {PANEL}.content.widgets.length - 1;")
    run_with_keyboard(session, last)
    text = wait_for_output(session, last, "points")
    show(session, last)
    screenshot(session, "04-progress")
    assert "✔ passed" in text and "✘ failed" in text and "· not attempted" in text
    assert "1 of 3 exercises pass: 2 of 5 points" in text
    assert "flatten_images returned an array of shape (8,)" in text


def test_the_kernel_runs_the_learners_install_which_has_no_answer_key(session):
    session.execute_script(
        f"const nb = {PANEL}.content; nb.model.sharedModel.insertCell(nb.widgets.length, {{cell_type: 'code', source: "
        "'import importlib.util, sys\\nprint(sys.prefix, importlib.util.find_spec(\"autograder.exercises\"), importlib.util.find_spec(\"autograder.instructor\"))'});"
    )
    last = session.execute_script(f"return {PANEL}.content.widgets.length - 1;")
    run_with_keyboard(session, last)
    text = wait_for_output(session, last, "None")
    assert text.split()[1:] == ["None", "None"] and "learner-venv" in text.split()[0]


def test_validate_reports_failing_tests_then_success(session, solutions):
    verdict = validate(session)
    screenshot(session, "05-validate-fails")
    assert "VALIDATION FAILED" in verdict or "failed" in verdict.lower()
    session.find_element(By.CSS_SELECTOR, ".jp-Dialog-footer button").click()
    wait_for(session, "!document.querySelector('.jp-Dialog')")
    for grade_id, source in solutions.items():
        set_source(session, grade_id, source)
    verdict = validate(session)
    screenshot(session, "06-validate-passes")
    assert "Success! Your notebook passes all the tests." in verdict
