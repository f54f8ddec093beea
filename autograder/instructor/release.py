"""Make the learners' `course/` from the instructor's `solutions/`, with nbgrader.

    python -m autograder.instructor.release                  # regenerate all of course/
    python -m autograder.instructor.release --run-solutions  # first re-run solutions/, storing outputs

`course/` is only ever written by this command. `--run-solutions` executes every
solution notebook top to bottom and stores its outputs (which nbval compares
in CI), without timing metadata so that an unchanged notebook stays unchanged.
"""

from __future__ import annotations

import argparse
import shutil
from pathlib import Path

import nbclient
import nbformat
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

from autograder.instructor.nbgrader_cli import run_nbgrader

REPOSITORY = Path(__file__).resolve().parents[2]
SOURCE_DIRECTORY = "solutions"
RELEASE_DIRECTORY = "course"


def assignments(root: Path = REPOSITORY) -> list[str]:
    """The assignment folders of solutions/, in course order."""
    return sorted(path.parent.name for path in (root / SOURCE_DIRECTORY).glob("*/*.ipynb"))


def solution_notebooks(root: Path = REPOSITORY) -> list[Path]:
    """Every solution notebook, in course order."""
    return sorted((root / SOURCE_DIRECTORY).glob("*/*.ipynb"))


def release(root: Path = REPOSITORY, release_directory: Path | None = None, register: bool = False) -> Path:
    """Regenerate every assignment of solutions/ into `release_directory` (default: course/).

    With `register`, the assignments and their cells are also recorded in the
    course's gradebook, so that stock `nbgrader autograde` can grade them.
    """
    target = release_directory or root / RELEASE_DIRECTORY
    target.mkdir(parents=True, exist_ok=True)
    for folder in target.iterdir():
        if folder.is_dir():
            shutil.rmtree(folder)  # every assignment is made anew, without nbgrader warning that it replaces one
    run_nbgrader(
        "generate_assignment", "*", "--force", *([] if register else ["--no-db"]), "--log-level=WARN",
        f"--CourseDirectory.release_directory={target}",
        cwd=root,
    )
    return target


def run_solutions(root: Path = REPOSITORY, timeout: int = 600) -> None:
    """Execute every solution notebook in its own folder and store its outputs in place."""
    for path in solution_notebooks(root):
        print(f"running {path.relative_to(root)}", flush=True)
        notebook = nbformat.read(path, as_version=4)
        for cell in notebook.cells:
            cell.metadata.pop("execution", None)
        client = nbclient.NotebookClient(
            notebook, timeout=timeout, kernel_name="python3", record_timing=False,
            resources={"metadata": {"path": str(path.parent)}},
        )
        client.execute()
        notebook, _ = CoalesceStreamsPreprocessor().preprocess(notebook, {})  # however the kernel flushed
        nbformat.write(notebook, path)


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run-solutions", action="store_true", help="re-run solutions/ first and store their outputs")
    arguments = parser.parse_args(argv)
    if arguments.run_solutions:
        run_solutions()
    target = release(register=True)
    print(f"released {len(assignments())} assignments into {target}, and registered them in the gradebook")


if __name__ == "__main__":
    main()
