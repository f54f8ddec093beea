"""The course's grading secret: what every learner's hidden cases are drawn from. Only the instructor holds it.

    python -m autograder.instructor.secret          # say where the secret is, or that there is none
    python -m autograder.instructor.secret --new    # make one in the course directory (refuses to replace one)

The secret is the file `grading-secret` in the course directory, beside
nbgrader_config.py (git ignores it), or, where no file can be kept (a CI
runner, the environment of a grading cluster), the environment variable
AUTOGRADER_GRADING_SECRET. It is part of the instructor's configuration and
of nothing released: never commit it, hand it out, or put it in a learner's
image. Keep it as long as grades may be graded again (another secret draws
other hidden cases, and so other scores for borderline answers), and give the
same one to everyone who grades the course.

From it, `assignment_key` derives one key per notebook (what the grade
command hands its workers), and `seed` one number per learner and exercise,
which the exercise's hidden cases are drawn from (autograder.instructor.hidden_cases).
"""

from __future__ import annotations

import argparse
import hashlib
import hmac
import os
import secrets
import sys
from pathlib import Path

FILE = "grading-secret"
VARIABLE = "AUTOGRADER_GRADING_SECRET"


class MissingSecret(Exception):
    """The course has no grading secret; the message says how to make or find one."""


def find(folder: Path) -> tuple[bytes, str] | None:
    """The secret and where it was found: the file in `folder` or the nearest folder above it, else the environment."""
    for candidate in [folder, *folder.parents]:
        path = candidate / FILE
        if path.is_file():
            return path.read_text().strip().encode(), str(path)
    if os.environ.get(VARIABLE, "").strip():
        return os.environ[VARIABLE].strip().encode(), f"the environment variable {VARIABLE}"
    return None


def require(folder: Path) -> bytes:
    """The secret for a course directory (or a folder inside it); MissingSecret, saying what to do, if there is none."""
    found = find(folder.resolve())
    if found is None:
        raise MissingSecret(
            f"No grading secret: the hidden cases are drawn from the course's secret, the file {FILE} in the course "
            f"directory ({folder.resolve()}) or the environment variable {VARIABLE}. If you graded this course before, "
            "copy the secret you graded with (another one draws other hidden cases); otherwise make one with "
            "`python -m autograder.instructor.secret --new`. Keep it from learners: never commit or release it."
        )
    return found[0]


def make(course: Path) -> Path:
    """Write a new secret into the course directory; FileExistsError if it has one."""
    path = course / FILE
    with open(path, "x") as file:
        os.fchmod(file.fileno(), 0o600)
        file.write(secrets.token_hex(32) + "\n")
    return path


def assignment_key(secret: bytes, notebook: str) -> str:
    """The key of one notebook's hidden cases ('single_neuron'), as hex: all a grading worker needs of the secret."""
    return hmac.new(secret, f"hidden cases of {notebook}".encode(), hashlib.sha256).hexdigest()


def seed(key: str, student: str, exercise: str) -> int:
    """The number one learner's hidden cases of one exercise are drawn from (below 2**31, so that cases may add to it)."""
    digest = hmac.new(bytes.fromhex(key), f"{student}\0{exercise}".encode(), hashlib.sha256).digest()
    return int.from_bytes(digest[:8], "big") % 2**31


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m autograder.instructor.secret", description=__doc__.splitlines()[0])
    parser.add_argument("--new", action="store_true", help=f"make a new secret, {FILE}, in the current directory")
    arguments = parser.parse_args(argv)
    course = Path.cwd()
    if arguments.new:
        try:
            path = make(course)
        except FileExistsError:
            sys.exit(f"{course / FILE} exists already: the course has its secret (replacing it would change every learner's hidden cases).")
        print(f"Made the course's grading secret, {path}. Keep it (and a copy somewhere safe); never commit or release it.")
        return
    found = find(course)
    if found is None:
        sys.exit(f"No grading secret here: make one with `python -m autograder.instructor.secret --new` (or set {VARIABLE}).")
    print(f"The grading secret is {found[1]}.")


if __name__ == "__main__":
    main()
