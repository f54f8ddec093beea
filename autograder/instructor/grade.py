"""Grade every submission of one, several or all assignments: distributed, bounded, tamper-proof, fair under load, resumable.

    python -m autograder.instructor.grade 01_single_neuron [--workers=2] [--timeout=30] [--memory=1536] [--force]
    python -m autograder.instructor.grade --all [--scheduler=tcp://HOST:PORT] [--db=postgresql://...]

Run it in an nbgrader course directory (the one with nbgrader_config.py). It
grades `submitted/<student>/<assignment>/` with nbgrader's own machinery (its
gradebook, Autograde and GenerateFeedback converters, its export), hardened:
every submission is a task on Dask distributed, run by a worker on this
machine (a local cluster, by default) or on a cluster (`--scheduler`); each
runs in a fresh, sandboxed kernel forked from the worker's warm process (see
`warm_kernels`, `kernel_sandbox`), held to limits that count every process it
starts (see `containment`, `watchdog`), its test cells judged outside the
kernel (see `verified_execute`). Workers share no files with this machine:
each task carries what its submission needs and brings back what the
gradebook and the feedback need (see `worker`, `recording`). It leaves the
gradebook (SQLite, or PostgreSQL with `--db`) filled, feedback HTML for every
learner, and under `reports/<assignment>/`: grades.csv (nbgrader export),
exercises.csv and exercises.png (per exercise: mean score, share of full
marks, most common failures) and summary.txt; with several assignments, also
`reports/course/`: a learner × assignment table, its heatmap and a summary of
who has problems where.

A fault of the grader itself (a kernel that does not start, a lost worker, a
machine too busy to give a cell its time) is never a grade: the submission is
graded again, with growing pauses, up to `--attempts` times; if it still
fails, it is left without a score (not a zero), named in the summary, and the
next run grades it. The command exits 0 when every submission was graded
(whatever the submissions did; each one with a problem of its own is named in
the summary) and 75 when some were left for the next run. Interrupted (even
with SIGKILL, or by a lost Dask scheduler), it can simply be run again:
finished submissions are recognised and kept, the rest graded.
"""

from __future__ import annotations

import contextlib
import fcntl
import gc
import json
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps.baseapp import NbGrader, nbgrader_aliases, nbgrader_flags
from nbgrader.apps.generateassignmentapp import GenerateAssignment
from nbgrader.plugins import CsvExportPlugin
from nbgrader.utils import temp_attrs
from tqdm import tqdm
from traitlets import Bool, Integer, Unicode, default

from autograder.instructor import containment, reports, scratch, secret
from autograder.instructor.engine import Engine, SchedulerLost
from autograder.instructor.intake import Submission, take_in
from autograder.instructor.landlock import abi_version
from autograder.instructor.nbgrader_cli import put_interpreter_first_on_path, read_schema_version_in_process
from autograder.instructor.notebooks import nbgrader_cells
from autograder.instructor.recording import Recorder
from autograder.instructor.verified_execute import VerifiedExecute
from autograder.instructor.warm_kernels import preloads_for
from autograder.instructor.watchdog import Limits
from autograder.instructor.worker import Job, Kit, code_version

GRADER_FAILED = 75  # the exit code when some submissions were left for the next run (EX_TEMPFAIL)

aliases = {
    **nbgrader_aliases,
    "workers": "GradeApp.workers",
    "scheduler": "GradeApp.scheduler",
    "memory": "GradeApp.memory_limit",
    "processes": "GradeApp.process_limit",
    "disk": "GradeApp.disk_limit",
    "attempts": "GradeApp.attempts",
    "timeout": "Execute.timeout",
    "time-budget": "VerifiedExecute.time_budget",
    "output-limit": "VerifiedExecute.output_limit",
}
flags = {
    **nbgrader_flags,
    "all": ({"GradeApp": {"every_assignment": True}}, "Grade every assignment of the course."),
    "force": ({"GradeApp": {"force": True}}, "Grade again the submissions already graded."),
    "no-sandbox": ({"GradeApp": {"require_sandbox": False}}, "Grade even where Landlock is unavailable (unconfined kernels)."),
}


@dataclass
class Assignment:
    """One assignment being graded in this run: its notebook, exercises, kit and submissions."""

    name: str
    notebook: str
    exercises: list[tuple[str, float]]
    kit: Kit
    state: Path  # grading/<assignment>/
    submissions: dict[str, Submission] = field(default_factory=dict)
    pending: list[str] = field(default_factory=list)  # the students whose submissions are to be graded in this run
    results: list[dict] = field(default_factory=list)


class GradeApp(NbGrader):
    """Grade all submissions of one, several or all assignments, safely and fast."""

    name = "autograder-grade"
    description = __doc__
    aliases = aliases
    flags = flags

    workers = Integer(0, help="Local Dask workers, each grading one submission at a time; 0 means one per CPU core.").tag(config=True)
    scheduler = Unicode("", help="Address of a Dask scheduler (tcp://HOST:PORT) whose workers grade; empty: a local cluster.").tag(config=True)
    memory_limit = Integer(1536, help="Megabytes a submission's processes may allocate together.").tag(config=True)
    process_limit = Integer(64, help="Processes and threads a submission may run at once.").tag(config=True)
    disk_limit = Integer(256, help="Megabytes of files a submission may write.").tag(config=True)
    attempts = Integer(3, help="Times a submission is tried when the grader itself fails, before it is left for the next run.").tag(config=True)
    require_sandbox = Bool(True, help="Refuse to grade where Landlock cannot confine the kernels.").tag(config=True)
    force = Bool(False, help="Grade again the submissions already graded.").tag(config=True)
    every_assignment = Bool(False, help="Grade every assignment of the course.").tag(config=True)

    @default("classes")
    def _classes_default(self) -> list:
        return [*super()._classes_default(), GradeApp, VerifiedExecute]

    def start(self) -> None:
        super().start()
        put_interpreter_first_on_path()
        read_schema_version_in_process()
        course = Path(self.coursedir.root).resolve()
        names = self._assignment_names(course)
        with contextlib.ExitStack() as locks:
            for name in names:
                locks.enter_context(self._lock(course / "grading" / name, name))
            try:
                left = self._grade(course, names)
            except SchedulerLost as lost:
                print(f"The Dask scheduler at {self.scheduler} stopped answering ({lost}). What was graded is recorded; "
                      "start the scheduler again (or drop --scheduler) and run the command again to grade the rest.", file=sys.stderr)
                self.exit(GRADER_FAILED)
        if left:
            print(f"{left} submission(s) were not graded because the grader failed; run the command again to grade them.")
            self.exit(GRADER_FAILED)

    def _assignment_names(self, course: Path) -> list[str]:
        available = sorted(path.parent.name for path in (course / self.coursedir.source_directory).glob("*/*.ipynb"))
        names = available if self.every_assignment else list(self.extra_args)
        if not names:
            self.fail("Name the assignments to grade (e.g. `python -m autograder.instructor.grade 01_single_neuron`), or give --all.")
        unknown = [name for name in names if name not in available]
        if unknown:
            self.fail("No such assignment in %s/: %s (there are: %s).", self.coursedir.source_directory, ", ".join(unknown), ", ".join(available))
        return list(dict.fromkeys(names))

    @contextlib.contextmanager
    def _lock(self, state: Path, name: str):
        state.mkdir(parents=True, exist_ok=True)
        with open(state / "lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.fail("Another grading run of %s is in progress in this course directory.", name)
            yield

    def _grade(self, course: Path, names: list[str]) -> int:
        """Grade what is not graded yet; how many submissions the grader failed on."""
        if self.require_sandbox and abi_version() < 1:
            self.fail("Landlock is unavailable, so learners' code could not be confined; use --no-sandbox to grade anyway.")
        try:
            self.grading_secret = secret.require(course)
        except secret.MissingSecret as missing:
            self.fail("%s", missing)
        self._announce_containment()
        scratch.remove_abandoned()
        recorder = Recorder(course, self.coursedir.db_url, self.config, self.attempts)
        assignments = [self._prepare(course, name, recorder) for name in names]
        tasks = [(assignment, Job(student, *self._staged(assignment, student)))
                 for assignment in assignments for student in assignment.pending]
        total = sum(len(assignment.submissions) for assignment in assignments)
        unusable = sum(bool(result.get("unusable")) for assignment in assignments for result in assignment.results)
        if unusable:
            print(f"{unusable} of {total} submissions cannot be graded (see the summary).", file=sys.stderr)
        if total - unusable - len(tasks):
            print(f"{total - unusable - len(tasks)} of {total} submissions were already graded; grading the rest.", file=sys.stderr)
        engine = self._engine(tasks) if tasks else None
        with engine or contextlib.nullcontext():
            if engine:
                self._run(engine, tasks, total, recorder)
                engine.close_in_background()  # its workers wind down while the reports are written
            for assignment in assignments:
                self._report(course, assignment)
            if len(assignments) > 1:
                self._report_course(course, assignments)
        return sum(bool(result.get("grader_fault")) for assignment in assignments for result in assignment.results)

    def _prepare(self, course: Path, name: str, recorder: Recorder) -> Assignment:
        """Register an assignment, take in its submissions, and keep the results of those already graded."""
        notebook, exercises = self._register(course, name)
        state = course / "grading" / name
        assignment = Assignment(name, notebook, exercises, self._kit(course, name, notebook), state)
        done = state / "done"
        done.mkdir(parents=True, exist_ok=True)
        for submission in take_in(course, self.coursedir.submitted_directory, name, notebook, state / "staged"):
            assignment.submissions[submission.student] = submission
            previous = _read_json(done / f"{submission.student}.json")
            if previous and previous.get("fingerprint") == _fingerprint(submission) and not previous.get("grader_fault") and not self.force:
                assignment.results.append(previous)
                shutil.rmtree(state / "staged" / submission.student, ignore_errors=True)
            elif submission.staged:
                assignment.pending.append(submission.student)
            else:
                max_score = recorder.unusable(name, notebook, submission.student, submission.problems, submission.secret)
                result = {
                    "student": submission.student, "score": 0.0, "max_score": max_score, "cells": {}, "unusable": True,
                    "problems": submission.problems, "notes": submission.notes, "verdicts": {}, "calls_reference": [],
                    "grader_fault": "", "fingerprint": _fingerprint(submission),
                }
                _write_json(done / f"{submission.student}.json", result)
                assignment.results.append(result)
        if not assignment.submissions:
            self.log.warning("No submissions of %s in %s/.", name, self.coursedir.submitted_directory)
        return assignment

    def _engine(self, tasks: list[tuple[Assignment, Job]]) -> Engine:
        """Dask workers for this run: the cluster at --scheduler, or a local one of no more workers than tasks."""
        workers = self.workers or os.cpu_count() or 1
        log = Path(self.coursedir.root).resolve() / "grading" / "workers.log"
        kits = {assignment.name: assignment.kit for assignment, _ in tasks}.values()
        preloads = preloads_for(kit.source_files[f"{kit.notebook}.ipynb"].decode() for kit in kits)
        return Engine(preloads, self.scheduler, max(1, min(workers, len(tasks))), str(log))

    def _run(self, engine: Engine, tasks: list[tuple[Assignment, Job]], total: int, recorder: Recorder) -> None:
        """Grade the tasks on Dask and record each result as it comes."""
        by_key = {(assignment.name, job.student): (assignment, job) for assignment, job in tasks}
        if engine.dashboard:
            print(f"Dask's dashboard: {engine.dashboard}", file=sys.stderr)
        problems = 0
        with tqdm(total=total, initial=total - len(tasks), unit="notebook", desc="graded", file=sys.stderr, dynamic_ncols=True, mininterval=1) as bar:
            for result in engine.grade((assignment.kit, job) for assignment, job in tasks):
                assignment, job = by_key[(result.pop("assignment"), result["student"])]
                self._record(assignment, job, result, recorder)
                problems += bool(result["problems"] or result["grader_fault"])
                bar.set_postfix(problems=problems, refresh=False)
                bar.update(1)

    def _record(self, assignment: Assignment, job: Job, result: dict, recorder: Recorder) -> None:
        submission = assignment.submissions[job.student]
        autograded, feedback = result.pop("autograded"), result.pop("feedback")
        if not result["grader_fault"]:
            try:
                result.update(recorder.graded(assignment.name, assignment.notebook, job.timestamp, submission.secret, job.student, autograded, feedback))
            except Exception as error:  # the gradebook or the course directory failed us: the grader's fault
                result.update(score=None, max_score=None, cells={}, grader_fault=f"recording the grades failed: {type(error).__name__}: {error}")
        if result["grader_fault"]:
            recorder.not_graded(assignment.name, assignment.notebook, job.student, submission.secret)
        result.update(fingerprint=_fingerprint(submission), notes=submission.notes + result["notes"])
        _write_json(assignment.state / "done" / f"{job.student}.json", result)
        shutil.rmtree(assignment.state / "staged" / job.student, ignore_errors=True)  # recorded: its notebook and feedback remain
        assignment.results.append(result)

    def _staged(self, assignment: Assignment, student: str) -> tuple[str, str]:
        folder = assignment.state / "staged" / student / assignment.name
        timestamp = folder / "timestamp.txt"
        return (folder / f"{assignment.notebook}.ipynb").read_text(), timestamp.read_text() if timestamp.exists() else ""

    def _announce_containment(self) -> None:
        """Say which of a submission's limits hold how on this machine, and which do not."""
        limits = self._limits()
        self.log.info("Each submission may use %s.", limits.describe())
        if self.scheduler:
            return  # the workers are elsewhere; each says in its own log what holds there
        if not containment.namespaces_available():
            self.log.warning(
                "User namespaces (with a /proc of their own) are unavailable here: a submission's processes are counted "
                "by polling (it may pass the cap of %d for a moment before it is stopped), it is ended process by "
                "process, only TCP networking is blocked (by Landlock), and kernels can see the machine's other "
                "processes (their command lines, and the environments of this user's).", limits.processes,
            )
        if abi_version() < 6:
            self.log.warning("Landlock ABI %d: kernels are not kept from signalling other processes of this user (ABI 6 and later).", abi_version())

    def _limits(self) -> Limits:
        settings = self._execute_settings()
        seconds = settings["time_budget"] * settings["busy_machine_allowance"] + 60
        return Limits(memory_mb=self.memory_limit, processes=self.process_limit, disk_mb=self.disk_limit, seconds=seconds)

    def _register(self, course: Path, assignment: str) -> tuple[str, list[tuple[str, float]]]:
        """The assignment's notebook and its exercises (test cells and points), registering it if need be."""
        with Gradebook(self.coursedir.db_url) as gradebook:
            try:
                registered = bool(gradebook.find_assignment(assignment).notebooks)
            except MissingEntry:
                registered = False
        if not registered:
            self._generate(assignment)
        with Gradebook(self.coursedir.db_url) as gradebook:
            notebooks = [notebook.name for notebook in gradebook.find_assignment(assignment).notebooks]
        if len(notebooks) != 1:
            self.fail("%s has %d notebooks; this command grades assignments of one notebook.", assignment, len(notebooks))
        source = nbformat.read(course / self.coursedir.source_directory / assignment / f"{notebooks[0]}.ipynb", as_version=4)
        cells = nbgrader_cells(source, "grade").values()
        return notebooks[0], [(cell.metadata.nbgrader["grade_id"], float(cell.metadata.nbgrader["points"])) for cell in cells]

    def _generate(self, assignment: str) -> None:
        """Register an assignment as `nbgrader generate_assignment` does, in this process (a subprocess would import
        nbgrader again: seconds per assignment before the first submission is graded), its release thrown away."""
        quiet = self.log.getChild("generate_assignment")
        quiet.setLevel(logging.ERROR)
        with tempfile.TemporaryDirectory() as release, temp_attrs(self.coursedir, assignment_id=assignment, release_directory=release):
            generate = GenerateAssignment(coursedir=self.coursedir, parent=self, log=quiet, force=True, create_assignment=True)
            try:
                generate.start()
            except Exception as error:  # nbgrader has logged what went wrong
                self.fail("nbgrader could not register %s from %s/: %s", assignment, self.coursedir.source_directory, error)

    def _kit(self, course: Path, assignment: str, notebook: str) -> Kit:
        folder = course / self.coursedir.source_directory / assignment
        files = {str(path.relative_to(folder)): path.read_bytes() for path in sorted(folder.rglob("*"))
                 if path.is_file() and ".ipynb_checkpoints" not in path.parts}
        config_file = course / "nbgrader_config.py"
        with Gradebook(self.coursedir.db_url) as gradebook:
            duedate = gradebook.find_assignment(assignment).duedate
        settings = {
            "config": {"VerifiedExecute": self._execute_settings()},
            "limits": vars(self._limits()),
            "require_sandbox": self.require_sandbox,
            "attempts": self.attempts,
        }
        return Kit(assignment, notebook, files, config_file.read_text() if config_file.exists() else "c = get_config()\n",
                   duedate.isoformat() if duedate else "", settings, code_version(),
                   secret.assignment_key(self.grading_secret, assignment.split("_", 1)[1]))

    def _execute_settings(self) -> dict:
        """What the workers' VerifiedExecute is configured with, here or in nbgrader_config.py."""
        traits = VerifiedExecute.class_traits()
        settings = {name: traits[name].default_value for name in ("timeout", "time_budget", "output_limit", "busy_machine_allowance")}
        settings.update({key: value for key, value in self.config.Execute.items()})
        settings.update({key: value for key, value in self.config.VerifiedExecute.items()})
        return settings

    def _report(self, course: Path, assignment: Assignment) -> None:
        folder = course / "reports" / assignment.name
        folder.mkdir(parents=True, exist_ok=True)
        grades = folder / "grades.csv"
        with Gradebook(self.coursedir.db_url) as gradebook:  # what `nbgrader export` writes
            CsvExportPlugin(to=str(grades), config=self.config).export(gradebook)
        reports.mark_not_graded(grades, assignment.name, [result["student"] for result in assignment.results if result.get("grader_fault")])
        table, picture = reports.write_exercise_report(reports.exercise_rows(assignment.results, assignment.exercises), folder)
        summary = reports.summary_table(assignment.results)
        (folder / "summary.txt").write_text(summary + "\n")
        print(f"\n{assignment.name}\n\n{summary}\n")
        print(f"Graded {len(assignment.results)} submissions of {assignment.name}.")
        print(f"  gradebook:  {self.coursedir.db_url}")
        print(f"  feedback:   {course / 'feedback'}/<student>/{assignment.name}/")
        print(f"  grades:     {grades}")
        print(f"  exercises:  {table} and {picture}")
        print(f"  summary:    {folder / 'summary.txt'}")

    def _report_course(self, course: Path, assignments: list[Assignment]) -> None:
        folder = course / "reports" / "course"
        written = reports.write_course_report({assignment.name: assignment.results for assignment in assignments}, folder)
        print(f"\nThe course: {', '.join(str(path) for path in written)}")


def _fingerprint(submission: Submission) -> str:
    return submission.fingerprint or "unusable:" + "|".join(submission.problems)


def _read_json(path: Path) -> dict | None:
    try:
        return json.loads(path.read_text())
    except (FileNotFoundError, json.JSONDecodeError):
        return None


def _write_json(path: Path, content: dict) -> None:
    """Write a file whole or not at all, so that a run killed midway leaves no half-written record."""
    temporary = path.with_suffix(".tmp")
    temporary.write_text(json.dumps(content, indent=1))
    os.replace(temporary, path)


def main() -> None:
    try:
        GradeApp.launch_instance()
    finally:
        # Everything is written and closed by now; without this, the interpreter's last garbage collection would go
        # over every object of PyTorch, nbgrader and Dask before the command ends (about a second of nothing).
        gc.freeze()


if __name__ == "__main__":
    main()
