"""A submission's limits count every process it starts, and nothing of it outlives its grading.

One grading run of notebook 01 (2 workers, --memory=600, --disk=128,
--processes=64, --time-budget=20) over learners whose last answer cell starts
children that allocate 300 MB each (together past the limit), a bounded fork
bomb, a double-forked grandchild in a session of its own, many 16 MB files
(together past the disk limit) and cells that sleep past the notebook's time
budget; and one learner who answers everything right. Each hostile learner
keeps the points of the answers before the trouble; the right one is graded
normally; afterwards no process of theirs runs and nothing they wrote is on
disk.
"""

import os
import tempfile
from pathlib import Path

import pytest

from autograder.instructor.fabricate import Learner, broken_code, set_up_course, solved, submit
from autograder.instructor.notebooks import nbgrader_cells
from grading import grade, summary

ASSIGNMENT = "01_single_neuron"
FULL = 5.0  # linear_unit 2, flatten_images 1, to_torch_linear 2
MARKER = "6061.25"  # the grandchild runs `sleep 6061.25`, a command line nothing else has

CHILDREN_ALLOCATE = """
import os, time
for _ in range(6):
    if os.fork() == 0:
        block = bytearray(300 * 2**20)
        time.sleep(120)
        os._exit(0)
time.sleep(60)
"""

FORK_BOMB = """
import os, time
for _ in range(300):
    if os.fork() == 0:
        time.sleep(120)
        os._exit(0)
"""

ESCAPES = f"""
import os
if os.fork() == 0:
    os.setsid()
    if os.fork() == 0:
        os.execv("/bin/sleep", ["sleep", "{MARKER}"])
    os._exit(0)
"""

FILLS_DISK = """
for number in range(40):
    with open(f"filler{number}.bin", "wb") as file:
        file.write(b"x" * 16 * 2**20)
"""

def sleeps_in_two_answers(m):
    """Everything right, but the answers of flatten_images and to_torch_linear each sleep 12 s first."""
    notebook = broken_code(1, "import time\ntime.sleep(12)")(m)
    cell = nbgrader_cells(notebook, "solution")["to_torch_linear_answer"]
    cell.source = "import time\ntime.sleep(12)\n" + cell.source
    return notebook


CLASS = [
    Learner("ada", "correct", "everything right", solved),
    Learner("allocates", "broken", "children allocating 1.8 GB together", broken_code(2, CHILDREN_ALLOCATE)),
    Learner("forks", "broken", "a fork bomb of 300 processes", broken_code(2, FORK_BOMB)),
    Learner("escapes", "broken", "a grandchild in a session of its own", broken_code(2, ESCAPES)),
    Learner("fills", "broken", "40 files of 16 MB", broken_code(2, FILLS_DISK)),
    Learner("dawdles", "broken", "sleeps 12 s in two answers", sleeps_in_two_answers),
]


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    materials = set_up_course(root, ASSIGNMENT)
    for learner in CLASS:
        submit(root, materials, learner)
    finished = grade(root, ASSIGNMENT, "--workers=2", "--timeout=15", "--memory=600", "--disk=128", "--processes=64", "--time-budget=20")
    return {"root": root, "finished": finished, "rows": summary(finished.stdout)}


def test_grading_succeeds(graded):
    assert graded["finished"].returncode == 0, graded["finished"].stderr[-3000:]


def test_the_right_learner_is_graded_normally(graded):
    assert graded["rows"]["ada"] == {"score": "5 / 5", "status": "graded", "notes": ""}


@pytest.mark.parametrize(
    "student, reason",
    [
        ("allocates", "its processes allocated"),
        ("fills", "MB of files (the limit is 128 MB)"),
    ],
)
def test_a_limit_of_the_whole_submission_stops_it_and_keeps_its_earlier_answers(graded, student, reason):
    row = graded["rows"][student]
    assert row["score"] == "3 / 5", row
    assert reason in row["notes"] and "to_torch_linear" in row["notes"]


def test_a_fork_bomb_gets_no_further_than_the_process_limit(graded):
    row = graded["rows"]["forks"]
    assert row["score"] == "3 / 5", row
    assert "processes" in row["notes"] and "(the limit is 64" in row["notes"]


def test_the_time_budget_stops_a_notebook_that_sleeps_through_it(graded):
    row = graded["rows"]["dawdles"]
    assert row["score"] == "3 / 5", row
    assert "time budget of 20 s" in row["notes"]


def test_an_escaped_grandchild_is_ended_with_its_submission(graded):
    assert graded["rows"]["escapes"]["score"] == "5 / 5"
    running = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and MARKER in (entry / "cmdline").read_bytes().decode(errors="replace"):
                running.append(entry.name)
        except OSError:
            continue
    assert not running, f"processes of the submission still run: {running}"


def test_nothing_a_submission_wrote_is_left_on_disk(graded):
    root = graded["root"]
    for student in ("fills", "allocates", "ada"):
        assert sorted(path.name for path in (root / "autograded" / student / ASSIGNMENT).iterdir()) == [f"{ASSIGNMENT}.ipynb"]
        assert sorted(path.name for path in (root / "feedback" / student / ASSIGNMENT).iterdir()) == [f"{ASSIGNMENT}.html"]
    assert not list((root / "grading" / ASSIGNMENT / "staged").glob("*/*"))
    fillers = [path for path in Path(tempfile.gettempdir()).glob("autograder-worker-*/**/filler*.bin")]
    assert not fillers and not list(root.rglob("filler*.bin"))
    sizes = sum(path.stat().st_size for path in root.rglob("*") if path.is_file())
    assert sizes < 30 * 2**20, f"the course directory holds {sizes / 2**20:.0f} MB after grading"
    assert os.path.exists(root / "gradebook.db")
