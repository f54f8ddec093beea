"""Checks for notebook 08, the capstone: a regularised binary classifier with a Keras-like fit.

The models these checks hand to a learner's function start with a `ForwardLog`,
a layer that passes its input on unchanged and notes how each forward pass ran:
in training or eval mode, with or without gradients, and on which rows. What
the log holds, the history, the weights and what callbacks were given are read
in the learner's kernel; every conclusion ("validation ran in eval mode", "each
epoch used every example once") is drawn from them outside it (`Derived`).
"""

from __future__ import annotations

import contextlib
import copy
import functools
import io

import numpy as np
import pandas as pd
import torch
from torch import nn

from autograder.checks.check import Case, Mistake
from autograder.checks.compare import FLOAT32, Tolerance
from autograder.checks.properties import Called, Derived, PropertyCheck, Raw
from autograder.checks.progress import progress_view
from autograder.references import binary_classifier as reference
from autograder.references.regularisation import EarlyStopping

COLUMNS = reference.HISTORY_COLUMNS


class ForwardLog(nn.Module):
    """Passes its input on unchanged, noting for each forward pass the mode, whether gradients are on, and the rows."""

    def __init__(self):
        super().__init__()
        self.passes: list[tuple[bool, bool, list[float]]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.passes.append((self.training, torch.is_grad_enabled(), x[:, 0].detach().tolist()))
        return x

    def extra_repr(self) -> str:
        return "notes how each forward pass runs"


class Net(nn.Sequential):
    """The model a case hands to the learner's function: an nn.Sequential that a message describes in one line."""

    def __init__(self, summary: str, *layers: nn.Module):
        super().__init__(ForwardLog(), *layers)
        self.summary = summary

    def __repr__(self) -> str:
        return self.summary


def _log_of(model: nn.Module) -> list:
    """Every forward pass the model's ForwardLog noted: [training, gradients on, first column of the rows]."""
    return [[training, grad, rows] for log in model.modules() if isinstance(log, ForwardLog) for training, grad, rows in log.passes]


def _seeded(seed: int, build):
    """What `build()` makes with the global random numbers seeded, leaving the notebook's random state as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def _set_weights(model: nn.Module, seed: int, scale: float = 1.0) -> nn.Module:
    """Known, seeded weights for every linear and batch-norm layer, and running statistics that are not the defaults."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Linear):
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * scale)
                if module.bias is not None:
                    module.bias.copy_(torch.randn(module.bias.shape, generator=generator) * scale)
            elif isinstance(module, nn.BatchNorm1d):
                module.weight.copy_(1 + 0.3 * torch.randn(module.weight.shape, generator=generator))
                module.bias.copy_(0.3 * torch.randn(module.bias.shape, generator=generator))
                module.running_mean.copy_(torch.randn(module.running_mean.shape, generator=generator))
                module.running_var.copy_(0.5 + torch.rand(module.running_var.shape, generator=generator))
    return model


# ---------------------------------------------------------------- make_classifier


def _classifier_output(called: Called, training: bool) -> np.ndarray:
    """The output for the case's inputs with known weights: in eval mode, or in training mode with dropout switched off."""
    model = copy.deepcopy(called.result)
    _set_weights(model, 5)
    for module in model.modules():
        if isinstance(module, nn.Dropout):
            module.p = 0.0
    model.train(training)
    with torch.no_grad():
        return model(torch.as_tensor(called.case.context["X (fed to your model)"], dtype=torch.float32)).numpy()


def _make_classifier_cases(seed: int, specs: list[tuple[tuple, dict]], prefix: str) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for args, kwargs in specs:
        settings = ", ".join([f"{args[0]} features"] + [f"{key} = {value}" for key, value in kwargs.items()]) or "defaults"
        X = (rng.normal(size=(5, args[0])) * 2).astype(np.float32)
        cases.append(Case(f"{prefix}: {settings}", args, kwargs, context={"X (fed to your model)": X}))
    return cases


def _classifier(n_features, n_hidden=32, dropout=0.3, *, order=("linear", "norm", "relu", "drop", "out"), p=None):
    """The reference architecture with its layers rearranged or changed, for the known mistakes."""
    layers = {
        "linear": lambda: nn.Linear(n_features, n_hidden),
        "norm": lambda: nn.BatchNorm1d(n_hidden),
        "relu": nn.ReLU,
        "drop": lambda: nn.Dropout(dropout if p is None else p),
        "out": lambda: nn.Linear(n_hidden, 1),
        "sigmoid": nn.Sigmoid,
    }
    return nn.Sequential(*(layers[name]() for name in order))


ARCHITECTURE = (
    "nn.Sequential(nn.Linear(n_features, n_hidden), nn.BatchNorm1d(n_hidden), nn.ReLU(), nn.Dropout(dropout), "
    "nn.Linear(n_hidden, 1)), with no sigmoid at the end: the model returns logits."
)

make_classifier = PropertyCheck(
    "make_classifier",
    reference.make_classifier,
    result_type=nn.Module,
    result_description="a torch.nn.Module",
    wrong_type_hint="Return the model itself, an nn.Module (an nn.Sequential of the five layers).",
    tolerance=FLOAT32,
    properties={
        "parameter shapes (model.parameters(), in order)": lambda called: [tuple(p.shape) for p in called.result.parameters()],
        "batch-norm layers (their num_features)": lambda called: [
            m.num_features for m in called.result.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)
        ],
        "dropout layers (their p)": lambda called: [m.p for m in called.result.modules() if isinstance(m, nn.Dropout)],
        "output shape for 5 examples": lambda called: tuple(_classifier_output(called, training=False).shape),
        "output in eval mode (known weights and running statistics)": lambda called: _classifier_output(called, training=False),
        "output in training mode (known weights, dropout off)": lambda called: _classifier_output(called, training=True),
    },
    property_hints={
        "parameter shapes (model.parameters(), in order)": (
            "The parameters are the first layer's weight (n_hidden, n_features) and bias (n_hidden,), the batch norm's "
            "scale and shift (n_hidden,) each, then the output layer's weight (1, n_hidden) and bias (1,). If your "
            "model has no parameters at all, its layers sit in a plain Python list, which PyTorch cannot see: put "
            "them in an nn.Sequential."
        ),
        "batch-norm layers (their num_features)": "Put one nn.BatchNorm1d(n_hidden) right after the first linear layer.",
        "dropout layers (their p)": "Put one nn.Dropout(dropout) after the ReLU, with the probability given as `dropout`.",
        "output shape for 5 examples": "The model returns one logit per example: shape (N, 1), from nn.Linear(n_hidden, 1).",
        "output in eval mode (known weights and running statistics)": ARCHITECTURE,
        "output in training mode (known weights, dropout off)": ARCHITECTURE,
    },
    points=2,
    cases=lambda: _make_classifier_cases(81, [((4,), {"n_hidden": 6, "dropout": 0.25}), ((3,), {"n_hidden": 5, "dropout": 0.5}), ((2,), {})], "case"),
    hidden_cases=lambda: _make_classifier_cases(181, [((7,), {"n_hidden": 3, "dropout": 0.1}), ((1,), {"n_hidden": 8})], "hidden case"),
    hint=ARCHITECTURE,
    mistakes=[
        Mistake(
            "Leave out the final sigmoid: the model returns logits, and BCEWithLogitsLoss applies the sigmoid itself "
            "(with a sigmoid in the model, it would be applied twice).",
            functools.partial(_classifier, order=("linear", "norm", "relu", "drop", "out", "sigmoid")),
        ),
        Mistake(
            "Add an nn.BatchNorm1d(n_hidden) between the first linear layer and the ReLU.",
            functools.partial(_classifier, order=("linear", "relu", "drop", "out")),
        ),
        Mistake(
            "Normalise before the activation: Linear → BatchNorm1d → ReLU, not Linear → ReLU → BatchNorm1d.",
            functools.partial(_classifier, order=("linear", "relu", "norm", "drop", "out")),
        ),
        Mistake(
            "Use the `dropout` argument as the probability of nn.Dropout, not a fixed number.",
            functools.partial(_classifier, p=0.5),
        ),
    ],
)


# ---------------------------------------------------------------- fit


class Recorder:
    """A callback that notes the validation loss of every epoch and never stops training."""

    def __init__(self):
        self.val_losses: list[float] = []
        self.states: list[dict] = []

    def step(self, val_loss: float, model: nn.Module) -> bool:
        self.val_losses.append(float(val_loss))
        self.states.append({name: tensor.detach().clone() for name, tensor in model.state_dict().items()})
        return False

    def __repr__(self) -> str:
        return "Recorder() (notes each val_loss, never stops, has no restore)"


class StopAndRestore(Recorder):
    """A callback that stops training after epoch `stop_after` and restores the weights of epoch `best_epoch`."""

    def __init__(self, stop_after: int, best_epoch: int):
        super().__init__()
        self.stop_after, self.best_epoch = stop_after, best_epoch

    def step(self, val_loss: float, model: nn.Module) -> bool:
        super().step(val_loss, model)
        return len(self.val_losses) >= self.stop_after

    def restore(self, model: nn.Module) -> None:
        model.load_state_dict(self.states[self.best_epoch - 1])

    def __repr__(self) -> str:
        return f"StopAndRestore() (step returns True at epoch {self.stop_after}; restore loads epoch {self.best_epoch}'s weights)"


def _clouds(seed: int, n: int, n_in: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Two overlapping clouds of points, one per label: (X (n, n_in) float32, y (n,) float32 0/1)."""
    generator = torch.Generator().manual_seed(seed)
    y = (torch.arange(n) % 2).float()
    X = torch.randn(n, n_in, generator=generator) + (y[:, None] * 2 - 1) * 0.7
    return X, y


def _plain_net(seed: int, n_in: int) -> nn.Sequential:
    return _seeded(seed, lambda: Net(f"Linear({n_in}, 4) → ReLU → Linear(4, 1): (N, 1) logits", nn.Linear(n_in, 4), nn.ReLU(), nn.Linear(4, 1)))


def _batch_norm_net(seed: int, n_in: int) -> nn.Sequential:
    # No bias before the batch norm: it would have no effect on the output and a gradient of pure round-off.
    return _seeded(
        seed,
        lambda: Net(
            f"Linear({n_in}, 4) → BatchNorm1d(4) → ReLU → Linear(4, 1): (N, 1) logits",
            nn.Linear(n_in, 4, bias=False),
            nn.BatchNorm1d(4),
            nn.ReLU(),
            nn.Linear(4, 1),
        ),
    )


TRY_PRINTING = "log_every, in a second run (output captured)"


class EarlyStoppingOfNotebook07(EarlyStopping):
    """The EarlyStopping of notebook 07, described by its settings in messages."""

    def __repr__(self) -> str:
        return f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta})"


def _fit_case(
    name: str, seed: int, net, sizes: tuple[int, int, int], epochs: int, batch_size: int, lr: float, callbacks: list, printing: bool = False
) -> Case:
    n_train, n_val, n_in = sizes
    return Case(
        name,
        (net(seed, n_in), _clouds(seed + 1, n_train, n_in), _clouds(seed + 2, n_val, n_in), epochs),
        {"batch_size": batch_size, "lr": lr, "callbacks": callbacks},
        context={TRY_PRINTING: 2} if printing else {},
    )


def _fit_cases() -> list[Case]:
    return [
        _fit_case(
            "mini-batches: 10 examples in batches of 4, 3 epochs, lr = 0 (the weights stay put)",
            80, _plain_net, (10, 6, 3), 3, 4, 0.0, [],
        ),
        _fit_case(
            "one batch of all 16 examples, 4 epochs, lr = 0.1, a model with batch norm",
            81, _batch_norm_net, (16, 8, 3), 4, 16, 0.1, [Recorder()],
        ),
        _fit_case(
            "a callback that stops training after epoch 3 of 8 and restores epoch 1's weights",
            82, _batch_norm_net, (12, 6, 2), 8, 12, 0.1, [StopAndRestore(stop_after=3, best_epoch=1)], printing=True,
        ),
    ]


def _fit_hidden_cases() -> list[Case]:
    return [
        _fit_case("hidden case: 7 examples in batches of 3, 3 epochs, lr = 0", 180, _plain_net, (7, 5, 2), 3, 3, 0.0, [Recorder()]),
        _fit_case("hidden case: one batch of 12 examples, 5 epochs, lr = 0.05", 181, _batch_norm_net, (12, 10, 4), 5, 12, 0.05, [], printing=True),
        _fit_case(
            "hidden case: EarlyStopping(patience=2) over up to 10 epochs, lr = 0.3",
            182, _batch_norm_net, (12, 8, 3), 10, 12, 0.3, [EarlyStoppingOfNotebook07(patience=2)],
        ),
    ]


def _column(name: str):
    def read(called: Called) -> np.ndarray:
        return np.asarray([float(value) for value in called.result[name]])

    return read


def _weights(model: nn.Module) -> dict[str, np.ndarray]:
    return {name: tensor.detach().numpy().copy() for name, tensor in model.state_dict().items()}


def _recorder(called: Called) -> Recorder | None:
    """The case's Recorder callback, as the call left it, if the case has one."""
    position = len(called.case.args) + list(called.case.kwargs).index("callbacks")
    return next((callback for callback in called.arguments[position] if isinstance(callback, Recorder)), None)


def _callback_values(called: Called) -> list[float] | None:
    recorder = _recorder(called)
    return None if recorder is None else list(recorder.val_losses)


def _restorable_weights(called: Called) -> dict | None:
    """The weights a StopAndRestore callback noted at the epoch it restores."""
    recorder = _recorder(called)
    if not isinstance(recorder, StopAndRestore) or len(recorder.states) < recorder.best_epoch:
        return None
    return {name: tensor.numpy().copy() for name, tensor in recorder.states[recorder.best_epoch - 1].items()}


def _printed_lines(called: Called) -> list[str] | None:
    """The lines the function prints when called again on the case with log_every = 2 (only where the case says so)."""
    if TRY_PRINTING not in called.case.context:
        return None
    args, kwargs = copy.deepcopy((called.case.args, called.case.kwargs))
    printed = io.StringIO()
    with contextlib.redirect_stdout(printed):
        called.function(*args, **{**kwargs, "log_every": 2})
    return [line for line in printed.getvalue().splitlines() if line.strip()]


def _passes(properties, case: Case) -> tuple[list, list, list]:
    """The forward passes the model's log noted, sorted by the rows they saw: (training batches with gradients
    as lists of row numbers, the training mode of each, the (training, gradients on) modes of validation passes)."""
    train_rows = {value: row for row, value in enumerate(case.args[1][0][:, 0].tolist())}
    val_rows = set(case.args[2][0][:, 0].tolist())
    batches, batch_modes, validation_modes = [], [], []
    for training, grad, rows in properties["forward passes (mode, gradients on, rows)"]:
        if rows and all(value in val_rows for value in rows):
            validation_modes.append((bool(training), bool(grad)))
        elif grad and rows and all(value in train_rows for value in rows):
            batches.append([train_rows[value] for value in rows])
            batch_modes.append(bool(training))
    return batches, batch_modes, validation_modes


def _epochs_of_batches(batches: list[list[int]], n_train: int) -> list[list[list[int]]]:
    """The training batches grouped into epochs: each epoch takes batches until it holds n_train rows."""
    epochs, current = [], []
    for batch in batches:
        current.append(batch)
        if sum(len(rows) for rows in current) >= n_train:
            epochs.append(current)
            current = []
    return epochs + ([current] if current else [])


def _epochs(properties, case: Case) -> list[list[list[int]]]:
    return _epochs_of_batches(_passes(properties, case)[0], len(case.args[1][1]))


def _validation_in_eval_mode(properties, case: Case) -> bool:
    modes = _passes(properties, case)[2]
    return bool(modes) and not any(training for training, _ in modes)


def _every_example_once(properties, case: Case) -> bool:
    n_train = len(case.args[1][1])
    epochs = _epochs(properties, case)
    return bool(epochs) and all(sorted(row for rows in epoch for row in rows) == list(range(n_train)) for epoch in epochs)


def _shuffled(properties, case: Case) -> bool:
    orders = [[row for rows in epoch for row in rows] for epoch in _epochs(properties, case)]
    return len(orders) > 1 and any(order != orders[0] for order in orders[1:])


EXAMPLE_MEAN = "the mean loss over the epoch's examples"


def _what_the_loss_is(properties, case: Case) -> str | None:
    """With lr = 0 the weights stay put, so each batch's loss is known: which average of them the history's loss is."""
    if case.kwargs["lr"] != 0:
        return None
    X, y = case.args[1]
    with torch.no_grad():
        logits = copy.deepcopy(case.args[0])(X).squeeze(1)
        losses = nn.functional.binary_cross_entropy_with_logits(logits, y, reduction="none").double().numpy()
    names = []
    for epoch, recorded in zip(_epochs(properties, case), properties["loss"]):
        candidates = {
            EXAMPLE_MEAN: losses.mean(),
            "the loss of the epoch's last batch": losses[epoch[-1]].mean(),
            "the average of the batch losses (the small last batch counts as much as a full one)": np.mean([losses[b].mean() for b in epoch]),
        }
        names.append(next((name for name, value in candidates.items() if abs(recorded - value) <= 1e-5 * abs(value) + 1e-6), "another number"))
    if len(set(names)) == 1:
        return names[0]
    return "; ".join(f"epoch {epoch}: {name}" for epoch, name in enumerate(names, start=1))


def _callback_calls(properties, case: Case) -> str | None:
    given, val_loss = properties["values given to callback.step"], properties["val_loss"]
    if given is None:
        return None
    if len(given) != len(val_loss):
        return f"step called {len(given)} times in {len(val_loss)} epochs"
    if not np.allclose(given, val_loss, rtol=1e-5, atol=1e-7):
        return f"step given {np.round(given, 4).tolist()}, while the history's val_loss is {np.round(val_loss, 4).tolist()}"
    return "step called after every epoch, with that epoch's val_loss"


def _restored(properties, case: Case) -> bool | None:
    noted = properties["weights the callback noted at the epoch it restores"]
    if noted is None:
        return None
    final = properties["weights after fit (model.state_dict())"]
    return final.keys() == noted.keys() and all(np.array_equal(final[name], noted[name]) for name in noted)


def _quiet_progress(properties, case: Case) -> bool | None:
    lines = properties["lines printed with log_every = 2"]
    if lines is None:
        return None
    return 1 <= len(lines) <= properties["number of rows (one per epoch run)"] // 2 + 1


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


def _flawed_fit(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0, *, flaw: str):
    """The reference fit with one known mistake."""
    X_train, y_train = train
    X_val, y_val = val
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    rows = []
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(X_train))
        total_loss, total_correct = 0.0, 0.0
        for start in range(0, len(order), batch_size):
            batch = order[start : start + batch_size]
            if flaw != "no zero_grad":
                optimizer.zero_grad()
            logits = model(X_train[batch]) if flaw == "no squeeze" else model(X_train[batch]).squeeze(1)
            loss = loss_fn(logits, y_train[batch])
            loss.backward()
            optimizer.step()
            total_loss += loss.item() * len(batch)
            if flaw == "logits above 0.5":
                total_correct += ((logits > 0.5).float() == y_train[batch]).sum().item()
            elif flaw == "broadcast accuracy":
                total_correct += ((logits[:, None] > 0).float() == y_train[batch]).float().mean().item() * len(batch)
            else:
                total_correct += ((logits > 0).float() == y_train[batch]).sum().item()
        model.eval()
        with torch.no_grad():
            val_logits = model(X_val).squeeze(1)
            val_loss = loss_fn(val_logits, y_val).item()
        threshold = 0.5 if flaw == "logits above 0.5" else 0.0
        val_accuracy = ((val_logits > threshold).float() == y_val).float().mean().item()
        rows.append({"loss": total_loss / len(order), "val_loss": val_loss, "accuracy": total_correct / len(order), "val_accuracy": val_accuracy})
        if log_every and epoch % log_every == 0:
            print(f"epoch {epoch}: loss {rows[-1]['loss']:.4f}, val_loss {val_loss:.4f}")
        if any([callback.step(val_loss, model) for callback in callbacks]):
            break
    for callback in callbacks:
        if flaw == "restore without asking" or hasattr(callback, "restore"):
            callback.restore(model)
    return pd.DataFrame(rows, columns=COLUMNS)


class SeededCheck(PropertyCheck):
    """A PropertyCheck that calls the function on one thread, with the global random numbers seeded alike on every case.

    fit shuffles with torch's global random numbers, and the order of the rows, like the number of threads, changes
    its results in the last bits. Running every call the same way makes a result independent of what ran before it
    and of where the check runs (the learner's kernel or the grader), and leaves the notebook's random state as it was.
    """

    def collect(self, function, case: Case):
        threads = torch.get_num_threads()
        torch.set_num_threads(1)
        try:
            with torch.random.fork_rng(devices=[]):
                torch.manual_seed(0)
                return super().collect(function, case)
        finally:
            torch.set_num_threads(threads)


def _fit_mistake(flaw: str, hint: str) -> Mistake:
    return Mistake(hint, functools.partial(_flawed_fit, flaw=flaw))


fit = SeededCheck(
    "fit",
    reference.fit,
    result_type=pd.DataFrame,
    result_description="a pandas DataFrame",
    wrong_type_hint="Collect one dict per epoch in a list and return pd.DataFrame(rows).",
    tolerance=Tolerance(rtol=1e-4, atol=1e-6),
    properties={
        "columns of the history": lambda called: [str(column) for column in called.result.columns],
        "number of rows (one per epoch run)": lambda called: len(called.result),
        "kind of values in each column ('f': floats; 'O': objects such as tensors)": lambda called: [
            called.result[column].dtype.kind for column in COLUMNS
        ],
        "forward passes (mode, gradients on, rows)": Raw(lambda called: _log_of(called.arguments[0])),
        "training batches run in training mode (model.train())": Derived(lambda properties, case: all(_passes(properties, case)[1])),
        "validation passes run in eval mode (model.eval())": Derived(_validation_in_eval_mode),
        "validation passes build no graph (torch.no_grad())": Derived(
            lambda properties, case: not any(grad for _, grad in _passes(properties, case)[2])
        ),
        "sizes of the mini-batches, epoch by epoch": Derived(
            lambda properties, case: [[len(rows) for rows in epoch] for epoch in _epochs(properties, case)]
        ),
        "every training example used once per epoch": Derived(_every_example_once),
        "examples shuffled (a new order every epoch)": Derived(_shuffled),
        "meaning of the loss column (checked with lr = 0)": Derived(_what_the_loss_is),
        "loss": _column("loss"),
        "accuracy": _column("accuracy"),
        "val_loss": _column("val_loss"),
        "val_accuracy": _column("val_accuracy"),
        "values given to callback.step": Raw(_callback_values),
        "calls of callback.step": Derived(_callback_calls),
        "weights the callback noted at the epoch it restores": Raw(_restorable_weights),
        "weights restored by the callback's restore(model) when training ends": Derived(_restored),
        "weights after fit (model.state_dict())": lambda called: _weights(called.arguments[0]),
        "lines printed with log_every = 2": Raw(_printed_lines),
        "progress shown in at most one line every log_every epochs": Derived(_quiet_progress),
    },
    property_hints={
        "columns of the history": "The history has exactly the columns loss, val_loss, accuracy and val_accuracy, in that order.",
        "number of rows (one per epoch run)": "Add one row per epoch run: `epochs` rows, or fewer when a callback's step returns True. " + CALLBACKS,
        "kind of values in each column ('f': floats; 'O': objects such as tensors)": (
            "Store plain numbers (loss.item(), float(...)), not tensors: a tensor that requires grad keeps its "
            "whole computation alive."
        ),
        "training batches run in training mode (model.train())": (
            "Call model.train() at the start of every epoch, not only before the first: validation switches the model "
            "to eval mode, and batch norm and dropout must be in training mode while the model learns."
        ),
        "validation passes run in eval mode (model.eval())": (
            "Call model.eval() before computing the validation loss, so that dropout is off and batch norm uses its "
            "running statistics (and does not update them with validation data)."
        ),
        "validation passes build no graph (torch.no_grad())": (
            "Compute the validation logits under `with torch.no_grad():`: nothing is learned from them, so no graph is needed."
        ),
        "sizes of the mini-batches, epoch by epoch": (
            "Split each epoch's shuffled examples into batches of batch_size rows; the last batch holds what is left."
        ),
        "every training example used once per epoch": (
            "Each epoch goes through a permutation of all the training rows (torch.randperm(len(X))), each row once."
        ),
        "examples shuffled (a new order every epoch)": (
            "Shuffle the training examples at the start of every epoch (order = torch.randperm(len(X)), a new one each "
            "epoch), so that the batches differ from epoch to epoch."
        ),
        "meaning of the loss column (checked with lr = 0)": (
            "An epoch's loss is the mean over all its examples: add up loss.item() * len(batch) over the batches and "
            "divide by the number of examples (a batch's loss is already the mean over its examples)."
        ),
        "loss": FIT_STEPS,
        "accuracy": ACCURACY,
        "val_loss": VALIDATION,
        "val_accuracy": ACCURACY,
        "calls of callback.step": CALLBACKS,
        "weights after fit (model.state_dict())": FIT_STEPS,
        "weights restored by the callback's restore(model) when training ends": (
            "When training ends, call callback.restore(model) on every callback that has a restore method: that is how "
            "EarlyStopping brings back the weights of its best epoch."
        ),
        "progress shown in at most one line every log_every epochs": (
            "With log_every = k > 0, print one short line after every k-th epoch (if epoch % log_every == 0), no more; "
            "with log_every = 0 print nothing."
        ),
    },
    points=4,
    cases=_fit_cases,
    hidden_cases=_fit_hidden_cases,
    hint=FIT_STEPS,
    mistakes=[
        _fit_mistake(
            "no zero_grad",
            "Your gradients are never reset, so each step uses the sum of all the earlier gradients: call "
            "optimizer.zero_grad() before every loss.backward().",
        ),
        _fit_mistake(
            "no squeeze",
            "The model returns logits of shape (N, 1) and the labels have shape (N,): flatten the logits with "
            ".squeeze(1) before the loss.",
        ),
        _fit_mistake(
            "logits above 0.5",
            "Your accuracy compares logits with 0.5, but the model returns logits, not probabilities: a probability "
            "above 0.5 is a logit above 0.",
        ),
        _fit_mistake(
            "broadcast accuracy",
            "Your accuracy compares a column of logits (N, 1) with labels (N,): broadcasting makes that an (N, N) "
            "comparison. Flatten the logits first (.squeeze(1)).",
        ),
        _fit_mistake(
            "restore without asking",
            "Not every callback has a restore method: call it only on those that do (if hasattr(callback, 'restore')).",
        ),
    ],
)


# ---------------------------------------------------------------- predict_proba and predict_classes


def _readable_model() -> nn.Sequential:
    """logit = 2·x0 − x1 + 0.5, after a Dropout(0.5) layer that is only active in training mode."""
    model = Net("Dropout(0.5) → Linear(2, 1): logit = 2·x0 − x1 + 0.5 (given in training mode)", nn.Dropout(0.5), nn.Linear(2, 1))
    with torch.no_grad():
        model[2].weight.copy_(torch.tensor([[2.0, -1.0]]))
        model[2].bias.copy_(torch.tensor([0.5]))
    return model


def _first_input_model() -> nn.Sequential:
    """logit = x0, after a Dropout(0.5) layer that is only active in training mode."""
    model = Net("Dropout(0.5) → Linear(2, 1): logit = x0 (given in training mode)", nn.Dropout(0.5), nn.Linear(2, 1))
    with torch.no_grad():
        model[2].weight.copy_(torch.tensor([[1.0, 0.0]]))
        model[2].bias.zero_()
    return model


def _regularised_model(seed: int, n_in: int) -> nn.Sequential:
    """A trained-looking classifier with batch norm and dropout, handed over in training mode."""
    model = _seeded(
        seed,
        lambda: Net(
            f"Linear({n_in}, 6) → BatchNorm1d(6) → ReLU → Dropout(0.5) → Linear(6, 1) (given in training mode)",
            nn.Linear(n_in, 6),
            nn.BatchNorm1d(6),
            nn.ReLU(),
            nn.Dropout(0.5),
            nn.Linear(6, 1),
        ),
    )
    return _set_weights(model, seed, scale=1.5)


def _inputs(seed: int, n: int, n_in: int) -> torch.Tensor:
    return torch.randn(n, n_in, generator=torch.Generator().manual_seed(seed)) * 1.5


def _predict_proba_cases() -> list[Case]:
    return [
        Case(
            "logit = 2·x0 − x1 + 0.5, after a Dropout(0.5) layer; 4 examples",
            (_readable_model(), torch.tensor([[0.0, 0.0], [1.0, 0.0], [-2.0, 1.0], [3.0, -4.0]])),
        ),
        Case("random case: 3 inputs, batch norm and dropout, 6 examples", (_regularised_model(83, 3), _inputs(84, 6, 3))),
        Case("a single example, batch norm and dropout", (_regularised_model(85, 4), _inputs(86, 1, 4))),
    ]


def _predict_proba_hidden_cases() -> list[Case]:
    return [
        Case("hidden case: 5 inputs, 20 examples", (_regularised_model(183, 5), _inputs(184, 20, 5))),
        Case("hidden case: 2 examples", (_regularised_model(185, 2), _inputs(186, 2, 2))),
    ]


def _eval_mode(properties, case: Case) -> bool:
    passes = properties["forward passes (mode, gradients on, rows)"]
    return bool(passes) and not any(training for training, _, _ in passes)


def _no_graph(properties, case: Case) -> bool:
    return not any(grad for _, grad, _ in properties["forward passes (mode, gradients on, rows)"])


def _values(called: Called) -> np.ndarray:
    return called.result.detach().numpy().copy()


EVAL_MODE_HINT = (
    "Call model.eval() before the forward pass: in training mode dropout zeroes random units and batch norm "
    "normalises with the statistics of this very batch, so predictions would change from call to call."
)


def _probabilities(model, X, *, flaw: str):
    """The reference predict_proba with one known mistake."""
    model.eval()
    with contextlib.nullcontext() if flaw == "no no_grad" else torch.no_grad():
        logits = model(X)
    if flaw == "logits":
        return logits.squeeze(1).detach()
    if flaw == "softmax":
        return torch.softmax(logits, dim=0).squeeze(1).detach()
    probabilities = torch.sigmoid(logits).detach()
    return probabilities if flaw == "column" else probabilities.squeeze(1)


predict_proba = PropertyCheck(
    "predict_proba",
    reference.predict_proba,
    result_type=torch.Tensor,
    result_description="a torch.Tensor of shape (N,)",
    wrong_type_hint="Return a torch tensor of probabilities (torch.sigmoid of the logits), not a NumPy array or a list.",
    tolerance=FLOAT32,
    properties={
        "forward passes (mode, gradients on, rows)": Raw(lambda called: _log_of(called.arguments[0])),
        "forward pass in eval mode (model.eval())": Derived(_eval_mode),
        "no graph built (forward pass under torch.no_grad())": Derived(_no_graph),
        "shape": lambda called: tuple(called.result.shape),
        "every value between 0 and 1": Derived(
            lambda properties, case: bool(np.all((properties["probabilities"] >= 0) & (properties["probabilities"] <= 1)))
        ),
        "probabilities": _values,
    },
    property_hints={
        "forward pass in eval mode (model.eval())": EVAL_MODE_HINT,
        "no graph built (forward pass under torch.no_grad())": (
            "Run the forward pass under `with torch.no_grad():`. Detaching the result afterwards is too late: the "
            "graph has been built by then."
        ),
        "shape": "Return one probability per example, shape (N,): flatten the model's (N, 1) output with .squeeze(1).",
        "every value between 0 and 1": "The model returns logits; the probabilities are torch.sigmoid(logits).",
        "probabilities": "The probabilities are torch.sigmoid(model(X)), in eval mode, flattened to shape (N,).",
    },
    points=2,
    cases=_predict_proba_cases,
    hidden_cases=_predict_proba_hidden_cases,
    hint="model.eval(); with torch.no_grad(): return torch.sigmoid(model(X)).squeeze(1).",
    mistakes=[
        Mistake("Those are the logits: apply torch.sigmoid to turn them into probabilities.", functools.partial(_probabilities, flaw="logits")),
        Mistake("Return shape (N,), not (N, 1): flatten the probabilities with .squeeze(1).", functools.partial(_probabilities, flaw="column")),
        Mistake(
            "A softmax over the batch makes the probabilities of all the examples add up to 1 together; each "
            "example's own probability is the sigmoid of its logit.",
            functools.partial(_probabilities, flaw="softmax"),
        ),
    ],
)


def _predict_classes_cases() -> list[Case]:
    X = torch.tensor([[-2.0, 1.0], [-0.2, 3.0], [0.2, -1.0], [0.4, 0.0], [3.0, 2.0]])
    return [
        Case("logit = x0 (probabilities 0.12, 0.45, 0.55, 0.60, 0.95), after a Dropout(0.5) layer", (_first_input_model(), X)),
        Case("the same, threshold = 0.8", (_first_input_model(), X), {"threshold": 0.8}),
        Case("the same, threshold = 0.3", (_first_input_model(), X), {"threshold": 0.3}),
        Case("random case: 3 inputs, batch norm and dropout, 8 examples", (_regularised_model(87, 3), _inputs(88, 8, 3))),
    ]


def _predict_classes_hidden_cases() -> list[Case]:
    return [
        Case("hidden case: 4 inputs, 15 examples, threshold = 0.7", (_regularised_model(187, 4), _inputs(188, 15, 4)), {"threshold": 0.7}),
        Case("hidden case: a single example", (_regularised_model(189, 2), _inputs(190, 1, 2))),
    ]


def _classes(model, X, threshold=0.5, *, flaw: str):
    """The reference predict_classes with one known mistake."""
    model.eval()
    with torch.no_grad():
        logits = model(X).squeeze(1)
    probabilities = torch.sigmoid(logits)
    if flaw == "logits":
        return (logits > threshold).long()
    if flaw == "fixed threshold":
        return (probabilities > 0.5).long()
    if flaw == "below":
        return (probabilities < threshold).long()
    labels = probabilities > threshold
    return labels if flaw == "bool" else labels.float()


INTEGER_DTYPES = {"torch.int64", "torch.int32", "torch.int16", "torch.int8", "torch.uint8"}

predict_classes = PropertyCheck(
    "predict_classes",
    reference.predict_classes,
    result_type=torch.Tensor,
    result_description="a torch.Tensor of shape (N,) holding 0/1 integer labels",
    wrong_type_hint="Return a torch tensor of labels, for example (probabilities > threshold).long().",
    properties={
        "forward passes (mode, gradients on, rows)": Raw(lambda called: _log_of(called.arguments[0])),
        "forward pass in eval mode (model.eval())": Derived(_eval_mode),
        "shape": lambda called: tuple(called.result.shape),
        "dtype": Raw(lambda called: str(called.result.dtype)),
        "labels stored as integers (not floats or booleans)": Derived(lambda properties, case: properties["dtype"] in INTEGER_DTYPES),
        "labels": _values,
    },
    property_hints={
        "forward pass in eval mode (model.eval())": EVAL_MODE_HINT + " predict_proba does it: use it.",
        "shape": "Return one label per example, shape (N,).",
        "labels stored as integers (not floats or booleans)": (
            "Turn the comparison's booleans into integer labels with .long(): labels are the integers 0 and 1."
        ),
        "labels": "Label 1 where predict_proba(model, X) is above the threshold, 0 elsewhere.",
    },
    points=1,
    cases=_predict_classes_cases,
    hidden_cases=_predict_classes_hidden_cases,
    hint="return (predict_proba(model, X) > threshold).long()",
    mistakes=[
        Mistake(
            "You compared the logits with the threshold, but the threshold is a probability: compare "
            "predict_proba(model, X) with it (a logit of 0.3 is a probability of 0.57).",
            functools.partial(_classes, flaw="logits"),
        ),
        Mistake("Use the `threshold` argument instead of always 0.5.", functools.partial(_classes, flaw="fixed threshold")),
        Mistake("Label 1 goes to probabilities above the threshold, not below it.", functools.partial(_classes, flaw="below")),
        Mistake("Those are booleans: turn them into integer labels 0 and 1 with .long().", functools.partial(_classes, flaw="bool")),
        Mistake("Those are floats (0.0 and 1.0): labels are integers, made with .long().", functools.partial(_classes, flaw="float")),
    ],
)

EXERCISES = (make_classifier, fit, predict_proba, predict_classes)
progress = progress_view(EXERCISES)
