"""In a real IPython kernel (as in JupyterLab and nbgrader), a failed check shows as feedback, not a traceback,
and so does a call of an exercise still left as its stub."""

import re

import nbformat
import pytest
from nbclient import NotebookClient

from autograder.checks import for_assignment
from course import ASSIGNMENTS, REPOSITORY, notebook

ANSI = re.compile(r"\x1b\[[0-9;]*m")


@pytest.fixture(scope="module")
def outputs():
    """The outputs of a notebook whose linear_unit forgets the bias, then is fixed."""
    cells = [
        "import numpy as np\nfrom autograder.checks import single_neuron as check",
        "def linear_unit(X, w, b):\n    return X @ w\n\ncheck.linear_unit(linear_unit)",
        "def linear_unit(X, w, b):\n    return X @ w + b\n\ncheck.linear_unit(linear_unit)",
        "1 / 0",
    ]
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(source) for source in cells])
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=120).execute()
    return [cell.outputs for cell in nb.cells]


def test_failed_check_is_an_error_output_holding_only_the_feedback(outputs):
    (error,) = outputs[1]
    assert error.output_type == "error"  # nbgrader scores a test cell with an error output zero
    text = ANSI.sub("", "\n".join(error.traceback))
    assert text.startswith("✘ linear_unit returned the wrong values on the case 'one input, one example':")
    assert "Hint: Your outputs leave out the bias" in text
    assert "Traceback" not in text and "autograder" not in text and ".py" not in text
    assert len(text.splitlines()) <= 10


def test_passing_check_prints_one_line(outputs):
    (stream,) = outputs[2]
    assert stream.text == "✔ linear_unit: correct on all 10 cases.\n"


def test_other_errors_keep_their_usual_traceback(outputs):
    (error,) = outputs[3]
    assert error.ename == "ZeroDivisionError" and "Traceback" in ANSI.sub("", "\n".join(error.traceback))


@pytest.fixture(scope="module", params=ASSIGNMENTS)
def released_run(request):
    """A released notebook, untouched, run top to bottom as a learner's Run All would (errors and all)."""
    nb = notebook(request.param, "course")
    NotebookClient(nb, kernel_name="python3", allow_errors=True, timeout=300, resources={"metadata": {"path": str(REPOSITORY / "course" / request.param)}}).execute()
    return request.param, nb


def test_a_call_of_an_unfinished_exercise_says_so_in_one_line(released_run):
    assignment, nb = released_run
    places = {check.name: f"Exercise {number}" for number, check in enumerate(for_assignment(assignment).EXERCISES, start=1)}
    seen = 0
    for cell in nb.cells:
        for output in cell.get("outputs", []):
            if output.output_type != "error" or output.ename != "NotImplementedError":
                continue
            (line,) = ANSI.sub("", "\n".join(output.traceback)).splitlines()
            name = line.split()[1]
            assert line == f"✘ {name} is not written yet: write it in {places[name]} (the cell with `raise NotImplementedError()`), run that cell, then this one."
            seen += 1
    assert seen, "the untouched notebook calls an unfinished exercise outside its test cells"
