"""An instructor's source notebook that nbgrader cannot register: a clear line, nothing graded, nothing lost.

The grade command registers a new assignment in its gradebook the way
`nbgrader generate_assignment` does (in its own process). Here the source
notebook has two test cells with one grade id: the command says which
assignment could not be registered and ends with status 1 before grading
anything, with no traceback from the course's package; once the source is
mended, the same command grades the waiting submission.
"""

import nbformat
import pytest

from autograder.instructor.fabricate import Learner, set_up_course, solved, submit
from autograder.instructor.notebooks import nbgrader_cells
from grading import grade, summary

ASSIGNMENT = "01_single_neuron"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    """A course whose gradebook does not know the assignment yet, a right submission waiting, and its source's path."""
    root = tmp_path_factory.mktemp("broken-source") / "course"
    submit(root, set_up_course(root, ASSIGNMENT), Learner("ada", "correct", "everything right", solved))
    (root / "gradebook.db").unlink()
    return root, root / "solutions" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb"


def test_a_source_nbgrader_refuses_is_named_and_nothing_is_graded(course):
    root, source = course
    mended = source.read_text()
    notebook = nbformat.read(source, as_version=4)
    first, second = list(nbgrader_cells(notebook, "grade").values())[:2]
    second.metadata.nbgrader["grade_id"] = first.metadata.nbgrader["grade_id"]
    nbformat.write(notebook, source)
    try:
        finished = grade(root, ASSIGNMENT)
    finally:
        source.write_text(mended)
    assert finished.returncode == 1, finished.stderr[-2000:]
    assert f"nbgrader could not register {ASSIGNMENT} from solutions/" in finished.stderr
    assert "autograder/" not in finished.stderr, "no traceback from the course's package"
    assert not list((root / "grading").glob(f"{ASSIGNMENT}/done/*.json")) and not (root / "feedback").exists()
    assert (root / "submitted" / "ada" / ASSIGNMENT / f"{ASSIGNMENT}.ipynb").exists()


def test_once_mended_the_waiting_submission_is_graded(course):
    root, _ = course
    finished = grade(root, ASSIGNMENT)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert summary(finished.stdout)["ada"]["score"] == "5 / 5"
