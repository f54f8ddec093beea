"""What the grading tests share: running the grade command, and reading back the summary it prints."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path


def grade(root: Path, assignment: str, *options: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """`python -m autograder.instructor.grade <assignment> <options>` in course directory `root`."""
    return subprocess.run(
        [sys.executable, "-m", "autograder.instructor.grade", assignment, *options],
        cwd=root, capture_output=True, text=True, timeout=1500, env=env,
    )


def summary(stdout: str) -> dict[str, dict[str, str]]:
    """The summary table the grade command prints, read back: learner -> its score ("3 / 5", "—"), status and notes.

    A learner's notes are one per line, the first beside its score; they are
    joined with "; " here.
    """
    lines = stdout.splitlines()
    header = next(index for index, line in enumerate(lines) if line.startswith("learner ") and " status " in line)
    status_at, notes_at = lines[header].index("status"), lines[header].index("notes")
    rows: dict[str, dict[str, str]] = {}
    name = ""
    for line in lines[header + 2 :]:
        if not line.strip():
            break
        if line[:status_at].strip():
            name, score = line[:status_at].split(None, 1) if len(line[:status_at].split()) > 1 else (line[:status_at].strip(), "")
            rows[name] = {"score": score.strip(), "status": line[status_at:notes_at].strip(), "notes": line[notes_at:].strip()}
        elif name:
            rows[name]["notes"] = "; ".join(part for part in (rows[name]["notes"], line[notes_at:].strip()) if part)
    return rows
