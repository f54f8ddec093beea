"""Record a submission's grading where nbgrader keeps it: the gradebook, autograded/ and feedback/.

Workers grade in course directories of their own and bring back the
autograded notebook and its feedback page (see `worker`). Here, on the
instructor's side, the notebook is written to `autograded/`, the page to
`feedback/`, and the gradebook (SQLite or PostgreSQL) is filled by nbgrader's
own SaveAutoGrades and AssignLatePenalties from the autograded notebook, just
as `nbgrader autograde` fills it: one writer, whatever the number of workers.
Submissions that cannot be graded (unusable) or that the grader failed on
are recorded too, each as what it is.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Callable, TypeVar

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
from nbgrader.utils import parse_utc
from sqlalchemy.exc import OperationalError
from traitlets.config import Config

from autograder.instructor import faults, feedback_pages

T = TypeVar("T")


class Recorder:
    """Writes results into one course directory and its gradebook.

    A gradebook that is busy or locked (another program writing SQLite, a
    PostgreSQL server restarting) is tried again, after a pause that doubles,
    up to `attempts` times; then the error is raised for the caller to treat as
    the grader's fault.
    """

    def __init__(self, course: Path, db_url: str, config: Config, attempts: int = 3):
        self.course, self.db_url, self.config, self.attempts = course, db_url, config, attempts

    def _patiently(self, operation: Callable[[], T]) -> T:
        for attempt in range(1, self.attempts + 1):
            try:
                if faults.take("gradebook") == "locked":
                    raise OperationalError("begin", {}, Exception("database is locked (a fault injected for testing)"))
                return operation()
            except OperationalError:
                if attempt == self.attempts:
                    raise
                time.sleep(2 ** (attempt - 1))
        raise AssertionError("unreachable")

    def graded(self, assignment: str, notebook: str, timestamp: str, secret: str, student: str, autograded: str, feedback: str) -> dict:
        """Record a graded submission (its autograded notebook and feedback page); its scores as the gradebook now holds them."""
        folder = self._folder("autograded", student, assignment, timestamp, secret)
        (folder / f"{notebook}.ipynb").write_text(autograded)
        folder = self._folder("feedback", student, assignment, timestamp, secret)
        (folder / f"{notebook}.html").write_text(feedback)

        def save() -> dict:
            with Gradebook(self.db_url) as gradebook:
                gradebook.update_or_create_student(student)
                with gradebook.db.no_autoflush:  # nbgrader reads before it adds; SQLAlchemy would warn at each read
                    gradebook.update_or_create_submission(assignment, student, timestamp=parse_utc(timestamp) if timestamp else None)
            resources = {"nbgrader": {"assignment": assignment, "student": student, "notebook": notebook, "db_url": self.db_url}}
            notebook_node = nbformat.reads(autograded, as_version=4)
            for preprocessor in (SaveAutoGrades(config=self.config), AssignLatePenalties(config=self.config)):
                notebook_node, resources = preprocessor.preprocess(notebook_node, resources)
            return self.scores(assignment, student)

        return self._patiently(save)

    def _folder(self, kind: str, student: str, assignment: str, timestamp: str, secret: str) -> Path:
        """autograded/ or feedback/<student>/<assignment>/, with the files nbgrader keeps there beside the notebook.

        nbgrader's exchange hands feedback back only with the submission's
        secret (submission_secret.txt) beside it.
        """
        folder = self.course / kind / student / assignment
        folder.mkdir(parents=True, exist_ok=True)
        for name, text in (("timestamp.txt", timestamp), ("submission_secret.txt", secret)):
            if text:
                (folder / name).write_text(text)
        return folder

    def unusable(self, assignment: str, notebook: str, student: str, problems: list[str], secret: str = "") -> float:
        """Give an unusable submission zero points, and feedback that says why; its maximum score."""
        with Gradebook(self.db_url) as gradebook:
            gradebook.update_or_create_student(student)
            with gradebook.db.no_autoflush:
                recorded = gradebook.update_or_create_submission(assignment, student)
            for submitted_notebook in recorded.notebooks:
                for grade in submitted_notebook.grades:
                    grade.auto_score, grade.needs_manual_grade = 0, False
            gradebook.db.commit()
            max_score = recorded.max_score
        feedback_pages.write_unusable(self._folder("feedback", student, assignment, "", secret), assignment, notebook, problems, max_score)
        return max_score

    def not_graded(self, assignment: str, notebook: str, student: str, secret: str = "") -> None:
        """Leave a submission the grader failed on without a score (no zero), and tell its learner it will be graded."""
        with Gradebook(self.db_url) as gradebook:
            gradebook.update_or_create_student(student)  # a learner of the class, whose score is still to come
            try:
                gradebook.remove_submission(assignment, student)
            except MissingEntry:
                pass
        feedback_pages.write_not_graded_yet(self._folder("feedback", student, assignment, "", secret), assignment, notebook)

    def scores(self, assignment: str, student: str) -> dict:
        with Gradebook(self.db_url) as gradebook:
            submission = gradebook.find_submission(assignment, student)
            cells = {grade.name: [grade.score, grade.max_score] for notebook in submission.notebooks for grade in notebook.grades}
            return {"score": submission.score, "max_score": submission.max_score, "cells": cells}
