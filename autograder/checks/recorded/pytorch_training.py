"""The visible side of notebook 06, training with PyTorch: train_epoch, evaluate, accuracy, predict_grid, predict_label.

Written by the release command from autograder/exercises/pytorch_training.py; do not edit it. It holds what the
checks of the learner's install need of those exercises (their visible cases, properties and hints), and
no reference, known mistake, example answer or hidden case: see autograder.checks.recorded.
"""

import numpy as np
import torch
from sklearn.preprocessing import LabelEncoder, StandardScaler
from torch import nn

from autograder.checks.check import Case
from autograder.checks.compare import FLOAT32
from autograder.checks.probes import Adam, Batches, ForwardLog, Net, NotingLoss, SGD, forward_passes, mode, state
from autograder.checks.properties import Property, Reading, Returns
from autograder.checks.spec import Spec


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


TRAIN_EPOCH = Spec(
    "train_epoch",
    ("model", "loader", "loss_fn", "optimizer"),
    points=3,
    cases=train_epoch_cases,
    hint=TRAINING_STEPS + " " + EPOCH_MEAN,
    properties=TRAIN_EPOCH_PROPERTIES,
    returns=Returns(
        (float, int),
        "a float: the epoch's mean loss",
        "Return a plain Python number: add up loss.item() (not the loss tensor, which keeps its whole graph alive) and return the mean.",
    ),
    changes_its_inputs=True,
    tolerance=FLOAT32,
)


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


EVALUATE = Spec(
    "evaluate",
    ("model", "loader", "loss_fn"),
    points=2,
    cases=evaluate_cases,
    hint="Call model.eval() first, then compute every batch's loss inside `with torch.no_grad():`, add loss.item() * len(X) "
        "and divide by the number of examples.",
    properties=EVALUATE_PROPERTIES,
    returns=Returns(
        (float, int),
        "a float: the mean loss over the loader's examples",
        "Return a plain Python number: add up loss.item(), not the loss tensors (a tensor that requires grad keeps its whole graph alive).",
    ),
    changes_its_inputs=True,
    tolerance=FLOAT32,
)


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


ACCURACY = Spec(
    "accuracy",
    ("logits", "y"),
    points=1,
    cases=accuracy_cases,
    tolerance=FLOAT32,
    hint="With one logit per example, predict class 1 where the logit is above 0; with K scores, predict the class with "
        "the largest score (argmax over dim=1). Compare with y reshaped to (N,) and return the share that match as a float.",
)


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


PREDICT_GRID = Spec(
    "predict_grid",
    ("model", "grid", "task"),
    points=2,
    cases=predict_grid_cases,
    properties=PREDICT_GRID_PROPERTIES,
    returns=Returns(np.ndarray, "a NumPy array of shape (M,)", "Return a NumPy array (.numpy()), which plotting functions expect."),
    tolerance=FLOAT32,
    hint="model.eval(); inside torch.no_grad(), outputs = model(torch.as_tensor(grid, dtype=torch.float32)); then "
        "outputs[:, 0] (regression), torch.sigmoid(outputs[:, 0]) (binary) or outputs.argmax(dim=1) (multiclass), "
        "returned as a NumPy array with .numpy().",
)


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


PREDICT_LABEL = Spec(
    "predict_label",
    ("model", "scaler", "encoder", "raw_point"),
    points=2,
    cases=predict_label_cases,
    tolerance=FLOAT32,
    result_names=("label", "probability"),
    hint="x = scaler.transform(np.asarray(raw_point, dtype=float).reshape(1, -1)); model.eval(); inside torch.no_grad(), "
        "probabilities = torch.softmax(model(torch.as_tensor(x, dtype=torch.float32)), dim=1)[0]; the index of the "
        "largest gives the label str(encoder.inverse_transform([index])[0]) and its probability .item().",
)


SPECS = (TRAIN_EPOCH, EVALUATE, ACCURACY, PREDICT_GRID, PREDICT_LABEL,)  # in notebook order
