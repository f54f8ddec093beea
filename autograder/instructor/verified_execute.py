"""nbgrader preprocessors that make autograding bounded and tamper-proof.

`VerifiedExecute` replaces nbgrader's `Execute` in the autograde pipeline. It
runs the notebook in a warm, sandboxed kernel (see `warm_kernels`), and:

- has every test cell judged outside the kernel: the kernel only reports what
  the learner's functions did (see autograder.checks.sealed); `judging`
  computes the verdict in this process and writes it into the cell's outputs,
  so nbgrader's SaveAutoGrades scores what was verified and nothing the
  notebook printed or patched;
- survives the notebook: a cell past the time limit is interrupted and named;
  one that ignores the interrupt, a kernel that dies (os._exit, a crash, memory)
  or a notebook past its time budget stops the run, and every cell not reached
  scores nothing, with the reason in its output; floods of output are cut off.

`RestoringOverwriteCells` is nbgrader's OverwriteCells with missing test cells
restored, and a note of every locked cell a learner changed, without the
spurious warning stock nbgrader gives for each test cell with hidden tests.

What happened to a submission is collected in `record` for the worker.
"""

from __future__ import annotations

import json
import time
from typing import Any

from nbclient import NotebookClient
from nbclient.exceptions import CellTimeoutError, DeadKernelError
from nbformat import NotebookNode
from nbgrader.preprocessors import Execute, OverwriteCells
from nbgrader.utils import is_grade
from traitlets import Bool, Integer

from autograder.checks import for_assignment, transport
from autograder.instructor import judging
from autograder.instructor.judging import Record
from autograder.instructor.judging import error_output as _error
from autograder.instructor.judging import note_output as _note
from autograder.instructor.warm_kernels import WarmKernelManager

record = Record()


class VerifiedExecute(Execute):
    """Execute a submission in a warm sandboxed kernel, and judge its test cells outside it."""

    time_budget = Integer(300, help="Seconds a whole notebook may run before its remaining cells are skipped.").tag(config=True)
    output_limit = Integer(2, help="Megabytes of output a cell may produce; the rest is dropped.").tag(config=True)
    interrupt_on_timeout = Bool(True)

    def __init__(self, **kwargs: Any):
        kwargs["kernel_manager_class"] = WarmKernelManager
        super().__init__(**kwargs)

    def preprocess(self, nb: NotebookNode, resources: dict, km: Any = None) -> tuple[NotebookNode, dict]:
        NotebookClient.__init__(self, nb, km)  # the per-notebook state, reset as nbconvert's preprocess does
        self.reset_execution_trackers()
        self._check_assign_resources(resources)
        self._checks = for_assignment(resources["nbgrader"]["assignment"])
        self._output_bytes: dict[int, int] = {}
        started, stopped = time.monotonic(), ""
        with self.setup_kernel():
            info = self.wait_for_reply(self.kc.kernel_info())
            self.nb.metadata["language_info"] = info["content"]["language_info"]
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
                except CellTimeoutError:
                    stopped = f"{_cell_name(cell)} ran past the time limit of {self.timeout} s and ignored the interrupt"
                    self.km.provisioner.process.kill()
                    _mark_not_run(cell, stopped)
                if not stopped and time.monotonic() - started > self.time_budget:
                    stopped = f"the notebook ran past its time budget of {self.time_budget} s"
                if stopped:
                    record.problem(stopped)
        return self.nb, self.resources

    def preprocess_cell(self, cell: NotebookNode, resources: dict, index: int) -> tuple[NotebookNode, dict]:
        cell, resources = super().preprocess_cell(cell, resources, index)
        if any(output.get("ename") == "CellTimeoutError" for output in cell.outputs):
            problem = f"{_cell_name(cell)} was stopped after {self.timeout} s, the time limit for a cell"
            record.problem(problem)
            cell.outputs = [output for output in cell.outputs if output.output_type != "error"]
            cell.outputs.append(_error("CellTimeout", problem))
        for output in cell.outputs:
            if output.get("ename") == "MemoryError":
                record.problem(f"{_cell_name(cell)} ran out of memory (the limit is {self.km.memory_mb} MB)")
            elif output.get("ename") == "SystemExit":
                record.problem(f"{_cell_name(cell)} raised SystemExit (sys.exit() stops the cell, not the grading)")
        if index in self._output_bytes and self._output_bytes[index] > self.output_limit * 2**20:
            note = f"{_cell_name(cell)} printed more than {self.output_limit} MB; the rest of its output was dropped"
            record.notes.append(note)
            cell.outputs.append(_note(f"[{note}]"))
        self._verify(cell)
        return cell, resources

    def output(self, outs: list, msg: dict, display_id: str | None, cell_index: int) -> NotebookNode | None:
        size = len(json.dumps(msg.get("content", {}), default=str))
        self._output_bytes[cell_index] = self._output_bytes.get(cell_index, 0) + size
        if self._output_bytes[cell_index] > self.output_limit * 2**20 and transport.MARKER not in str(msg.get("content", {}).get("text", "")):
            return None
        return super().output(outs, msg, display_id, cell_index)

    def _verify(self, cell: NotebookNode) -> None:
        """Judge the reports a cell's checks printed, and put the verdicts in place of the reports."""
        judging.verify(cell, self._checks, record)

    def _death(self, cell: NotebookNode) -> str:
        code = self.km.provisioner.process.poll() if self.km and self.km.provisioner and self.km.provisioner.process else None
        if code == 0:
            cause = "the notebook ended its own kernel (os._exit, exit() or quit())"
        elif code == -9:
            cause = "the kernel was killed (it may have run out of memory)"
        elif code is not None and code < 0:
            cause = f"the kernel crashed (signal {-code})"
        else:
            cause = f"the kernel stopped (exit code {code})"
        reason = f"{cause} while running {_cell_name(cell)}"
        _mark_not_run(cell, reason)
        return reason


class RestoringOverwriteCells(OverwriteCells):
    """nbgrader's OverwriteCells, restoring deleted test cells and noting every repaired locked cell."""

    add_missing_cells = Bool(True, help="Put deleted test cells back (stock nbgrader leaves them out).").tag(config=True)

    def add_missing_grade_cells(self, nb: NotebookNode, resources: dict) -> tuple[NotebookNode, dict]:
        present = {cell.metadata.get("nbgrader", {}).get("grade_id") for cell in nb.cells}
        nb, resources = super().add_missing_grade_cells(nb, resources)
        for cell in nb.cells:
            grade_id = cell.metadata.get("nbgrader", {}).get("grade_id")
            if grade_id not in present:
                record.notes.append(f"the test cell {grade_id} was missing; it was put back and run")
        return nb, resources

    def preprocess_cell(self, cell: NotebookNode, resources: dict, cell_index: int) -> tuple[NotebookNode, dict]:
        self._as_released = False
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
        record.notes.append(f"the locked cell {name} had its {attr} changed; the original was restored")
        super().report_change(name, attr, old, new)


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
