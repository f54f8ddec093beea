"""Take in the submissions of an assignment: find each learner's notebook, and say what is wrong with it.

nbgrader expects `submitted/<student>/<assignment>/<notebook>.ipynb`. Learners
send empty folders, rename their notebook, add extra ones, save it in an old
format, or break its JSON. Intake copies every submission it can use into a
staging folder, in the form nbgrader expects (renamed to the expected name if
it was the only notebook, converted to the current format), and leaves a
clear line for every one it cannot use or had to repair. Grading then reads
only the staged copies: nothing a learner changes in `submitted/` while
grading runs can affect it.
"""

from __future__ import annotations

import hashlib
import json
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import nbformat


@dataclass
class Submission:
    """One learner's submission of the assignment, as intake found it."""

    student: str
    staged: bool = False  # whether a notebook was staged for grading
    problems: list[str] = field(default_factory=list)  # why it cannot be graded
    notes: list[str] = field(default_factory=list)  # what intake repaired or ignored
    fingerprint: str = ""  # identifies the staged content, to recognise work already graded


def take_in(course: Path, submitted: str, assignment: str, notebook: str, staging: Path) -> list[Submission]:
    """Stage every submission of `assignment` under `staging`, one folder per learner, like nbgrader's."""
    submissions = []
    for folder in sorted((course / submitted).glob(f"*/{assignment}")):
        if folder.is_dir():
            submissions.append(_stage(folder, folder.parent.name, assignment, notebook, staging))
    return submissions


def _stage(folder: Path, student: str, assignment: str, notebook: str, staging: Path) -> Submission:
    submission = Submission(student)
    found = sorted(path for path in folder.glob("*.ipynb") if path.is_file())
    expected = folder / f"{notebook}.ipynb"
    if expected in found:
        chosen = expected
        for extra in found:
            if extra != expected:
                submission.notes.append(f"extra notebook {extra.name} ignored")
    elif len(found) == 1:
        chosen = found[0]
        submission.notes.append(f"notebook {chosen.name} graded as {expected.name} (it was renamed)")
    elif found:
        names = ", ".join(path.name for path in found)
        submission.problems.append(f"no {expected.name}, and several other notebooks ({names}): cannot tell which to grade")
        return submission
    else:
        contents = sorted(path.name for path in folder.iterdir())
        held = f"; the folder holds {', '.join(contents[:5])}" if contents else ""
        submission.problems.append(f"no notebook submitted (expected {expected.name}{held})")
        return submission
    try:
        text = chosen.read_text(encoding="utf-8")
        version = json.loads(text).get("nbformat")
        content = nbformat.reads(text, as_version=4)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        submission.problems.append(f"{chosen.name} is not a valid notebook file ({type(error).__name__}: {error})")
        return submission
    except Exception as error:  # nbformat rejects what it cannot read; the reason is the learner's to see
        submission.problems.append(f"{chosen.name} could not be read as a notebook ({error})")
        return submission
    if version != 4:
        submission.notes.append(f"{chosen.name} was in notebook format {version}; converted to format 4")
    target = staging / student / assignment
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    nbformat.write(content, target / f"{notebook}.ipynb")
    timestamp = folder / "timestamp.txt"
    if timestamp.is_file():
        shutil.copy(timestamp, target / "timestamp.txt")
    digest = hashlib.sha256((target / f"{notebook}.ipynb").read_bytes())
    if timestamp.is_file():
        digest.update(timestamp.read_bytes())
    submission.staged, submission.fingerprint = True, digest.hexdigest()
    return submission
