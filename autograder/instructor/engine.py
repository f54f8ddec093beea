"""Where submissions are graded: Dask workers on this machine, or the workers of a cluster.

`Engine` starts a local Dask cluster of worker processes (each grading one
submission at a time) or connects to the scheduler of an existing cluster,
gives every worker the `GradingPlugin` (see `worker`), and turns submissions
into results as they finish. Dask schedules the tasks, moves those of a lost
worker to another, and never runs one task twice at once; a task whose
workers keep dying comes back as a fault of the grader, as does one that the
worker could not grade for reasons of its own. Each kit (what a worker needs
to know of an assignment) is sent to every worker once.
"""

from __future__ import annotations

import contextlib
import logging
import threading
from typing import Iterable, Iterator

import dask
from distributed import Client, LocalCluster, as_completed

from autograder.instructor.worker import PLUGIN, GradingPlugin, Job, Kit, grade_submission


class SchedulerLost(Exception):
    """The Dask scheduler stopped answering: what was recorded stays, the rest waits for the next run."""


class Engine:
    """A Dask client with grading workers: `with Engine(preloads, scheduler, workers) as engine: engine.grade(...)`."""

    def __init__(self, preloads: tuple[str, ...], scheduler: str = "", workers: int = 1, log: str = ""):
        """`preloads`: what the workers' warm processes import; `log`: the file a local cluster's workers write their output to."""
        self.preloads, self.scheduler, self.workers, self.log = preloads, scheduler, workers, log
        self.cluster: LocalCluster | None = None
        self._closing: threading.Thread | None = None
        self._settings = contextlib.ExitStack()

    def __enter__(self) -> Engine:
        if self.scheduler:
            self.client = Client(self.scheduler, timeout="30s")
        else:
            # A local cluster's workers are forked from this process, which has imported all they need: each starts in
            # a fraction of a second instead of importing Dask, nbgrader and PyTorch again (Dask spawns them by default).
            # The children use nothing this process holds open, run PyTorch on one thread (`worker.one_thread_for_pytorch`)
            # and start their warm processes afresh (`warm_kernels.Zygote`): no learner's kernel descends from this process.
            self._settings.enter_context(dask.config.set({"distributed.worker.multiprocessing-method": "fork"}))
            self.cluster = LocalCluster(
                n_workers=self.workers, threads_per_worker=1, processes=True, memory_limit=0,
                dashboard_address="127.0.0.1:0", silence_logs=logging.ERROR,
            )
            self.client = Client(self.cluster)
        self.client.register_plugin(GradingPlugin(self.preloads, log="" if self.scheduler else self.log), name=PLUGIN)
        return self

    def __exit__(self, *exception: object) -> None:
        if self._closing is None:
            self._close()
        else:
            self._closing.join()

    def close_in_background(self) -> None:
        """Start letting go of the cluster (a local one's workers take seconds to end); leaving the `with` waits for it."""
        self._closing = threading.Thread(target=self._close, name="closing the Dask cluster")
        self._closing.start()

    def _close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()
        self._settings.close()

    @property
    def dashboard(self) -> str:
        """Where Dask's dashboard shows the run, if the scheduler serves one."""
        return self.client.dashboard_link if "dashboard" in self.client.scheduler_info().get("services", {}) else ""

    def grade(self, tasks: Iterable[tuple[Kit, Job]]) -> Iterator[dict]:
        """Yield one result per (kit, job), in the order they finish."""
        tasks = list(tasks)
        kits = {kit.assignment: kit for kit, _ in tasks}
        shared = {name: self.client.scatter(kit, broadcast=True, hash=False) for name, kit in kits.items()}
        futures = {
            self.client.submit(grade_submission, shared[kit.assignment], job, key=f"grade-{kit.assignment}-{job.student}", pure=False): (kit, job)
            for kit, job in tasks
        }
        try:
            for future in as_completed(futures):
                if future not in futures:
                    continue  # computed again after its worker was lost; its result is recorded already
                kit, job = futures.pop(future)
                try:
                    result = future.result()
                except Exception as error:  # a worker lost too often, or the grader's own failure: never the learner's
                    if self.client.status != "running":
                        raise SchedulerLost(str(error)) from error
                    result = failed(job.student, f"{type(error).__name__}: {error}")
                future.release()  # the scheduler forgets it: a worker lost later will not make it compute it again
                yield {"assignment": kit.assignment, **result}
        except OSError as error:
            raise SchedulerLost(str(error)) from error
        finally:
            for future in futures:
                future.cancel()


def failed(student: str, fault: str) -> dict:
    """The result of a submission the grader could not grade, for a reason of its own."""
    return {"student": student, "score": None, "max_score": None, "cells": {}, "problems": [], "notes": [],
            "verdicts": {}, "calls_reference": [], "grader_fault": fault, "attempts": 1, "autograded": "", "feedback": ""}
