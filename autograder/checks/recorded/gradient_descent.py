"""The visible side of notebook 04, gradient descent: a one-hidden-layer binary classifier trained by hand.

Written by the release command from autograder/exercises/gradient_descent.py; do not edit it. It holds what the
checks of the learner's install need of those exercises (their visible cases, properties and hints), and
no reference, known mistake, example answer or hidden case: see autograder.checks.recorded.
"""

import numpy as np
import torch

from autograder.checks.check import Case
from autograder.checks.compare import FLOAT32, Tolerance
from autograder.checks.probes import as_arrays, as_numbers, same_arrays
from autograder.checks.properties import Property, Reading, Returns
from autograder.checks.spec import Spec


NAMES = ("W1", "b1", "W2", "b2")  # the coefficients, in the order init_coeffs returns them


def sum_of_squares(x):
    """f(x) = Σ x²"""
    return float(np.sum(x**2))


def sum_of_cubes(x):
    """f(x) = Σ x³"""
    return float(np.sum(x**3))


def product_of_first_two(x):
    """f(x) = x[0] · x[1]"""
    return float(x[0] * x[1])


def weighted_sines(x):
    """f(x) = Σ k · sin(x_k), k = 1, 2, 3, ... over the flattened x"""
    return float(np.sum(np.arange(1, x.size + 1) * np.sin(x.ravel())))


def log_sum_exp(x):
    """f(x) = log Σ e^x"""
    return float(np.log(np.sum(np.exp(x))))


def row_times_matrix(x):
    """f(x) = Σ (x @ A) ** 2 for x of shape (2, 3) and a fixed A of shape (3, 2): it needs x in its own shape"""
    A = np.array([[1.0, -2.0], [0.5, 1.0], [-1.0, 3.0]])
    return float(np.sum((x @ A) ** 2))


def numerical_gradient_cases():
    rng = np.random.default_rng(41)
    return [
        Case("Σ x² at three points", (sum_of_squares, np.array([1.0, -2.0, 3.0]))),
        Case("x[0] · x[1]", (product_of_first_two, np.array([2.0, 5.0]))),
        Case("a (2, 3) matrix", (weighted_sines, rng.normal(size=(2, 3)))),
        Case("Σ x³ with eps = 1e-3", (sum_of_cubes, np.array([10.0, -3.0])), {"eps": 1e-3}),
        Case("a coarse step, eps = 0.5", (sum_of_cubes, np.array([1.0, 2.0])), {"eps": 0.5}),
        Case("random case: log Σ e^x", (log_sum_exp, rng.normal(size=4))),
        Case("a function that needs x in its shape", (row_times_matrix, rng.normal(size=(2, 3)))),
    ]


NUMERICAL_GRADIENT = Spec(
    "numerical_gradient",
    ("f", "x", "eps"),
    points=2,
    cases=numerical_gradient_cases,
    tolerance=Tolerance(rtol=1e-6, atol=1e-7),
    hint="For each coordinate i: (f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps), where e_i is 1 at i and 0 elsewhere.",
    mutation_hint="x must come back exactly as it was: perturb a copy (x.copy()), or keep the old value of the entry "
        "and put it back afterwards (adding and subtracting eps does not always restore it exactly).",
)


def init_coeffs_cases():
    return [Case("2 inputs, 8 hidden units, seed 0", (2, 8, 0)), Case("3 inputs, 5 hidden units, seed 7", (3, 5, 7))]


def hidden_units_differ(readings, case):
    W1 = np.asarray(readings["coefficients"][0])
    return not np.array_equal(W1, np.broadcast_to(W1[:, :1], W1.shape))


INIT_COEFFS_PROPERTIES = [
    Property("number of coefficient tensors", "Return four tensors: W1, b1, W2, b2.", read=lambda called: len(called.result)),
    Property(
        "shapes",
        "W1 is (n_in, n_hidden), b1 is (n_hidden,), W2 is (n_hidden, 1) and b2 is (1,).",
        read=lambda called: [tuple(coefficient.shape) for coefficient in called.result],
    ),
    Property(
        "dtypes",
        "Make float32 tensors (torch.randn and torch.zeros do by default).",
        read=lambda called: [str(coefficient.dtype) for coefficient in called.result],
    ),
    Property(
        "leaf tensors that require grad",
        "Scale first, then call .requires_grad_(): a tensor computed from one that requires grad is not a "
        "leaf, and only leaves get their .grad filled in by backward().",
        read=lambda called: all(c.is_leaf and c.requires_grad for c in called.result),
    ),
    Reading("coefficients", lambda called: as_arrays(called.result)),
    Reading("coefficients from a second call with the same seed", lambda called: as_arrays(called.again(*called.case.args))),
    Reading("W1 from a call with the next seed", lambda called: as_arrays(called.again(*called.case.args[:2], called.case.args[2] + 1)[0])),
    Property(
        "hidden units start out different (the columns of W1 differ)",
        "Start the weights at random values: if every hidden unit starts the same, they all receive the "
        "same gradient and stay identical forever.",
        derive=hidden_units_differ,
    ),
    Property(
        "same seed, same coefficients",
        "Seed the random numbers with `seed` (torch.manual_seed(seed) or a torch.Generator).",
        derive=lambda readings, case: same_arrays(readings["coefficients"], readings["coefficients from a second call with the same seed"]),
    ),
    Property(
        "another seed, other weights",
        "Use the seed argument to seed the random numbers, not a fixed number.",
        derive=lambda readings, case: not np.array_equal(readings["coefficients"][0], readings["W1 from a call with the next seed"]),
    ),
]


INIT_COEFFS = Spec(
    "init_coeffs",
    ("n_in", "n_hidden", "seed"),
    points=1,
    cases=init_coeffs_cases,
    hint="Make W1 and W2 random (scaled by 1/sqrt(fan-in)), b1 and b2 zero, then call .requires_grad_() on each.",
    properties=INIT_COEFFS_PROPERTIES,
    returns=Returns((tuple, list), "a tuple (W1, b1, W2, b2)", "Return the four tensors together: return W1, b1, W2, b2."),
)


def coefficients(seed, n_in, n_hidden):
    generator = torch.Generator().manual_seed(seed)
    shapes = [(n_in, n_hidden), (n_hidden,), (n_hidden, 1), (1,)]
    return tuple(torch.randn(shape, generator=generator).requires_grad_() for shape in shapes)


def batch(seed, n, n_in):
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, n_in, generator=generator), torch.randint(0, 2, (n,), generator=generator).float()


def prediction_cases(seed, shapes, prefix, with_labels):
    cases = []
    for number, (n, n_in, n_hidden) in enumerate(shapes, start=1):
        X, y = batch(seed + number, n, n_in)
        args = (coefficients(seed + number, n_in, n_hidden), X) + ((y,) if with_labels else ())
        cases.append(Case(f"{prefix} {number}: {n} examples, {n_in} inputs, {n_hidden} hidden units", args))
    return cases


CALC_PREDS = Spec(
    "calc_preds",
    ("coeffs", "X"),
    points=1,
    cases=lambda: prediction_cases(42, [(4, 2, 3), (10, 3, 8), (1, 2, 2)], "case", with_labels=False),
    tolerance=FLOAT32,
    hint="hidden = relu(X @ W1 + b1); the prediction is sigmoid(hidden @ W2 + b2), with the last axis dropped: shape (N,).",
)


def gradients_after_backward(called):
    called.result.backward()
    return {name: None if c.grad is None else c.grad.numpy() for name, c in zip(NAMES, called.arguments[0])}


CALC_LOSS_PROPERTIES = [
    Property("shape (a single number has shape ())", "Average over the examples: the loss is one number.", read=lambda called: tuple(called.result.shape)),
    Property(
        "value",
        "The loss is the mean binary cross-entropy of calc_preds(coeffs, X) against y (F.binary_cross_entropy, or by hand as in notebook 03).",
        read=lambda called: called.result.detach().numpy(),
    ),
    Property(
        "gradients of W1, b1, W2, b2 after loss.backward()",
        "Compute the loss with torch operations on calc_preds(coeffs, X), with no .detach(), .item() or "
        "NumPy in between, so that backward() reaches every coefficient.",
        read=gradients_after_backward,
    ),
]


CALC_LOSS = Spec(
    "calc_loss",
    ("coeffs", "X", "y"),
    points=1,
    cases=lambda: prediction_cases(43, [(4, 2, 3), (12, 3, 5)], "case", with_labels=True),
    hint="loss = F.binary_cross_entropy(calc_preds(coeffs, X), y).",
    properties=CALC_LOSS_PROPERTIES,
    returns=Returns(torch.Tensor, "a scalar torch.Tensor", "Return the loss as a tensor, not loss.item(): backward() needs the tensor and its history."),
    tolerance=FLOAT32,
    uses=("calc_preds",),
)


def gradient_step_cases(seed, specs, prefix):
    cases = []
    for number, (n_in, n_hidden, lr) in enumerate(specs, start=1):
        coeffs = coefficients(seed + number, n_in, n_hidden)
        generator = torch.Generator().manual_seed(seed + 50 + number)
        for coefficient in coeffs:
            coefficient.grad = torch.randn(coefficient.shape, generator=generator)
        cases.append(Case(f"{prefix} {number}: lr = {lr}", (coeffs, lr)))
    return cases


def gradients_after_the_step(called):
    return [None if c.grad is None else c.grad.numpy().copy() for c in called.arguments[0]]


UPDATE_COEFFS_PROPERTIES = [
    Property(
        "coefficients after the step",
        "Move each coefficient against its gradient, in place: c -= lr * c.grad.",
        read=lambda called: dict(zip(NAMES, as_arrays(called.arguments[0]))),
    ),
    Reading("gradients after the step", gradients_after_the_step),
    Property(
        "gradients reset after the step (to zero, or None)",
        "Reset each gradient after using it (c.grad.zero_()): PyTorch adds new gradients to the old ones.",
        derive=lambda readings, case: all(g is None or not np.any(g) for g in readings["gradients after the step"]),
    ),
    Property(
        "coefficients still leaf tensors that require grad",
        "Update the tensors in place, inside torch.no_grad().",
        read=lambda called: all(c.is_leaf and c.requires_grad for c in called.arguments[0]),
    ),
    Property("returns None (the step changes the coefficients themselves)", "Update the coefficients in place and return nothing.", read=lambda called: called.result is None),
]


UPDATE_COEFFS = Spec(
    "update_coeffs",
    ("coeffs", "lr"),
    points=2,
    cases=lambda: gradient_step_cases(44, [(2, 3, 0.1), (3, 4, 1.0)], "case"),
    hint="Inside torch.no_grad(): for each coefficient c, c -= lr * c.grad, then c.grad.zero_().",
    properties=UPDATE_COEFFS_PROPERTIES,
    changes_its_inputs=True,
    tolerance=FLOAT32,
)


def blobs(seed, features=2):
    """Two clouds of 40 points, one per label, that a small network separates within a few epochs."""
    generator = torch.Generator().manual_seed(seed)
    y = (torch.arange(40) % 2).float()
    return torch.randn(40, features, generator=generator) * 0.6 + (y[:, None] * 2 - 1), y


def train_model_cases():
    return [
        Case("40 points in two clouds, 20 epochs, lr = 1.0", (*blobs(45), 20, 1.0)),
        Case("3 features, 10 epochs, lr = 0.5, n_hidden = 5, seed = 3", (*blobs(46, features=3), 10, 0.5), {"n_hidden": 5, "seed": 3}),
    ]


def trained_with_the_labels_swapped(called):
    X, y, epochs, lr = called.case.args
    return as_arrays(called.again(X, 1 - y, epochs, lr, **called.case.kwargs)[0])


TRAINING_STEPS = (
    "Start from init_coeffs(X.shape[1], n_hidden, seed). Then each epoch: loss = calc_loss(coeffs, X, y) on the whole "
    "training set, loss.backward(), update_coeffs(coeffs, lr) (which also resets the gradients), and record "
    "loss.item(), measured before the step. No optimizer, no mini-batches."
)


TRAIN_MODEL_PROPERTIES = [
    Reading("losses", lambda called: list(called.result[1])),
    Property("number of losses recorded (one per epoch)", "Take exactly `epochs` steps, recording the loss at each.", derive=lambda readings, case: len(readings["losses"])),
    Property(
        "losses recorded as Python numbers (loss.item())",
        "Record loss.item(), a plain number: a loss tensor keeps its whole computation alive.",
        derive=lambda readings, case: all(isinstance(loss, float) for loss in readings["losses"]),
    ),
    Property("losses, epoch by epoch", TRAINING_STEPS, derive=lambda readings, case: as_numbers(readings["losses"])),
    Property("trained coefficients", TRAINING_STEPS, read=lambda called: as_arrays(called.result[0])),
    Property(
        "coefficients learned from the same points with the labels swapped",
        "Use the X and y passed to train_model, not variables from the notebook.",
        read=trained_with_the_labels_swapped,
    ),
    Reading("coefficients from the same call again", lambda called: as_arrays(called.again(*called.case.args, **called.case.kwargs)[0])),
    Property(
        "the same call gives the same coefficients (seeded)",
        "Start from init_coeffs(X.shape[1], n_hidden, seed).",
        derive=lambda readings, case: same_arrays(readings["trained coefficients"], readings["coefficients from the same call again"]),
    ),
]


TRAIN_MODEL = Spec(
    "train_model",
    ("X", "y", "epochs", "lr", "n_hidden", "seed"),
    points=2,
    cases=train_model_cases,
    hint=TRAINING_STEPS,
    properties=TRAIN_MODEL_PROPERTIES,
    returns=Returns((tuple, list), "a tuple (coeffs, losses)", "Return both the coefficients and the list of losses: return coeffs, losses."),
    tolerance=FLOAT32,
    uses=("init_coeffs", "calc_loss", "update_coeffs"),
)


SPECS = (NUMERICAL_GRADIENT, INIT_COEFFS, CALC_PREDS, CALC_LOSS, UPDATE_COEFFS, TRAIN_MODEL,)  # in notebook order
