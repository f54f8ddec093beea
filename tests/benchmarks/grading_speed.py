"""Stock sequential `nbgrader autograde` against the course's grade command, on the same class, in one run.

    python tests/benchmarks/grading_speed.py [--learners 40] [--workers 0]

Fabricates a class of notebook 01 (mostly right, some wrong, a few broken in
ways stock nbgrader also survives), copies it into two course directories, and
grades one with `nbgrader autograde` and the other with
`python -m autograder.instructor.grade` (which also writes feedback and
reports). Prints both wall-clock times, their ratio, the peak memory of each
(the proportional set size, PSS, of the whole process tree, so pages shared by
forked kernels count once) and whether every learner's score is identical.
"""

from __future__ import annotations

import argparse
import csv
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from autograder.instructor.fabricate import benchmark_class, set_up_course, submit  # noqa: E402
from autograder.instructor.nbgrader_cli import run_nbgrader  # noqa: E402

ASSIGNMENT = "01_single_neuron"


def descendants(pid: int) -> list[int]:
    children = {}
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
            children.setdefault(int(fields[1]), []).append(int(status.parent.name))
        except (OSError, IndexError, ValueError):
            continue
    found, pending = [], [pid]
    while pending:
        current = pending.pop()
        found.append(current)
        pending += children.get(current, [])
    return found


def tree_pss(pid: int) -> int:
    total = 0
    for process in descendants(pid):
        try:
            for line in Path(f"/proc/{process}/smaps_rollup").read_text().splitlines():
                if line.startswith("Pss:"):
                    total += int(line.split()[1]) * 1024
        except OSError:
            continue
    return total


def timed(command: list[str], cwd: Path) -> tuple[float, int]:
    """Run a command; its wall-clock seconds and the peak memory of its process tree."""
    started = time.perf_counter()
    process = subprocess.Popen(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    peak = 0

    def sample() -> None:
        nonlocal peak
        while process.poll() is None:
            peak = max(peak, tree_pss(process.pid))
            time.sleep(0.25)

    sampler = threading.Thread(target=sample)
    sampler.start()
    process.wait()
    sampler.join()
    return time.perf_counter() - started, peak


def scores(root: Path, csv_path: Path) -> dict[str, float]:
    with open(csv_path) as file:
        return {row["student_id"]: float(row["score"]) for row in csv.DictReader(file) if row["assignment"] == ASSIGNMENT}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=40)
    parser.add_argument("--workers", type=int, default=0)
    arguments = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        stock, ours = Path(folder) / "stock", Path(folder) / "ours"
        materials = set_up_course(stock, ASSIGNMENT)
        learners = benchmark_class(arguments.learners)
        for learner in learners:
            submit(stock, materials, learner)
        shutil.copytree(stock, ours)
        kinds = {kind: sum(learner.kind == kind for learner in learners) for kind in ("correct", "wrong", "broken")}
        print(f"{len(learners)} learners of {ASSIGNMENT}: {kinds}", flush=True)

        stock_seconds, stock_memory = timed([sys.executable, "-m", "nbgrader", "autograde", ASSIGNMENT], stock)
        run_nbgrader("export", "--to", "grades.csv", cwd=stock, capture=True)
        print(f"stock nbgrader autograde: {stock_seconds:7.1f} s, peak memory {stock_memory / 2**20:6.0f} MB", flush=True)

        command = [sys.executable, "-m", "autograder.instructor.grade", ASSIGNMENT, f"--workers={arguments.workers}"]
        our_seconds, our_memory = timed(command, ours)
        print(f"autograder grade:         {our_seconds:7.1f} s, peak memory {our_memory / 2**20:6.0f} MB "
              "(feedback and reports included)")

        stock_scores = scores(stock, stock / "grades.csv")
        our_scores = scores(ours, ours / "reports" / ASSIGNMENT / "grades.csv")
        differing = sorted(name for name in stock_scores if stock_scores[name] != our_scores.get(name))
        print(f"speed-up: {stock_seconds / our_seconds:.1f}x")
        print(f"identical scores: {'yes' if not differing and len(our_scores) == len(stock_scores) else 'no: ' + ', '.join(differing)}")


if __name__ == "__main__":
    main()
