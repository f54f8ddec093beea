"""The checks of notebook 05, backpropagation (declared in autograder.exercises.backpropagation)."""

from autograder.checks import checks_of

EXERCISES, progress = checks_of(__name__)
globals().update({check.name: check for check in EXERCISES})
