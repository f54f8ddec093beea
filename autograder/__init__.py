"""Helper package of the neural-networks course.

- `autograder.exercises`: every exercise declared once (reference implementation, points, cases,
  known mistakes, example answers), one module per notebook: the instructor's side.
- `autograder.checks`: the checks that test cells call, one module per notebook, and the machinery
  that judges and explains (the learner's side).
- `autograder.data` and `autograder.plots`: data sets and figures the notebooks share.
- `autograder.instructor`: the instructor's tools (releasing the course, grading).
"""
