"""A class of learners made from the course itself: for the demo, the benchmark and the tests.

Each `Learner` makes a submission from the released notebook and the solution
code: right, partly done, wrong, or broken in one of the ways grading must
survive. `set_up_course` makes a throw-away nbgrader course directory holding
one assignment of this course, ready to receive submissions.
"""

from __future__ import annotations

import inspect
import re
import shutil
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

import nbformat

from autograder.checks import for_assignment
from autograder.exercises import declared
from autograder.instructor import secret
from autograder.instructor.nbgrader_cli import run_nbgrader
from autograder.instructor.notebooks import nbgrader_cells, solution_code, with_answers
from autograder.instructor.release import REPOSITORY


@dataclass(frozen=True)
class Materials:
    """What submissions are made of: the released notebook, the solutions, the exercises in order."""

    assignment: str
    released: nbformat.NotebookNode
    solutions: dict[str, str]  # answer cell grade_id -> the solution code
    exercises: tuple[str, ...]

    def answers(self, **replaced: str) -> dict[str, str]:
        """The solutions, with the answers of some exercises (by name) replaced."""
        return self.solutions | {f"{exercise}_answer": source for exercise, source in replaced.items()}

    def stub(self, exercise: str, body: str) -> str:
        """The released stub of an exercise with its `raise NotImplementedError()` replaced by `body`."""
        released = nbgrader_cells(self.released, "solution")[f"{exercise}_answer"].source
        return released.replace("raise NotImplementedError()", body)


Submission = nbformat.NotebookNode | str | None  # a notebook; the raw text of a broken file; None for an empty folder


@dataclass(frozen=True)
class Learner:
    """One fabricated learner: who, which kind of submission, and how to make it."""

    name: str
    kind: str  # "correct", "partial", "wrong" or "broken"
    description: str
    make: Callable[[Materials], Submission]
    filename: str = ""  # the notebook's file name, when not the expected one
    full_name: str = ""  # "first last", recorded in the gradebook by `register`


def set_up_course(root: Path, assignment: str) -> Materials:
    """An nbgrader course directory at `root` with `assignment` released and registered in its gradebook,
    and a grading secret of its own unless one is found (a course's above it, or the environment's)."""
    root.mkdir(parents=True, exist_ok=True)
    if secret.find(root) is None:
        secret.make(root)
    shutil.copy(REPOSITORY / "nbgrader_config.py", root)
    shutil.copytree(REPOSITORY / "solutions" / assignment, root / "solutions" / assignment, dirs_exist_ok=True)
    run_nbgrader("generate_assignment", assignment, "--force", "--log-level=ERROR", cwd=root, capture=True)
    return materials(root, assignment)


def materials(root: Path, assignment: str) -> Materials:
    released = nbformat.read(root / "course" / assignment / f"{assignment}.ipynb", as_version=4)
    source = nbformat.read(root / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    solutions = {grade_id: solution_code(cell.source) for grade_id, cell in nbgrader_cells(source, "solution").items()}
    exercises = tuple(check.name for check in for_assignment(assignment).EXERCISES)
    return Materials(assignment, released, solutions, exercises)


def submit(root: Path, materials: Materials, learner: Learner) -> None:
    """Put a learner's submission where nbgrader collects it: submitted/<name>/<assignment>/."""
    folder = root / "submitted" / learner.name / materials.assignment
    folder.mkdir(parents=True, exist_ok=True)
    submission = learner.make(materials)
    path = folder / (learner.filename or f"{materials.assignment}.ipynb")
    if isinstance(submission, str):
        path.write_text(submission)
    elif submission is not None:
        nbformat.write(submission, path)


def register(root: Path, learners: list[Learner]) -> None:
    """Record the learners' names in the course's gradebook, as an instructor's class list would."""
    from nbgrader.api import Gradebook

    with Gradebook(f"sqlite:///{root / 'gradebook.db'}") as gradebook:
        for learner in learners:
            first, _, last = learner.full_name.partition(" ")
            gradebook.update_or_create_student(learner.name, first_name=first or None, last_name=last or None)


def solved(m: Materials) -> Submission:
    return with_answers(m.released, m.solutions)


def untouched(m: Materials) -> Submission:
    return nbformat.from_dict(m.released)


def first_done(count: int) -> Callable[[Materials], Submission]:
    """The first `count` exercises solved, the rest left as released."""
    return lambda m: with_answers(m.released, {f"{name}_answer": m.solutions[f"{name}_answer"] for name in m.exercises[:count]})


def one_wrong(position: int, body: str = "return None") -> Callable[[Materials], Submission]:
    """Everything solved but exercise `position`, whose function only runs `body`."""
    return lambda m: with_answers(m.released, m.answers(**{m.exercises[position]: m.stub(m.exercises[position], body)}))


def broken_code(position: int, code: str) -> Callable[[Materials], Submission]:
    """Everything solved, with `code` run at the top of the answer cell of exercise `position`."""
    def make(m: Materials) -> Submission:
        name = m.exercises[position]
        return with_answers(m.released, m.answers(**{name: code + "\n" + m.solutions[f"{name}_answer"]}))

    return make


def calls_reference(m: Materials) -> Submission:
    name = m.exercises[0]
    module = for_assignment(m.assignment).__name__.rsplit(".", 1)[1]
    return with_answers(m.released, m.answers(**{name: f"from autograder.exercises.{module} import {name}\n"}))


def replaces_check(m: Materials) -> Submission:
    """A wrong first answer, plus an attempt to switch its check (and NumPy's comparisons) off."""
    name = m.exercises[0]
    cheat = (
        "import numpy as np\nnp.allclose = lambda *args, **kwargs: True\n"
        f"check.{name} = lambda *args, **kwargs: print('✔ {name}: correct on all cases.')\n"
    )
    return with_answers(m.released, m.answers(**{name: cheat + m.stub(name, "return None")}))


def deletes_test_cell(m: Materials) -> Submission:
    notebook = solved(m)
    notebook.cells = [cell for cell in notebook.cells if cell.metadata.get("nbgrader", {}).get("grade_id") != m.exercises[0]]
    return notebook


LOOKUP_TABLE = """\
import numpy as np
import torch


def recorded_answer(exercise, args):
    \"\"\"What a lookup table returns: the answer the check recorded for the visible case with these inputs, else None.\"\"\"
    for index, case in enumerate(exercise.cases()):
        if same_inputs(case.args, args):
            result = exercise.recorded.expected(index).result
            if isinstance(result, dict) and "weight" in result:  # a layer, recorded by its readings
                layer = torch.nn.Linear(*result["size (in_features, out_features)"])
                with torch.no_grad():
                    layer.weight.copy_(torch.as_tensor(result["weight"]))
                    layer.bias.copy_(torch.as_tensor(result["bias"]))
                return layer
            return result
    return None


def same_inputs(one, other):
    if isinstance(one, (tuple, list)):
        return isinstance(other, (tuple, list)) and len(one) == len(other) and all(map(same_inputs, one, other))
    if isinstance(one, (np.ndarray, torch.Tensor)) or isinstance(other, (np.ndarray, torch.Tensor)):
        return np.shape(one) == np.shape(other) and np.array_equal(np.asarray(one), np.asarray(other))
    return one == other
"""


def lookup_table(m: Materials) -> Submission:
    """Every answer a lookup table of the visible cases: the recorded answer on each, None on any other input."""
    answers = {}
    for position, name in enumerate(m.exercises):
        parameters = ", ".join(for_assignment(m.assignment).EXERCISES[position].arg_names)
        answer = f"def {name}({parameters}):\n    return recorded_answer(check.{name}, ({parameters},))\n"
        answers[name] = (LOOKUP_TABLE + "\n\n" if position == 0 else "") + answer
    return with_answers(m.released, m.answers(**answers))


def written_anew(m: Materials) -> Submission:
    """Every answer right but written otherwise than the reference: each declaration's first other right answer."""
    exercises = declared(for_assignment(m.assignment).__name__.rsplit(".", 1)[1])
    answers = {
        exercise.name: re.sub(r"^(def|class) \w+", rf"\1 {exercise.name}", inspect.getsource(exercise.right[0]))
        for exercise in exercises
    }
    return with_answers(m.released, m.answers(**answers))


def demo_class() -> list[Learner]:
    """The demo's class: a few right, a few partly done or wrong, and one of each kind of trouble."""
    return [
        Learner("ada", "correct", "everything right", solved, full_name="Ada Lovelace"),
        Learner("grace", "correct", "everything right", solved, full_name="Grace Hopper"),
        Learner("alan", "partial", "only the first exercise done", first_done(1), full_name="Alan Turing"),
        Learner("barbara", "wrong", "the second exercise returns None", one_wrong(1), full_name="Barbara Liskov"),
        Learner("edsger", "wrong", "nothing done", untouched, full_name="Edsger Dijkstra"),
        Learner("linus", "broken", "a notebook file that is not valid JSON", lambda m: '{"cells": [{"cell_type": ', full_name="Linus Torvalds"),
        Learner("margaret", "broken", "an empty submission folder", lambda m: None, full_name="Margaret Hamilton"),
        Learner("dennis", "broken", "os._exit() in the last answer", broken_code(-1, "import os\nos._exit(0)"), full_name="Dennis Ritchie"),
        Learner("ken", "broken", "an endless loop in the second answer", broken_code(1, "while True:\n    pass"), full_name="Ken Thompson"),
        Learner("guido", "broken", "tries to switch its check off", replaces_check, full_name="Guido van Rossum"),
        Learner("bjarne", "broken", "calls the reference implementation", calls_reference, full_name="Bjarne Stroustrup"),
        Learner("john", "broken", "deleted a test cell (right answers)", deletes_test_cell, full_name="John McCarthy"),
        Learner("frances", "correct", "right answers, notebook renamed", solved, filename="my work.ipynb", full_name="Frances Allen"),
    ]


def benchmark_class(size: int = 40) -> list[Learner]:
    """A class for timing: mostly right, some wrong, a few broken in ways stock nbgrader also survives."""
    learners = []
    for number in range(size):
        name = f"learner{number:03d}"
        if number % 10 in (3, 7):
            learners.append(Learner(name, "wrong", "one exercise returns None", one_wrong(number % 3)))
        elif number % 20 == 9:
            learners.append(Learner(name, "broken", "an answer that raises an error", one_wrong(0, "raise ValueError('stuck')")))
        elif number % 20 == 19:
            learners.append(Learner(name, "broken", "a syntax error", broken_code(1, "def (:")))
        else:
            learners.append(Learner(name, "correct", "everything right", solved))
    return learners
