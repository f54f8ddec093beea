"""Faults of the grader itself, made on purpose, so that tests can prove the grader survives them.

Grading must never turn its own trouble (a kernel that does not start, a lost
worker, a locked gradebook) into a learner's grade. To prove it, a test writes
a plan (JSON) naming, for each point where the grader can fail, the faults to
make there, in order, and sets AUTOGRADER_FAULT_PLAN to its path:

    {"kernel_start": ["fail", "hang"], "worker": ["die"], "gradebook": ["locked"]}

Each time grading passes a point, `take` removes and returns the next fault
planned for it (all processes share the plan, under a file lock), or None.
A word that names no fault there ("pass") lets that passage go by, so a plan
can aim at the second or third time a point is passed. Without
AUTOGRADER_FAULT_PLAN nothing is ever injected.
"""

from __future__ import annotations

import fcntl
import json
import os

PLAN = "AUTOGRADER_FAULT_PLAN"


def take(point: str) -> str | None:
    """The next fault planned for `point`, taken off the plan; None when there is none (always, outside tests)."""
    path = os.environ.get(PLAN)
    if not path:
        return None
    with open(path, "r+") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        plan = json.load(file)
        planned = plan.get(point, [])
        if not planned:
            return None
        fault = planned.pop(0)
        file.seek(0)
        file.truncate()
        json.dump(plan, file)
        return fault
