"""Grading on a real Dask cluster on loopback: the scores of a local run, through a lost worker and a lost scheduler.

A `dask scheduler` and two `dask worker` commands are started as separate
processes, each in a working folder of its own outside the course directory,
as they would be on separate machines. The session's reference class (right,
wrong, hostile and broken submissions, tests/reference_class.py), graded once
with the command's own local cluster, is graded again: on the loopback cluster while one of its workers
is killed with SIGKILL; and on a cluster whose scheduler is killed mid-run,
after which the command ends with a clear message and a second run, on a new
cluster, finishes the job. Every score is the same, and every learner has
exactly one submission and one grade per test cell in the gradebook.
"""

import subprocess
import sys
import time

import pytest

from grading import grade, summary
from reference_class import ASSIGNMENT, CELL_TIMEOUT, copy_of, gradebook_grades
from servers import dask_scheduler, dask_worker, wait_for_workers


def scores(rows):
    return {name: (row["score"], row["status"]) for name, row in rows.items()}


@pytest.fixture(scope="module")
def local(reference_class):
    return scores(reference_class.rows), gradebook_grades(reference_class.graded)


def until_recorded(root, count=1, timeout=600):
    done = root / "grading" / ASSIGNMENT / "done"
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and len(list(done.glob("*.json"))) < count:
        time.sleep(0.1)


@pytest.fixture(scope="module")
def worker_lost(reference_class, tmp_path_factory):
    root = copy_of(reference_class.ungraded, tmp_path_factory.mktemp("cluster"))
    machines = tmp_path_factory.mktemp("machines")
    scheduler, address = dask_scheduler(machines / "scheduler")
    workers = [dask_worker(address, f"worker-{number}", machines / f"worker-{number}") for number in (1, 2)]
    try:
        wait_for_workers(address, 2)
        run = subprocess.Popen(
            [sys.executable, "-m", "autograder.instructor.grade", ASSIGNMENT, *CELL_TIMEOUT, f"--scheduler={address}"],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        until_recorded(root, 2)
        workers[0].kill()
        stdout, stderr = run.communicate(timeout=900)
        return run.returncode, stdout, stderr, root
    finally:
        for process in [*workers, scheduler]:
            process.stop()


def test_a_cluster_that_loses_a_worker_grades_like_a_local_run(local, worker_lost):
    returncode, stdout, stderr, root = worker_lost
    assert returncode == 0, stderr[-3000:]
    local_scores, local_gradebook = local
    assert scores(summary(stdout)) == local_scores
    assert gradebook_grades(root) == local_gradebook
    _, submissions = gradebook_grades(root)
    assert set(submissions.values()) == {1}, "one submission per learner"


@pytest.fixture(scope="module")
def scheduler_lost(reference_class, tmp_path_factory):
    root = copy_of(reference_class.ungraded, tmp_path_factory.mktemp("cluster"))
    machines = tmp_path_factory.mktemp("machines")
    scheduler, address = dask_scheduler(machines / "scheduler")
    workers = [dask_worker(address, "worker-1", machines / "worker-1")]
    try:
        wait_for_workers(address, 1)
        run = subprocess.Popen(
            [sys.executable, "-m", "autograder.instructor.grade", ASSIGNMENT, *CELL_TIMEOUT, f"--scheduler={address}"],
            cwd=root, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        until_recorded(root, 2)
        scheduler.kill()
        started = time.monotonic()
        first = (run.wait(timeout=600), *run.communicate(), time.monotonic() - started)
    finally:
        for process in [*workers, scheduler]:
            process.stop()
    recorded = len(list((root / "grading" / ASSIGNMENT / "done").glob("*.json")))
    scheduler, address = dask_scheduler(machines / "scheduler-again")
    workers = [dask_worker(address, "worker-2", machines / "worker-2")]
    try:
        wait_for_workers(address, 1)
        second = grade(root, ASSIGNMENT, *CELL_TIMEOUT, f"--scheduler={address}")
    finally:
        for process in [*workers, scheduler]:
            process.stop()
    return first, recorded, second, root


def test_a_lost_scheduler_ends_the_run_with_a_clear_message(reference_class, scheduler_lost):
    (returncode, _, stderr, seconds), recorded, _, _ = scheduler_lost
    assert returncode == 75
    assert "stopped answering" in stderr and "run the command again" in stderr
    assert seconds < 120, "the command does not wait for ever on a scheduler that is gone"
    assert 2 <= recorded < len(reference_class.learners)


def test_running_again_finishes_the_job(local, scheduler_lost):
    _, _, second, root = scheduler_lost
    assert second.returncode == 0, second.stderr[-3000:]
    local_scores, local_gradebook = local
    assert gradebook_grades(root) == local_gradebook
    assert sorted(summary(second.stdout)) == sorted(local_scores)
    assert scores(summary(second.stdout)) == local_scores
