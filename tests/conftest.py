"""Shared pytest hooks and fixtures: a UI test that fails leaves a screenshot of the page it failed on; the grading
runs several modules read are made once a session (tests/readme_run.py, tests/reference_class.py); and what
pytest-xdist runs together."""

import pytest

from readme_run import readme_clone, readme_commands  # noqa: F401 (session fixtures)
from reference_class import reference_class  # noqa: F401 (a session fixture)

SHARED_RUNS = {"reference_class": "the reference class", "readme_commands": "the README's clone"}


def pytest_collection_modifyitems(items):
    """Tell pytest-xdist (--dist loadgroup) what must run in one worker: a file's tests (a notebook's cells share a
    kernel, a module's fixtures its courses), and every file whose tests read one of the session's shared grading
    runs, so that each is made once."""
    groups = {}
    for item in items:
        for fixture, group in SHARED_RUNS.items():
            if fixture in getattr(item, "fixturenames", ()):
                groups[item.path] = group
    for item in items:
        item.add_marker(pytest.mark.xdist_group(groups.get(item.path, str(item.path))))


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
