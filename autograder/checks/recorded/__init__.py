"""What the checks of each notebook know of its exercises, and what they were recorded to expect.

Both are written by the release command (`python -m autograder.instructor.release`)
from the declarations in autograder.exercises, never by hand; `release --check`
and the tests fail while they are stale. For the notebook module
`single_neuron`:

- `single_neuron.py`: each exercise's `Spec` (autograder.checks.spec) and the
  code its visible cases and properties need, copied from its declaration;
- `single_neuron.json`: what the reference and each known mistake do on every
  visible case, as the check observes them (only what it compares), in the
  data format of autograder.checks.transport, which holds values, never code.

They are all a learner's install holds of the exercises: no reference, no
known mistake's code and no hidden case.
"""

from __future__ import annotations

import importlib
import json
from pathlib import Path
from typing import Sequence

from autograder.checks.check import KnownMistake
from autograder.checks.observe import Observation
from autograder.checks.spec import Spec
from autograder.checks.transport import decode_observation

FOLDER = Path(__file__).resolve().parent


class RecordedExpectations:
    """The visible cases' expectations of one exercise, as recorded (an `Expectations` of autograder.checks.check)."""

    def __init__(self, record: dict):
        self.case_names: tuple[str, ...] = tuple(record["cases"])
        self._record = record
        self._decoded: dict[tuple[str, int], Observation] = {}

    def expected(self, index: int) -> Observation:
        return self._observation("expected", self._record["expected"], index)

    def mistakes(self) -> list[KnownMistake]:
        return [
            KnownMistake(mistake["name"], mistake["hint"], lambda index, mistake=mistake: self._observation(mistake["name"], mistake["observed"], index))
            for mistake in self._record["mistakes"]
        ]

    def _observation(self, key: str, documents: Sequence[dict], index: int) -> Observation:
        if (key, index) not in self._decoded:
            self._decoded[key, index] = decode_observation(documents[index])
        return self._decoded[key, index]


def record_of(expected: Sequence[Observation], mistakes: Sequence[tuple[str, str, Sequence[Observation]]], case_names: Sequence[str]) -> dict:
    """What is recorded of one exercise: its cases' names, the expected observations, each mistake's (name, hint, observations)."""
    from autograder.checks.transport import encode_observation

    return {
        "cases": list(case_names),
        "expected": [encode_observation(observation) for observation in expected],
        "mistakes": [
            {"name": name, "hint": hint, "observed": [encode_observation(observation) for observation in observed]}
            for name, hint, observed in mistakes
        ],
    }


def data_path(notebook: str) -> Path:
    return FOLDER / f"{notebook}.json"


def load(notebook: str) -> list[tuple[Spec, RecordedExpectations]]:
    """The specs of a notebook's exercises (in notebook order), each with its recorded expectations."""
    module = importlib.import_module(f"{__name__}.{notebook}")
    records = json.loads(data_path(notebook).read_text())
    specs: list[Spec] = list(module.SPECS)
    return [(spec, RecordedExpectations(records[spec.name])) for spec in specs]

