"""The checks of notebook 02, deep networks (declared in autograder.exercises.deep_networks)."""

from autograder.checks import checks_of

EXERCISES, progress = checks_of(__name__)
globals().update({check.name: check for check in EXERCISES})
