"""The checks of notebook 07, regularisation (declared in autograder.exercises.regularisation)."""

from autograder.checks import checks_of

EXERCISES, progress = checks_of(__name__)
globals().update({check.name: check for check in EXERCISES})
