"""Every exercise of the course, declared once: one module per notebook, one `Exercise` per exercise.

This is the framework's one page. `single_neuron.py` (notebook 01) is the
example to read first; `gradient_descent.py` shows properties, `uses` and
mistakes made in one step of a longer reference.

An exercise's declaration, in its notebook's module here, holds everything
about it: the reference implementation (a plain function, named and called
like the learner's, with the docstring the notebook shows), its points, its
visible cases and how its hidden ones are drawn, how results are judged (by
value within a tolerance, or by named properties), its known mistakes with
the hints that name them, and right and wrong example answers written as a
learner would. Of that, its `Spec` (autograder.checks.spec) is what may be
in a learner's hands; the rest is the answer key, the instructor's alone. In
the module it reads, top to bottom: the reference, the cases, the mistakes and
example answers, then the `Exercise(...)` that ties them together; the order
of the declarations is the notebook's. Everything else is derived from them:

- the check the notebook calls, `check.<name>(<name>)`, and `check.progress()`
  (autograder.checks), made from what the release command records of the
  declarations (autograder.checks.recorded): each notebook's visible side (its
  specs and the code their cases and properties need) and what the reference
  and the known mistakes do on the visible cases;
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
  cases, never copies of the visible ones, and `hidden_cases(seed)` makes
  every value of them from the seed, which grading draws for each learner from
  the course's secret (autograder.instructor.hidden_cases): a hidden case with
  fixed values would be known to anyone who has read this package.
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
`uses`. When a grader runs the notebook, the learner's function is checked
with the references of those, so that a mistake made in an earlier exercise
costs that exercise's points only; in the learner's own runs it calls the
learner's own, and its check names the one to fix first.

The learner's install holds the checks and what they were recorded to
expect, never this package: a check judges each case only from the case, the
learner's observation and its `expectations` (what the reference and the
mistakes do on the cases: recorded for the visible ones, worked out here by
`ReferenceExpectations` for the hidden ones). So keep the visible cases,
properties, readers and derivations free of references, mistakes, examples
and hidden cases; the release command refuses to record a notebook whose
visible side needs one (autograder.instructor.learner_side).
"""

from __future__ import annotations

import importlib
import inspect
from dataclasses import dataclass
from typing import Any, Callable, Sequence

import numpy as np

from autograder.checks.check import Case, KnownMistake
from autograder.checks.observe import Observation, substitute
from autograder.checks.spec import Spec


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


class Exercise:
    """One exercise: its reference, its `Spec` (points, cases, how it is judged), hidden cases, known mistakes, examples.

    Every keyword but the instructor's own (`hidden_cases`, `mistakes`, `right`, `wrong`, `uses`) is a
    field of the exercise's Spec (autograder.checks.spec): points, cases, hint, tolerance, properties...
    """

    def __init__(
        self,
        reference: Callable,  # its __name__ is the exercise's name, its signature the stub's
        *,
        hidden_cases: Callable[[int], list[Case]],  # drawn from a seed (see autograder.instructor.hidden_cases)
        mistakes: Sequence[Mistake] = (),
        right: Sequence[Callable] = (),  # correct answers in other styles than the reference
        wrong: Sequence[Wrong] = (),  # further wrong answers, named by the checks' general messages
        uses: Sequence[Callable] = (),  # the references of the notebook's exercises it calls
        **judged: Any,
    ):
        self.reference, self.hidden_cases = reference, hidden_cases
        self.mistakes, self.right, self.wrong, self.uses = tuple(mistakes), tuple(right), tuple(wrong), tuple(uses)
        parameters = tuple(inspect.signature(reference).parameters)
        self.spec = Spec(reference.__name__, parameters, uses=tuple(part.__name__ for part in uses), **judged)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def points(self) -> int:
        return self.spec.points

    def wrong_answers(self) -> list[Wrong]:
        """Every wrong example answer, whole: the known mistakes (each must fail with its hint), then the others."""
        examples = [(mistake, mistake.hint) for mistake in self.mistakes] + [(wrong, wrong.says) for wrong in self.wrong]
        return [Wrong(example.wrong_answer(self.reference), says) for example, says in examples]


class ReferenceExpectations:
    """The instructor's side of judging: what the reference and the mistakes do on `cases`, worked out by calling them."""

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
            self._seen[key] = self._check.observe(function, self._cases[index])
        return self._seen[key]


def shuffled_rows(rng: Any, *arrays: Any) -> tuple:
    """The arrays with their rows in one random order, the same for all: fixed values of a hidden case, in an order no one knows."""
    order = rng.permutation(len(arrays[0]))
    return tuple(np.asarray(array)[order] for array in arrays)


def declared(notebook: str) -> list[Exercise]:
    """The exercises declared in a notebook's module ('single_neuron'), in the order they are declared."""
    module = importlib.import_module(f"{__name__}.{notebook}")
    return [value for value in vars(module).values() if isinstance(value, Exercise) and value.reference.__module__ == module.__name__]


def declaration_of(check: Any) -> Exercise:
    """The declaration of a check's exercise."""
    return next(exercise for exercise in declared(check.notebook) if exercise.name == check.name)
