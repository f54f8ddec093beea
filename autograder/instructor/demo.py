"""The instructor's first five minutes: grade a made-up class, and see what grading leaves behind.

    python -m autograder.instructor.demo [--assignment 01_single_neuron] [--directory demo-course]

Makes an nbgrader course directory (default: ./demo-course, replaced if it was
made by an earlier demo), releases the assignment in it, fabricates a class of
learners (right, partly done, wrong, and one of each kind of trouble: a
broken file, an empty folder, a kernel that exits, an endless loop, a check
switched off, the reference called, a deleted test cell, a renamed notebook),
grades it with `python -m autograder.instructor.grade` and says where to look.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

from autograder.instructor.fabricate import demo_class, register, set_up_course, submit

MADE_BY_DEMO = ".made-by-autograder-demo"
DEMO_TIMEOUT = 10  # seconds a cell may run: the course's cells need one or two


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m autograder.instructor.demo", description=__doc__.splitlines()[0])
    parser.add_argument("--assignment", default="01_single_neuron")
    parser.add_argument("--directory", type=Path, default=Path("demo-course"))
    arguments = parser.parse_args(argv)
    root = arguments.directory.resolve()
    if root.exists():
        if not (root / MADE_BY_DEMO).exists():
            sys.exit(f"{root} exists and was not made by the demo; choose another --directory.")
        shutil.rmtree(root)
    print(f"Setting up a course in {root} and releasing {arguments.assignment}...", flush=True)
    materials = set_up_course(root, arguments.assignment)
    (root / MADE_BY_DEMO).touch()
    learners = demo_class()
    register(root, learners)
    for learner in learners:
        submit(root, materials, learner)
    print(f"Fabricated {len(learners)} submissions:")
    for learner in learners:
        print(f"  {learner.name:<10} {learner.kind:<8} {learner.description}")
    print(f"Grading them. A cell may run for {DEMO_TIMEOUT} s in this demo (the course's own cells need a second or two),")
    print(f"so ken's endless loop is stopped after {DEMO_TIMEOUT} s:", flush=True)
    command = [sys.executable, "-m", "autograder.instructor.grade", arguments.assignment, f"--timeout={DEMO_TIMEOUT}"]
    finished = subprocess.run(command, cwd=root)
    print(f"\nOpen the reports in {root / 'reports' / arguments.assignment}, a learner's feedback such as")
    print(f"{root / 'feedback' / 'barbara' / arguments.assignment / (arguments.assignment + '.html')},")
    lab = "jupyter lab --allow-root" if os.geteuid() == 0 else "jupyter lab"
    print(f"or the gradebook in nbgrader's Formgrader: cd {root} && {lab}  (then Nbgrader > Formgrader).")
    sys.exit(finished.returncode)


if __name__ == "__main__":
    main()
