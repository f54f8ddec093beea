"""A grading worker: grades submissions one at a time with nbgrader's converters.

The grade command (`grade`) starts several of these and sends each a line of
JSON per submission: {"student": ...}. The worker runs nbgrader's Autograde
converter with `RestoringOverwriteCells` and `VerifiedExecute` in place of
stock OverwriteCells and Execute, then its GenerateFeedback converter, and
answers with one line of JSON: the score, the verdict of every test cell, and
what went wrong or was repaired; or, when the grader itself failed (a kernel
that would not start, a busy gradebook...), that fault, so that the command
grades the submission again instead of recording anything. It forks its warm
kernel process (`Zygote`) before anything else, while it is still small and
has no threads.

    python -m autograder.instructor.worker <course directory> <assignment> <settings as JSON>
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import logging
import os
import sys
import time
from pathlib import Path


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="A grading worker, started by `python -m autograder.instructor.grade`; not run by hand.")
    parser.add_argument("course", type=Path, help="the course directory")
    parser.add_argument("assignment")
    parser.add_argument("settings", type=json.loads, help="the grade command's settings, as JSON")
    arguments = parser.parse_args(argv)
    course, assignment, settings = arguments.course.resolve(), arguments.assignment, arguments.settings
    from autograder.instructor import containment, warm_kernels
    from autograder.instructor.scratch import WorkerScratch

    warm_kernels.become_grading_process()
    isolated = containment.namespaces_available()
    zygote = warm_kernels.Zygote(assignment, isolated)  # before the heavy imports below, and before any thread
    with WorkerScratch() as scratch:
        worker = Worker(course, assignment, settings, zygote, isolated, scratch)
        protocol = sys.stdout
        sys.stdout = sys.stderr  # anything else printed goes to the log, not into the protocol
        print(json.dumps({"ready": True, "isolated": isolated}), file=protocol, flush=True)
        for line in sys.stdin:
            job = json.loads(line)
            print(json.dumps(worker.grade(job["student"])), file=protocol, flush=True)
            if not worker.healthy():
                break
        zygote.close()


class Worker:
    """Everything one worker process needs to grade a submission of one assignment."""

    def __init__(self, course: Path, assignment: str, settings: dict, zygote, isolated: bool, scratch: str):
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config import Config, PyFileConfigLoader

        from autograder.checks import for_assignment
        from autograder.instructor import kernel_sandbox
        from autograder.instructor.warm_kernels import WarmKernelManager
        from autograder.instructor.watchdog import Limits

        logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="[worker %(levelname)s] %(message)s")
        self.course, self.assignment, self.zygote = course, assignment, zygote
        config = Config()
        if (course / "nbgrader_config.py").exists():
            config.merge(PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config())
        config.merge(Config(settings["config"]))
        config.CourseDirectory.root = str(course)
        config.CourseDirectory.submitted_directory = settings["staged"]
        config.CourseDirectory.db_url = settings["db_url"]
        config.Autograde.sanitize_preprocessors = self._sanitizers()
        config.Autograde.autograde_preprocessors = self._autograders()
        config.GenerateFeedback.exporter_class = _feedback_exporter()
        self.config = config
        self.db_url = settings["db_url"]
        package = Path(__file__).resolve().parents[1]
        sealed = [Path(sys.modules[check.reference.__module__].__file__) for check in for_assignment(assignment).EXERCISES]
        WarmKernelManager.zygote = zygote
        WarmKernelManager.readable = kernel_sandbox.readable_paths(course, package, sealed)
        WarmKernelManager.limits = Limits(**settings["limits"])
        WarmKernelManager.isolated = isolated
        WarmKernelManager.require_landlock = settings["require_sandbox"]
        WarmKernelManager.scratch = scratch
        self.coursedir_class = CourseDirectory

    @staticmethod
    def _sanitizers() -> list:
        from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, OverwriteKernelspec

        from autograder.instructor.verified_execute import KnownCellsOnly, RestoringOverwriteCells

        return [ClearOutput, KnownCellsOnly, OverwriteKernelspec, RestoringOverwriteCells, CheckCellMetadata]

    @staticmethod
    def _autograders() -> list:
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades

        from autograder.instructor.verified_execute import VerifiedExecute

        return [VerifiedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]

    def grade(self, student: str) -> dict:
        """Autograde one learner's submission and write their feedback; what happened, as plain data."""
        from nbgrader.converters import Autograde, GenerateFeedback, NbGraderException
        from sqlalchemy.exc import OperationalError

        from autograder.instructor import faults, verified_execute

        if faults.take("worker") == "die":
            os._exit(70)
        started = time.monotonic()
        verified_execute.record = record = verified_execute.Record()
        coursedir = self.coursedir_class(config=self.config)
        coursedir.assignment_id, coursedir.student_id = self.assignment, student
        scores = {"score": None, "max_score": None, "cells": {}}
        try:
            if faults.take("gradebook") == "locked":
                raise OperationalError("begin", {}, Exception("database is locked (a fault injected for testing)"))
            for converter_class in (Autograde, GenerateFeedback):
                converter = converter_class(coursedir=coursedir, config=self.config)
                converter.force = True
                converter.start()
            scores = self._scores(student)
        except NbGraderException:
            record.grader_fault = record.grader_fault or "nbgrader could not grade it (details in the grading log)"
        except Exception as error:  # the grader's trouble, never the submission's: it is graded again
            record.grader_fault = f"{type(error).__name__}: {error}"
        finally:
            self._end_strays()
        return {"student": student, "seconds": round(time.monotonic() - started, 2), **scores, **dataclasses.asdict(record)}

    def healthy(self) -> bool:
        """Whether this worker can grade on: its warm kernel process is alive."""
        return not self.zygote.lost and os.path.exists(f"/proc/{self.zygote.pid}")

    def _end_strays(self) -> None:
        """End every process this worker adopted that is not its warm process (orphans of a submission), and reap them."""
        from autograder.instructor import containment

        for pid in containment.children_table().get(os.getpid(), []):
            if pid != self.zygote.pid:
                containment.end(pid, isolated=False)
        while True:
            try:
                pid, _ = os.waitpid(-1, os.WNOHANG)
            except ChildProcessError:
                return
            if not pid:
                return
            self.zygote.lost |= pid == self.zygote.pid

    def _scores(self, student: str) -> dict:
        from nbgrader.api import Gradebook, MissingEntry

        with Gradebook(self.db_url) as gradebook:
            try:
                submission = gradebook.find_submission(self.assignment, student)
            except MissingEntry:
                return {"score": None, "max_score": None, "cells": {}}
            cells = {grade.name: [grade.score, grade.max_score] for notebook in submission.notebooks for grade in notebook.grades}
            return {"score": submission.score, "max_score": submission.max_score, "cells": cells}


def _feedback_exporter() -> type:
    """nbgrader's HTML feedback exporter, compiling its templates once per worker rather than once per learner."""
    from nbconvert.exporters import HTMLExporter

    class FeedbackExporter(HTMLExporter):
        shared_environment = None

        def _create_environment(self):
            if FeedbackExporter.shared_environment is None:
                FeedbackExporter.shared_environment = super()._create_environment()
            return FeedbackExporter.shared_environment

    return FeedbackExporter


if __name__ == "__main__":
    main()
