"""Judge a graded notebook's test cells in the grader's process, from what the learner's kernel reported.

In a kernel started by the grader a check does not judge: it prints one
report line of what the learner's function did (autograder.checks.sealed).
`verify` takes a cell's reports out of its outputs, judges each with its
check here, where nothing the notebook ran can reach, against the cases the
submission was given (the visible ones, and the learner's hidden ones, see
autograder.instructor.hidden_cases), and writes the verdict in their place: an error output holding the failure (which nbgrader
scores zero) or the success lines. Of a test cell's own outputs only those
the grader wrote are kept. What it found goes into the submission's `Record`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from types import ModuleType
from typing import Any, Callable

from nbformat import NotebookNode
from nbformat.v4 import new_output
from nbgrader.utils import is_grade

from autograder.checks import transport, verdict
from autograder.checks.check import Facts
from autograder.checks.feedback import render
from autograder.checks.verdict import CALLS_REFERENCE, FAILED, UNGRADED, Verdict
from autograder.instructor.notebooks import TEST_CELL_CALLS

_written_here: set[int] = set()  # ids of the outputs the grader wrote, told apart from the kernel's own


@dataclass
class Record:
    """What grading one submission found, beyond the scores."""

    problems: list[str] = field(default_factory=list)  # why some cells scored nothing without being wrong
    notes: list[str] = field(default_factory=list)  # what was repaired or ignored
    verdicts: dict[str, str] = field(default_factory=dict)  # test cell -> "" when right, else its verdict's summary
    calls_reference: list[str] = field(default_factory=list)  # exercises answered with the reference implementation
    grader_fault: str = ""  # why the grader could not grade it, when that was the grader's fault
    execution_seconds: float = 0.0  # how long its cells ran, together (what grading it can cost at the least)

    def problem(self, text: str) -> None:
        if text not in self.problems:
            self.problems.append(text)


JudgedAgainst = Callable[[Any, bool], tuple[list, Any]]  # (check, hidden) -> the cases and their expectations


def verify(cell: NotebookNode, checks: ModuleType, record: Record, judged_against: JudgedAgainst) -> None:
    """Judge the reports a cell's checks printed, and put the verdicts in place of the reports."""
    reports, outputs = _take_reports(cell.outputs)
    if not is_grade(cell):
        lines = [_judged(checks, report.check, [report], judged_against).message for report in reports]
        cell.outputs = outputs + ([new_output("stream", name="stdout", text="\n".join(lines) + "\n")] if lines else [])
        return
    grade_id = cell.metadata.nbgrader["grade_id"]
    kernel_error = next((output for output in outputs if output.output_type == "error"), None)
    verdicts = []
    for hidden in TEST_CELL_CALLS:
        found = [report for report in reports if report.check == grade_id and report.hidden == hidden]
        verdicts.append(_verdict_of_cell(checks, grade_id, found, kernel_error, record, judged_against))
    if any(outcome.status == CALLS_REFERENCE for outcome in verdicts) and grade_id not in record.calls_reference:
        record.calls_reference.append(grade_id)
    cell.outputs = [output for output in outputs if id(output) in _written_here]  # the kernel's own are not trusted
    failure = next((outcome for outcome in verdicts if not outcome.passed), None)
    if failure is not None:
        cell.outputs.append(error_output("CheckFailed", failure.message))
        record.verdicts[grade_id] = failure.summary
    else:
        cell.outputs.append(new_output("stream", name="stdout", text="\n".join(outcome.message for outcome in verdicts) + "\n"))
        record.verdicts[grade_id] = ""


def verdict_of(check: Any, report: transport.Report, judged_against: JudgedAgainst) -> Verdict:
    """Judge a report from a learner's kernel, here: what its check concludes from the observations it carries.

    `judged_against` gives the cases the report must be about and what the reference and the known
    mistakes do on them: recorded for the visible cases, worked out for the learner's hidden ones.
    """
    cases, expectations = judged_against(check, report.hidden)
    if report.case_names != tuple(case.name for case in cases) or report.check != check.name:
        return verdict.ungraded(check.name, check.points, "the report from the notebook does not match this check's cases.")
    if report.observations is None:
        return verdict.not_a_function(check.name, check.points, None)
    if len(report.observations) < len(cases) and not report.observations[-1].error:
        return verdict.ungraded(check.name, check.points, "the report from the notebook is incomplete.")
    finished = [check.finish(observation, case) for observation, case in zip(report.observations, cases)]
    facts = Facts(str(report.facts.get("globals_hint", "")), bool(report.facts.get("silences_warnings", False)))
    return check.judge(cases[: len(finished)], finished.__getitem__, lambda: facts, report.hidden, expectations)


def _verdict_of_cell(
    checks: ModuleType, grade_id: str, found: list, kernel_error: NotebookNode | None, record: Record, judged_against: JudgedAgainst
) -> Verdict:
    check = getattr(checks, grade_id, None)
    points = getattr(check, "points", 0)
    if len(found) == 1 and check is not None:
        return verdict_of(check, found[0], judged_against)
    if kernel_error is not None and kernel_error.get("ename") in ("CellTimeout", "NotRun"):
        return Verdict(grade_id, UNGRADED, 0, points, kernel_error.evalue, kernel_error.evalue)
    if kernel_error is not None:
        problem = f"test could not run: {kernel_error.ename}: {kernel_error.evalue}"
        return Verdict(grade_id, FAILED, 0, points, f"{grade_id}'s {problem}", problem)
    problem = "its check reported more than once" if len(found) > 1 else "its check did not report"
    record.problem(f"the test cell {grade_id} could not be graded: {problem} (the notebook interfered with it)")
    return verdict.ungraded(grade_id, points, f"{problem}; something in the notebook stopped, replaced or imitated the check.")


def _judged(checks: ModuleType, name: str, reports: list[transport.Report], judged_against: JudgedAgainst) -> Verdict:
    check = getattr(checks, name, None)
    if check is None:
        return verdict.ungraded(name, 0, "it is not a check of this notebook.")
    return verdict_of(check, reports[0], judged_against)


def _take_reports(outputs: list[NotebookNode]) -> tuple[list[transport.Report], list[NotebookNode]]:
    """The reports printed in a cell's output, and its outputs without them."""
    reports, kept = [], []
    for output in outputs:
        if output.output_type != "stream":
            kept.append(output)
            continue
        lines = []
        for line in output.text.splitlines(keepends=True):
            if not line.startswith(transport.MARKER):
                lines.append(line)
                continue
            try:
                reports.append(transport.read_report(line))
            except ValueError:
                lines.append("[an unreadable report was ignored]\n")
        if lines:
            output.text = "".join(lines)
            kept.append(output)
    return reports, kept


def error_output(name: str, message: str) -> NotebookNode:
    """An error output written by the grader."""
    output = new_output("error", ename=name, evalue=message.splitlines()[0], traceback=["\n".join(render(message))])
    _written_here.add(id(output))
    return output


def note_output(text: str) -> NotebookNode:
    """A note written by the grader into a cell's output."""
    output = new_output("stream", name="stderr", text=text + "\n")
    _written_here.add(id(output))
    return output
