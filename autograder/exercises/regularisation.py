"""Notebook 07, generalisation and regularisation: EarlyStopping and three layers in NumPy.

`EarlyStopping` is a class: its check creates the learner's early stopping and
drives it through a scripted training run (a fixed sequence of validation
losses, and a tiny model whose parameters training changes in place every
epoch), then asks it to restore the best weights. What it said and kept at each
epoch is read where it runs; which epoch's weights came back is worked out
from the restored parameters wherever the check judges. The three layers
agree with nn.BatchNorm1d, nn.LayerNorm and nn.Dropout
(tests/test_regularisation_targets.py). Dropout is random, so its check judges
properties rather than values: the share of elements dropped, the scale of
those kept, evaluation mode, and the same output for the same seed.
"""

import copy
import warnings

import numpy as np
import torch
from torch import nn

from autograder.checks.check import Case
from autograder.checks.compare import Tolerance
from autograder.checks.observe import LearnerError, learner_error
from autograder.checks.probes import SeededGenerator
from autograder.checks.properties import Property, Reading, Returns
from autograder.exercises import Exercise, Mistake, Wrong

# ---------------------------------------------------------------- EarlyStopping


class EarlyStopping:
    """Stop training when the validation loss stops improving, and keep a copy of the best weights.

    Methods to write:
        __init__(self, patience=5, min_delta=0.0): keep the settings; start best_loss at float('inf'),
            best_epoch and counter at 0, best_state at None.
        step(self, val_loss, model) -> bool: record one epoch's validation loss (a float). The epoch
            improves when val_loss < best_loss - min_delta: then best_loss, best_epoch and best_state
            are updated and counter goes back to 0; otherwise counter grows by 1. Return True when
            training should stop: once counter reaches patience.
        restore(self, model): load the weights saved at the best epoch into model.

    Attributes:
        best_loss: the validation loss of the best epoch so far.
        best_epoch: the number of that epoch, counting the calls of step from 1.
        best_state: a copy of model.state_dict() taken at the best epoch.
        counter: the number of epochs in a row without improvement.
    """

    def __init__(self, patience=5, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = float("inf")
        self.best_epoch = 0
        self.best_state = None
        self.counter = 0
        self.epoch = 0

    def step(self, val_loss, model):
        self.epoch += 1
        if self.improves(val_loss):
            self.remember(val_loss, model)
        else:
            self.counter += 1
        return self.counter >= self.patience

    def improves(self, val_loss):
        return val_loss < self.best_loss - self.min_delta

    def remember(self, val_loss, model):
        self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
        self.best_state = copy.deepcopy(model.state_dict())

    def restore(self, model):
        model.load_state_dict(self.best_state)


LOSSES = "validation losses, epoch by epoch"


def set_parameters(model, epoch):
    """Give the model the parameters 'training' reached at this epoch, in place as an optimiser would."""
    with torch.no_grad():
        model.weight.copy_(torch.tensor([[float(epoch), -epoch / 2]]))
        model.bias.fill_(epoch / 4)


def epoch_of(weight, bias, epochs):
    """The epoch whose parameters these are (see set_parameters), or a description when they are none of them."""
    for epoch in range(1, epochs + 1):
        if np.array_equal(weight, [[epoch, -epoch / 2]]) and np.array_equal(bias, [epoch / 4]):
            return epoch
    return "the parameters of no epoch"


def answer(value):
    """What step returned, as plain data: a truth value, None, or what else it is."""
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if value is None:
        return None
    return f"{value!r} (not a bool)" if isinstance(value, (int, float)) else f"a {type(value).__name__}"


def number(value):
    """An attribute's value as plain data: numbers as Python numbers, None as None, anything else by its type's name."""
    if value is None:
        return None
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, np.integer)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, torch.Tensor) and value.numel() == 1:
        return value.item()
    return f"a {type(value).__name__}"


def attribute(stopper, name, epoch):
    try:
        return number(getattr(stopper, name))
    except Exception as error:  # a missing attribute, or one that fails when read
        return learner_error(error, f"when the check read self.{name} after epoch {epoch}")


def scripted_training(called):
    """Drive the early stopping through the case's validation losses, then restore; record what it did."""
    stopper, losses = called.result, called.case.context[LOSSES]
    model = nn.Linear(2, 1)
    run = {"answers": [], "counter": [], "best_loss": [], "best_epoch": [], "error": None, "restored": None}
    run["initial"] = {name: attribute(stopper, name, 0) for name in ("best_loss", "best_epoch", "counter", "best_state")}
    epoch = 0
    for epoch, val_loss in enumerate(losses, start=1):
        set_parameters(model, epoch)
        try:
            said = answer(stopper.step(val_loss, model))
        except Exception as error:
            run["error"] = learner_error(error, f"when the check called step(val_loss, model) at epoch {epoch}")
            return run
        run["answers"].append(said)
        for name in ("counter", "best_loss", "best_epoch"):
            run[name].append(attribute(stopper, name, epoch))
        if said is True:
            break
    try:
        stopper.restore(model)
        run["restored"] = {"weight": model.weight.detach().numpy().copy(), "bias": model.bias.detach().numpy().copy()}
    except Exception as error:
        run["restored"] = learner_error(error, f"when the check called restore(model) after epoch {epoch}")
    return run


def first_error(run):
    """The error that stopped the scripted run, if any."""
    return run if isinstance(run, LearnerError) else run["error"]


def per_epoch(name):
    """A list the scripted run recorded epoch by epoch (or a dict it recorded once), or the error that stopped the run."""

    def derive(readings, case):
        run = readings["scripted training"]
        if first_error(run) is not None:
            return first_error(run)
        values = run[name] if isinstance(run[name], list) else list(run[name].values())
        errors = [value for value in values if isinstance(value, LearnerError)]
        return errors[0] if errors else run[name]

    return derive


def restored_epoch(readings, case):
    run = readings["scripted training"]
    if first_error(run) is not None:
        return first_error(run)
    restored = run["restored"]
    if isinstance(restored, LearnerError):
        return restored
    return epoch_of(np.asarray(restored["weight"]), np.asarray(restored["bias"]), len(case.context[LOSSES]))


def early_stopping_case(name, losses, **settings):
    return Case(name, (), settings, context={LOSSES: losses})


def early_stopping_cases():
    return [
        early_stopping_case("patience 2: better, better, then two worse epochs", [1.0, 0.8, 0.9, 0.85], patience=2),
        early_stopping_case(
            "patience 3: an improvement in the middle starts the count again", [1.0, 0.9, 0.95, 0.97, 0.85, 0.9, 0.92, 0.91, 0.8], patience=3
        ),
        early_stopping_case("min_delta 0.05: a drop of 0.03 is not an improvement", [1.0, 0.97, 0.9, 0.88, 0.87, 0.86, 0.85], patience=3, min_delta=0.05),
        early_stopping_case("min_delta 0.05: a rise of 0.02 is no improvement either", [1.0, 1.02, 1.01, 0.9], patience=2, min_delta=0.05),
        early_stopping_case("a plateau: the same loss again is no improvement", [0.5, 0.5, 0.5, 0.5], patience=2),
        early_stopping_case("the defaults (patience 5, min_delta 0): never better than epoch 1", [0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]),
        early_stopping_case("keeps improving: never stops, the last epoch is the best", [1.0, 0.9, 0.8, 0.7], patience=2),
        early_stopping_case("patience 1: stop at the first epoch without improvement", [2.0, 1.5, 1.6, 1.0], patience=1),
    ]


def wandering_losses(rng, epochs, start):
    """Validation losses that fall with random steps up and down, rounded to three decimals (so that some repeat)."""
    steps = rng.normal(-0.02, 0.04, size=epochs - 1) * start
    return np.round(start + np.concatenate([[0.0], np.cumsum(steps)]), 3).tolist()


def best_at_epoch_3(rng):
    """Three falling losses, five rising ones (the defaults' patience), then one lower than all, too late to count."""
    falling = np.sort(rng.uniform(0.3, 0.6, 3))[::-1]
    rising = falling[-1] + np.cumsum(rng.uniform(0.005, 0.03, 5))
    return np.round([*falling, *rising, falling[-1] - 0.1], 3).tolist()


def early_stopping_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    return [
        early_stopping_case("hidden case: patience 4, min_delta 0.01", wandering_losses(rng, 10, 0.9), patience=4, min_delta=0.01),
        early_stopping_case("hidden case: patience 2, slow improvements", wandering_losses(rng, 8, 3.0), patience=2),
        early_stopping_case("hidden case: defaults, best at epoch 3", best_at_epoch_3(rng)),
    ]


RESTORE_HINT = (
    "restore(model) must bring back the weights of the best epoch. If yours brings back the last epoch's, either "
    "the state you saved is the live state dict (model.state_dict() hands out the model's own tensors, which "
    "training keeps changing: save copy.deepcopy(model.state_dict()) instead), or restore does not load it into "
    "the model it is given (model.load_state_dict(self.best_state))."
)

EARLY_STOPPING_PROPERTIES = [
    Reading("scripted training", scripted_training),
    Property(
        "attributes before the first epoch",
        "Start best_loss at float('inf'), best_epoch and counter at 0, and best_state at None, in __init__.",
        derive=per_epoch("initial"),
    ),
    Property(
        "answers of step(val_loss, model), epoch by epoch (True = stop)",
        "An epoch improves when val_loss < best_loss - min_delta. step returns True once `patience` epochs "
        "in a row have not improved (counter >= patience), and False otherwise.",
        derive=per_epoch("answers"),
    ),
    Property(
        "counter after each epoch",
        "counter is the number of epochs in a row without improvement: add 1 when an epoch does not improve, set it back to 0 when it does.",
        derive=per_epoch("counter"),
    ),
    Property(
        "best_loss after each epoch",
        "best_loss is the validation loss of the best epoch so far: start it at float('inf') and replace it "
        "only when an epoch improves (val_loss < best_loss - min_delta).",
        derive=per_epoch("best_loss"),
    ),
    Property(
        "best_epoch after each epoch (the first call of step is epoch 1)",
        "Count the calls of step (the first is epoch 1) and set best_epoch to that count when an epoch improves.",
        derive=per_epoch("best_epoch"),
    ),
    Property("epoch whose parameters restore(model) brought back", RESTORE_HINT, derive=restored_epoch),
]


class NeverResetsTheCounter(EarlyStopping):
    def remember(self, val_loss, model):
        counter = self.counter
        super().remember(val_loss, model)
        self.counter = counter


class IgnoresMinDelta(EarlyStopping):
    def improves(self, val_loss):
        return val_loss < self.best_loss


class AddsMinDelta(EarlyStopping):
    def improves(self, val_loss):
        return val_loss < self.best_loss + self.min_delta


class CountsATieAsAnImprovement(EarlyStopping):
    def improves(self, val_loss):
        return val_loss <= self.best_loss - self.min_delta


class ComparesWithThePreviousLoss(EarlyStopping):
    previous = float("inf")

    def improves(self, val_loss):
        better, self.previous = val_loss < self.previous - self.min_delta, val_loss
        return better


class StopsOneEpochLate(EarlyStopping):
    def step(self, val_loss, model):
        super().step(val_loss, model)
        return self.counter > self.patience


class EarlyStoppingKeepingTheLiveState:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = float("inf")
        self.best_epoch = 0
        self.best_state = None
        self.counter = 0
        self.epoch = 0

    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_epoch = self.epoch
            self.best_state = model.state_dict()
            self.counter = 0
        else:
            self.counter += 1
        return self.counter >= self.patience

    def restore(self, model):
        model.load_state_dict(self.best_state)


class EarlyStoppingWithClones:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.best_epoch, self.best_state = float("inf"), 0, None
        self.counter, self.epoch = 0, 0

    def step(self, val_loss, model):
        self.epoch = self.epoch + 1
        improved = self.best_loss - val_loss > self.min_delta
        if not improved:
            self.counter = self.counter + 1
            return self.counter >= self.patience
        self.best_loss = val_loss
        self.best_epoch = self.epoch
        self.counter = 0
        self.best_state = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
        return False

    def restore(self, model):
        with torch.no_grad():
            for name, tensor in model.state_dict().items():
                tensor.copy_(self.best_state[name])


class EarlyStoppingStartingFromNone(EarlyStopping):
    def __init__(self, patience=5, min_delta=0.0):
        super().__init__(patience, min_delta)
        self.best_epoch = None


class EarlyStoppingAnsweringInNumbers(EarlyStopping):
    def step(self, val_loss, model):
        return int(super().step(val_loss, model))


class EarlyStoppingRestoringByRebinding(EarlyStopping):
    def step(self, val_loss, model):
        stop = super().step(val_loss, model)
        if self.best_epoch == self.epoch:
            self.best_model = copy.deepcopy(model)
        return stop

    def restore(self, model):
        model = self.best_model  # noqa: F841  (the mistake: the caller's model is left as it is)


class EarlyStoppingCountingFromZero(EarlyStopping):
    def step(self, val_loss, model):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.counter += 1
        self.epoch += 1
        return self.counter >= self.patience


EARLY_STOPPING = Exercise(
    EarlyStopping,
    points=3,
    cases=early_stopping_cases,
    hidden_cases=early_stopping_hidden_cases,
    hint="Follow the rules in the exercise: improvement, counter, stopping, and a copy of the best state dict.",
    properties=EARLY_STOPPING_PROPERTIES,
    tolerance=Tolerance(rtol=1e-9, atol=1e-12),
    mistakes=[
        Mistake(
            NeverResetsTheCounter,
            "Set counter back to 0 whenever an epoch improves: patience counts the epochs *in a row* without "
            "improvement, so yours stops too early.",
        ),
        Mistake(
            IgnoresMinDelta,
            "An epoch improves only if val_loss < best_loss - min_delta: yours counts any drop, however small, "
            "as an improvement (min_delta is ignored).",
        ),
        Mistake(
            AddsMinDelta,
            "min_delta makes an improvement harder, not easier: require val_loss < best_loss - min_delta, not val_loss < best_loss + min_delta.",
        ),
        Mistake(
            CountsATieAsAnImprovement,
            "A loss equal to the best so far is no improvement: compare with a strict < (val_loss < best_loss - min_delta).",
        ),
        Mistake(ComparesWithThePreviousLoss, "Compare each loss with the best loss so far, not with the previous epoch's loss."),
        Mistake(StopsOneEpochLate, "Stop as soon as counter reaches patience (counter >= patience): yours waits one epoch more."),
    ],
    right=[EarlyStoppingWithClones],
    wrong=[
        Wrong(EarlyStoppingKeepingTheLiveState, "the live state dict"),
        Wrong(EarlyStoppingRestoringByRebinding, "does not load it into the model it is given"),
        Wrong(EarlyStoppingCountingFromZero, "the first call of step is epoch 1"),
        Wrong(EarlyStoppingStartingFromNone, "best_epoch and counter at 0"),
        Wrong(EarlyStoppingAnsweringInNumbers, "0 (not a bool)"),
    ],
)

# ---------------------------------------------------------------- batch_norm_forward


def normalise(x, mean, var, eps):
    """x with the given mean taken out and divided by the standard deviation: (x - mean) / sqrt(var + eps)."""
    return (x - mean) / np.sqrt(var + eps)


def moving_average(running, batch, momentum):
    """A running statistic after one more batch, as PyTorch keeps it: (1 - momentum) · running + momentum · batch."""
    return (1 - momentum) * running + momentum * batch


def batch_norm_forward(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    """Batch normalisation of a batch of feature vectors, as nn.BatchNorm1d computes it.

    Inputs:
        x: (N, D) float array, one example per row (N >= 2 in training mode).
        gamma, beta: (D,) arrays, the learned scale and shift of each feature.
        running_mean, running_var: (D,) arrays, the running statistics so far (leave them unchanged).
        training: True to normalise with the batch's mean and biased variance and update the running
            statistics; False to normalise with the running statistics, which stay as they are.
        momentum: the weight of this batch in the new running statistics.
        eps: added to the variance before the square root.
    Returns:
        (out, new_running_mean, new_running_var): out of shape (N, D); the running statistics (D,)
        after this batch, the variance updated with the unbiased batch variance (divided by N - 1).
    """
    if training:
        mean, var = x.mean(axis=0), x.var(axis=0)
        n = x.shape[0]
        new_running_mean = moving_average(running_mean, mean, momentum)
        new_running_var = moving_average(running_var, var * n / (n - 1), momentum)
    else:
        mean, var = running_mean, running_var
        new_running_mean, new_running_var = running_mean.copy(), running_var.copy()
    return gamma * normalise(x, mean, var, eps) + beta, new_running_mean, new_running_var


def batch_norm_case(name, rng, n, d, training, **settings):
    x = rng.normal(size=(n, d)) * rng.uniform(0.5, 3, size=d) + rng.normal(size=d) * 2
    gamma, beta = rng.uniform(0.5, 2, size=d), rng.normal(size=d)
    running_mean, running_var = rng.normal(size=d), rng.uniform(0.5, 2, size=d)
    return Case(name, (x, gamma, beta, running_mean, running_var, training), settings)


def plain_settings(d):
    """gamma 1, beta 0, running_mean 0, running_var 1 (as a fresh nn.BatchNorm1d starts), training: each its own array."""
    return np.ones(d), np.zeros(d), np.zeros(d), np.ones(d), True


def batch_norm_cases():
    x = np.array([[1.0, 2.0], [3.0, 6.0], [5.0, 4.0], [7.0, 8.0]])
    rng = np.random.default_rng(71)
    return [
        Case("a (4, 2) batch in training mode", (x, *plain_settings(2))),
        Case(
            "the same batch in evaluation mode, running_mean [2, 3], running_var [4, 1]",
            (x, np.ones(2), np.zeros(2), np.array([2.0, 3.0]), np.array([4.0, 1.0]), False),
        ),
        Case("training with gamma [2, 0.5] and beta [1, -1]", (x, np.array([2.0, 0.5]), np.array([1.0, -1.0]), np.zeros(2), np.ones(2), True)),
        batch_norm_case("random case: an (8, 3) batch in training mode", rng, 8, 3, True),
        batch_norm_case("random case: a (5, 4) batch in evaluation mode", rng, 5, 4, False),
        batch_norm_case("random case: momentum = 0.5", rng, 6, 3, True, momentum=0.5),
        Case(
            "eps = 0.1, and a feature that is the same in every example (variance 0)",
            (np.array([[1.0, 5.0], [2.0, 5.0], [4.0, 5.0]]), *plain_settings(2)),
            {"eps": 0.1},
        ),
        batch_norm_case("two examples, the smallest batch training allows", rng, 2, 3, True),
        batch_norm_case("a batch of one in evaluation mode", rng, 1, 3, False),
    ]


def batch_norm_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    return [
        batch_norm_case("hidden case: a (16, 5) batch in training mode", rng, 16, 5, True),
        batch_norm_case("hidden case: evaluation mode, eps = 0.01", rng, 3, 4, False, eps=0.01),
        batch_norm_case("hidden case: momentum = 0.3, eps = 0.001", rng, 7, 2, True, momentum=0.3, eps=1e-3),
        batch_norm_case("hidden case: two examples", rng, 2, 6, True),
    ]


BATCH_NORM_STEPS = (
    "In training: mean and biased variance of each feature over the batch (axis 0); x_hat = (x - mean) / "
    "sqrt(var + eps); out = gamma * x_hat + beta; new running = (1 - momentum) * running + momentum * batch "
    "statistic, with the unbiased variance (N / (N - 1) times the biased one) for running_var. In evaluation: "
    "normalise with running_mean and running_var, and return them unchanged."
)


def adds_eps_outside_the_root(x, mean, var, eps):
    return (x - mean) / (np.sqrt(var) + eps)


def weighs_the_running_statistic_by_momentum(running, batch, momentum):
    return momentum * running + (1 - momentum) * batch


def normalises_with_the_batch_in_evaluation(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    out, new_mean, new_var = batch_norm_forward(x, gamma, beta, running_mean, running_var, True, momentum, eps)
    return (out, new_mean, new_var) if training else (out, running_mean.copy(), running_var.copy())


def updates_running_var_with_the_biased_variance(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    out, new_mean, new_var = batch_norm_forward(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    return out, new_mean, moving_average(running_var, x.var(axis=0), momentum) if training else new_var


def normalises_with_the_unbiased_variance(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    out, new_mean, new_var = batch_norm_forward(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    return (gamma * normalise(x, x.mean(axis=0), x.var(axis=0, ddof=1), eps) + beta if training else out), new_mean, new_var


def normalises_each_example(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    out, new_mean, new_var = batch_norm_forward(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    return (gamma * normalise(x, x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True), eps) + beta if training else out), new_mean, new_var


def keeps_the_running_statistics_in_training(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    out, _, _ = batch_norm_forward(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    return out, running_mean.copy(), running_var.copy()


def updates_the_running_statistics_in_evaluation(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    out, _, _ = batch_norm_forward(x, gamma, beta, running_mean, running_var, training, momentum, eps)
    _, new_mean, new_var = batch_norm_forward(x, gamma, beta, running_mean, running_var, True, momentum, eps)
    return out, new_mean, new_var


def leaves_out_gamma_and_beta(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    return batch_norm_forward(x, np.ones_like(gamma), np.zeros_like(beta), running_mean, running_var, training, momentum, eps)


def batch_norm_forward_by_the_formula(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        mean = x.mean(axis=0)
        var = ((x - mean) ** 2).mean(axis=0)
        n = len(x)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean, running_var
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, new_mean, new_var


def batch_norm_forward_with_ddof(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if not training:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        return x_hat * gamma + beta, running_mean.copy(), running_var.copy()
    mu = np.mean(x, axis=0)
    sigma2 = np.var(x, axis=0)
    x_hat = (x - mu) / np.sqrt(sigma2 + eps)
    running_mean = running_mean + momentum * (mu - running_mean)
    running_var = running_var + momentum * (np.var(x, axis=0, ddof=1) - running_var)
    return x_hat * gamma + beta, running_mean, running_var


def batch_norm_forward_updating_in_place(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        mean, var = x.mean(axis=0), x.var(axis=0)
        n = len(x)
        running_mean *= 1 - momentum
        running_mean += momentum * mean
        running_var *= 1 - momentum
        running_var += momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, running_mean, running_var


EPS_INSIDE = "eps goes inside the square root: (x - mean) / np.sqrt(var + eps)."
AFFINE = "Scale and shift the normalised values: out = gamma * x_hat + beta."

BATCH_NORM_FORWARD = Exercise(
    batch_norm_forward,
    points=3,
    cases=batch_norm_cases,
    hidden_cases=batch_norm_hidden_cases,
    result_names=("out", "new_running_mean", "new_running_var"),
    hint=BATCH_NORM_STEPS,
    mutation_hint=(
        "Leave running_mean and running_var as they are and return the new running statistics as new arrays: "
        "new_running_mean = (1 - momentum) * running_mean + momentum * mean, not running_mean *= ..."
    ),
    mistakes=[
        Mistake(
            normalises_with_the_batch_in_evaluation,
            "In evaluation mode (training=False) normalise with running_mean and running_var, not with the batch's "
            "own statistics: at prediction time an example's output must not depend on the rest of its batch.",
        ),
        Mistake(
            updates_running_var_with_the_biased_variance,
            "PyTorch updates running_var with the unbiased variance of the batch (divided by N - 1: "
            "x.var(axis=0, ddof=1)), although it normalises with the biased one (divided by N).",
        ),
        Mistake(
            normalises_with_the_unbiased_variance,
            "Normalise with the biased variance (np.var divides by N, the default ddof=0); only the running "
            "variance is updated with the unbiased one.",
        ),
        Mistake(
            weighs_the_running_statistic_by_momentum,
            "In PyTorch, momentum is the weight of the new batch: new = (1 - momentum) * running + momentum * "
            "batch statistic. Yours gives the batch weight 1 - momentum (Keras's convention).",
            replacing=moving_average,
        ),
        Mistake(adds_eps_outside_the_root, EPS_INSIDE, replacing=normalise),
        Mistake(
            normalises_each_example,
            "Batch norm averages over the batch (axis=0): one mean and one variance per feature. Averaging each "
            "example's features (axis=1) is layer normalisation.",
        ),
        Mistake(
            keeps_the_running_statistics_in_training,
            "In training mode also return the updated running statistics: new = (1 - momentum) * running + momentum * batch statistic.",
        ),
        Mistake(
            updates_the_running_statistics_in_evaluation,
            "In evaluation mode the running statistics stay as they are: update them only when training.",
        ),
        Mistake(leaves_out_gamma_and_beta, AFFINE),
    ],
    right=[batch_norm_forward_by_the_formula, batch_norm_forward_with_ddof],
    wrong=[Wrong(batch_norm_forward_updating_in_place, "changed its input running_mean and running_var in place")],
)

# ---------------------------------------------------------------- layer_norm_forward


def layer_norm_forward(x, gamma, beta, eps=1e-5):
    """Layer normalisation over the last axis, as nn.LayerNorm(D) computes it.

    Inputs:
        x: (..., D) float array: (N, D) for a batch of feature vectors, (N, T, D) for sequences.
        gamma, beta: (D,) arrays, the learned scale and shift of each feature.
        eps: added to the variance before the square root.
    Returns:
        array shaped like x: every vector along the last axis normalised with its own mean and
        biased variance, then scaled by gamma and shifted by beta.
    """
    return gamma * normalise(x, x.mean(axis=-1, keepdims=True), x.var(axis=-1, keepdims=True), eps) + beta


def layer_norm_case(name, rng, shape, **settings):
    d = shape[-1]
    x = rng.normal(size=shape) * 2 + rng.normal(size=shape[:-1] + (1,)) * 3
    return Case(name, (x, rng.uniform(0.5, 2, size=d), rng.normal(size=d)), settings)


def layer_norm_cases():
    rng = np.random.default_rng(72)
    two_examples = np.array([[1.0, 2.0, 3.0, 6.0], [-2.0, 0.0, 2.0, 4.0]])
    return [
        Case("two examples of 4 features, gamma 1, beta 0", (two_examples, np.ones(4), np.zeros(4))),
        Case(
            "the same examples, gamma [1, 2, 1, 0.5] and beta [0, 0, 1, -1]",
            (two_examples.copy(), np.array([1.0, 2.0, 1.0, 0.5]), np.array([0.0, 0.0, 1.0, -1.0])),
        ),
        layer_norm_case("random case: a (5, 3) batch", rng, (5, 3)),
        layer_norm_case("sequences: a (2, 3, 4) input, normalised over its last axis", rng, (2, 3, 4)),
        layer_norm_case("a batch of one", rng, (1, 6)),
        Case("eps = 0.1, and an example whose features are all equal", (np.array([[3.0, 3.0, 3.0], [0.0, 1.0, 5.0]]), np.ones(3), np.zeros(3)), {"eps": 0.1}),
    ]


def layer_norm_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    return [
        layer_norm_case("hidden case: a (4, 7) batch", rng, (4, 7)),
        layer_norm_case("hidden case: a (3, 2, 5) input", rng, (3, 2, 5)),
        layer_norm_case("hidden case: eps = 0.01", rng, (2, 3), eps=0.01),
    ]


def normalises_over_the_batch(x, gamma, beta, eps=1e-5):
    return gamma * normalise(x, x.mean(axis=0, keepdims=True), x.var(axis=0, keepdims=True), eps) + beta


def normalises_over_every_axis(x, gamma, beta, eps=1e-5):
    return gamma * normalise(x, x.mean(), x.var(), eps) + beta


def normalises_over_axis_one(x, gamma, beta, eps=1e-5):
    return gamma * normalise(x, x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True), eps) + beta


def uses_the_unbiased_variance(x, gamma, beta, eps=1e-5):
    return gamma * normalise(x, x.mean(axis=-1, keepdims=True), x.var(axis=-1, ddof=1, keepdims=True), eps) + beta


def leaves_out_the_scale_and_shift(x, gamma, beta, eps=1e-5):
    return layer_norm_forward(x, np.ones_like(gamma), np.zeros_like(beta), eps)


def layer_norm_forward_by_the_formula(x, gamma, beta, eps=1e-5):
    mean = np.mean(x, axis=-1, keepdims=True)
    var = np.mean((x - mean) ** 2, axis=-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def layer_norm_forward_with_a_new_axis(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1)
    std = np.sqrt(x.var(axis=-1) + eps)
    x_hat = (x - mean[..., np.newaxis]) / std[..., np.newaxis]
    return x_hat * gamma + beta


def layer_norm_forward_without_keepdims(x, gamma, beta, eps=1e-5):
    mean, var = x.mean(axis=-1), x.var(axis=-1)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


LAYER_NORM_FORWARD = Exercise(
    layer_norm_forward,
    points=2,
    cases=layer_norm_cases,
    hidden_cases=layer_norm_hidden_cases,
    hint=(
        "For every example (every vector along the last axis): mean and biased variance over its features, "
        "x_hat = (x - mean) / sqrt(var + eps), out = gamma * x_hat + beta. Use axis=-1 with keepdims=True."
    ),
    mistakes=[
        Mistake(
            normalises_over_the_batch,
            "Layer norm normalises each example over its own features, the last axis (axis=-1); averaging over "
            "the batch (axis=0) is batch normalisation.",
        ),
        Mistake(
            normalises_over_every_axis,
            "Normalise over the last axis only (axis=-1, keepdims=True): for a (N, T, D) input each of the N·T "
            "vectors of D features gets its own mean and variance.",
        ),
        Mistake(normalises_over_axis_one, "The last axis is axis=-1: axis=1 is only the last one for 2-D inputs, and sequences (N, T, D) have three."),
        Mistake(uses_the_unbiased_variance, "Use the biased variance (np.var's default, dividing by D), as nn.LayerNorm does."),
        Mistake(adds_eps_outside_the_root, EPS_INSIDE, replacing=normalise),
        Mistake(leaves_out_the_scale_and_shift, AFFINE),
    ],
    right=[layer_norm_forward_by_the_formula, layer_norm_forward_with_a_new_axis],
    wrong=[Wrong(layer_norm_forward_without_keepdims, "raised ValueError")],
)

# ---------------------------------------------------------------- dropout_forward


def dropout_forward(x, p, training, rng):
    """Inverted dropout, as nn.Dropout(p) applies it.

    Inputs:
        x: float array of any shape.
        p: the probability of dropping each element, 0 <= p < 1.
        training: True to drop; False (evaluation) to return x unchanged.
        rng: a NumPy Generator (np.random.default_rng(seed)) to draw the random mask from.
    Returns:
        array shaped like x: in training, each element is 0 with probability p and x / (1 - p)
        otherwise; in evaluation, x unchanged.
    """
    if not training:
        return x.copy()
    keep = rng.random(x.shape) >= p
    return np.where(keep, x / (1 - p), 0.0)


LARGE = 1000  # inputs at least this big measure the share of dropped elements
SHARE_TOLERANCE = 0.02  # about five standard deviations of the share for 10 000 elements


def dropout_case(name, x, p, training, seed):
    return Case(name, (x, p, training, SeededGenerator(seed)))


def dropout_cases():
    rng = np.random.default_rng(73)
    small = np.array([[1.0, 2.0, 3.0, 4.0, 5.0], [-1.0, -2.0, -3.0, -4.0, -5.0]])
    return [
        dropout_case("a (2, 5) input in training mode, p = 0.5", small, 0.5, True, 0),
        dropout_case("the same input in evaluation mode", small.copy(), 0.5, False, 0),
        dropout_case("training, p = 0.2, 10 000 elements", rng.normal(size=(100, 100)), 0.2, True, 1),
        dropout_case("training, p = 0.75, 10 000 elements", rng.normal(size=(100, 100)), 0.75, True, 2),
        dropout_case("evaluation mode, p = 0.9, 2000 elements", rng.normal(size=(40, 50)), 0.9, False, 3),
        dropout_case("p = 0 in training: nothing is dropped", rng.normal(size=(3, 4)), 0.0, True, 4),
        dropout_case("a (4, 5, 6) input, p = 0.3", rng.normal(size=(4, 5, 6)), 0.3, True, 5),
    ]


def dropout_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    return [
        dropout_case("hidden case: training, p = 0.4, 20 000 elements", rng.normal(size=(200, 100)), 0.4, True, seed),
        dropout_case("hidden case: evaluation mode, p = 0.3", rng.normal(size=(6, 7)), 0.3, False, seed + 1),
        dropout_case("hidden case: training, p = 0.1, 5000 elements", rng.normal(size=5000), 0.1, True, seed + 2),
    ]


def run_again(called, seed_offset):
    """The function's output on the same case with a generator of the same seed (offset 0) or another seed."""
    x, p, training, rng = copy.deepcopy(called.case.args)
    generator = rng if seed_offset == 0 else SeededGenerator(rng.seed + seed_offset)
    with warnings.catch_warnings(), np.errstate(all="ignore"):  # the first call's warnings were recorded already
        warnings.simplefilter("ignore")
        return np.asarray(called.again(x, p, training, generator))


def evaluation_output(readings, case):
    x, p, training, rng = case.args
    return None if training else np.asarray(readings["output"])


def share_dropped(readings, case):
    x, p, training, rng = case.args
    if not training or x.size < LARGE:
        return None
    share = float(np.mean(np.asarray(readings["output"]) == 0))
    return p if abs(share - p) <= SHARE_TOLERANCE else round(share, 4)


def scale_of_kept(readings, case):
    x, p, training, rng = case.args
    out = np.asarray(readings["output"], dtype=float)
    kept = out != 0
    if not kept.any():
        return "no element kept"
    ratios = out[kept] / x[kept]
    if np.allclose(ratios, ratios[0], rtol=1e-9, atol=0):
        return float(ratios[0])
    return f"not the same for every kept element (from {ratios.min():.4g} to {ratios.max():.4g})"


def other_seed_differs(readings, case):
    x, p, training, rng = case.args
    if not training or p == 0 or x.size < 100:
        return None
    return not np.array_equal(readings["output"], readings["output with another seed"])


DROPOUT_PROPERTIES = [
    Property("shape of the output", "Return an array shaped like x: draw the mask with rng.random(x.shape).", read=lambda called: tuple(np.shape(called.result))),
    Reading("output", lambda called: np.asarray(called.result)),
    Reading("output with a generator of the same seed", lambda called: run_again(called, 0)),
    Reading("output with another seed", lambda called: run_again(called, 1)),
    Property(
        "output in evaluation mode (x itself)",
        "In evaluation mode (training=False) dropout does nothing: return x unchanged (no dropping, no scaling).",
        derive=evaluation_output,
    ),
    Property(
        "share of elements set to 0 (about p)",
        "p is the probability of dropping an element, as in nn.Dropout(p): keep an element when its random "
        "number is at least p (rng.random(x.shape) >= p).",
        derive=share_dropped,
    ),
    Property(
        "scale of the kept elements (output / x)",
        "Inverted dropout divides the kept elements by (1 - p), the probability of keeping them, so that the "
        "expected output equals x and nothing needs to change in evaluation mode.",
        derive=scale_of_kept,
    ),
    Property(
        "the same seed gives the same output",
        "Draw the mask from the generator you are given (rng.random(x.shape)), not from np.random or torch: "
        "the same seed must give the same mask.",
        derive=lambda readings, case: bool(np.array_equal(readings["output"], readings["output with a generator of the same seed"])),
    ),
    Property(
        "another seed drops other elements",
        "Draw the mask from the generator you are given, rng, not from a generator of your own with a fixed seed.",
        derive=other_seed_differs,
    ),
]

INVERTED = (
    "In training, draw one uniform number per element from rng (rng.random(x.shape)), keep the elements whose "
    "number is at least p, divide them by (1 - p) and set the others to 0. In evaluation mode return x unchanged."
)


def does_not_scale_the_kept_elements(x, p, training, rng):
    if not training:
        return x.copy()
    return x * (rng.random(x.shape) >= p)


def keeps_with_probability_p(x, p, training, rng):
    if not training:
        return x.copy()
    return x * (rng.random(x.shape) < p) / p


def drops_in_evaluation_too(x, p, training, rng):
    return x * (rng.random(x.shape) >= p) / (1 - p)


def multiplies_by_the_keep_probability(x, p, training, rng):
    if not training:
        return x.copy()
    return x * (rng.random(x.shape) >= p) * (1 - p)


def draws_from_np_random(x, p, training, rng):
    if not training:
        return x.copy()
    return x * (np.random.rand(*x.shape) >= p) / (1 - p)


def dropout_forward_with_a_scaled_mask(x, p, training, rng):
    if not training:
        return x
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask


def dropout_forward_with_binomial_draws(x, p, training, rng):
    if training and p > 0:
        keep = rng.binomial(1, 1 - p, size=x.shape)
        return x * keep / (1 - p)
    return x.copy()


def dropout_forward_with_uniform_draws(x, p, training, rng):
    out = x.copy()
    if training:
        dropped = rng.uniform(0, 1, size=x.shape) < p
        out[dropped] = 0
        out[~dropped] /= 1 - p
    return out


def dropout_forward_in_place(x, p, training, rng):
    if training:
        x *= (rng.random(x.shape) >= p) / (1 - p)
    return x


DROPOUT_FORWARD = Exercise(
    dropout_forward,
    points=2,
    cases=dropout_cases,
    hidden_cases=dropout_hidden_cases,
    hint=INVERTED,
    properties=DROPOUT_PROPERTIES,
    returns=Returns(np.ndarray, "a NumPy array shaped like x", "Return the output as a NumPy array shaped like x."),
    tolerance=Tolerance(rtol=1e-7, atol=1e-12),
    mistakes=[
        Mistake(
            does_not_scale_the_kept_elements,
            "Inverted dropout divides the kept elements by (1 - p): yours keeps them as they are, so the expected "
            "output is (1 - p) · x in training but x in evaluation.",
        ),
        Mistake(
            keeps_with_probability_p,
            "p is the probability of dropping an element (nn.Dropout(p)), not of keeping it: keep an element when "
            "rng.random(...) >= p and divide the kept ones by 1 - p.",
        ),
        Mistake(drops_in_evaluation_too, "In evaluation mode (training=False) return x unchanged: dropout is only active in training."),
        Mistake(multiplies_by_the_keep_probability, "Divide the kept elements by (1 - p), do not multiply them by it."),
        Mistake(
            draws_from_np_random,
            "Draw the mask from the generator you are given (rng.random(x.shape)), not from np.random: the same seed must give the same mask.",
        ),
    ],
    right=[dropout_forward_with_a_scaled_mask, dropout_forward_with_binomial_draws, dropout_forward_with_uniform_draws],
    wrong=[Wrong(dropout_forward_in_place, "changed its input x in place")],
)
