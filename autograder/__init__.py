"""Helper package of the neural-networks course.

- `autograder.references`: reference implementations, the ground truth of every exercise.
- `autograder.checks`: the checks that test cells call, one module per notebook.
- `autograder.data` and `autograder.plots`: data sets and figures the notebooks share.
- `autograder.instructor`: the instructor's tools (releasing the course, grading).
"""
