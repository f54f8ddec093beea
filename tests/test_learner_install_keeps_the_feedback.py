"""The visible checks give the same feedback in the learner's install as in the instructor's.

In the learner's install (built once a run: tests/learner_install.py) every
known mistake that is a whole function is checked the way a learner's is,
from its source typed into a fresh namespace; the message (the case, its
inputs, expected and got, the hint that names the mistake) is the one the
instructor's install gives, and so is each notebook's progress view. The
learner's install judges from what was recorded at release, the instructor's
from the same records: tests/test_release_is_current.py proves those match
the references.
"""

from __future__ import annotations

import inspect
import json
import re
import textwrap

import pytest

from autograder.checks import for_assignment
from course import ASSIGNMENTS, declaration
from learner_install import run

PRELUDE = "import numpy as np\nimport torch\nimport torch.nn.functional as F\nfrom torch import nn\n"

# Runs in either install: checks each mistake's source as a learner's answer; prints {key: message} as JSON.
CHECK_EACH = r'''
import contextlib, io, json, sys
from autograder.checks import for_assignment

from autograder.checks.progress import progress_of

answers, found, notebooks = json.loads(sys.stdin.read()), {}, {}
for key, (assignment, name, source) in answers.items():
    namespace = {}
    try:
        exec(source, namespace)
    except Exception:
        continue
    check = getattr(for_assignment(assignment), name)
    with contextlib.redirect_stdout(io.StringIO()):
        found[key] = check.verdict(namespace[name]).message
    notebooks.setdefault(assignment, {})[name] = namespace[name]
for assignment, namespace in notebooks.items():
    found[f"progress of {assignment}"] = repr(progress_of(for_assignment(assignment).EXERCISES, namespace))
print(json.dumps(found))
'''


def mistakes_as_typed() -> dict[str, tuple[str, str, str]]:
    """{key: (assignment, exercise, source)}: every known mistake that is a whole function, renamed as the exercise.

    Not one that calls the exercise's reference (leaves_out_the_scale_and_shift
    calls layer_norm_forward): renamed, it would call itself, and where a
    RecursionError strikes depends on the stack it started on.
    """
    found = {}
    for assignment in ASSIGNMENTS:
        for check in for_assignment(assignment).EXERCISES:
            for mistake in declaration(check).mistakes:
                body = textwrap.dedent(inspect.getsource(mistake.answer))
                if mistake.replacing is None and not re.search(rf"\b{check.name}\(", body):
                    source = body.replace(f"def {mistake.name}(", f"def {check.name}(", 1)
                    found[f"{check.name}: {mistake.name}"] = assignment, check.name, PRELUDE + source
    return found


def messages(python, folder, answers) -> dict[str, str]:
    done = run(python, CHECK_EACH, folder, input=json.dumps(answers))
    assert done.returncode == 0, done.stderr
    return json.loads(done.stdout)


@pytest.fixture(scope="module")
def both(learner_python, tmp_path_factory):
    import sys
    from pathlib import Path

    answers = mistakes_as_typed()
    folder = tmp_path_factory.mktemp("feedback")
    return answers, messages(learner_python, folder, answers), messages(Path(sys.executable), folder, answers)


def test_known_mistakes_get_the_same_message_in_both_installs(both):
    answers, learners, instructors = both
    typed = [key for key in answers if key in instructors]
    assert len(typed) >= 40, "most known mistakes can be typed as a learner's answer"
    assert {key: learners.get(key) for key in typed} == {key: instructors[key] for key in typed}


def test_the_messages_show_the_case_its_inputs_expected_got_and_the_mistakes_hint(both):
    _, learners, _ = both
    message = learners["linear_unit: leaves_out_the_bias"]
    for shown in ["on the case 'one input, one example'", "X = [[2.]]", "expected: [7.]", "got:      [6.]",
                  "Hint: Your outputs leave out the bias: add b to every output."]:
        assert shown in message
    named = [key for key, text in learners.items() if ": " in key and "Hint: " in text]
    assert len(named) >= 40


def test_the_progress_view_is_the_same_in_both_installs(both):
    _, learners, instructors = both
    views = [key for key in instructors if key.startswith("progress of ")]
    assert len(views) == len(ASSIGNMENTS)
    assert {key: learners[key] for key in views} == {key: instructors[key] for key in views}
