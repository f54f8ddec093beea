"""The loss references agree with torch.nn.functional to 1e-6 (relative), extreme inputs included.

Every check case of notebook 03 is compared, and so are grids of extreme
inputs: logits of ±1000 and beyond, probabilities of exactly 0 and 1. Where
PyTorch's loss is finite, ours is too.
"""

import itertools

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from autograder.checks import loss_functions as checks
from autograder.exercises import loss_functions as reference

RELATIVE = 1e-6
# Losses that are zero to double precision may differ in how they round to zero: for a logit
# of -100 with label 0, PyTorch's formula gives exactly 0 where ours gives log(1 + e^-100) = 3.7e-44.
NEGLIGIBLE = 1e-12


def pytorch(name, args, kwargs):
    tensors = [torch.tensor(argument) for argument in args]
    if name == "softmax":
        return F.softmax(tensors[0], dim=1).numpy()
    if name == "cross_entropy":
        weight = kwargs.get("weight")
        return F.cross_entropy(*tensors, weight=None if weight is None else torch.tensor(weight)).item()
    functional = {
        "mae": F.l1_loss,
        "mse": F.mse_loss,
        "binary_cross_entropy": F.binary_cross_entropy,
        "binary_cross_entropy_with_logits": F.binary_cross_entropy_with_logits,
    }[name]
    return functional(*tensors).item()


def assert_agrees(name, args, kwargs=None):
    kwargs = kwargs or {}
    ours = np.asarray(getattr(reference, name)(*args, **kwargs))
    theirs = np.asarray(pytorch(name, args, kwargs))
    assert np.all(np.isfinite(ours)) or not np.all(np.isfinite(theirs)), f"{name} is not finite where PyTorch is"
    np.testing.assert_allclose(ours, theirs, rtol=RELATIVE, atol=NEGLIGIBLE)


@pytest.mark.parametrize(
    "check, case",
    [(check, case) for check in checks.EXERCISES for case in check.cases() + check.cases(hidden=True)],
    ids=lambda value: getattr(value, "name", ""),
)
def test_every_check_case_agrees_with_pytorch(check, case):
    assert_agrees(check.name, case.args, case.kwargs)


EXTREME_LOGITS = [-1e6, -1000.0, -745.0, -100.0, -37.0, -1.0, 0.0, 1.0, 37.0, 100.0, 745.0, 1000.0, 1e6]
PROBABILITIES = [0.0, 1e-300, 1e-45, 1e-8, 0.3, 0.5, 1 - 1e-8, 1.0]
LABELS = [0.0, 0.25, 1.0]


def test_binary_cross_entropy_with_logits_on_extreme_logits():
    for z, y in itertools.product(EXTREME_LOGITS, LABELS):
        assert_agrees("binary_cross_entropy_with_logits", (np.array([z]), np.array([y])))


def test_binary_cross_entropy_on_probabilities_of_exactly_zero_and_one():
    for p, y in itertools.product(PROBABILITIES, LABELS):
        assert_agrees("binary_cross_entropy", (np.array([p]), np.array([y])))


def test_softmax_and_cross_entropy_on_extreme_logit_rows():
    rows = [np.array(row) for row in itertools.product([-1000.0, 0.0, 1000.0, 1e6], repeat=3)]
    Z = np.stack(rows)
    assert_agrees("softmax", (Z,))
    for label in range(3):
        y = np.full(len(Z), label)
        assert_agrees("cross_entropy", (Z, y))
        assert_agrees("cross_entropy", (Z, y), {"weight": np.array([0.5, 2.0, 1.0])})
