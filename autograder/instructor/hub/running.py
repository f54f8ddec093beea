"""Start the class's JupyterHub, wait until it answers, and stop it with every process it started.

The command that runs the hub becomes a child subreaper: a process the hub
started that outlives its parent (a server, a kernel, the proxy) is handed to
it rather than to init, so that when the hub has stopped, whatever is left is
found among its own children and stopped too.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from contextlib import contextmanager
from pathlib import Path

import psutil

from autograder.instructor.hub.classroom import ClassSettings
from autograder.instructor.release import REPOSITORY

CONFIG = Path(__file__).resolve().parent / "jupyterhub_config.py"
PROXY_INSTALL = "run `npm ci` in the repository (Node.js 20 or later; see the README)"
PR_SET_CHILD_SUBREAPER = 36


class HubError(RuntimeError):
    """The hub could not be started; the message says why and where its log is."""


def find_proxy() -> Path:
    """configurable-http-proxy: the repository's (npm ci), or one on the PATH; HubError naming the install step if none."""
    local = REPOSITORY / "node_modules" / ".bin" / "configurable-http-proxy"
    found = local if local.exists() else shutil.which("configurable-http-proxy")
    if not found:
        raise HubError(f"configurable-http-proxy not found: {PROXY_INSTALL}")
    return Path(found)


def free_port(ip: str = "127.0.0.1") -> int:
    with socket.socket() as probe:
        probe.bind((ip, 0))
        return probe.getsockname()[1]


@contextmanager
def running_hub(settings: ClassSettings, start_timeout: float = 120, stop_timeout: float = 60):
    """The class's hub, answering at settings.url; on leaving, it and everything it started are stopped.

    Yields the hub's process (a `subprocess.Popen`); its log is hub/jupyterhub.log in the class directory.
    """
    settings.proxy = str(find_proxy())
    settings.hub_port, settings.proxy_api_port = free_port(), free_port()
    settings.save()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0)
    log_path = settings.state / "jupyterhub.log"
    environment = {
        **os.environ,
        "AUTOGRADER_HUB_CLASS": settings.directory,
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", os.defpath)]),
    }
    with open(log_path, "a") as log:
        hub = subprocess.Popen(
            [sys.executable, "-m", "jupyterhub", "-f", str(CONFIG)],
            cwd=settings.state, env=environment, stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
        )
    try:
        _wait_until_answering(hub, settings, log_path, start_timeout)
        yield hub
    finally:
        stop(hub, stop_timeout)


def _wait_until_answering(hub: subprocess.Popen, settings: ClassSettings, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while True:
        if hub.poll() is not None:
            raise HubError(f"JupyterHub stopped while starting (exit {hub.returncode}); see {log_path}")
        try:
            urllib.request.urlopen(f"{settings.url}/hub/api/", timeout=5)
            return
        except OSError:
            if time.monotonic() > deadline:
                raise HubError(f"JupyterHub did not answer at {settings.url} within {timeout:.0f} s; see {log_path}") from None
            time.sleep(0.25)


def stop(hub: subprocess.Popen, timeout: float = 60) -> list[int]:
    """Stop the hub as Ctrl-C would (it stops its servers and proxy), then anything of it left; the pids that had to be killed."""
    if hub.poll() is None:
        hub.send_signal(signal.SIGTERM)
        try:
            hub.wait(timeout)
        except subprocess.TimeoutExpired:
            hub.kill()
            hub.wait()
    leftovers = [child for child in psutil.Process().children(recursive=True) if _started_by_hub(child)]
    for process in leftovers:
        _quietly(process.terminate)
    _, alive = psutil.wait_procs(leftovers, timeout=10)
    for process in alive:
        _quietly(process.kill)
    psutil.wait_procs(alive, timeout=10)
    return [process.pid for process in leftovers]


def _started_by_hub(process: psutil.Process) -> bool:
    """Every process of the class (hub, proxy, servers, kernels) carries the class directory in its environment."""
    try:
        return "AUTOGRADER_HUB_CLASS" in process.environ()
    except psutil.Error:
        return False


def _quietly(action) -> None:
    try:
        action()
    except psutil.NoSuchProcess:
        pass
