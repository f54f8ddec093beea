"""In a real IPython kernel (as in JupyterLab and nbgrader), a failed check shows as feedback, not a traceback."""

import re

import nbformat
import pytest
from nbclient import NotebookClient

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
