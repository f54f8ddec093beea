"""The visible side of notebook 08, the capstone: a regularised binary classifier with a Keras-like fit.

Written by the release command from autograder/exercises/binary_classifier.py; do not edit it. It holds what the
checks of the learner's install need of those exercises (their visible cases, properties and hints), and
no reference, known mistake, example answer or hidden case: see autograder.checks.recorded.
"""

import contextlib
import copy
import io
import numpy as np
import pandas as pd
import torch
from torch import nn

from autograder.checks.check import Case
from autograder.checks.compare import FLOAT32, Tolerance
from autograder.checks.probes import ForwardLog, Net, as_numbers, forward_passes, seeded, set_weights, state
from autograder.checks.properties import Property, Reading, Returns
from autograder.checks.spec import Spec


HISTORY_COLUMNS = ["loss", "val_loss", "accuracy", "val_accuracy"]


BATCH = "X (fed to your model)"


def make_classifier_cases(seed, specs, prefix):
    rng = np.random.default_rng(seed)
    cases = []
    for args, kwargs in specs:
        settings = ", ".join([f"{args[0]} features"] + [f"{key} = {value}" for key, value in kwargs.items()])
        cases.append(Case(f"{prefix}: {settings}", args, kwargs, context={BATCH: (rng.normal(size=(5, args[0])) * 2).astype(np.float32)}))
    return cases


def output_with_known_weights(called, training):
    """The output for the case's inputs with known weights: in eval mode, or in training mode with dropout switched off."""
    model = copy.deepcopy(called.result)
    set_weights(model, 5)
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0
    model.train(training)
    with torch.no_grad():
        return model(torch.as_tensor(called.case.context[BATCH], dtype=torch.float32)).numpy()


ARCHITECTURE = (
    "nn.Sequential(nn.Linear(n_features, n_hidden), nn.BatchNorm1d(n_hidden), nn.ReLU(), nn.Dropout(dropout), "
    "nn.Linear(n_hidden, 1)), with no sigmoid at the end: the model returns logits."
)


CLASSIFIER_PROPERTIES = [
    Property(
        "parameter shapes (model.parameters(), in order)",
        "The parameters are the first layer's weight (n_hidden, n_features) and bias (n_hidden,), the batch norm's "
        "scale and shift (n_hidden,) each, then the output layer's weight (1, n_hidden) and bias (1,). If your "
        "model has no parameters at all, its layers sit in a plain Python list, which PyTorch cannot see: put "
        "them in an nn.Sequential.",
        read=lambda called: [tuple(p.shape) for p in called.result.parameters()],
    ),
    Property(
        "batch-norm layers (their num_features)",
        "Put one nn.BatchNorm1d(n_hidden) right after the first linear layer.",
        read=lambda called: [m.num_features for m in called.result.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)],
    ),
    Property(
        "dropout layers (their p)",
        "Put one nn.Dropout(dropout) after the ReLU, with the probability given as `dropout`.",
        read=lambda called: [m.p for m in called.result.modules() if isinstance(m, nn.Dropout)],
    ),
    Property(
        "output shape for 5 examples",
        "The model returns one logit per example: shape (N, 1), from nn.Linear(n_hidden, 1).",
        read=lambda called: tuple(output_with_known_weights(called, training=False).shape),
    ),
    Property("output in eval mode (known weights and running statistics)", ARCHITECTURE, read=lambda called: output_with_known_weights(called, False)),
    Property("output in training mode (known weights, dropout off)", ARCHITECTURE, read=lambda called: output_with_known_weights(called, True)),
]


MAKE_CLASSIFIER = Spec(
    "make_classifier",
    ("n_features", "n_hidden", "dropout"),
    points=2,
    cases=lambda: make_classifier_cases(81, [((4,), {"n_hidden": 6, "dropout": 0.25}), ((3,), {"n_hidden": 5, "dropout": 0.5}), ((2,), {})], "case"),
    hint=ARCHITECTURE,
    properties=CLASSIFIER_PROPERTIES,
    returns=Returns(nn.Module, "a torch.nn.Module", "Return the model itself, an nn.Module (an nn.Sequential of the five layers)."),
    tolerance=FLOAT32,
)


class Recorder:
    """A callback that notes the validation loss of every epoch and never stops training."""

    def __init__(self):
        self.val_losses = []
        self.states = []

    def step(self, val_loss, model):
        self.val_losses.append(float(val_loss))
        self.states.append({name: tensor.detach().clone() for name, tensor in model.state_dict().items()})
        return False

    def __repr__(self):
        return "Recorder() (notes each val_loss, never stops, has no restore)"


class StopAndRestore(Recorder):
    """A callback that stops training after epoch `stop_after` and restores the weights of epoch `best_epoch`."""

    def __init__(self, stop_after, best_epoch):
        super().__init__()
        self.stop_after, self.best_epoch = stop_after, best_epoch

    def step(self, val_loss, model):
        super().step(val_loss, model)
        return len(self.val_losses) >= self.stop_after

    def restore(self, model):
        model.load_state_dict(self.states[self.best_epoch - 1])

    def __repr__(self):
        return f"StopAndRestore() (step returns True at epoch {self.stop_after}; restore loads epoch {self.best_epoch}'s weights)"


def clouds(seed, n, n_in):
    """Two overlapping clouds of points, one per label: (X (n, n_in) float32, y (n,) float32 0/1)."""
    generator = torch.Generator().manual_seed(seed)
    y = (torch.arange(n) % 2).float()
    return torch.randn(n, n_in, generator=generator) + (y[:, None] * 2 - 1) * 0.7, y


def plain_net(seed, n_in):
    return seeded(seed, lambda: Net(f"Linear({n_in}, 4) → ReLU → Linear(4, 1): (N, 1) logits", ForwardLog(), nn.Linear(n_in, 4), nn.ReLU(), nn.Linear(4, 1)))


def batch_norm_net(seed, n_in):
    # No bias before the batch norm: it would have no effect on the output and a gradient of pure round-off.
    return seeded(
        seed,
        lambda: Net(
            f"Linear({n_in}, 4) → BatchNorm1d(4) → ReLU → Linear(4, 1): (N, 1) logits",
            ForwardLog(), nn.Linear(n_in, 4, bias=False), nn.BatchNorm1d(4), nn.ReLU(), nn.Linear(4, 1),
        ),
    )


TRY_PRINTING = "log_every, in a second run (output captured)"


def fit_case(name, seed, net, sizes, epochs, batch_size, lr, callbacks, printing=False):
    n_train, n_val, n_in = sizes
    return Case(
        name,
        (net(seed, n_in), clouds(seed + 1, n_train, n_in), clouds(seed + 2, n_val, n_in), epochs),
        {"batch_size": batch_size, "lr": lr, "callbacks": callbacks},
        context={TRY_PRINTING: 2} if printing else {},
    )


def fit_cases():
    return [
        fit_case("mini-batches: 10 examples in batches of 4, 3 epochs, lr = 0 (the weights stay put)", 80, plain_net, (10, 6, 3), 3, 4, 0.0, []),
        fit_case("one batch of all 16 examples, 4 epochs, lr = 0.1, a model with batch norm", 81, batch_norm_net, (16, 8, 3), 4, 16, 0.1, [Recorder()]),
        fit_case(
            "a callback that stops training after epoch 3 of 8 and restores epoch 1's weights",
            82, batch_norm_net, (12, 6, 2), 8, 12, 0.1, [StopAndRestore(stop_after=3, best_epoch=1)], printing=True,
        ),
    ]


def column(name):
    return lambda called: as_numbers(called.result[name])


def recorder(called):
    """The case's Recorder callback, as the call left it, if the case has one."""
    position = len(called.case.args) + list(called.case.kwargs).index("callbacks")
    return next((callback for callback in called.arguments[position] if isinstance(callback, Recorder)), None)


def values_given_to_step(called):
    found = recorder(called)
    return None if found is None else list(found.val_losses)


def restorable_weights(called):
    """The weights a StopAndRestore callback noted at the epoch it restores."""
    found = recorder(called)
    if not isinstance(found, StopAndRestore) or len(found.states) < found.best_epoch:
        return None
    return {name: tensor.numpy().copy() for name, tensor in found.states[found.best_epoch - 1].items()}


def printed_lines(called):
    """The lines the function prints when called again on the case with log_every = 0 and = 2 (only where the case says so)."""
    if TRY_PRINTING not in called.case.context:
        return None
    lines = {}
    for log_every in (0, 2):
        args, kwargs = copy.deepcopy((called.case.args, called.case.kwargs))
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            called.function(*args, **{**kwargs, "log_every": log_every})
        lines[str(log_every)] = [line for line in printed.getvalue().splitlines() if line.strip()]
    return lines


PASSES = "forward passes (mode, gradients on, rows)"


def passes(readings, case):
    """The forward passes the model's log noted, sorted by the rows they saw: (training batches with gradients
    as lists of row numbers, the training mode of each, the (training, gradients on) modes of validation passes)."""
    train_rows = {value: row for row, value in enumerate(case.args[1][0][:, 0].tolist())}
    val_rows = set(case.args[2][0][:, 0].tolist())
    batches, batch_modes, validation_modes = [], [], []
    for training, grad, rows in readings[PASSES]:
        if rows and all(value in val_rows for value in rows):
            validation_modes.append((bool(training), bool(grad)))
        elif grad and rows and all(value in train_rows for value in rows):
            batches.append([train_rows[value] for value in rows])
            batch_modes.append(bool(training))
    return batches, batch_modes, validation_modes


def epochs_of_batches(batches, n_train):
    """The training batches grouped into epochs: each epoch takes batches until it holds n_train rows."""
    epochs, current = [], []
    for batch in batches:
        current.append(batch)
        if sum(len(rows) for rows in current) >= n_train:
            epochs.append(current)
            current = []
    return epochs + ([current] if current else [])


def epochs(readings, case):
    return epochs_of_batches(passes(readings, case)[0], len(case.args[1][1]))


def validation_in_eval_mode(readings, case):
    modes = passes(readings, case)[2]
    return bool(modes) and not any(training for training, _ in modes)


def every_example_once(readings, case):
    n_train = len(case.args[1][1])
    grouped = epochs(readings, case)
    return bool(grouped) and all(sorted(row for rows in epoch for row in rows) == list(range(n_train)) for epoch in grouped)


def shuffled(readings, case):
    orders = [[row for rows in epoch for row in rows] for epoch in epochs(readings, case)]
    return len(orders) > 1 and any(order != orders[0] for order in orders[1:])


EXAMPLE_MEAN = "the mean loss over the epoch's examples"


def what_the_loss_is(readings, case):
    """With lr = 0 the weights stay put, so each batch's loss is known: which average of them the history's loss is."""
    if case.kwargs["lr"] != 0:
        return None
    X, y = case.args[1]
    with torch.no_grad():
        logits = copy.deepcopy(case.args[0])(X).squeeze(1)
        losses = nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none").double().numpy()
    names = []
    for epoch, recorded in zip(epochs(readings, case), readings["loss"]):
        candidates = {
            EXAMPLE_MEAN: losses.mean(),
            "the loss of the epoch's last batch": losses[epoch[-1]].mean(),
            "the average of the batch losses (the small last batch counts as much as a full one)": np.mean([losses[b].mean() for b in epoch]),
        }
        names.append(next((name for name, value in candidates.items() if abs(recorded - value) <= 1e-5 * abs(value) + 1e-6), "another number"))
    if len(set(names)) == 1:
        return names[0]
    return "; ".join(f"epoch {epoch}: {name}" for epoch, name in enumerate(names, start=1))


def callback_calls(readings, case):
    given, val_loss = readings["values given to callback.step"], readings["val_loss"]
    if given is None:
        return None
    if len(given) != len(val_loss):
        return f"step called {len(given)} times in {len(val_loss)} epochs"
    if not np.allclose(given, val_loss, rtol=1e-5, atol=1e-7):
        return f"step given {np.round(given, 4).tolist()}, while the history's val_loss is {np.round(val_loss, 4).tolist()}"
    return "step called after every epoch, with that epoch's val_loss"


def restored(readings, case):
    noted = readings["weights the callback noted at the epoch it restores"]
    if noted is None:
        return None
    final = readings["weights after fit (model.state_dict())"]
    return final.keys() == noted.keys() and all(np.array_equal(final[name], noted[name]) for name in noted)


def quiet_progress(readings, case):
    lines = readings["lines printed with log_every = 0 and = 2"]
    if lines is None:
        return None
    return not lines["0"] and 1 <= len(lines["2"]) <= readings["number of rows (one per epoch run)"] // 2 + 1


FIT_STEPS = (
    "Each epoch: model.train(); shuffle (torch.randperm); for each batch: optimizer.zero_grad(), "
    "logits = model(X_batch).squeeze(1), loss = loss_fn(logits, y_batch), loss.backward(), optimizer.step(), and add "
    "loss.item() * len(batch) to the epoch's total (divide by the number of examples at the end). Use "
    "torch.optim.Adam(model.parameters(), lr=lr) and nn.BCEWithLogitsLoss(), both made once, before the first epoch."
)


VALIDATION = (
    "After each epoch's batches: model.eval(), then under torch.no_grad() compute the logits of the whole validation "
    "set, its mean loss (.item()) and its accuracy; the next epoch starts again with model.train()."
)


ACCURACY = (
    "Accuracy is the share of examples whose logit is above 0 (probability above 0.5), a fraction between 0 and 1: "
    "for `accuracy`, counted on each batch's own logits as training goes (weighted by batch size); for "
    "`val_accuracy`, on the validation logits. accuracy(logits, y) from notebook 06 computes it for one batch."
)


CALLBACKS = (
    "After each epoch (and its validation), call callback.step(val_loss, model) for every callback and stop when any "
    "returns True; after the last epoch, call callback.restore(model) on each callback that has a restore method."
)


FIT_PROPERTIES = [
    Property(
        "columns of the history",
        "The history has exactly the columns loss, val_loss, accuracy and val_accuracy, in that order.",
        read=lambda called: [str(name) for name in called.result.columns],
    ),
    Property(
        "number of rows (one per epoch run)",
        "Add one row per epoch run: `epochs` rows, or fewer when a callback's step returns True. " + CALLBACKS,
        read=lambda called: len(called.result),
    ),
    Property(
        "kind of values in each column ('f': floats; 'O': objects such as tensors)",
        "Store plain numbers (loss.item(), float(...)), not tensors: a tensor that requires grad keeps its whole computation alive.",
        read=lambda called: [called.result[name].dtype.kind for name in HISTORY_COLUMNS],
    ),
    Reading(PASSES, lambda called: forward_passes(called.arguments[0])),
    Property(
        "training batches run in training mode (model.train())",
        "Call model.train() at the start of every epoch, not only before the first: validation switches the model "
        "to eval mode, and batch norm and dropout must be in training mode while the model learns.",
        derive=lambda readings, case: all(passes(readings, case)[1]),
    ),
    Property(
        "validation passes run in eval mode (model.eval())",
        "Call model.eval() before computing the validation loss, so that dropout is off and batch norm uses its "
        "running statistics (and does not update them with validation data).",
        derive=validation_in_eval_mode,
    ),
    Property(
        "validation passes build no graph (torch.no_grad())",
        "Compute the validation logits under `with torch.no_grad():`: nothing is learned from them, so no graph is needed.",
        derive=lambda readings, case: not any(grad for _, grad in passes(readings, case)[2]),
    ),
    Property(
        "sizes of the mini-batches, epoch by epoch",
        "Split each epoch's shuffled examples into batches of batch_size rows; the last batch holds what is left.",
        derive=lambda readings, case: [[len(rows) for rows in epoch] for epoch in epochs(readings, case)],
    ),
    Property(
        "every training example used once per epoch",
        "Each epoch goes through a permutation of all the training rows (torch.randperm(len(X))), each row once.",
        derive=every_example_once,
    ),
    Property(
        "examples shuffled (a new order every epoch)",
        "Shuffle the training examples at the start of every epoch (order = torch.randperm(len(X)), a new one each "
        "epoch), so that the batches differ from epoch to epoch.",
        derive=shuffled,
    ),
    Property(
        "meaning of the loss column (checked with lr = 0)",
        "An epoch's loss is the mean over all its examples: add up loss.item() * len(batch) over the batches and "
        "divide by the number of examples (a batch's loss is already the mean over its examples).",
        derive=what_the_loss_is,
    ),
    Property("loss", FIT_STEPS, read=column("loss")),
    Property("accuracy", ACCURACY, read=column("accuracy")),
    Property("val_loss", VALIDATION, read=column("val_loss")),
    Property("val_accuracy", ACCURACY, read=column("val_accuracy")),
    Reading("values given to callback.step", values_given_to_step),
    Property("calls of callback.step", CALLBACKS, derive=callback_calls),
    Reading("weights the callback noted at the epoch it restores", restorable_weights),
    Property(
        "weights restored by the callback's restore(model) when training ends",
        "When training ends, call callback.restore(model) on every callback that has a restore method: that is how "
        "EarlyStopping brings back the weights of its best epoch.",
        derive=restored,
    ),
    Property("weights after fit (model.state_dict())", FIT_STEPS, read=lambda called: state(called.arguments[0])),
    Reading("lines printed with log_every = 0 and = 2", printed_lines),
    Property(
        "progress shown in at most one line every log_every epochs, and none with log_every = 0",
        "With log_every = k > 0, print one short line after every k-th epoch (if epoch % log_every == 0), no more; "
        "with log_every = 0 print nothing.",
        derive=quiet_progress,
    ),
]


FIT = Spec(
    "fit",
    ("model", "train", "val", "epochs", "batch_size", "lr", "callbacks", "log_every"),
    points=4,
    cases=fit_cases,
    hint=FIT_STEPS,
    properties=FIT_PROPERTIES,
    returns=Returns(pd.DataFrame, "a pandas DataFrame", "Collect one dict per epoch in a list and return pd.DataFrame(rows)."),
    tolerance=Tolerance(rtol=1e-4, atol=1e-6),
    seeded=True,
)


def readable_model():
    """logit = 2·x0 − x1 + 0.5, after a Dropout(0.5) layer that is only active in training mode."""
    model = Net("Dropout(0.5) → Linear(2, 1): logit = 2·x0 − x1 + 0.5", ForwardLog(), nn.Dropout(0.5), nn.Linear(2, 1))
    with torch.no_grad():
        model[2].weight.copy_(torch.tensor([[2.0, -1.0]]))
        model[2].bias.copy_(torch.tensor([0.5]))
    return model


def first_input_model():
    """logit = x0, after a Dropout(0.5) layer that is only active in training mode."""
    model = Net("Dropout(0.5) → Linear(2, 1): logit = x0", ForwardLog(), nn.Dropout(0.5), nn.Linear(2, 1))
    with torch.no_grad():
        model[2].weight.copy_(torch.tensor([[1.0, 0.0]]))
        model[2].bias.zero_()
    return model


def regularised_model(seed, n_in):
    """A trained-looking classifier with batch norm and dropout."""
    model = seeded(
        seed,
        lambda: Net(
            f"Linear({n_in}, 6) → BatchNorm1d(6) → ReLU → Dropout(0.5) → Linear(6, 1)",
            ForwardLog(), nn.Linear(n_in, 6), nn.BatchNorm1d(6), nn.ReLU(), nn.Dropout(0.5), nn.Linear(6, 1),
        ),
    )
    return set_weights(model, seed, scale=1.5)


def inputs(seed, n, n_in):
    return torch.randn(n, n_in, generator=torch.Generator().manual_seed(seed)) * 1.5


def predict_proba_cases():
    return [
        Case(
            "logit = 2·x0 − x1 + 0.5, after a Dropout(0.5) layer; 4 examples",
            (readable_model(), torch.tensor([[0.0, 0.0], [1.0, 0.0], [-2.0, 1.0], [3.0, -4.0]])),
        ),
        Case("random case: 3 inputs, batch norm and dropout, 6 examples", (regularised_model(83, 3), inputs(84, 6, 3))),
        Case("a single example, batch norm and dropout", (regularised_model(85, 4), inputs(86, 1, 4))),
    ]


def eval_mode(readings, case):
    return bool(readings[PASSES]) and not any(training for training, _, _ in readings[PASSES])


EVAL_MODE_HINT = (
    "Call model.eval() before the forward pass: in training mode dropout zeroes random units and batch norm "
    "normalises with the statistics of this very batch, so predictions would change from call to call."
)


PREDICT_PROBA_PROPERTIES = [
    Reading(PASSES, lambda called: forward_passes(called.arguments[0])),
    Property("forward pass in eval mode (model.eval())", EVAL_MODE_HINT, derive=eval_mode),
    Property(
        "no graph built (forward pass under torch.no_grad())",
        "Run the forward pass under `with torch.no_grad():`. Detaching the result afterwards is too late: the graph has been built by then.",
        derive=lambda readings, case: not any(grad for _, grad, _ in readings[PASSES]),
    ),
    Property(
        "shape",
        "Return one probability per example, shape (N,): flatten the model's (N, 1) output with .squeeze(1).",
        read=lambda called: tuple(called.result.shape),
    ),
    Property(
        "every value between 0 and 1",
        "The model returns logits; the probabilities are torch.sigmoid(logits).",
        derive=lambda readings, case: bool(np.all((readings["probabilities"] >= 0) & (readings["probabilities"] <= 1))),
    ),
    Property(
        "probabilities",
        "The probabilities are torch.sigmoid(model(X)), in eval mode, flattened to shape (N,).",
        read=lambda called: called.result.detach().numpy().copy(),
    ),
]


PREDICT_PROBA = Spec(
    "predict_proba",
    ("model", "X"),
    points=2,
    cases=predict_proba_cases,
    hint="model.eval(); with torch.no_grad(): return torch.sigmoid(model(X)).squeeze(1).",
    properties=PREDICT_PROBA_PROPERTIES,
    returns=Returns(torch.Tensor, "a torch.Tensor of shape (N,)", "Return a torch tensor of probabilities (torch.sigmoid of the logits), not a NumPy array or a list."),
    tolerance=FLOAT32,
)


def predict_classes_cases():
    X = torch.tensor([[-2.0, 1.0], [-0.2, 3.0], [0.2, -1.0], [0.4, 0.0], [3.0, 2.0]])
    return [
        Case("logit = x0 (probabilities 0.12, 0.45, 0.55, 0.60, 0.95), after a Dropout(0.5) layer", (first_input_model(), X)),
        Case(
            "a probability of exactly 0.5, the threshold (logit x0 = 0)",
            (first_input_model(), torch.tensor([[0.0, 1.0], [1.0, 0.0]])),
            hint="A probability equal to the threshold is not above it: its label is 0. Compare with > threshold, not >=.",
        ),
        Case("the same, threshold = 0.8", (first_input_model(), X.clone()), {"threshold": 0.8}),
        Case("the same, threshold = 0.3", (first_input_model(), X.clone()), {"threshold": 0.3}),
        Case("random case: 3 inputs, batch norm and dropout, 8 examples", (regularised_model(87, 3), inputs(88, 8, 3))),
    ]


PREDICT_CLASSES_PROPERTIES = [
    Reading(PASSES, lambda called: forward_passes(called.arguments[0])),
    Property("forward pass in eval mode (model.eval())", EVAL_MODE_HINT + " predict_proba does it: use it.", derive=eval_mode),
    Property("shape", "Return one label per example, shape (N,).", read=lambda called: tuple(called.result.shape)),
    Property(
        "dtype of the labels (int64)",
        "Turn the comparison's booleans into int64 labels with .long(): labels are the integers 0 and 1.",
        read=lambda called: str(called.result.dtype),
    ),
    Property(
        "labels",
        "Label 1 where predict_proba(model, X) is above the threshold, 0 elsewhere.",
        read=lambda called: called.result.detach().numpy().copy(),
    ),
]


PREDICT_CLASSES = Spec(
    "predict_classes",
    ("model", "X", "threshold"),
    points=1,
    cases=predict_classes_cases,
    hint="return (predict_proba(model, X) > threshold).long()",
    properties=PREDICT_CLASSES_PROPERTIES,
    returns=Returns(torch.Tensor, "a torch.Tensor of shape (N,) holding 0/1 integer labels", "Return a torch tensor of labels, for example (probabilities > threshold).long()."),
    uses=("predict_proba",),
)


SPECS = (MAKE_CLASSIFIER, FIT, PREDICT_PROBA, PREDICT_CLASSES,)  # in notebook order
