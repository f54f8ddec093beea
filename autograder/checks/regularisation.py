"""Checks for notebook 07, generalisation and regularisation.

`EarlyStopping` is a class: its check creates the learner's early stopping and
drives it through a scripted training run (a fixed sequence of validation
losses, and a tiny model whose parameters training changes in place every
epoch), then asks it to restore the best weights. What it said and kept at each
epoch is collected in the learner's kernel; which epoch's weights came back is
worked out from the restored parameters wherever the check judges. The three
layers are NumPy functions compared with the references, which agree with
nn.BatchNorm1d, nn.LayerNorm and nn.Dropout (tests/test_regularisation_targets.py).
Dropout is random, so its check judges properties rather than values: the
share of elements dropped, the scale of those kept, evaluation mode, and the
same output for the same seed.
"""

from __future__ import annotations

import copy
import warnings

import numpy as np
import torch
from torch import nn

from autograder.checks.check import Case, Check, Mistake
from autograder.checks.compare import Tolerance
from autograder.checks.observe import LearnerError, learner_error
from autograder.checks.progress import progress_view
from autograder.checks.properties import Called, Derived, PropertyCheck, Raw
from autograder.references import regularisation as reference

# ---------------------------------------------------------------- EarlyStopping

LOSSES = "validation losses, epoch by epoch"


def _set_parameters(model: nn.Linear, epoch: int) -> None:
    """Give the model the parameters 'training' reached at this epoch, in place as an optimiser would."""
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[float(epoch), -epoch / 2]]))
        model.bias.fill_(epoch / 4)


def _epoch_of(weight: np.ndarray, bias: np.ndarray, epochs: int) -> int | str:
    """The epoch whose parameters these are (see _set_parameters), or a description when they are none of them."""
    for epoch in range(1, epochs + 1):
        if np.array_equal(weight, [[epoch, -epoch / 2]]) and np.array_equal(bias, [epoch / 4]):
            return epoch
    return "the parameters of no epoch"


def _answer(value: object) -> object:
    """What step returned, as plain data: a truth value, a number, None, or the name of its type."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if value is None or (isinstance(value, int) and not isinstance(value, bool)):
        return value
    return f"a {type(value).__name__}"


def _number(value: object) -> object:
    """An attribute's value as plain data: numbers as Python numbers, anything else by its type's name."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    return f"a {type(value).__name__}"


def _attribute(stopper: object, name: str, epoch: int) -> object:
    try:
        return _number(getattr(stopper, name))
    except Exception as error:  # a missing attribute, or one that fails when read
        return learner_error(error, f"when the check read self.{name} after epoch {epoch}")


def _scripted_training(called: Called) -> dict:
    """Drive the early stopping through the case's validation losses, then restore; record what it did."""
    stopper, losses = called.result, called.case.context[LOSSES]
    model = nn.Linear(2, 1)
    run = {"answers": [], "counter": [], "best_loss": [], "best_epoch": [], "error": None, "restored": None}
    epoch = 0
    for epoch, val_loss in enumerate(losses, start=1):
        _set_parameters(model, epoch)
        try:
            answer = _answer(stopper.step(val_loss, model))
        except Exception as error:
            run["error"] = learner_error(error, f"when the check called step(val_loss, model) at epoch {epoch}")
            return run
        run["answers"].append(answer)
        for name in ("counter", "best_loss", "best_epoch"):
            run[name].append(_attribute(stopper, name, epoch))
        if answer is True or (type(answer) is int and answer != 0):
            break
    try:
        stopper.restore(model)
        run["restored"] = {"weight": model.weight.detach().numpy().copy(), "bias": model.bias.detach().numpy().copy()}
    except Exception as error:
        run["restored"] = learner_error(error, f"when the check called restore(model) after epoch {epoch}")
    return run


def _per_epoch(name: str) -> Derived:
    """A list the scripted run recorded epoch by epoch, or the error that stopped the run."""

    def compute(properties, case: Case):
        run = properties["scripted training"]
        if isinstance(run, LearnerError):
            return run
        if run["error"] is not None:
            return run["error"]
        errors = [value for value in run[name] if isinstance(value, LearnerError)]
        return errors[0] if errors else run[name]

    return Derived(compute)


def _restored_epoch(properties, case: Case):
    run = properties["scripted training"]
    if isinstance(run, LearnerError):
        return run
    if run["error"] is not None:
        return run["error"]
    restored = run["restored"]
    if isinstance(restored, LearnerError):
        return restored
    return _epoch_of(np.asarray(restored["weight"]), np.asarray(restored["bias"]), len(case.context[LOSSES]))


def _early_stopping_case(name: str, losses: list[float], **settings) -> Case:
    return Case(name, (), settings, context={LOSSES: losses})


def _early_stopping_cases() -> list[Case]:
    return [
        _early_stopping_case("patience 2: better, better, then two worse epochs", [1.0, 0.8, 0.9, 0.85], patience=2),
        _early_stopping_case(
            "patience 3: an improvement in the middle starts the count again",
            [1.0, 0.9, 0.95, 0.97, 0.85, 0.9, 0.92, 0.91, 0.8],
            patience=3,
        ),
        _early_stopping_case(
            "min_delta 0.05: a drop of 0.03 is not an improvement",
            [1.0, 0.97, 0.9, 0.88, 0.87, 0.86, 0.85],
            patience=3,
            min_delta=0.05,
        ),
        _early_stopping_case("a plateau: the same loss again is no improvement", [0.5, 0.5, 0.5, 0.5], patience=2),
        _early_stopping_case("the defaults (patience 5, min_delta 0): never better than epoch 1", [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]),
        _early_stopping_case("keeps improving: never stops, the last epoch is the best", [1.0, 0.9, 0.8, 0.7], patience=2),
        _early_stopping_case("patience 1: stop at the first epoch without improvement", [2.0, 1.5, 1.6, 1.0], patience=1),
    ]


def _early_stopping_hidden_cases() -> list[Case]:
    return [
        _early_stopping_case(
            "hidden case: patience 4, min_delta 0.01",
            [0.9, 0.7, 0.695, 0.65, 0.66, 0.645, 0.7, 0.8, 0.64, 0.9],
            patience=4,
            min_delta=0.01,
        ),
        _early_stopping_case("hidden case: patience 2, slow improvements", [3.0, 2.9, 2.95, 2.8, 2.85, 2.7, 2.75, 2.76], patience=2),
        _early_stopping_case("hidden case: defaults, best at epoch 3", [0.5, 0.45, 0.4, 0.41, 0.42, 0.43, 0.44, 0.45, 0.3]),
    ]


class _Variant(reference.EarlyStopping):
    """An early stopping with one of the slips below switched on (the mistakes the check names)."""

    resets = True  # set counter back to 0 on an improvement
    use_min_delta = +1  # +1: val_loss < best - min_delta; 0: ignore min_delta; -1: val_loss < best + min_delta
    strict = True  # a loss equal to the best is no improvement
    against_previous = False  # compare with the previous epoch's loss instead of the best
    late = False  # stop when counter > patience instead of >=

    def step(self, val_loss, model):
        self.epoch += 1
        bar = getattr(self, "previous", self.best_loss) if self.against_previous else self.best_loss
        self.previous = val_loss
        threshold = bar - self.use_min_delta * self.min_delta
        if val_loss < threshold or (not self.strict and val_loss == threshold):
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_state = copy.deepcopy(model.state_dict())
            if self.resets:
                self.counter = 0
        else:
            self.counter += 1
        return self.counter > self.patience if self.late else self.counter >= self.patience


def _variant(**slips) -> type:
    return type("EarlyStopping", (_Variant,), slips)


RESTORE_HINT = (
    "restore(model) must bring back the weights of the best epoch. If yours brings back the last epoch's, either "
    "the state you saved is the live state dict (model.state_dict() hands out the model's own tensors, which "
    "training keeps changing: save copy.deepcopy(model.state_dict()) instead), or restore does not load it into "
    "the model it is given (model.load_state_dict(self.best_state))."
)

EarlyStopping = PropertyCheck(
    "EarlyStopping",
    reference.EarlyStopping,
    properties={
        "scripted training": Raw(_scripted_training),
        "answers of step(val_loss, model), epoch by epoch (True = stop)": _per_epoch("answers"),
        "counter after each epoch": _per_epoch("counter"),
        "best_loss after each epoch": _per_epoch("best_loss"),
        "best_epoch after each epoch (the first call of step is epoch 1)": _per_epoch("best_epoch"),
        "epoch whose parameters restore(model) brought back": Derived(_restored_epoch),
    },
    property_hints={
        "answers of step(val_loss, model), epoch by epoch (True = stop)": (
            "An epoch improves when val_loss < best_loss - min_delta. step returns True once `patience` epochs "
            "in a row have not improved (counter >= patience), and False otherwise."
        ),
        "counter after each epoch": (
            "counter is the number of epochs in a row without improvement: add 1 when an epoch does not improve, "
            "set it back to 0 when it does."
        ),
        "best_loss after each epoch": (
            "best_loss is the validation loss of the best epoch so far: start it at float('inf') and replace it "
            "only when an epoch improves (val_loss < best_loss - min_delta)."
        ),
        "best_epoch after each epoch (the first call of step is epoch 1)": (
            "Count the calls of step (the first is epoch 1) and set best_epoch to that count when an epoch improves."
        ),
        "epoch whose parameters restore(model) brought back": RESTORE_HINT,
    },
    points=3,
    tolerance=Tolerance(rtol=1e-9, atol=1e-12),
    cases=_early_stopping_cases,
    hidden_cases=_early_stopping_hidden_cases,
    hint="Follow the rules in the exercise: improvement, counter, stopping, and a copy of the best state dict.",
    mistakes=[
        Mistake(
            "Set counter back to 0 whenever an epoch improves: patience counts the epochs *in a row* without "
            "improvement, so yours stops too early.",
            _variant(resets=False),
        ),
        Mistake(
            "An epoch improves only if val_loss < best_loss - min_delta: yours counts any drop, however small, "
            "as an improvement (min_delta is ignored).",
            _variant(use_min_delta=0),
        ),
        Mistake(
            "min_delta makes an improvement harder, not easier: require val_loss < best_loss - min_delta, "
            "not val_loss < best_loss + min_delta.",
            _variant(use_min_delta=-1),
        ),
        Mistake(
            "A loss equal to the best so far is no improvement: compare with a strict < (val_loss < best_loss - min_delta).",
            _variant(strict=False),
        ),
        Mistake(
            "Compare each loss with the best loss so far, not with the previous epoch's loss.",
            _variant(against_previous=True),
        ),
        Mistake(
            "Stop as soon as counter reaches patience (counter >= patience): yours waits one epoch more.",
            _variant(late=True),
        ),
    ],
)

# ---------------------------------------------------------------- batch_norm_forward

BATCH_NORM_STEPS = (
    "In training: mean and biased variance of each feature over the batch (axis 0); x_hat = (x - mean) / "
    "sqrt(var + eps); out = gamma * x_hat + beta; new running = (1 - momentum) * running + momentum * batch "
    "statistic, with the unbiased variance (N / (N - 1) times the biased one) for running_var. In evaluation: "
    "normalise with running_mean and running_var, and return them unchanged."
)


def _batch_norm_case(name: str, rng: np.random.Generator, n: int, d: int, training: bool, **settings) -> Case:
    x = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, size=d) + rng.normal(size=d) * 2
    gamma, beta = rng.uniform(0.5, 2, size=d), rng.normal(size=d)
    running_mean, running_var = rng.normal(size=d), rng.uniform(0.5, 2, size=d)
    return Case(name, (x, gamma, beta, running_mean, running_var, training), settings)


def _plain_settings(d: int) -> tuple:
    """gamma 1, beta 0, running_mean 0, running_var 1 (as a fresh nn.BatchNorm1d starts), training: each its own array."""
    return np.ones(d), np.zeros(d), np.zeros(d), np.ones(d), True


def _batch_norm_cases() -> list[Case]:
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 4.0], [7.0, 8.0]])
    rng = np.random.default_rng(71)
    return [
        Case("a (4, 2) batch in training mode", (x, *_plain_settings(2))),
        Case(
            "the same batch in evaluation mode, running_mean [2, 3], running_var [4, 1]",
            (x, np.ones(2), np.zeros(2), np.array([2.0, 3.0]), np.array([4.0, 1.0]), False),
        ),
        Case(
            "training with gamma [2, 0.5] and beta [1, -1]",
            (x, np.array([2.0, 0.5]), np.array([1.0, -1.0]), np.zeros(2), np.ones(2), True),
        ),
        _batch_norm_case("random case: an (8, 3) batch in training mode", rng, 8, 3, True),
        _batch_norm_case("random case: a (5, 4) batch in evaluation mode", rng, 5, 4, False),
        _batch_norm_case("random case: momentum = 0.5", rng, 6, 3, True, momentum=0.5),
        Case(
            "eps = 0.1, and a feature that is the same in every example (variance 0)",
            (np.array([[1.0, 5.0], [2.0, 5.0], [4.0, 5.0]]), *_plain_settings(2)),
            {"eps": 0.1},
        ),
        _batch_norm_case("two examples, the smallest batch training allows", rng, 2, 3, True),
        _batch_norm_case("a batch of one in evaluation mode", rng, 1, 3, False),
    ]


def _batch_norm_hidden_cases() -> list[Case]:
    rng = np.random.default_rng(171)
    return [
        _batch_norm_case("hidden case: a (16, 5) batch in training mode", rng, 16, 5, True),
        _batch_norm_case("hidden case: evaluation mode, eps = 0.01", rng, 3, 4, False, eps=0.01),
        _batch_norm_case("hidden case: momentum = 0.3, eps = 0.001", rng, 7, 2, True, momentum=0.3, eps=1e-3),
        _batch_norm_case("hidden case: two examples", rng, 2, 6, True),
    ]


def _batch_norm_variant(
    x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5,
    *, eval_batch=False, running_ddof=1, normalise_ddof=0, keras_momentum=False, eps_outside=False,
    axis=0, update=True, update_in_eval=False, affine=True,
):
    """batch_norm_forward with one of the slips named by the keywords."""
    mean, var = x.mean(axis=axis, keepdims=True), x.var(axis=axis, keepdims=True, ddof=normalise_ddof)
    batch_mean, batch_var = x.mean(axis=0), x.var(axis=0, ddof=running_ddof)
    weight = 1 - momentum if keras_momentum else momentum
    new_mean = (1 - weight) * running_mean + weight * batch_mean
    new_var = (1 - weight) * running_var + weight * batch_var
    if not training and not eval_batch:
        mean, var = running_mean, running_var
    if not (training and update) and not update_in_eval:
        new_mean, new_var = running_mean.copy(), running_var.copy()
    x_hat = (x - mean) / (np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps))
    out = gamma * x_hat + beta if affine else x_hat
    return out, new_mean, new_var


def _bn(**slip):
    return lambda x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5: _batch_norm_variant(
        x, gamma, beta, running_mean, running_var, training, momentum, eps, **slip
    )


batch_norm_forward = Check(
    "batch_norm_forward",
    reference.batch_norm_forward,
    points=3,
    cases=_batch_norm_cases,
    hidden_cases=_batch_norm_hidden_cases,
    result_names=("out", "new_running_mean", "new_running_var"),
    hint=BATCH_NORM_STEPS,
    mutation_hint=(
        "Leave running_mean and running_var as they are and return the new running statistics as new arrays: "
        "new_running_mean = (1 - momentum) * running_mean + momentum * mean, not running_mean *= ..."
    ),
    mistakes=[
        Mistake(
            "In evaluation mode (training=False) normalise with running_mean and running_var, not with the batch's "
            "own statistics: at prediction time an example's output must not depend on the rest of its batch.",
            _bn(eval_batch=True),
        ),
        Mistake(
            "PyTorch updates running_var with the unbiased variance of the batch (divided by N - 1: "
            "x.var(axis=0, ddof=1)), although it normalises with the biased one (divided by N).",
            _bn(running_ddof=0),
        ),
        Mistake(
            "Normalise with the biased variance (np.var divides by N, the default ddof=0); only the running "
            "variance is updated with the unbiased one.",
            _bn(normalise_ddof=1),
        ),
        Mistake(
            "In PyTorch, momentum is the weight of the new batch: new = (1 - momentum) * running + momentum * "
            "batch statistic. Yours gives the batch weight 1 - momentum (Keras's convention).",
            _bn(keras_momentum=True),
        ),
        Mistake("eps goes inside the square root: (x - mean) / np.sqrt(var + eps).", _bn(eps_outside=True)),
        Mistake(
            "Batch norm averages over the batch (axis=0): one mean and one variance per feature. Averaging each "
            "example's features (axis=1) is layer normalisation.",
            _bn(axis=1),
        ),
        Mistake(
            "In training mode also return the updated running statistics: new = (1 - momentum) * running + "
            "momentum * batch statistic.",
            _bn(update=False),
        ),
        Mistake(
            "In evaluation mode the running statistics stay as they are: update them only when training.",
            _bn(update_in_eval=True),
        ),
        Mistake("Scale and shift the normalised values: out = gamma * x_hat + beta.", _bn(affine=False)),
    ],
)

# ---------------------------------------------------------------- layer_norm_forward


def _layer_norm_case(name: str, rng: np.random.Generator, shape: tuple[int, ...], **settings) -> Case:
    d = shape[-1]
    x = rng.normal(size=shape) * 2 + rng.normal(size=shape[:-1] + (1,)) * 3
    return Case(name, (x, rng.uniform(0.5, 2, size=d), rng.normal(size=d)), settings)


def _layer_norm_cases() -> list[Case]:
    rng = np.random.default_rng(72)
    return [
        Case(
            "two examples of 4 features, gamma 1, beta 0",
            (np.array([[1.0, 2.0, 3.0, 6.0], [-2.0, 0.0, 2.0, 4.0]]), np.ones(4), np.zeros(4)),
        ),
        Case(
            "the same examples, gamma [1, 2, 1, 0.5] and beta [0, 0, 1, -1]",
            (np.array([[1.0, 2.0, 3.0, 6.0], [-2.0, 0.0, 2.0, 4.0]]), np.array([1.0, 2.0, 1.0, 0.5]), np.array([0.0, 0.0, 1.0, -1.0])),
        ),
        _layer_norm_case("random case: a (5, 3) batch", rng, (5, 3)),
        _layer_norm_case("sequences: a (2, 3, 4) input, normalised over its last axis", rng, (2, 3, 4)),
        _layer_norm_case("a batch of one", rng, (1, 6)),
        Case("eps = 0.1, and an example whose features are all equal", (np.array([[3.0, 3.0, 3.0], [0.0, 1.0, 5.0]]), np.ones(3), np.zeros(3)), {"eps": 0.1}),
    ]


def _layer_norm_hidden_cases() -> list[Case]:
    rng = np.random.default_rng(172)
    return [
        _layer_norm_case("hidden case: a (4, 7) batch", rng, (4, 7)),
        _layer_norm_case("hidden case: a (3, 2, 5) input", rng, (3, 2, 5)),
        _layer_norm_case("hidden case: eps = 0.01", rng, (2, 3), eps=0.01),
    ]


def _layer_norm_variant(x, gamma, beta, eps=1e-5, *, axis=-1, ddof=0, eps_outside=False, affine=True):
    """layer_norm_forward with one of the slips named by the keywords."""
    mean, var = x.mean(axis=axis, keepdims=True), x.var(axis=axis, keepdims=True, ddof=ddof)
    x_hat = (x - mean) / (np.sqrt(var) + eps if eps_outside else np.sqrt(var + eps))
    return gamma * x_hat + beta if affine else x_hat


def _ln(**slip):
    return lambda x, gamma, beta, eps=1e-5: _layer_norm_variant(x, gamma, beta, eps, **slip)


layer_norm_forward = Check(
    "layer_norm_forward",
    reference.layer_norm_forward,
    points=2,
    cases=_layer_norm_cases,
    hidden_cases=_layer_norm_hidden_cases,
    hint=(
        "For every example (every vector along the last axis): mean and biased variance over its features, "
        "x_hat = (x - mean) / sqrt(var + eps), out = gamma * x_hat + beta. Use axis=-1 with keepdims=True."
    ),
    mistakes=[
        Mistake(
            "Layer norm normalises each example over its own features, the last axis (axis=-1); averaging over "
            "the batch (axis=0) is batch normalisation.",
            _ln(axis=0),
        ),
        Mistake(
            "Normalise over the last axis only (axis=-1, keepdims=True): for a (N, T, D) input each of the N·T "
            "vectors of D features gets its own mean and variance.",
            _ln(axis=None),
        ),
        Mistake(
            "The last axis is axis=-1: axis=1 is only the last one for 2-D inputs, and sequences (N, T, D) have three.",
            _ln(axis=1),
        ),
        Mistake("Use the biased variance (np.var's default, dividing by D), as nn.LayerNorm does.", _ln(ddof=1)),
        Mistake("eps goes inside the square root: (x - mean) / np.sqrt(var + eps).", _ln(eps_outside=True)),
        Mistake("Scale and shift the normalised values: out = gamma * x_hat + beta.", _ln(affine=False)),
    ],
)

# ---------------------------------------------------------------- dropout_forward


class SeededGenerator(np.random.Generator):
    """np.random.default_rng(seed), shown in messages as the call that makes it, so a learner can repeat a case."""

    def __init__(self, seed: int):
        super().__init__(np.random.PCG64(seed))
        self.seed = seed

    def __repr__(self) -> str:
        return f"np.random.default_rng({self.seed})"

    def __deepcopy__(self, memo: dict) -> SeededGenerator:
        twin = SeededGenerator(self.seed)
        twin.bit_generator.state = self.bit_generator.state
        return twin


LARGE = 1000  # inputs at least this big measure the share of dropped elements
SHARE_TOLERANCE = 0.02  # about five standard deviations of the share for 10 000 elements


def _dropout_case(name: str, x: np.ndarray, p: float, training: bool, seed: int) -> Case:
    return Case(name, (x, p, training, SeededGenerator(seed)))


def _dropout_cases() -> list[Case]:
    rng = np.random.default_rng(73)
    small = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [-1.0, -2.0, -3.0, -4.0, -5.0]])
    return [
        _dropout_case("a (2, 5) input in training mode, p = 0.5", small, 0.5, True, 0),
        _dropout_case("the same input in evaluation mode", small, 0.5, False, 0),
        _dropout_case("training, p = 0.2, 10 000 elements", rng.normal(size=(100, 100)), 0.2, True, 1),
        _dropout_case("training, p = 0.75, 10 000 elements", rng.normal(size=(100, 100)), 0.75, True, 2),
        _dropout_case("evaluation mode, p = 0.9, 2000 elements", rng.normal(size=(40, 50)), 0.9, False, 3),
        _dropout_case("p = 0 in training: nothing is dropped", rng.normal(size=(3, 4)), 0.0, True, 4),
        _dropout_case("a (4, 5, 6) input, p = 0.3", rng.normal(size=(4, 5, 6)), 0.3, True, 5),
    ]


def _dropout_hidden_cases() -> list[Case]:
    rng = np.random.default_rng(173)
    return [
        _dropout_case("hidden case: training, p = 0.4, 20 000 elements", rng.normal(size=(200, 100)), 0.4, True, 11),
        _dropout_case("hidden case: evaluation mode, p = 0.3", rng.normal(size=(6, 7)), 0.3, False, 12),
        _dropout_case("hidden case: training, p = 0.1, 5000 elements", rng.normal(size=5000), 0.1, True, 13),
    ]


def _run_again(called: Called, seed_offset: int) -> np.ndarray:
    """The function's output on the same case with a generator of the same seed (offset 0) or another seed."""
    x, p, training, rng = copy.deepcopy(called.case.args)
    generator = rng if seed_offset == 0 else SeededGenerator(rng.seed + seed_offset)
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # the first call's warnings were recorded already
        warnings.simplefilter("ignore")
        return np.asarray(called.again(x, p, training, generator))


def _evaluation_output(properties, case: Case):
    x, p, training, rng = case.args
    return None if training else np.asarray(properties["output"])


def _share_dropped(properties, case: Case):
    x, p, training, rng = case.args
    if not training or x.size < LARGE:
        return None
    share = float(np.mean(np.asarray(properties["output"]) == 0))
    return p if abs(share - p) <= SHARE_TOLERANCE else round(share, 4)


def _scale_of_kept(properties, case: Case):
    x, p, training, rng = case.args
    out = np.asarray(properties["output"], dtype=float)
    kept = out != 0
    if not kept.any():
        return "no element kept"
    ratios = out[kept] / x[kept]
    if np.allclose(ratios, ratios[0], rtol=1e-9, atol=0):
        return float(ratios[0])
    return f"not the same for every kept element (from {ratios.min():.4g} to {ratios.max():.4g})"


def _other_seed_differs(properties, case: Case):
    x, p, training, rng = case.args
    if not training or p == 0 or x.size < 100:
        return None
    return not np.array_equal(properties["output"], properties["output with another seed"])


def _dropout_variant(x, p, training, rng, *, scale=True, keep_probability=False, in_eval=False, multiply=False, global_rng=False):
    """dropout_forward with one of the slips named by the keywords, written as a learner would."""
    if not training and not in_eval:
        return x.copy()
    draws = np.random.random(x.shape) if global_rng else rng.random(x.shape)
    keep = draws < p if keep_probability else draws >= p
    if not scale:
        return x * keep
    if multiply:
        return x * keep * (1 - p)
    return x * keep / (p if keep_probability else 1 - p)


def _dropout(**slip):
    return lambda x, p, training, rng: _dropout_variant(x, p, training, rng, **slip)


INVERTED = (
    "In training, draw one uniform number per element from rng (rng.random(x.shape)), keep the elements whose "
    "number is at least p, divide them by (1 - p) and set the others to 0. In evaluation mode return x unchanged."
)

dropout_forward = PropertyCheck(
    "dropout_forward",
    reference.dropout_forward,
    result_type=np.ndarray,
    result_description="a NumPy array shaped like x",
    wrong_type_hint="Return the output as a NumPy array shaped like x.",
    tolerance=Tolerance(rtol=1e-7, atol=1e-12),
    properties={
        "shape of the output": lambda called: tuple(np.shape(called.result)),
        "output": Raw(lambda called: np.asarray(called.result)),
        "output with a generator of the same seed": Raw(lambda called: _run_again(called, 0)),
        "output with another seed": Raw(lambda called: _run_again(called, 1)),
        "output in evaluation mode (x itself)": Derived(_evaluation_output),
        "share of elements set to 0 (about p)": Derived(_share_dropped),
        "scale of the kept elements (output / x)": Derived(_scale_of_kept),
        "the same seed gives the same output": Derived(
            lambda properties, case: bool(np.array_equal(properties["output"], properties["output with a generator of the same seed"]))
        ),
        "another seed drops other elements": Derived(_other_seed_differs),
    },
    property_hints={
        "shape of the output": "Return an array shaped like x: draw the mask with rng.random(x.shape).",
        "output in evaluation mode (x itself)": (
            "In evaluation mode (training=False) dropout does nothing: return x unchanged (no dropping, no scaling)."
        ),
        "share of elements set to 0 (about p)": (
            "p is the probability of dropping an element, as in nn.Dropout(p): keep an element when its random "
            "number is at least p (rng.random(x.shape) >= p)."
        ),
        "scale of the kept elements (output / x)": (
            "Inverted dropout divides the kept elements by (1 - p), the probability of keeping them, so that the "
            "expected output equals x and nothing needs to change in evaluation mode."
        ),
        "the same seed gives the same output": (
            "Draw the mask from the generator you are given (rng.random(x.shape)), not from np.random or torch: "
            "the same seed must give the same mask."
        ),
        "another seed drops other elements": (
            "Draw the mask from the generator you are given, rng, not from a generator of your own with a fixed seed."
        ),
    },
    points=2,
    cases=_dropout_cases,
    hidden_cases=_dropout_hidden_cases,
    hint=INVERTED,
    mistakes=[
        Mistake(
            "Inverted dropout divides the kept elements by (1 - p): yours keeps them as they are, so the expected "
            "output is (1 - p) · x in training but x in evaluation.",
            _dropout(scale=False),
        ),
        Mistake(
            "p is the probability of dropping an element (nn.Dropout(p)), not of keeping it: keep an element when "
            "rng.random(...) >= p and divide the kept ones by 1 - p.",
            _dropout(keep_probability=True),
        ),
        Mistake(
            "In evaluation mode (training=False) return x unchanged: dropout is only active in training.",
            _dropout(in_eval=True),
        ),
        Mistake("Divide the kept elements by (1 - p), do not multiply them by it.", _dropout(multiply=True)),
        Mistake(
            "Draw the mask from the generator you are given (rng.random(x.shape)), not from np.random: the same "
            "seed must give the same mask.",
            _dropout(global_rng=True),
        ),
    ],
)

EXERCISES = (EarlyStopping, batch_norm_forward, layer_norm_forward, dropout_forward)

progress = progress_view(EXERCISES)
