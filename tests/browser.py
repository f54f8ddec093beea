"""JupyterLab in a real (headless) Chromium, for the UI tests.

`jupyter_lab` starts JupyterLab the way the README tells a learner (with the
configuration in learner-lab/) or an instructor to, on 127.0.0.1, a free port
and a token, in a folder of the caller's choosing; `chromium` drives Debian's
Chromium through its packaged chromedriver, started with the flags this closed
network needs. Waits poll the page's own signals
(the kernel's status, an output appearing), never fixed sleeps. Every UI test
saves its screenshots in tests/artifacts/ui/.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import learner_install
import pytest

CHROMIUM, CHROMEDRIVER = Path("/usr/bin/chromium"), Path("/usr/bin/chromedriver")
ARTIFACTS = Path(__file__).resolve().parent / "artifacts" / "ui"
LEARNER_LAB = Path(__file__).resolve().parents[1] / "learner-lab"  # the README's learner command: JUPYTER_CONFIG_PATH=...
INSTALL = "apt-get install chromium chromium-driver (see the README)"


def require_chromium() -> None:
    """Skip the calling test, with the install step to take, when Chromium or its driver is missing."""
    missing = [str(path) for path in (CHROMIUM, CHROMEDRIVER) if not path.exists()]
    if missing:
        pytest.skip(f"{' and '.join(missing)} not found: {INSTALL}")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def jupyter_lab(root: Path, learner: bool = False, python: Path | None = None):
    """A JupyterLab server on `root`, a learner's (no instructor tools) or an instructor's; yields its base URL and token.

    `python` is the installation's to run it with (the learner's install: see tests/learner_install.py); by default the tests' own.
    """
    python = Path(python or sys.executable)
    port, token = free_port(), "ui-test-token"
    settings = Path(tempfile.mkdtemp(prefix="lab-settings-"))
    news = settings / "@jupyterlab" / "apputils-extension" / "notification.jupyterlab-settings"
    news.parent.mkdir(parents=True)
    news.write_text('{"fetchNews": "false", "checkForUpdates": false}')  # no pop-up over the screenshots
    tracker = settings / "@jupyterlab" / "notebook-extension" / "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')  # render every cell, so that what a cell shows can be read
    command = [
        str(python), "-m", "jupyterlab", "--no-browser", "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={port}",
        f"--IdentityProvider.token={token}", f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
    ]
    if os.geteuid() == 0:
        command.append("--allow-root")
    environment = {**os.environ, "PATH": f"{python.parent}{os.pathsep}{os.environ['PATH']}"} if python == Path(sys.executable) else learner_install.environment(python)
    environment["JUPYTERLAB_SETTINGS_DIR"] = str(settings)
    if learner:
        environment["JUPYTER_CONFIG_PATH"] = str(LEARNER_LAB)
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    log = open(ARTIFACTS.parent / f"jupyterlab-{port}.log", "w")
    server = subprocess.Popen(command, cwd=root, stdout=log, stderr=subprocess.STDOUT, env=environment)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 90
        while True:
            if server.poll() is not None:
                raise RuntimeError(f"JupyterLab stopped at start; see {log.name}")
            try:
                urllib.request.urlopen(f"{url}/api/status?token={token}", timeout=2)
                break
            except OSError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=20)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(settings, ignore_errors=True)


@contextmanager
def chromium():
    """A headless Chromium driven by Selenium through Debian's chromedriver."""
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    profile = tempfile.mkdtemp(prefix="chromium-")
    options = webdriver.ChromeOptions()
    options.binary_location = str(CHROMIUM)
    for flag in (
        "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync",
        f"--user-data-dir={profile}", "--window-size=1400,1000",
    ):
        options.add_argument(flag)
    driver = webdriver.Chrome(service=Service(str(CHROMEDRIVER)), options=options)
    try:
        yield driver
    finally:
        driver.quit()
        shutil.rmtree(profile, ignore_errors=True)


def wait_for(driver, script: str, timeout: float = 60, message: str = "", explain: str = "") -> object:
    """Poll a JavaScript expression in the page until it is truthy; its value.

    On time-out, the error gives `message` (or the script) and what the expression `explain` says of the page then.
    """
    from selenium.common.exceptions import JavascriptException

    deadline = time.monotonic() + timeout
    while True:
        try:
            value, failure = driver.execute_script(f"return ({script});"), ""
        except JavascriptException as error:  # what it reads is not there yet (a page still loading)
            value, failure = None, f" (last: {error.msg})"
        if value:
            return value
        if time.monotonic() > deadline:
            found = f" ({driver.execute_script(f'return ({explain});')})" if explain else failure
            raise TimeoutError((message or f"the page never satisfied: {script}") + found)
        time.sleep(0.2)


def nbgrader_menu(driver) -> list[str]:
    """The entries JupyterLab's Nbgrader menu shows, read from the menu opened with a click (and closed again)."""
    from selenium.common.exceptions import WebDriverException
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.by import By
    from selenium.webdriver.common.keys import Keys

    next(item for item in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item") if item.text == "Nbgrader").click()
    entries = wait_for(
        driver,
        "(() => { const shown = Array.from(document.querySelectorAll('.lm-Menu .lm-Menu-item'))"
        ".filter(item => getComputedStyle(item).display !== 'none').map(item => item.innerText.trim());"
        " return shown.length && shown; })()",
        timeout=10, message="the Nbgrader menu did not open",
    )
    deadline = time.monotonic() + 30
    while menus := driver.find_elements(By.CSS_SELECTOR, ".lm-Menu"):  # a busy page may drop a key: press again
        if time.monotonic() > deadline:
            raise TimeoutError("the Nbgrader menu did not close")
        try:  # to the menu itself: a page that moved the focus elsewhere sends the page's Escape nowhere near it
            menus[0].send_keys(Keys.ESCAPE)
        except WebDriverException:  # it closed (or was redrawn) meanwhile
            ActionChains(driver).send_keys(Keys.ESCAPE).perform()
        time.sleep(0.5)
    return entries


def right_sidebar_tabs(driver) -> list[str]:
    """The tabs of JupyterLab's right sidebar, by their label or, for an icon, its tooltip."""
    return driver.execute_script(
        "return Array.from(document.querySelectorAll('.jp-SideBar.jp-mod-right .lm-TabBar-tab'))"
        ".map(tab => tab.innerText.trim() || tab.getAttribute('title'));"
    )


def screenshot(driver, name: str) -> Path:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS / f"{name}.png"
    driver.save_screenshot(str(path))
    return path


PROXY_INSTALL = "npm ci (see the README)"


def require_hub_tools() -> None:
    """Skip the calling test, naming the install step, when Chromium, its driver or JupyterHub's proxy is missing."""
    require_chromium()
    from autograder.instructor.hub.running import HubError, find_proxy

    try:
        find_proxy()
    except HubError:
        pytest.skip(f"configurable-http-proxy not found: {PROXY_INSTALL}")


def hub_login(driver, url: str, account: str, password: str) -> None:
    """Log in on the hub's own page and wait until the account's JupyterLab has started and shows its menus."""
    from selenium.webdriver.common.by import By

    driver.get(f"{url}/hub/login")
    driver.find_element(By.ID, "username_input").send_keys(account)
    driver.find_element(By.ID, "password_input").send_keys(password)
    driver.find_element(By.ID, "login_submit").click()
    wait_for(driver, "document.querySelectorAll('.lm-MenuBar-item').length > 3 && !document.querySelector('#jupyterlab-splash')",
             timeout=180, message=f"{account}'s JupyterLab did not start")


def open_from_menu(driver, menu: str, entry: str) -> None:
    """Click a menu of JupyterLab's menu bar, then one of its entries."""
    from selenium.webdriver.common.by import By

    next(item for item in driver.find_elements(By.CSS_SELECTOR, ".lm-MenuBar-item") if item.text == menu).click()
    wait_for(driver, "document.querySelector('.lm-Menu .lm-Menu-item')", timeout=10, message=f"the {menu} menu did not open")
    next(item for item in driver.find_elements(By.CSS_SELECTOR, ".lm-Menu .lm-Menu-item") if item.text.strip() == entry).click()
