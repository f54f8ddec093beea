"""The visible side of notebook 03, loss functions. Each reference agrees with its torch.nn.functional counterpart.

Written by the release command from autograder/exercises/loss_functions.py; do not edit it. It holds what the
checks of the learner's install need of those exercises (their visible cases, properties and hints), and
no reference, known mistake, example answer or hidden case: see autograder.checks.recorded.
"""

import numpy as np

from autograder.checks.check import Case
from autograder.checks.spec import Spec


def regression_cases(seed):
    rng = np.random.default_rng(seed)
    return [
        Case("three predictions", (np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 1.0]))),
        Case("perfect predictions", (np.array([0.5, -1.0]), np.array([0.5, -1.0]))),
        Case("errors of both signs", (np.array([3.0, -1.0, 0.0, 2.0]), np.array([1.0, 1.0, 0.0, 4.0]))),
        Case("random case: a (5, 1) column", (rng.normal(size=(5, 1)), rng.normal(size=(5, 1)))),
        Case("random case: a (4, 3) table", (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))),
        Case("random case: 40 values", (rng.normal(size=40) * 10, rng.normal(size=40) * 10)),
    ]


MAE = Spec(
    "mae",
    ("y_hat", "y"),
    points=1,
    cases=lambda: regression_cases(307),
    hint="MAE is the average size of the errors: np.mean(np.abs(y_hat - y)).",
)


MSE = Spec(
    "mse",
    ("y_hat", "y"),
    points=1,
    cases=lambda: regression_cases(325),
    hint="MSE is the average squared error: np.mean((y_hat - y) ** 2).",
)


def binary_cross_entropy_cases():
    rng = np.random.default_rng(31)
    return [
        Case("three predictions", (np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.0, 0.0]))),
        Case("random case: 20 predictions", (rng.random(20), rng.integers(0, 2, 20).astype(float))),
        Case("soft labels", (np.array([0.3, 0.7]), np.array([0.25, 0.5]))),
        Case("a tiny probability for a label 1: log(1e-60) = -138 is clamped at -100", (np.array([1e-60, 0.5]), np.array([1.0, 0.0]))),
        Case("confident and right: p exactly 0 and 1", (np.array([0.0, 1.0, 0.0]), np.array([0.0, 1.0, 0.0]))),
        Case("confident and wrong: p exactly 0 and 1", (np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0]))),
    ]


BINARY_CROSS_ENTROPY = Spec(
    "binary_cross_entropy",
    ("p", "y"),
    points=2,
    cases=binary_cross_entropy_cases,
    hint="BCE = −mean(y · log p + (1 − y) · log(1 − p)), with each log clamped at −100: np.maximum(np.log(p), -100).",
)


def logits_cases():
    rng = np.random.default_rng(32)
    return [
        Case("three logits", (np.array([2.0, -1.0, 0.0]), np.array([1.0, 0.0, 1.0]))),
        Case("random case: 20 logits", (rng.normal(size=20) * 3, rng.integers(0, 2, 20).astype(float))),
        Case("soft labels", (np.array([0.5, -2.0]), np.array([0.3, 0.9]))),
        Case("a (2, 3) table of logits", (np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]]), np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]))),
        Case("large logits, right labels: ±1000", (np.array([1000.0, -1000.0, 50.0]), np.array([1.0, 0.0, 1.0]))),
        Case("large logits, wrong labels: ±1000", (np.array([1000.0, -1000.0, -50.0]), np.array([0.0, 1.0, 1.0]))),
    ]


STABLE_FORM = "max(z, 0) − z · y + log(1 + e^(−|z|))"


BINARY_CROSS_ENTROPY_WITH_LOGITS = Spec(
    "binary_cross_entropy_with_logits",
    ("z", "y"),
    points=2,
    cases=logits_cases,
    hint=f"Use the stable form: mean of {STABLE_FORM}.",
)


def softmax_cases():
    rng = np.random.default_rng(33)
    return [
        Case("two examples, three classes", (np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]),)),
        Case("random case: (4, 5)", (rng.normal(size=(4, 5)) * 2,)),
        Case("random case: a square (3, 3)", (rng.normal(size=(3, 3)),)),
        Case("one example", (np.array([[0.5, -0.5]]),)),
        Case("logits of 1000", (np.array([[1000.0, 999.0, 998.0], [1000.0, 0.0, -1000.0]]),)),
        Case("rows on very different scales", (np.array([[1000.0, 999.0], [-1000.0, -1001.0]]),)),
    ]


SOFTMAX = Spec(
    "softmax",
    ("Z",),
    points=2,
    cases=softmax_cases,
    hint="Subtract each row's maximum, exponentiate, and divide each row by its sum (axis=1, keepdims=True).",
)


def cross_entropy_cases():
    rng = np.random.default_rng(34)
    return [
        Case("two examples, three classes", (np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.0]]), np.array([0, 2]))),
        Case("random case: 6 examples, 4 classes", (rng.normal(size=(6, 4)) * 2, rng.integers(0, 4, 6))),
        Case("one example", (np.array([[0.0, 1.0]]), np.array([1]))),
        Case("logits of ±1000", (np.array([[1000.0, 0.0, -1000.0], [1000.0, 999.0, 0.0]]), np.array([2, 1]))),
        Case("rows on very different scales", (np.array([[1.0, 0.0], [-2000.0, -1000.0]]), np.array([0, 1]))),
        Case(
            "with class weights",
            (np.array([[2.0, 1.0, 0.1], [0.5, 2.5, 0.0], [0.0, 0.0, 3.0]]), np.array([0, 2, 2])),
            {"weight": np.array([1.0, 2.0, 0.5])},
        ),
        Case("random case with class weights", (rng.normal(size=(8, 3)), rng.integers(0, 3, 8)), {"weight": rng.random(3) + 0.1}),
    ]


CROSS_ENTROPY = Spec(
    "cross_entropy",
    ("Z", "y", "weight"),
    points=2,
    cases=cross_entropy_cases,
    hint="Take log-softmax of each row with the log-sum-exp trick, pick each example's entry at its class y[n], "
        "negate, and average (weighted by weight[y] when weights are given).",
    uses=("softmax",),
)


SPECS = (MAE, MSE, BINARY_CROSS_ENTROPY, BINARY_CROSS_ENTROPY_WITH_LOGITS, SOFTMAX, CROSS_ENTROPY,)  # in notebook order
