"""Make the learners' `course/` from the instructor's `solutions/`, with nbgrader.

    python -m autograder.instructor.release                  # derive, then regenerate all of course/
    python -m autograder.instructor.release --run-solutions  # derive, re-run solutions/ storing outputs, regenerate
    python -m autograder.instructor.release --check          # say what is stale, change nothing

First what follows from the exercises' declarations (autograder.exercises)
is derived and written: in solutions/, each answer cell's metadata, the test
cell after it, the exercise's heading and the notebook's total (see
`notebooks.derive`); the README's notebook table; and, for the learner's
install, each notebook's visible side and what its references and known
mistakes do on the visible cases (autograder.checks.recorded, see
`learner_side`). Then `course/` is regenerated; it is only ever written by
this command.
`--run-solutions` executes every solution notebook top to bottom and stores
its outputs (which nbval compares in CI), without timing metadata so that an
unchanged notebook stays unchanged.
"""

from __future__ import annotations

import argparse
import filecmp
import json
import re
import shutil
import sys
import tempfile
from pathlib import Path

import nbclient
import nbformat
from nbconvert.preprocessors import CoalesceStreamsPreprocessor

from autograder.checks import recorded
from autograder.instructor import learner_side, secret
from autograder.instructor.nbgrader_cli import run_nbgrader
from autograder.instructor.notebooks import derive, points_text, same_notebook

REPOSITORY = Path(__file__).resolve().parents[2]
SOURCE_DIRECTORY = "solutions"
RELEASE_DIRECTORY = "course"


def assignments(root: Path = REPOSITORY) -> list[str]:
    """The assignment folders of solutions/, in course order."""
    return sorted(path.parent.name for path in (root / SOURCE_DIRECTORY).glob("*/*.ipynb"))


def solution_notebooks(root: Path = REPOSITORY) -> list[Path]:
    """Every solution notebook, in course order."""
    return sorted((root / SOURCE_DIRECTORY).glob("*/*.ipynb"))


def notebook_module(assignment: str) -> str:
    """The module name of an assignment folder's exercises and checks: '01_single_neuron' -> 'single_neuron'."""
    return assignment.split("_", 1)[1]


def exercises_of(assignment: str) -> list:
    """The declared exercises of an assignment folder ('01_single_neuron'), in notebook order."""
    from autograder.exercises import declared

    return declared(notebook_module(assignment))


def derived(root: Path = REPOSITORY) -> tuple[dict[Path, str], list[str]]:
    """What the derived files should hold ({path: text} for each solution notebook and the README) and
    what the authors must still write for the derivation to be complete."""
    files, problems = {}, []
    for path in solution_notebooks(root):
        notebook, missing = derive(nbformat.read(path, as_version=4), exercises_of(path.parent.name))
        files[path] = nbformat.writes(notebook) + "\n"
        problems += [f"{path.relative_to(root)}: {problem}" for problem in missing]
    readme = root / "README.md"
    text, missing = readme_with_table(readme.read_text(), root)
    files[readme] = text
    problems += missing
    for assignment in assignments(root):
        try:
            files[recorded.FOLDER / f"{notebook_module(assignment)}.py"] = learner_side.visible_side(notebook_module(assignment))
        except learner_side.VisibleSideError as error:
            problems.append(str(error))
    return files, problems


def stale_records(root: Path = REPOSITORY) -> dict[Path, dict]:
    """{path: the fresh records} for every notebook whose recorded expectations would judge otherwise than the fresh ones."""
    found = {}
    for assignment in assignments(root):
        notebook = notebook_module(assignment)
        path, fresh = recorded.data_path(notebook), learner_side.records(notebook)
        if not path.exists() or not learner_side.same_records(notebook, json.loads(path.read_text()), fresh):
            found[path] = fresh
    return found


def readme_with_table(text: str, root: Path = REPOSITORY) -> tuple[str, list[str]]:
    """The README with each notebook's row listing its exercises and their points (the rest of the row is prose)."""
    problems = []
    for assignment in assignments(root):
        exercises = exercises_of(assignment)
        names = ", ".join(f"`{exercise.name}`" for exercise in exercises)
        points = points_text(sum(exercise.points for exercise in exercises))
        row = re.compile(rf"^(\| \[[^]]*\]\(course/{assignment}/[^)]*\) \| )(?:`\w+`(?:, `\w+`)*)(: [^|]*?)? \(\d+ points?\)( \|.*)$", re.MULTILINE)
        if not row.search(text):
            problems.append(f"README.md: the notebook table has no row for {assignment} ('| [title](course/{assignment}/...) | `names` (N points) | ...')")
        text = row.sub(lambda m: f"{m[1]}{names}{m[2] or ''} ({points}){m[3]}", text)
    return text, problems


def write_derived(root: Path = REPOSITORY) -> list[str]:
    """Write the derived parts of solutions/ and the README where they are stale; what the authors must still write."""
    files, problems = derived(root)
    for path, text in files.items():
        if not path.exists() or path.read_text() != text and not _same_notebook_file(path, text):
            path.write_text(text)
            print(f"derived {_shown(path, root)}", flush=True)
    if not problems:
        for path, fresh in stale_records(root).items():
            path.write_text(learner_side.records_text(fresh))
            print(f"recorded {_shown(path, root)}", flush=True)
    return problems


def stale(root: Path = REPOSITORY) -> list[str]:
    """Everything the release command would change or cannot derive; empty when all is current."""
    files, problems = derived(root)
    problems += [f"{_shown(path, root)} is stale" for path, text in files.items() if not path.exists() or path.read_text() != text and not _same_notebook_file(path, text)]
    problems += [f"{_shown(path, root)} is stale" for path in stale_records(root)]
    with tempfile.TemporaryDirectory() as scratch:
        fresh = release(root, Path(scratch) / RELEASE_DIRECTORY)
        problems += [f"course/{name} is stale" for name in _differences(root / RELEASE_DIRECTORY, fresh)]
    return problems


def _shown(path: Path, root: Path) -> str:
    return str(path.relative_to(root)) if path.is_relative_to(root) else str(path)


def _same_notebook_file(path: Path, text: str) -> bool:
    return path.suffix == ".ipynb" and same_notebook(nbformat.read(path, as_version=4), nbformat.reads(text, as_version=4))


def _differences(old: Path, new: Path) -> list[str]:
    comparison = filecmp.dircmp(old, new, ignore=[*filecmp.DEFAULT_IGNORES, ".ipynb_checkpoints"])
    found, pending = [], [(comparison, "")]
    while pending:
        node, prefix = pending.pop()
        found += [prefix + name for name in node.left_only + node.right_only + node.diff_files + node.funny_files]
        pending += [(child, f"{prefix}{name}/") for name, child in node.subdirs.items()]
    return found


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
    parser = argparse.ArgumentParser(prog="python -m autograder.instructor.release", description=__doc__.splitlines()[0])
    parser.add_argument("--run-solutions", action="store_true", help="re-run solutions/ first and store their outputs")
    parser.add_argument("--check", action="store_true", help="only say what is stale or missing, and exit 1 if anything is")
    arguments = parser.parse_args(argv)
    if arguments.check:
        problems = stale()
        print("\n".join(problems) or "solutions/, the README, the recorded checks and course/ are current")
        sys.exit(1 if problems else 0)
    problems = write_derived()
    if problems:
        sys.exit("Cannot derive everything from the declarations:\n" + "\n".join(problems))
    if arguments.run_solutions:
        try:
            secret.require(REPOSITORY)  # the solution notebooks run their hidden tests, drawn from it
        except secret.MissingSecret as missing:
            sys.exit(str(missing))
        run_solutions()
    target = release(register=True)
    print(f"released {len(assignments())} assignments into {target}, and registered them in the gradebook")


if __name__ == "__main__":
    main()
