"""A learner's kernel stops sending a cell's output past the limit itself, and a check's report still gets through."""

from __future__ import annotations

import subprocess
import sys
from queue import Empty

import pytest
from jupyter_client import BlockingKernelClient
from jupyter_client.connect import write_connection_file

from autograder.checks.transport import MARKER
from autograder.instructor.output_cap import MARGIN

LIMIT_MB = 1


@pytest.fixture(scope="module")
def kernel(tmp_path_factory):
    """A kernel started as the grader starts a learner's (without its sandbox), its output capped at LIMIT_MB."""
    folder = tmp_path_factory.mktemp("kernel")
    connection_file, _ = write_connection_file(str(folder / "c.json"), transport="ipc", ip=str(folder / "s"))
    process = subprocess.Popen(
        [sys.executable, "-c", f"from autograder.instructor.kernel_sandbox import run_kernel; run_kernel({connection_file!r}, {LIMIT_MB})"],
        cwd=folder,
    )
    client = BlockingKernelClient(connection_file=connection_file)
    client.load_connection_file()
    client.start_channels(hb=False)  # its heartbeat would count the kernel dead while it is still starting
    try:
        client.wait_for_ready(timeout=120)
        yield client
    finally:
        client.stop_channels()
        process.kill()
        process.wait()


def run(client, code: str) -> dict[str, str]:
    """Run `code` and gather what reached this side: all printed text, and the name of any error."""
    msg_id = client.execute(code)
    text, error = [], ""
    while True:
        try:
            msg = client.get_iopub_msg(timeout=60)
        except Empty:
            raise AssertionError("the kernel's output did not end") from None
        if msg["parent_header"].get("msg_id") != msg_id:
            continue
        kind, content = msg["msg_type"], msg["content"]
        if kind == "stream":
            text.append(content["text"])
        elif kind in ("display_data", "execute_result"):
            text.append(str(content["data"]))
        elif kind == "error":
            error = content["ename"]
        elif kind == "status" and content["execution_state"] == "idle":
            return {"text": "".join(text), "error": error}


def test_a_flood_is_cut_off_in_the_kernel_just_past_the_limit(kernel):
    received = run(kernel, "for _ in range(20_000):\n    print('x' * 1000)")  # 20 MB
    assert LIMIT_MB * 2**20 < len(received["text"]) <= LIMIT_MB * 2**20 + MARGIN + 1001


def test_rich_output_counts_too(kernel):
    received = run(kernel, "from IPython.display import display\nfor _ in range(20_000):\n    display({'text/plain': 'y' * 1000}, raw=True)")
    assert len(received["text"]) <= LIMIT_MB * 2**20 + MARGIN + 2000


def test_a_report_after_a_flood_arrives_whole_on_a_line_of_its_own(kernel):
    report = MARKER + "{}"
    received = run(kernel, f"for _ in range(5_000):\n    print('x' * 1000, end='')\nprint({report!r})\nprint('after')")
    assert f"\n{report}\n" in received["text"]
    assert not received["text"].endswith("after\n")


def test_the_next_cell_may_print_again_and_stderr_shares_the_limit(kernel):
    assert run(kernel, "print('fresh')")["text"] == "fresh\n"
    received = run(kernel, "import sys\nfor _ in range(3_000):\n    print('o' * 1000)\n    print('e' * 1000, file=sys.stderr)")
    assert len(received["text"]) <= LIMIT_MB * 2**20 + MARGIN + 2002
