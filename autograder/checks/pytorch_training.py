"""The checks of notebook 06, pytorch training (declared in autograder.exercises.pytorch_training)."""

from autograder.checks import checks_of

EXERCISES, progress = checks_of(__name__)
globals().update({check.name: check for check in EXERCISES})
