"""Adding an exercise touches one declaration plus the notebook's prose and answer cell, as the README says.

In a temporary copy of the course, a throw-away exercise is declared in
notebook 01's module and given its prose and answer cell, nothing else; the
release command derives the rest (the answer cell's metadata, the test cell,
the heading's number and points, the notebook's total, the README's table),
its check then finds nothing stale, and the exercise is proven both ways by
the course's own tests.
"""

import os
import shutil
import subprocess
import sys

import nbformat
import pytest

from autograder.instructor.notebooks import nbgrader_cells
from course import REPOSITORY

ASSIGNMENT = "01_single_neuron"

DECLARATION = '''

# ---------------------------------------------------------------- double (a throw-away exercise)


def double(x):
    """Every value of x, doubled.

    Inputs:
        x: float array of any shape.
    Returns:
        array of the same shape and dtype: 2 · x.
    """
    return 2 * x


def double_cases():
    return [Case("three numbers", (np.array([1.0, -2.0, 0.5]),)), Case("a (2, 2) table", (np.array([[1.0, 2.0], [3.0, 4.0]]),))]


def double_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    return [Case("hidden case: five numbers", (rng.normal(size=5),))]


def squares(x):
    return x * x


def adds_one(x):
    return x + 1


def double_by_adding(x):
    return x + x


def double_as_a_list(x):
    return [2 * value for value in x]


DOUBLE = Exercise(
    double,
    points=1,
    cases=double_cases,
    hidden_cases=double_hidden_cases,
    hint="Multiply x by 2.",
    mistakes=[Mistake(squares, "You squared x; double it: 2 * x."), Mistake(adds_one, "You added 1; double x: 2 * x.")],
    right=[double_by_adding],
    wrong=[Wrong(double_as_a_list, "Compute with NumPy operations on whole arrays")],
)
'''

PROSE = "### Exercise · `double`\n\nWrite `double(x)`, which doubles every value of `x`."
ANSWER = '''def double(x):
    """Every value of x, doubled.

    Inputs:
        x: float array of any shape.
    Returns:
        array of the same shape and dtype: 2 · x.
    """
    ### BEGIN SOLUTION
    return 2 * x
    ### END SOLUTION'''


def run(copy, *command):
    environment = {**os.environ, "PYTHONPATH": str(copy)}  # the copy's package, not the installed one
    return subprocess.run([sys.executable, *command], cwd=copy, env=environment, capture_output=True, text=True, timeout=900)


@pytest.fixture(scope="module")
def course_with_a_new_exercise(tmp_path_factory):
    copy = tmp_path_factory.mktemp("course")
    tracked = subprocess.run(["git", "ls-files"], cwd=REPOSITORY, capture_output=True, text=True, check=True).stdout.split()
    for name in tracked:
        (copy / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPOSITORY / name, copy / name)
    with open(copy / "autograder" / "exercises" / "single_neuron.py", "a") as module:
        module.write(DECLARATION)
    path = copy / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"
    notebook = nbformat.read(path, as_version=4)
    progress = next(index for index, cell in enumerate(notebook.cells) if cell.source.startswith("## Your progress"))
    notebook.cells[progress:progress] = [nbformat.v4.new_markdown_cell(PROSE), nbformat.v4.new_code_cell(ANSWER)]
    nbformat.write(notebook, path)
    released = run(copy, "-m", "autograder.instructor.release")
    assert released.returncode == 0, released.stdout + released.stderr
    return copy


def test_the_release_derives_the_test_cell_heading_total_and_table(course_with_a_new_exercise):
    copy = course_with_a_new_exercise
    notebook = nbformat.read(copy / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    assert nbgrader_cells(notebook, "solution")["double_answer"].metadata.nbgrader["solution"]
    test = nbgrader_cells(notebook, "grade")["double"]
    assert test.metadata.nbgrader["points"] == 1 and test.source.startswith("check.double(double)\n### BEGIN HIDDEN TESTS")
    text = "\n".join(cell.source for cell in notebook.cells)
    assert "### Exercise 4 · `double` (1 point)" in text and "worth 6 points in all" in " ".join(notebook.cells[0].source.split())
    assert "`to_torch_linear`, `double` (6 points)" in (copy / "README.md").read_text()
    released = nbformat.read(copy / "course" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb", as_version=4)
    assert nbgrader_cells(released, "grade")["double"].source == "check.double(double)"


def test_the_release_check_then_finds_nothing_stale(course_with_a_new_exercise):
    checked = run(course_with_a_new_exercise, "-m", "autograder.instructor.release", "--check")
    assert checked.returncode == 0, checked.stdout + checked.stderr


def test_the_new_exercise_is_proven_both_ways(course_with_a_new_exercise):
    copy = course_with_a_new_exercise
    selection = ["tests/test_exercises_are_proven.py", "tests/test_notebooks_follow_their_declarations.py", "-k", f"double or {ASSIGNMENT}"]
    collected = run(copy, "-m", "pytest", "-n", "0", "--collect-only", "-q", *selection).stdout.splitlines()
    for proof in ["test_reference_passes", "test_right_answer_passes", "test_known_mistake_fails", "test_wrong_answer_fails"]:
        assert any(proof in line and "double" in line for line in collected), proof
    proven = run(copy, "-m", "pytest", "-n", "0", "-q", *selection)  # in this process: the suite around it has the cores
    assert proven.returncode == 0, proven.stdout[-3000:]
