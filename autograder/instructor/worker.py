"""The grading worker's side: a Dask worker plugin and the task that grades one submission.

Every Dask worker of a grading run (on this machine or on a cluster) gets a
`GradingPlugin`: it makes the worker process the subreaper of the
submissions' processes, says whether it can give them namespaces of their
own, starts the worker's one warm kernel process (`Zygote`) and a scratch
folder. `grade_submission` is the task: it receives everything a submission
needs (the assignment's `Kit`, the learner's notebook) and returns everything
the instructor's side needs (scores, verdicts, notes, the autograded notebook
and the feedback page), so no filesystem is shared with the instructor's
machine.

A worker grades in a course directory of its own, made from the kit once per
assignment: nbgrader's Autograde converter, with `KnownCellsOnly`,
`RestoringOverwriteCells` and `VerifiedExecute` in place of stock
OverwriteCells and Execute, then its GenerateFeedback converter, against a
fresh copy of a gradebook in which only the assignment is registered. A fault
of the grader itself (a kernel that would not start, a machine too busy...)
is tried again, with a pause that doubles each time; when the tries are
spent, the result says so instead of scoring anything.
"""

from __future__ import annotations

import contextlib
import dataclasses
import hashlib
import logging
import os
import shutil
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass
from pathlib import Path

from distributed import WorkerPlugin, get_worker

PLUGIN = "autograder"
PACKAGE = Path(__file__).resolve().parents[1]


def code_version() -> str:
    """A fingerprint of the course's package, so that every worker grades with the same checks and references."""
    digest = hashlib.sha256()
    for path in sorted(PACKAGE.rglob("*.py")):
        digest.update(str(path.relative_to(PACKAGE)).encode() + path.read_bytes())
    return digest.hexdigest()[:16]


@dataclass(frozen=True)
class Kit:
    """What a worker needs to grade submissions of one assignment."""

    assignment: str
    notebook: str  # the notebook's name, without .ipynb
    source_files: dict[str, bytes]  # the assignment's folder in the instructor's source directory
    configuration: str  # the course's nbgrader_config.py
    duedate: str  # the assignment's due date as the gradebook has it ("" for none)
    settings: dict  # the grade command's settings for the workers (limits, execution, tries)
    code_version: str
    hidden_key: str  # the assignment's key of the course's grading secret, to draw each learner's hidden cases


@dataclass(frozen=True)
class Job:
    """One learner's submission, as intake staged it."""

    student: str
    notebook: str  # its text
    timestamp: str  # the text of its timestamp.txt ("" for none)


class GradingPlugin(WorkerPlugin):
    """What a Dask worker keeps for grading: its warm kernel process, its scratch folder, a course per assignment.

    With `log`, everything the worker process and its kernels print on
    standard error goes to that file (a local cluster's workers, whose output
    would otherwise fill the instructor's terminal). `preloads` are the modules
    its warm process imports (see `warm_kernels.preloads_for`).
    """

    name = PLUGIN

    def __init__(self, preloads: tuple[str, ...], log: str = ""):
        self.preloads, self.log = preloads, log

    def setup(self, worker) -> None:
        from sqlalchemy.exc import SAWarning

        from autograder.instructor import containment, warm_kernels
        from autograder.instructor.nbgrader_cli import put_interpreter_first_on_path, read_schema_version_in_process
        from autograder.instructor.scratch import WorkerScratch

        put_interpreter_first_on_path()
        read_schema_version_in_process()
        one_thread_for_pytorch()
        if self.log:
            os.dup2(os.open(self.log, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600), 2)
        logging.basicConfig(level=logging.WARNING, stream=sys.stderr, format="[worker %(levelname)s] %(message)s")
        # nbgrader's Autograde reads an assignment before adding the new submission to its session, and SQLAlchemy 2
        # warns about it at every read; the submission is added right after, so the warning says nothing here.
        warnings.filterwarnings("ignore", category=SAWarning, message=".*not in session.*")
        warm_kernels.become_grading_process()
        self.isolated = containment.namespaces_available()
        self.zygote = warm_kernels.Zygote(self.isolated, self.preloads)
        self._scratch = WorkerScratch()
        self.scratch = self._scratch.__enter__()
        self.courses: dict[str, WorkerCourse] = {}
        self.version = code_version()

    def teardown(self, worker) -> None:
        self.zygote.close()
        self._scratch.__exit__(None, None, None)

    def course(self, kit: Kit) -> WorkerCourse:
        if kit.code_version != self.version:
            raise RuntimeError(
                f"this worker's course package ({self.version}) is not the instructor's ({kit.code_version}): "
                "install the same version of the course on every worker"
            )
        if kit.assignment not in self.courses or not self.zygote.alive():
            if not self.zygote.alive():
                from autograder.instructor import warm_kernels

                self.zygote = warm_kernels.Zygote(self.isolated, self.preloads)
            self.courses[kit.assignment] = WorkerCourse(kit, Path(self.scratch), self.zygote, self.isolated)
        return self.courses[kit.assignment]


def one_thread_for_pytorch() -> None:
    """The worker judges on one core, as Dask's OMP_NUM_THREADS=1 makes a spawned worker do, and a forked one too.

    A worker forked by a local cluster (see `engine`) inherits PyTorch already
    loaded, with the thread count it read at import; with one thread PyTorch
    never enters an OpenMP parallel region, so no pool inherited across the
    fork is ever used.
    """
    import torch

    torch.set_num_threads(1)


def grade_submission(kit: Kit, job: Job) -> dict:
    """The task: grade one submission on this worker, trying again after faults of the grader."""
    course = get_worker().plugins[PLUGIN].course(kit)
    attempts = kit.settings["attempts"]
    for attempt in range(1, attempts + 1):
        result = course.grade(job)
        result["attempts"] = attempt
        if not result["grader_fault"] or attempt == attempts:
            return result
        logging.warning("%s: the grader failed (%s); trying again in %d s", job.student, result["grader_fault"], 2 ** (attempt - 1))
        time.sleep(2 ** (attempt - 1))
    raise AssertionError("unreachable")


class WorkerCourse:
    """A course directory of the worker's own, holding one assignment, in which it grades submissions one at a time."""

    def __init__(self, kit: Kit, scratch: Path, zygote, isolated: bool):
        from nbgrader.api import Gradebook
        from nbgrader.converters import GenerateAssignment
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config import PyFileConfigLoader

        self.kit, self.zygote, self.isolated = kit, zygote, isolated
        self.root = Path(tempfile.mkdtemp(prefix=f"course-{kit.assignment}-", dir=scratch))
        self.template = self.root / "gradebook.template.db"
        self.db_url = f"sqlite:///{self.root / 'gradebook.db'}"
        (self.root / "nbgrader_config.py").write_text(
            kit.configuration + "\n\n# This worker's own course directory, whatever the instructor's is:\n"
            f"c.CourseDirectory.root = {str(self.root)!r}\nc.CourseDirectory.db_url = {self.db_url!r}\n"
            'c.CourseDirectory.source_directory = "source"\nc.CourseDirectory.submitted_directory = "submitted"\n'
            'c.CourseDirectory.autograded_directory = "autograded"\nc.CourseDirectory.feedback_directory = "feedback"\n'
        )
        for name, content in kit.source_files.items():
            path = self.root / "source" / kit.assignment / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content)
        config = PyFileConfigLoader("nbgrader_config.py", path=str(self.root)).load_config()
        config.CourseDirectory.release_directory = str(self.root / "release")
        coursedir = CourseDirectory(config=config)
        coursedir.assignment_id = kit.assignment
        generator = GenerateAssignment(coursedir=coursedir, config=config)
        generator.force = True
        generator.start()
        with Gradebook(self.db_url) as gradebook:
            gradebook.update_or_create_assignment(kit.assignment, duedate=kit.duedate or None)
        shutil.copy(self.root / "gradebook.db", self.template)
        self.grader = SubmissionGrader(self.root, kit, self.db_url)

    def grade(self, job: Job) -> dict:
        """Grade one submission in this course; what happened, the autograded notebook and the feedback page."""
        shutil.copy(self.template, self.root / "gradebook.db")
        folder = self.root / "submitted" / job.student / self.kit.assignment
        folder.mkdir(parents=True)
        (folder / f"{self.kit.notebook}.ipynb").write_text(job.notebook)
        if job.timestamp:
            (folder / "timestamp.txt").write_text(job.timestamp)
        try:
            result = self.grader.grade(job.student, self.zygote, self.isolated)
            for kind, suffix in (("autograded", "ipynb"), ("feedback", "html")):
                path = self.root / kind / job.student / self.kit.assignment / f"{self.kit.notebook}.{suffix}"
                result[kind] = path.read_text() if path.exists() and not result["grader_fault"] else ""
            return result
        finally:
            for kind in ("submitted", "autograded", "feedback"):
                shutil.rmtree(self.root / kind / job.student, ignore_errors=True)


class SubmissionGrader:
    """nbgrader's Autograde and GenerateFeedback, hardened, for the submissions of one course directory."""

    def __init__(self, course: Path, kit: Kit, db_url: str):
        from nbgrader.coursedir import CourseDirectory
        from traitlets.config import Config, PyFileConfigLoader

        from autograder.instructor import feedback_template, kernel_sandbox

        self.course, self.kit, self.db_url = course, kit, db_url
        config = PyFileConfigLoader("nbgrader_config.py", path=str(course)).load_config()
        config.merge(Config(kit.settings["config"]))
        config.Autograde.sanitize_preprocessors = self._sanitizers()
        config.Autograde.autograde_preprocessors = self._autograders()
        config.GenerateFeedback.exporter_class = _feedback_exporter()
        feedback_template.configure(config)  # whatever the course's nbgrader_config.py says
        config.VerifiedExecute.hidden_key = kit.hidden_key
        self.config = config
        answer_key = sorted((PACKAGE / "exercises").glob("*.py"))  # no kernel reads a reference, even as a file
        self.readable = kernel_sandbox.readable_paths(PACKAGE, answer_key, private=[course.parent])
        self.rooms = str(course.parent)  # where the kernels' rooms go: the worker's scratch folder
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

    def grade(self, student: str, zygote, isolated: bool) -> dict:
        """Autograde one learner's submission and write their feedback; what happened, as plain data."""
        from nbgrader.converters import Autograde, GenerateFeedback, NbGraderException

        from autograder.instructor import faults, verified_execute
        from autograder.instructor.warm_kernels import WarmKernelManager
        from autograder.instructor.watchdog import Limits

        if faults.take("worker") == "die":
            os._exit(70)
        started = time.monotonic()
        verified_execute.record = record = verified_execute.Record()
        WarmKernelManager.zygote, WarmKernelManager.isolated = zygote, isolated
        WarmKernelManager.assignment, WarmKernelManager.readable = self.kit.assignment, self.readable
        WarmKernelManager.limits = Limits(**self.kit.settings["limits"])
        WarmKernelManager.require_landlock = self.kit.settings["require_sandbox"]
        WarmKernelManager.scratch = self.rooms
        coursedir = self.coursedir_class(config=self.config)
        coursedir.assignment_id, coursedir.student_id = self.kit.assignment, student
        scores = {"score": None, "max_score": None, "cells": {}}
        try:
            for converter_class in (Autograde, GenerateFeedback):
                converter = converter_class(coursedir=coursedir, config=self.config)
                converter.force = True
                converter.start()
            scores = self._scores(student)
        except NbGraderException:
            record.grader_fault = record.grader_fault or "nbgrader could not grade it (details in the worker's log)"
        except Exception as error:  # the grader's trouble, never the submission's: it is graded again
            record.grader_fault = f"{type(error).__name__}: {error}"
        finally:
            _end_strays(zygote)
        return {"student": student, "seconds": round(time.monotonic() - started, 2), **scores, **dataclasses.asdict(record)}

    def _scores(self, student: str) -> dict:
        from nbgrader.api import Gradebook

        with Gradebook(self.db_url) as gradebook:
            submission = gradebook.find_submission(self.kit.assignment, student)
            cells = {grade.name: [grade.score, grade.max_score] for notebook in submission.notebooks for grade in notebook.grades}
            return {"score": submission.score, "max_score": submission.max_score, "cells": cells}


def _end_strays(zygote) -> None:
    """End the processes this worker adopted from its submissions (orphans whose init is gone), and reap them.

    Forked from the zygote, they carry its command line; the worker's other
    children are Dask's and are left alone. (An orphan that replaced its
    program with another cannot be told apart this way; see `containment`.)
    """
    from autograder.instructor import containment

    ours = zygote.command_line()
    for pid in containment.children(os.getpid()):
        if pid != zygote.pid and _command_line(pid) == ours:
            containment.end(pid, isolated=False)
            with contextlib.suppress(ChildProcessError):
                os.waitpid(pid, 0)


def _command_line(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


def _feedback_exporter() -> type:
    """nbgrader's HTML feedback exporter, made cheaper: its templates compiled once per worker, not once per learner,
    and without HTMLExporter's last pass over the page with BeautifulSoup (alt texts for images and tab stops for
    JupyterLab's markup), which finds nothing to change on nbgrader's classic feedback page and costs a second a page.
    """
    from nbconvert.exporters import HTMLExporter, TemplateExporter
    from nbconvert.filters.highlight import Highlight2HTML
    from nbconvert.filters.widgetsdatatypefilter import WidgetsDataTypeFilter

    class FeedbackExporter(HTMLExporter):
        shared_environment = None

        def _create_environment(self):
            if FeedbackExporter.shared_environment is None:
                FeedbackExporter.shared_environment = super()._create_environment()
            return FeedbackExporter.shared_environment

        def from_notebook_node(self, nb, resources=None, **kw):
            language = nb.metadata.get("language_info", {})
            lexer = language.get("pygments_lexer", language.get("name", None))
            resources = self._init_resources(resources)
            self.register_filter("highlight_code", self.filters.get("highlight_code", Highlight2HTML(pygments_lexer=lexer, parent=self)))
            self.register_filter("filter_data_type", WidgetsDataTypeFilter(notebook_metadata=self._nb_metadata, parent=self, resources=resources))
            return TemplateExporter.from_notebook_node(self, nb, resources, **kw)

    return FeedbackExporter
