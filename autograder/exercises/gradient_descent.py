"""Notebook 04, gradient descent: a one-hidden-layer binary classifier trained by hand."""

import numpy as np
import torch
import torch.nn.functional as F

from autograder.checks.check import Case
from autograder.checks.compare import FLOAT32, Tolerance
from autograder.checks.probes import as_arrays, as_numbers, same_arrays
from autograder.checks.properties import Property, Reading, Returns
from autograder.exercises import Exercise, Mistake, Wrong

NAMES = ("W1", "b1", "W2", "b2")  # the coefficients, in the order init_coeffs returns them

# ---------------------------------------------------------------- numerical_gradient


def numerical_gradient(f, x, eps=1e-6):
    """The gradient of f at x by central differences.

    Inputs:
        f: a function from a float array shaped like x to a number.
        x: float64 array of any shape (left unchanged).
        eps: the step taken on each side of every coordinate.
    Returns:
        float array shaped like x; entry i is (f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps).
    """
    gradient = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[index] = eps
        gradient[index] = (f(x + step) - f(x - step)) / (2 * eps)
    return gradient


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


def numerical_gradient_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    return [
        Case("hidden case: a (3, 2, 2) array", (weighted_sines, rng.normal(size=(3, 2, 2)))),
        Case("hidden case: eps = 0.1", (sum_of_cubes, rng.normal(size=5)), {"eps": 0.1}),
        Case("hidden case: one coordinate", (sum_of_squares, rng.normal(size=1) * 5)),
    ]


def forward_difference(f, x, eps=1e-6):
    gradient = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[index] = eps
        gradient[index] = (f(x + step) - f(x)) / eps
    return gradient


def divides_by_eps(f, x, eps=1e-6):
    return 2 * numerical_gradient(f, x, eps)


def moves_every_coordinate_at_once(f, x, eps=1e-6):
    return np.full(x.shape, (f(x + eps) - f(x - eps)) / (2 * eps))


def ignores_eps(f, x, eps=1e-6):
    return numerical_gradient(f, x, eps=1e-5)


def walks_the_rows_only(f, x, eps=1e-6):
    gradient = np.zeros(len(x))
    for i in range(len(x)):
        step = np.zeros(x.shape)
        step[i] = eps
        gradient[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return gradient


def numerical_gradient_restoring_x(f, x, eps=1e-6):
    gradient = np.zeros_like(x, dtype=float)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        above = f(x)
        x[index] = old - eps
        below = f(x)
        x[index] = old
        gradient[index] = (above - below) / (2 * eps)
    return gradient


def numerical_gradient_over_a_flat_copy(f, x, eps=1e-6):
    flat = x.ravel().copy()
    gradient = np.empty(flat.size)
    for i in range(flat.size):
        plus, minus = flat.copy(), flat.copy()
        plus[i] += eps
        minus[i] -= eps
        gradient[i] = (f(plus.reshape(x.shape)) - f(minus.reshape(x.shape))) / (2 * eps)
    return gradient.reshape(x.shape)


def numerical_gradient_not_restoring_x(f, x, eps=1e-6):
    gradient = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        x[index] += eps
        above = f(x)
        x[index] -= 2 * eps
        below = f(x)
        gradient[index] = (above - below) / (2 * eps)
    return gradient


NUMERICAL_GRADIENT = Exercise(
    numerical_gradient,
    points=2,
    cases=numerical_gradient_cases,
    hidden_cases=numerical_gradient_hidden_cases,
    tolerance=Tolerance(rtol=1e-6, atol=1e-7),
    hint="For each coordinate i: (f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps), where e_i is 1 at i and 0 elsewhere.",
    mutation_hint=(
        "x must come back exactly as it was: perturb a copy (x.copy()), or keep the old value of the entry "
        "and put it back afterwards (adding and subtracting eps does not always restore it exactly)."
    ),
    mistakes=[
        Mistake(
            forward_difference,
            "That is a forward difference, (f(x + eps) − f(x)) / eps; the central difference "
            "(f(x + eps) − f(x − eps)) / (2·eps) is far more accurate.",
        ),
        Mistake(divides_by_eps, "The two points x + eps and x − eps are 2·eps apart: divide by 2·eps."),
        Mistake(
            moves_every_coordinate_at_once,
            "Move one coordinate at a time: adding eps to every coordinate at once measures the slope along the "
            "diagonal, the same number for every entry.",
        ),
        Mistake(ignores_eps, "Use the eps you are given instead of a fixed step."),
        Mistake(
            walks_the_rows_only,
            "range(len(x)) walks the rows only: loop over every entry with np.ndindex(x.shape), and return an array shaped like x.",
        ),
    ],
    right=[numerical_gradient_restoring_x, numerical_gradient_over_a_flat_copy],
    wrong=[Wrong(numerical_gradient_not_restoring_x, "x must come back exactly as it was")],
)

# ---------------------------------------------------------------- init_coeffs


def init_coeffs(n_in, n_hidden, seed):
    """Random starting coefficients for the classifier, the same for the same seed.

    Inputs:
        n_in: the number of input features D.
        n_hidden: the number of hidden units H.
        seed: the random seed.
    Returns:
        (W1, b1, W2, b2): float32 tensors of shapes (D, H), (H,), (H, 1) and (1,),
        each a leaf tensor that requires grad.
    """
    generator = torch.Generator().manual_seed(seed)
    W1 = torch.randn(n_in, n_hidden, generator=generator) / n_in**0.5
    W2 = torch.randn(n_hidden, 1, generator=generator) / n_hidden**0.5
    b1, b2 = torch.zeros(n_hidden), torch.zeros(1)
    return tuple(coefficient.requires_grad_() for coefficient in (W1, b1, W2, b2))


def init_coeffs_cases():
    return [Case("2 inputs, 8 hidden units, seed 0", (2, 8, 0)), Case("3 inputs, 5 hidden units, seed 7", (3, 5, 7))]


def init_coeffs_hidden_cases(seed):
    seed = seed % 1000
    return [Case(f"hidden case: 10 inputs, 2 hidden units, seed {seed}", (10, 2, seed))]


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


def init_coeffs_with_manual_seed(n_in, n_hidden, seed):
    torch.manual_seed(seed)
    W1 = (torch.rand(n_in, n_hidden) - 0.5) / n_hidden
    b1 = torch.rand(n_hidden) - 0.5
    W2 = torch.rand(n_hidden, 1) - 0.3
    b2 = torch.rand(1)
    return tuple(c.requires_grad_() for c in (W1, b1, W2, b2))


def init_coeffs_zeros(n_in, n_hidden, seed):
    return tuple(torch.zeros(shape, requires_grad=True) for shape in [(n_in, n_hidden), (n_hidden,), (n_hidden, 1), (1,)])


def init_coeffs_scaled_after_requires_grad(n_in, n_hidden, seed):
    torch.manual_seed(seed)
    W1 = torch.randn(n_in, n_hidden, requires_grad=True) / n_in**0.5
    W2 = torch.randn(n_hidden, 1, requires_grad=True) / n_hidden**0.5
    return W1, torch.zeros(n_hidden, requires_grad=True), W2, torch.zeros(1, requires_grad=True)


def init_coeffs_unseeded(n_in, n_hidden, seed):
    W1 = torch.randn(n_in, n_hidden) / n_in**0.5
    W2 = torch.randn(n_hidden, 1) / n_hidden**0.5
    return W1.requires_grad_(), torch.zeros(n_hidden, requires_grad=True), W2.requires_grad_(), torch.zeros(1, requires_grad=True)


def init_coeffs_with_a_fixed_seed(n_in, n_hidden, seed):
    return init_coeffs(n_in, n_hidden, 0)


def init_coeffs_transposed(n_in, n_hidden, seed):
    torch.manual_seed(seed)
    shapes = [(n_hidden, n_in), (n_hidden,), (1, n_hidden), (1,)]
    return tuple(torch.randn(shape).requires_grad_() for shape in shapes)


def init_coeffs_without_grad(n_in, n_hidden, seed):
    torch.manual_seed(seed)
    return torch.randn(n_in, n_hidden), torch.zeros(n_hidden), torch.randn(n_hidden, 1), torch.zeros(1)


INIT_COEFFS = Exercise(
    init_coeffs,
    points=1,
    cases=init_coeffs_cases,
    hidden_cases=init_coeffs_hidden_cases,
    hint="Make W1 and W2 random (scaled by 1/sqrt(fan-in)), b1 and b2 zero, then call .requires_grad_() on each.",
    properties=INIT_COEFFS_PROPERTIES,
    returns=Returns((tuple, list), "a tuple (W1, b1, W2, b2)", "Return the four tensors together: return W1, b1, W2, b2."),
    right=[init_coeffs_with_manual_seed],
    wrong=[
        Wrong(init_coeffs_zeros, "they all receive the same gradient"),
        Wrong(init_coeffs_scaled_after_requires_grad, "Scale first, then call .requires_grad_()"),
        Wrong(init_coeffs_unseeded, "Seed the random numbers with `seed`"),
        Wrong(init_coeffs_with_a_fixed_seed, "not a fixed number"),
        Wrong(init_coeffs_transposed, "W1 is (n_in, n_hidden)"),
        Wrong(init_coeffs_without_grad, "leaf tensors that require grad"),
    ],
)

# ---------------------------------------------------------------- calc_preds


def calc_preds(coeffs, X):
    """The classifier's predicted probability of label 1 for every example.

    Inputs:
        coeffs: (W1, b1, W2, b2) as made by init_coeffs.
        X: (N, D) float tensor, one example per row.
    Returns:
        (N,) tensor of probabilities: sigmoid(relu(X @ W1 + b1) @ W2 + b2).
    """
    W1, b1, W2, b2 = coeffs
    hidden = torch.relu(X @ W1 + b1)
    return torch.sigmoid(hidden @ W2 + b2)[:, 0]


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


def leaves_out_the_relu(coeffs, X):
    W1, b1, W2, b2 = coeffs
    return torch.sigmoid((X @ W1 + b1) @ W2 + b2).squeeze(1)


def leaves_out_the_sigmoid(coeffs, X):
    W1, b1, W2, b2 = coeffs
    return (torch.relu(X @ W1 + b1) @ W2 + b2).squeeze(1)


def keeps_the_column(coeffs, X):
    W1, b1, W2, b2 = coeffs
    return torch.sigmoid(torch.relu(X @ W1 + b1) @ W2 + b2)


def leaves_out_the_biases(coeffs, X):
    W1, b1, W2, b2 = coeffs
    return torch.sigmoid(torch.relu(X @ W1) @ W2).squeeze(1)


def calc_preds_step_by_step(coeffs, X):
    W1, b1, W2, b2 = coeffs
    hidden = torch.relu(X @ W1 + b1)
    output = hidden @ W2 + b2
    return torch.sigmoid(output).squeeze(1)


def calc_preds_with_functional(coeffs, X):
    W1, b1, W2, b2 = coeffs
    hidden = F.relu(torch.matmul(X, W1) + b1)
    return torch.sigmoid(torch.matmul(hidden, W2) + b2).view(-1)


CALC_PREDS = Exercise(
    calc_preds,
    points=1,
    cases=lambda: prediction_cases(42, [(4, 2, 3), (10, 3, 8), (1, 2, 2)], "case", with_labels=False),
    hidden_cases=lambda seed: prediction_cases(seed, [(25, 5, 4), (3, 1, 6)], "hidden case", with_labels=False),
    tolerance=FLOAT32,
    hint="hidden = relu(X @ W1 + b1); the prediction is sigmoid(hidden @ W2 + b2), with the last axis dropped: shape (N,).",
    mistakes=[
        Mistake(leaves_out_the_relu, "Apply ReLU to the hidden layer: relu(X @ W1 + b1). Without it the model is a logistic regression."),
        Mistake(leaves_out_the_sigmoid, "calc_preds returns probabilities: apply sigmoid to the output layer."),
        Mistake(keeps_the_column, "Return shape (N,), one probability per example: drop the last axis with [:, 0] or .squeeze(1)."),
        Mistake(leaves_out_the_biases, "Add the biases: X @ W1 + b1, and hidden @ W2 + b2."),
    ],
    right=[calc_preds_step_by_step, calc_preds_with_functional],
)

# ---------------------------------------------------------------- calc_loss


def calc_loss(coeffs, X, y):
    """The mean binary cross-entropy of calc_preds(coeffs, X) against the labels y.

    Inputs:
        coeffs: (W1, b1, W2, b2).
        X: (N, D) float tensor.
        y: (N,) float tensor of 0/1 labels.
    Returns:
        a scalar tensor connected to coeffs, so that .backward() reaches them.
    """
    return F.binary_cross_entropy(calc_preds(coeffs, X), y)


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


def mean_absolute_error(coeffs, X, y):
    return torch.abs(calc_preds(coeffs, X) - y).mean()


def sums_over_the_examples(coeffs, X, y):
    return F.binary_cross_entropy(calc_preds(coeffs, X), y, reduction="sum")


def calc_loss_by_hand(coeffs, X, y):
    p = calc_preds(coeffs, X)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def calc_loss_as_a_number(coeffs, X, y):
    return F.binary_cross_entropy(calc_preds(coeffs, X), y).item()


def calc_loss_detached(coeffs, X, y):
    return F.binary_cross_entropy(calc_preds(coeffs, X).detach(), y)


CALC_LOSS = Exercise(
    calc_loss,
    points=1,
    cases=lambda: prediction_cases(43, [(4, 2, 3), (12, 3, 5)], "case", with_labels=True),
    hidden_cases=lambda seed: prediction_cases(seed, [(30, 4, 6)], "hidden case", with_labels=True),
    hint="loss = F.binary_cross_entropy(calc_preds(coeffs, X), y).",
    properties=CALC_LOSS_PROPERTIES,
    returns=Returns(torch.Tensor, "a scalar torch.Tensor", "Return the loss as a tensor, not loss.item(): backward() needs the tensor and its history."),
    tolerance=FLOAT32,
    uses=[calc_preds],
    mistakes=[
        Mistake(
            mean_absolute_error,
            "That is the mean absolute error; calc_loss is the mean binary cross-entropy (notebook 03), "
            "which punishes confident mistakes far more.",
        ),
        Mistake(sums_over_the_examples, "Average over the examples instead of adding them up, so that the loss does not grow with the batch."),
    ],
    right=[calc_loss_by_hand],
    wrong=[Wrong(calc_loss_as_a_number, "not loss.item()"), Wrong(calc_loss_detached, "so that backward() reaches every coefficient")],
)

# ---------------------------------------------------------------- update_coeffs


def update_coeffs(coeffs, lr):
    """One step of gradient descent, in place.

    Inputs:
        coeffs: (W1, b1, W2, b2), each holding its gradient in .grad.
        lr: the learning rate.
    Returns:
        None. Each coefficient c becomes c − lr · c.grad, and its gradient is reset (to zero, or None).
    """
    with torch.no_grad():
        for coefficient in coeffs:
            coefficient -= lr * coefficient.grad
            coefficient.grad.zero_()


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


def steps_uphill(coeffs, lr):
    with torch.no_grad():
        for c in coeffs:
            c += lr * c.grad
            c.grad.zero_()


def keeps_old_gradients(coeffs, lr):
    with torch.no_grad():
        for c in coeffs:
            c -= lr * c.grad


def rebinds_the_loop_variable(coeffs, lr):
    with torch.no_grad():
        for c in coeffs:
            c = c - lr * c.grad


def updates_outside_no_grad(coeffs, lr):
    for c in coeffs:
        c.sub_(lr * c.grad)
        c.grad.zero_()


def ignores_the_learning_rate(coeffs, lr):
    update_coeffs(coeffs, 1.0)


def resets_before_stepping(coeffs, lr):
    with torch.no_grad():
        for c in coeffs:
            c.grad.zero_()
            c -= lr * c.grad


def update_coeffs_with_sub_(coeffs, lr):
    for c in coeffs:
        with torch.no_grad():
            c.sub_(c.grad * lr)
        c.grad = None


def update_coeffs_through_data(coeffs, lr):
    for c in coeffs:
        c.data = c.data - lr * c.grad.data
        c.grad.data.zero_()


UPDATE_COEFFS = Exercise(
    update_coeffs,
    points=2,
    cases=lambda: gradient_step_cases(44, [(2, 3, 0.1), (3, 4, 1.0)], "case"),
    hidden_cases=lambda seed: gradient_step_cases(seed, [(5, 2, 0.01)], "hidden case"),
    hint="Inside torch.no_grad(): for each coefficient c, c -= lr * c.grad, then c.grad.zero_().",
    properties=UPDATE_COEFFS_PROPERTIES,
    changes_its_inputs=True,
    tolerance=FLOAT32,
    mistakes=[
        Mistake(steps_uphill, "That step goes uphill: move against the gradient, c -= lr * c.grad."),
        Mistake(keeps_old_gradients, "Reset each gradient after the step (c.grad.zero_()): PyTorch adds each new gradient to the old one."),
        Mistake(
            rebinds_the_loop_variable,
            "c = c - lr * c.grad makes a new tensor and gives it the loop's name; the coefficient itself does not "
            "change. Update it in place: c -= lr * c.grad, inside torch.no_grad().",
        ),
        Mistake(
            updates_outside_no_grad,
            "PyTorch refuses to change a tensor that requires grad while it records operations: do the update "
            "inside `with torch.no_grad():`.",
        ),
        Mistake(ignores_the_learning_rate, "Scale the step by the learning rate: c -= lr * c.grad."),
        Mistake(resets_before_stepping, "You reset the gradients before using them, so the coefficients did not move: step first, then c.grad.zero_()."),
    ],
    right=[update_coeffs_with_sub_, update_coeffs_through_data],
)

# ---------------------------------------------------------------- train_model


def one_epoch(coeffs, X, y, lr):
    """One step of full-batch gradient descent; the training loss measured before it."""
    loss = calc_loss(coeffs, X, y)
    loss.backward()
    update_coeffs(coeffs, lr)
    return loss.item()


def train_model(X, y, epochs, lr, n_hidden=8, seed=0):
    """Train the classifier on (X, y) by full-batch gradient descent.

    Inputs:
        X: (N, D) float tensor; y: (N,) float tensor of 0/1 labels.
        epochs: the number of steps, each on the whole training set.
        lr: the learning rate.
        n_hidden, seed: passed to init_coeffs.
    Returns:
        (coeffs, losses): the trained coefficients, and the training loss (a float)
        of each epoch, measured before that epoch's step.
    """
    coeffs = init_coeffs(X.shape[1], n_hidden, seed)
    losses = [one_epoch(coeffs, X, y, lr) for _ in range(epochs)]
    return coeffs, losses


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


def train_model_hidden_cases(seed):
    return [Case("hidden case: other clouds, 20 epochs, lr = 0.3", (*blobs(seed), 20, 0.3), {"n_hidden": 6, "seed": seed % 1000})]


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


def climbs_uphill(X, y, epochs, lr, n_hidden=8, seed=0):
    return train_model(X, y, epochs, -lr, n_hidden, seed)


def takes_a_hundred_steps(X, y, epochs, lr, n_hidden=8, seed=0):
    return train_model(X, y, 100, lr, n_hidden, seed)


def ignores_lr(X, y, epochs, lr, n_hidden=8, seed=0):
    return train_model(X, y, epochs, 1.0, n_hidden, seed)


def measures_the_loss_after_the_step(coeffs, X, y, lr):
    calc_loss(coeffs, X, y).backward()
    update_coeffs(coeffs, lr)
    return calc_loss(coeffs, X, y).item()


def train_model_with_a_loop(X, y, epochs, lr, n_hidden=8, seed=0):
    coeffs = init_coeffs(X.shape[1], n_hidden, seed)
    losses = []
    for epoch in range(epochs):
        loss = calc_loss(coeffs, X, y)
        loss.backward()
        update_coeffs(coeffs, lr)
        losses.append(loss.item())
    return coeffs, losses


def train_model_with_an_epoch_helper(X, y, epochs, lr, n_hidden=8, seed=0):
    def step(coeffs):
        loss = calc_loss(coeffs, X, y)
        loss.backward()
        with torch.no_grad():
            for c in coeffs:
                c -= lr * c.grad
                c.grad.zero_()
        return float(loss)

    coeffs = init_coeffs(X.shape[1], n_hidden, seed)
    return coeffs, [step(coeffs) for _ in range(epochs)]


def records_the_loss_tensor(coeffs, X, y, lr):
    loss = calc_loss(coeffs, X, y)
    loss.backward()
    update_coeffs(coeffs, lr)
    return loss


X_train, y_train = blobs(0)  # notebook data, which train_model_reading_notebook_data reads


def train_model_reading_notebook_data(X, y, epochs, lr, n_hidden=8, seed=0):
    return train_model(X_train, y_train, epochs, lr, n_hidden, seed)


def train_model_with_adam(X, y, epochs, lr, n_hidden=8, seed=0):
    coeffs = init_coeffs(X.shape[1], n_hidden, seed)
    optimizer = torch.optim.Adam(coeffs, lr=0.1)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = calc_loss(coeffs, X, y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return coeffs, losses


def train_model_unseeded(X, y, epochs, lr, n_hidden=8, seed=0):
    return train_model(X, y, epochs, lr, n_hidden, seed=int(torch.randint(0, 10**6, ())))


TRAIN_MODEL = Exercise(
    train_model,
    points=2,
    cases=train_model_cases,
    hidden_cases=train_model_hidden_cases,
    hint=TRAINING_STEPS,
    properties=TRAIN_MODEL_PROPERTIES,
    returns=Returns((tuple, list), "a tuple (coeffs, losses)", "Return both the coefficients and the list of losses: return coeffs, losses."),
    tolerance=FLOAT32,
    uses=[init_coeffs, calc_loss, update_coeffs],
    mistakes=[
        Mistake(climbs_uphill, "The loss goes up: the step must move against the gradient (c -= lr * c.grad)."),
        Mistake(takes_a_hundred_steps, "Use the `epochs` argument: one step and one recorded loss per epoch."),
        Mistake(ignores_lr, "Use the learning rate you are given: update_coeffs(coeffs, lr)."),
        Mistake(
            keeps_old_gradients,
            "Your gradients are never reset, so each step uses the sum of all the earlier gradients: "
            "reset them after every update (update_coeffs does it with c.grad.zero_()).",
            replacing=update_coeffs,
        ),
        Mistake(
            measures_the_loss_after_the_step,
            "Record the loss computed for the step (before update_coeffs), not a new one measured after it.",
            replacing=one_epoch,
        ),
    ],
    right=[train_model_with_a_loop, train_model_with_an_epoch_helper],
    wrong=[
        Wrong(records_the_loss_tensor, "Record loss.item()", replacing=one_epoch),
        Wrong(train_model_reading_notebook_data, "reads the notebook variable(s) X_train, y_train"),
        Wrong(train_model_unseeded, "Start from init_coeffs(X.shape[1], n_hidden, seed)"),
        Wrong(train_model_with_adam, "gave the wrong losses, epoch by epoch"),
    ],
)
