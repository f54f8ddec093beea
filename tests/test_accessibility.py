"""The course in JupyterLab, for a learner using a screen reader or the keyboard alone, tested in headless Chromium.

An automated audit (axe-core, from npm by `npm ci`, injected into the page;
nothing is downloaded at run time) of every released notebook rendered in the
learner's JupyterLab, of the figures the course draws (notebook 01 run in the
page), of the progress view and of a feedback page. A violation counts as the
course's when it lies in what the course wrote (rendered Markdown, a cell's
output, the feedback page); the serious and critical ones of the course fail the test, and everything found,
JupyterLab's own included, is written to tests/artifacts/ui/axe-<page>.json.
Then the learner's loop (edit an answer, run its check, read its message and
the progress view) with the keyboard alone: no click, and the page is only
read, never changed, by script.
"""

from __future__ import annotations

import json
import shutil

import pytest
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.common.keys import Keys

from autograder.instructor import feedback_pages
from autograder.instructor.fabricate import Learner, one_wrong, register, set_up_course, submit
from autograder.instructor.nbgrader_cli import run_nbgrader
from autograder.instructor.release import REPOSITORY
from browser import ARTIFACTS, chromium, jupyter_lab, require_chromium, screenshot, wait_for
from course import ASSIGNMENTS
from grading import grade

AXE = REPOSITORY / "node_modules" / "axe-core" / "axe.min.js"
PANEL = "window.jupyterapp.shell.currentWidget"
SERIOUS = {"serious", "critical"}
COURSE_CONTENT = ".jp-MarkdownOutput, .jp-OutputArea-output"  # what the course wrote, as JupyterLab renders it
RUN_AXE = f"""
const done = arguments[arguments.length - 1];
axe.run(document, {{resultTypes: ['violations']}}).then(results => done(results.violations.map(v => ({{
  id: v.id, impact: v.impact, help: v.help,
  nodes: v.nodes.map(n => ({{target: n.target.join(' '), html: n.html.slice(0, 200),
    content: (() => {{ const e = document.querySelector(n.target[0]); return !!(e && e.closest(CONTENT)); }})()}}))
}})))).catch(error => done(String(error)));
"""


def require_axe() -> None:
    require_chromium()
    if not AXE.exists():
        pytest.skip(f"{AXE.relative_to(REPOSITORY)} not found: npm ci (see the README)")


def audit(driver, page: str, whole_page_is_content: bool = False) -> list[dict]:
    """Run axe-core on the page; save every violation in tests/artifacts/ui/axe-<page>.json; the course's serious ones."""
    driver.execute_script(AXE.read_text())
    driver.set_script_timeout(180)
    content = "html" if whole_page_is_content else COURSE_CONTENT
    violations = driver.execute_async_script(f"const CONTENT = {json.dumps(content)};" + RUN_AXE)
    assert isinstance(violations, list), violations
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"axe-{page}.json").write_text(json.dumps(violations, indent=2))
    return [
        f"{violation['id']} ({violation['impact']}): {violation['help']} at {node['target']}: {node['html']}"
        for violation in violations if violation["impact"] in SERIOUS
        for node in violation["nodes"] if node["content"]
    ]


@pytest.fixture(scope="module")
def lab(tmp_path_factory):
    """The learner's JupyterLab on a copy of course/, and of notebook 01's solution, to draw its figures."""
    require_axe()
    root = tmp_path_factory.mktemp("accessible")
    shutil.copytree(REPOSITORY / "course", root / "course")
    shutil.copytree(REPOSITORY / "solutions" / ASSIGNMENTS[0], root / "with-figures")
    with jupyter_lab(root, learner=True) as (url, token), chromium() as driver:
        yield driver, url, token


def open_notebook(driver, url: str, token: str, path: str) -> None:
    driver.get(f"{url}/lab/tree/{path}?reset&token={token}")  # reset: not every notebook opened before, restored
    wait_for(driver, f"{PANEL} && {PANEL}.content && {PANEL}.content.widgets.length > 10 && {PANEL}.context.isReady", timeout=120)
    idle(driver)
    wait_for(driver, "document.querySelectorAll('.jp-MarkdownOutput').length > 3", timeout=60, message="the Markdown was not rendered")


def idle(driver) -> None:
    wait_for(driver, f"{PANEL}.sessionContext.isReady && {PANEL}.sessionContext.session.kernel.status === 'idle'", timeout=120)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_a_released_notebook_has_no_serious_violation_of_its_own(lab, assignment):
    driver, url, token = lab
    open_notebook(driver, url, token, f"course/{assignment}/{assignment}.ipynb")
    found = audit(driver, assignment)
    screenshot(driver, f"a11y-{assignment}")
    assert not found, "\n".join(found)


def test_the_figures_the_course_draws_have_text_alternatives_on_the_page(lab):
    """Notebook 01's figures, drawn afresh in its kernel: each <img> JupyterLab renders has the figure's description."""
    driver, url, token = lab
    open_notebook(driver, url, token, f"with-figures/{ASSIGNMENTS[0]}.ipynb")
    driver.execute_script("const commands = window.jupyterapp.commands;"
                          "commands.execute('notebook:clear-all-cell-outputs').then(() => commands.execute('notebook:run-all-cells'));")
    figures = f"{PANEL}.node.querySelectorAll('.jp-OutputArea-output img')"
    drawn = f"Array.from({figures}).filter(image => image.alt && image.alt !== 'Image').length >= 3"  # "Image": JupyterLab's
    wait_for(driver, drawn, timeout=240, message="notebook 01 drew fewer than its three figures with a description",
             explain=f"""(() => {{
               const cells = {PANEL}.content.widgets.filter(cell => cell.model.type === 'code');
               const errors = cells.flatMap(cell => Array.from({{length: cell.model.outputs.length}}, (_, i) => cell.model.outputs.get(i).toJSON()))
                 .filter(output => output.output_type === 'error').map(output => output.ename + ': ' + output.evalue);
               return `kernel ${{{PANEL}.sessionContext.kernelDisplayStatus}}, ${{cells.filter(cell => cell.model.executionCount).length}}`
                 + ` of ${{cells.length}} code cells run, images ${{JSON.stringify(Array.from({figures}, image => image.alt))}},`
                 + ` errors ${{JSON.stringify(errors)}}`;
             }})()""")
    idle(driver)
    found = audit(driver, "figures")
    screenshot(driver, "a11y-figures")
    assert not found, "\n".join(found)
    texts = driver.execute_script(f"return Array.from({figures}, image => image.alt);")
    assert len(texts) == 3 and all(text != "Image" for text in texts), texts  # descriptions, not JupyterLab's "Image"
    assert "A linear unit with one input" in texts[0] and "red square" in texts[2], texts


def test_the_progress_view_has_no_serious_violation(lab):
    driver, url, token = lab
    open_notebook(driver, url, token, f"course/{ASSIGNMENTS[0]}/{ASSIGNMENTS[0]}.ipynb")
    driver.execute_script(
        f"const nb = {PANEL}.content; nb.model.sharedModel.insertCell(nb.widgets.length, {{cell_type: 'code', source:"
        " 'from autograder.checks import single_neuron as check\\ncheck.progress()'}); nb.activeCellIndex = nb.widgets.length - 1;"
    )
    driver.execute_script("window.jupyterapp.commands.execute('notebook:run-cell');")
    wait_for(driver, f"{PANEL}.content.widgets[{PANEL}.content.widgets.length - 1].node.innerText.includes('points')", timeout=120)
    found = audit(driver, "progress")
    screenshot(driver, "a11y-progress")
    assert not found, "\n".join(found)


def test_a_feedback_page_has_no_serious_violation(tmp_path):
    """The grade command's feedback page, stock `nbgrader generate_feedback`'s on the same grades, and the page of a
    submission that could not be graded (autograder/instructor/feedback_pages.py)."""
    require_axe()
    root = tmp_path / "course"
    materials = set_up_course(root, ASSIGNMENTS[0])
    learner = Learner("ada", "wrong", "the first exercise returns None", one_wrong(0))
    register(root, [learner])
    submit(root, materials, learner)
    assert grade(root, ASSIGNMENTS[0]).returncode == 0
    written = root / "feedback" / "ada" / ASSIGNMENTS[0] / f"{ASSIGNMENTS[0]}.html"
    pages = {"feedback": tmp_path / "graded.html", "feedback-stock": tmp_path / "stock.html"}
    shutil.move(written, pages["feedback"])
    run_nbgrader("generate_feedback", ASSIGNMENTS[0], "--force", cwd=root, capture=True)
    shutil.move(written, pages["feedback-stock"])
    pages["feedback-unusable"] = feedback_pages.write_unusable(tmp_path, ASSIGNMENTS[0], ASSIGNMENTS[0], ["it is not a notebook"], 5)
    found = []
    with chromium() as driver:
        for name, page in pages.items():
            driver.get(page.as_uri())
            wait_for(driver, "document.readyState === 'complete' && document.body.innerText.toLowerCase().includes('score')", timeout=60)
            found += audit(driver, name, whole_page_is_content=True)
            screenshot(driver, f"a11y-{name}")
    assert not found, "\n".join(found)


# The keyboard alone: what is pressed goes to whatever has the focus, as a person's keys do.
def press(driver, *keys: str) -> None:
    ActionChains(driver).send_keys(*keys).perform()


def chord(driver, modifier: str, key: str) -> None:
    ActionChains(driver).key_down(modifier).send_keys(key).key_up(modifier).perform()


def active_cell_source(driver) -> str:
    return driver.execute_script(f"return {PANEL}.content.activeCell.model.sharedModel.getSource();")


def active_cell_output(driver) -> str:
    return driver.execute_script(f"const o = {PANEL}.content.activeCell.node.querySelector('.jp-OutputArea'); return o ? o.innerText : '';")


def run_down_to(driver, *contains: str) -> None:
    """Shift+Enter through the notebook, as a learner does, until the active cell's source contains each of `contains`."""
    for _ in range(driver.execute_script(f"return {PANEL}.content.widgets.length;")):
        if all(part in active_cell_source(driver) for part in contains):
            idle(driver)
            return
        chord(driver, Keys.SHIFT, Keys.ENTER)
    raise AssertionError(f"no cell below contains {contains!r}")


def run_and_read(driver, expected: str) -> str:
    """Shift+Enter on the active cell; the output of the cell it ran, once it contains `expected`."""
    index = driver.execute_script(f"return {PANEL}.content.activeCellIndex;")
    chord(driver, Keys.SHIFT, Keys.ENTER)
    return wait_for(driver, f"(() => {{ const o = {PANEL}.content.widgets[{index}].node.querySelector('.jp-OutputArea');"
                            f" return o && o.innerText.includes({expected!r}) && o.innerText; }})()", timeout=120,
                    message=f"the cell never showed {expected!r}")


def test_the_learners_loop_works_with_the_keyboard_alone(lab):
    driver, url, token = lab
    open_notebook(driver, url, token, f"course/{ASSIGNMENTS[0]}/{ASSIGNMENTS[0]}.ipynb")
    wait_for(driver, "document.activeElement && document.activeElement.closest('.jp-Notebook')", timeout=30,
             message="the notebook does not have the keyboard's focus when it opens")
    press(driver, Keys.ESCAPE)
    run_down_to(driver, "def linear_unit(", "raise NotImplementedError")
    press(driver, Keys.ENTER)
    chord(driver, Keys.CONTROL, "a")
    press(driver, "def linear_unit(X, w, b): return X @ w")
    chord(driver, Keys.SHIFT, Keys.ENTER)  # runs the answer cell; the check's cell below it is now the active one
    message = run_and_read(driver, "Hint:")
    screenshot(driver, "a11y-keyboard-check-fails")
    assert "✘ linear_unit" in message and "add b to every output" in message
    press(driver, Keys.UP, Keys.UP, Keys.ENTER)
    chord(driver, Keys.CONTROL, "a")
    press(driver, "def linear_unit(X, w, b): return X @ w + b")
    chord(driver, Keys.SHIFT, Keys.ENTER)
    assert run_and_read(driver, "✔").strip() == "✔ linear_unit: correct on all 10 cases."
    press(driver, Keys.ESCAPE, "b", Keys.ENTER, "check.progress()")
    progress = run_and_read(driver, "points")
    screenshot(driver, "a11y-keyboard-progress")
    assert "✔ passed" in progress and "· not attempted" in progress
