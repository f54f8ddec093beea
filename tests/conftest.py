"""Shared pytest hooks: a UI test that fails leaves a screenshot of the page it failed on."""

import pytest


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
