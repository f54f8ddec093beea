"""Shared pytest hooks and fixtures: the tests' grading secret; the learner's install (built once a run); the
grading runs several modules read, made once a session (tests/readme_run.py, tests/reference_class.py); what
pytest-xdist runs together; and a UI test that fails leaves a screenshot of the page it failed on."""

import os

import learner_install
import pytest

from autograder.instructor import secret
from readme_run import readme_clone, readme_commands  # noqa: F401 (session fixtures)
from reference_class import reference_class  # noqa: F401 (a session fixture)

# Every grader the tests start, and every kernel under them, draws hidden cases from this secret, unless a
# course directory has a secret file of its own. Tests that need no secret remove it.
os.environ[secret.VARIABLE] = "the tests' grading secret"


@pytest.fixture(scope="session")
def learner_python(tmp_path_factory):
    """The Python of a fresh venv holding the learner's install (pip install ./learner-lab), shared by the whole run."""
    return learner_install.build(tmp_path_factory.mktemp("learner-venv"))


SHARED_RUNS = {"reference_class": "reference-class", "readme_commands": "readme-clone", "learner_python": "learner-install"}  # fixture -> group

# The groups that take minutes (pytest --durations=0), longest first: they start first, one on each process, and the many
# short ones fill in behind them (pytest-xdist's own order, by number of tests, left the longest for the end).
LONGEST_FIRST = ("learner-install", "reference-class", "test_nbgrader_round_trip", "test_accessibility", "readme-clone")
RANK = pytest.StashKey[int]()  # an item's place in that order


@pytest.hookimpl(tryfirst=True)  # before pytest-xdist reads the groups
def pytest_collection_modifyitems(items):
    """Tell pytest-xdist (--dist loadgroup) what must run in one worker: a file's tests (a notebook's cells share a
    kernel, a module's fixtures its courses), and every file whose tests read one of the session's shared grading
    runs or the learner's install, so that each is made once; the longest groups first (`--no-loadscope-reorder`)."""
    groups = {}
    for item in items:
        for fixture, group in SHARED_RUNS.items():
            if fixture in getattr(item, "fixturenames", ()):
                groups[item.path] = group
    rank = {group: place for place, group in enumerate(LONGEST_FIRST)}
    for item in items:
        group = groups.get(item.path, item.path.stem)
        item.add_marker(pytest.mark.xdist_group(group))  # shown after "@" in test ids
        item.stash[RANK] = rank.get(group, len(LONGEST_FIRST))
    items.sort(key=lambda item: item.stash[RANK])


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
