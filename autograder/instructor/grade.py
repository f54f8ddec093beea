"""Grade every submission of an assignment: in parallel, bounded, tamper-proof, fair under load and resumable.

    python -m autograder.instructor.grade 01_single_neuron [--workers=2] [--timeout=30] [--memory=1536] [--force]

Run it in an nbgrader course directory (the one with nbgrader_config.py). It
grades `submitted/<student>/<assignment>/` with nbgrader's own machinery (its
gradebook, Autograde and GenerateFeedback converters, its export), hardened:
each submission runs in a fresh, sandboxed kernel forked from a warm process
(see `warm_kernels`, `kernel_sandbox`), held to limits that count every
process it starts (see `containment`, `watchdog`), its test cells are judged
outside the kernel (see `verified_execute`), and several submissions are
graded at once. It leaves the gradebook filled, feedback HTML for every
learner, and under `reports/<assignment>/`: grades.csv (nbgrader export),
exercises.csv and exercises.png (per exercise: mean score, share of full
marks, most common failures) and summary.txt.

A fault of the grader itself (a kernel that does not start, a lost worker, a
busy gradebook, a machine too busy to give a cell its time) is never a grade:
the submission is graded again, with growing pauses, up to `--attempts` times;
if it still fails, it is left without a score (not a zero), named in the
summary, and the next run grades it. The command exits 0 when every
submission was graded (whatever the submissions did; each one with a problem
of its own is named in the summary) and 75 when some were left for the next
run. Interrupted (even with SIGKILL), it can simply be run again: finished
submissions are recognised and kept, the rest graded.
"""

from __future__ import annotations

import fcntl
import json
import os
import selectors
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import nbformat
from nbgrader.api import Gradebook, MissingEntry
from nbgrader.apps.baseapp import NbGrader, nbgrader_aliases, nbgrader_flags
from traitlets import Bool, Integer, default

from autograder.instructor import containment, feedback_pages, reports, scratch
from autograder.instructor.intake import Submission, take_in
from autograder.instructor.landlock import abi_version
from autograder.instructor.nbgrader_cli import run_nbgrader
from autograder.instructor.notebooks import nbgrader_cells
from autograder.instructor.verified_execute import VerifiedExecute
from autograder.instructor.watchdog import Limits

GRADER_FAILED = 75  # the exit code when some submissions were left for the next run (EX_TEMPFAIL)

aliases = {
    **nbgrader_aliases,
    "workers": "GradeApp.workers",
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
    "force": ({"GradeApp": {"force": True}}, "Grade again the submissions already graded."),
    "no-sandbox": ({"GradeApp": {"require_sandbox": False}}, "Grade even where Landlock is unavailable (unconfined kernels)."),
}


class GradeApp(NbGrader):
    """Grade all submissions of an assignment, safely and fast."""

    name = "autograder-grade"
    description = __doc__
    aliases = aliases
    flags = flags

    workers = Integer(0, help="Submissions graded at once; 0 means one per CPU core.").tag(config=True)
    memory_limit = Integer(1536, help="Megabytes a submission's processes may allocate together.").tag(config=True)
    process_limit = Integer(64, help="Processes and threads a submission may run at once.").tag(config=True)
    disk_limit = Integer(256, help="Megabytes of files a submission may write.").tag(config=True)
    attempts = Integer(3, help="Times a submission is tried when the grader itself fails, before it is left for the next run.").tag(config=True)
    require_sandbox = Bool(True, help="Refuse to grade where Landlock cannot confine the kernels.").tag(config=True)
    force = Bool(False, help="Grade again the submissions already graded.").tag(config=True)

    @default("classes")
    def _classes_default(self) -> list:
        return [*super()._classes_default(), GradeApp, VerifiedExecute]

    def start(self) -> None:
        super().start()
        if len(self.extra_args) != 1:
            self.fail("Name the assignment to grade, e.g. `python -m autograder.instructor.grade 01_single_neuron`.")
        assignment = self.extra_args[0]
        course = Path(self.coursedir.root).resolve()
        state = course / "grading" / assignment
        state.mkdir(parents=True, exist_ok=True)
        with open(state / "lock", "w") as lock:
            try:
                fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                self.fail("Another grading run of %s is in progress in this course directory.", assignment)
            left = self._grade(course, assignment, state)
        if left:
            print(f"{left} submission(s) of {assignment} were not graded because the grader failed; run the command again to grade them.")
            self.exit(GRADER_FAILED)

    def _grade(self, course: Path, assignment: str, state: Path) -> int:
        """Grade what is not graded yet; how many submissions the grader failed on."""
        if self.require_sandbox and abi_version() < 1:
            self.fail("Landlock is unavailable, so learners' code could not be confined; use --no-sandbox to grade anyway.")
        self._announce_containment()
        scratch.remove_abandoned()
        notebook, exercises = self._register(course, assignment)
        staging = state / "staged"
        submissions = take_in(course, self.coursedir.submitted_directory, assignment, notebook, staging)
        if not submissions:
            self.log.warning("No submissions of %s in %s/.", assignment, self.coursedir.submitted_directory)
        done = state / "done"
        done.mkdir(exist_ok=True)
        results, pending = [], []
        for submission in submissions:
            previous = _read_json(done / f"{submission.student}.json")
            if previous and previous.get("fingerprint") == _fingerprint(submission) and not previous.get("grader_fault") and not self.force:
                results.append(previous)
            elif submission.staged:
                pending.append(submission)
            else:
                results.append(self._record_unusable(course, assignment, notebook, submission, done))
        settings = self._worker_settings(course, staging)
        pool = WorkerPool(course, assignment, settings, self._worker_count(len(pending)), self.attempts, self.log)
        with Progress(len(submissions), already=len(results), unusable=sum(not s.staged for s in submissions)) as progress:
            for result in pool.grade(pending, progress):
                submission = next(item for item in pending if item.student == result["student"])
                result.update(fingerprint=_fingerprint(submission), notes=submission.notes + result["notes"])
                if result["grader_fault"]:
                    self._record_not_graded(course, assignment, notebook, submission.student)
                _write_json(done / f"{submission.student}.json", result)
                shutil.rmtree(staging / submission.student, ignore_errors=True)  # graded: its notebook and feedback remain, no copy
                results.append(result)
        self._report(course, assignment, exercises, results)
        return sum(bool(result.get("grader_fault")) for result in results)

    def _announce_containment(self) -> None:
        """Say which of a submission's limits hold how on this machine, and which do not."""
        limits = self._limits()
        self.log.info("Each submission may use %s.", limits.describe())
        if not containment.namespaces_available():
            self.log.warning(
                "User namespaces are unavailable here: a submission's processes are counted by polling (it may pass "
                "the cap of %d for a moment before it is stopped), it is ended process by process, and only TCP "
                "networking is blocked (by Landlock).", limits.processes,
            )
        if abi_version() < 6:
            self.log.warning("Landlock ABI %d: kernels are not kept from signalling other processes of this user (ABI 6 and later).", abi_version())

    def _limits(self) -> Limits:
        budget = self._execute_settings()["time_budget"]
        seconds = budget * VerifiedExecute.busy_machine_allowance.default_value + 60
        return Limits(memory_mb=self.memory_limit, processes=self.process_limit, disk_mb=self.disk_limit, seconds=seconds)

    def _register(self, course: Path, assignment: str) -> tuple[str, list[tuple[str, float]]]:
        """The assignment's notebook and its exercises (test cells and points), registering it if need be."""
        with Gradebook(self.coursedir.db_url) as gradebook:
            try:
                registered = bool(gradebook.find_assignment(assignment).notebooks)
            except MissingEntry:
                registered = False
        if not registered:
            with tempfile.TemporaryDirectory() as release:
                run_nbgrader("generate_assignment", assignment, "--force", "--log-level=ERROR",
                             f"--CourseDirectory.release_directory={release}", cwd=course, capture=True)
        with Gradebook(self.coursedir.db_url) as gradebook:
            notebooks = [notebook.name for notebook in gradebook.find_assignment(assignment).notebooks]
        if len(notebooks) != 1:
            self.fail("%s has %d notebooks; this command grades assignments of one notebook.", assignment, len(notebooks))
        source = nbformat.read(course / self.coursedir.source_directory / assignment / f"{notebooks[0]}.ipynb", as_version=4)
        cells = nbgrader_cells(source, "grade").values()
        return notebooks[0], [(cell.metadata.nbgrader["grade_id"], float(cell.metadata.nbgrader["points"])) for cell in cells]

    def _execute_settings(self) -> dict:
        """What the workers' VerifiedExecute is configured with, here or in nbgrader_config.py."""
        settings = {"timeout": 30, "time_budget": 300, "output_limit": 2}
        settings.update({key: value for key, value in self.config.Execute.items()})
        settings.update({key: value for key, value in self.config.VerifiedExecute.items()})
        return settings

    def _worker_settings(self, course: Path, staging: Path) -> dict:
        return {
            "config": {"VerifiedExecute": self._execute_settings()},
            "staged": str(staging.relative_to(course)),
            "db_url": _with_busy_timeout(self.coursedir.db_url),
            "limits": vars(self._limits()),
            "require_sandbox": self.require_sandbox,
        }

    def _worker_count(self, pending: int) -> int:
        wanted = self.workers or os.cpu_count() or 1
        return max(1, min(wanted, pending))

    def _record_unusable(self, course: Path, assignment: str, notebook: str, submission: Submission, done: Path) -> dict:
        """Give an unusable submission zero points in the gradebook, and feedback that says why."""
        with Gradebook(self.coursedir.db_url) as gradebook:
            gradebook.update_or_create_student(submission.student)
            # nbgrader builds a new submission by reading the assignment before adding it to the session; with
            # autoflush on, SQLAlchemy 2 warns (SAWarning: ... not in session) at every such read.
            with gradebook.db.no_autoflush:
                recorded = gradebook.update_or_create_submission(assignment, submission.student)
            for submitted_notebook in recorded.notebooks:
                for grade in submitted_notebook.grades:
                    grade.auto_score, grade.needs_manual_grade = 0, False
            gradebook.db.commit()
            max_score = recorded.max_score
        feedback_pages.write_unusable(course, assignment, notebook, submission.student, submission.problems, max_score)
        result = {
            "student": submission.student, "score": 0.0, "max_score": max_score, "cells": {}, "unusable": True,
            "problems": submission.problems, "notes": submission.notes, "verdicts": {}, "calls_reference": [],
            "grader_fault": "", "fingerprint": _fingerprint(submission),
        }
        _write_json(done / f"{submission.student}.json", result)
        return result

    def _record_not_graded(self, course: Path, assignment: str, notebook: str, student: str) -> None:
        """Leave a submission the grader failed on without a score (no zero), and tell its learner it will be graded."""
        with Gradebook(self.coursedir.db_url) as gradebook:
            try:
                gradebook.remove_submission(assignment, student)
            except MissingEntry:
                pass
        feedback_pages.write_not_graded_yet(course, assignment, notebook, student)

    def _report(self, course: Path, assignment: str, exercises: list[tuple[str, float]], results: list[dict]) -> None:
        folder = course / "reports" / assignment
        folder.mkdir(parents=True, exist_ok=True)
        grades = folder / "grades.csv"
        run_nbgrader("export", "--to", str(grades), "--log-level=ERROR", cwd=course, capture=True)
        reports.mark_not_graded(grades, assignment, [result["student"] for result in results if result.get("grader_fault")])
        table, picture = reports.write_exercise_report(reports.exercise_rows(results, exercises), folder)
        summary = reports.summary_table(results)
        (folder / "summary.txt").write_text(summary + "\n")
        print(f"\n{summary}\n")
        print(f"Graded {len(results)} submissions of {assignment}.")
        print(f"  gradebook:  {self.coursedir.db_url}")
        print(f"  feedback:   {course / 'feedback'}/<student>/{assignment}/")
        print(f"  grades:     {grades}")
        print(f"  exercises:  {table} and {picture}")


class WorkerPool:
    """Grading workers (see `worker`), fed one submission at a time; the grader's own faults are retried.

    A submission whose grading failed for the grader's reasons (the worker says
    so, or the worker died or stalled while grading it) is queued again after a
    pause that doubles each time, up to `attempts` tries; a worker that dies is
    replaced.
    """

    def __init__(self, course: Path, assignment: str, settings: dict, size: int, attempts: int, log):
        self.course, self.assignment, self.settings, self.size, self.attempts, self.log = course, assignment, settings, size, attempts, log
        budget = settings["config"]["VerifiedExecute"]["time_budget"]
        self.deadline = budget * VerifiedExecute.busy_machine_allowance.default_value + 180
        self.log_path = course / "grading" / assignment / "workers.log"

    def grade(self, submissions: list[Submission], progress: Progress):
        """Yield one final result for every submission, in the order they finish."""
        queue = [(student, 1, 0.0) for student in (submission.student for submission in submissions)]  # (student, attempt, not before)
        selector = selectors.DefaultSelector()
        busy: dict[subprocess.Popen, tuple[str, int, float]] = {}
        failed_starts = 0
        with open(self.log_path, "a") as log:
            workers = [self._start(log, selector) for _ in range(self.size if queue else 0)]
            idle = list(workers)
            try:
                while queue or busy:
                    now = time.monotonic()
                    for entry in sorted((entry for entry in queue if entry[2] <= now), key=lambda entry: entry[2]):
                        if not idle:
                            break
                        queue.remove(entry)
                        worker = idle.pop()
                        worker.stdin.write(json.dumps({"student": entry[0]}) + "\n")
                        worker.stdin.flush()
                        busy[worker] = (entry[0], entry[1], now)
                    for key, _ in selector.select(timeout=0.5):
                        worker = key.data
                        line = worker.stdout.readline()
                        message = json.loads(line) if line else None
                        if message and "ready" in message:
                            failed_starts = 0
                            continue
                        if message is None:
                            lost = self._lost(worker, busy, selector, "the grading worker stopped unexpectedly")
                            failed_starts += lost is None
                            if failed_starts >= 3:
                                raise RuntimeError("grading workers stop as soon as they start; see " + str(self.log_path))
                            idle.append(self._start(log, selector))
                            message = lost
                        else:
                            student, attempt, _ = busy.pop(worker)
                            message["attempts"] = attempt
                            idle.append(worker)
                        if message:
                            final = self._settle(message, queue)
                            if final:
                                progress.advance(final["student"], bool(final["problems"] or final["grader_fault"]))
                                yield final
                    for worker, (student, attempt, started) in list(busy.items()):
                        if time.monotonic() - started > self.deadline:
                            final = self._settle(self._lost(worker, busy, selector, f"grading took longer than {self.deadline:g} s"), queue)
                            idle.append(self._start(log, selector))
                            if final:
                                progress.advance(final["student"], True)
                                yield final
            finally:
                for worker in workers + idle + list(busy):
                    if worker.poll() is None:
                        worker.stdin.close()
                for worker in set(workers + idle + list(busy)):
                    try:
                        worker.wait(timeout=10)
                    except subprocess.TimeoutExpired:
                        worker.kill()

    def _settle(self, result: dict, queue: list) -> dict | None:
        """The final result, or None when the submission is queued again after a fault of the grader."""
        if not result["grader_fault"] or result["attempts"] >= self.attempts:
            return result
        pause = 2 ** (result["attempts"] - 1)
        self.log.warning("%s: the grader failed (%s); trying again in %d s.", result["student"], result["grader_fault"], pause)
        queue.append((result["student"], result["attempts"] + 1, time.monotonic() + pause))
        return None

    def _start(self, log, selector) -> subprocess.Popen:
        worker = subprocess.Popen(
            [sys.executable, "-m", "autograder.instructor.worker", str(self.course), self.assignment, json.dumps(self.settings)],
            cwd=self.course, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=log, text=True,
            env={**os.environ, "PATH": os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")])},
            start_new_session=True,
        )
        selector.register(worker.stdout, selectors.EVENT_READ, data=worker)
        return worker

    def _lost(self, worker: subprocess.Popen, busy: dict, selector, reason: str) -> dict | None:
        """Stop a worker that failed; a grader-fault result for the submission it was grading, if any."""
        selector.unregister(worker.stdout)
        student, attempt, _ = busy.pop(worker, ("", 0, 0))
        try:
            os.killpg(worker.pid, 9)
        except ProcessLookupError:
            pass
        worker.wait()
        self.log.error("%s (while grading %s)", reason, student or "nothing")
        if not student:
            return None
        return {"student": student, "score": None, "max_score": None, "cells": {}, "problems": [], "notes": [],
                "verdicts": {}, "calls_reference": [], "grader_fault": reason, "attempts": attempt}


class Progress:
    """A one-line progress bar on a terminal; a line per finished submission elsewhere."""

    def __init__(self, total: int, already: int, unusable: int = 0):
        self.total, self.done, self.problems, self.unusable = total, already, 0, unusable
        self.started = time.monotonic()
        self.terminal = sys.stderr.isatty()

    def __enter__(self) -> Progress:
        if self.unusable:
            print(f"{self.unusable} of {self.total} submissions cannot be graded (see the summary).", file=sys.stderr)
        if self.done > self.unusable:
            print(f"{self.done - self.unusable} of {self.total} submissions were already graded; grading the rest.", file=sys.stderr)
        return self

    def advance(self, student: str, problem: bool) -> None:
        self.done += 1
        self.problems += problem
        width = 30
        filled = int(width * self.done / max(self.total, 1))
        line = f"[{'#' * filled}{'.' * (width - filled)}] {self.done}/{self.total} graded, {self.problems} with problems, {time.monotonic() - self.started:.0f} s"
        if self.terminal:
            print(f"\r{line}", end="", file=sys.stderr, flush=True)
        else:
            print(f"{line}  ({student})", file=sys.stderr, flush=True)

    def __exit__(self, *exception) -> None:
        if self.terminal:
            print(file=sys.stderr)


def _fingerprint(submission: Submission) -> str:
    return submission.fingerprint or "unusable:" + "|".join(submission.problems)


def _with_busy_timeout(db_url: str) -> str:
    """Several workers write the same SQLite gradebook: each waits its turn instead of failing."""
    return f"{db_url}?timeout=120" if db_url.startswith("sqlite") and "?" not in db_url else db_url


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
    GradeApp.launch_instance()


if __name__ == "__main__":
    main()
