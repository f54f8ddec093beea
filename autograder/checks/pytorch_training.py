"""Checks for notebook 06, training with PyTorch."""

from __future__ import annotations

import copy

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder, StandardScaler
from torch import nn

from autograder.checks.check import Case, Check, Mistake
from autograder.checks.compare import FLOAT32
from autograder.checks.properties import Called, Derived, PropertyCheck, Raw
from autograder.checks.progress import progress_view
from autograder.references import pytorch_training as reference


class Net(nn.Sequential):
    """A small network that describes itself in one line in a check's message."""

    def __init__(self, description: str, *layers: nn.Module):
        super().__init__(*layers)
        self.description = description

    def __repr__(self) -> str:
        return f"{self.description} (in {'training' if self.training else 'evaluation'} mode)"


class Batches(list):
    """A loader made of a list of (X, y) batches, as notebook 06 uses for small data."""

    def __repr__(self) -> str:
        sizes = [len(X) for X, _ in self]
        listed = ", ".join(map(str, sizes[:-1])) + f" and {sizes[-1]}" if len(sizes) > 1 else str(sizes[0])
        return f"a list of {len(sizes)} batch{'es' * (len(sizes) != 1)} (X, y) of {listed} example{'s' * (sizes != [1])}"


class SGD(torch.optim.SGD):
    def __repr__(self) -> str:
        group = self.param_groups[0]
        return f"torch.optim.SGD(model.parameters(), lr={group['lr']}, momentum={group['momentum']})"


class Adam(torch.optim.Adam):
    def __repr__(self) -> str:
        return f"torch.optim.Adam(model.parameters(), lr={self.param_groups[0]['lr']})"


class NotingLoss(nn.Module):
    """A loss function that also notes, at each call, whether the prediction it receives carries a graph."""

    def __init__(self, loss: nn.Module):
        super().__init__()
        self.loss = loss
        self.graph_built: list[bool] = []

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        self.graph_built.append(bool(prediction.requires_grad))
        return self.loss(prediction, target)

    def __repr__(self) -> str:
        return repr(self.loss)


TASKS = {
    "regression": (1, nn.MSELoss, torch.float32),
    "binary": (1, nn.BCEWithLogitsLoss, torch.float32),
    "multiclass": (3, nn.CrossEntropyLoss, torch.int64),
}


def _network(seed: int, task: str, hidden: int = 3, batch_norm: bool = False, dropout: float = 0.0, n_in: int = 2) -> Net:
    """A seeded n_in-hidden-out network for a task, with batch norm (with non-trivial running statistics) and dropout if asked."""
    torch.manual_seed(seed)
    n_out = TASKS[task][0]
    # before batch norm a bias does nothing (the mean is subtracted), and Adam would turn its rounding-noise gradient into steps
    layers: list[nn.Module] = [nn.Linear(n_in, hidden, bias=not batch_norm)]
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
    parts = [f"{n_in}-{hidden}-{n_out} network"] + ["batch norm"] * batch_norm + [f"dropout {dropout}"] * bool(dropout)
    return Net(" with ".join(parts[:1] + [" and ".join(parts[1:])]) if len(parts) > 1 else parts[0], *layers)


def _batches(seed: int, task: str, sizes: list[int], n_in: int = 2) -> Batches:
    generator = torch.Generator().manual_seed(seed)
    n_out, _, dtype = TASKS[task]
    batches = Batches()
    for size in sizes:
        X = torch.randn(size, n_in, generator=generator)
        if task == "regression":
            y = X[:, :1] * X[:, 1:2] + 0.1 * torch.randn(size, 1, generator=generator)
        elif task == "binary":
            y = torch.randint(0, 2, (size, 1), generator=generator).float()
        else:
            y = torch.randint(0, n_out, (size,), generator=generator)
        batches.append((X, y.to(dtype)))
    return batches


def _state(model: nn.Module) -> dict[str, np.ndarray]:
    return {name: tensor.detach().numpy().copy() for name, tensor in model.state_dict().items()}


def _mode(model: nn.Module) -> str:
    return "training" if model.training else "evaluation"


# ---------------------------------------------------------------- train_epoch


def _training_case(name: str, seed: int, task: str, sizes: list[int], optimizer: str, lr: float, *, batch_norm: bool = False) -> Case:
    model = _network(seed, task, batch_norm=batch_norm).eval()  # as evaluate leaves it
    loader = _batches(seed + 1, task, sizes)
    if optimizer == "adam":
        chosen = Adam(model.parameters(), lr=lr)
    else:
        chosen = SGD(model.parameters(), lr=lr, momentum=0.9 if optimizer == "momentum" else 0.0)
    return Case(name, (model, loader, TASKS[task][1](), chosen))


def _train_epoch_cases() -> list[Case]:
    return [
        _training_case("regression, batch norm, SGD, batches of 4, 4 and 2", 61, "regression", [4, 4, 2], "sgd", 0.1, batch_norm=True),
        _training_case("binary, Adam, batches of 5, 5 and 3", 62, "binary", [5, 5, 3], "adam", 0.05),
        _training_case("3 classes, SGD with momentum, batches of 4, 4, 4 and 1", 63, "multiclass", [4, 4, 4, 1], "momentum", 0.2),
        _training_case("random case: 3 classes, batch norm, Adam, batches of 8, 8 and 3", 64, "multiclass", [8, 8, 3], "adam", 0.02, batch_norm=True),
        _training_case("a single batch of one example", 65, "regression", [1], "sgd", 0.1),
    ]


def _train_epoch_hidden_cases() -> list[Case]:
    return [
        _training_case("hidden case: binary, batch norm, SGD with momentum, batches of 6, 6 and 2", 161, "binary", [6, 6, 2], "momentum", 0.15, batch_norm=True),
        _training_case("hidden case: regression, Adam, batches of 3, 3, 3 and 2", 162, "regression", [3, 3, 3, 2], "adam", 0.05),
    ]


def _loss_on_batches(state: dict, case: Case) -> float:
    """The mean loss over the case's examples of its network with the given parameters, in evaluation mode."""
    model = copy.deepcopy(case.args[0])
    model.load_state_dict({name: torch.as_tensor(np.asarray(value)) for name, value in state.items()})
    return reference.evaluate(model, case.args[1], case.args[2])


def _lowered_the_loss(properties, case: Case) -> bool:
    before = reference.evaluate(copy.deepcopy(case.args[0]), case.args[1], case.args[2])
    return _loss_on_batches(properties["parameters and buffers after the epoch"], case) < before


def _train_without_zeroing(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(X)
        count += len(X)
    return total / count


def _train_returning(kind: str):
    def train(model, loader, loss_fn, optimizer):
        model.train()
        losses, sizes = [], []
        for X, y in loader:
            optimizer.zero_grad()
            loss = loss_fn(model(X), y)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            sizes.append(len(X))
        if kind == "last":
            return losses[-1]
        if kind == "unweighted":
            return sum(losses) / len(losses)
        return sum(losses)

    return train


def _train_in_mode(model, loader, loss_fn, optimizer):
    """train_epoch without model.train(): the model stays in whatever mode it was."""
    total, count = 0.0, 0
    for X, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(X)
        count += len(X)
    return total / count


def _train_zeroing_before_step(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        total += loss.item() * len(X)
        count += len(X)
    return total / count


TRAINING_STEPS = (
    "Call model.train() first; then for each batch (X, y): optimizer.zero_grad(), loss = loss_fn(model(X), y), "
    "loss.backward(), optimizer.step()."
)
EPOCH_MEAN = (
    "Return the mean loss over all the epoch's examples: add loss.item() * len(X) for each batch and divide by the "
    "number of examples (the last batch may be smaller than the others)."
)

train_epoch = PropertyCheck(
    "train_epoch",
    reference.train_epoch,
    result_type=(float, int),
    result_description="a float: the epoch's mean loss",
    wrong_type_hint=(
        "Return a plain Python number: add up loss.item() (not the loss tensor, which keeps its whole graph alive) "
        "and return the mean."
    ),
    in_place=True,
    tolerance=FLOAT32,
    properties={
        "mode of the model after the epoch": lambda called: _mode(called.arguments[0]),
        "parameters and buffers after the epoch": lambda called: _state(called.arguments[0]),
        "the epoch lowered the loss on these batches": Derived(_lowered_the_loss),
        "mean loss returned": lambda called: float(called.result),
    },
    property_hints={
        "mode of the model after the epoch": (
            "Call model.train() at the start: the model may come in evaluation mode (after evaluate), and batch norm "
            "and dropout behave differently in training."
        ),
        "parameters and buffers after the epoch": TRAINING_STEPS,
        "the epoch lowered the loss on these batches": TRAINING_STEPS,
        "mean loss returned": EPOCH_MEAN,
    },
    points=3,
    cases=_train_epoch_cases,
    hidden_cases=_train_epoch_hidden_cases,
    hint=TRAINING_STEPS + " " + EPOCH_MEAN,
    mistakes=[
        Mistake(
            "Your gradients are never zeroed, so each step uses the sum of this batch's gradient and all earlier ones: "
            "call optimizer.zero_grad() before loss.backward() in every batch.",
            _train_without_zeroing,
        ),
        Mistake(
            "You zeroed the gradients between loss.backward() and optimizer.step(), so every step had nothing to do: "
            "zero them before the backward pass.",
            _train_zeroing_before_step,
        ),
        Mistake(
            "You returned the last batch's loss; return the mean over the whole epoch: add loss.item() * len(X) for "
            "each batch and divide by the number of examples.",
            _train_returning("last"),
        ),
        Mistake(
            "You averaged the batch losses as if every batch had the same size; the last batch may be smaller: weight "
            "each batch's loss by its size, loss.item() * len(X), and divide by the number of examples.",
            _train_returning("unweighted"),
        ),
        Mistake(
            "You returned the sum of the batch losses; return their mean over the examples (weighted by batch size).",
            _train_returning("sum"),
        ),
        Mistake(
            "Call model.train() at the start: the model came in evaluation mode, so batch norm used its running "
            "statistics instead of the batch's.",
            _train_in_mode,
        ),
    ],
)


# ---------------------------------------------------------------- evaluate


def _evaluation_case(name: str, seed: int, task: str, sizes: list[int], *, batch_norm: bool = True, dropout: float = 0.5) -> Case:
    model = _network(seed, task, hidden=4, batch_norm=batch_norm, dropout=dropout).train()  # as train_epoch leaves it
    return Case(name, (model, _batches(seed + 1, task, sizes), NotingLoss(TASKS[task][1]())))


def _evaluate_cases() -> list[Case]:
    return [
        _evaluation_case("regression, batch norm and dropout, batches of 4, 4 and 2", 71, "regression", [4, 4, 2]),
        _evaluation_case("binary, batch norm and dropout, batches of 5 and 2", 72, "binary", [5, 2]),
        _evaluation_case("3 classes, batch norm, batches of 6, 6, 6 and 1", 73, "multiclass", [6, 6, 6, 1], dropout=0.0),
        _evaluation_case("random case: 3 classes, dropout, batches of 16, 16 and 7", 74, "multiclass", [16, 16, 7], batch_norm=False),
        _evaluation_case("a single batch of one example", 75, "regression", [1]),
    ]


def _evaluate_hidden_cases() -> list[Case]:
    return [
        _evaluation_case("hidden case: binary, batch norm and dropout, batches of 8, 8 and 5", 171, "binary", [8, 8, 5]),
        _evaluation_case("hidden case: regression, batch norm, batches of 2, 2 and 1", 172, "regression", [2, 2, 1], dropout=0.0),
    ]


def _evaluate_in_mode(model, loader, loss_fn):
    total, count = 0.0, 0
    with torch.no_grad():
        for X, y in loader:
            total += loss_fn(model(X), y).item() * len(X)
            count += len(X)
    return total / count


def _evaluate_with_graph(model, loader, loss_fn):
    model.eval()
    total, count = 0.0, 0
    for X, y in loader:
        total += loss_fn(model(X), y).item() * len(X)
        count += len(X)
    return total / count


def _evaluate_returning(kind: str):
    def evaluate(model, loader, loss_fn):
        model.eval()
        losses = []
        with torch.no_grad():
            for X, y in loader:
                losses.append(loss_fn(model(X), y).item())
        return losses[-1] if kind == "last" else sum(losses) / len(losses)

    return evaluate


def _evaluate_then_eval(model, loader, loss_fn):
    result = _evaluate_in_mode(model, loader, loss_fn)
    model.eval()
    return result


EVALUATION = (
    "Call model.eval() first, then compute every batch's loss inside `with torch.no_grad():`, add loss.item() * len(X) "
    "and divide by the number of examples."
)

evaluate = PropertyCheck(
    "evaluate",
    reference.evaluate,
    result_type=(float, int),
    result_description="a float: the mean loss over the loader's examples",
    wrong_type_hint=(
        "Return a plain Python number: add up loss.item(), not the loss tensors (a tensor that requires grad keeps "
        "its whole graph alive)."
    ),
    in_place=True,
    tolerance=FLOAT32,
    properties={
        "mode of the model after the call": lambda called: _mode(called.arguments[0]),
        "graph built at each forward pass (prediction.requires_grad)": Raw(lambda called: list(called.arguments[2].graph_built)),
        "no graph built: every forward pass under torch.no_grad()": Derived(
            lambda properties, case: not any(properties["graph built at each forward pass (prediction.requires_grad)"])
        ),
        "parameters and buffers after the call (evaluation must leave them unchanged)": lambda called: _state(called.arguments[0]),
        "mean loss returned": lambda called: float(called.result),
    },
    property_hints={
        "mode of the model after the call": (
            "Call model.eval() at the start: in training mode dropout drops units at random and batch norm uses the "
            "batch's statistics (and updates its running ones)."
        ),
        "no graph built: every forward pass under torch.no_grad()": (
            "Compute the predictions inside `with torch.no_grad():`: without it PyTorch records a graph for a "
            "backward pass that never comes, which costs memory and time."
        ),
        "parameters and buffers after the call (evaluation must leave them unchanged)": (
            "Call model.eval() before the loop, not after it: in training mode batch norm updates its running "
            "statistics at every forward pass."
        ),
        "mean loss returned": (
            "Return the mean loss over all the examples: add loss.item() * len(X) for each batch and divide by the "
            "number of examples (the last batch may be smaller)."
        ),
    },
    points=2,
    cases=_evaluate_cases,
    hidden_cases=_evaluate_hidden_cases,
    hint=EVALUATION,
    mistakes=[
        Mistake(
            "You returned the last batch's loss; return the mean over all examples: add loss.item() * len(X) for each "
            "batch and divide by the number of examples.",
            _evaluate_returning("last"),
        ),
        Mistake(
            "You averaged the batch losses as if every batch had the same size; weight each by its size, "
            "loss.item() * len(X), and divide by the number of examples.",
            _evaluate_returning("unweighted"),
        ),
    ],
)


# ---------------------------------------------------------------- accuracy


def _accuracy_cases(seed: int, hidden: bool) -> list[Case]:
    generator = torch.Generator().manual_seed(seed)
    if hidden:
        return [
            Case("hidden case: binary, 30 logits (N, 1)", (torch.randn(30, 1, generator=generator) * 0.6, torch.randint(0, 2, (30, 1), generator=generator).float())),
            Case("hidden case: 5 classes, 5 examples", (torch.randn(5, 5, generator=generator), torch.randint(0, 5, (5,), generator=generator))),
            Case("hidden case: 4 classes, 40 examples", (torch.randn(40, 4, generator=generator), torch.randint(0, 4, (40,), generator=generator))),
        ]
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
        Case(
            "3 classes, 3 examples: a square (3, 3) batch",
            (torch.tensor([[0.2, 1.0, 0.1], [0.9, 0.0, 0.3], [0.3, 0.1, 0.0]]), torch.tensor([1, 0, 2])),
        ),
        Case("binary: logits (N,) and labels (N,)", (torch.tensor([0.1, -0.1, 0.45, 5.0]), torch.tensor([1.0, 0.0, 0.0, 1.0]))),
        Case(
            "binary: logits (N, 1) and labels (N,)",
            (torch.tensor([[1.0], [-2.0], [0.2], [-0.3], [3.0]]), torch.tensor([1.0, 1.0, 0.0, 0.0, 1.0])),
        ),
        Case("random case: 3 classes, 50 examples", (torch.randn(50, 3, generator=generator), torch.randint(0, 3, (50,), generator=generator))),
        Case("random case: binary, 40 logits (N, 1)", (torch.randn(40, 1, generator=generator) * 0.5, torch.randint(0, 2, (40, 1), generator=generator).float())),
        Case("a single example, classified wrong", (torch.tensor([[0.1, 0.9]]), torch.tensor([0]))),
    ]


def _predicted(logits: torch.Tensor, threshold: float = 0.0, dim: int = 1) -> torch.Tensor:
    if logits.ndim == 1 or logits.shape[1] == 1:
        return (logits.reshape(-1) > threshold).long()
    return logits.argmax(dim=dim)


accuracy = Check(
    "accuracy",
    reference.accuracy,
    points=1,
    cases=lambda: _accuracy_cases(81, hidden=False),
    hidden_cases=lambda: _accuracy_cases(181, hidden=True),
    tolerance=FLOAT32,
    hint=(
        "With one logit per example, predict class 1 where the logit is above 0; with K scores, predict the class with "
        "the largest score (argmax over dim=1). Compare with y reshaped to (N,) and return the share that match as a float."
    ),
    mistakes=[
        Mistake(
            "A logit is not a probability: the probability sigmoid(z) is above 0.5 exactly where the logit z is above 0. "
            "Threshold the logits at 0 (or sigmoid(logits) at 0.5).",
            lambda logits, y: (_predicted(logits, threshold=0.5) == y.reshape(-1).long()).float().mean().item(),
        ),
        Mistake(
            "argmax over dim=0 picks, for each class, the example with the highest score; each example's class is "
            "the argmax over its own scores, dim=1.",
            lambda logits, y: (_predicted(logits, dim=0) == y.reshape(-1).long()).float().mean().item(),
        ),
        Mistake(
            "Return the share of examples classified right, between 0 and 1, not their count.",
            lambda logits, y: float((_predicted(logits) == y.reshape(-1).long()).sum().item()),
        ),
        Mistake(
            "Comparing an (N, 1) prediction with (N,) labels broadcasts to an (N, N) table: reshape both to (N,) first.",
            lambda logits, y: ((logits > 0).float() == y).float().mean().item() if logits.shape[-1] == 1 or logits.ndim == 1 else reference.accuracy(logits, y),
        ),
        Mistake(
            "Return a plain Python float: call .item() on the mean.",
            lambda logits, y: (_predicted(logits) == y.reshape(-1).long()).float().mean(),
        ),
        Mistake(
            "With a single output column, argmax is always 0: a binary model's class is 1 where its logit is above 0.",
            lambda logits, y: (logits.argmax(dim=1) == y.reshape(-1).long()).float().mean().item() if logits.ndim == 2 else reference.accuracy(logits, y),
        ),
    ],
)


# ---------------------------------------------------------------- predict_grid


def _grid_case(name: str, seed: int, task: str, points: int, *, batch_norm: bool = True, hidden: int = 4) -> Case:
    model = _network(seed, task, hidden=hidden, batch_norm=batch_norm).train()  # as training leaves it
    grid = np.random.default_rng(seed).uniform(-1, 1, size=(points, 2))
    return Case(name, (model, grid, task))


def _predict_grid_cases() -> list[Case]:
    return [
        _grid_case("regression, batch norm, 5 points", 91, "regression", 5),
        _grid_case("binary, batch norm, 6 points", 92, "binary", 6),
        _grid_case("3 classes, batch norm, 6 points", 93, "multiclass", 6),
        _grid_case("random case: binary, 40 points", 94, "binary", 40, batch_norm=False, hidden=6),
        _grid_case("random case: 3 classes, 40 points", 95, "multiclass", 40),
        _grid_case("a grid of one point", 96, "regression", 1),
    ]


def _predict_grid_hidden_cases() -> list[Case]:
    return [
        _grid_case("hidden case: binary, 25 points", 191, "binary", 25),
        _grid_case("hidden case: 3 classes, 9 points", 192, "multiclass", 9, batch_norm=False),
        _grid_case("hidden case: regression, 12 points", 193, "regression", 12),
    ]


def _outputs(model, grid, *, evaluation=True):
    if evaluation:
        model.eval()
    with torch.no_grad():
        return model(torch.as_tensor(grid, dtype=torch.float32))


def _grid_without_eval(model, grid, task):
    outputs = _outputs(model, grid, evaluation=False)
    if task == "multiclass":
        return outputs.argmax(dim=1).numpy()
    return (outputs[:, 0] if task == "regression" else torch.sigmoid(outputs[:, 0])).numpy()


def _grid_in_float64(model, grid, task):
    model.eval()
    with torch.no_grad():
        outputs = model(torch.as_tensor(grid))
    return outputs.argmax(dim=1).numpy() if task == "multiclass" else outputs[:, 0].numpy()


def _grid_logits(model, grid, task):
    outputs = _outputs(model, grid)
    return outputs.argmax(dim=1).numpy() if task == "multiclass" else outputs[:, 0].numpy()


def _grid_column(model, grid, task):
    outputs = _outputs(model, grid)
    if task == "multiclass":
        return outputs.argmax(dim=1).numpy()
    return (outputs if task == "regression" else torch.sigmoid(outputs)).numpy()


def _grid_probabilities(model, grid, task):
    outputs = _outputs(model, grid)
    if task == "multiclass":
        return torch.softmax(outputs, dim=1).max(dim=1).values.numpy()
    return (outputs[:, 0] if task == "regression" else torch.sigmoid(outputs[:, 0])).numpy()


predict_grid = Check(
    "predict_grid",
    reference.predict_grid,
    points=2,
    cases=_predict_grid_cases,
    hidden_cases=_predict_grid_hidden_cases,
    tolerance=FLOAT32,
    hint=(
        "model.eval(); inside torch.no_grad(), outputs = model(torch.as_tensor(grid, dtype=torch.float32)); then "
        "outputs[:, 0] (regression), torch.sigmoid(outputs[:, 0]) (binary) or outputs.argmax(dim=1) (multiclass), "
        "returned as a NumPy array with .numpy()."
    ),
    mistakes=[
        Mistake(
            "Call model.eval() first: in training mode batch norm normalises the grid with its own statistics, so each "
            "point's prediction depends on the other points.",
            _grid_without_eval,
        ),
        Mistake(
            "For a binary task return the probability of class 1, torch.sigmoid(logit), not the logit itself.",
            _grid_logits,
        ),
        Mistake("Return one value per point, shape (M,): take outputs[:, 0].", _grid_column),
        Mistake(
            "For a multiclass task return the index of the highest-scoring class (argmax over dim=1), not its probability.",
            _grid_probabilities,
        ),
        Mistake(
            "The grid is float64 and the model's weights are float32: convert the grid with "
            "torch.as_tensor(grid, dtype=torch.float32).",
            _grid_in_float64,
        ),
        Mistake(
            "Return a NumPy array (.numpy()), which plotting functions expect, not a tensor.",
            lambda model, grid, task: torch.as_tensor(reference.predict_grid(model, grid, task)),
        ),
    ],
)


# ---------------------------------------------------------------- predict_label


SPECIES = ["setosa", "versicolor", "virginica"]


def _pipeline_case(name: str, seed: int, labels: list[str], raw_point, *, n_in: int = 4) -> Case:
    """A classifier with batch norm, a scaler fitted on raw measurements of very different scales, and an encoder."""
    rng = np.random.default_rng(seed)
    raw_training = rng.normal(loc=np.linspace(1, 60, n_in), scale=np.linspace(0.5, 12, n_in), size=(30, n_in))
    scaler = StandardScaler().fit(raw_training)
    encoder = LabelEncoder().fit(labels)
    torch.manual_seed(seed)
    model = Net(f"{n_in}-5-{len(labels)} classifier with batch norm", nn.Linear(n_in, 5), nn.BatchNorm1d(5), nn.ReLU(), nn.Linear(5, len(labels)))
    with torch.no_grad():
        model[1].running_mean.copy_(torch.linspace(-0.3, 0.3, 5))
        model[-1].weight.mul_(4)
    model.train()
    context = {"scaler.mean_": np.round(scaler.mean_, 2), "encoder.classes_": [str(label) for label in encoder.classes_]}
    return Case(name, (model, scaler, encoder, raw_point), context=context)


def _predict_label_cases() -> list[Case]:
    rng = np.random.default_rng(97)
    return [
        _pipeline_case("three species, a raw point as a list", 97, SPECIES, [1.2, 21.0, 40.5, 61.0]),
        _pipeline_case("three species, a raw point as an array", 98, SPECIES, np.array([0.5, 25.0, 30.0, 75.0])),
        _pipeline_case("four labels, a point far from the data", 99, ["cat", "dog", "owl", "pig"], [3.0, 0.0, 80.0, 20.0]),
        _pipeline_case("random case: two labels, three inputs", 100, ["no", "yes"], rng.normal(loc=[1, 30, 60], scale=[0.5, 6, 12]).tolist(), n_in=3),
    ]


def _predict_label_hidden_cases() -> list[Case]:
    return [
        _pipeline_case("hidden case: three species", 197, SPECIES, [2.0, 15.0, 35.0, 50.0]),
        _pipeline_case("hidden case: five labels, two inputs", 198, ["a", "b", "c", "d", "e"], [0.0, 90.0], n_in=2),
    ]


def _probabilities(model, x) -> torch.Tensor:
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(torch.as_tensor(x, dtype=torch.float32)), dim=1)[0]


def _label_unscaled(model, scaler, encoder, raw_point):
    probabilities = _probabilities(model, np.asarray(raw_point, dtype=float).reshape(1, -1))
    index = int(probabilities.argmax())
    return str(encoder.classes_[index]), probabilities[index].item()


def _label_index(model, scaler, encoder, raw_point):
    probabilities = _probabilities(model, scaler.transform(np.asarray(raw_point, dtype=float).reshape(1, -1)))
    index = int(probabilities.argmax())
    return index, probabilities[index].item()


def _label_with_score(model, scaler, encoder, raw_point):
    model.eval()
    x = torch.as_tensor(scaler.transform(np.asarray(raw_point, dtype=float).reshape(1, -1)), dtype=torch.float32)
    with torch.no_grad():
        scores = model(x)[0]
    index = int(scores.argmax())
    return str(encoder.classes_[index]), scores[index].item()


def _label_with_sigmoid(model, scaler, encoder, raw_point):
    model.eval()
    x = torch.as_tensor(scaler.transform(np.asarray(raw_point, dtype=float).reshape(1, -1)), dtype=torch.float32)
    with torch.no_grad():
        probabilities = torch.sigmoid(model(x)[0])
    index = int(probabilities.argmax())
    return str(encoder.classes_[index]), probabilities[index].item()


def _label_without_eval(model, scaler, encoder, raw_point):
    x = torch.as_tensor(scaler.transform(np.asarray(raw_point, dtype=float).reshape(1, -1)), dtype=torch.float32)
    with torch.no_grad():
        probabilities = torch.softmax(model(x), dim=1)[0]
    index = int(probabilities.argmax())
    return str(encoder.classes_[index]), probabilities[index].item()


def _label_numpy_string(model, scaler, encoder, raw_point):
    label, probability = reference.predict_label(model, scaler, encoder, raw_point)
    return np.str_(label), probability


predict_label = Check(
    "predict_label",
    reference.predict_label,
    points=2,
    cases=_predict_label_cases,
    hidden_cases=_predict_label_hidden_cases,
    tolerance=FLOAT32,
    result_names=("label", "probability"),
    hint=(
        "x = scaler.transform(np.asarray(raw_point, dtype=float).reshape(1, -1)); model.eval(); inside torch.no_grad(), "
        "probabilities = torch.softmax(model(torch.as_tensor(x, dtype=torch.float32)), dim=1)[0]; the index of the "
        "largest gives the label str(encoder.inverse_transform([index])[0]) and its probability .item()."
    ),
    mistakes=[
        Mistake(
            "Scale the raw point with the scaler fitted on the training data (scaler.transform) before the model sees "
            "it: the model was trained on scaled inputs.",
            _label_unscaled,
        ),
        Mistake(
            "Return the label itself, decoded with the encoder (encoder.inverse_transform([index])[0]), not its index.",
            _label_index,
        ),
        Mistake(
            "The model returns scores (logits): turn them into probabilities with torch.softmax(..., dim=1) before "
            "reporting the probability.",
            _label_with_score,
        ),
        Mistake(
            "Use softmax, not sigmoid, for several classes: softmax makes the probabilities of all classes add up to 1.",
            _label_with_sigmoid,
        ),
        Mistake(
            "Call model.eval() before predicting: in training mode batch norm needs a batch of several examples and "
            "dropout drops units at random.",
            _label_without_eval,
        ),
        Mistake(
            "encoder.inverse_transform returns NumPy strings: convert the label with str(...).",
            _label_numpy_string,
        ),
    ],
)

EXERCISES = (train_epoch, evaluate, accuracy, predict_grid, predict_label)
progress = progress_view(EXERCISES)
