"""How long each solution notebook takes to run from a fresh kernel, and the whole course.

    python tests/benchmarks/notebook_times.py

Each notebook runs top to bottom in a new kernel, in a copy of its folder, as
nbval and nbgrader run it; the time includes starting the kernel and importing
the libraries. Targets: under 30 s per notebook, under 3 minutes for the whole
course. Not a test: timings vary.
"""

import shutil
import sys
import tempfile
import time
from pathlib import Path

import nbclient
import nbformat

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from autograder.instructor.release import solution_notebooks  # noqa: E402


def run(path: Path) -> float:
    with tempfile.TemporaryDirectory() as folder:
        copy = Path(shutil.copytree(path.parent, Path(folder) / path.parent.name)) / path.name
        notebook = nbformat.read(copy, as_version=4)
        start = time.perf_counter()
        nbclient.NotebookClient(notebook, timeout=600, kernel_name="python3", resources={"metadata": {"path": str(copy.parent)}}).execute()
        return time.perf_counter() - start


def main() -> None:
    total = 0.0
    print(f"{'notebook':<32}{'seconds':>8}")
    for path in solution_notebooks():
        seconds = run(path)
        total += seconds
        print(f"{path.stem:<32}{seconds:>8.1f}{'   over 30 s!' if seconds > 30 else ''}", flush=True)
    print(f"{'whole course':<32}{total:>8.1f}{'   over 3 minutes!' if total > 180 else ''}")


if __name__ == "__main__":
    main()
