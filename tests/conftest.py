"""Shared pytest hooks and fixtures: the tests' grading secret, the learner's install (built once a run), and a UI
test that fails leaves a screenshot of the page it failed on."""

import os

import learner_install
import pytest

from autograder.instructor import secret

# Every grader the tests start, and every kernel under them, draws hidden cases from this secret, unless a
# course directory has a secret file of its own. Tests that need no secret remove it.
os.environ[secret.VARIABLE] = "the tests' grading secret"


@pytest.fixture(scope="session")
def learner_python(tmp_path_factory):
    """The Python of a fresh venv holding the learner's install (pip install ./learner-lab), shared by the whole run."""
    return learner_install.build(tmp_path_factory.mktemp("learner-venv"))


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call" and report.failed:
        for value in item.funcargs.values():
            if hasattr(value, "save_screenshot"):
                from browser import screenshot

                path = screenshot(value, f"FAILED-{item.name}")
                report.sections.append(("screenshot", f"saved {path}"))
