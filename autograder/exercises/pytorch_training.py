"""Notebook 06, training with PyTorch: train_epoch, evaluate, accuracy, predict_grid, predict_label."""

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder, StandardScaler
from torch import nn

from autograder.checks.check import Case
from autograder.checks.compare import FLOAT32
from autograder.checks.probes import Adam, Batches, ForwardLog, Net, NotingLoss, SGD, forward_passes, mode, state
from autograder.checks.properties import Property, Reading, Returns
from autograder.exercises import Exercise, Mistake, Wrong

TASKS = {  # the number of outputs, the loss and the dtype of the targets of each kind of task
    "regression": (1, nn.MSELoss, torch.float32),
    "binary": (1, nn.BCEWithLogitsLoss, torch.float32),
    "multiclass": (3, nn.CrossEntropyLoss, torch.int64),
}


def network(seed, task, hidden=3, batch_norm=False, dropout=0.0, n_in=2, logged=False):
    """A seeded n_in-hidden-out network for a task, with batch norm (with non-trivial running statistics) and dropout
    if asked, and a ForwardLog first if `logged`."""
    torch.manual_seed(seed)
    n_out = TASKS[task][0]
    # before batch norm a bias does nothing (the mean is subtracted), and Adam would turn its rounding-noise gradient into steps
    layers = [ForwardLog()] * logged + [nn.Linear(n_in, hidden, bias=not batch_norm)]
    if batch_norm:
        norm = nn.BatchNorm1d(hidden)
        generator = torch.Generator().manual_seed(seed)
        norm.running_mean.copy_(torch.randn(hidden, generator=generator))
        norm.running_var.copy_(torch.rand(hidden, generator=generator) + 0.5)
        layers.append(norm)
    layers.append(nn.Tanh())
    if dropout:
        layers.append(nn.Dropout(dropout))
    layers.append(nn.Linear(hidden, n_out))
    extras = " and ".join(["batch norm"] * batch_norm + [f"dropout {dropout}"] * bool(dropout))
    return Net(f"{n_in}-{hidden}-{n_out} network" + (f" with {extras}" if extras else ""), *layers)


def batches(seed, task, sizes, n_in=2):
    generator = torch.Generator().manual_seed(seed)
    n_out, _, dtype = TASKS[task]
    loader = Batches()
    for size in sizes:
        X = torch.randn(size, n_in, generator=generator)
        if task == "regression":
            y = X[:, :1] * X[:, 1:2] + 0.1 * torch.randn(size, 1, generator=generator)
        elif task == "binary":
            y = torch.randint(0, 2, (size, 1), generator=generator).float()
        else:
            y = torch.randint(0, n_out, (size,), generator=generator)
        loader.append((X, y.to(dtype)))
    return loader


# ---------------------------------------------------------------- train_epoch


def train_step(model, X, y, loss_fn, optimizer):
    """One optimizer step on one batch; the batch's loss, measured before the step."""
    optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def train_epoch(model, loader, loss_fn, optimizer):
    """One pass of mini-batch training over `loader`.

    Inputs:
        model: the network (an nn.Module); put it in training mode.
        loader: an iterable of (X, y) batches: X (B, D) float32, y the targets the loss expects.
        loss_fn: maps (model(X), y) to the batch's mean loss, e.g. nn.MSELoss().
        optimizer: updates model's parameters, e.g. torch.optim.Adam(model.parameters()).
    Returns:
        the mean loss over the epoch's examples (each batch's loss weighted by its size), a float.
    """
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        total += train_step(model, X, y, loss_fn, optimizer) * len(X)
        count += len(X)
    return total / count


def training_case(name, seed, task, sizes, optimizer, lr, *, batch_norm=False):
    model = network(seed, task, batch_norm=batch_norm).eval()  # as evaluate leaves it
    chosen = Adam(model.parameters(), lr=lr) if optimizer == "adam" else SGD(model.parameters(), lr=lr, momentum=0.9 if optimizer == "momentum" else 0.0)
    return Case(name, (model, batches(seed + 1, task, sizes), TASKS[task][1](), chosen))


def train_epoch_cases():
    return [
        training_case("regression, batch norm, SGD, batches of 4, 4 and 2", 61, "regression", [4, 4, 2], "sgd", 0.1, batch_norm=True),
        training_case("binary, Adam, batches of 5, 5 and 3", 62, "binary", [5, 5, 3], "adam", 0.05),
        training_case("3 classes, SGD with momentum, batches of 4, 4, 4 and 1", 63, "multiclass", [4, 4, 4, 1], "momentum", 0.2),
        training_case("random case: 3 classes, batch norm, Adam, batches of 8, 8 and 3", 64, "multiclass", [8, 8, 3], "adam", 0.02, batch_norm=True),
        training_case("a single batch of one example", 65, "regression", [1], "sgd", 0.1),
    ]


def train_epoch_hidden_cases(seed):
    return [
        training_case("hidden case: binary, batch norm, SGD with momentum, batches of 6, 6 and 2", seed, "binary", [6, 6, 2], "momentum", 0.15, batch_norm=True),
        training_case("hidden case: regression, Adam, batches of 3, 3, 3 and 2", seed + 1, "regression", [3, 3, 3, 2], "adam", 0.05),
    ]


TRAINING_STEPS = (
    "Call model.train() first; then for each batch (X, y): optimizer.zero_grad(), loss = loss_fn(model(X), y), "
    "loss.backward(), optimizer.step()."
)
EPOCH_MEAN = (
    "Return the mean loss over all the epoch's examples: add loss.item() * len(X) for each batch and divide by the "
    "number of examples (the last batch may be smaller than the others)."
)

TRAIN_EPOCH_PROPERTIES = [
    Property(
        "mode of the model after the epoch",
        "Call model.train() at the start: the model may come in evaluation mode (after evaluate), and batch norm "
        "and dropout behave differently in training.",
        read=lambda called: mode(called.arguments[0]),
    ),
    Property("parameters and buffers after the epoch", TRAINING_STEPS, read=lambda called: state(called.arguments[0])),
    Property("mean loss returned", EPOCH_MEAN, read=lambda called: float(called.result)),
]


def never_zeroes_the_gradients(model, X, y, loss_fn, optimizer):
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    return loss.item()


def zeroes_before_the_step(model, X, y, loss_fn, optimizer):
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.zero_grad()
    optimizer.step()
    return loss.item()


def returns_the_last_batch_loss(model, loader, loss_fn, optimizer):
    model.train()
    return [train_step(model, X, y, loss_fn, optimizer) for X, y in loader][-1]


def averages_the_batch_losses(model, loader, loss_fn, optimizer):
    model.train()
    losses = [train_step(model, X, y, loss_fn, optimizer) for X, y in loader]
    return sum(losses) / len(losses)


def adds_up_the_batch_losses(model, loader, loss_fn, optimizer):
    model.train()
    return sum(train_step(model, X, y, loss_fn, optimizer) for X, y in loader)


def stays_in_the_mode_it_was_given(model, loader, loss_fn, optimizer):
    losses = [(train_step(model, X, y, loss_fn, optimizer), len(X)) for X, y in loader]
    return sum(loss * size for loss, size in losses) / sum(size for _, size in losses)


def train_epoch_with_lists(model, loader, loss_fn, optimizer):
    model.train()
    losses, sizes = [], []
    for X, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        sizes.append(X.shape[0])
    return float(np.average(losses, weights=sizes))


def train_epoch_zeroing_after_the_step(model, loader, loss_fn, optimizer):
    model.train()
    optimizer.zero_grad()
    total = 0.0
    examples = 0
    for inputs, targets in loader:
        predictions = model(inputs)
        batch_loss = loss_fn(predictions, targets)
        batch_loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        total += batch_loss.detach().item() * inputs.size(0)
        examples += inputs.size(0)
    return total / examples


def train_epoch_without_zero_grad(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(X)
        count += len(X)
    return total / count


def returns_the_loss_tensor(model, X, y, loss_fn, optimizer):
    optimizer.zero_grad()
    loss = loss_fn(model(X), y)
    loss.backward()
    optimizer.step()
    return loss


TRAIN_EPOCH = Exercise(
    train_epoch,
    points=3,
    cases=train_epoch_cases,
    hidden_cases=train_epoch_hidden_cases,
    hint=TRAINING_STEPS + " " + EPOCH_MEAN,
    properties=TRAIN_EPOCH_PROPERTIES,
    returns=Returns(
        (float, int),
        "a float: the epoch's mean loss",
        "Return a plain Python number: add up loss.item() (not the loss tensor, which keeps its whole graph alive) and return the mean.",
    ),
    changes_its_inputs=True,
    tolerance=FLOAT32,
    mistakes=[
        Mistake(
            never_zeroes_the_gradients,
            "Your gradients are never zeroed, so each step uses the sum of this batch's gradient and all earlier ones: "
            "call optimizer.zero_grad() before loss.backward() in every batch.",
            replacing=train_step,
        ),
        Mistake(
            zeroes_before_the_step,
            "You zeroed the gradients between loss.backward() and optimizer.step(), so every step had nothing to do: "
            "zero them before the backward pass.",
            replacing=train_step,
        ),
        Mistake(
            returns_the_last_batch_loss,
            "You returned the last batch's loss; return the mean over the whole epoch: add loss.item() * len(X) for "
            "each batch and divide by the number of examples.",
        ),
        Mistake(
            averages_the_batch_losses,
            "You averaged the batch losses as if every batch had the same size; the last batch may be smaller: weight "
            "each batch's loss by its size, loss.item() * len(X), and divide by the number of examples.",
        ),
        Mistake(adds_up_the_batch_losses, "You returned the sum of the batch losses; return their mean over the examples (weighted by batch size)."),
        Mistake(
            stays_in_the_mode_it_was_given,
            "Call model.train() at the start: the model came in evaluation mode, so batch norm used its running "
            "statistics instead of the batch's.",
        ),
    ],
    right=[train_epoch_with_lists, train_epoch_zeroing_after_the_step],
    wrong=[Wrong(train_epoch_without_zero_grad, "never zeroed"), Wrong(returns_the_loss_tensor, "Return a plain Python number", replacing=train_step)],
)

# ---------------------------------------------------------------- evaluate


def mean_loss(model, loader, loss_fn):
    """The mean of loss_fn over the loader's examples (each batch's loss weighted by its size), in whatever mode the model is."""
    total, count = 0.0, 0
    for X, y in loader:
        total += loss_fn(model(X), y).item() * len(X)
        count += len(X)
    return total / count


def evaluate(model, loader, loss_fn):
    """The mean loss of `model` over `loader`'s examples, in evaluation mode, without building a graph.

    Inputs:
        model: the network; put it in evaluation mode.
        loader: an iterable of (X, y) batches.
        loss_fn: maps (model(X), y) to the batch's mean loss.
    Returns:
        the mean loss over all examples (each batch's loss weighted by its size), a float.
    """
    model.eval()
    with torch.no_grad():
        return mean_loss(model, loader, loss_fn)


def evaluation_case(name, seed, task, sizes, *, batch_norm=True, dropout=0.5):
    model = network(seed, task, hidden=4, batch_norm=batch_norm, dropout=dropout).train()  # as train_epoch leaves it
    return Case(name, (model, batches(seed + 1, task, sizes), NotingLoss(TASKS[task][1]())))


def evaluate_cases():
    return [
        evaluation_case("regression, batch norm and dropout, batches of 4, 4 and 2", 71, "regression", [4, 4, 2]),
        evaluation_case("binary, batch norm and dropout, batches of 5 and 2", 72, "binary", [5, 2]),
        evaluation_case("3 classes, batch norm, batches of 6, 6, 6 and 1", 73, "multiclass", [6, 6, 6, 1], dropout=0.0),
        evaluation_case("random case: 3 classes, dropout, batches of 16, 16 and 7", 74, "multiclass", [16, 16, 7], batch_norm=False),
        evaluation_case("a single batch of one example", 75, "regression", [1]),
    ]


def evaluate_hidden_cases(seed):
    return [
        evaluation_case("hidden case: binary, batch norm and dropout, batches of 8, 8 and 5", seed, "binary", [8, 8, 5]),
        evaluation_case("hidden case: regression, batch norm, batches of 2, 2 and 1", seed + 1, "regression", [2, 2, 1], dropout=0.0),
    ]


GRAPH = "graph built at each forward pass (prediction.requires_grad)"

EVALUATE_PROPERTIES = [
    Property(
        "mode of the model after the call",
        "Call model.eval() at the start: in training mode dropout drops units at random and batch norm uses the "
        "batch's statistics (and updates its running ones).",
        read=lambda called: mode(called.arguments[0]),
    ),
    Reading(GRAPH, lambda called: list(called.arguments[2].graph_built)),
    Property(
        "no graph built: every forward pass under torch.no_grad()",
        "Compute the predictions inside `with torch.no_grad():`: without it PyTorch records a graph for a "
        "backward pass that never comes, which costs memory and time.",
        derive=lambda readings, case: not any(readings[GRAPH]),
    ),
    Property(
        "parameters and buffers after the call (evaluation must leave them unchanged)",
        "Call model.eval() before the loop, not after it: in training mode batch norm updates its running "
        "statistics at every forward pass.",
        read=lambda called: state(called.arguments[0]),
    ),
    Property(
        "mean loss returned",
        "Return the mean loss over all the examples: add loss.item() * len(X) for each batch and divide by the "
        "number of examples (the last batch may be smaller).",
        read=lambda called: float(called.result),
    ),
]


def returns_the_last_batch_loss_in_evaluation(model, loader, loss_fn):
    model.eval()
    with torch.no_grad():
        return [loss_fn(model(X), y).item() for X, y in loader][-1]


def averages_the_batch_losses_in_evaluation(model, loader, loss_fn):
    model.eval()
    with torch.no_grad():
        losses = [loss_fn(model(X), y).item() for X, y in loader]
    return sum(losses) / len(losses)


def evaluate_in_inference_mode(model, loader, loss_fn):
    model.eval()
    losses, sizes = [], []
    with torch.inference_mode():
        for inputs, targets in loader:
            losses.append(float(loss_fn(model(inputs), targets)) * inputs.shape[0])
            sizes.append(inputs.shape[0])
    return sum(losses) / sum(sizes)


def evaluate_in_training_mode(model, loader, loss_fn):
    with torch.no_grad():
        return mean_loss(model, loader, loss_fn)


def evaluate_with_a_graph(model, loader, loss_fn):
    model.eval()
    return mean_loss(model, loader, loss_fn)


def evaluate_calling_eval_after_the_loop(model, loader, loss_fn):
    with torch.no_grad():
        loss = mean_loss(model, loader, loss_fn)
    model.eval()
    return loss


def evaluate_returning_a_tensor(model, loader, loss_fn):
    model.eval()
    return sum(loss_fn(model(X), y) * len(X) for X, y in loader) / sum(len(X) for X, _ in loader)


EVALUATE = Exercise(
    evaluate,
    points=2,
    cases=evaluate_cases,
    hidden_cases=evaluate_hidden_cases,
    hint=(
        "Call model.eval() first, then compute every batch's loss inside `with torch.no_grad():`, add loss.item() * len(X) "
        "and divide by the number of examples."
    ),
    properties=EVALUATE_PROPERTIES,
    returns=Returns(
        (float, int),
        "a float: the mean loss over the loader's examples",
        "Return a plain Python number: add up loss.item(), not the loss tensors (a tensor that requires grad keeps its whole graph alive).",
    ),
    changes_its_inputs=True,
    tolerance=FLOAT32,
    mistakes=[
        Mistake(
            returns_the_last_batch_loss_in_evaluation,
            "You returned the last batch's loss; return the mean over all examples: add loss.item() * len(X) for each "
            "batch and divide by the number of examples.",
        ),
        Mistake(
            averages_the_batch_losses_in_evaluation,
            "You averaged the batch losses as if every batch had the same size; weight each by its size, "
            "loss.item() * len(X), and divide by the number of examples.",
        ),
    ],
    right=[evaluate_in_inference_mode],
    wrong=[
        Wrong(evaluate_in_training_mode, "Call model.eval() at the start"),
        Wrong(evaluate_with_a_graph, "torch.no_grad()"),
        Wrong(evaluate_calling_eval_after_the_loop, "before the loop, not after it"),
        Wrong(evaluate_returning_a_tensor, "a tensor that requires grad"),
    ],
)

# ---------------------------------------------------------------- accuracy


def predicted_classes(logits):
    """Class 1 where a binary task's logit is positive; otherwise the class with the largest score."""
    if logits.ndim == 1 or logits.shape[1] == 1:
        return (logits.reshape(-1) > 0).long()
    return logits.argmax(dim=1)


def accuracy(logits, y):
    """The share of examples classified right.

    Inputs:
        logits: (N, K) class scores, or (N, 1) / (N,) logits of class 1 in a binary task.
        y: (N,) class indices, or (N, 1) / (N,) 0/1 labels in a binary task.
    Returns:
        a float between 0 and 1.
    """
    return (predicted_classes(logits) == y.reshape(-1).long()).float().mean().item()


def accuracy_cases():
    generator = torch.Generator().manual_seed(81)
    return [
        Case(
            "binary: 6 logits (N, 1) and labels (N, 1)",
            (torch.tensor([[2.0], [-1.0], [0.3], [-0.2], [0.4], [-3.0]]), torch.tensor([[1.0], [0.0], [1.0], [0.0], [1.0], [1.0]])),
        ),
        Case(
            "4 classes: scores (5, 4) and labels (5,)",
            (
                torch.tensor([[2.0, 0.1, -1.0, 0.3], [0.0, 1.5, 0.2, 0.1], [0.1, 0.2, 0.3, 0.4], [3.0, -1.0, 0.0, 0.0], [0.5, 0.4, 2.0, -2.0]]),
                torch.tensor([0, 1, 2, 3, 2]),
            ),
        ),
        Case("3 classes, 3 examples: a square (3, 3) batch", (torch.tensor([[0.2, 1.0, 0.1], [0.9, 0.0, 0.3], [0.3, 0.1, 0.0]]), torch.tensor([1, 0, 2]))),
        Case("binary: logits (N,) and labels (N,)", (torch.tensor([0.1, -0.1, 0.45, 5.0]), torch.tensor([1.0, 0.0, 0.0, 1.0]))),
        Case("binary: logits (N, 1) and labels (N,)", (torch.tensor([[1.0], [-2.0], [0.2], [-0.3], [3.0]]), torch.tensor([1.0, 1.0, 0.0, 0.0, 1.0]))),
        Case("random case: 3 classes, 50 examples", (torch.randn(50, 3, generator=generator), torch.randint(0, 3, (50,), generator=generator))),
        Case("random case: binary, 40 logits (N, 1)", (torch.randn(40, 1, generator=generator) * 0.5, torch.randint(0, 2, (40, 1), generator=generator).float())),
        Case("a single example, classified wrong", (torch.tensor([[0.1, 0.9]]), torch.tensor([0]))),
    ]


def accuracy_hidden_cases(seed):
    generator = torch.Generator().manual_seed(seed)
    return [
        Case("hidden case: binary, 30 logits (N, 1)", (torch.randn(30, 1, generator=generator) * 0.6, torch.randint(0, 2, (30, 1), generator=generator).float())),
        Case("hidden case: 5 classes, 5 examples", (torch.randn(5, 5, generator=generator), torch.randint(0, 5, (5,), generator=generator))),
        Case("hidden case: 4 classes, 40 examples", (torch.randn(40, 4, generator=generator), torch.randint(0, 4, (40,), generator=generator))),
    ]


def thresholds_logits_at_a_half(logits):
    if logits.ndim == 1 or logits.shape[1] == 1:
        return (logits.reshape(-1) > 0.5).long()
    return logits.argmax(dim=1)


def takes_the_argmax_over_the_batch(logits):
    if logits.ndim == 1 or logits.shape[1] == 1:
        return (logits.reshape(-1) > 0).long()
    return logits.argmax(dim=0)


def takes_the_argmax_of_one_column(logits):
    return logits.argmax(dim=1) if logits.ndim == 2 else (logits > 0).long()


def counts_instead_of_sharing(logits, y):
    return float((predicted_classes(logits) == y.reshape(-1).long()).sum().item())


def compares_a_column_with_labels(logits, y):
    if logits.ndim == 1 or logits.shape[1] == 1:
        return ((logits > 0).float() == y).float().mean().item()
    return (logits.argmax(dim=1) == y).float().mean().item()


def returns_a_tensor(logits, y):
    return (predicted_classes(logits) == y.reshape(-1).long()).float().mean()


def accuracy_in_branches(logits, y):
    y = y.reshape(-1)
    if logits.ndim == 2 and logits.shape[1] > 1:
        predicted = torch.argmax(logits, dim=1)
    else:
        predicted = (torch.sigmoid(logits.reshape(-1)) > 0.5).to(y.dtype)
    return (predicted == y).float().mean().item()


def accuracy_in_numpy(logits, y):
    scores = logits.detach().numpy()
    labels = y.numpy().ravel()
    if scores.ndim == 1 or scores.shape[1] == 1:
        predicted = (scores.ravel() > 0).astype(int)
    else:
        predicted = scores.argmax(axis=1)
    return float(np.mean(predicted == labels))


ACCURACY = Exercise(
    accuracy,
    points=1,
    cases=accuracy_cases,
    hidden_cases=accuracy_hidden_cases,
    tolerance=FLOAT32,
    hint=(
        "With one logit per example, predict class 1 where the logit is above 0; with K scores, predict the class with "
        "the largest score (argmax over dim=1). Compare with y reshaped to (N,) and return the share that match as a float."
    ),
    mistakes=[
        Mistake(
            thresholds_logits_at_a_half,
            "A logit is not a probability: the probability sigmoid(z) is above 0.5 exactly where the logit z is above 0. "
            "Threshold the logits at 0 (or sigmoid(logits) at 0.5).",
            replacing=predicted_classes,
        ),
        Mistake(
            takes_the_argmax_over_the_batch,
            "argmax over dim=0 picks, for each class, the example with the highest score; each example's class is "
            "the argmax over its own scores, dim=1.",
            replacing=predicted_classes,
        ),
        Mistake(counts_instead_of_sharing, "Return the share of examples classified right, between 0 and 1, not their count."),
        Mistake(
            compares_a_column_with_labels,
            "Comparing an (N, 1) prediction with (N,) labels broadcasts to an (N, N) table: reshape both to (N,) first.",
        ),
        Mistake(returns_a_tensor, "Return a plain Python float: call .item() on the mean."),
        Mistake(
            takes_the_argmax_of_one_column,
            "With a single output column, argmax is always 0: a binary model's class is 1 where its logit is above 0.",
            replacing=predicted_classes,
        ),
    ],
    right=[accuracy_in_branches, accuracy_in_numpy],
)

# ---------------------------------------------------------------- predict_grid


def grid_outputs(model, grid):
    """The model's outputs at the grid's points, in evaluation mode and without building a graph."""
    model.eval()
    with torch.no_grad():
        return model(torch.as_tensor(grid, dtype=torch.float32))


def prediction(outputs, task):
    """A task's prediction from the model's outputs, as a NumPy array of one value per point."""
    if task == "regression":
        return outputs[:, 0].numpy()
    if task == "binary":
        return torch.sigmoid(outputs[:, 0]).numpy()
    return outputs.argmax(dim=1).numpy()


def predict_grid(model, grid, task):
    """The model's prediction at every point of a grid, in evaluation mode and without building a graph.

    Inputs:
        model: maps (M, D) float32 tensors to (M, 1) outputs ("regression", "binary") or (M, K) scores ("multiclass").
        grid: (M, D) NumPy float64 array of points.
        task: "regression", "binary" or "multiclass".
    Returns:
        (M,) NumPy array: the output (regression), the probability of class 1 (binary),
        or the index of the highest-scoring class, as integers (multiclass).
    """
    return prediction(grid_outputs(model, grid), task)


def grid_case(name, seed, task, points, *, batch_norm=True, hidden=4):
    model = network(seed, task, hidden=hidden, batch_norm=batch_norm, logged=True).train()  # as training leaves it
    return Case(name, (model, np.random.default_rng(seed).uniform(-1, 1, size=(points, 2)), task))


def predict_grid_cases():
    return [
        grid_case("regression, batch norm, 5 points", 91, "regression", 5),
        grid_case("binary, batch norm, 6 points", 92, "binary", 6),
        grid_case("3 classes, batch norm, 6 points", 93, "multiclass", 6),
        grid_case("random case: binary, 40 points", 94, "binary", 40, batch_norm=False, hidden=6),
        grid_case("random case: 3 classes, 40 points", 95, "multiclass", 40),
        grid_case("a grid of one point", 96, "regression", 1),
    ]


def predict_grid_hidden_cases(seed):
    return [
        grid_case("hidden case: binary, 25 points", seed, "binary", 25),
        grid_case("hidden case: 3 classes, 9 points", seed + 1, "multiclass", 9, batch_norm=False),
        grid_case("hidden case: regression, 12 points", seed + 2, "regression", 12),
    ]


PASSES = "forward passes (mode, gradients on, rows)"

PREDICT_GRID_PROPERTIES = [
    Property("predictions", "", read=lambda called: called.result),
    Reading(PASSES, lambda called: forward_passes(called.arguments[0])),
    Property(
        "forward pass in evaluation mode (model.eval())",
        "Call model.eval() first: in training mode batch norm normalises the grid with its own statistics, and dropout drops units.",
        derive=lambda readings, case: bool(readings[PASSES]) and not any(training for training, _, _ in readings[PASSES]),
    ),
    Property(
        "no graph built (forward pass under torch.no_grad())",
        "Run the model under `with torch.no_grad():`; detaching its output afterwards is too late, the graph is built by then.",
        derive=lambda readings, case: not any(grad for _, grad, _ in readings[PASSES]),
    ),
]


def stays_in_training_mode(model, grid):
    with torch.no_grad():
        return model(torch.as_tensor(grid, dtype=torch.float32))


def feeds_float64(model, grid):
    model.eval()
    with torch.no_grad():
        return model(torch.as_tensor(grid))


def returns_the_logit(outputs, task):
    return outputs.argmax(dim=1).numpy() if task == "multiclass" else outputs[:, 0].numpy()


def returns_a_column(outputs, task):
    if task == "multiclass":
        return outputs.argmax(dim=1).numpy()
    return (outputs if task == "regression" else torch.sigmoid(outputs)).numpy()


def returns_the_top_probability(outputs, task):
    if task == "multiclass":
        return torch.softmax(outputs, dim=1).max(dim=1).values.numpy()
    return prediction(outputs, task)


def returns_a_tensor_of_predictions(model, grid, task):
    return torch.as_tensor(predict_grid(model, grid, task))


def predict_grid_in_branches(model, grid, task):
    model.eval()
    with torch.no_grad():
        outputs = model(torch.tensor(grid, dtype=torch.float32))
    if task == "multiclass":
        return outputs.argmax(dim=1).numpy()
    if task == "binary":
        return torch.sigmoid(outputs).squeeze(1).numpy()
    return outputs.squeeze(1).numpy()


def predict_grid_with_detach(model, grid, task):
    model.eval()
    outputs = model(torch.from_numpy(grid).float()).detach()
    if task == "regression":
        return outputs.numpy().ravel()
    if task == "binary":
        return 1 / (1 + np.exp(-outputs.numpy().ravel()))
    return np.argmax(torch.softmax(outputs, dim=1).numpy(), axis=1)


PREDICT_GRID = Exercise(
    predict_grid,
    points=2,
    cases=predict_grid_cases,
    hidden_cases=predict_grid_hidden_cases,
    properties=PREDICT_GRID_PROPERTIES,
    returns=Returns(np.ndarray, "a NumPy array of shape (M,)", "Return a NumPy array (.numpy()), which plotting functions expect."),
    tolerance=FLOAT32,
    hint=(
        "model.eval(); inside torch.no_grad(), outputs = model(torch.as_tensor(grid, dtype=torch.float32)); then "
        "outputs[:, 0] (regression), torch.sigmoid(outputs[:, 0]) (binary) or outputs.argmax(dim=1) (multiclass), "
        "returned as a NumPy array with .numpy()."
    ),
    mistakes=[
        Mistake(
            stays_in_training_mode,
            "Call model.eval() first: in training mode batch norm normalises the grid with its own statistics, so each "
            "point's prediction depends on the other points.",
            replacing=grid_outputs,
        ),
        Mistake(returns_the_logit, "For a binary task return the probability of class 1, torch.sigmoid(logit), not the logit itself.", replacing=prediction),
        Mistake(returns_a_column, "Return one value per point, shape (M,): take outputs[:, 0].", replacing=prediction),
        Mistake(
            returns_the_top_probability,
            "For a multiclass task return the index of the highest-scoring class (argmax over dim=1), not its probability.",
            replacing=prediction,
        ),
        Mistake(
            feeds_float64,
            "The grid is float64 and the model's weights are float32: convert the grid with torch.as_tensor(grid, dtype=torch.float32).",
            replacing=grid_outputs,
        ),
        Mistake(returns_a_tensor_of_predictions, "Return a NumPy array (.numpy()), which plotting functions expect, not a tensor."),
    ],
    right=[predict_grid_in_branches],
    wrong=[Wrong(predict_grid_with_detach, "detaching its output afterwards is too late")],
)

# ---------------------------------------------------------------- predict_label


def class_probabilities(model, x):
    """The softmax probabilities of the classes for one scaled example x of shape (1, D), in evaluation mode."""
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(torch.as_tensor(x, dtype=torch.float32)), dim=1)[0]


def predict_label(model, scaler, encoder, raw_point):
    """Classify one raw example: scale it, run the model, turn its scores into probabilities, decode the label.

    Inputs:
        model: a classifier mapping (1, D) float32 tensors to (1, K) class scores; put it in evaluation mode.
        scaler: the StandardScaler fitted on the raw training inputs.
        encoder: the LabelEncoder fitted on the training labels.
        raw_point: the D raw input values of one example (a list or a (D,) array).
    Returns:
        (label, probability): the most probable class's label, a str, and its softmax probability, a float.
    """
    probabilities = class_probabilities(model, scaler.transform(np.asarray(raw_point, dtype=float).reshape(1, -1)))
    index = int(probabilities.argmax())
    return str(encoder.inverse_transform([index])[0]), probabilities[index].item()


SPECIES = ["setosa", "versicolor", "virginica"]


def pipeline_case(name, seed, labels, raw_point, *, n_in=4):
    """A classifier with batch norm, a scaler fitted on raw measurements of very different scales, and an encoder."""
    rng = np.random.default_rng(seed)
    scaler = StandardScaler().fit(rng.normal(loc=np.linspace(1, 60, n_in), scale=np.linspace(0.5, 12, n_in), size=(30, n_in)))
    encoder = LabelEncoder().fit(labels)
    torch.manual_seed(seed)
    model = Net(f"{n_in}-5-{len(labels)} classifier with batch norm", nn.Linear(n_in, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, len(labels)))
    with torch.no_grad():
        model[1].running_mean.copy_(torch.linspace(-0.3, 0.3, 5))
        model[-1].weight.mul_(4)
    model.train()
    context = {"scaler.mean_": np.round(scaler.mean_, 2), "encoder.classes_": [str(label) for label in encoder.classes_]}
    return Case(name, (model, scaler, encoder, raw_point), context=context)


def predict_label_cases():
    rng = np.random.default_rng(97)
    return [
        pipeline_case("three species, a raw point as a list", 97, SPECIES, [1.2, 21.0, 40.5, 61.0]),
        pipeline_case("three species, a raw point as an array", 98, SPECIES, np.array([0.5, 25.0, 30.0, 75.0])),
        pipeline_case("four labels, a point far from the data", 99, ["cat", "dog", "owl", "pig"], [3.0, 0.0, 80.0, 20.0]),
        pipeline_case("random case: two labels, three inputs", 100, ["no", "yes"], rng.normal(loc=[1, 30, 60], scale=[0.5, 6, 12]).tolist(), n_in=3),
    ]


def predict_label_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    return [
        pipeline_case("hidden case: three species", seed, SPECIES, rng.normal(loc=[2, 15, 35, 50], scale=[1, 5, 10, 15]).tolist()),
        pipeline_case("hidden case: five labels, two inputs", seed + 1, ["a", "b", "c", "d", "e"], rng.normal(loc=[0, 90], scale=[1, 20]).tolist(), n_in=2),
    ]


def does_not_scale(model, scaler, encoder, raw_point):
    probabilities = class_probabilities(model, np.asarray(raw_point, dtype=float).reshape(1, -1))
    index = int(probabilities.argmax())
    return str(encoder.classes_[index]), probabilities[index].item()


def returns_the_index(model, scaler, encoder, raw_point):
    probabilities = class_probabilities(model, scaler.transform(np.asarray(raw_point, dtype=float).reshape(1, -1)))
    index = int(probabilities.argmax())
    return index, probabilities[index].item()


def reports_the_score(model, x):
    model.eval()
    with torch.no_grad():
        return model(torch.as_tensor(x, dtype=torch.float32))[0]


def uses_sigmoid(model, x):
    model.eval()
    with torch.no_grad():
        return torch.sigmoid(model(torch.as_tensor(x, dtype=torch.float32)))[0]


def predicts_in_training_mode(model, x):
    with torch.no_grad():
        return torch.softmax(model(torch.as_tensor(x, dtype=torch.float32)), dim=1)[0]


def returns_a_numpy_string(model, scaler, encoder, raw_point):
    label, probability = predict_label(model, scaler, encoder, raw_point)
    return np.str_(label), probability


def predict_label_step_by_step(model, scaler, encoder, raw_point):
    x = scaler.transform(np.array(raw_point, dtype=float).reshape(1, -1))
    model.eval()
    with torch.no_grad():
        probabilities = torch.softmax(model(torch.tensor(x, dtype=torch.float32)), dim=1)[0]
    index = probabilities.argmax().item()
    return str(encoder.classes_[index]), probabilities[index].item()


def predict_label_by_hand(model, scaler, encoder, raw_point):
    x = (np.asarray(raw_point, dtype=float) - scaler.mean_) / scaler.scale_
    model.eval()
    with torch.no_grad():
        scores = model(torch.tensor(x, dtype=torch.float32).unsqueeze(0)).squeeze(0)
    probabilities = torch.exp(scores - torch.logsumexp(scores, dim=0))
    probability, index = probabilities.max(dim=0)
    label = encoder.inverse_transform([index.item()])[0]
    return str(label), float(probability)


PREDICT_LABEL = Exercise(
    predict_label,
    points=2,
    cases=predict_label_cases,
    hidden_cases=predict_label_hidden_cases,
    tolerance=FLOAT32,
    result_names=("label", "probability"),
    hint=(
        "x = scaler.transform(np.asarray(raw_point, dtype=float).reshape(1, -1)); model.eval(); inside torch.no_grad(), "
        "probabilities = torch.softmax(model(torch.as_tensor(x, dtype=torch.float32)), dim=1)[0]; the index of the "
        "largest gives the label str(encoder.inverse_transform([index])[0]) and its probability .item()."
    ),
    mistakes=[
        Mistake(
            does_not_scale,
            "Scale the raw point with the scaler fitted on the training data (scaler.transform) before the model sees "
            "it: the model was trained on scaled inputs.",
        ),
        Mistake(returns_the_index, "Return the label itself, decoded with the encoder (encoder.inverse_transform([index])[0]), not its index."),
        Mistake(
            reports_the_score,
            "The model returns scores (logits): turn them into probabilities with torch.softmax(..., dim=1) before reporting the probability.",
            replacing=class_probabilities,
        ),
        Mistake(
            uses_sigmoid,
            "Use softmax, not sigmoid, for several classes: softmax makes the probabilities of all classes add up to 1.",
            replacing=class_probabilities,
        ),
        Mistake(
            predicts_in_training_mode,
            "Call model.eval() before predicting: in training mode batch norm needs a batch of several examples and "
            "dropout drops units at random.",
            replacing=class_probabilities,
        ),
        Mistake(returns_a_numpy_string, "encoder.inverse_transform returns NumPy strings: convert the label with str(...)."),
    ],
    right=[predict_label_step_by_step, predict_label_by_hand],
)
