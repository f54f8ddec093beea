"""Checks for notebook 05, backpropagation from scratch.

The cases are built here with plain NumPy, never with the references of this
notebook's exercises: under the course's grader those are sealed in the
learner's kernel, where the cases are made.
"""

from __future__ import annotations

import contextlib
import copy
import inspect
import io
import types
import warnings
from typing import Callable

import numpy as np

from autograder.checks.check import Case, Check, Mistake
from autograder.checks.compare import Tolerance
from autograder.checks.observe import Observation
from autograder.checks.progress import progress_view
from autograder.checks.properties import Called, Derived, PropertyCheck, Raw
from autograder.references import backpropagation as reference

NAMES = ("W1", "b1", "W2", "b2")  # the parameters, in the order the notebook writes them


def _network(rng: np.random.Generator, D: int, H: int, C: int, scale: float = 1.0) -> dict[str, np.ndarray]:
    """Random parameters of a D-H-C network, biases included, so that every term of the computation shows."""
    return {
        "W1": rng.normal(size=(D, H)),
        "b1": rng.normal(size=H) * 0.5,
        "W2": rng.normal(size=(H, C)) * scale,
        "b2": rng.normal(size=C) * 0.5,
    }


@contextlib.contextmanager
def _quietly():
    """Silence NumPy's floating-point warnings (a diverging training run takes log(0)) while the check reads."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def _examples(count: int) -> str:
    return f"{count} example{'s' * (count != 1)}"


# ---------------------------------------------------------------- mlp_forward


def _forward_cases(seed: int, specs: list[tuple[int, int, int, int, float]], prefix: str) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for N, D, H, C, scale in specs:
        X, params = rng.normal(size=(N, D)), _network(rng, D, H, C, scale)
        large = " with very large scores (up to about ±1000)" if scale > 10 else ""
        cases.append(Case(f"{prefix}: {_examples(N)}, a {D}-{H}-{C} network{large}", (X, params)))
    return cases


def _forward_visible_cases() -> list[Case]:
    fixed_params = {
        "W1": np.array([[1.0, -1.0, 0.5], [0.0, 1.0, -2.0]]),
        "b1": np.array([0.0, 0.5, 1.0]),
        "W2": np.array([[1.0, 0.0, -1.0], [2.0, 1.0, 0.0], [0.0, -1.0, 1.0]]),
        "b2": np.array([0.1, 0.0, -0.1]),
    }
    fixed = Case("two examples through a 2-3-3 network", (np.array([[1.0, 2.0], [-1.0, 0.5]]), fixed_params))
    rng = np.random.default_rng(51)
    integers = Case("integer inputs", (rng.integers(-3, 4, size=(4, 2)), _network(rng, 2, 4, 3)))
    return (
        [fixed]
        + _forward_cases(52, [(5, 2, 4, 3, 1.0), (6, 3, 5, 4, 1.0)], "random case")
        + _forward_cases(53, [(1, 2, 3, 3, 1.0)], "a batch of one")
        + [integers]
        + _forward_cases(54, [(4, 2, 6, 3, 300.0)], "extreme case")
    )


def _forward_hidden_cases() -> list[Case]:
    return _forward_cases(152, [(9, 2, 7, 3, 1.0), (3, 4, 2, 5, 1.0), (1, 1, 3, 2, 1.0), (5, 2, 8, 3, 500.0)], "hidden case")


def _forward_with(X, params, activation=reference.relu, normalise=reference.softmax, cache_a1_as_z1=False, cache_z2=False):
    z1 = X @ params["W1"] + params["b1"]
    a1 = activation(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    cache = {"X": X, "z1": z1, "a1": z1 if cache_a1_as_z1 else a1}
    return normalise(z2), {**cache, "z2": z2} if cache_z2 else cache


def _softmax_of_columns(Z):
    exp = np.exp(Z - Z.max(axis=0, keepdims=True))
    return exp / exp.sum(axis=0, keepdims=True)


def _naive_softmax(Z):
    return np.exp(Z) / np.exp(Z).sum(axis=1, keepdims=True)


mlp_forward = Check(
    "mlp_forward",
    reference.mlp_forward,
    points=2,
    cases=_forward_visible_cases,
    hidden_cases=_forward_hidden_cases,
    result_names=("probs", "cache"),
    hint=(
        "z1 = X @ W1 + b1, a1 = relu(z1), z2 = a1 @ W2 + b2, probs = softmax(z2); "
        'return probs, {"X": X, "z1": z1, "a1": a1}.'
    ),
    warning_hint=(
        "Large scores overflow np.exp. Use softmax from notebook 03 (imported in the setup cell), which subtracts "
        "each row's largest score before exponentiating."
    ),
    mistakes=[
        Mistake(
            "Apply ReLU to the hidden layer: a1 = relu(z1). Without it the network is a linear classifier again.",
            lambda X, params: _forward_with(X, params, activation=lambda z: z),
        ),
        Mistake(
            "Each row is one example and must sum to 1: take the softmax over the classes, axis=1, not over the batch.",
            lambda X, params: _forward_with(X, params, normalise=_softmax_of_columns),
        ),
        Mistake(
            "Return probabilities: apply softmax to the scores z2 = a1 @ W2 + b2.",
            lambda X, params: _forward_with(X, params, normalise=lambda Z: Z),
        ),
        Mistake(
            'cache["a1"] is the hidden layer after ReLU, relu(z1); cache["z1"] is the same layer before it.',
            lambda X, params: _forward_with(X, params, cache_a1_as_z1=True),
        ),
        Mistake(
            "np.exp(z2) overflows for large scores (e^1000 is inf, and inf / inf is nan): use softmax from notebook 03, "
            "which subtracts each row's largest score first.",
            lambda X, params: _forward_with(X, params, normalise=_naive_softmax),
        ),
        Mistake(
            "Add the biases: z1 = X @ W1 + b1 and z2 = a1 @ W2 + b2.",
            lambda X, params: _forward_with(X, {**params, "b1": 0 * params["b1"], "b2": 0 * params["b2"]}),
        ),
        Mistake(
            'The cache holds exactly what mlp_backward needs, "X", "z1" and "a1": leave out anything else.',
            lambda X, params: _forward_with(X, params, cache_z2=True),
        ),
        Mistake(
            "Return the probabilities first, then the cache: return probs, cache.",
            lambda X, params: _forward_with(X, params)[::-1],
        ),
    ],
)


# ---------------------------------------------- softmax_cross_entropy_backward


def _probabilities(rng: np.random.Generator, N: int, C: int) -> np.ndarray:
    Z = rng.normal(size=(N, C)) * 2
    exp = np.exp(Z - Z.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True)


def _scores_gradient_cases(seed: int, shapes: list[tuple[int, int]], prefix: str) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for N, C in shapes:
        probs = _probabilities(rng, N, C)
        cases.append(Case(f"{prefix}: {_examples(N)}, {C} classes", (probs, rng.integers(0, C, size=N))))
    return cases


def _scores_gradient_visible_cases() -> list[Case]:
    fixed = Case(
        "three examples, three classes",
        (np.array([[0.7, 0.2, 0.1], [0.1, 0.3, 0.6], [0.25, 0.5, 0.25]]), np.array([0, 2, 0])),
    )
    rng = np.random.default_rng(56)
    certain = Case(
        "probabilities of exactly 0 and 1",
        (np.array([[1.0, 0.0, 0.0, 0.0], [0.0, 0.0, 1.0, 0.0]]), np.array([0, 1])),
    )
    int32 = Case("labels stored as int32", (_probabilities(rng, 5, 3), rng.integers(0, 3, size=5).astype(np.int32)))
    return (
        [fixed]
        + _scores_gradient_cases(55, [(6, 4), (8, 3)], "random case")
        + _scores_gradient_cases(57, [(1, 3)], "a batch of one")
        + [certain, int32]
    )


def _scores_gradient_with(probs, y, sign=1.0, divide_by=None, all_entries=False, columns=False):
    dscores = probs.copy()
    if all_entries:
        dscores -= 1
    elif columns:
        dscores[:, y] -= 1
    else:
        dscores[np.arange(len(y)), y] -= 1
    return sign * dscores / (len(y) if divide_by is None else divide_by)


softmax_cross_entropy_backward = Check(
    "softmax_cross_entropy_backward",
    reference.softmax_cross_entropy_backward,
    points=2,
    cases=_scores_gradient_visible_cases,
    hidden_cases=lambda: _scores_gradient_cases(155, [(7, 3), (2, 5), (1, 2)], "hidden case"),
    hint="dscores = (probs − onehot(y)) / N: a copy of probs, minus 1 at each example's true class, divided by N.",
    mutation_hint=(
        "Leave probs as it was (the caller may still need it): work on a copy, dscores = probs.copy(), and change that. "
        "`dscores = probs` does not copy; it gives the same array a second name."
    ),
    mistakes=[
        Mistake(
            "Divide by the batch size N = len(y): the loss is a mean over the N examples, so the gradient of each "
            "example's score carries a factor 1/N.",
            lambda probs, y: _scores_gradient_with(probs, y, divide_by=1),
        ),
        Mistake(
            "The sign is flipped: the gradient is probs − onehot(y). Stepping against it raises the right class's score.",
            lambda probs, y: _scores_gradient_with(probs, y, sign=-1.0),
        ),
        Mistake(
            "Subtract 1 only at each example's true class, dscores[n, y[n]]; the other classes keep probs as it is.",
            lambda probs, y: _scores_gradient_with(probs, y, all_entries=True),
        ),
        Mistake(
            "dscores[:, y] picks whole columns. Pick one entry per row, the true class of each example: "
            "dscores[np.arange(N), y].",
            lambda probs, y: _scores_gradient_with(probs, y, columns=True),
        ),
        Mistake(
            "Divide by the number of examples, N = len(y) (the rows), not by the number of classes.",
            lambda probs, y: _scores_gradient_with(probs, y, divide_by=probs.shape[1]),
        ),
    ],
)


# ---------------------------------------------------------------- mlp_backward


def _backward_case(name: str, X: np.ndarray, params: dict[str, np.ndarray], dscores: np.ndarray, hint: str = "") -> Case:
    z1 = X @ params["W1"] + params["b1"]
    cache = {"X": X, "z1": z1, "a1": np.maximum(0, z1)}
    return Case(name, (dscores, cache, params), hint=hint)


def _backward_cases(seed: int, specs: list[tuple[int, int, int, int]], prefix: str) -> list[Case]:
    rng = np.random.default_rng(seed)
    cases = []
    for N, D, H, C in specs:
        X, params = rng.normal(size=(N, D)), _network(rng, D, H, C)
        dscores = rng.normal(size=(N, C)) / N
        cases.append(_backward_case(f"{prefix}: {_examples(N)}, a {D}-{H}-{C} network", X, params, dscores))
    return cases


ZERO_SLOPE = (
    "ReLU's slope at exactly z1 = 0 counts as 0 (PyTorch does the same): keep the gradient only where z1 > 0, "
    "dz1 = dhidden * (z1 > 0)."
)


def _backward_visible_cases() -> list[Case]:
    fixed_params = {
        "W1": np.array([[1.0, -1.0, 0.5], [0.0, 1.0, -2.0]]),
        "b1": np.array([0.0, 0.5, 1.0]),
        "W2": np.array([[1.0, 0.0], [2.0, 1.0], [0.0, -1.0]]),
        "b2": np.array([0.1, -0.1]),
    }
    fixed = _backward_case(
        "two examples through a 2-3-2 network",
        np.array([[1.0, 2.0], [-1.0, 0.5]]),
        fixed_params,
        np.array([[0.25, -0.25], [-0.1, 0.1]]),
    )
    rng = np.random.default_rng(59)
    at_zero = _backward_case(
        "an example at the origin, with zero biases: z1 = 0 exactly",
        np.array([[0.0, 0.0], [1.0, -1.0], [0.5, 2.0]]),
        {**_network(rng, 2, 4, 3), "b1": np.zeros(4)},
        rng.normal(size=(3, 3)) / 3,
        hint=ZERO_SLOPE,
    )
    return (
        [fixed]
        + _backward_cases(58, [(6, 2, 5, 3), (8, 3, 4, 4)], "random case")
        + _backward_cases(60, [(1, 2, 6, 3)], "a batch of one")
        + [at_zero]
    )


def _backward_with(dscores, cache, params, mask=lambda z1, dhidden: z1 > 0, bias_sum=lambda d: d.sum(axis=0), scale=1.0, first_input="a1", names=NAMES):
    dW2 = cache[first_input].T @ dscores
    db2 = bias_sum(dscores)
    dhidden = dscores @ params["W2"].T
    dz1 = dhidden * mask(cache["z1"], dhidden)
    dW1 = cache["X"].T @ dz1
    db1 = bias_sum(dz1)
    return {name: scale * gradient for name, gradient in zip(names, (dW1, db1, dW2, db2))}


def _backward_transposed(dscores, cache, params):
    gradients = reference.mlp_backward(dscores, cache, params)
    return {**gradients, "W1": gradients["W1"].T, "W2": gradients["W2"].T}


mlp_backward = Check(
    "mlp_backward",
    reference.mlp_backward,
    points=3,
    cases=_backward_visible_cases,
    hidden_cases=lambda: _backward_cases(158, [(10, 2, 7, 3), (3, 4, 3, 2), (1, 1, 5, 4)], "hidden case"),
    hint=(
        "dW2 = a1.T @ dscores, db2 = dscores summed over the examples; dhidden = dscores @ W2.T; "
        "dz1 = dhidden * (z1 > 0); dW1 = X.T @ dz1, db1 = dz1 summed over the examples."
    ),
    mutation_hint=(
        "Leave dscores, cache and params as they were: the training loop uses them again. Build new arrays "
        "(dz1 = dhidden * (z1 > 0)) instead of changing the cached ones."
    ),
    mistakes=[
        Mistake(
            "Backpropagate through the ReLU: dz1 = dhidden * (z1 > 0). Where a unit was off (z1 ≤ 0) its output did "
            "not depend on W1 or b1, so no gradient flows back through it.",
            lambda dscores, cache, params: _backward_with(dscores, cache, params, mask=lambda z1, dhidden: 1.0),
        ),
        Mistake(ZERO_SLOPE, lambda dscores, cache, params: _backward_with(dscores, cache, params, mask=lambda z1, dhidden: z1 >= 0)),
        Mistake(
            "The ReLU mask comes from the forward pass, where z1 > 0, not from the sign of the gradient.",
            lambda dscores, cache, params: _backward_with(dscores, cache, params, mask=lambda z1, dhidden: dhidden > 0),
        ),
        Mistake(
            "Sum the bias gradients over the examples, axis=0: one number per unit (shape (H,) for b1, (C,) for b2).",
            lambda dscores, cache, params: _backward_with(dscores, cache, params, bias_sum=lambda d: d.sum(axis=1)),
        ),
        Mistake(
            "b1 has shape (H,) and b2 (C,): sum over axis 0 without keepdims=True.",
            lambda dscores, cache, params: _backward_with(dscores, cache, params, bias_sum=lambda d: d.sum(axis=0, keepdims=True)),
        ),
        Mistake(
            "Sum the bias gradients over the examples; averaging divides by N a second time (dscores already carries 1/N).",
            lambda dscores, cache, params: _backward_with(dscores, cache, params, bias_sum=lambda d: d.mean(axis=0)),
        ),
        Mistake(
            "dscores already carries the 1/N of the mean loss (softmax_cross_entropy_backward divided by N): do not "
            "divide again.",
            lambda dscores, cache, params: _backward_with(dscores, cache, params, scale=1 / len(dscores)),
        ),
        Mistake(
            "The second layer's input is a1 = relu(z1), so dW2 = a1.T @ dscores, not z1.T @ dscores.",
            lambda dscores, cache, params: _backward_with(dscores, cache, params, first_input="z1"),
        ),
        Mistake(
            "Each gradient has its parameter's shape: dW1 = X.T @ dz1 is (D, H) and dW2 = a1.T @ dscores is (H, C).",
            _backward_transposed,
        ),
        Mistake(
            'Name each gradient like its parameter, "W1", "b1", "W2", "b2", so that sgd_update can pair them.',
            lambda dscores, cache, params: _backward_with(dscores, cache, params, names=("dW1", "db1", "dW2", "db2")),
        ),
        Mistake(
            "Those are the gradients' negatives: dscores points uphill, and so does every gradient computed from it.",
            lambda dscores, cache, params: _backward_with(dscores, cache, params, scale=-1.0),
        ),
    ],
)


# ------------------------------------------------------------------ sgd_update


def _step_case(name: str, params: dict[str, np.ndarray], lr: float, rng: np.random.Generator) -> Case:
    grads = {key: rng.normal(size=value.shape) for key, value in params.items()}
    return Case(name, (params, grads, lr))


def _step_visible_cases() -> list[Case]:
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
        _step_case("random case: a 2-4-3 network, lr = 1.0", _network(rng, 2, 4, 3), 1.0, rng),
        _step_case("a network with three layers (W1 ... b3), lr = 0.5", {**_network(rng, 3, 2, 2), "W3": rng.normal(size=(2, 1)), "b3": rng.normal(size=1)}, 0.5, rng),
        _step_case("a single layer (only W1 and b1), lr = 0.01", {"W1": rng.normal(size=(3, 2)), "b1": rng.normal(size=2)}, 0.01, rng),
    ]


def _step_hidden_cases() -> list[Case]:
    rng = np.random.default_rng(161)
    return [
        _step_case("hidden case: a 4-6-2 network, lr = 0.3", _network(rng, 4, 6, 2), 0.3, rng),
        _step_case("hidden case: one layer, lr = 2.0", {"W1": rng.normal(size=(2, 5)), "b1": rng.normal(size=5)}, 2.0, rng),
    ]


def _arrays(mapping) -> dict[str, np.ndarray]:
    return {str(name): np.array(value, copy=True) for name, value in mapping.items()}


def _arrays_held_before(called: Called) -> dict[str, np.ndarray]:
    """Call the function again on fresh inputs and read the arrays the dict held before the step."""
    params, grads, lr = copy.deepcopy(called.case.args)
    held = dict(params)
    with _quietly():
        called.again(params, grads, lr)
    return _arrays(held)


def _step_uphill(params, grads, lr):
    for name in params:
        params[name] += lr * grads[name]


def _step_rebinding_loop_variable(params, grads, lr):
    for name, value in params.items():
        value = value - lr * grads[name]  # noqa: F841  (the mistake: the array in params is not changed)


def _step_new_arrays(params, grads, lr):
    for name in params:
        params[name] = params[name] - lr * grads[name]


def _step_new_dict(params, grads, lr):
    return {name: params[name] - lr * grads[name] for name in params}


def _step_weights_only(params, grads, lr):
    for name in params:
        if name.startswith("W"):
            params[name] -= lr * grads[name]


def _step_four_names(params, grads, lr):
    for name in NAMES:
        params[name] -= lr * grads[name]


def _step_scaling_grads(params, grads, lr):
    for name in params:
        grads[name] *= lr
        params[name] -= grads[name]


IN_PLACE = (
    "`params[name] = params[name] - lr * grads[name]` builds a new array and puts it in the dict; the array that was "
    "there is unchanged, and so is anything else that holds it. Change the arrays themselves: "
    "params[name] -= lr * grads[name]."
)

sgd_update = PropertyCheck(
    "sgd_update",
    reference.sgd_update,
    in_place=True,
    properties={
        "params after the step": lambda called: _arrays(called.arguments[0]),
        "arrays that were in params before the step (each must change in place)": _arrays_held_before,
        "grads after the step (left unchanged)": lambda called: _arrays(called.arguments[1]),
        "returns None (the step changes params itself)": lambda called: called.result is None or called.result is called.arguments[0],
    },
    property_hints={
        "params after the step": "Move every array in params against its gradient, in place: params[name] -= lr * grads[name].",
        "arrays that were in params before the step (each must change in place)": IN_PLACE,
        "grads after the step (left unchanged)": "Leave grads as they were: compute lr * grads[name] as a new array.",
        "returns None (the step changes params itself)": "Change params in place and return nothing.",
    },
    points=1,
    cases=_step_visible_cases,
    hidden_cases=_step_hidden_cases,
    hint="for name in params: params[name] -= lr * grads[name]",
    mistakes=[
        Mistake("That step goes uphill: move against the gradient, params[name] -= lr * grads[name].", _step_uphill),
        Mistake(
            "`value = value - lr * grads[name]` makes a new array and gives it the loop's name; the array in params "
            "does not change. Update it in place: params[name] -= lr * grads[name].",
            _step_rebinding_loop_variable,
        ),
        Mistake(IN_PLACE, _step_new_arrays),
        Mistake(
            "sgd_update must change params itself; returning a new dict leaves the caller's params as they were. "
            "Update in place: params[name] -= lr * grads[name].",
            _step_new_dict,
        ),
        Mistake("Update every array in params, the biases too.", _step_weights_only),
        Mistake(
            "Loop over the names in params (for name in params) rather than a fixed list: a network may have more "
            "layers, or fewer.",
            _step_four_names,
        ),
        Mistake("Scale the step by the learning rate: params[name] -= lr * grads[name].", lambda params, grads, lr: reference.sgd_update(params, grads, 1.0)),
        Mistake("`grads[name] *= lr` changes the gradients: compute lr * grads[name] as a new array instead.", _step_scaling_grads),
    ],
)


# ------------------------------------------------------------- train_numpy_mlp


def _clusters(seed: int, classes: int = 3, features: int = 2, per_class: int = 10) -> tuple[np.ndarray, np.ndarray]:
    """Well separated clusters of points, one per class, that the network learns within a few dozen epochs."""
    rng = np.random.default_rng(seed)
    angles = 2 * np.pi * np.arange(classes) / classes + rng.uniform(0, np.pi)
    centres = np.zeros((classes, features))
    centres[:, 0], centres[:, 1] = 3 * np.cos(angles), 3 * np.sin(angles)  # evenly spaced on a circle of radius 3
    y = np.arange(classes * per_class) % classes
    return centres[y] + rng.normal(size=(len(y), features)) * 0.5, y


def _training_cases(seed: int, specs: list[tuple[int, int, int, int, float, int]], prefix: str) -> list[Case]:
    cases = []
    for number, (classes, features, hidden, epochs, lr, run_seed) in enumerate(specs, start=seed):
        X, y = _clusters(number, classes, features)
        name = f"{prefix}: {len(y)} points in {classes} clusters, hidden = {hidden}, epochs = {epochs}, lr = {lr}, seed = {run_seed}"
        cases.append(Case(name, (X, y, hidden, epochs, lr, run_seed)))
    return cases


_DESCENTS: dict[tuple[str, bytes], tuple] = {}  # a check asks for the same few runs many times


def _plain_descent(case: Case, y: np.ndarray) -> tuple[list[float], list[float], dict]:
    """The losses, accuracies and final parameters of full-batch gradient descent on the case's X with labels y,
    from init_params, done by the references."""
    X, _, hidden, epochs, lr, seed = case.args
    key = (case.name, np.asarray(y).tobytes())
    if key not in _DESCENTS:
        if len(_DESCENTS) > 16:
            _DESCENTS.clear()
        start = reference.init_params(X.shape[1], hidden, int(np.max(y)) + 1, seed)
        _DESCENTS[key] = _descend_plainly(start, X, y, epochs, lr)
    losses, accuracies, params = _DESCENTS[key]
    return list(losses), list(accuracies), _arrays(params)


def _descend_plainly(start: dict, X: np.ndarray, y: np.ndarray, epochs: int, lr: float) -> tuple[list[float], list[float], dict]:
    params = _arrays(start)
    losses, accuracies = [], []
    with _quietly():
        for _ in range(epochs):
            probs, cache = reference.mlp_forward(X, params)
            losses.append(float(-np.mean(np.log(probs[np.arange(len(y)), y]))))
            accuracies.append(float(np.mean(probs.argmax(axis=1) == y)))
            reference.sgd_update(params, reference.mlp_backward(reference.softmax_cross_entropy_backward(probs, y), cache, params), lr)
    return losses, accuracies, params


def _shifted_labels(y: np.ndarray) -> np.ndarray:
    return (y + 1) % (int(np.max(y)) + 1)


SAME_LOSSES = "the losses of plain gradient descent, epoch by epoch"
SAME_ACCURACIES = "the accuracies of plain gradient descent, epoch by epoch"
SAME_PARAMS = "the parameters plain gradient descent reaches"


def _first_difference(got: list, expected: list, what: tuple[str, str], same: str) -> str:
    one, many = what
    if len(got) != len(expected):
        return f"{len(got)} {many} for {len(expected)} epochs"
    for epoch, (mine, plain) in enumerate(zip(got, expected), start=1):
        if abs(float(mine) - plain) > 1e-6 * abs(plain) + 1e-9:
            return f"a different {one} from epoch {epoch} on: {float(mine):.6f} where plain gradient descent has {plain:.6f}"
    return same


def _trajectory(properties, case: Case) -> str:
    expected, _, _ = _plain_descent(case, case.args[1])
    return _first_difference(properties["losses"], expected, ("loss", "losses"), SAME_LOSSES)


def _accuracy_trajectory(properties, case: Case) -> str:
    _, expected, _ = _plain_descent(case, case.args[1])
    return _first_difference(properties["accuracies"], expected, ("accuracy", "accuracies"), SAME_ACCURACIES)


def _gap(got: dict, expected: dict) -> float:
    return max(float(np.max(np.abs(np.asarray(got[name]) - expected[name]))) for name in expected)


def _final_params(properties, case: Case) -> str:
    _, _, expected = _plain_descent(case, case.args[1])
    gap = _gap(properties["params"], expected)
    return SAME_PARAMS if gap <= 1e-6 else f"other parameters (they differ by up to {gap:.2g})"


def _learns_given_data(properties, case: Case) -> bool:
    _, _, expected = _plain_descent(case, _shifted_labels(case.args[1]))
    return _gap(properties["params learned from the same points with other labels"], expected) <= 1e-6


def _training_accuracy(properties, case: Case) -> bool:
    X, y = case.args[:2]
    probs, _ = reference.mlp_forward(X, {name: np.asarray(value) for name, value in properties["params"].items()})
    return float(np.mean(probs.argmax(axis=1) == y)) >= 0.9


def _run_with_shifted_labels(called: Called) -> dict[str, np.ndarray]:
    X, y, *rest = called.case.args
    with _quietly():
        return _arrays(called.again(X, _shifted_labels(y), *rest)[0])


def _run_again(called: Called) -> dict[str, np.ndarray]:
    with _quietly():
        return _arrays(called.again(*called.case.args)[0])


def _descend(X, y, hidden, epochs, lr, seed, divide=True, after=False, percent=False):
    """Gradient descent with one of three slips: no 1/N in dscores, losses after the step, accuracy in percent."""
    params = reference.init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        probs, cache = reference.mlp_forward(X, params)
        dscores = reference.softmax_cross_entropy_backward(probs, y) * (1 if divide else len(y))
        reference.sgd_update(params, reference.mlp_backward(dscores, cache, params), lr)
        measured = reference.mlp_forward(X, params)[0] if after else probs
        history["loss"].append(float(-np.mean(np.log(measured[np.arange(len(y)), y]))))
        history["accuracy"].append(float(np.mean(measured.argmax(axis=1) == y)) * (100 if percent else 1))
    return params, history


def _step_downhill(params, grads, lr):
    for name in params:
        params[name] -= lr * grads[name]


TRUSTED_PARTS = {  # what a training loop calls, as the check's own code: the references are sealed in a graded kernel
    "init_params": reference.init_params,
    "mlp_forward": _forward_with,
    "softmax_cross_entropy_backward": _scores_gradient_with,
    "mlp_backward": _backward_with,
    "sgd_update": _step_downhill,
}


class LoopCheck(PropertyCheck):
    """A PropertyCheck of a function that calls the notebook's other exercises, judged on its own.

    The function runs with correct versions of those exercises in place of the learner's (in a copy of its
    globals; the notebook's names are left alone), so that a mistake made in an earlier exercise costs that
    exercise's points only, and is not counted again here.
    """

    def __init__(self, *args, parts: dict[str, Callable], **kwargs):
        super().__init__(*args, **kwargs)
        self.parts = parts

    def collect(self, function: Callable, case: Case) -> Observation:
        return super().collect(_with_parts(function, self.parts), case)


def _with_parts(function: Callable, parts: dict[str, Callable]) -> Callable:
    """The same function, looking up the names in `parts` there rather than in its own module or notebook."""
    if not inspect.isfunction(function):
        return function
    namespace = {**function.__globals__, **parts}
    isolated = types.FunctionType(function.__code__, namespace, function.__name__, function.__defaults__, function.__closure__)
    isolated.__kwdefaults__ = function.__kwdefaults__
    return isolated


TRAINING_STEPS = (
    "Start from init_params(X.shape[1], hidden, C, seed) with C = y.max() + 1. Then each epoch, on the whole training "
    "set: probs, cache = mlp_forward(X, params); record the loss and the accuracy of those probs; "
    "dscores = softmax_cross_entropy_backward(probs, y); grads = mlp_backward(dscores, cache, params); "
    "sgd_update(params, grads, lr)."
)

train_numpy_mlp = LoopCheck(
    "train_numpy_mlp",
    reference.train_numpy_mlp,
    parts=TRUSTED_PARTS,
    result_type=(tuple, list),
    result_description="a tuple (params, history)",
    wrong_type_hint="Return both the parameters and the history: return params, history.",
    properties={
        "parameter names and shapes": lambda called: sorted((str(name), tuple(np.shape(value))) for name, value in called.result[0].items()),
        "history's keys": lambda called: sorted(str(key) for key in called.result[1].keys()),
        "losses": Raw(lambda called: [float(loss) for loss in called.result[1]["loss"]]),
        "accuracies": Raw(lambda called: [float(accuracy) for accuracy in called.result[1]["accuracy"]]),
        "params": Raw(lambda called: _arrays(called.result[0])),
        "params learned from the same points with other labels": Raw(_run_with_shifted_labels),
        "params from the same call again": Raw(_run_again),
        "number of losses and of accuracies recorded (one each per epoch)": Derived(
            lambda properties, case: [len(properties["losses"]), len(properties["accuracies"])]
        ),
        "the same call gives the same parameters (seeded)": Derived(
            lambda properties, case: _gap(properties["params"], properties["params from the same call again"]) == 0
        ),
        "losses (compared with plain gradient descent from init_params)": Derived(_trajectory),
        "accuracies (compared with plain gradient descent from init_params)": Derived(_accuracy_trajectory),
        "trained parameters (compared with plain gradient descent)": Derived(_final_params),
        "accuracy on the training data of at least 90 %": Derived(_training_accuracy),
        "it learns the data it is given (here: the same points with other labels)": Derived(_learns_given_data),
    },
    property_hints={
        "parameter names and shapes": (
            'Return the parameters as the dict init_params made, "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,), '
            "updated by every step."
        ),
        "history's keys": 'Return history as a dict with two lists: {"loss": [...], "accuracy": [...]}.',
        "number of losses and of accuracies recorded (one each per epoch)": (
            "Take exactly `epochs` steps, and record one loss and one accuracy at each."
        ),
        "losses (compared with plain gradient descent from init_params)": TRAINING_STEPS,
        "accuracies (compared with plain gradient descent from init_params)": (
            "The accuracy is the share of examples whose largest probability is at their true class, "
            "np.mean(probs.argmax(axis=1) == y), a number between 0 and 1, measured on the probs of the step."
        ),
        "trained parameters (compared with plain gradient descent)": TRAINING_STEPS,
        "accuracy on the training data of at least 90 %": TRAINING_STEPS,
        "it learns the data it is given (here: the same points with other labels)": (
            "Use the X and y passed to train_numpy_mlp, not variables from the notebook."
        ),
        "the same call gives the same parameters (seeded)": "Start from init_params(X.shape[1], hidden, C, seed), with the seed you are given.",
    },
    tolerance=Tolerance(rtol=1e-6, atol=1e-9),
    points=2,
    cases=lambda: _training_cases(62, [(3, 2, 8, 30, 1.0, 0), (2, 3, 5, 20, 0.5, 3)], "case"),
    hidden_cases=lambda: _training_cases(162, [(4, 2, 6, 30, 1.0, 11)], "hidden case"),
    hint=TRAINING_STEPS,
    mistakes=[
        Mistake(
            "The loss goes up: the step must move against the gradient, sgd_update(params, grads, lr) with a positive lr.",
            lambda X, y, hidden, epochs, lr, seed=0: reference.train_numpy_mlp(X, y, hidden, epochs, -lr, seed),
        ),
        Mistake(
            "Your steps are N times too large: the gradient of the mean loss carries 1/N. Let "
            "softmax_cross_entropy_backward divide by the batch size, and use its dscores as they are.",
            lambda X, y, hidden, epochs, lr, seed=0: _descend(X, y, hidden, epochs, lr, seed, divide=False),
        ),
        Mistake(
            "Use the `epochs` argument: one step, one loss and one accuracy per epoch.",
            lambda X, y, hidden, epochs, lr, seed=0: reference.train_numpy_mlp(X, y, hidden, 100, lr, seed),
        ),
        Mistake(
            "Use the learning rate you are given: sgd_update(params, grads, lr).",
            lambda X, y, hidden, epochs, lr, seed=0: reference.train_numpy_mlp(X, y, hidden, epochs, 1.0, seed),
        ),
        Mistake(
            "Record the loss and accuracy of the probs the step was computed from (before sgd_update), not new ones measured after it.",
            lambda X, y, hidden, epochs, lr, seed=0: _descend(X, y, hidden, epochs, lr, seed, after=True),
        ),
        Mistake(
            "Record the accuracy as a share between 0 and 1, np.mean(predictions == y), not as a percentage.",
            lambda X, y, hidden, epochs, lr, seed=0: _descend(X, y, hidden, epochs, lr, seed, percent=True),
        ),
        Mistake(
            "Pass the seed you are given to init_params, not a fixed number.",
            lambda X, y, hidden, epochs, lr, seed=0: reference.train_numpy_mlp(X, y, hidden, epochs, lr, 0),
        ),
        Mistake(
            "Use the hidden argument for the number of hidden units: init_params(X.shape[1], hidden, C, seed).",
            lambda X, y, hidden, epochs, lr, seed=0: reference.train_numpy_mlp(X, y, 100, epochs, lr, seed),
        ),
    ],
)

EXERCISES = (mlp_forward, softmax_cross_entropy_backward, mlp_backward, sgd_update, train_numpy_mlp)

progress = progress_view(EXERCISES)
