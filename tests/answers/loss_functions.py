"""Notebook 03, loss functions."""

import numpy as np

from answers import Wrong


def mae_mean_abs(y_hat, y):
    return np.mean(np.abs(y_hat - y))


def mae_loop(y_hat, y):
    errors = [abs(a - b) for a, b in zip(y_hat.ravel(), y.ravel())]
    return sum(errors) / len(errors)


def mae_without_abs(y_hat, y):
    return np.mean(y_hat - y)


def mae_abs_of_mean(y_hat, y):
    return np.abs(np.mean(y_hat - y))


def mae_sum(y_hat, y):
    return np.sum(np.abs(y_hat - y))


def mae_squared(y_hat, y):
    return np.mean((y_hat - y) ** 2)


def mse_mean_square(y_hat, y):
    return np.mean((y_hat - y) ** 2)


def mse_dot(y_hat, y):
    error = (y_hat - y).ravel()
    return error @ error / error.size


def mse_root(y_hat, y):
    return np.sqrt(np.mean((y_hat - y) ** 2))


def mse_sum(y_hat, y):
    return np.sum((y_hat - y) ** 2)


def mse_abs(y_hat, y):
    return np.mean(np.abs(y_hat - y))


def mse_square_of_mean(y_hat, y):
    return np.mean(y_hat - y) ** 2


def mse_no_mean(y_hat, y):
    return (y_hat - y) ** 2


def binary_cross_entropy_clamped_logs(p, y):
    with np.errstate(divide="ignore"):
        log_p = np.maximum(np.log(p), -100)
        log_1_minus_p = np.maximum(np.log(1 - p), -100)
    return -np.mean(y * log_p + (1 - y) * log_1_minus_p)


def binary_cross_entropy_tiny_clip(p, y):
    p = np.clip(p, np.exp(-100), 1 - np.exp(-100))
    log_1_minus_p = np.log(np.clip(1 - p, np.exp(-100), None))
    return -np.mean(y * np.log(p) + (1 - y) * log_1_minus_p)


def binary_cross_entropy_unclipped(p, y):
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def binary_cross_entropy_eps_clip(p, y):
    p = np.clip(p, 1e-7, 1 - 1e-7)
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def binary_cross_entropy_no_minus(p, y):
    with np.errstate(divide="ignore"):
        return np.mean(y * np.maximum(np.log(p), -100) + (1 - y) * np.maximum(np.log(1 - p), -100))


def binary_cross_entropy_swapped_terms(p, y):
    with np.errstate(divide="ignore"):
        return -np.mean(y * np.maximum(np.log(1 - p), -100) + (1 - y) * np.maximum(np.log(p), -100))


def binary_cross_entropy_with_logits_stable(z, y):
    return np.mean(np.maximum(z, 0) - z * y + np.log1p(np.exp(-np.abs(z))))


def binary_cross_entropy_with_logits_logaddexp(z, y):
    return np.mean(y * np.logaddexp(0, -z) + (1 - y) * np.logaddexp(0, z))


def binary_cross_entropy_with_logits_naive(z, y):
    p = 1 / (1 + np.exp(-z))
    return -np.mean(y * np.log(p) + (1 - y) * np.log(1 - p))


def binary_cross_entropy_with_logits_clamped_sigmoid(z, y):
    p = 1 / (1 + np.exp(-z))
    return binary_cross_entropy_clamped_logs(p, y)


def binary_cross_entropy_with_logits_exp_of_minus_z(z, y):
    return np.mean((1 - y) * z + np.log(1 + np.exp(-z)))


def binary_cross_entropy_with_logits_wrong_sign(z, y):
    return np.mean(np.maximum(z, 0) + z * y + np.log1p(np.exp(-np.abs(z))))


def softmax_stable(Z):
    exp = np.exp(Z - Z.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def softmax_rows_loop(Z):
    result = np.zeros_like(Z)
    for n, row in enumerate(Z):
        exp = np.exp(row - row.max())
        result[n] = exp / exp.sum()
    return result


def softmax_log_sum_exp(Z):
    shifted = Z - Z.max(axis=1, keepdims=True)
    return np.exp(shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True)))


def softmax_no_shift(Z):
    return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)


def softmax_columns(Z):
    exp = np.exp(Z - Z.max(axis=0, keepdims=True))
    return exp / exp.sum(axis=0, keepdims=True)


def softmax_global_shift(Z):
    exp = np.exp(Z - Z.max())
    return exp / exp.sum(axis=1, keepdims=True)


def softmax_without_keepdims(Z):
    exp = np.exp(Z - Z.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1)


def log_softmax(Z):
    shifted = Z - Z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


def cross_entropy_log_sum_exp(Z, y, weight=None):
    losses = -log_softmax(Z)[np.arange(len(y)), y]
    weights = np.ones(len(y)) if weight is None else weight[y]
    return np.sum(weights * losses) / np.sum(weights)


def cross_entropy_one_hot(Z, y, weight=None):
    one_hot = np.eye(Z.shape[1])[y]
    if weight is not None:
        one_hot = one_hot * weight
    return -np.sum(one_hot * log_softmax(Z)) / one_hot.sum()


def cross_entropy_average_weights(Z, y, weight=None):
    losses = -log_softmax(Z)[np.arange(len(y)), y]
    if weight is None:
        return losses.mean()
    return np.average(losses, weights=weight[y])


def cross_entropy_of_probabilities(Z, y, weight=None):
    return -np.mean(np.log(Z[np.arange(len(y)), y]))


def cross_entropy_through_softmax(Z, y, weight=None):
    probabilities = softmax_stable(Z)
    losses = -np.log(probabilities[np.arange(len(y)), y])
    weights = np.ones(len(y)) if weight is None else weight[y]
    return np.sum(weights * losses) / np.sum(weights)


def cross_entropy_divides_by_n(Z, y, weight=None):
    losses = -log_softmax(Z)[np.arange(len(y)), y]
    weights = np.ones(len(y)) if weight is None else weight[y]
    return np.sum(weights * losses) / len(y)


def cross_entropy_ignores_weights(Z, y, weight=None):
    return np.mean(-log_softmax(Z)[np.arange(len(y)), y])


CORRECT = {
    "mae": [mae_mean_abs, mae_loop],
    "mse": [mse_mean_square, mse_dot],
    "binary_cross_entropy": [binary_cross_entropy_clamped_logs, binary_cross_entropy_tiny_clip],
    "binary_cross_entropy_with_logits": [binary_cross_entropy_with_logits_stable, binary_cross_entropy_with_logits_logaddexp],
    "softmax": [softmax_stable, softmax_rows_loop, softmax_log_sum_exp],
    "cross_entropy": [cross_entropy_log_sum_exp, cross_entropy_one_hot, cross_entropy_average_weights],
}

WRONG = {
    "mae": [
        Wrong(mae_without_abs, "positive and negative errors cancel"),
        Wrong(mae_abs_of_mean, "Take the absolute value of each error, then average"),
        Wrong(mae_sum, "rather than adding them up"),
        Wrong(mae_squared, "that is the MSE"),
    ],
    "mse": [
        Wrong(mse_root, "that is the RMSE"),
        Wrong(mse_sum, "rather than adding them up"),
        Wrong(mse_abs, "(the MAE)"),
        Wrong(mse_square_of_mean, "Square each error before averaging"),
        Wrong(mse_no_mean, "Return one number"),
    ],
    "binary_cross_entropy": [
        Wrong(binary_cross_entropy_unclipped, "clamp each log at −100"),
        Wrong(binary_cross_entropy_eps_clip, "Clipping p to [1e-7, 1 − 1e-7]"),
        Wrong(binary_cross_entropy_no_minus, "A loss is never negative"),
        Wrong(binary_cross_entropy_swapped_terms, "The two terms are swapped"),
    ],
    "binary_cross_entropy_with_logits": [
        Wrong(binary_cross_entropy_with_logits_naive, "Going through sigmoid loses everything"),
        Wrong(binary_cross_entropy_with_logits_clamped_sigmoid, "caps the loss at 100"),
        Wrong(binary_cross_entropy_with_logits_exp_of_minus_z, "e^(−z) overflows"),
        Wrong(binary_cross_entropy_with_logits_wrong_sign, "check the signs"),
    ],
    "softmax": [
        Wrong(softmax_no_shift, "subtract each row's maximum before exponentiating"),
        Wrong(softmax_columns, "normalise along axis=1, not axis=0"),
        Wrong(softmax_global_shift, "not the maximum of the whole array"),
        Wrong(softmax_without_keepdims, "Without keepdims=True"),
    ],
    "cross_entropy": [
        Wrong(cross_entropy_of_probabilities, "Z holds logits, not probabilities"),
        Wrong(cross_entropy_through_softmax, "log(softmax(Z)) underflows"),
        Wrong(cross_entropy_divides_by_n, "not by the number of examples"),
        Wrong(cross_entropy_ignores_weights, "Use the weight argument"),
    ],
}
