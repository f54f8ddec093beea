"""The grade command over a fabricated class of notebook 01 that does everything grading must survive.

One grading run (`python -m autograder.instructor.grade`, 2 workers, cells
stopped after 5 s, 600 MB of memory) of learners who hang, sleep, flood, eat memory, exit, kill
their kernel, tamper with tests and checks, call the reference, write outside
their folder, look for the grading secret and at other processes, count their threads, and submit broken, missing, renamed, extra or old-format
notebooks. Every learner's score and reason is then asserted, as are the
files a submission must not be able to change, the reports, and the exit code.
"""

import hashlib
import json
import os
import re
import sqlite3
import subprocess
import sys

import nbformat
import pytest

from autograder.instructor import containment, secret
from autograder.instructor.fabricate import Learner, Materials, set_up_course, solved, submit, untouched
from autograder.instructor.notebooks import nbgrader_cells, with_answers

ASSIGNMENT = "01_single_neuron"
FULL = 5.0  # linear_unit 2, flatten_images 1, to_torch_linear 2


def at_top_of(exercise: str, code: str):
    """Everything solved, with `code` run first in the answer cell of `exercise`."""
    return lambda m: with_answers(m.released, m.answers(**{exercise: code + "\n" + m.solutions[f"{exercise}_answer"]}))


def wrong(exercise: str, before: str = ""):
    """Everything solved but `exercise`, which returns None, after running `before`."""
    return lambda m: with_answers(m.released, m.answers(**{exercise: before + "\n" + m.stub(exercise, "return None")}))


def everything_wrong_after(code: str):
    return lambda m: with_answers(m.released, {f"{name}_answer": code + "\n" + m.stub(name, "return None") for name in m.exercises})


def raised_points(m: Materials):
    notebook = solved(m)
    nbgrader_cells(notebook, "grade")["linear_unit"].metadata.nbgrader["points"] = 100
    return notebook


def edited_test_cell(m: Materials):
    notebook = wrong("linear_unit")(m)
    nbgrader_cells(notebook, "grade")["linear_unit"].source = "pass"
    return notebook


def deleted_test_cell(m: Materials):
    notebook = solved(m)
    notebook.cells = [cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") != "linear_unit"]
    return notebook


def old_format(m: Materials):
    return nbformat.writes(nbformat.convert(solved(m), 3), version=3)


REDEFINES_COMPARISONS = """
import builtins, numpy, numpy.testing, torch
numpy.allclose = torch.allclose = lambda *args, **kwargs: True
numpy.testing.assert_allclose = lambda *args, **kwargs: None
builtins.AssertionError = Exception
builtins.abs = lambda value: 0
"""

WRITES_OUTSIDE = """
import pathlib
attempts = {{}}
course = pathlib.Path({course!r})
for path in [course / "gradebook.db", course / "submitted" / "ada" / "01_single_neuron" / "01_single_neuron.ipynb",
             course / "solutions" / "01_single_neuron" / "01_single_neuron.ipynb", course / "course" / "01_single_neuron" / "01_single_neuron.ipynb",
             course / "hacked.txt"]:
    try:
        path.write_text("overwritten by a submission")
        attempts[str(path)] = "written"
    except OSError as error:
        attempts[str(path)] = type(error).__name__
try:
    stolen = (course / "submitted" / "ada" / "01_single_neuron" / "01_single_neuron.ipynb").read_text()
except OSError as error:
    stolen = type(error).__name__
pathlib.Path("mine.txt").write_text("a file in my own folder is fine")
print("ATTEMPTS", attempts, "STOLEN", stolen[:40], "MINE", pathlib.Path("mine.txt").read_text())
"""

LOOKS_FOR_THE_SECRET = """
import os
places = [f"/proc/{{pid}}/{{name}}" for pid in os.listdir("/proc") if pid.isdigit() for name in ("environ", "cmdline")]
found = []
for place in places:
    try:
        if {secret!r} in open(place, "rb").read():
            found.append(place)
    except OSError:
        pass
print("SECRET IN THE ENVIRONMENT", os.environ.get({variable!r}), "FOUND IN", found, "OF", len(places))
for pid in os.listdir("/proc"):
    if pid.isdigit():
        try:
            print("PROCESS", open(f"/proc/{{pid}}/cmdline", "rb").read().replace(b"\\0", b" ").decode(errors="replace"))
        except OSError:
            pass
"""

COUNTS_THREADS = """
import numpy, threadpoolctl, torch
print("THREADS", torch.get_num_threads(), max(pool["num_threads"] for pool in threadpoolctl.threadpool_info()))
"""

IGNORES_INTERRUPTS = """
while True:
    try:
        while True:
            pass
    except KeyboardInterrupt:
        pass
"""

CLASS = [
    Learner("ada", "correct", "everything right", solved),
    Learner("bea", "correct", "nothing done", untouched),
    Learner("loops", "broken", "endless loop", at_top_of("flatten_images", "while True:\n    pass")),
    Learner("sleeps", "broken", "sleeps", at_top_of("to_torch_linear", "import time\ntime.sleep(10**6)")),
    Learner("floods", "broken", "prints without end", at_top_of("flatten_images", "while True:\n    print('x' * 10000)")),
    Learner("ignores_interrupt", "broken", "loops on through every interrupt", at_top_of("flatten_images", IGNORES_INTERRUPTS)),
    Learner("hogs", "broken", "allocates without bound", at_top_of("linear_unit", "blocks = []\nwhile True:\n    blocks.append(bytearray(10**8))")),
    Learner("exits", "broken", "sys.exit()", at_top_of("linear_unit", "import sys\nsys.exit()")),
    Learner("raises_exit", "broken", "raise SystemExit", at_top_of("flatten_images", "raise SystemExit(3)")),
    Learner("interrupts", "broken", "raise KeyboardInterrupt", at_top_of("flatten_images", "raise KeyboardInterrupt")),
    Learner("os_exits", "broken", "os._exit", at_top_of("to_torch_linear", "import os\nos._exit(0)")),
    Learner("kills", "broken", "kills its kernel", at_top_of("flatten_images", "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")),
    Learner("deletes_test", "broken", "deletes a test cell", deleted_test_cell),
    Learner("edits_test", "broken", "replaces a test cell and answers linear_unit wrong", edited_test_cell),
    Learner("edits_points", "broken", "raises a test's points", raised_points),
    Learner("replaces_check", "broken", "switches its check off", wrong("linear_unit", "check.linear_unit = lambda *args, **kwargs: print('✔ linear_unit: correct')")),
    Learner("patches_checks", "broken", "patches every check", everything_wrong_after(
        "import autograder.checks.check as machinery\nmachinery.Check.__call__ = lambda self, *args, **kwargs: print('✔ correct')")),
    Learner("redefines", "broken", "redefines comparisons", wrong("linear_unit", REDEFINES_COMPARISONS)),
    Learner("calls_reference", "broken", "calls the reference", lambda m: with_answers(
        m.released, m.answers(flatten_images="from autograder.exercises.single_neuron import flatten_images"))),
    Learner("broken_json", "broken", "not JSON", lambda m: '{"cells": [ {"cell_type": '),
    Learner("empty", "broken", "empty folder", lambda m: None),
    Learner("renamed", "correct", "renamed notebook", solved, filename="homework.ipynb"),
    Learner("old_format", "correct", "notebook format 3", old_format),
]


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def graded(tmp_path_factory):
    root = tmp_path_factory.mktemp("course")
    materials = set_up_course(root, ASSIGNMENT)
    for learner in CLASS:
        submit(root, materials, learner)
    submit(root, materials, Learner("writes", "broken", "writes outside its folder", at_top_of("linear_unit", WRITES_OUTSIDE.format(course=str(root)))))
    looks = LOOKS_FOR_THE_SECRET.format(secret=os.environ[secret.VARIABLE].encode(), variable=secret.VARIABLE)
    submit(root, materials, Learner("looks_for_secret", "broken", "looks for the grading secret", at_top_of("linear_unit", looks)))
    submit(root, materials, Learner("counts_threads", "correct", "asks how many threads it computes on", at_top_of("linear_unit", COUNTS_THREADS)))
    submit(root, materials, Learner("extra", "correct", "an extra notebook", lambda m: solved(m)))
    submit(root, materials, Learner("extra", "correct", "an extra notebook", untouched, filename="draft.ipynb"))
    submit(root, materials, Learner("two_others", "broken", "two other notebooks", solved, filename="a.ipynb"))
    submit(root, materials, Learner("two_others", "broken", "two other notebooks", solved, filename="b.ipynb"))
    protected = [
        root / "submitted" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
        root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
        root / "course" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb",
    ]
    before = {path: digest(path) for path in protected}
    finished = subprocess.run(
        [sys.executable, "-m", "autograder.instructor.grade", ASSIGNMENT, "--timeout=5", "--workers=2", "--memory=600"],
        cwd=root, capture_output=True, text=True, timeout=900,
    )
    results = {path.stem: json.loads(path.read_text()) for path in (root / "grading" / ASSIGNMENT / "done").glob("*.json")}
    return {"root": root, "finished": finished, "results": results, "before": before, "protected": protected}


def score(graded, student):
    return graded["results"][student]["score"]


def reasons(graded, student):
    result = graded["results"][student]
    return " ".join(result["problems"] + result["notes"] + result["calls_reference"])


def test_grading_succeeds_and_summarises_every_learner(graded):
    finished = graded["finished"]
    assert finished.returncode == 0, finished.stderr[-3000:]
    names = [learner.name for learner in CLASS] + ["writes", "looks_for_secret", "counts_threads", "extra", "two_others"]
    assert sorted(graded["results"]) == sorted(names)
    for name in names:
        assert f"\n{name} " in finished.stdout


def test_right_and_untouched_notebooks_score_full_and_zero(graded):
    assert score(graded, "ada") == FULL and score(graded, "bea") == 0


@pytest.mark.parametrize(
    "student, expected, reason",
    [
        ("loops", FULL - 1, "was stopped after 5 s, the time limit for a cell"),
        ("sleeps", FULL - 2, "was stopped after 5 s, the time limit for a cell"),
        ("floods", FULL - 1, "printed more than"),
        ("hogs", FULL - 2, "ran out of memory"),
        ("exits", FULL - 2, "SystemExit"),
        ("raises_exit", FULL - 1, "SystemExit"),
        ("os_exits", FULL - 2, "ended its own kernel"),
        ("kills", 2.0, "the kernel was killed"),
        ("ignores_interrupt", 2.0, "ran past the time limit of 5 s and ignored the interrupt"),
    ],
)
def test_runaway_submissions_keep_what_they_got_right_before_and_say_why(graded, student, expected, reason):
    assert score(graded, student) == expected
    assert reason in reasons(graded, student)


def test_a_keyboard_interrupt_in_a_cell_costs_only_that_exercise(graded):
    assert score(graded, "interrupts") == FULL - 1


def test_deleted_test_cell_is_restored_and_scores(graded):
    assert score(graded, "deletes_test") == FULL
    assert "the test cell linear_unit was missing; it was put back and run" in reasons(graded, "deletes_test")


def test_edited_test_cell_and_points_are_restored(graded):
    assert score(graded, "edits_test") == FULL - 2
    assert "the locked cell linear_unit had its checksum changed" in reasons(graded, "edits_test")
    assert graded["results"]["edits_points"]["max_score"] == FULL and score(graded, "edits_points") == FULL
    assert "had its points changed" in reasons(graded, "edits_points")


@pytest.mark.parametrize("student, expected", [("replaces_check", FULL - 2), ("patches_checks", 0.0), ("redefines", FULL - 2)])
def test_tampering_with_checks_and_comparisons_gains_nothing(graded, student, expected):
    assert score(graded, student) == expected


def test_calling_the_reference_is_flagged_and_scores_nothing(graded):
    assert score(graded, "calls_reference") == FULL - 1
    assert graded["results"]["calls_reference"]["calls_reference"] == ["flatten_images"]
    assert "called the reference implementation in flatten_images" in graded["finished"].stdout


def printed_by(graded, student) -> str:
    notebook = nbformat.read(graded["root"] / "autograded" / student / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    return "".join(output.get("text", "") for cell in notebook.cells for output in cell.get("outputs", []))


def test_no_kernel_can_read_the_grading_secret_the_instructor_set_in_the_environment(graded):
    """The command was given the secret in AUTOGRADER_GRADING_SECRET (tests/conftest.py): not in any process a kernel can read."""
    assert score(graded, "looks_for_secret") == FULL
    (line,) = [line for line in printed_by(graded, "looks_for_secret").splitlines() if line.startswith("SECRET")]
    found, places = re.fullmatch(r"SECRET IN THE ENVIRONMENT None FOUND IN (.*) OF (\d+)", line).groups()
    assert found == "[]" and int(places) >= 2, line


@pytest.mark.skipif(not containment.namespaces_available(), reason="needs user namespaces (sysctl kernel.unprivileged_userns_clone=1)")
def test_a_kernel_sees_no_process_but_its_own_submissions(graded):
    """Not the grade command, its workers, the tests or the machine's services: a /proc of the submission's own."""
    seen = [line.removeprefix("PROCESS ") for line in printed_by(graded, "looks_for_secret").splitlines() if line.startswith("PROCESS ")]
    assert seen and all("autograder.instructor.warm_kernels" in command for command in seen), seen
    assert len(seen) == 2, seen  # its init and its kernel


def test_every_kernel_computes_on_one_thread(graded):
    """PyTorch's, OpenMP's and BLAS's threads: two kernels of two threads each on two cores wait on each other's."""
    assert score(graded, "counts_threads") == FULL
    (line,) = [line for line in printed_by(graded, "counts_threads").splitlines() if line.startswith("THREADS")]
    assert line == "THREADS 1 1", line


def test_no_submission_writes_or_reads_outside_its_folder(graded):
    root = graded["root"]
    for path, before in graded["before"].items():
        assert digest(path) == before, f"{path} was changed"
    assert not (root / "hacked.txt").exists()
    assert score(graded, "writes") == FULL  # its own answers are right; only its intrusions failed
    printed = printed_by(graded, "writes")
    assert "'written'" not in printed and "STOLEN PermissionError" in printed
    assert "MINE a file in my own folder is fine" in printed
    assert not (root / "autograded" / "writes" / ASSIGNMENT / "mine.txt").exists(), "what a submission writes is discarded"
    with sqlite3.connect(root / "gradebook.db") as gradebook:
        assert gradebook.execute("pragma integrity_check").fetchone() == ("ok",)


@pytest.mark.parametrize(
    "student, expected, reason",
    [
        ("broken_json", 0, "is not a valid notebook file"),
        ("empty", 0, "no notebook submitted"),
        ("two_others", 0, "several other notebooks (a.ipynb, b.ipynb): cannot tell which to grade"),
        ("extra", FULL, "extra notebook draft.ipynb ignored"),
        ("renamed", FULL, "notebook homework.ipynb graded as 01_single_neuron.ipynb"),
        ("old_format", FULL, "was in notebook format 3; converted to format 4"),
    ],
)
def test_bad_input_gets_a_clear_line_and_the_others_are_graded(graded, student, expected, reason):
    assert score(graded, student) == expected
    assert reason in reasons(graded, student)


def test_every_learner_gets_feedback_and_the_reports_are_written(graded):
    root = graded["root"]
    for student in graded["results"]:
        assert (root / "feedback" / student / ASSIGNMENT / f"{ASSIGNMENT}.html").exists(), student
    reports = root / "reports" / ASSIGNMENT
    grades = (reports / "grades.csv").read_text()
    assert all(student in grades for student in graded["results"])
    exercises = (reports / "exercises.csv").read_text().splitlines()
    assert exercises[0].startswith("exercise,points,learners,mean_score,full_marks_share,common_failures")
    assert [line.split(",")[0] for line in exercises[1:]] == ["linear_unit", "flatten_images", "to_torch_linear"]
    assert (reports / "exercises.png").stat().st_size > 10_000
    assert "graded, with problems" in (reports / "summary.txt").read_text()


def test_feedback_shows_the_verdicts_and_hides_the_reports(graded):
    page = (graded["root"] / "feedback" / "replaces_check" / ASSIGNMENT / f"{ASSIGNMENT}.html").read_text()
    assert "linear_unit could not be graded: its check did not report" in page
    assert "✔ flatten_images: correct on all" in page
    assert "autograder-report" not in page and "answers recorded for the grader" not in page
