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
from nbgrader.utils import parse_utc

MAX_NOTEBOOK_MB = 100  # a larger file is not read: no notebook of this course comes near it
MAX_TIMESTAMP_BYTES = 100
MAX_SECRET_BYTES = 1024  # nbgrader's submission_secret.txt holds 128 hex digits


@dataclass
class Submission:
    """One learner's submission of the assignment, as intake found it."""

    student: str
    staged: bool = False  # whether a notebook was staged for grading
    problems: list[str] = field(default_factory=list)  # why it cannot be graded
    notes: list[str] = field(default_factory=list)  # what intake repaired or ignored
    fingerprint: str = ""  # identifies the staged content, to recognise work already graded
    secret: str = ""  # nbgrader's submission_secret.txt, which its exchange needs to hand the feedback back


def take_in(course: Path, submitted: str, assignment: str, notebook: str, staging: Path) -> list[Submission]:
    """Stage every submission of `assignment` under `staging`, one folder per learner, like nbgrader's."""
    submissions = []
    for folder in sorted((course / submitted).glob(f"*/{assignment}")):
        if folder.is_dir():
            submissions.append(_stage(folder, folder.parent.name, assignment, notebook, staging))
    return submissions


def _stage(folder: Path, student: str, assignment: str, notebook: str, staging: Path) -> Submission:
    submission = Submission(student, secret=_secret(folder / "submission_secret.txt"))
    links = sorted(path.name for path in folder.glob("*.ipynb") if path.is_symlink())
    if links:
        submission.notes.append(f"{', '.join(links)} ignored: a link, not a file")
    found = sorted(path for path in folder.glob("*.ipynb") if path.is_file() and not path.is_symlink())
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
    size_mb = chosen.stat().st_size / 2**20
    if size_mb > MAX_NOTEBOOK_MB:
        submission.problems.append(f"{chosen.name} is {size_mb:.0f} MB, more than the {MAX_NOTEBOOK_MB} MB a notebook may be")
        return submission
    try:
        text = chosen.read_text(encoding="utf-8")
        version = json.loads(text).get("nbformat")
        content = nbformat.reads(text, as_version=4)
        nbformat.validate(content)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        submission.problems.append(f"{chosen.name} is not a valid notebook file ({type(error).__name__}: {_first_line(error)})")
        return submission
    except Exception as error:  # nbformat rejects what it cannot read; the reason is the learner's to see
        submission.problems.append(f"{chosen.name} could not be read as a notebook ({_first_line(error)})")
        return submission
    if version != 4:
        submission.notes.append(f"{chosen.name} was in notebook format {version}; converted to format 4")
    target = staging / student / assignment
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    nbformat.write(content, target / f"{notebook}.ipynb")
    digest = hashlib.sha256((target / f"{notebook}.ipynb").read_bytes())
    timestamp = _timestamp(folder / "timestamp.txt", submission)
    if timestamp:
        (target / "timestamp.txt").write_text(timestamp)
        digest.update(timestamp.encode())
    submission.staged, submission.fingerprint = True, digest.hexdigest()
    return submission


def _secret(path: Path) -> str:
    """The text of a short file that nbgrader's exchange put beside the notebook, or '' when there is no such file."""
    try:
        if path.is_file() and not path.is_symlink() and path.stat().st_size <= MAX_SECRET_BYTES:
            return path.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        pass
    return ""


def _timestamp(path: Path, submission: Submission) -> str:
    """The submission time nbgrader recorded in timestamp.txt, if it is one it can read; else a note and ''."""
    if not path.exists():
        return ""
    try:
        if path.is_symlink() or not path.is_file() or path.stat().st_size > MAX_TIMESTAMP_BYTES:
            raise ValueError("not a short text file")
        text = path.read_text(encoding="utf-8").strip()
        parse_utc(text)
    except (OSError, ValueError, OverflowError, UnicodeDecodeError) as error:
        submission.notes.append(f"timestamp.txt could not be read ({error}); graded without a submission time")
        return ""
    return text


def _first_line(error: Exception, length: int = 200) -> str:
    text = (str(error).strip().splitlines() or [type(error).__name__])[0]
    return text if len(text) <= length else text[: length - 1] + "…"
