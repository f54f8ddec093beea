"""Real servers for the tests, started on loopback in temporary folders and stopped afterwards.

- `postgresql()`: a PostgreSQL server (Debian's postgresql package) with an
  empty database for a gradebook; it refuses to run as root, so when the
  tests run as root it runs as the unprivileged user `nobody`.
- `dask_scheduler()` and `dask_worker()`: Dask's own `dask scheduler` and
  `dask worker` commands, each a process of its own in a folder of its own, as
  they would run on separate machines.

Without PostgreSQL the tests that need it are skipped with a one-line reason
naming the install step.
"""

from __future__ import annotations

import contextlib
import glob
import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pytest

NOBODY = 65534
DASK = str(Path(sys.executable).parent / "dask")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextlib.contextmanager
def postgresql():
    """A PostgreSQL server on 127.0.0.1 with a database `gradebook`; yields its SQLAlchemy URL."""
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not binaries:
        pytest.skip("PostgreSQL not found: apt-get install postgresql (see the README)")
    import psycopg

    bin_dir = Path(binaries[-1]).parent
    home = Path(tempfile.mkdtemp(prefix="postgresql-"))
    as_user = {"user": NOBODY, "group": NOBODY} if os.geteuid() == 0 else {}
    if as_user:
        os.chown(home, NOBODY, NOBODY)
    data, port = home / "data", free_port()
    subprocess.run([bin_dir / "initdb", "-D", data, "-U", "grader", "-A", "trust", "--no-sync"],
                   check=True, capture_output=True, cwd=home, **as_user)
    log = open(home / "server.log", "w")
    server = subprocess.Popen(
        [bin_dir / "postgres", "-D", data, "-h", "127.0.0.1", "-p", str(port), "-k", home, "-F"],
        stdout=log, stderr=subprocess.STDOUT, cwd=home, **as_user,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                connection = psycopg.connect(host="127.0.0.1", port=port, user="grader", dbname="postgres", autocommit=True)
                break
            except psycopg.OperationalError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"PostgreSQL did not start; see {home / 'server.log'}") from None
                time.sleep(0.2)
        connection.cursor().execute("CREATE DATABASE gradebook")
        connection.close()
        yield f"postgresql://grader@127.0.0.1:{port}/gradebook"
    finally:
        server.send_signal(signal.SIGINT)  # a fast shutdown
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
        log.close()
        shutil.rmtree(home, ignore_errors=True)


class DaskProcess:
    """A `dask scheduler` or `dask worker` command running in a folder of its own."""

    def __init__(self, arguments: list[str], folder: Path):
        folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder
        self.log = open(folder / "output.log", "w")
        self.process = subprocess.Popen([DASK, *arguments], cwd=folder, stdout=self.log, stderr=subprocess.STDOUT,
                                        start_new_session=True, env={**os.environ, "TMPDIR": str(folder)})

    def kill(self) -> None:
        """SIGKILL the command and every process it started."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait()

    def stop(self) -> None:
        if self.process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.process.pid, signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.kill()
        self.log.close()


def dask_scheduler(folder: Path) -> tuple[DaskProcess, str]:
    """A scheduler on 127.0.0.1; the process and its address."""
    information = folder / "scheduler.json"
    scheduler = DaskProcess(["scheduler", "--host", "127.0.0.1", "--port", "0", "--no-dashboard", "--scheduler-file", str(information)], folder)
    deadline = time.monotonic() + 60
    while not information.exists() or not information.read_text().strip():
        if scheduler.process.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the Dask scheduler did not start; see {folder / 'output.log'}")
        time.sleep(0.1)
    return scheduler, json.loads(information.read_text())["address"]


def dask_worker(address: str, name: str, folder: Path) -> DaskProcess:
    """A worker process (under its nanny) of one thread, connected to the scheduler at `address`."""
    return DaskProcess(["worker", address, "--name", name, "--nworkers", "1", "--nthreads", "1",
                        "--local-directory", str(folder / "dask"), "--no-dashboard"], folder)


def wait_for_workers(address: str, count: int, timeout: float = 120) -> None:
    from distributed import Client

    with Client(address, timeout="30s") as client:
        client.wait_for_workers(count, timeout=timeout)
