"""Checks for notebook 04, gradient descent."""

from __future__ import annotations

import contextlib
import inspect
import io

import numpy as np
import torch

from autograder.checks.check import Case, Check, Mistake
from autograder.checks.compare import FLOAT32, Tolerance
from autograder.checks.properties import Called, Derived, PropertyCheck, Raw
from autograder.checks.progress import progress_view
from autograder.references import gradient_descent as reference

NAMES = ("W1", "b1", "W2", "b2")  # the coefficients, in the order init_coeffs returns them


def sum_of_squares(x: np.ndarray) -> float:
    """f(x) = Σ x²"""
    return float(np.sum(x**2))


def sum_of_cubes(x: np.ndarray) -> float:
    """f(x) = Σ x³"""
    return float(np.sum(x**3))


def product_of_first_two(x: np.ndarray) -> float:
    """f(x) = x[0] · x[1]"""
    return float(x[0] * x[1])


def weighted_sines(x: np.ndarray) -> float:
    """f(x) = Σ k · sin(x_k), k = 1, 2, 3, ... over the flattened x"""
    return float(np.sum(np.arange(1, x.size + 1) * np.sin(x.ravel())))


def log_sum_exp(x: np.ndarray) -> float:
    """f(x) = log Σ e^x"""
    return float(np.log(np.sum(np.exp(x))))


def row_times_matrix(x: np.ndarray) -> float:
    """f(x) = Σ (x @ A) ** 2 for x of shape (2, 3) and a fixed A of shape (3, 2): it needs x in its own shape"""
    A = np.array([[1.0, -2.0], [0.5, 1.0], [-1.0, 3.0]])
    return float(np.sum((x @ A) ** 2))


def _numerical_gradient_cases() -> list[Case]:
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


def _numerical_gradient_hidden_cases() -> list[Case]:
    rng = np.random.default_rng(141)
    return [
        Case("hidden case: a (3, 2, 2) array", (weighted_sines, rng.normal(size=(3, 2, 2)))),
        Case("hidden case: eps = 0.1", (sum_of_cubes, rng.normal(size=5)), {"eps": 0.1}),
        Case("hidden case: one coordinate", (sum_of_squares, np.array([7.0]))),
    ]


def _forward_difference(f, x, eps=1e-6):
    gradient = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[index] = eps
        gradient[index] = (f(x + step) - f(x)) / eps
    return gradient


def _rows_only(f, x, eps=1e-6):
    gradient = np.zeros(len(x))
    for i in range(len(x)):
        step = np.zeros(x.shape)
        step[i] = eps
        gradient[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return gradient


numerical_gradient = Check(
    "numerical_gradient",
    reference.numerical_gradient,
    points=2,
    cases=_numerical_gradient_cases,
    hidden_cases=_numerical_gradient_hidden_cases,
    tolerance=Tolerance(rtol=1e-6, atol=1e-7),
    hint="For each coordinate i: (f(x + eps·e_i) − f(x − eps·e_i)) / (2·eps), where e_i is 1 at i and 0 elsewhere.",
    mutation_hint=(
        "x must come back exactly as it was: perturb a copy (x.copy()), or keep the old value of the entry "
        "and put it back afterwards (adding and subtracting eps does not always restore it exactly)."
    ),
    mistakes=[
        Mistake(
            "That is a forward difference, (f(x + eps) − f(x)) / eps; the central difference "
            "(f(x + eps) − f(x − eps)) / (2·eps) is far more accurate.",
            _forward_difference,
        ),
        Mistake(
            "The two points x + eps and x − eps are 2·eps apart: divide by 2·eps.",
            lambda f, x, eps=1e-6: 2 * reference.numerical_gradient(f, x, eps),
        ),
        Mistake(
            "Move one coordinate at a time: adding eps to every coordinate at once measures the slope along the "
            "diagonal, the same number for every entry.",
            lambda f, x, eps=1e-6: np.full(x.shape, (f(x + eps) - f(x - eps)) / (2 * eps)),
        ),
        Mistake("Use the eps you are given instead of a fixed step.", lambda f, x, eps=1e-6: reference.numerical_gradient(f, x)),
        Mistake(
            "range(len(x)) walks the rows only: loop over every entry with np.ndindex(x.shape), and return an array shaped like x.",
            _rows_only,
        ),
    ],
)


def _arrays(coefficients) -> list[np.ndarray]:
    return [coefficient.detach().numpy().copy() for coefficient in coefficients]


def _same_arrays(first, second) -> bool:
    return len(first) == len(second) and all(np.array_equal(a, b) for a, b in zip(first, second))


def _next_seed_W1(called: Called) -> np.ndarray:
    n_in, n_hidden, seed = called.case.args
    return called.again(n_in, n_hidden, seed + 1)[0].detach().numpy().copy()


def _hidden_units_differ(properties, case: Case) -> bool:
    W1 = np.asarray(properties["coefficients"][0])
    return not np.array_equal(W1, np.broadcast_to(W1[:, :1], W1.shape))


init_coeffs = PropertyCheck(
    "init_coeffs",
    reference.init_coeffs,
    result_type=(tuple, list),
    result_description="a tuple (W1, b1, W2, b2)",
    wrong_type_hint="Return the four tensors together: return W1, b1, W2, b2.",
    properties={
        "number of coefficient tensors": lambda called: len(called.result),
        "shapes": lambda called: [tuple(coefficient.shape) for coefficient in called.result],
        "dtypes": lambda called: [str(coefficient.dtype) for coefficient in called.result],
        "leaf tensors that require grad": lambda called: all(c.is_leaf and c.requires_grad for c in called.result),
        "coefficients": Raw(lambda called: _arrays(called.result)),
        "coefficients from a second call with the same seed": Raw(lambda called: _arrays(called.again(*called.case.args))),
        "W1 from a call with the next seed": Raw(_next_seed_W1),
        "hidden units start out different (the columns of W1 differ)": Derived(_hidden_units_differ),
        "same seed, same coefficients": Derived(
            lambda properties, case: _same_arrays(properties["coefficients"], properties["coefficients from a second call with the same seed"])
        ),
        "another seed, other weights": Derived(
            lambda properties, case: not np.array_equal(properties["coefficients"][0], properties["W1 from a call with the next seed"])
        ),
    },
    property_hints={
        "number of coefficient tensors": "Return four tensors: W1, b1, W2, b2.",
        "shapes": "W1 is (n_in, n_hidden), b1 is (n_hidden,), W2 is (n_hidden, 1) and b2 is (1,).",
        "dtypes": "Make float32 tensors (torch.randn and torch.zeros do by default).",
        "leaf tensors that require grad": (
            "Scale first, then call .requires_grad_(): a tensor computed from one that requires grad is not a "
            "leaf, and only leaves get their .grad filled in by backward()."
        ),
        "same seed, same coefficients": "Seed the random numbers with `seed` (torch.manual_seed(seed) or a torch.Generator).",
        "another seed, other weights": "Use the seed argument to seed the random numbers, not a fixed number.",
        "hidden units start out different (the columns of W1 differ)": (
            "Start the weights at random values: if every hidden unit starts the same, they all receive the "
            "same gradient and stay identical forever."
        ),
    },
    points=1,
    cases=lambda: [Case("2 inputs, 8 hidden units, seed 0", (2, 8, 0)), Case("3 inputs, 5 hidden units, seed 7", (3, 5, 7))],
    hidden_cases=lambda: [Case("hidden case: 10 inputs, 2 hidden units, seed 123", (10, 2, 123))],
    hint="Make W1 and W2 random (scaled by 1/sqrt(fan-in)), b1 and b2 zero, then call .requires_grad_() on each.",
)


def _coefficients(seed: int, n_in: int, n_hidden: int, scale: float = 1.0) -> tuple[torch.Tensor, ...]:
    generator = torch.Generator().manual_seed(seed)
    shapes = [(n_in, n_hidden), (n_hidden,), (n_hidden, 1), (1,)]
    return tuple((torch.randn(shape, generator=generator) * scale).requires_grad_() for shape in shapes)


def _batch(seed: int, n: int, n_in: int) -> tuple[torch.Tensor, torch.Tensor]:
    generator = torch.Generator().manual_seed(seed)
    return torch.randn(n, n_in, generator=generator), torch.randint(0, 2, (n,), generator=generator).float()


def _prediction_cases(seed: int, shapes: list[tuple[int, int, int]], prefix: str, with_labels: bool) -> list[Case]:
    cases = []
    for number, (n, n_in, n_hidden) in enumerate(shapes, start=1):
        X, y = _batch(seed + number, n, n_in)
        coeffs = _coefficients(seed + number, n_in, n_hidden)
        cases.append(Case(f"{prefix} {number}: {n} examples, {n_in} inputs, {n_hidden} hidden units", (coeffs, X, y) if with_labels else (coeffs, X)))
    return cases


calc_preds = Check(
    "calc_preds",
    reference.calc_preds,
    points=1,
    cases=lambda: _prediction_cases(42, [(4, 2, 3), (10, 3, 8), (1, 2, 2)], "case", with_labels=False),
    hidden_cases=lambda: _prediction_cases(142, [(25, 5, 4), (3, 1, 6)], "hidden case", with_labels=False),
    tolerance=FLOAT32,
    hint="hidden = relu(X @ W1 + b1); the prediction is sigmoid(hidden @ W2 + b2), with the last axis dropped: shape (N,).",
    mistakes=[
        Mistake(
            "Apply ReLU to the hidden layer: relu(X @ W1 + b1). Without it the model is a logistic regression.",
            lambda coeffs, X: torch.sigmoid((X @ coeffs[0] + coeffs[1]) @ coeffs[2] + coeffs[3])[:, 0],
        ),
        Mistake(
            "calc_preds returns probabilities: apply sigmoid to the output layer.",
            lambda coeffs, X: (torch.relu(X @ coeffs[0] + coeffs[1]) @ coeffs[2] + coeffs[3])[:, 0],
        ),
        Mistake(
            "Return shape (N,), one probability per example: drop the last axis with [:, 0] or .squeeze(1).",
            lambda coeffs, X: torch.sigmoid(torch.relu(X @ coeffs[0] + coeffs[1]) @ coeffs[2] + coeffs[3]),
        ),
        Mistake(
            "Add the biases: X @ W1 + b1, and hidden @ W2 + b2.",
            lambda coeffs, X: torch.sigmoid(torch.relu(X @ coeffs[0]) @ coeffs[2])[:, 0],
        ),
    ],
)


def _loss_value(called: Called) -> np.ndarray:
    return called.result.detach().numpy()


def _gradients(called: Called) -> dict:
    called.result.backward()
    return {name: None if c.grad is None else c.grad.numpy() for name, c in zip(NAMES, called.arguments[0])}


calc_loss = PropertyCheck(
    "calc_loss",
    reference.calc_loss,
    result_type=torch.Tensor,
    result_description="a scalar torch.Tensor",
    wrong_type_hint="Return the loss as a tensor, not loss.item(): backward() needs the tensor and its history.",
    tolerance=FLOAT32,
    properties={
        "shape (a single number has shape ())": lambda called: tuple(called.result.shape),
        "value": _loss_value,
        "gradients of W1, b1, W2, b2 after loss.backward()": _gradients,
    },
    property_hints={
        "shape (a single number has shape ())": "Average over the examples: the loss is one number.",
        "value": (
            "The loss is the mean binary cross-entropy of calc_preds(coeffs, X) against y "
            "(F.binary_cross_entropy, or by hand as in notebook 03). It uses your calc_preds: check that first."
        ),
        "gradients of W1, b1, W2, b2 after loss.backward()": (
            "Compute the loss with torch operations on calc_preds(coeffs, X), with no .detach(), .item() or "
            "NumPy in between, so that backward() reaches every coefficient."
        ),
    },
    points=1,
    cases=lambda: _prediction_cases(43, [(4, 2, 3), (12, 3, 5)], "case", with_labels=True),
    hidden_cases=lambda: _prediction_cases(143, [(30, 4, 6)], "hidden case", with_labels=True),
    hint="loss = F.binary_cross_entropy(calc_preds(coeffs, X), y).",
    mistakes=[
        Mistake(
            "That is the mean absolute error; calc_loss is the mean binary cross-entropy (notebook 03), "
            "which punishes confident mistakes far more.",
            lambda coeffs, X, y: torch.abs(reference.calc_preds(coeffs, X) - y).mean(),
        ),
        Mistake(
            "Average over the examples instead of adding them up, so that the loss does not grow with the batch.",
            lambda coeffs, X, y: torch.nn.functional.binary_cross_entropy(reference.calc_preds(coeffs, X), y, reduction="sum"),
        ),
    ],
)


def _gradient_step_cases(seed: int, specs: list[tuple[int, int, float]], prefix: str) -> list[Case]:
    cases = []
    for number, (n_in, n_hidden, lr) in enumerate(specs, start=1):
        coeffs = _coefficients(seed + number, n_in, n_hidden)
        generator = torch.Generator().manual_seed(seed + 50 + number)
        for coefficient in coeffs:
            coefficient.grad = torch.randn(coefficient.shape, generator=generator)
        cases.append(Case(f"{prefix} {number}: lr = {lr}", (coeffs, lr)))
    return cases


def _after_the_step(called: Called) -> dict[str, np.ndarray]:
    return {name: c.detach().numpy().copy() for name, c in zip(NAMES, called.arguments[0])}


def _gradients_after_the_step(called: Called) -> list:
    return [None if c.grad is None else c.grad.numpy().copy() for c in called.arguments[0]]


def _step_uphill(coeffs, lr):
    with torch.no_grad():
        for coefficient in coeffs:
            coefficient += lr * coefficient.grad
            coefficient.grad.zero_()


def _step_keeping_gradients(coeffs, lr):
    with torch.no_grad():
        for coefficient in coeffs:
            coefficient -= lr * coefficient.grad


def _step_rebinding(coeffs, lr):
    for coefficient in coeffs:
        coefficient = coefficient - lr * coefficient.grad  # noqa: F841  (the mistake: the tensor is not updated)
        coefficient.grad = None


def _step_after_reset(coeffs, lr):
    with torch.no_grad():
        for coefficient in coeffs:
            coefficient.grad.zero_()
            coefficient -= lr * coefficient.grad


update_coeffs = PropertyCheck(
    "update_coeffs",
    reference.update_coeffs,
    in_place=True,
    tolerance=FLOAT32,
    properties={
        "coefficients after the step": _after_the_step,
        "gradients after the step": Raw(_gradients_after_the_step),
        "gradients reset after the step (to zero, or None)": Derived(
            lambda properties, case: all(g is None or not np.any(g) for g in properties["gradients after the step"])
        ),
        "coefficients still leaf tensors that require grad": lambda called: all(
            c.is_leaf and c.requires_grad for c in called.arguments[0]
        ),
    },
    property_hints={
        "coefficients after the step": "Move each coefficient against its gradient, in place: c -= lr * c.grad.",
        "gradients reset after the step (to zero, or None)": (
            "Reset each gradient after using it (c.grad.zero_()): PyTorch adds new gradients to the old ones."
        ),
        "coefficients still leaf tensors that require grad": "Update the tensors in place, inside torch.no_grad().",
    },
    points=2,
    cases=lambda: _gradient_step_cases(44, [(2, 3, 0.1), (3, 4, 1.0)], "case"),
    hidden_cases=lambda: _gradient_step_cases(144, [(5, 2, 0.01)], "hidden case"),
    hint="Inside torch.no_grad(): for each coefficient c, c -= lr * c.grad, then c.grad.zero_().",
    mistakes=[
        Mistake("That step goes uphill: move against the gradient, c -= lr * c.grad.", _step_uphill),
        Mistake(
            "Reset each gradient after the step (c.grad.zero_()): PyTorch adds each new gradient to the old one.",
            _step_keeping_gradients,
        ),
        Mistake(
            "c = c - lr * c.grad makes a new tensor and gives it the loop's name; the coefficient itself does not "
            "change. Update it in place: c -= lr * c.grad, inside torch.no_grad().",
            _step_rebinding,
        ),
        Mistake(
            "PyTorch refuses to change a tensor that requires grad while it records operations: do the update "
            "inside `with torch.no_grad():`.",
            lambda coeffs, lr: [c.sub_(lr * c.grad) for c in coeffs],
        ),
        Mistake("Scale the step by the learning rate: c -= lr * c.grad.", lambda coeffs, lr: reference.update_coeffs(coeffs, 1.0)),
        Mistake(
            "You reset the gradients before using them, so the coefficients did not move: step first, then c.grad.zero_().",
            _step_after_reset,
        ),
    ],
)


def _blobs(seed: int, features: int = 2) -> tuple[torch.Tensor, torch.Tensor]:
    """Two clouds of 40 points, one per label, that a small network separates within a few epochs."""
    generator = torch.Generator().manual_seed(seed)
    y = (torch.arange(40) % 2).float()
    return torch.randn(40, features, generator=generator) * 0.6 + (y[:, None] * 2 - 1), y


def _accuracy(coefficients: list, X: torch.Tensor, y: torch.Tensor) -> float:
    """The share of examples the coefficients classify right, computed with the reference calc_preds."""
    coeffs = tuple(torch.as_tensor(np.asarray(coefficient), dtype=torch.float32) for coefficient in coefficients)
    with torch.no_grad():
        return ((reference.calc_preds(coeffs, X) > 0.5).float() == y).float().mean().item()


def _swapped_labels_run(called: Called) -> list[np.ndarray]:
    X, y, epochs, lr = called.case.args
    return _arrays(called.again(X, 1 - y, epochs, lr, **called.case.kwargs)[0])


def _starting_point(called: Called) -> list[np.ndarray]:
    """What init_coeffs gives for this case, with the init_coeffs the function itself would call."""
    init_coeffs = getattr(called.function, "__globals__", {}).get("init_coeffs")
    if not inspect.isfunction(init_coeffs):  # not the notebook's: this module's own mistakes start like the reference
        init_coeffs = reference.init_coeffs
    kwargs = called.case.kwargs
    with contextlib.redirect_stdout(io.StringIO()):
        return _arrays(init_coeffs(called.case.args[0].shape[1], kwargs.get("n_hidden", 8), kwargs.get("seed", 0)))


def _plain_descent(start: list, case: Case) -> tuple[list[float], list[np.ndarray]]:
    """The losses and final coefficients of full-batch gradient descent from `start`, done by the reference."""
    X, y, epochs, lr = case.args
    coeffs = tuple(torch.tensor(np.asarray(value), dtype=torch.float32).requires_grad_() for value in start)
    losses = []
    for _ in range(epochs):
        loss = reference.calc_loss(coeffs, X, y)
        loss.backward()
        reference.update_coeffs(coeffs, lr)
        losses.append(loss.item())
    return losses, _arrays(coeffs)


SAME_LOSSES = "the losses of plain gradient descent, epoch by epoch"
SAME_COEFFICIENTS = "the coefficients plain gradient descent reaches"


def _trajectory(properties, case: Case) -> str:
    expected, _ = _plain_descent(properties["starting point"], case)
    got = [float(loss.detach()) if isinstance(loss, torch.Tensor) else float(loss) for loss in properties["losses"]]  # tensors kept with their graph, too
    if len(got) != len(expected):
        return f"{len(got)} losses for {len(expected)} epochs"
    for epoch, (mine, plain) in enumerate(zip(got, expected), start=1):
        if abs(mine - plain) > 1e-4 * abs(plain) + 1e-6:
            return f"a different loss from epoch {epoch} on: {mine:.6f} where plain gradient descent has {plain:.6f}"
    return SAME_LOSSES


def _final_coefficients(properties, case: Case) -> str:
    _, expected = _plain_descent(properties["starting point"], case)
    gap = max(float(np.max(np.abs(np.asarray(mine) - plain))) for mine, plain in zip(properties["coefficients"], expected))
    return SAME_COEFFICIENTS if gap <= 1e-4 else f"other coefficients (they differ by up to {gap:.2g})"


def _descend(X, y, epochs, lr, n_hidden, seed, reset=True, after=False):
    """Gradient descent with one of two slips: gradients never reset, or losses measured after each step."""
    coeffs = reference.init_coeffs(X.shape[1], n_hidden, seed)
    losses = []
    for _ in range(epochs):
        loss = reference.calc_loss(coeffs, X, y)
        loss.backward()
        with torch.no_grad():
            for coefficient in coeffs:
                coefficient -= lr * coefficient.grad
                if reset:
                    coefficient.grad.zero_()
        losses.append((reference.calc_loss(coeffs, X, y) if after else loss).item())
    return coeffs, losses


TRAINING_STEPS = (
    "Start from init_coeffs(X.shape[1], n_hidden, seed). Then each epoch: loss = calc_loss(coeffs, X, y) on the whole "
    "training set, loss.backward(), update_coeffs(coeffs, lr) (which also resets the gradients), and record "
    "loss.item(), measured before the step. No optimizer, no mini-batches."
)

train_model = PropertyCheck(
    "train_model",
    reference.train_model,
    result_type=(tuple, list),
    result_description="a tuple (coeffs, losses)",
    wrong_type_hint="Return both the coefficients and the list of losses: return coeffs, losses.",
    tolerance=FLOAT32,
    properties={
        "losses": Raw(lambda called: list(called.result[1])),
        "coefficients": Raw(lambda called: _arrays(called.result[0])),
        "starting point": Raw(_starting_point),
        "coefficients learned from the same points with the labels swapped": Raw(_swapped_labels_run),
        "coefficients from the same call again": Raw(lambda called: _arrays(called.again(*called.case.args, **called.case.kwargs)[0])),
        "number of losses recorded (one per epoch)": Derived(lambda properties, case: len(properties["losses"])),
        "losses recorded as Python numbers (loss.item())": Derived(
            lambda properties, case: all(isinstance(loss, float) for loss in properties["losses"])
        ),
        "losses (compared with plain gradient descent from your init_coeffs)": Derived(_trajectory),
        "trained coefficients (compared with plain gradient descent)": Derived(_final_coefficients),
        "accuracy on the training data of at least 90 %": Derived(
            lambda properties, case: _accuracy(properties["coefficients"], *case.args[:2]) >= 0.9
        ),
        "it learns the data it is given (here: the same points with the labels swapped)": Derived(
            lambda properties, case: _accuracy(properties["coefficients learned from the same points with the labels swapped"], case.args[0], 1 - case.args[1]) >= 0.9
        ),
        "the same call gives the same coefficients (seeded)": Derived(
            lambda properties, case: _same_arrays(properties["coefficients"], properties["coefficients from the same call again"])
        ),
    },
    property_hints={
        "number of losses recorded (one per epoch)": "Take exactly `epochs` steps, recording the loss at each.",
        "losses recorded as Python numbers (loss.item())": (
            "Record loss.item(), a plain number: a loss tensor keeps its whole computation alive."
        ),
        "losses (compared with plain gradient descent from your init_coeffs)": TRAINING_STEPS,
        "trained coefficients (compared with plain gradient descent)": TRAINING_STEPS,
        "accuracy on the training data of at least 90 %": TRAINING_STEPS,
        "it learns the data it is given (here: the same points with the labels swapped)": (
            "Use the X and y passed to train_model, not variables from the notebook."
        ),
        "the same call gives the same coefficients (seeded)": "Start from init_coeffs(X.shape[1], n_hidden, seed).",
    },
    points=2,
    cases=lambda: [
        Case("40 points in two clouds, 20 epochs, lr = 1.0", (*_blobs(45), 20, 1.0)),
        Case("3 features, 10 epochs, lr = 0.5, n_hidden = 5, seed = 3", (*_blobs(46, features=3), 10, 0.5), {"n_hidden": 5, "seed": 3}),
    ],
    hidden_cases=lambda: [Case("hidden case: other clouds, 20 epochs, lr = 0.3", (*_blobs(145), 20, 0.3), {"n_hidden": 6, "seed": 11})],
    hint=TRAINING_STEPS,
    mistakes=[
        Mistake(
            "The loss goes up: the step must move against the gradient (c -= lr * c.grad).",
            lambda X, y, epochs, lr, n_hidden=8, seed=0: reference.train_model(X, y, epochs, -lr, n_hidden, seed),
        ),
        Mistake(
            "Use the `epochs` argument: one step and one recorded loss per epoch.",
            lambda X, y, epochs, lr, n_hidden=8, seed=0: reference.train_model(X, y, 100, lr, n_hidden, seed),
        ),
        Mistake(
            "Use the learning rate you are given: update_coeffs(coeffs, lr).",
            lambda X, y, epochs, lr, n_hidden=8, seed=0: reference.train_model(X, y, epochs, 1.0, n_hidden, seed),
        ),
        Mistake(
            "Your gradients are never reset, so each step uses the sum of all the earlier gradients: "
            "reset them after every update (update_coeffs does it with c.grad.zero_()).",
            lambda X, y, epochs, lr, n_hidden=8, seed=0: _descend(X, y, epochs, lr, n_hidden, seed, reset=False),
        ),
        Mistake(
            "Record the loss computed for the step (before update_coeffs), not a new one measured after it.",
            lambda X, y, epochs, lr, n_hidden=8, seed=0: _descend(X, y, epochs, lr, n_hidden, seed, after=True),
        ),
    ],
)

EXERCISES = (numerical_gradient, init_coeffs, calc_preds, calc_loss, update_coeffs, train_model)
progress = progress_view(EXERCISES)
