"""The course served to a class, end to end in real browsers: one hub, an instructor and two learners, nbgrader's exchange.

`python -m autograder.instructor.hub` is started as the README says, on a
throw-away class directory (loopback, a free port), the learners' servers on
the learner's install (tests/learner_install.py, with jupyterhub added). Each person has a
headless Chromium of their own and logs in on the hub's page. The instructor
releases notebook 01 from the Formgrader; ada and grace fetch it from the
Assignment List, ada answers every exercise right and grace gets one wrong
(typed into the notebook with the keyboard), both submit; the instructor
collects from the Formgrader, grades with the course's grade command in
JupyterLab's terminal and releases the feedback; each learner fetches hers
and reads her score on the page. Then the command is stopped as Ctrl-C
would, and nothing it started may be left. Every step leaves a screenshot
in tests/artifacts/ui/ (hub-*.png). The tests of this module run in order
and each builds on the one before.
"""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
from contextlib import ExitStack
from pathlib import Path

import learner_install
import psutil
import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys

from autograder.instructor.hub.__main__ import READY
from autograder.instructor.hub.classroom import LEARNER_LAB, ClassSettings
from browser import ARTIFACTS, chromium, free_port, hub_login, nbgrader_menu, open_from_menu, require_hub_tools, screenshot, wait_for

ASSIGNMENT = "01_single_neuron"
INSTRUCTOR, RIGHT, WRONG = "instructor", "ada", "grace"
# One-line answers, so that the editor's automatic indentation cannot change them as they are typed.
RIGHT_ANSWERS = {
    "linear_unit": "def linear_unit(X, w, b): return X @ w + b",
    "flatten_images": "def flatten_images(images): return images.reshape(len(images), -1)",
    "to_torch_linear": (
        "def to_torch_linear(W, b): layer = nn.Linear(*W.shape); "
        "layer.load_state_dict({'weight': torch.from_numpy(W.T), 'bias': torch.from_numpy(b)}); return layer"
    ),
}
WRONG_ANSWERS = RIGHT_ANSWERS | {"linear_unit": "def linear_unit(X, w, b): return X @ w"}  # the bias left out: 2 points lost
FULL_MARKS, ONE_WRONG = "5 / 5", "3 / 5"


class Class:
    """The hub command running on a class directory, and one Chromium per person, opened when first needed."""

    def __init__(self, root: Path, command: subprocess.Popen, stack: ExitStack):
        self.root, self.command, self.stack = root, command, stack
        self.settings = ClassSettings.load(root)
        self.url = self.settings.url
        self.browsers: dict[str, object] = {}
        self.current = None

    def save_screenshot(self, path: str) -> None:
        """What the browser used last shows (conftest saves it when a test fails)."""
        if self.current:
            self.current.save_screenshot(path)

    def browser(self, account: str):
        """The account's Chromium, logged in on the hub."""
        if account not in self.browsers:
            driver = self.stack.enter_context(chromium())
            password = self.settings.instructor_password if account == INSTRUCTOR else self.settings.learner_password
            hub_login(driver, self.url, account, password)
            self.browsers[account] = driver
        self.current = self.browsers[account]
        return self.current

    def processes(self) -> list[psutil.Process]:
        """Every process of this class still running: the command, the hub, its proxy, servers and kernels."""
        found = []
        for process in psutil.process_iter():
            try:
                if process.pid == self.command.pid or process.environ().get("AUTOGRADER_HUB_CLASS") == str(self.root):
                    if process.status() != psutil.STATUS_ZOMBIE:
                        found.append(process)
            except psutil.Error:
                continue
        return found


def quiet_lab_settings(home: Path) -> None:
    """No news pop-up over the screenshots; every cell rendered and the terminal's text in the page, so that they can be read."""
    settings = home / ".jupyter" / "lab" / "user-settings" / "@jupyterlab"
    for relative, content in [
        ("apputils-extension/notification.jupyterlab-settings", {"fetchNews": "false", "checkForUpdates": False}),
        ("notebook-extension/tracker.jupyterlab-settings", {"windowingMode": "none"}),
        ("terminal-extension/plugin.jupyterlab-settings", {"screenReaderMode": True}),
    ]:
        (settings / relative).parent.mkdir(parents=True, exist_ok=True)
        (settings / relative).write_text(json.dumps(content))


@pytest.fixture(scope="module")
def hub(tmp_path_factory, learner_python):
    require_hub_tools()
    learners_python = learner_install.add_jupyterhub(learner_python)  # the learner's install, as the README's hub section says
    root = tmp_path_factory.mktemp("class") / "class-hub"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    output = open(ARTIFACTS.parent / "hub-command.log", "w+")
    command = subprocess.Popen(
        [sys.executable, "-m", "autograder.instructor.hub", "--directory", str(root), "--port", str(free_port()),
         "--instructor", INSTRUCTOR, "--learners", f"{RIGHT},{WRONG}", "--learner-python", str(learners_python)],
        stdout=output, stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        wait_until(lambda: READY in Path(output.name).read_text() or command.poll() is not None, 180)
        assert command.poll() is None, Path(output.name).read_text()
        with ExitStack() as stack:
            the_class = Class(root, command, stack)
            for account in (INSTRUCTOR, RIGHT, WRONG):
                quiet_lab_settings(the_class.settings.home(account))
            yield the_class
            for account, driver in the_class.browsers.items():
                screenshot(driver, f"hub-last-state-{account}")
    finally:
        if command.poll() is None:
            command.send_signal(signal.SIGINT)
            command.wait(120)
        output.close()


def wait_until(condition, timeout: float) -> None:
    """Poll a condition of the processes (not of a page) until it holds."""
    import time

    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise TimeoutError("the condition never held")
        time.sleep(0.2)


def formgrader_row(driver, url: str, assignment: str):
    """The Formgrader's Manage Assignments page, opened afresh; the assignment's row."""
    driver.get(f"{url}/user/{INSTRUCTOR}/formgrader/manage_assignments")
    wait_for(driver, "document.querySelector('#main-table tr td.name')", timeout=60, message="Manage Assignments did not load")
    return next(row for row in driver.find_elements(By.CSS_SELECTOR, "#main-table tr")
                if row.find_element(By.CSS_SELECTOR, "td.name").text == assignment)


def formgrader_action(driver, url: str, column: str) -> str:
    """Press an action of notebook 01's row (release, collect, release-feedback) and read the Formgrader's verdict."""
    formgrader_row(driver, url, ASSIGNMENT).find_element(By.CSS_SELECTOR, f"td.{column} a").click()
    verdict = wait_for(driver, "(() => { const m = document.querySelector('.modal.in .modal-body');"
                               " return m && /(Success|Error)/.test(m.innerText) && m.innerText; })()",
                       timeout=180, message=f"the Formgrader's {column} did not finish")
    return verdict


def close_modal(driver) -> None:
    driver.find_element(By.CSS_SELECTOR, ".modal.in .modal-footer button").click()
    wait_for(driver, "!document.querySelector('.modal.in')", timeout=10)


def assignment_list(driver):
    """Open (or bring forward) the Assignment List and wait until it has loaded its three lists."""
    open_from_menu(driver, "Nbgrader", "Assignment List")
    wait_for(driver, "(() => { const l = document.querySelectorAll('.list_loading'); return l.length === 3"
                     " && Array.from(l).every(n => n.hidden) && document.querySelector('#released_assignments_list'); })()",
             timeout=60, message="the Assignment List did not load")


def list_item(driver, listing: str, text: str, timeout: float = 120):
    """The row of one of the Assignment List's lists (released, fetched, submitted) whose text contains `text`."""
    return wait_for(driver, f"Array.from(document.querySelectorAll('#{listing}_assignments_list .list_item'))"
                            f".find(row => row.innerText.includes({text!r}))",
                    timeout=timeout, message=f"no row with {text!r} in the {listing} list")


def type_answer(driver, function: str, code: str) -> None:
    """Click into the answer cell of `function`, select its text with the keyboard and type `code` over it."""
    editor = wait_for(driver, "Array.from(document.querySelectorAll('.jp-CodeCell .cm-content'))"
                              f".find(e => e.innerText.includes('def {function}(') && e.innerText.includes('YOUR CODE HERE'))",
                      timeout=30, message=f"no answer cell of {function}")
    driver.execute_script("arguments[0].scrollIntoView({block: 'center'});", editor)
    editor.click()
    ActionChains(driver).key_down(Keys.CONTROL).send_keys("a").key_up(Keys.CONTROL).send_keys(code).perform()
    wait_for(driver, f"Array.from(document.querySelectorAll('.jp-CodeCell .cm-content')).some(e => e.innerText === {code!r})",
             timeout=10, message=f"the answer of {function} was not typed")


def test_one_command_serves_the_class(hub):
    settings = hub.settings
    assert settings.learners == [RIGHT, WRONG] and settings.instructor == INSTRUCTOR
    assert (settings.exchange).is_dir() and (settings.course_directory / "course" / ASSIGNMENT).is_dir()
    with chromium() as driver:
        driver.get(f"{hub.url}/hub/login")
        wait_for(driver, "document.querySelector('#login_submit')", timeout=60)
        screenshot(driver, "hub-01-login")


def test_learners_run_the_learners_install_and_the_instructor_the_instructors(hub):
    instructor = hub.browser(INSTRUCTOR)
    assert {"Assignment List", "Course List", "Formgrader", "Create assignment"} <= set(nbgrader_menu(instructor))
    for learner in (RIGHT, WRONG):
        assert nbgrader_menu(hub.browser(learner)) == ["Assignment List"]
    servers = {}
    for process in hub.processes():
        environment = process.environ()
        if "JUPYTERHUB_USER" in environment and "jupyterhub.singleuser" in process.cmdline():
            servers[environment["JUPYTERHUB_USER"]] = (process.cmdline()[0], environment["JUPYTER_CONFIG_PATH"].split(os.pathsep))
    assert set(servers) == {INSTRUCTOR, RIGHT, WRONG}
    for learner in (RIGHT, WRONG):
        python, config_path = servers[learner]
        assert python == hub.settings.learner_python != hub.settings.instructor_python and config_path[0] == str(LEARNER_LAB)
    python, config_path = servers[INSTRUCTOR]
    assert python == hub.settings.instructor_python and str(LEARNER_LAB) not in config_path


def test_the_instructor_releases_notebook_01_from_the_formgrader(hub):
    driver = hub.browser(INSTRUCTOR)
    verdict = formgrader_action(driver, hub.url, "release")
    screenshot(driver, "hub-02-instructor-releases")
    assert f"Successfully released '{ASSIGNMENT}'" in verdict
    close_modal(driver)
    assert formgrader_row(driver, hub.url, ASSIGNMENT).find_element(By.CSS_SELECTOR, "td.status").text == "released"


@pytest.mark.parametrize("learner, answers", [(RIGHT, RIGHT_ANSWERS), (WRONG, WRONG_ANSWERS)])
def test_a_learner_fetches_answers_and_submits(hub, learner, answers):
    driver = hub.browser(learner)
    assignment_list(driver)
    list_item(driver, "released", ASSIGNMENT).find_element(By.XPATH, ".//button[text()='Fetch']").click()
    fetched = list_item(driver, "fetched", ASSIGNMENT)
    screenshot(driver, f"hub-03-{learner}-fetched")
    fetched.find_element(By.CSS_SELECTOR, "a.assignment-notebooks-link").click()
    wait_for(driver, "document.querySelector('#fetched_assignments_list .assignment-notebooks.in a')", timeout=30).click()
    wait_for(driver, "document.querySelectorAll('.jp-Notebook .jp-Cell').length > 10", timeout=90, message="the notebook did not open")
    for function, code in answers.items():
        type_answer(driver, function, code)
    ActionChains(driver).send_keys(Keys.ESCAPE).key_down(Keys.CONTROL).send_keys("s").key_up(Keys.CONTROL).perform()
    wait_for(driver, "!document.querySelector('.lm-TabBar-tab.jp-mod-current.jp-mod-dirty')", timeout=30, message="not saved")
    screenshot(driver, f"hub-04-{learner}-answered")
    assignment_list(driver)
    list_item(driver, "fetched", ASSIGNMENT).find_element(By.XPATH, ".//button[text()='Submit']").click()
    list_item(driver, "submitted", ASSIGNMENT)
    screenshot(driver, f"hub-05-{learner}-submitted")


def test_the_instructor_collects_from_the_formgrader(hub):
    driver = hub.browser(INSTRUCTOR)
    verdict = formgrader_action(driver, hub.url, "collect")
    screenshot(driver, "hub-06-instructor-collects")
    assert "Success" in verdict
    close_modal(driver)
    assert formgrader_row(driver, hub.url, ASSIGNMENT).find_element(By.CSS_SELECTOR, "td.num-submissions").text == "2"


def test_the_instructor_grades_with_the_course_grade_command_in_a_terminal(hub):
    driver = hub.browser(INSTRUCTOR)
    status = run_in_terminal(driver, f"cd ~/neural-networks && python -m autograder.instructor.grade {ASSIGNMENT}")
    screenshot(driver, "hub-07-instructor-grades")
    assert status == 0
    for learner in (RIGHT, WRONG):
        assert (hub.settings.course_directory / "feedback" / learner / ASSIGNMENT / f"{ASSIGNMENT}.html").exists()


def test_the_instructor_releases_feedback_from_the_formgrader(hub):
    driver = hub.browser(INSTRUCTOR)
    verdict = formgrader_action(driver, hub.url, "release-feedback")
    screenshot(driver, "hub-08-instructor-releases-feedback")
    assert "Success" in verdict
    close_modal(driver)


TERMINAL_TEXT = "(document.querySelector('.jp-Terminal .xterm-accessibility-tree') || {innerText: ''}).innerText"  # screen-reader mode


def run_in_terminal(driver, command: str, timeout: float = 600) -> int:
    """Open a terminal in the instructor's JupyterLab, type `command`, and read its exit status from the screen."""
    driver.get(f"{driver.current_url.split('/user/')[0]}/user/{INSTRUCTOR}/lab")
    wait_for(driver, "document.querySelectorAll('.lm-MenuBar-item').length > 3", timeout=90)
    open_from_menu(driver, "File", "New")
    next(item for item in driver.find_elements(By.CSS_SELECTOR, ".lm-Menu .lm-Menu-item") if item.text.strip() == "Terminal").click()
    terminal = wait_for(driver, "document.querySelector('.jp-Terminal .xterm-helper-textarea')", timeout=60, message="no terminal")
    wait_for(driver, f"/[$#] *$/m.test({TERMINAL_TEXT})", timeout=60, message="the terminal shows no prompt")
    terminal.send_keys(f'{command}; echo "exit status: $?"\n')
    text = wait_for(driver, f"(() => {{ const t = {TERMINAL_TEXT}; return /exit status: \\d+/.test(t) && t; }})()",
                    timeout=timeout, message="the command did not finish in the terminal")
    return int(re.findall(r"exit status: (\d+)", text)[-1])


@pytest.mark.parametrize("learner, score", [(RIGHT, FULL_MARKS), (WRONG, ONE_WRONG)])
def test_a_learner_fetches_feedback_and_reads_the_score(hub, learner, score):
    driver = hub.browser(learner)
    driver.get(f"{hub.url}/user/{learner}/lab")
    wait_for(driver, "document.querySelectorAll('.lm-MenuBar-item').length > 3", timeout=90)
    assignment_list(driver)
    list_item(driver, "submitted", ASSIGNMENT).find_element(By.XPATH, ".//button[text()='Fetch Feedback']").click()
    link = wait_for(driver, "Array.from(document.querySelectorAll('#submitted_assignments_list a'))"
                            ".find(a => a.innerText.includes('view feedback'))", timeout=120, message="no feedback to view")
    screenshot(driver, f"hub-09-{learner}-feedback-fetched")
    link.click()
    page = wait_for(driver, f"Array.from(document.querySelectorAll('.jp-DirListing-item')).find(i => i.innerText.includes('{ASSIGNMENT}.html'))",
                    timeout=60, message="the feedback folder was not shown")
    ActionChains(driver).double_click(page).perform()
    frame = wait_for(driver, "document.querySelector('.jp-HTMLViewer iframe')", timeout=60, message="the feedback page did not open")
    driver.switch_to.frame(frame)
    try:
        text = wait_for(driver, "document.body && document.body.innerText.includes('Score') && document.body.innerText", timeout=60)
    finally:
        driver.switch_to.default_content()
    screenshot(driver, f"hub-10-{learner}-reads-feedback")
    assert f"Score: {score}" in text.replace(".0", ""), text[:500]


def test_stopping_the_command_stops_everything_it_started(hub):
    running = hub.processes()
    kinds = [" ".join(process.cmdline()) for process in running]
    assert any("jupyterhub" in kind for kind in kinds) and any("configurable-http-proxy" in kind for kind in kinds)
    assert sum("jupyterhub.singleuser" in kind for kind in kinds) == 3
    for driver in hub.browsers.values():
        driver.quit()
    hub.browsers.clear()
    hub.command.send_signal(signal.SIGINT)
    assert hub.command.wait(120) == 0
    psutil.wait_procs(running, timeout=30)
    assert hub.processes() == [], [" ".join(process.cmdline()) for process in hub.processes()]
