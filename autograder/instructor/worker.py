"""A grading worker: grades submissions one at a time with nbgrader's converters.

The grade command (`grade`) starts several of these and sends each a line of
JSON per submission: {"student": ...}. The worker runs nbgrader's Autograde
converter with `RestoringOverwriteCells` and `VerifiedExecute` in place of
stock OverwriteCells and Execute, then its GenerateFeedback converter, and
answers with one line of JSON: the score, the verdict of every test cell, and
what went wrong or was repaired. It forks its warm kernel process (`Zygote`)
before anything else, while it is still small and has no threads.

    python -m autograder.instructor.worker <course directory> <assignment> <settings as JSON>
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
import time
from pathlib import Path


def main() -> None:
    course, assignment, settings = Path(sys.argv[1]).resolve(), sys.argv[2], json.loads(sys.argv[3])
    from autograder.instructor import warm_kernels

    warm_kernels.become_subreaper()
    zygote = warm_kernels.Zygote(assignment)  # before the heavy imports below, and before any thread
    worker = Worker(course, assignment, settings, zygote)
    protocol = sys.stdout
    sys.stdout = sys.stderr  # anything else printed goes to the log, not into the protocol
    print(json.dumps({"ready": True}), file=protocol, flush=True)
    for line in sys.stdin:
        job = json.loads(line)
        print(json.dumps(worker.grade(job["student"])), file=protocol, flush=True)
    zygote.close()


class Worker:
    """Everything one worker process needs to grade a submission of one assignment."""

    def __init__(self, course: Path, assignment: str, settings: dict, zygote):
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config import Config, PyFileConfigLoader

        from autograder.checks import for_assignment
        from autograder.instructor import kernel_sandbox
        from autograder.instructor.warm_kernels import WarmKernelManager

        logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format=f"[worker %(levelname)s] %(message)s")
        self.course, self.assignment = course, assignment
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
        WarmKernelManager.memory_mb = settings["memory_mb"]
        WarmKernelManager.require_landlock = settings["require_sandbox"]
        WarmKernelManager.scratch = settings["scratch"]
        self.coursedir_class = CourseDirectory

    @staticmethod
    def _sanitizers() -> list:
        from nbgrader.preprocessors import CheckCellMetadata, ClearOutput, DeduplicateIds, OverwriteKernelspec

        from autograder.instructor.verified_execute import RestoringOverwriteCells

        return [ClearOutput, DeduplicateIds, OverwriteKernelspec, RestoringOverwriteCells, CheckCellMetadata]

    @staticmethod
    def _autograders() -> list:
        from nbconvert.preprocessors import ClearMetadataPreprocessor
        from nbgrader.preprocessors import AssignLatePenalties, CheckCellMetadata, IgnorePattern, LimitOutput, SaveAutoGrades

        from autograder.instructor.verified_execute import VerifiedExecute

        return [VerifiedExecute, IgnorePattern, ClearMetadataPreprocessor, LimitOutput, SaveAutoGrades, AssignLatePenalties, CheckCellMetadata]

    def grade(self, student: str) -> dict:
        """Autograde one learner's submission and write their feedback; what happened, as plain data."""
        from nbgrader.converters import Autograde, GenerateFeedback, NbGraderException

        from autograder.instructor import verified_execute

        started = time.monotonic()
        verified_execute.record = record = verified_execute.Record()
        coursedir = self.coursedir_class(config=self.config)
        coursedir.assignment_id, coursedir.student_id = self.assignment, student
        try:
            for converter_class in (Autograde, GenerateFeedback):
                converter = converter_class(coursedir=coursedir, config=self.config)
                converter.force = True
                converter.start()
        except NbGraderException:
            record.problems.append("nbgrader could not grade this submission (details in the grading log)")
        except Exception as error:  # one submission's failure must not stop the worker
            record.problems.append(f"grading failed: {type(error).__name__}: {error}")
        return {"student": student, "seconds": round(time.monotonic() - started, 2), **self._scores(student), **dataclasses.asdict(record)}

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
