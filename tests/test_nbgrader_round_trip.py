"""nbgrader's own command line grades every notebook as it should.

In throw-away course directories (the repository's nbgrader_config.py and a
copy of solutions/), each assignment is released with `nbgrader
generate_assignment`, submitted by fabricated learners, graded with `nbgrader
autograde` and exported with `nbgrader export`; the scores are read back from
the CSV. The untouched notebook scores 0, the notebook with the solution code
pasted into its answer cells scores full marks, and a notebook with one wrong
answer loses exactly that exercise's points. The grade command, given the same
one-wrong submission of every notebook, gives each stock's score.
"""

import csv
import inspect
import re
import shutil
from concurrent.futures import ThreadPoolExecutor

import nbformat
import pytest

from autograder.checks import for_assignment
from autograder.instructor import secret
from autograder.instructor.nbgrader_cli import run_nbgrader
from autograder.instructor.notebooks import nbgrader_cells, solution_code, with_answers
from autograder.instructor.warm_kernels import ONE_CORE
from course import ASSIGNMENTS, REPOSITORY, declaration, notebook
from grading import grade


def nbgrader(root, *arguments):
    """Three of these run at once beside the suite's other process: each kernel computes on one core (PyTorch would
    take every core's OpenMP thread, and the kernels' threads would wait on one another at every small operation)."""
    run_nbgrader(*arguments, "--log-level=ERROR", cwd=root, environment=ONE_CORE)


def submit(root, assignment, student, replacements):
    """Submit the released notebook with the answer cells in `replacements` (grade_id -> source) replaced."""
    released = nbformat.read(root / "course" / assignment / f"{assignment}.ipynb", as_version=4)
    folder = root / "submitted" / student / assignment
    folder.mkdir(parents=True)
    nbformat.write(with_answers(released, replacements), folder / f"{assignment}.ipynb")


def learner_source(function, name):
    """An example answer as a learner would have typed it into the answer cell of `name`."""
    return re.sub(r"^(def|class) \w+", rf"\1 {name}", inspect.getsource(function))


def wrong_answer_to_type(exercise):
    """The first wrong example answer of an exercise that is a whole answer (not a replaced step of the reference)."""
    return next(example.answer for example in [*exercise.wrong, *exercise.mistakes] if example.replacing is None)


def new_course(root):
    """A course directory at `root`: the repository's nbgrader_config.py and a copy of solutions/."""
    shutil.copy(REPOSITORY / "nbgrader_config.py", root)
    shutil.copytree(REPOSITORY / "solutions", root / "solutions")


def grade_in_own_course(root, student, submissions):
    """Release every assignment in course directory `root`, submit for `student`, autograde, export to grades.csv."""
    new_course(root)
    nbgrader(root, "generate_assignment", "*")
    for assignment, replacements in submissions.items():
        submit(root, assignment, student, replacements)
    nbgrader(root, "autograde", "*")
    nbgrader(root, "export", "--to", str(root / "grades.csv"))


def read_scores(grades):
    """{(assignment, student): (score, max_score)} from a CSV of `nbgrader export`."""
    with open(grades) as file:
        return {(row["assignment"], row["student_id"]): (float(row["score"]), float(row["max_score"])) for row in csv.DictReader(file)}


@pytest.fixture(scope="module")
def courses(tmp_path_factory):
    """{student: course directory} after grading a fabricated class on every notebook with stock nbgrader.

    Per assignment: "untouched" submits the released notebook as it is, "solved"
    pastes the solution code into every answer cell, and "one-wrong" does the
    same except for the first exercise, which gets its declaration's first wrong
    answer. Each of the three learners is graded in a course directory of its
    own, all three at once (nbgrader grades one notebook at a time).
    """
    classes = {"untouched": {}, "solved": {}, "one-wrong": {}}
    for assignment in ASSIGNMENTS:
        cells = nbgrader_cells(notebook(assignment), "solution")
        solved = {grade_id: solution_code(cell.source) for grade_id, cell in cells.items()}
        first = for_assignment(assignment).EXERCISES[0]
        wrong = wrong_answer_to_type(declaration(first))
        classes["untouched"][assignment] = {}
        classes["solved"][assignment] = solved
        classes["one-wrong"][assignment] = solved | {f"{first.name}_answer": learner_source(wrong, first.name)}
    roots = {student: tmp_path_factory.mktemp(student) for student in classes}
    with ThreadPoolExecutor(len(classes)) as pool:
        for future in [pool.submit(grade_in_own_course, roots[student], student, submissions) for student, submissions in classes.items()]:
            future.result()
    return roots


@pytest.fixture(scope="module")
def graded(courses):
    """{(assignment, student): (score, max_score)}, as stock nbgrader graded the class."""
    return {key: scores for root in courses.values() for key, scores in read_scores(root / "grades.csv").items()}


@pytest.fixture(scope="module")
def graded_by_the_grade_command(courses, tmp_path_factory):
    """{(assignment, "one-wrong"): (score, max_score)} for the one-wrong submission of every notebook, graded in
    one run of the grade command (`--all`, two local workers) in a course directory of its own: of the three, the
    submission whose score needs every exercise judged, one wrong and the others right."""
    root = tmp_path_factory.mktemp("grade-command")
    new_course(root)
    secret.make(root)
    shutil.copytree(courses["one-wrong"] / "submitted", root / "submitted")
    finished = grade(root, "--all", "--workers=2")
    assert finished.returncode == 0, finished.stdout[-3000:] + finished.stderr[-3000:]
    return {key: scores for assignment in ASSIGNMENTS for key, scores in read_scores(root / "reports" / assignment / "grades.csv").items()
            if key[0] == assignment}


def total_points(assignment):
    return sum(check.points for check in for_assignment(assignment).EXERCISES)


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_untouched_notebook_scores_zero(graded, assignment):
    assert graded[assignment, "untouched"] == (0, total_points(assignment))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_solved_notebook_scores_full_marks(graded, assignment):
    assert graded[assignment, "solved"] == (total_points(assignment), total_points(assignment))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_one_wrong_answer_loses_exactly_its_points(graded, assignment):
    first = for_assignment(assignment).EXERCISES[0]
    assert graded[assignment, "one-wrong"] == (total_points(assignment) - first.points, total_points(assignment))


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_the_grade_command_gives_stocks_score(graded, graded_by_the_grade_command, assignment):
    assert graded_by_the_grade_command[assignment, "one-wrong"] == graded[assignment, "one-wrong"]
