"""Checks for notebook 03, loss functions.

Every case, the extreme ones included (logits of ±1000, probabilities of
exactly 0 and 1), has a finite expected loss equal to what torch.nn.functional
computes (tests/test_losses_agree_with_pytorch.py proves the references agree).
"""

from __future__ import annotations

import numpy as np

from autograder.checks.check import Case, Check, Mistake
from autograder.checks.progress import progress_view
from autograder.references import loss_functions as reference


def _regression_cases(seed: int, hidden: bool) -> list[Case]:
    rng = np.random.default_rng(seed)
    if hidden:
        return [
            Case("hidden random case 1", (rng.normal(size=(6, 2)), rng.normal(size=(6, 2)))),
            Case("hidden random case 2", (rng.normal(size=500) * 1e3, rng.normal(size=500) * 1e3)),
        ]
    return [
        Case("three predictions", (np.array([1.0, 2.0, 4.0]), np.array([1.5, 2.0, 1.0]))),
        Case("perfect predictions", (np.array([0.5, -1.0]), np.array([0.5, -1.0]))),
        Case("errors of both signs", (np.array([3.0, -1.0, 0.0, 2.0]), np.array([1.0, 1.0, 0.0, 4.0]))),
        Case("random case: a (5, 1) column", (rng.normal(size=(5, 1)), rng.normal(size=(5, 1)))),
        Case("random case: a (4, 3) table", (rng.normal(size=(4, 3)), rng.normal(size=(4, 3)))),
        Case("random case: 40 values", (rng.normal(size=40) * 10, rng.normal(size=40) * 10)),
    ]


def _regression_check(name: str, hint: str, mistakes: list[Mistake]) -> Check:
    seed = sum(map(ord, name))
    return Check(
        name,
        getattr(reference, name),
        points=1,
        cases=lambda: _regression_cases(seed, hidden=False),
        hidden_cases=lambda: _regression_cases(seed + 100, hidden=True),
        hint=hint,
        mistakes=mistakes,
    )


mae = _regression_check(
    "mae",
    "MAE is the average size of the errors: np.mean(np.abs(y_hat - y)).",
    [
        Mistake(
            "Take the absolute value of each error before averaging: otherwise positive and negative errors cancel.",
            lambda y_hat, y: np.mean(y_hat - y),
        ),
        Mistake(
            "Take the absolute value of each error, then average: np.mean(np.abs(y_hat - y)).",
            lambda y_hat, y: np.abs(np.mean(y_hat - y)),
        ),
        Mistake("Average the absolute errors (np.mean), rather than adding them up.", lambda y_hat, y: np.sum(np.abs(y_hat - y))),
        Mistake(
            "Average over all entries (np.mean, or divide by y.size), not over len(y): for a table, len(y) counts only the rows.",
            lambda y_hat, y: np.sum(np.abs(y_hat - y)) / len(y),
        ),
        Mistake("You squared the errors: that is the MSE. The MAE averages their absolute values.", reference.mse),
    ],
)

mse = _regression_check(
    "mse",
    "MSE is the average squared error: np.mean((y_hat - y) ** 2).",
    [
        Mistake("You took the square root of the MSE (that is the RMSE); the MSE stops at the mean.", lambda y_hat, y: np.sqrt(reference.mse(y_hat, y))),
        Mistake("Average the squared errors (np.mean), rather than adding them up.", lambda y_hat, y: np.sum((y_hat - y) ** 2)),
        Mistake(
            "Average over all entries (np.mean, or divide by y.size), not over len(y): for a table, len(y) counts only the rows.",
            lambda y_hat, y: np.sum((y_hat - y) ** 2) / len(y),
        ),
        Mistake("You averaged the absolute errors (the MAE); the MSE squares them.", reference.mae),
        Mistake("Square each error before averaging, not the average error.", lambda y_hat, y: np.mean(y_hat - y) ** 2),
        Mistake("Return one number, the mean over all entries, not one squared error per entry.", lambda y_hat, y: (y_hat - y) ** 2),
    ],
)


def _probabilities_cases(seed: int, hidden: bool) -> list[Case]:
    rng = np.random.default_rng(seed)
    if hidden:
        return [
            Case("hidden random case", (rng.random(30), rng.integers(0, 2, 30).astype(float))),
            Case("hidden extremes", (np.array([0.0, 1.0, 1.0, 0.0, 1e-300]), np.array([1.0, 0.0, 1.0, 0.0, 1.0]))),
        ]
    return [
        Case("three predictions", (np.array([0.9, 0.2, 0.6]), np.array([1.0, 0.0, 0.0]))),
        Case("random case: 20 predictions", (rng.random(20), rng.integers(0, 2, 20).astype(float))),
        Case("soft labels", (np.array([0.3, 0.7]), np.array([0.25, 0.5]))),
        Case("a tiny probability for a label 1: log(1e-60) = -138 is clamped at -100", (np.array([1e-60, 0.5]), np.array([1.0, 0.0]))),
        Case("confident and right: p exactly 0 and 1", (np.array([0.0, 1.0, 0.0]), np.array([0.0, 1.0, 0.0]))),
        Case("confident and wrong: p exactly 0 and 1", (np.array([0.0, 1.0, 0.5]), np.array([1.0, 0.0, 1.0]))),
    ]


def _bce_with_eps_clip(p, y):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


binary_cross_entropy = Check(
    "binary_cross_entropy",
    reference.binary_cross_entropy,
    points=2,
    cases=lambda: _probabilities_cases(31, hidden=False),
    hidden_cases=lambda: _probabilities_cases(131, hidden=True),
    hint="BCE = −mean(y · log p + (1 − y) · log(1 − p)), with each log clamped at −100: np.maximum(np.log(p), -100).",
    mistakes=[
        Mistake(
            "log(0) is −inf, and 0 · log(0) is nan: like PyTorch, clamp each log at −100 (np.maximum(np.log(p), -100)).",
            lambda p, y: -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p)),
        ),
        Mistake(
            "Clipping p to [1e-7, 1 − 1e-7] changes the loss where p is exactly 0 or 1 (about 16 instead of 100): "
            "clamp the logs at −100 instead, as PyTorch does.",
            _bce_with_eps_clip,
        ),
        Mistake(
            "A loss is never negative: put a minus sign in front of the mean of the log-likelihoods.",
            lambda p, y: -reference.binary_cross_entropy(p, y),
        ),
        Mistake(
            "The two terms are swapped: y multiplies log p, and (1 − y) multiplies log(1 − p).",
            lambda p, y: reference.binary_cross_entropy(1 - p, y),
        ),
        Mistake("Average over the examples (np.mean) rather than adding them up.", lambda p, y: reference.binary_cross_entropy(p, y) * len(p)),
    ],
)


def _logits_cases(seed: int, hidden: bool) -> list[Case]:
    rng = np.random.default_rng(seed)
    if hidden:
        return [
            Case("hidden random case", (rng.normal(size=(4, 3)) * 5, rng.integers(0, 2, (4, 3)).astype(float))),
            Case("hidden extremes", (np.array([-1e4, 1e4, 745.0, -745.0]), np.array([1.0, 0.0, 1.0, 0.0]))),
        ]
    return [
        Case("three logits", (np.array([2.0, -1.0, 0.0]), np.array([1.0, 0.0, 1.0]))),
        Case("random case: 20 logits", (rng.normal(size=20) * 3, rng.integers(0, 2, 20).astype(float))),
        Case("soft labels", (np.array([0.5, -2.0]), np.array([0.3, 0.9]))),
        Case("a (2, 3) table of logits", (np.array([[1.0, -2.0, 0.5], [3.0, 0.0, -1.0]]), np.array([[1.0, 0.0, 1.0], [1.0, 1.0, 0.0]]))),
        Case("large logits, right labels: ±1000", (np.array([1000.0, -1000.0, 50.0]), np.array([1.0, 0.0, 1.0]))),
        Case("large logits, wrong labels: ±1000", (np.array([1000.0, -1000.0, -50.0]), np.array([0.0, 1.0, 1.0]))),
    ]


def _sigmoid(z):
    return 1 / (1 + np.exp(-z))


binary_cross_entropy_with_logits = Check(
    "binary_cross_entropy_with_logits",
    reference.binary_cross_entropy_with_logits,
    points=2,
    cases=lambda: _logits_cases(32, hidden=False),
    hidden_cases=lambda: _logits_cases(132, hidden=True),
    hint="Use the stable form: mean of max(z, 0) − z · y + log(1 + e^(−|z|)).",
    mistakes=[
        Mistake(
            "Going through sigmoid loses everything beyond |z| ≈ 37: σ(1000) is exactly 1 and log(1 − 1) = −inf. "
            "Work with z directly: max(z, 0) − z · y + log(1 + e^(−|z|)).",
            lambda z, y: -np.mean(y * np.log(_sigmoid(z)) + (1 - y) * np.log(1 - _sigmoid(z))),
        ),
        Mistake(
            "Going through sigmoid and clamping the logs caps the loss at 100, but a logit of −1000 with label 1 "
            "costs 1000. Work with z directly: max(z, 0) − z · y + log(1 + e^(−|z|)).",
            lambda z, y: reference.binary_cross_entropy(_sigmoid(z), y),
        ),
        Mistake(
            "e^(−z) overflows for very negative z (e^1000 is inf): use e^(−|z|) and max(z, 0) as in the stable form.",
            lambda z, y: np.mean((1 - y) * z + np.log(1 + np.exp(-z))),
        ),
        Mistake(
            "Average over all entries (np.mean), not over len(z): for a table, len(z) counts only the rows.",
            lambda z, y: np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))) / len(z),
        ),
        Mistake(
            "A loss is never negative: check the signs of the terms (max(z, 0) − z · y + log(1 + e^(−|z|))).",
            lambda z, y: np.mean(np.maximum(z, 0) + z * y + np.log1p(np.exp(-np.abs(z)))),
        ),
    ],
)


def _logit_matrix_cases(seed: int, hidden: bool) -> list[Case]:
    rng = np.random.default_rng(seed)
    if hidden:
        return [
            Case("hidden random case: (7, 5)", (rng.normal(size=(7, 5)) * 4,)),
            Case("hidden extremes", (np.array([[1e4, 0.0, -1e4], [-800.0, -800.5, -801.0]]),)),
        ]
    return [
        Case("two examples, three classes", (np.array([[1.0, 2.0, 3.0], [0.0, 0.0, 0.0]]),)),
        Case("random case: (4, 5)", (rng.normal(size=(4, 5)) * 2,)),
        Case("random case: a square (3, 3)", (rng.normal(size=(3, 3)),)),
        Case("one example", (np.array([[0.5, -0.5]]),)),
        Case("logits of 1000", (np.array([[1000.0, 999.0, 998.0], [1000.0, 0.0, -1000.0]]),)),
        Case("rows on very different scales", (np.array([[1000.0, 999.0], [-1000.0, -1001.0]]),)),
    ]


softmax = Check(
    "softmax",
    reference.softmax,
    points=2,
    cases=lambda: _logit_matrix_cases(33, hidden=False),
    hidden_cases=lambda: _logit_matrix_cases(133, hidden=True),
    hint="Subtract each row's maximum, exponentiate, and divide each row by its sum (axis=1, keepdims=True).",
    mistakes=[
        Mistake(
            "np.exp(1000) is inf and inf / inf is nan: subtract each row's maximum before exponentiating "
            "(it does not change the result).",
            lambda Z: np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True),
        ),
        Mistake(
            "Each row (one example) must sum to 1: normalise along axis=1, not axis=0.",
            lambda Z: np.exp(Z - Z.max(axis=0, keepdims=True)) / np.exp(Z - Z.max(axis=0, keepdims=True)).sum(axis=0, keepdims=True),
        ),
        Mistake(
            "Subtract each row's own maximum (Z.max(axis=1, keepdims=True)), not the maximum of the whole "
            "array: a row far below it underflows to all zeros, and 0 / 0 is nan.",
            lambda Z: np.exp(Z - Z.max()) / np.exp(Z - Z.max()).sum(axis=1, keepdims=True),
        ),
        Mistake(
            "Subtracting a column's maximum changes the result; only a constant per row leaves softmax unchanged: "
            "use Z.max(axis=1, keepdims=True).",
            lambda Z: np.exp(Z - Z.max(axis=0)) / np.exp(Z - Z.max(axis=0)).sum(axis=1, keepdims=True),
        ),
        Mistake(
            "Without keepdims=True the row sums have shape (N,) and line up with the columns, not the rows: "
            "use .sum(axis=1, keepdims=True).",
            lambda Z: np.exp(Z - Z.max(axis=1, keepdims=True)) / np.exp(Z - Z.max(axis=1, keepdims=True)).sum(axis=1),
        ),
    ],
)


def _classification_cases(seed: int, hidden: bool) -> list[Case]:
    rng = np.random.default_rng(seed)
    if hidden:
        return [
            Case("hidden random case", (rng.normal(size=(9, 4)) * 3, rng.integers(0, 4, 9))),
            Case(
                "hidden weighted extremes",
                (np.array([[1e4, -1e4], [-500.0, 500.0], [0.0, 0.0]]), np.array([1, 1, 0])),
                {"weight": np.array([0.3, 3.0])},
            ),
        ]
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
        Case(
            "random case with class weights",
            (rng.normal(size=(8, 3)), rng.integers(0, 3, 8)),
            {"weight": rng.random(3) + 0.1},
        ),
    ]


def _cross_entropy_of_probabilities(Z, y, weight=None):
    return -np.mean(np.log(Z[np.arange(len(y)), y]))


def _cross_entropy_through_softmax(Z, y, weight=None):
    probabilities = np.exp(Z - Z.max(axis=1, keepdims=True))
    probabilities /= probabilities.sum(axis=1, keepdims=True)
    weights = np.ones(len(y)) if weight is None else weight[y]
    return -np.sum(weights * np.log(probabilities[np.arange(len(y)), y])) / np.sum(weights)


def _cross_entropy_mean_over_examples(Z, y, weight=None):
    weights = np.ones(len(y)) if weight is None else weight[y]
    return np.mean(weights * -reference.log_softmax(Z)[np.arange(len(y)), y])


cross_entropy = Check(
    "cross_entropy",
    reference.cross_entropy,
    points=2,
    cases=lambda: _classification_cases(34, hidden=False),
    hidden_cases=lambda: _classification_cases(134, hidden=True),
    hint=(
        "Take log-softmax of each row with the log-sum-exp trick, pick each example's entry at its class y[n], "
        "negate, and average (weighted by weight[y] when weights are given)."
    ),
    mistakes=[
        Mistake(
            "Z holds logits, not probabilities: turn each row into log-probabilities with log-softmax first.",
            _cross_entropy_of_probabilities,
        ),
        Mistake(
            "log(softmax(Z)) underflows for large logits (softmax gives exactly 0, and log 0 = −inf). Compute "
            "log-softmax directly: (Z − max) − log Σ e^(Z − max).",
            _cross_entropy_through_softmax,
        ),
        Mistake(
            "With class weights, divide the weighted sum by the sum of the weights used (weight[y].sum()), "
            "not by the number of examples: that is what PyTorch does.",
            _cross_entropy_mean_over_examples,
        ),
        Mistake(
            "Use the weight argument: each example counts weight[y[n]].",
            lambda Z, y, weight=None: reference.cross_entropy(Z, y),
        ),
        Mistake(
            "A loss is never negative: it is −log of the probability of the right class.",
            lambda Z, y, weight=None: -reference.cross_entropy(Z, y, weight),
        ),
    ],
)

EXERCISES = (mae, mse, binary_cross_entropy, binary_cross_entropy_with_logits, softmax, cross_entropy)
progress = progress_view(EXERCISES)
