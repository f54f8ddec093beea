"""How fast the whole course is graded: local Dask workers, a loopback cluster, and stock nbgrader, on one class.

    python tests/benchmarks/cluster_grading.py [--learners 6] [--assignments 01_single_neuron 06_pytorch_training ...]

Fabricates a class covering every notebook (per notebook: mostly right, one
with a wrong answer, one with an answer that raises), copies it into fresh
course directories, and prints:

- per notebook: stock sequential `nbgrader autograde` against the grade
  command (one run per notebook, two local workers), and their ratio
  (target: at least 3x on every notebook); and, read from when each
  learner's result was written, each side's start-up (the time to its first
  result) and its cost per further notebook, and the ratio they give for a
  class of CLASS_SIZE learners (the grade command's start-up is paid once a
  run, whatever the class's size);
- the whole course in one run (`grade --all`): with one and with two local
  workers, and on a loopback cluster (`dask scheduler` and two `dask worker`
  commands): wall time, notebooks per minute, and the ratio of the wall time
  to its floor, the learners' summed cell execution times divided by the
  cores (target: at most 1.3x), also once the run's start-up is past; and
  the whole course graded by stock autograde, notebook after notebook,
  against `grade --all` with two workers;
- Dask's own overhead per task: the round trip of a task that does nothing,
  on the same local cluster;
- whether every learner's score is the same in every run and under stock.

It takes a while (stock nbgrader alone needs several seconds per notebook).
Run it on an otherwise idle machine: the figures are wall-clock times.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from autograder.instructor.fabricate import Learner, one_wrong, set_up_course, solved, submit  # noqa: E402
from autograder.instructor.nbgrader_cli import run_nbgrader  # noqa: E402
from autograder.instructor.release import assignments  # noqa: E402
from servers import dask_scheduler, dask_worker, wait_for_workers  # noqa: E402


def fabricate(root: Path, names: list[str], size: int) -> None:
    """A course directory at `root` with `size` learners' submissions of every assignment in `names`."""
    for name in names:
        materials = set_up_course(root, name)
        for number in range(size):
            if number == 1:
                learner = Learner(f"learner{number:03d}", "wrong", "one answer returns None", one_wrong(0))
            elif number == 2:
                learner = Learner(f"learner{number:03d}", "broken", "an answer raises", one_wrong(1, "raise ValueError('stuck')"))
            else:
                learner = Learner(f"learner{number:03d}", "correct", "everything right", solved)
            submit(root, materials, learner)


CLASS_SIZE = 1000  # a large course (Berkeley's Data 8 has had 1,350 learners in a term)


def copy_of(course: Path, where: Path) -> Path:
    target = where / "course"
    shutil.copytree(course, target)
    return target


def timed(command: list[str], cwd: Path) -> float:
    started = time.perf_counter()
    finished = subprocess.run(command, cwd=cwd, capture_output=True, text=True)
    if finished.returncode != 0:
        raise RuntimeError(f"{' '.join(command)} failed:\n{finished.stdout[-2000:]}\n{finished.stderr[-2000:]}")
    return time.perf_counter() - started


def start_up_and_pace(started: float, written: list[Path], workers: int) -> tuple[float, float]:
    """From the files a run wrote, one per learner: seconds to the first, and then seconds per further notebook.

    The pace is taken once every worker has finished its first notebook (the
    one that paid for its start-up).
    """
    times = sorted(path.stat().st_mtime for path in written)
    steady = times[min(workers, len(times)) - 1 :]
    return times[0] - started, (steady[-1] - steady[0]) / (len(steady) - 1) if len(steady) > 1 else 0.0


def projected_ratio(stock: tuple[float, float], ours: tuple[float, float], learners: int) -> float:
    """Stock's wall time over ours for a class of `learners`, from each side's start-up and pace."""
    return (stock[0] + stock[1] * (learners - 1)) / (ours[0] + ours[1] * (learners - 1))


def grade(course: Path, *options: str) -> float:
    return timed([sys.executable, "-m", "autograder.instructor.grade", *options], course)


def scores(course: Path) -> dict[tuple[str, str], float]:
    run_nbgrader("export", "--to", "scores.csv", "--log-level=ERROR", cwd=course, capture=True)
    with open(course / "scores.csv") as file:
        return {(row["assignment"], row["student_id"]): float(row["score"]) for row in csv.DictReader(file)}


def differing(run: str, got: dict[tuple[str, str], float], stock: dict[tuple[str, str], float]) -> list[str]:
    """A line for each submission whose score in `run` is not stock's."""
    return [f"{run}: {assignment} {student}: {got.get((assignment, student))} (stock {score})"
            for (assignment, student), score in sorted(stock.items()) if got.get((assignment, student)) != score]


def floor_seconds(course: Path, names: list[str]) -> float:
    """The learners' summed cell execution times, as the graded runs measured them."""
    total = 0.0
    for name in names:
        for record in (course / "grading" / name / "done").glob("*.json"):
            total += json.loads(record.read_text()).get("execution_seconds", 0.0)
    return total


def dask_overhead(tasks: int = 200) -> float:
    """Seconds a task that does nothing takes, end to end, on a local cluster of two worker processes."""
    from distributed import Client, LocalCluster

    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        client.gather(client.map(abs, range(10)))  # warm
        started = time.perf_counter()
        client.gather(client.map(abs, range(-tasks, 0), pure=False))
        return (time.perf_counter() - started) / tasks * 2  # two workers take them in parallel


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=6)
    parser.add_argument("--assignments", nargs="*", default=assignments())
    arguments = parser.parse_args()
    names, cores = arguments.assignments, os.cpu_count() or 1
    work = Path(tempfile.mkdtemp(prefix="cluster-benchmark-"))
    course = work / "class"
    fabricate(course, names, arguments.learners)
    notebooks = len(names) * arguments.learners
    print(f"A class of {arguments.learners} learners x {len(names)} notebooks = {notebooks} notebooks, on {cores} cores.\n")

    print("per notebook            stock autograde  grade command (2 workers)  ratio"
          f"   start-up, then s/notebook: stock     ours    for {CLASS_SIZE} learners")
    stock = copy_of(course, work / "stock")
    ours = copy_of(course, work / "ours")
    differences, stock_total = [], 0.0
    for name in names:
        started = time.time()
        stock_seconds = timed([sys.executable, "-m", "nbgrader", "autograde", name, "--log-level=ERROR"], stock)
        stock_total += stock_seconds
        stock_pace = start_up_and_pace(started, list((stock / "autograded").glob(f"*/{name}/*.ipynb")), 1)
        started = time.time()
        our_seconds = grade(ours, name, "--workers=2")
        our_pace = start_up_and_pace(started, list((ours / "grading" / name / "done").glob("*.json")), 2)
        print(f"  {name:<22} {stock_seconds:7.1f} s {our_seconds:19.1f} s {stock_seconds / our_seconds:12.1f}x"
              f"   {stock_pace[0]:8.1f} + {stock_pace[1]:4.1f} s {our_pace[0]:6.1f} + {our_pace[1]:4.1f} s"
              f" {projected_ratio(stock_pace, our_pace, CLASS_SIZE):9.1f}x", flush=True)
    reference = scores(stock)
    differences += differing("2 local workers, one assignment at a time", scores(ours), reference)

    print("\nthe whole course in one run (grade --all)      wall     notebooks/min   floor    wall/floor"
          "   after start-up: s/notebook, its floor, ratio")
    runs = []
    for workers in (1, 2):
        target = copy_of(course, work / f"local-{workers}")
        started = time.time()
        seconds = grade(target, "--all", f"--workers={workers}")
        runs.append((f"local cluster, {workers} worker{'s' if workers > 1 else ''}", target, started, seconds, workers))
    cluster_course = copy_of(course, work / "cluster")
    scheduler, address = dask_scheduler(work / "machines" / "scheduler")
    machines = [dask_worker(address, f"worker-{number}", work / "machines" / f"worker-{number}") for number in (1, 2)]
    try:
        wait_for_workers(address, 2)
        started = time.time()
        runs.append(("loopback cluster, 2 workers", cluster_course, started, grade(cluster_course, "--all", f"--scheduler={address}"), 2))
    finally:
        for process in [*machines, scheduler]:
            process.stop()
    for label, target, started, seconds, workers in runs:
        floor = floor_seconds(target, names) / min(workers, cores)
        _, pace = start_up_and_pace(started, list((target / "grading").glob("*/done/*.json")), workers)
        print(f"  {label:<42} {seconds:7.1f} s {notebooks / seconds * 60:11.1f} {floor:9.1f} s {seconds / floor:8.2f}x"
              f"   {pace:17.2f} s {floor / notebooks:7.2f} s {pace / (floor / notebooks):6.2f}x")
        differences += differing(label, scores(target), reference)
    two_local_workers = runs[1][3]
    print(f"\nthe whole course: stock, one notebook after the other, {stock_total:.1f} s; grade --all with 2 local workers "
          f"{two_local_workers:.1f} s: {stock_total / two_local_workers:.1f}x")

    print(f"\nDask's overhead per task (a task that does nothing, 2 local workers): {dask_overhead() * 1000:.1f} ms")
    print(f"every score identical to stock nbgrader's in every run: {not differences}")
    for difference in differences:
        print(f"  {difference}")
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
