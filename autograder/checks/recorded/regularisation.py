"""The visible side of notebook 07, generalisation and regularisation: EarlyStopping and three layers in NumPy.

Written by the release command from autograder/exercises/regularisation.py; do not edit it. It holds what the
checks of the learner's install need of those exercises (their visible cases, properties and hints), and
no reference, known mistake, example answer or hidden case: see autograder.checks.recorded.
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
from autograder.checks.spec import Spec


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


EARLY_STOPPING = Spec(
    "EarlyStopping",
    ("patience", "min_delta"),
    points=3,
    cases=early_stopping_cases,
    hint="Follow the rules in the exercise: improvement, counter, stopping, and a copy of the best state dict.",
    properties=EARLY_STOPPING_PROPERTIES,
    tolerance=Tolerance(rtol=1e-9, atol=1e-12),
)


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


BATCH_NORM_STEPS = (
    "In training: mean and biased variance of each feature over the batch (axis 0); x_hat = (x - mean) / "
    "sqrt(var + eps); out = gamma * x_hat + beta; new running = (1 - momentum) * running + momentum * batch "
    "statistic, with the unbiased variance (N / (N - 1) times the biased one) for running_var. In evaluation: "
    "normalise with running_mean and running_var, and return them unchanged."
)


BATCH_NORM_FORWARD = Spec(
    "batch_norm_forward",
    ("x", "gamma", "beta", "running_mean", "running_var", "training", "momentum", "eps"),
    points=3,
    cases=batch_norm_cases,
    result_names=("out", "new_running_mean", "new_running_var"),
    hint=BATCH_NORM_STEPS,
    mutation_hint="Leave running_mean and running_var as they are and return the new running statistics as new arrays: "
        "new_running_mean = (1 - momentum) * running_mean + momentum * mean, not running_mean *= ...",
)


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


LAYER_NORM_FORWARD = Spec(
    "layer_norm_forward",
    ("x", "gamma", "beta", "eps"),
    points=2,
    cases=layer_norm_cases,
    hint="For every example (every vector along the last axis): mean and biased variance over its features, "
        "x_hat = (x - mean) / sqrt(var + eps), out = gamma * x_hat + beta. Use axis=-1 with keepdims=True.",
)


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


DROPOUT_FORWARD = Spec(
    "dropout_forward",
    ("x", "p", "training", "rng"),
    points=2,
    cases=dropout_cases,
    hint=INVERTED,
    properties=DROPOUT_PROPERTIES,
    returns=Returns(np.ndarray, "a NumPy array shaped like x", "Return the output as a NumPy array shaped like x."),
    tolerance=Tolerance(rtol=1e-7, atol=1e-12),
)


SPECS = (EARLY_STOPPING, BATCH_NORM_FORWARD, LAYER_NORM_FORWARD, DROPOUT_FORWARD,)  # in notebook order
