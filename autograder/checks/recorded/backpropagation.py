"""The visible side of notebook 05, backpropagation from scratch: a one-hidden-layer ReLU network with softmax, in NumPy.

Written by the release command from autograder/exercises/backpropagation.py; do not edit it. It holds what the
checks of the learner's install need of those exercises (their visible cases, properties and hints), and
no reference, known mistake, example answer or hidden case: see autograder.checks.recorded.
"""

import numpy as np

from autograder.checks.check import Case
from autograder.checks.compare import Tolerance
from autograder.checks.probes import as_arrays, examples, quietly, same_arrays
from autograder.checks.properties import Property, Reading, Returns
from autograder.checks.spec import Spec


def network(rng, D, H, C, scale=1.0):
    """Random parameters of a D-H-C network, biases included, so that every term of the computation shows."""
    return {"W1": rng.normal(size=(D, H)), "b1": rng.normal(size=H) * 0.5, "W2": rng.normal(size=(H, C)) * scale, "b2": rng.normal(size=C) * 0.5}


def forward_cases(seed, specs, prefix):
    rng = np.random.default_rng(seed)
    cases = []
    for N, D, H, C, scale in specs:
        X, params = rng.normal(size=(N, D)), network(rng, D, H, C, scale)
        large = " with very large scores (up to about ±1000)" if scale > 10 else ""
        cases.append(Case(f"{prefix}: {examples(N)}, a {D}-{H}-{C} network{large}", (X, params)))
    return cases


def mlp_forward_cases():
    fixed_params = {
        "W1": np.array([[1.0, -1.0, 0.5], [0.0, 1.0, -2.0]]),
        "b1": np.array([0.0, 0.5, 1.0]),
        "W2": np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, -1.0, 1.0]]),
        "b2": np.array([0.1, 0.0, -0.1]),
    }
    fixed = Case("two examples through a 2-3-3 network", (np.array([[1.0, 2.0], [-1.0, 0.5]]), fixed_params))
    rng = np.random.default_rng(51)
    integers = Case("integer inputs", (rng.integers(-3, 4, size=(4, 2)), network(rng, 2, 4, 3)))
    return (
        [fixed]
        + forward_cases(52, [(5, 2, 4, 3, 1.0), (6, 3, 5, 4, 1.0)], "random case")
        + forward_cases(53, [(1, 2, 3, 3, 1.0)], "a batch of one")
        + [integers]
        + forward_cases(54, [(4, 2, 6, 3, 300.0)], "extreme case")
    )


MLP_FORWARD = Spec(
    "mlp_forward",
    ("X", "params"),
    points=2,
    cases=mlp_forward_cases,
    result_names=("probs", "cache"),
    hint='z1 = X @ W1 + b1, a1 = relu(z1), z2 = a1 @ W2 + b2, probs = softmax(z2); return probs, {"X": X, "z1": z1, "a1": a1}.',
    warning_hint="Large scores overflow np.exp. Use softmax from notebook 03 (imported in the setup cell), which subtracts "
        "each row's largest score before exponentiating.",
)


def probabilities(rng, N, C):
    Z = rng.normal(size=(N, C)) * 2
    exp = np.exp(Z - Z.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def scores_gradient_cases(seed, shapes, prefix):
    rng = np.random.default_rng(seed)
    cases = []
    for N, C in shapes:
        probs = probabilities(rng, N, C)
        cases.append(Case(f"{prefix}: {examples(N)}, {C} classes", (probs, rng.integers(0, C, size=N))))
    return cases


def softmax_cross_entropy_backward_cases():
    fixed = Case("three examples, three classes", (np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25]]), np.array([0, 2, 0])))
    rng = np.random.default_rng(56)
    certain = Case("probabilities of exactly 0 and 1", (np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]), np.array([0, 1])))
    int32 = Case("labels stored as int32", (probabilities(rng, 5, 3), rng.integers(0, 3, size=5).astype(np.int32)))
    return [fixed] + scores_gradient_cases(55, [(6, 4), (8, 3)], "random case") + scores_gradient_cases(57, [(1, 3)], "a batch of one") + [certain, int32]


SOFTMAX_CROSS_ENTROPY_BACKWARD = Spec(
    "softmax_cross_entropy_backward",
    ("probs", "y"),
    points=2,
    cases=softmax_cross_entropy_backward_cases,
    hint="dscores = (probs − onehot(y)) / N: a copy of probs, minus 1 at each example's true class, divided by N.",
    mutation_hint="Leave probs as it was (the caller may still need it): work on a copy, dscores = probs.copy(), and change that. "
        "`dscores = probs` does not copy; it gives the same array a second name.",
)


def backward_case(name, X, params, dscores, hint=""):
    z1 = X @ params["W1"] + params["b1"]
    return Case(name, (dscores, {"X": X, "z1": z1, "a1": np.maximum(0, z1)}, params), hint=hint)


def backward_cases(seed, specs, prefix):
    rng = np.random.default_rng(seed)
    cases = []
    for N, D, H, C in specs:
        X, params = rng.normal(size=(N, D)), network(rng, D, H, C)
        cases.append(backward_case(f"{prefix}: {examples(N)}, a {D}-{H}-{C} network", X, params, rng.normal(size=(N, C)) / N))
    return cases


ZERO_SLOPE = (
    "ReLU's slope at exactly z1 = 0 counts as 0 (PyTorch does the same): keep the gradient only where z1 > 0, "
    "dz1 = dhidden * (z1 > 0)."
)


def mlp_backward_cases():
    fixed_params = {
        "W1": np.array([[1.0, -1.0, 0.5], [0.0, 1.0, -2.0]]),
        "b1": np.array([0.0, 0.5, 1.0]),
        "W2": np.array([[1.0, 0.0], [2.0, 1.0], [0.0, -1.0]]),
        "b2": np.array([0.1, -0.1]),
    }
    fixed = backward_case("two examples through a 2-3-2 network", np.array([[1.0, 2.0], [-1.0, 0.5]]), fixed_params, np.array([[0.25, -0.25], [-0.1, 0.1]]))
    rng = np.random.default_rng(59)
    at_zero = backward_case(
        "an example at the origin, with zero biases: z1 = 0 exactly",
        np.array([[0.0, 0.0], [1.0, -1.0], [0.5, 2.0]]),
        {**network(rng, 2, 4, 3), "b1": np.zeros(4)},
        rng.normal(size=(3, 3)) / 3,
        hint=ZERO_SLOPE,
    )
    return [fixed] + backward_cases(58, [(6, 2, 5, 3), (8, 3, 4, 4)], "random case") + backward_cases(60, [(1, 2, 6, 3)], "a batch of one") + [at_zero]


MLP_BACKWARD = Spec(
    "mlp_backward",
    ("dscores", "cache", "params"),
    points=3,
    cases=mlp_backward_cases,
    hint="dW2 = a1.T @ dscores, db2 = dscores summed over the examples; dhidden = dscores @ W2.T; "
        "dz1 = dhidden * (z1 > 0); dW1 = X.T @ dz1, db1 = dz1 summed over the examples.",
    mutation_hint="Leave dscores, cache and params as they were: the training loop uses them again. Build new arrays "
        "(dz1 = dhidden * (z1 > 0)) instead of changing the cached ones.",
)


def step_case(name, params, lr, rng):
    return Case(name, (params, {key: rng.normal(size=value.shape) for key, value in params.items()}, lr))


def sgd_update_cases():
    fixed = Case(
        "one step with lr = 0.1",
        (
            {"W1": np.array([[1.0, 2.0], [3.0, 4.0]]), "b1": np.array([0.5, -0.5]), "W2": np.array([[1.0], [-1.0]]), "b2": np.array([0.0])},
            {"W1": np.array([[1.0, 0.0], [0.0, -1.0]]), "b1": np.array([2.0, 1.0]), "W2": np.array([[0.5], [0.5]]), "b2": np.array([-3.0])},
            0.1,
        ),
    )
    rng = np.random.default_rng(61)
    return [
        fixed,
        step_case("random case: a 2-4-3 network, lr = 1.0", network(rng, 2, 4, 3), 1.0, rng),
        step_case("a network with three layers (W1 ... b3), lr = 0.5", {**network(rng, 3, 2, 2), "W3": rng.normal(size=(2, 1)), "b3": rng.normal(size=1)}, 0.5, rng),
        step_case("a single layer (only W1 and b1), lr = 0.01", {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=2)}, 0.01, rng),
    ]


def arrays_held_before(called):
    """Call the function again on fresh inputs and read the arrays the dict held before the step."""
    params, grads, lr = as_arrays(called.case.args[0]), as_arrays(called.case.args[1]), called.case.args[2]
    held = dict(params)
    with quietly():
        called.again(params, grads, lr)
    return as_arrays(held)


IN_PLACE = (
    "`params[name] = params[name] - lr * grads[name]` builds a new array and puts it in the dict; the array that was "
    "there is unchanged, and so is anything else that holds it. Change the arrays themselves: "
    "params[name] -= lr * grads[name]."
)


SGD_UPDATE_PROPERTIES = [
    Property(
        "params after the step",
        "Move every array in params against its gradient, in place: params[name] -= lr * grads[name].",
        read=lambda called: as_arrays(called.arguments[0]),
    ),
    Property("arrays that were in params before the step (each must change in place)", IN_PLACE, read=arrays_held_before),
    Property(
        "grads after the step (left unchanged)",
        "Leave grads as they were: compute lr * grads[name] as a new array.",
        read=lambda called: as_arrays(called.arguments[1]),
    ),
    Property(
        "returns None (the step changes params itself)",
        "Change params in place and return nothing.",
        read=lambda called: called.result is None,
    ),
]


SGD_UPDATE = Spec(
    "sgd_update",
    ("params", "grads", "lr"),
    points=1,
    cases=sgd_update_cases,
    hint="for name in params: params[name] -= lr * grads[name]",
    properties=SGD_UPDATE_PROPERTIES,
    changes_its_inputs=True,
)


def clusters(seed, classes=3, features=2, per_class=10, labels=None):
    """Well separated clusters of points, one per class, that the network learns within a few dozen epochs."""
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(classes) / classes + rng.uniform(0, np.pi)
    centres = np.zeros((classes, features))
    centres[:, 0], centres[:, 1] = 3 * np.cos(angles), 3 * np.sin(angles)  # evenly spaced on a circle of radius 3
    y = np.arange(classes * per_class) % classes
    X = centres[y] + rng.normal(size=(len(y), features)) * 0.5
    return X, y if labels is None else np.asarray(labels)[y]


def training_case(name, data, hidden, epochs, lr, seed, hint=""):
    X, y = data
    return Case(f"{name}: {len(y)} points, hidden = {hidden}, epochs = {epochs}, lr = {lr}, seed = {seed}", (X, y, hidden, epochs, lr, seed), hint=hint)


def train_numpy_mlp_cases():
    return [
        training_case("3 clusters", clusters(62), 8, 30, 1.0, 0),
        training_case("2 clusters in 3 dimensions", clusters(63, classes=2, features=3), 5, 20, 0.5, 3),
        training_case(
            "3 clusters labelled 0, 1 and 3 (class 2 has no points)", clusters(64, labels=[0, 1, 3]), 6, 20, 1.0, 1,
            hint="The classes are 0..C-1 with C = y.max() + 1 = 4, although class 2 has no points: init_params(X.shape[1], hidden, C, seed).",
        ),
    ]


def shifted(y):
    return (y + 1) % (int(np.max(y)) + 1)


def trained_with_other_labels(called):
    X, y, *rest = called.case.args
    with quietly():
        return as_arrays(called.again(X, shifted(y), *rest)[0])


def trained_again(called):
    with quietly():
        return as_arrays(called.again(*called.case.args)[0])


TRAINING_STEPS = (
    "Start from init_params(X.shape[1], hidden, C, seed) with C = y.max() + 1. Then each epoch, on the whole training "
    "set: probs, cache = mlp_forward(X, params); record the loss and the accuracy of those probs; "
    "dscores = softmax_cross_entropy_backward(probs, y); grads = mlp_backward(dscores, cache, params); "
    "sgd_update(params, grads, lr)."
)


TRAIN_NUMPY_MLP_PROPERTIES = [
    Property(
        "parameter names and shapes",
        'Return the parameters as the dict init_params made, "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,), updated by every step.',
        read=lambda called: sorted((str(name), tuple(np.shape(value))) for name, value in called.result[0].items()),
    ),
    Property(
        "history's keys",
        'Return history as a dict with two lists: {"loss": [...], "accuracy": [...]}.',
        read=lambda called: sorted(str(key) for key in called.result[1].keys()),
    ),
    Reading("losses", lambda called: [float(loss) for loss in called.result[1]["loss"]]),
    Reading("accuracies", lambda called: [float(accuracy) for accuracy in called.result[1]["accuracy"]]),
    Property(
        "number of losses and of accuracies recorded (one each per epoch)",
        "Take exactly `epochs` steps, and record one loss and one accuracy at each.",
        derive=lambda readings, case: [len(readings["losses"]), len(readings["accuracies"])],
    ),
    Reading("parameters from the same call again", trained_again),
    Property(
        "the same call gives the same parameters (seeded)",
        "Start from init_params(X.shape[1], hidden, C, seed), with the seed you are given.",
        derive=lambda readings, case: same_arrays(readings["trained parameters"], readings["parameters from the same call again"]),
    ),
    Property("losses, epoch by epoch", TRAINING_STEPS, derive=lambda readings, case: np.array(readings["losses"])),
    Property(
        "accuracies, epoch by epoch",
        "The accuracy is the share of examples whose largest probability is at their true class, "
        "np.mean(probs.argmax(axis=1) == y), a number between 0 and 1, measured on the probs of the step.",
        derive=lambda readings, case: np.array(readings["accuracies"]),
    ),
    Property("trained parameters", TRAINING_STEPS, read=lambda called: as_arrays(called.result[0])),
    Property(
        "parameters learned from the same points with other labels",
        "Use the X and y passed to train_numpy_mlp, not variables from the notebook.",
        read=trained_with_other_labels,
    ),
]


TRAIN_NUMPY_MLP = Spec(
    "train_numpy_mlp",
    ("X", "y", "hidden", "epochs", "lr", "seed"),
    points=2,
    cases=train_numpy_mlp_cases,
    hint=TRAINING_STEPS,
    properties=TRAIN_NUMPY_MLP_PROPERTIES,
    returns=Returns((tuple, list), "a tuple (params, history)", "Return both the parameters and the history: return params, history."),
    tolerance=Tolerance(rtol=1e-6, atol=1e-9),
    uses=("init_params", "mlp_forward", "softmax_cross_entropy_backward", "mlp_backward", "sgd_update"),
)


SPECS = (MLP_FORWARD, SOFTMAX_CROSS_ENTROPY_BACKWARD, MLP_BACKWARD, SGD_UPDATE, TRAIN_NUMPY_MLP,)  # in notebook order
