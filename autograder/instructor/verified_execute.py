"""nbgrader preprocessors that make autograding bounded, fair under load and tamper-proof.

`VerifiedExecute` replaces nbgrader's `Execute` in the autograde pipeline. It
runs the notebook in a warm, sandboxed, watched kernel (see `warm_kernels`), and:

- has every test cell judged outside the kernel: the kernel only reports what
  the learner's functions did (see autograder.checks.sealed); `judging`
  computes the verdict in this process and writes it into the cell's outputs,
  so nbgrader's SaveAutoGrades scores what was verified and nothing the
  notebook printed or patched;
- draws the learner's hidden cases from `hidden_key` (the notebook's key of
  the course's grading secret) and hands each test cell's to the kernel just
  before that cell runs, with the references of the exercises it calls (see
  autograder.instructor.hidden_cases): the kernel never holds the secret,
  and no case of a later exercise before its time;
- survives the notebook: a cell past the time limit is interrupted and named;
  one that ignores the interrupt, a kernel that dies (os._exit, a crash, a
  limit of the whole submission passed) or a notebook past its time budget
  stops the run, and every cell not reached scores nothing, with the reason
  in its output; floods of output are cut off, in the kernel itself (see
  `output_cap`) and again as they are read;
- tells the grader's faults from the submission's: time limits count the time
  the kernel had, not the time a busy machine kept it waiting (see
  `kernel_clock`), and a kernel that does not start or answer, or a machine
  too busy to give a cell its time, raises `GraderFault` rather than costing
  the learner anything: the submission is graded again.

`RestoringOverwriteCells` is nbgrader's OverwriteCells with missing test cells
restored, and a note of every locked cell a learner changed, without the
spurious warning stock nbgrader gives for each test cell with hidden tests.

What happened to a submission is collected in `record` for the worker.
"""

from __future__ import annotations

import contextlib
import json
from queue import Empty
from typing import Any

from jupyter_core.utils import ensure_async
from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.api import Gradebook
from nbgrader.preprocessors import Execute, NbGraderPreprocessor, OverwriteCells
from nbgrader.utils import is_grade
from traitlets import Bool, Float, Integer, Unicode, default

from autograder.checks import for_assignment, transport
from autograder.instructor import hidden_cases, judging
from autograder.instructor.judging import Record
from autograder.instructor.judging import error_output as _error
from autograder.instructor.judging import note_output as _note
from autograder.instructor.kernel_clock import KernelClock
from autograder.instructor.warm_kernels import WarmKernelManager


class _InterruptIgnored(Exception):
    """A cell went on running after it was interrupted at its time limit."""


class GraderFault(Exception):
    """The grader, not the submission, failed: the submission must be graded again, never scored for it."""


record = Record()


class VerifiedExecute(Execute):
    """Execute a submission in a warm sandboxed kernel, and judge its test cells outside it."""

    time_budget = Integer(300, help="Seconds a whole notebook may run before its remaining cells are skipped.").tag(config=True)
    output_limit = Integer(2, help="Megabytes of output a cell may produce; the rest is dropped.").tag(config=True)
    busy_machine_allowance = Float(
        10.0,
        help="A cell (or notebook) that has not had its time limit within this many times the limit, because the "
        "machine kept it waiting, is graded again later rather than stopped (10: a kernel that gets a tenth of a "
        "CPU, as among twenty busy processes on two cores, is still graded).",
    ).tag(config=True)
    interrupt_on_timeout = Bool(True)
    startup_timeout = Integer(60, help="Seconds a kernel may take to start and answer; past it, grading is retried.").tag(config=True)
    iopub_timeout = Integer(60, help="Seconds to wait for a cell's last output after its reply (the machine may be busy).").tag(config=True)
    hidden_key = Unicode("", help="The notebook's key of the course's grading secret (autograder.instructor.secret), set by the grade command.").tag(config=True)
    interrupt_grace = 10.0  # seconds of its own time an interrupted kernel gets to answer before it is stopped

    @default("shutdown_kernel")
    def _kill_kernel_at_the_end(self) -> str:
        return "immediate"  # the notebook's every output is in hand: its kernel is killed, not asked to end and waited for

    def __init__(self, **kwargs: Any):
        kwargs["kernel_manager_class"] = WarmKernelManager
        super().__init__(**kwargs)

    def create_kernel_manager(self) -> WarmKernelManager:
        manager = super().create_kernel_manager()
        manager.output_mb = self.output_limit  # the kernel caps its cells' output too (see output_cap)
        return manager

    def preprocess(self, nb: NotebookNode, resources: dict, km: Any = None) -> tuple[NotebookNode, dict]:
        NotebookClient.__init__(self, nb, km)  # the per-notebook state, reset as nbconvert's preprocess does
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        assignment = resources["nbgrader"]["assignment"]
        self._checks = for_assignment(assignment)
        if not self.hidden_key:
            raise GraderFault("the grader was given no key to draw the hidden cases with")
        notebook = assignment.split("_", 1)[1]
        self._submission = hidden_cases.Submission(notebook, self.hidden_key, resources["nbgrader"]["student"], self._checks)
        self._output_bytes: dict[int, int] = {}
        try:
            with contextlib.ExitStack() as kernel:
                try:
                    kernel.enter_context(self.setup_kernel())
                    info = self.wait_for_reply(self.kc.kernel_info())
                except Exception as error:  # nothing of the submission has run yet: whatever failed is the grader's
                    self._abandon_kernel()
                    raise GraderFault(f"the kernel did not start or answer ({type(error).__name__}: {error})") from error
                self.nb.metadata["language_info"] = info["content"]["language_info"]
                self.km.watchdog.notebook_starts()
                self._run_cells(resources, self._kernel_clock())
        except GraderFault as fault:
            record.grader_fault = str(fault)
            raise
        return self.nb, self.resources

    def _abandon_kernel(self) -> None:
        """End a kernel that failed to start, and close its sockets now.

        nbclient cleans up only a kernel that started; a ZeroMQ context left
        with open sockets to the garbage collector blocks whichever thread
        collects it, for ever.
        """
        if self.kc is not None:
            with contextlib.suppress(Exception):
                self.kc.stop_channels()
        if self.km is not None:
            with contextlib.suppress(Exception):
                self.km.end_submission()
            if self.km._created_context:
                self.km.context.destroy(linger=0)
        self.kc = self.km = None

    def _run_cells(self, resources: dict, notebook_clock: KernelClock) -> None:
        stopped = ""
        for index, cell in enumerate(self.nb.cells):
            if cell.cell_type != "code":
                continue
            if stopped:
                _mark_not_run(cell, stopped)
                continue
            try:
                self.preprocess_cell(cell, resources, index)
            except DeadKernelError:
                stopped = self._death(cell)
            except _InterruptIgnored:
                stopped = self._stop(cell, f"{_cell_name(cell)} ran past the time limit of {self.timeout} s and ignored the interrupt")
            except CellTimeoutError as error:
                if not self._interrupted:
                    raise GraderFault(f"the output of {_cell_name(cell)} did not arrive ({error})") from error
                stopped = self._stop(cell, f"{_cell_name(cell)} was interrupted at the time limit of {self.timeout} s, and its output did not stop")
            if not stopped and notebook_clock.had() > self.time_budget:
                stopped = f"the notebook ran past its time budget of {self.time_budget} s"
            elif not stopped and notebook_clock.wall() > self.time_budget * self.busy_machine_allowance:
                raise GraderFault(f"the machine was too busy to give the notebook its time ({notebook_clock.had():.0f} s of it in {notebook_clock.wall():.0f} s)")
            if stopped:
                record.problem(stopped)

    def _stop(self, cell: NotebookNode, reason: str) -> str:
        """End a kernel that will not stop running `cell`; the cell and every later one score nothing."""
        self.km.provisioner.process.kill()
        _mark_not_run(cell, reason)
        return reason

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        source = cell.source
        delivery = self._submission.delivery_code(_grade_id(cell)) if is_grade(cell) else ""
        if delivery:  # run first, in the same request: the cell's hidden cases and parts reach the kernel only now
            cell.source = f"{delivery}\n{source}"
        try:
            cell, resources = super().preprocess_cell(cell, resources, index)
            if self.km.watchdog.check():  # the cell's own results do not count: it took the submission past a limit
                raise DeadKernelError(self.km.breach)  # `_death` words the reason
        finally:
            cell.source = source
        if any(output.get("ename") == "CellTimeoutError" for output in cell.outputs):
            problem = f"{_cell_name(cell)} was stopped after {self.timeout} s, the time limit for a cell"
            record.problem(problem)
            cell.outputs = [output for output in cell.outputs if output.output_type != "error"]
            cell.outputs.append(_error("CellTimeout", problem))
        for output in cell.outputs:
            if output.get("ename") == "MemoryError":
                record.problem(f"{_cell_name(cell)} ran out of memory (the limit is {self.km.limits.memory_mb} MB)")
            elif output.get("ename") == "SystemExit":
                record.problem(f"{_cell_name(cell)} raised SystemExit (sys.exit() stops the cell, not the grading)")
            elif output.get("ename") == "BlockingIOError" and "Resource temporarily unavailable" in output.get("evalue", ""):
                record.problem(f"{_cell_name(cell)} could not start more processes (the limit is {self.km.limits.processes} processes and threads)")
        if index in self._output_bytes and self._output_bytes[index] > self.output_limit * 2**20:
            note = f"{_cell_name(cell)} printed more than {self.output_limit} MB; the rest of its output was dropped"
            record.notes.append(note)
            cell.outputs.append(_note(f"[{note}]"))
        self._verify(cell)
        return cell, resources

    async def _async_poll_for_reply(self, msg_id: str, cell: NotebookNode, timeout: int | None, *tasks: Any) -> dict:
        self._awaited, self._cell_clock, self._interrupted = msg_id, self._kernel_clock(), False
        try:
            return await super()._async_poll_for_reply(msg_id, cell, timeout, *tasks)
        finally:
            record.execution_seconds = round(record.execution_seconds + self._cell_clock.wall(), 3)

    async def _async_handle_timeout(self, timeout: int, cell: NotebookNode | None = None) -> dict | None:
        """At the time limit: wait on for as long as the machine kept the kernel waiting, then interrupt.

        An interrupted kernel has `interrupt_grace` seconds of its own time to
        answer; one that does not ignored the interrupt. Either wait is
        counted on the kernel's clock, so a busy machine costs nothing.
        """
        reply = await self._reply_within(self._cell_clock, timeout, cell)
        if reply is not None:
            return reply
        self._interrupted = True
        timed_out = await super()._async_handle_timeout(timeout, cell)  # interrupts; the error reply nbgrader records
        if await self._reply_within(self._kernel_clock(), self.interrupt_grace, cell) is None:
            raise _InterruptIgnored()
        return timed_out

    async def _reply_within(self, clock: KernelClock, seconds: float, cell: NotebookNode | None) -> dict | None:
        """The running cell's reply if it comes before the kernel has had `seconds` by `clock`, else None."""
        while (owed := seconds - clock.had()) > 0.05:
            if clock.wall() > seconds * self.busy_machine_allowance:
                raise GraderFault(f"the machine was too busy to give {_cell_name(cell)} its time ({clock.had():.1f} s of {seconds:g} in {clock.wall():.0f} s)")
            try:
                reply = await ensure_async(self.kc.shell_channel.get_msg(timeout=owed))
            except Empty:
                await self._async_check_alive()
                continue
            if reply["parent_header"].get("msg_id") == self._awaited:
                return reply
        return None

    def _kernel_clock(self) -> KernelClock:
        return KernelClock(self.km.provisioner.process.kernel)

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> NotebookNode | None:
        size = len(json.dumps(msg.get("content", {}), default=str))
        self._output_bytes[cell_index] = self._output_bytes.get(cell_index, 0) + size
        if self._output_bytes[cell_index] > self.output_limit * 2**20 and transport.MARKER not in str(msg.get("content", {}).get("text", "")):
            return None
        return super().output(outs, msg, display_id, cell_index)

    def _verify(self, cell: NotebookNode) -> None:
        """Judge the reports a cell's checks printed, and put the verdicts in place of the reports."""
        judging.verify(cell, self._checks, record, self._submission.judged_against)

    def _death(self, cell: NotebookNode) -> str:
        code = self.km.provisioner.process.poll() if self.km and self.km.provisioner and self.km.provisioner.process else None
        if self.km.watchdog and self.km.watchdog.out_of_time:  # the cell and notebook limits should have ended it long before
            raise GraderFault(f"grading took longer than it can ({self.km.breach})")
        if self.km.breach:
            cause = f"the submission was stopped because {self.km.breach}"
        elif code == 0:
            cause = "the notebook ended its own kernel (os._exit, exit() or quit())"
        elif code == -9:
            cause = "the kernel was killed"
        elif code is not None and code < 0:
            cause = f"the kernel crashed (signal {-code})"
        else:
            cause = f"the kernel stopped (exit code {code})"
        reason = f"{cause} while running {_cell_name(cell)}"
        _mark_not_run(cell, reason)
        return reason


class KnownCellsOnly(NbGraderPreprocessor):
    """Grade the assignment's own cells, as the gradebook knows them, whatever else a notebook holds.

    A learner may copy a test cell, add a cell of their own with nbgrader's
    metadata, rename one, or garble its metadata. Stock nbgrader then refuses
    the whole notebook. Here every cell whose grade_id the gradebook knows gets
    that cell's metadata back whole (kind, points, locking; OverwriteCells then
    restores locked sources), a grade_id that appears more than once keeps its
    metadata on its last copy (as nbgrader's DeduplicateIds does) and every
    other cell loses nbgrader's metadata and runs as ordinary code. Each such
    repair is noted.
    """

    def preprocess(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        with Gradebook(resources["nbgrader"]["db_url"]) as gradebook:
            notebook = gradebook.find_notebook(resources["nbgrader"]["notebook"], resources["nbgrader"]["assignment"])
            self._known = {cell.name: _metadata_of(cell.name, notebook) for cell in notebook.source_cells}
        claimed = [_grade_id(cell) for cell in nb.cells]
        last = {grade_id: index for index, grade_id in enumerate(claimed) if grade_id}
        for index, (cell, grade_id) in enumerate(zip(nb.cells, claimed)):
            if "nbgrader" not in cell.metadata:
                continue
            graded = isinstance(cell.metadata.nbgrader, dict) and (cell.metadata.nbgrader.get("grade") or cell.metadata.nbgrader.get("solution"))
            if grade_id in self._known and last[grade_id] == index:
                original = self._known[grade_id]
                for attribute in ("grade", "solution", "locked", "points"):
                    if attribute in original and cell.metadata.nbgrader.get(attribute) != original[attribute]:
                        _note_restored(grade_id, attribute, original["locked"])
                cell.metadata.nbgrader = NotebookNode(dict(original))
                continue
            del cell.metadata["nbgrader"]
            if grade_id in self._known:
                record.notes.append(f"the cell {grade_id} appears {claimed.count(grade_id)} times; its last copy is graded, the others ran as ordinary code")
            elif graded:
                record.notes.append(f"a graded cell that is not part of the assignment ({grade_id or 'without a name'}) ran as ordinary code and was not graded")
        return nb, resources


def _grade_id(cell: NotebookNode) -> str:
    metadata = cell.metadata.get("nbgrader")
    grade_id = metadata.get("grade_id") if isinstance(metadata, dict) else None
    return grade_id if isinstance(grade_id, str) else ""


def _metadata_of(name: str, notebook: Any) -> dict:
    """A cell's nbgrader metadata as the assignment defines it, rebuilt from the gradebook."""
    source = next(cell for cell in notebook.source_cells if cell.name == name)
    graded = {cell.name: cell for cell in notebook.grade_cells}
    metadata = {
        "grade": name in graded,
        "solution": name in {cell.name for cell in notebook.solution_cells},
        "locked": source.locked,
        "grade_id": name,
        "schema_version": 3,
        "task": name in {cell.name for cell in notebook.task_cells},
    }
    if name in graded:
        metadata["points"] = float(graded[name].max_score)
    return metadata


class RestoringOverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells, restoring deleted test cells and noting every repaired locked cell."""

    add_missing_cells = Bool(True, help="Put deleted test cells back (stock nbgrader leaves them out).").tag(config=True)

    def add_missing_grade_cells(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        """Put every missing test cell back after the nearest cell before it that the notebook still has (else at the end).

        nbgrader's own version puts it after the cell just before it in the
        assignment, and fails when that cell is gone too.
        """
        source = self.gradebook.find_notebook(self.notebook_id, self.assignment_id)
        order = [cell.name for cell in source.source_cells]
        solutions = {cell.name for cell in source.solution_cells}
        for grade_cell in source.grade_cells:
            present = [_grade_id(cell) for cell in nb.cells]
            if grade_cell.name in present:
                continue
            earlier = order[: order.index(grade_cell.name)]
            anchor = max((index for index, grade_id in enumerate(present) if grade_id in earlier), default=len(nb.cells) - 1)
            source_cell = next(cell for cell in source.source_cells if cell.name == grade_cell.name)
            nb.cells.insert(anchor + 1, self.missing_cell_transform(source_cell, grade_cell.max_score, is_solution=grade_cell.name in solutions))
            record.notes.append(f"the test cell {grade_cell.name} was missing; it was put back and run")
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: dict, cell_index: int) -> tuple[NotebookNode, dict]:
        self._as_released, self._locked = False, bool(cell.metadata.get("nbgrader", {}).get("locked"))
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if grade_id and is_grade(cell):
            try:
                source = self.gradebook.find_source_cell(grade_id, self.notebook_id, self.assignment_id).source
                self._as_released = _without_hidden_tests(source) == cell.source.strip()
            except Exception:  # an unknown cell is nbgrader's to report
                pass
        return super().preprocess_cell(cell, resources, cell_index)

    def report_change(self, name: str, attr: str, old: Any, new: Any) -> None:
        if attr == "checksum" and self._as_released:
            return  # the released test cell lacks its hidden tests; nothing was changed
        _note_restored(name, attr, self._locked)
        super().report_change(name, attr, old, new)


def _note_restored(name: str, attribute: str, locked: bool = True) -> None:
    record.notes.append(f"the {'locked ' if locked else ''}cell {name} had its {attribute} changed; the original was restored")


def _without_hidden_tests(source: str) -> str:
    kept, hidden = [], False
    for line in source.splitlines():
        if line.strip() == "### BEGIN HIDDEN TESTS":
            hidden = True
        elif line.strip() == "### END HIDDEN TESTS":
            hidden = False
        elif not hidden:
            kept.append(line)
    return "\n".join(kept).strip()


def _mark_not_run(cell: NotebookNode, reason: str) -> None:
    text = f"Not run: {reason}."
    cell.outputs = [_error("NotRun", text)] if is_grade(cell) else [_note(text)]


def _cell_name(cell: NotebookNode) -> str:
    """How a learner recognises a cell: by its exercise when it has one, else by its first line."""
    grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
    if is_grade(cell):
        return f"the test cell of {grade_id}"
    if grade_id.endswith("_answer"):
        return f"your answer cell for {grade_id.removesuffix('_answer')}"
    first = cell.source.strip().splitlines()[0][:60] if cell.source.strip() else ""
    return f"the cell starting `{first}`"
