"""The checks of notebook 03, loss functions (declared in autograder.exercises.loss_functions)."""

from autograder.checks import checks_of

EXERCISES, progress = checks_of(__name__)
globals().update({check.name: check for check in EXERCISES})
