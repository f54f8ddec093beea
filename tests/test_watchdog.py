"""The watchdog's look after each cell does not wait for its polling thread.

A submission's processes started in a cell are counted when the cell ends,
however late the polling thread is (on a busy machine it may not look at all
before a short notebook ends): `Watchdog.check` looks at once, ends the whole
tree at a limit passed and gives the reason. Here the polling thread waits an
hour between looks, so only `check` can see the children.
"""

import subprocess
import sys
import time
from pathlib import Path

from autograder.instructor import containment
from autograder.instructor.watchdog import Limits, Watchdog

FORKS_AND_WAITS = """
import os, sys, time
for _ in range(8):
    if os.fork() == 0:
        time.sleep(600)
        os._exit(0)
print("forked", flush=True)
time.sleep(600)
"""


def running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except FileNotFoundError:
        return False


def test_a_look_after_a_cell_ends_a_submission_past_its_process_limit(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", FORKS_AND_WAITS], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline() == "forked\n"
        watchdog = Watchdog(parent.pid, [str(tmp_path)], Limits(processes=5), isolated=False, interval=3600)
        watchdog.start()
        time.sleep(0.5)
        assert watchdog.breach is None, "the polling thread looked: this test would prove nothing"
        submission = containment.tree(parent.pid)
        assert len(submission) == 9
        assert watchdog.check() == "it ran 9 processes and threads at once (the limit is 5)"
        assert parent.wait(timeout=30) == -9
        deadline = time.monotonic() + 30
        while (left := [pid for pid in submission[1:] if running(pid)]) and time.monotonic() < deadline:
            time.sleep(0.1)
        assert not left
        watchdog.stop()
    finally:
        containment.end(parent.pid, isolated=False)
        parent.wait()


def test_a_look_after_a_cell_within_the_limits_changes_nothing(tmp_path):
    parent = subprocess.Popen([sys.executable, "-c", "import time; print('up', flush=True); time.sleep(600)"], stdout=subprocess.PIPE, text=True)
    try:
        assert parent.stdout.readline() == "up\n"
        watchdog = Watchdog(parent.pid, [str(tmp_path)], Limits(processes=5), isolated=False, interval=3600)
        watchdog.start()
        assert watchdog.check() is None
        assert parent.poll() is None
        watchdog.stop()
    finally:
        parent.kill()
        parent.wait()
