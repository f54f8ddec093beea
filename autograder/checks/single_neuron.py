"""The checks of notebook 01, the single neuron (declared in autograder.exercises.single_neuron)."""

from autograder.checks import checks_of

EXERCISES, progress = checks_of(__name__)
globals().update({check.name: check for check in EXERCISES})
