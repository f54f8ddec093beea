"""The checks of notebook 04, gradient descent (declared in autograder.exercises.gradient_descent)."""

from autograder.checks import checks_of

EXERCISES, progress = checks_of(__name__)
globals().update({check.name: check for check in EXERCISES})
