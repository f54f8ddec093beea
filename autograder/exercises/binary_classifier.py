"""Notebook 08, the capstone: a regularised binary classifier with a Keras-like fit.

The models these checks hand to a learner's function start with a `ForwardLog`
(autograder.checks.probes), a layer that passes its input on unchanged and
notes how each forward pass ran: in training or eval mode, with or without
gradients, and on which rows. What the log holds, the history, the weights and
what callbacks were given are read where the function runs; every conclusion
("validation ran in eval mode", "each epoch used every example once") is
derived from them wherever the check judges.
"""

import contextlib
import copy
import io
from collections import OrderedDict

import numpy as np
import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from autograder.checks.check import Case
from autograder.checks.compare import FLOAT32, Tolerance
from autograder.checks.probes import ForwardLog, Net, as_numbers, forward_passes, seeded, set_weights, state
from autograder.checks.properties import Property, Reading, Returns
from autograder.exercises import Exercise, Mistake, Wrong
from autograder.exercises.pytorch_training import accuracy  # notebook 06

HISTORY_COLUMNS = ["loss", "val_loss", "accuracy", "val_accuracy"]

# ---------------------------------------------------------------- make_classifier


def make_classifier(n_features, n_hidden=32, dropout=0.3):
    """A one-hidden-layer binary classifier with batch normalisation and dropout.

    Inputs:
        n_features: the number of input columns D.
        n_hidden: the number of hidden units H.
        dropout: the probability that dropout zeroes a hidden unit while training.
    Returns:
        the layers Linear(D, H), BatchNorm1d(H), ReLU(), Dropout(dropout), Linear(H, 1), in this
        order, in an nn.Sequential (or an nn.Module of your own): it maps (N, D) inputs to (N, 1)
        logits, with no sigmoid at the end.
    """
    return nn.Sequential(
        nn.Linear(n_features, n_hidden),
        nn.BatchNorm1d(n_hidden),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(n_hidden, 1),
    )


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


def ends_with_a_sigmoid(n_features, n_hidden=32, dropout=0.3):
    return nn.Sequential(make_classifier(n_features, n_hidden, dropout), nn.Sigmoid())


def leaves_out_the_batch_norm(n_features, n_hidden=32, dropout=0.3):
    return nn.Sequential(nn.Linear(n_features, n_hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(n_hidden, 1))


def normalises_after_the_relu(n_features, n_hidden=32, dropout=0.3):
    return nn.Sequential(nn.Linear(n_features, n_hidden), nn.ReLU(), nn.BatchNorm1d(n_hidden), nn.Dropout(dropout), nn.Linear(n_hidden, 1))


def drops_with_a_fixed_probability(n_features, n_hidden=32, dropout=0.3):
    return make_classifier(n_features, n_hidden, 0.5)


def make_classifier_with_named_layers(n_features, n_hidden=32, dropout=0.3):
    layers = OrderedDict(
        hidden=nn.Linear(n_features, n_hidden),
        norm=nn.BatchNorm1d(n_hidden),
        relu=nn.ReLU(),
        drop=nn.Dropout(p=dropout),
        output=nn.Linear(n_hidden, 1),
    )
    return nn.Sequential(layers)


class Classifier(nn.Module):
    def __init__(self, n_features, n_hidden, dropout):
        super().__init__()
        self.fc1 = nn.Linear(n_features, n_hidden)
        self.bn1 = nn.BatchNorm1d(n_hidden)
        self.dropout = nn.Dropout(dropout)
        self.fc2 = nn.Linear(n_hidden, 1)

    def forward(self, x):
        return self.fc2(self.dropout(torch.relu(self.bn1(self.fc1(x)))))


def make_classifier_as_a_class(n_features, n_hidden=32, dropout=0.3):
    return Classifier(n_features, n_hidden, dropout)


def make_classifier_with_two_outputs(n_features, n_hidden=32, dropout=0.3):
    return nn.Sequential(nn.Linear(n_features, n_hidden), nn.BatchNorm1d(n_hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(n_hidden, 2))


class ListClassifier(nn.Module):
    def __init__(self, n_features, n_hidden, dropout):
        super().__init__()
        self.layers = [nn.Linear(n_features, n_hidden), nn.BatchNorm1d(n_hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(n_hidden, 1)]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def make_classifier_in_a_plain_list(n_features, n_hidden=32, dropout=0.3):
    return ListClassifier(n_features, n_hidden, dropout)


MAKE_CLASSIFIER = Exercise(
    make_classifier,
    points=2,
    cases=lambda: make_classifier_cases(81, [((4,), {"n_hidden": 6, "dropout": 0.25}), ((3,), {"n_hidden": 5, "dropout": 0.5}), ((2,), {})], "case"),
    hidden_cases=lambda seed: make_classifier_cases(seed, [((7,), {"n_hidden": 3, "dropout": 0.1}), ((1,), {"n_hidden": 8})], "hidden case"),
    hint=ARCHITECTURE,
    properties=CLASSIFIER_PROPERTIES,
    returns=Returns(nn.Module, "a torch.nn.Module", "Return the model itself, an nn.Module (an nn.Sequential of the five layers)."),
    tolerance=FLOAT32,
    mistakes=[
        Mistake(
            ends_with_a_sigmoid,
            "Leave out the final sigmoid: the model returns logits, and BCEWithLogitsLoss applies the sigmoid itself "
            "(with a sigmoid in the model, it would be applied twice).",
        ),
        Mistake(leaves_out_the_batch_norm, "Add an nn.BatchNorm1d(n_hidden) between the first linear layer and the ReLU."),
        Mistake(normalises_after_the_relu, "Normalise before the activation: Linear → BatchNorm1d → ReLU, not Linear → ReLU → BatchNorm1d."),
        Mistake(drops_with_a_fixed_probability, "Use the `dropout` argument as the probability of nn.Dropout, not a fixed number."),
    ],
    right=[make_classifier_with_named_layers, make_classifier_as_a_class],
    wrong=[
        Wrong(make_classifier_with_two_outputs, "then the output layer's weight (1, n_hidden)"),
        Wrong(make_classifier_in_a_plain_list, "a plain Python list"),
    ],
)

# ---------------------------------------------------------------- fit


def shuffled_batches(n, batch_size):
    """The rows of one epoch in a new random order, cut into batches of batch_size (the last holds what is left)."""
    order = torch.randperm(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]


def train_on_batch(model, X, y, optimizer, loss_fn):
    """One optimizer step on one mini-batch; its mean loss and accuracy, measured on its logits before the step."""
    optimizer.zero_grad()
    logits = model(X).squeeze(1)
    loss = loss_fn(logits, y)
    loss.backward()
    optimizer.step()
    return loss.item(), accuracy(logits, y), len(y)


def epoch_means(results):
    """The mean loss and accuracy over an epoch's examples, from each batch's (loss, accuracy, size)."""
    count = sum(size for _, _, size in results)
    return sum(loss * size for loss, _, size in results) / count, sum(correct * size for _, correct, size in results) / count


def train_one_epoch(model, X, y, batch_size, optimizer, loss_fn):
    """One epoch of mini-batch training, in training mode; its mean loss and accuracy."""
    model.train()
    return epoch_means([train_on_batch(model, X[batch], y[batch], optimizer, loss_fn) for batch in shuffled_batches(len(X), batch_size)])


def validate(model, X, y, loss_fn):
    """The loss and accuracy of the whole validation set, in eval mode and without building a graph."""
    model.eval()
    with torch.no_grad():
        logits = model(X).squeeze(1)
        return loss_fn(logits, y).item(), accuracy(logits, y)


def report(epoch, row, log_every):
    """One short line after every log_every-th epoch."""
    if log_every and epoch % log_every == 0:
        print(f"epoch {epoch:3d}: loss {row['loss']:.4f}, val_loss {row['val_loss']:.4f}, val_accuracy {row['val_accuracy']:.3f}")


def should_stop(callbacks, row, model):
    """Whether any callback, given the epoch's validation loss, says to stop."""
    return any([callback.step(row["val_loss"], model) for callback in callbacks])


def end_training(callbacks, model):
    """Let every callback that can restore the model's best weights."""
    for callback in callbacks:
        if hasattr(callback, "restore"):
            callback.restore(model)


def fit(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    """Train a binary classifier with Adam and BCEWithLogitsLoss, as Keras's model.fit does.

    Inputs:
        model: maps (N, D) float inputs to (N, 1) logits.
        train, val: (X, y) pairs; X a (N, D) float32 tensor, y a (N,) float32 tensor of 0/1 labels.
        epochs: the number of epochs to run, unless a callback stops training sooner.
        batch_size: the examples per mini-batch; each epoch shuffles the training examples, and
            its last batch holds what is left.
        lr: Adam's learning rate.
        callbacks: objects with step(val_loss, model) -> bool, called after every epoch with
            that epoch's validation loss (True: stop training); when training ends, restore(model)
            is called on each callback that has it.
        log_every: print one short line after every log_every-th epoch; 0 prints nothing.
    Returns:
        a pandas DataFrame with one row per epoch run and the columns loss, val_loss, accuracy and
        val_accuracy: the training loss and accuracy over the epoch's examples (each batch measured
        on its own logits, in training mode, and weighted by its size), and the validation loss and
        accuracy after the epoch, in eval mode and without gradients.
    """
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    rows = []
    for epoch in range(1, epochs + 1):
        loss, training_accuracy = train_one_epoch(model, *train, batch_size, optimizer, loss_fn)
        val_loss, val_accuracy = validate(model, *val, loss_fn)
        rows.append({"loss": loss, "val_loss": val_loss, "accuracy": training_accuracy, "val_accuracy": val_accuracy})
        report(epoch, rows[-1], log_every)
        if should_stop(callbacks, rows[-1], model):
            break
    end_training(callbacks, model)
    return pd.DataFrame(rows, columns=HISTORY_COLUMNS)


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


def fit_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    stop_after = int(rng.integers(3, 10))
    best_epoch = int(rng.integers(1, stop_after + 1))
    return [
        fit_case("hidden case: 7 examples in batches of 3, 3 epochs, lr = 0", seed, plain_net, (7, 5, 2), 3, 3, 0.0, [Recorder()]),
        fit_case("hidden case: one batch of 12 examples, 5 epochs, lr = 0.05", seed + 10, batch_norm_net, (12, 10, 4), 5, 12, 0.05, [], printing=True),
        fit_case(
            f"hidden case: a callback that stops training after epoch {stop_after} of 10 and restores epoch {best_epoch}'s weights, lr = 0.3",
            seed + 20, batch_norm_net, (12, 8, 3), 10, 12, 0.3, [StopAndRestore(stop_after=stop_after, best_epoch=best_epoch)],
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


def never_zeroes_the_gradients(model, X, y, optimizer, loss_fn):
    logits = model(X).squeeze(1)
    loss = loss_fn(logits, y)
    loss.backward()
    optimizer.step()
    return loss.item(), accuracy(logits, y), len(y)


def keeps_the_logit_column(model, X, y, optimizer, loss_fn):
    optimizer.zero_grad()
    logits = model(X)
    loss = loss_fn(logits, y)
    loss.backward()
    optimizer.step()
    return loss.item(), accuracy(logits, y), len(y)


def counts_logits_above_a_half(logits, y):
    return ((logits > 0.5).float() == y).float().mean().item()


def compares_a_logit_column_with_the_labels(logits, y):
    return ((logits[:, None] > 0).float() == y).float().mean().item()


def restores_every_callback(callbacks, model):
    for callback in callbacks:
        callback.restore(model)


def validates_in_training_mode(model, X, y, loss_fn):
    with torch.no_grad():
        logits = model(X).squeeze(1)
        return loss_fn(logits, y).item(), accuracy(logits, y)


def validates_with_a_graph(model, X, y, loss_fn):
    model.eval()
    logits = model(X).squeeze(1)
    return loss_fn(logits, y).item(), accuracy(logits, y)


def stores_the_validation_loss_tensor(model, X, y, loss_fn):
    model.eval()
    logits = model(X).squeeze(1)
    return loss_fn(logits, y), accuracy(logits, y)


def trains_in_whatever_mode_the_model_is_in(model, X, y, batch_size, optimizer, loss_fn):
    return epoch_means([train_on_batch(model, X[batch], y[batch], optimizer, loss_fn) for batch in shuffled_batches(len(X), batch_size)])


def records_the_last_batch(results):
    loss, correct, _ = results[-1]
    return loss, correct


def averages_the_batch_means(results):
    return np.mean([loss for loss, _, _ in results]), np.mean([correct for _, correct, _ in results])


def keeps_the_order(n, batch_size):
    order = torch.arange(n)
    return [order[start : start + batch_size] for start in range(0, n, batch_size)]


def takes_one_batch_of_everything(n, batch_size):
    return [torch.randperm(n)]


def prints_every_epoch(epoch, row, log_every):
    print(f"epoch {epoch}: val_loss {row['val_loss']:.3f}")


def prints_even_with_log_every_zero(epoch, row, log_every):
    if epoch % max(log_every, 1) == 0:
        print(f"epoch {epoch}: val_loss {row['val_loss']:.3f}")


def never_stops(callbacks, row, model):
    for callback in callbacks:
        callback.step(row["val_loss"], model)
    return False


def gives_the_callbacks_the_training_loss(callbacks, row, model):
    return any([callback.step(row["loss"], model) for callback in callbacks])


def never_restores(callbacks, model):
    pass


def fit_without_callbacks(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return fit(model, train, val, epochs, batch_size, lr, (), log_every)


def fit_returning_a_dict(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return fit(model, train, val, epochs, batch_size, lr, callbacks, log_every).to_dict("list")


def fit_in_one_loop(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    X, y = train
    X_val, y_val = val
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(X))
        loss_sum, correct = 0.0, 0
        for start in range(0, len(X), batch_size):
            rows = order[start : start + batch_size]
            optimizer.zero_grad()
            logits = model(X[rows]).squeeze(1)
            loss = loss_fn(logits, y[rows])
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(rows)
            correct += ((logits > 0).float() == y[rows]).sum().item()
        model.eval()
        with torch.no_grad():
            val_logits = model(X_val).squeeze(1)
            val_loss = loss_fn(val_logits, y_val).item()
            val_correct = ((val_logits > 0).float() == y_val).sum().item()
        history.append({"loss": loss_sum / len(X), "val_loss": val_loss, "accuracy": correct / len(X), "val_accuracy": val_correct / len(X_val)})
        if log_every > 0 and epoch % log_every == 0:
            print(f"epoch {epoch}: loss {loss_sum / len(X):.3f}, val_loss {val_loss:.3f}")
        stop = False
        for callback in callbacks:
            if callback.step(val_loss, model):
                stop = True
        if stop:
            break
    for callback in callbacks:
        if hasattr(callback, "restore"):
            callback.restore(model)
    return pd.DataFrame(history)


def fit_with_a_data_loader(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    loader = DataLoader(TensorDataset(*train), batch_size=batch_size, shuffle=True)
    X_val, y_val = val
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    criterion = nn.BCEWithLogitsLoss(reduction="sum")
    history = {"loss": [], "val_loss": [], "accuracy": [], "val_accuracy": []}
    for epoch in range(epochs):
        model.train()
        total, right, seen = 0.0, 0.0, 0
        for X_batch, y_batch in loader:
            optimizer.zero_grad()
            logits = model(X_batch).view(-1)
            loss = criterion(logits, y_batch) / len(y_batch)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y_batch)
            right += accuracy(logits, y_batch) * len(y_batch)
            seen += len(y_batch)
        model.eval()
        with torch.no_grad():
            val_logits = model(X_val).view(-1)
            val_loss = criterion(val_logits, y_val).item() / len(y_val)
        for name, value in zip(history, (total / seen, val_loss, right / seen, accuracy(val_logits, y_val))):
            history[name].append(value)
        if log_every and (epoch + 1) % log_every == 0:
            print(f"{epoch + 1:4d} {val_loss:.4f}")
        if any([callback.step(val_loss, model) for callback in callbacks]):
            break
    for callback in callbacks:
        if getattr(callback, "restore", None):
            callback.restore(model)
    return pd.DataFrame(history)


FIT = Exercise(
    fit,
    points=4,
    cases=fit_cases,
    hidden_cases=fit_hidden_cases,
    hint=FIT_STEPS,
    properties=FIT_PROPERTIES,
    returns=Returns(pd.DataFrame, "a pandas DataFrame", "Collect one dict per epoch in a list and return pd.DataFrame(rows)."),
    tolerance=Tolerance(rtol=1e-4, atol=1e-6),
    seeded=True,  # fit shuffles with torch's global random numbers
    mistakes=[
        Mistake(
            never_zeroes_the_gradients,
            "Your gradients are never reset, so each step uses the sum of all the earlier gradients: call "
            "optimizer.zero_grad() before every loss.backward().",
            replacing=train_on_batch,
        ),
        Mistake(
            keeps_the_logit_column,
            "The model returns logits of shape (N, 1) and the labels have shape (N,): flatten the logits with .squeeze(1) before the loss.",
            replacing=train_on_batch,
        ),
        Mistake(
            counts_logits_above_a_half,
            "Your accuracy compares logits with 0.5, but the model returns logits, not probabilities: a probability above 0.5 is a logit above 0.",
            replacing=accuracy,
        ),
        Mistake(
            compares_a_logit_column_with_the_labels,
            "Your accuracy compares a column of logits (N, 1) with labels (N,): broadcasting makes that an (N, N) "
            "comparison. Flatten the logits first (.squeeze(1)).",
            replacing=accuracy,
        ),
        Mistake(
            restores_every_callback,
            "Not every callback has a restore method: call it only on those that do (if hasattr(callback, 'restore')).",
            replacing=end_training,
        ),
    ],
    right=[fit_in_one_loop, fit_with_a_data_loader],
    wrong=[
        Wrong(validates_in_training_mode, "Call model.eval() before computing the validation loss", replacing=validate),
        Wrong(trains_in_whatever_mode_the_model_is_in, "Call model.train() at the start of every epoch", replacing=train_one_epoch),
        Wrong(validates_with_a_graph, "nothing is learned from them", replacing=validate),
        Wrong(records_the_last_batch, "the loss of the epoch's last batch", replacing=epoch_means),
        Wrong(averages_the_batch_means, "the average of the batch losses", replacing=epoch_means),
        Wrong(fit_without_callbacks, "step called 0 times"),
        Wrong(never_stops, "fewer when a callback's step returns True", replacing=should_stop),
        Wrong(never_restores, "that is how EarlyStopping brings back", replacing=end_training),
        Wrong(gives_the_callbacks_the_training_loss, "while the history's val_loss is", replacing=should_stop),
        Wrong(keeps_the_order, "a new one each epoch", replacing=shuffled_batches),
        Wrong(takes_one_batch_of_everything, "the last batch holds what is left", replacing=shuffled_batches),
        Wrong(prints_every_epoch, "print one short line after every k-th epoch", replacing=report),
        Wrong(prints_even_with_log_every_zero, "with log_every = 0 print nothing", replacing=report),
        Wrong(stores_the_validation_loss_tensor, "Store plain numbers", replacing=validate),
        Wrong(fit_returning_a_dict, "return pd.DataFrame(rows)"),
    ],
)

# ---------------------------------------------------------------- predict_proba and predict_classes


def predict_proba(model, X):
    """The model's probability of label 1 for every example.

    Inputs:
        model: maps (N, D) inputs to (N, 1) logits; put it in eval mode here.
        X: (N, D) float32 tensor.
    Returns:
        (N,) float32 tensor of probabilities, the sigmoid of the logits, computed under torch.no_grad().
    """
    model.eval()
    with torch.no_grad():
        return torch.sigmoid(model(X)).squeeze(1)


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


def predict_proba_hidden_cases(seed):
    return [
        Case("hidden case: 5 inputs, 20 examples", (regularised_model(seed, 5), inputs(seed + 1, 20, 5))),
        Case("hidden case: 2 examples", (regularised_model(seed + 2, 2), inputs(seed + 3, 2, 2))),
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


def returns_the_logits(model, X):
    model.eval()
    with torch.no_grad():
        return model(X).squeeze(1)


def returns_a_column_of_probabilities(model, X):
    model.eval()
    with torch.no_grad():
        return torch.sigmoid(model(X))


def takes_a_softmax_over_the_batch(model, X):
    model.eval()
    with torch.no_grad():
        return torch.softmax(model(X), dim=0).squeeze(1)


def predict_proba_step_by_step(model, X):
    model.eval()
    with torch.no_grad():
        logits = model(X)
    return torch.sigmoid(logits).squeeze(1)


def predict_proba_in_inference_mode(model, X):
    model.train(False)
    with torch.inference_mode():
        return torch.sigmoid(model(X).view(-1))


def predict_proba_in_training_mode(model, X):
    with torch.no_grad():
        return torch.sigmoid(model(X)).squeeze(1)


def predict_proba_detached_afterwards(model, X):
    model.eval()
    return torch.sigmoid(model(X)).squeeze(1).detach()


def predict_proba_in_numpy(model, X):
    model.eval()
    with torch.no_grad():
        return torch.sigmoid(model(X)).squeeze(1).numpy()


PREDICT_PROBA = Exercise(
    predict_proba,
    points=2,
    cases=predict_proba_cases,
    hidden_cases=predict_proba_hidden_cases,
    hint="model.eval(); with torch.no_grad(): return torch.sigmoid(model(X)).squeeze(1).",
    properties=PREDICT_PROBA_PROPERTIES,
    returns=Returns(torch.Tensor, "a torch.Tensor of shape (N,)", "Return a torch tensor of probabilities (torch.sigmoid of the logits), not a NumPy array or a list."),
    tolerance=FLOAT32,
    mistakes=[
        Mistake(returns_the_logits, "Those are the logits: apply torch.sigmoid to turn them into probabilities."),
        Mistake(returns_a_column_of_probabilities, "Return shape (N,), not (N, 1): flatten the probabilities with .squeeze(1)."),
        Mistake(
            takes_a_softmax_over_the_batch,
            "A softmax over the batch makes the probabilities of all the examples add up to 1 together; each "
            "example's own probability is the sigmoid of its logit.",
        ),
    ],
    right=[predict_proba_step_by_step, predict_proba_in_inference_mode],
    wrong=[
        Wrong(predict_proba_in_training_mode, "Call model.eval() before the forward pass"),
        Wrong(predict_proba_detached_afterwards, "Detaching the result afterwards is too late"),
        Wrong(predict_proba_in_numpy, "not a NumPy array"),
    ],
)


def predict_classes(model, X, threshold=0.5):
    """The predicted label of every example: 1 where its probability is above the threshold.

    Inputs:
        model: maps (N, D) inputs to (N, 1) logits.
        X: (N, D) float32 tensor.
        threshold: the probability above which an example gets label 1.
    Returns:
        (N,) int64 tensor of 0/1 labels.
    """
    return (predict_proba(model, X) > threshold).long()


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


def predict_classes_hidden_cases(seed):
    return [
        Case("hidden case: 4 inputs, 15 examples, threshold = 0.7", (regularised_model(seed, 4), inputs(seed + 1, 15, 4)), {"threshold": 0.7}),
        Case("hidden case: a single example", (regularised_model(seed + 2, 2), inputs(seed + 3, 1, 2))),
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


def compares_the_logits_with_the_threshold(model, X, threshold=0.5):
    model.eval()
    with torch.no_grad():
        return (model(X).squeeze(1) > threshold).long()


def always_uses_a_half(model, X, threshold=0.5):
    return (predict_proba(model, X) > 0.5).long()


def labels_the_probabilities_below(model, X, threshold=0.5):
    return (predict_proba(model, X) < threshold).long()


def returns_booleans(model, X, threshold=0.5):
    return predict_proba(model, X) > threshold


def returns_floats(model, X, threshold=0.5):
    return (predict_proba(model, X) > threshold).float()


def predict_classes_with_where(model, X, threshold=0.5):
    probabilities = predict_proba(model, X)
    return torch.where(probabilities > threshold, 1, 0)


def labels_the_threshold_itself_1(model, X, threshold=0.5):
    return (predict_proba(model, X) >= threshold).long()


def predict_classes_as_int32(model, X, threshold=0.5):
    return (predict_proba(model, X) > threshold).int()


def predict_classes_in_training_mode(model, X, threshold=0.5):
    with torch.no_grad():
        return (torch.sigmoid(model(X)).squeeze(1) > threshold).long()


PREDICT_CLASSES = Exercise(
    predict_classes,
    points=1,
    cases=predict_classes_cases,
    hidden_cases=predict_classes_hidden_cases,
    hint="return (predict_proba(model, X) > threshold).long()",
    properties=PREDICT_CLASSES_PROPERTIES,
    returns=Returns(torch.Tensor, "a torch.Tensor of shape (N,) holding 0/1 integer labels", "Return a torch tensor of labels, for example (probabilities > threshold).long()."),
    uses=[predict_proba],
    mistakes=[
        Mistake(
            compares_the_logits_with_the_threshold,
            "You compared the logits with the threshold, but the threshold is a probability: compare "
            "predict_proba(model, X) with it (a logit of 0.3 is a probability of 0.57).",
        ),
        Mistake(always_uses_a_half, "Use the `threshold` argument instead of always 0.5."),
        Mistake(labels_the_probabilities_below, "Label 1 goes to probabilities above the threshold, not below it."),
        Mistake(returns_booleans, "Those are booleans: turn them into integer labels 0 and 1 with .long()."),
        Mistake(returns_floats, "Those are floats (0.0 and 1.0): labels are integers, made with .long()."),
    ],
    right=[predict_classes_with_where],
    wrong=[
        Wrong(predict_classes_in_training_mode, "Call model.eval() before the forward pass"),
        Wrong(labels_the_threshold_itself_1, "Compare with > threshold, not >="),
        Wrong(predict_classes_as_int32, "int64 labels with .long()"),
    ],
)
