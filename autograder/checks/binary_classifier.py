"""The checks of notebook 08, binary classifier (declared in autograder.exercises.binary_classifier)."""

from autograder.checks import checks_of

EXERCISES, progress = checks_of(__name__)
globals().update({check.name: check for check in EXERCISES})
