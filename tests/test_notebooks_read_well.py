"""What a learner sees in a run notebook is designed: readable plots, short outputs, no stray warnings or errors."""

import base64
import struct

import pytest

from course import ASSIGNMENTS, notebook

MAX_OUTPUT_LINES = 40  # a cell's text output longer than this floods the page


def outputs(assignment: str):
    for index, cell in enumerate(notebook(assignment).cells):
        for output in cell.get("outputs", []):
            yield index, output


def png_size(data: str) -> tuple[int, int]:
    return struct.unpack(">II", base64.b64decode(data)[16:24])


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_plots_render_at_a_readable_size(assignment):
    sizes = {index: png_size(output["data"]["image/png"]) for index, output in outputs(assignment) if "image/png" in output.get("data", {})}
    assert sizes, "every notebook has at least one plot"
    for index, (width, height) in sizes.items():
        assert 380 <= width <= 1300 and 250 <= height <= 720, f"cell {index}: a {width}x{height} px plot"


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_outputs_are_short_and_free_of_warnings_and_errors(assignment):
    for index, output in outputs(assignment):
        assert output["output_type"] != "error", f"cell {index} raised {output.get('ename')}"
        assert output.get("name") != "stderr", f"cell {index} wrote to stderr: {output['text'][:200]!r}"
        text = output.get("text") or output.get("data", {}).get("text/plain", "")
        assert len(text.splitlines()) <= MAX_OUTPUT_LINES, f"cell {index} prints {len(text.splitlines())} lines"
