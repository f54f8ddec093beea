"""Answers a learner might write, one module per notebook, named like its check module.

Each module has
- CORRECT: exercise name -> functions a learner might write that are right, in
  different styles (vectorised, a loop, ...); each must pass the check;
- WRONG: exercise name -> `Wrong(function, says)`: plausible mistakes; each must
  fail the check with a message containing `says`, the part that names the mistake.

The functions are written as a learner would write them in the notebook, so the
nbgrader round trip can paste their source into an answer cell.
"""

from typing import Callable, NamedTuple


class Wrong(NamedTuple):
    function: Callable
    says: str
