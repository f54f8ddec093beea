"""Notebook 03, loss functions. Each reference agrees with its torch.nn.functional counterpart.

Every case, the extreme ones included (logits of ±1000, probabilities of
exactly 0 and 1), has a finite expected loss equal to what torch.nn.functional
computes (tests/test_losses_agree_with_pytorch.py proves it).
"""

import numpy as np

from autograder.checks.check import Case
from autograder.exercises import Exercise, Mistake, shuffled_rows

LOG_FLOOR = -100.0  # like PyTorch's binary_cross_entropy, no log is taken to be lower than this

# ---------------------------------------------------------------- mae and mse


def mae(y_hat, y):
    """Mean absolute error, like F.l1_loss.

    Inputs:
        y_hat: predictions, float array of any shape.
        y: targets, float array of the same shape.
    Returns:
        a number: the mean of |y_hat − y| over all entries.
    """
    return np.mean(np.abs(y_hat - y))


def mse(y_hat, y):
    """Mean squared error, like F.mse_loss.

    Inputs:
        y_hat: predictions, float array of any shape.
        y: targets, float array of the same shape.
    Returns:
        a number: the mean of (y_hat − y)² over all entries.
    """
    return np.mean((y_hat - y) ** 2)


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


def regression_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    return [
        Case("hidden random case 1", (rng.normal(size=(6, 2)), rng.normal(size=(6, 2)))),
        Case("hidden random case 2", (rng.normal(size=500) * 1e3, rng.normal(size=500) * 1e3)),
    ]


PER_ROW = "Average over all entries (np.mean, or divide by y.size), not over len(y): for a table, len(y) counts only the rows."


def averages_signed_errors(y_hat, y):
    return np.mean(y_hat - y)


def takes_the_absolute_mean(y_hat, y):
    return np.abs(np.mean(y_hat - y))


def adds_the_absolute_errors(y_hat, y):
    return np.sum(np.abs(y_hat - y))


def divides_absolute_errors_by_rows(y_hat, y):
    return np.sum(np.abs(y_hat - y)) / len(y)


def squares_the_errors(y_hat, y):
    return np.mean((y_hat - y) ** 2)


def mae_in_a_loop(y_hat, y):
    errors = [abs(a - b) for a, b in zip(y_hat.ravel(), y.ravel())]
    return sum(errors) / len(errors)


MAE = Exercise(
    mae,
    points=1,
    cases=lambda: regression_cases(307),
    hidden_cases=regression_hidden_cases,
    hint="MAE is the average size of the errors: np.mean(np.abs(y_hat - y)).",
    mistakes=[
        Mistake(averages_signed_errors, "Take the absolute value of each error before averaging: otherwise positive and negative errors cancel."),
        Mistake(takes_the_absolute_mean, "Take the absolute value of each error, then average: np.mean(np.abs(y_hat - y))."),
        Mistake(adds_the_absolute_errors, "Average the absolute errors (np.mean), rather than adding them up."),
        Mistake(divides_absolute_errors_by_rows, PER_ROW),
        Mistake(squares_the_errors, "You squared the errors: that is the MSE. The MAE averages their absolute values."),
    ],
    right=[mae_in_a_loop],
)


def takes_the_root(y_hat, y):
    return np.sqrt(np.mean((y_hat - y) ** 2))


def adds_the_squared_errors(y_hat, y):
    return np.sum((y_hat - y) ** 2)


def divides_squared_errors_by_rows(y_hat, y):
    return np.sum((y_hat - y) ** 2) / len(y)


def averages_absolute_errors(y_hat, y):
    return np.mean(np.abs(y_hat - y))


def squares_the_mean_error(y_hat, y):
    return np.mean(y_hat - y) ** 2


def returns_every_squared_error(y_hat, y):
    return (y_hat - y) ** 2


def mse_with_a_dot_product(y_hat, y):
    error = (y_hat - y).ravel()
    return error @ error / error.size


MSE = Exercise(
    mse,
    points=1,
    cases=lambda: regression_cases(325),
    hidden_cases=regression_hidden_cases,
    hint="MSE is the average squared error: np.mean((y_hat - y) ** 2).",
    mistakes=[
        Mistake(takes_the_root, "You took the square root of the MSE (that is the RMSE); the MSE stops at the mean."),
        Mistake(adds_the_squared_errors, "Average the squared errors (np.mean), rather than adding them up."),
        Mistake(divides_squared_errors_by_rows, PER_ROW),
        Mistake(averages_absolute_errors, "You averaged the absolute errors (the MAE); the MSE squares them."),
        Mistake(squares_the_mean_error, "Square each error before averaging, not the average error."),
        Mistake(returns_every_squared_error, "Return one number, the mean over all entries, not one squared error per entry."),
    ],
    right=[mse_with_a_dot_product],
)

# ---------------------------------------------------------------- binary_cross_entropy


def binary_cross_entropy(p, y):
    """Binary cross-entropy of probabilities, like F.binary_cross_entropy.

    Inputs:
        p: predicted probabilities of label 1, float array with values in [0, 1].
        y: labels, float array of the same shape (0 or 1, or soft labels in between).
    Returns:
        a number: the mean of −[y log p + (1 − y) log(1 − p)], each log clamped at −100.
    """
    with np.errstate(divide="ignore"):  # log(0) is -inf, clamped just below
        log_p = np.maximum(np.log(p), LOG_FLOOR)
        log_not_p = np.maximum(np.log1p(-p), LOG_FLOOR)  # log(1 - p), accurate even for tiny p
    return -np.mean(y * log_p + (1 - y) * log_not_p)


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


def binary_cross_entropy_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    extremes = np.concatenate([[0.0, 1.0, 1.0, 0.0, 1e-300], rng.random(3)]), np.concatenate([[1.0, 0.0, 1.0, 0.0, 1.0], rng.integers(0, 2, 3)])
    return [
        Case("hidden random case", (rng.random(30), rng.integers(0, 2, 30).astype(float))),
        Case("hidden extremes", shuffled_rows(rng, *extremes)),
    ]


def unclamped_logs(p, y):
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def clips_p_to_an_epsilon(p, y):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def forgets_the_minus_sign(p, y):
    return -binary_cross_entropy(p, y)


def swaps_the_terms(p, y):
    return binary_cross_entropy(1 - p, y)


def adds_up_the_losses(p, y):
    return binary_cross_entropy(p, y) * len(p)


def binary_cross_entropy_with_clamped_logs(p, y):
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100)
        log_1_minus_p = np.maximum(np.log(1 - p), -100)
    return -np.mean(y * log_p + (1 - y) * log_1_minus_p)


def binary_cross_entropy_with_a_tiny_clip(p, y):
    p = np.clip(p, np.exp(-100), 1 - np.exp(-100))
    log_1_minus_p = np.log(np.clip(1 - p, np.exp(-100), None))
    return -np.mean(y * np.log(p) + (1 - y) * log_1_minus_p)


BINARY_CROSS_ENTROPY = Exercise(
    binary_cross_entropy,
    points=2,
    cases=binary_cross_entropy_cases,
    hidden_cases=binary_cross_entropy_hidden_cases,
    hint="BCE = −mean(y · log p + (1 − y) · log(1 − p)), with each log clamped at −100: np.maximum(np.log(p), -100).",
    mistakes=[
        Mistake(unclamped_logs, "log(0) is −inf, and 0 · log(0) is nan: like PyTorch, clamp each log at −100 (np.maximum(np.log(p), -100))."),
        Mistake(
            clips_p_to_an_epsilon,
            "Clipping p to [1e-7, 1 − 1e-7] changes the loss where p is exactly 0 or 1 (about 16 instead of 100): "
            "clamp the logs at −100 instead, as PyTorch does.",
        ),
        Mistake(forgets_the_minus_sign, "A loss is never negative: put a minus sign in front of the mean of the log-likelihoods."),
        Mistake(swaps_the_terms, "The two terms are swapped: y multiplies log p, and (1 − y) multiplies log(1 − p)."),
        Mistake(adds_up_the_losses, "Average over the examples (np.mean) rather than adding them up."),
    ],
    right=[binary_cross_entropy_with_clamped_logs, binary_cross_entropy_with_a_tiny_clip],
)

# ---------------------------------------------------------------- binary_cross_entropy_with_logits


def binary_cross_entropy_with_logits(z, y):
    """Binary cross-entropy of logits, like F.binary_cross_entropy_with_logits.

    Inputs:
        z: logits, float array of any shape (the probability is sigmoid(z)).
        y: labels, float array of the same shape.
    Returns:
        a number: the mean of max(z, 0) − z·y + log(1 + e^(−|z|)), finite for every finite z.
    """
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


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


def logits_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    extremes = np.concatenate([[-1e4, 1e4, 745.0, -745.0], rng.normal(size=3) * 800]), np.concatenate([[1.0, 0.0, 1.0, 0.0], rng.integers(0, 2, 3)])
    return [
        Case("hidden random case", (rng.normal(size=(4, 3)) * 5, rng.integers(0, 2, (4, 3)).astype(float))),
        Case("hidden extremes", shuffled_rows(rng, *extremes)),
    ]


STABLE_FORM = "max(z, 0) − z · y + log(1 + e^(−|z|))"


def goes_through_sigmoid(z, y):
    p = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def goes_through_sigmoid_with_clamped_logs(z, y):
    return binary_cross_entropy(1 / (1 + np.exp(-z)), y)


def exponentiates_minus_z(z, y):
    return np.mean((1 - y) * z + np.log(1 + np.exp(-z)))


def divides_by_the_rows(z, y):
    return np.sum(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z)))) / len(z)


def adds_z_times_y(z, y):
    return np.mean(np.maximum(z, 0) + z * y + np.log1p(np.exp(-np.abs(z))))


def binary_cross_entropy_with_logits_by_logaddexp(z, y):
    return np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))


BINARY_CROSS_ENTROPY_WITH_LOGITS = Exercise(
    binary_cross_entropy_with_logits,
    points=2,
    cases=logits_cases,
    hidden_cases=logits_hidden_cases,
    hint=f"Use the stable form: mean of {STABLE_FORM}.",
    mistakes=[
        Mistake(
            goes_through_sigmoid,
            "Going through sigmoid loses everything beyond |z| ≈ 37: σ(1000) is exactly 1 and log(1 − 1) = −inf. "
            f"Work with z directly: {STABLE_FORM}.",
        ),
        Mistake(
            goes_through_sigmoid_with_clamped_logs,
            "Going through sigmoid and clamping the logs caps the loss at 100, but a logit of −1000 with label 1 "
            f"costs 1000. Work with z directly: {STABLE_FORM}.",
        ),
        Mistake(exponentiates_minus_z, "e^(−z) overflows for very negative z (e^1000 is inf): use e^(−|z|) and max(z, 0) as in the stable form."),
        Mistake(divides_by_the_rows, "Average over all entries (np.mean), not over len(z): for a table, len(z) counts only the rows."),
        Mistake(adds_z_times_y, f"A loss is never negative: check the signs of the terms ({STABLE_FORM})."),
    ],
    right=[binary_cross_entropy_with_logits_by_logaddexp],
)

# ---------------------------------------------------------------- softmax


def softmax(Z):
    """The softmax of each row of Z, with no overflow for large logits.

    Inputs:
        Z: (N, K) array of logits, one row per example.
    Returns:
        (N, K) array of probabilities: each row is positive and sums to 1.
    """
    exp = np.exp(Z - Z.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


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


def softmax_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    extremes = np.array([[1e4, 0.0, -1e4], [-800.0, -800.5, -801.0]]) + rng.normal(size=(2, 3)) * 0.5
    return [
        Case("hidden random case: (7, 5)", (rng.normal(size=(7, 5)) * 4,)),
        Case("hidden extremes", shuffled_rows(rng, rng.permuted(extremes, axis=1))),
    ]


def does_not_shift(Z):
    return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)


def normalises_the_columns(Z):
    exp = np.exp(Z - Z.max(axis=0, keepdims=True))
    return exp / exp.sum(axis=0, keepdims=True)


def shifts_by_the_global_maximum(Z):
    exp = np.exp(Z - Z.max())
    return exp / exp.sum(axis=1, keepdims=True)


def shifts_by_the_column_maxima(Z):
    exp = np.exp(Z - Z.max(axis=0))
    return exp / exp.sum(axis=1, keepdims=True)


def sums_without_keepdims(Z):
    exp = np.exp(Z - Z.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1)


def softmax_row_by_row(Z):
    result = np.zeros_like(Z)
    for n, row in enumerate(Z):
        exp = np.exp(row - row.max())
        result[n] = exp / exp.sum()
    return result


def softmax_by_log_sum_exp(Z):
    shifted = Z - Z.max(axis=1, keepdims=True)
    return np.exp(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))


SOFTMAX = Exercise(
    softmax,
    points=2,
    cases=softmax_cases,
    hidden_cases=softmax_hidden_cases,
    hint="Subtract each row's maximum, exponentiate, and divide each row by its sum (axis=1, keepdims=True).",
    mistakes=[
        Mistake(
            does_not_shift,
            "np.exp(1000) is inf and inf / inf is nan: subtract each row's maximum before exponentiating (it does not change the result).",
        ),
        Mistake(normalises_the_columns, "Each row (one example) must sum to 1: normalise along axis=1, not axis=0."),
        Mistake(
            shifts_by_the_global_maximum,
            "Subtract each row's own maximum (Z.max(axis=1, keepdims=True)), not the maximum of the whole "
            "array: a row far below it underflows to all zeros, and 0 / 0 is nan.",
        ),
        Mistake(
            shifts_by_the_column_maxima,
            "Subtracting a column's maximum changes the result; only a constant per row leaves softmax unchanged: "
            "use Z.max(axis=1, keepdims=True).",
        ),
        Mistake(
            sums_without_keepdims,
            "Without keepdims=True the row sums have shape (N,) and line up with the columns, not the rows: "
            "use .sum(axis=1, keepdims=True).",
        ),
    ],
    right=[softmax_row_by_row, softmax_by_log_sum_exp],
)

# ---------------------------------------------------------------- cross_entropy


def log_softmax(Z):
    """log(softmax(Z)) row by row, computed with the log-sum-exp trick (finite for finite Z)."""
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy(Z, y, weight=None):
    """Softmax cross-entropy of logits against class indices, like F.cross_entropy.

    Inputs:
        Z: (N, K) array of logits.
        y: (N,) integer array of class indices between 0 and K − 1.
        weight: optional (K,) array, how much each class counts.
    Returns:
        a number: the mean over examples of −log softmax(Z)[n, y[n]]; with weights,
        the sum weighted by weight[y[n]] divided by the sum of those weights.
    """
    losses = -log_softmax(Z)[np.arange(len(y)), y]
    weights = np.ones(len(y)) if weight is None else weight[y]
    return np.sum(weights * losses) / np.sum(weights)


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


def cross_entropy_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    extremes = np.array([[1e4, -1e4], [-500.0, 500.0], [0.0, 0.0]]) + rng.normal(size=(3, 2)), np.array([1, 1, 0])
    return [
        Case("hidden random case", (rng.normal(size=(9, 4)) * 3, rng.integers(0, 4, 9))),
        Case("hidden weighted extremes", shuffled_rows(rng, *extremes), {"weight": rng.uniform(0.2, 3.0, size=2)}),
    ]


def takes_logits_for_probabilities(Z, y, weight=None):
    return -np.mean(np.log(Z[np.arange(len(y)), y]))


def takes_the_log_of_softmax(Z, y, weight=None):
    losses = -np.log(softmax(Z)[np.arange(len(y)), y])
    weights = np.ones(len(y)) if weight is None else weight[y]
    return np.sum(weights * losses) / np.sum(weights)


def divides_the_weighted_sum_by_n(Z, y, weight=None):
    losses = -log_softmax(Z)[np.arange(len(y)), y]
    weights = np.ones(len(y)) if weight is None else weight[y]
    return np.sum(weights * losses) / len(y)


def ignores_the_weights(Z, y, weight=None):
    return np.mean(-log_softmax(Z)[np.arange(len(y)), y])


def returns_a_negative_loss(Z, y, weight=None):
    return -cross_entropy(Z, y, weight)


def cross_entropy_with_one_hot_labels(Z, y, weight=None):
    one_hot = np.eye(Z.shape[1])[y]
    if weight is not None:
        one_hot = one_hot * weight
    return -np.sum(one_hot * log_softmax(Z)) / one_hot.sum()


def cross_entropy_with_np_average(Z, y, weight=None):
    losses = -log_softmax(Z)[np.arange(len(y)), y]
    if weight is None:
        return losses.mean()
    return np.average(losses, weights=weight[y])


CROSS_ENTROPY = Exercise(
    cross_entropy,
    points=2,
    cases=cross_entropy_cases,
    hidden_cases=cross_entropy_hidden_cases,
    hint=(
        "Take log-softmax of each row with the log-sum-exp trick, pick each example's entry at its class y[n], "
        "negate, and average (weighted by weight[y] when weights are given)."
    ),
    uses=[softmax],
    mistakes=[
        Mistake(takes_logits_for_probabilities, "Z holds logits, not probabilities: turn each row into log-probabilities with log-softmax first."),
        Mistake(
            takes_the_log_of_softmax,
            "log(softmax(Z)) underflows for large logits (softmax gives exactly 0, and log 0 = −inf). Compute "
            "log-softmax directly: (Z − max) − log Σ e^(Z − max).",
        ),
        Mistake(
            divides_the_weighted_sum_by_n,
            "With class weights, divide the weighted sum by the sum of the weights used (weight[y].sum()), "
            "not by the number of examples: that is what PyTorch does.",
        ),
        Mistake(ignores_the_weights, "Use the weight argument: each example counts weight[y[n]]."),
        Mistake(returns_a_negative_loss, "A loss is never negative: it is −log of the probability of the right class."),
    ],
    right=[cross_entropy_with_one_hot_labels, cross_entropy_with_np_average],
)
