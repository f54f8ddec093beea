"""A busy machine changes no grade: a class graded while every core is kept busy scores exactly as on an idle machine.

The same class of notebook 01 (right, wrong, partly done, an endless loop and
a sleep that the 5 s cell limit stops, an answer that raises, and a right
answer whose cell computes for half the time limit) is graded twice, in two
copies of one course: once alone, once while CPU-bound processes (two per
core) keep every core busy. Time limits count the time a kernel had, not the
time it waited for a CPU, so every score, every reason and every feedback
page is the same; on a wall clock, the slow right answer would time out.
"""

import os
import shutil
import subprocess
import sys
import time

import pytest

from autograder.instructor.fabricate import Learner, broken_code, first_done, one_wrong, set_up_course, solved, submit, untouched
from grading import grade, summary

ASSIGNMENT = "01_single_neuron"
CLASS = [
    Learner("ada", "correct", "everything right", solved),
    Learner("bea", "wrong", "nothing done", untouched),
    Learner("cy", "wrong", "flatten_images returns None", one_wrong(1)),
    Learner("dee", "partial", "only linear_unit done", first_done(1)),
    Learner("loops", "broken", "an endless loop in flatten_images", broken_code(1, "while True:\n    pass")),
    Learner("sleeps", "broken", "a long sleep in to_torch_linear", broken_code(2, "import time\ntime.sleep(10**6)")),
    Learner("raises", "broken", "linear_unit raises", one_wrong(0, "raise ValueError('stuck')")),
    Learner("eve", "correct", "everything right", solved),
]


def computing_for(seconds: float) -> str:
    """Code that keeps one core busy for about `seconds` on this machine when it is idle."""
    started = time.process_time()
    sum(i * i for i in range(10**6))
    rate = 10**6 / (time.process_time() - started)
    return f"_ = sum(i * i for i in range({int(rate * seconds)}))"


def slow_but_right():
    return Learner("slow", "correct", "right, after 2.5 s of computing", broken_code(1, computing_for(2.5)))


def graded_class(root):
    finished = grade(root, ASSIGNMENT, "--workers=2", "--timeout=5")
    assert finished.returncode == 0, finished.stdout[-2000:] + finished.stderr[-2000:]
    return summary(finished.stdout)


@pytest.fixture(scope="module")
def both(tmp_path_factory):
    idle = tmp_path_factory.mktemp("idle")
    materials = set_up_course(idle, ASSIGNMENT)
    for learner in CLASS + [slow_but_right()]:
        submit(idle, materials, learner)
    busy = tmp_path_factory.mktemp("busy")
    shutil.copytree(idle, busy, dirs_exist_ok=True)
    alone = graded_class(idle)
    hogs = [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(2 * (os.cpu_count() or 1))]
    try:
        loaded = graded_class(busy)
    finally:
        for hog in hogs:
            hog.kill()
            hog.wait()
    return {"idle": idle, "busy": busy, "alone": alone, "loaded": loaded}


def test_every_score_and_reason_is_the_same_on_a_busy_machine(both):
    assert both["loaded"] == both["alone"]
    assert both["alone"]["loops"]["score"] == "4 / 5" and "stopped after 5 s" in both["alone"]["loops"]["notes"]
    assert both["alone"]["slow"] == {"score": "5 / 5", "status": "graded", "notes": ""}


def test_every_learner_has_a_feedback_page_on_a_busy_machine(both):
    for learner in CLASS + [slow_but_right()]:
        assert (both["busy"] / "feedback" / learner.name / ASSIGNMENT / f"{ASSIGNMENT}.html").exists(), learner.name
