"""Every exercise of the course, declared once: one module per notebook, one `Exercise` per exercise.

This is the framework's one page. `single_neuron.py` (notebook 01) is the
example to read first; `gradient_descent.py` shows properties, `uses` and
mistakes made in one step of a longer reference.

An exercise's declaration, in its notebook's module here, holds everything
about it: the reference implementation (a plain function, named and called
like the learner's, with the docstring the notebook shows), its points, its
visible and hidden cases, how results are judged (by value within a
tolerance, or by named properties), its known mistakes with the hints that
name them, and right and wrong example answers written as a learner would. In
the module it reads, top to bottom: the reference, the cases, the mistakes and
example answers, then the `Exercise(...)` that ties them together; the order
of the declarations is the notebook's. Everything else is derived from them:

- the check the notebook calls, `check.<name>(<name>)`, and `check.progress()`
  (autograder.checks);
- in the solution notebook: the answer cell's nbgrader metadata, the test cell
  after it (its source, grade_id and points), the heading ("### Exercise 2 ·
  `name` (1 point)") and the total in the introduction; and the README's
  notebook table. `python -m autograder.instructor.release` writes them and
  checks that the answer cell has the reference's signature and docstring;
  the tests fail while anything is stale;
- the proofs (tests/test_exercises_are_proven.py): the reference and every
  right answer pass the visible and hidden cases, the released stub fails as
  not written, every known mistake fails with its hint and is recognised by
  name, every other wrong answer fails with the words it `says`.

One idiom each:

- a case is a `Case` (autograder.checks.check): a name a learner recognises,
  the arguments, and optionally keyword arguments, `context` (further inputs
  the check uses and messages show) and a case-specific hint. `cases` and
  `hidden_cases` are functions returning lists of them: fixed, readable cases
  first, then seeded random ones, then edge cases. Hidden cases are other
  cases, never copies of the visible ones.
- a known mistake is a `Mistake`: a small named function that makes it,
  written as a learner would, and the hint that names it. A mistake made
  inside one step of a longer reference is that step's wrong version,
  `Mistake(keeps_old_gradients, hint, replacing=update_coeffs)`: the wrong
  answer is the reference with that step replaced, not a copy of its loop
  (so write long references as small named steps). A `Wrong` is the same for
  a wrong answer whose message comes from the checks' general explanations.
- a property is a `Property` (autograder.checks.properties): a name, a hint,
  and either `read` (from the call, where the function runs) or `derive`
  (from what was read and the case, wherever the check judges); a `Reading`
  is read only for derived properties, and `Returns` says what kind of result
  the properties are read from. Probes used by several exercises (models that
  note how they are run, seeded weights, generators, loaders) live in
  autograder.checks.probes.

A function that calls the notebook's other exercises declares them in
`uses`: the learner's function is checked with the references of those, so a
mistake made in an earlier exercise costs that exercise's points only.

The learner's install (a later issue) will hold the checks and what they were
recorded to expect, not this package: a check judges each case only from the
case, the learner's observation and its `expectations` (what the reference and
the mistakes do on the cases, worked out here by `ReferenceExpectations`).
Keep cases, readers and derivations free of references. What still needs the
instructor's side: `uses` (it runs references in the learner's kernel) and
the EarlyStopping of notebook 07 handed to fit's hidden case in notebook 08.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass
from typing import Any, Callable, Sequence

from autograder.checks.check import Case, KnownMistake
from autograder.checks.compare import FLOAT64, Tolerance
from autograder.checks.observe import Observation, substitute
from autograder.checks.properties import Properties, Returns


@dataclass(frozen=True)
class Mistake:
    """A known wrong answer: a small named function that makes it, and the hint that names it.

    `answer` has the exercise's signature, or, with `replacing`, the signature of that step: a
    function the reference calls by name, which the mistake's version replaces.
    """

    answer: Callable
    hint: str
    replacing: Callable | None = None

    @property
    def name(self) -> str:
        return self.answer.__name__

    def wrong_answer(self, reference: Callable) -> Callable:
        """The whole wrong answer: `answer` itself, or the reference with the replaced step."""
        return whole_answer(self.answer, self.replacing, reference)


@dataclass(frozen=True)
class Wrong:
    """A wrong answer a learner might write, and words its check's message must contain (`replacing` as for Mistake)."""

    answer: Callable
    says: str
    replacing: Callable | None = None

    def wrong_answer(self, reference: Callable) -> Callable:
        return whole_answer(self.answer, self.replacing, reference)


def whole_answer(answer: Callable, replacing: Callable | None, reference: Callable) -> Callable:
    """`answer`, or when it replaces a step, the reference with that step replaced by `answer`."""
    return answer if replacing is None else substitute(reference, {replacing.__name__: answer})


@dataclass(frozen=True)
class Exercise:
    """One exercise: its reference, points, cases, how it is judged, its known mistakes and example answers.

    Judged by value (the default): the learner's result is compared with the reference's within
    `tolerance`; `result_names` names the values of a tuple result. Judged by `properties`:
    the function must return `returns`, and the properties are compared in order.
    """

    reference: Callable  # its __name__ is the exercise's name, its signature the stub's
    points: int
    cases: Callable[[], list[Case]]
    hidden_cases: Callable[[], list[Case]]
    hint: str  # the advice when no more specific one applies
    mistakes: Sequence[Mistake] = ()
    right: Sequence[Callable] = ()  # correct answers in other styles than the reference
    wrong: Sequence[Wrong] = ()  # further wrong answers, named by the checks' general messages
    tolerance: Tolerance = FLOAT64
    result_names: tuple[str, ...] = ()
    properties: Properties = ()
    returns: Returns | None = None
    changes_its_inputs: bool = False  # it is meant to update its arguments in place
    uses: Sequence[Callable] = ()  # the references of the notebook's exercises it calls
    warning_hint: str = ""  # with it, a NumPy warning (overflow, division by zero) fails the case
    mutation_hint: str = ""  # replaces the usual hint for a function that changes its inputs
    seeded: bool = False  # every call runs with torch's global random numbers seeded alike

    @property
    def name(self) -> str:
        return self.reference.__name__

    def expectations(self, check: Any, cases: Sequence[Case]) -> ReferenceExpectations:
        """What the reference and the known mistakes do on `cases`, as `check` observes them."""
        return ReferenceExpectations(self, check, cases)

    def wrong_answers(self) -> list[Wrong]:
        """Every wrong example answer, whole: the known mistakes (each must fail with its hint), then the others."""
        examples = [(mistake, mistake.hint) for mistake in self.mistakes] + [(wrong, wrong.says) for wrong in self.wrong]
        return [Wrong(example.wrong_answer(self.reference), says) for example, says in examples]


class ReferenceExpectations:
    """The instructor's side of judging: what the reference and the mistakes do, worked out by calling them."""

    def __init__(self, exercise: Exercise, check: Any, cases: Sequence[Case]):
        self._exercise, self._check, self._cases = exercise, check, cases
        self._seen: dict[tuple[Callable, int], Observation] = {}

    def expected(self, index: int) -> Observation:
        return self._observed(self._exercise.reference, index)

    def mistakes(self) -> list[KnownMistake]:
        reference = self._exercise.reference
        return [
            KnownMistake(mistake.name, mistake.hint, lambda index, answer=mistake.wrong_answer(reference): self._observed(answer, index))
            for mistake in self._exercise.mistakes
        ]

    def _observed(self, function: Callable, index: int) -> Observation:
        key = (function, index)
        if key not in self._seen:
            self._seen[key] = self._check.observe(function, self._cases[index], learner=False)
        return self._seen[key]


def declared(notebook: str) -> list[Exercise]:
    """The exercises declared in a notebook's module ('single_neuron'), in the order they are declared."""
    module = importlib.import_module(f"{__name__}.{notebook}")
    return [value for value in vars(module).values() if isinstance(value, Exercise) and value.reference.__module__ == module.__name__]
