"""Checks for notebook 02, deep networks and activations."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from autograder.checks.check import Case, Check, Mistake
from autograder.checks.compare import FLOAT32, Tolerance
from autograder.checks.properties import Called, PropertyCheck
from autograder.checks.progress import progress_view
from autograder.references import deep_networks as reference

STABLE = (
    "For large |x| an intermediate value overflowed. Compute e^(−|x|), which never exceeds 1, "
    "and build the result from it for positive and negative x."
)


def _activation_cases(seed: int, hidden: bool) -> list[Case]:
    rng = np.random.default_rng(seed)
    if hidden:
        return [
            Case("hidden random case 1", (rng.normal(size=(3, 4, 2)) * 4,)),
            Case("hidden random case 2", (rng.normal(size=200) * 30,)),
            Case("hidden extreme values", (np.array([-1e4, -745.0, -709.0, 709.0, 745.0, 1e4]),)),
            Case("hidden float32 batch", ((rng.normal(size=(5, 2)) * 100).astype(np.float32),)),
        ]
    return [
        Case("a few numbers around zero", (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),)),
        Case("random case 1: a (4, 3) batch", (rng.normal(size=(4, 3)) * 3,)),
        Case("random case 2: 50 values", (rng.normal(size=50) * 5,)),
        Case("very large inputs, up to ±1000", (np.array([-1000.0, -710.0, -50.0, 50.0, 710.0, 1000.0]),)),
        Case("float32 input", (rng.normal(size=6).astype(np.float32) * 2,)),
        Case("float32 input with large values (e^89 overflows float32)", (np.array([-200, -90, -30, 30, 90, 200], dtype=np.float32),)),
        Case("a batch of one", (np.array([[0.3]]),)),
    ]


def _activation_check(name: str, points: int, hint: str, mistakes: list[Mistake], extra_cases=()) -> Check:
    seed = sum(map(ord, name))
    return Check(
        name,
        getattr(reference, name),
        points=points,
        cases=lambda: _activation_cases(seed, hidden=False) + list(extra_cases),
        hidden_cases=lambda: _activation_cases(seed + 100, hidden=True),
        hint=hint,
        mistakes=mistakes,
        warning_hint=STABLE,
        tolerance=Tolerance(rtol=1e-7, atol=1e-12),  # tiny outputs such as σ(−50) = 2e-22 must come out tiny
    )


def _naive_sigmoid(x):
    return 1 / (1 + np.exp(-x))


sigmoid = _activation_check(
    "sigmoid",
    1,
    "σ(x) = 1 / (1 + e^(−x)): near 0.5 at x = 0, close to 1 for large x and to 0 for very negative x.",
    [
        Mistake(
            "1 / (1 + np.exp(-x)) overflows for very negative x (e^1000 is inf). Use e = np.exp(-np.abs(x)): "
            "σ(x) = 1 / (1 + e) for x ≥ 0 and e / (1 + e) for x < 0.",
            _naive_sigmoid,
        ),
        Mistake(
            "np.where computes both of its branches for every element, so the branch it throws away still "
            "overflows. Compute e = np.exp(-np.abs(x)) once and use it in both branches.",
            lambda x: np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x))),
        ),
        Mistake("np.exp(x) / (1 + np.exp(x)) overflows for large x (inf / inf is nan).", lambda x: np.exp(x) / (1 + np.exp(x))),
        Mistake("Your function computes σ(−x): the exponent in 1 / (1 + e^(−x)) is −x.", lambda x: reference.sigmoid(-x)),
    ],
)

tanh = _activation_check(
    "tanh",
    1,
    "tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x)); it is odd, tanh(−x) = −tanh(x), with values between −1 and 1.",
    [
        Mistake(
            "(e^x − e^(−x)) / (e^x + e^(−x)) overflows for large |x| (inf / inf is nan). Divide top and bottom "
            "by e^|x|: tanh(|x|) = (1 − e^(−2|x|)) / (1 + e^(−2|x|)), and tanh(x) = sign(x) · tanh(|x|).",
            lambda x: (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x)),
        ),
        Mistake(
            "(1 − e^(−2x)) / (1 + e^(−2x)) still overflows for very negative x; use |x| and restore the sign.",
            lambda x: (1 - np.exp(-2 * x)) / (1 + np.exp(-2 * x)),
        ),
        Mistake("Your tanh is never negative: tanh is odd, tanh(−x) = −tanh(x).", lambda x: reference.tanh(np.abs(x))),
        Mistake("(e^x − e^(−x)) / 2 is sinh; tanh divides by e^x + e^(−x).", lambda x: (np.exp(x) - np.exp(-x)) / 2),
    ],
)

relu = _activation_check(
    "relu",
    1,
    "ReLU keeps positive values and replaces negative ones by 0: np.maximum(0, x), elementwise.",
    [
        Mistake(
            "np.max reduces an array to its largest value; np.maximum(0, x) compares elementwise.",
            lambda x: np.max(x, 0),
        ),
        Mistake(
            "Python's max and `if x > 0` work on one number at a time; np.maximum(0, x) compares every element with 0.",
            lambda x: max(0, x),
        ),
        Mistake("x > 0 is ReLU's derivative (a mask), not ReLU: return the values themselves.", lambda x: x > 0),
        Mistake("np.abs flips negative values; ReLU sets them to 0.", np.abs),
        Mistake("Your function returns min(0, x); ReLU is max(0, x).", lambda x: np.minimum(0, x)),
    ],
)


def _leaky_relu_extra_cases() -> list[Case]:
    x = np.array([-3.0, -1.0, 0.0, 2.0])
    return [
        Case("negative_slope = 0.2", (x,), {"negative_slope": 0.2}),
        Case("negative_slope = 0 (plain ReLU)", (x,), {"negative_slope": 0.0}),
    ]


leaky_relu = _activation_check(
    "leaky_relu",
    1,
    "Leaky ReLU keeps positive values and multiplies negative ones by negative_slope.",
    [
        Mistake(
            "Use the negative_slope argument instead of a fixed 0.01.",
            lambda x, negative_slope=0.01: np.where(x > 0, x, 0.01 * x),
        ),
        Mistake(
            "You scaled the positive side; leaky ReLU keeps x > 0 as it is and scales the negative side.",
            lambda x, negative_slope=0.01: np.where(x > 0, negative_slope * x, x),
        ),
        Mistake(
            "For negative x, leaky ReLU returns negative_slope · x, not 0 (that is plain ReLU).",
            lambda x, negative_slope=0.01: np.maximum(0, x),
        ),
    ],
    extra_cases=_leaky_relu_extra_cases(),
)


def _two_layers(rng: np.random.Generator, D: int, H: int, K: int) -> tuple:
    return rng.normal(size=(D, H)), rng.normal(size=H), rng.normal(size=(H, K)), rng.normal(size=K)


def _collapse_cases(seed: int, shapes: list[tuple[int, int, int]], prefix: str) -> list[Case]:
    rng = np.random.default_rng(seed)
    return [Case(f"{prefix}: D = {D}, H = {H}, K = {K}", _two_layers(rng, D, H, K)) for D, H, K in shapes]


def _collapse_linear_cases() -> list[Case]:
    fixed = Case(
        "two inputs, two hidden units, one output",
        (np.array([[1.0, 2.0], [0.0, -1.0]]), np.array([0.5, -1.0]), np.array([[2.0], [3.0]]), np.array([0.25])),
    )
    return [fixed] + _collapse_cases(21, [(2, 4, 3), (3, 3, 3), (5, 2, 1), (1, 6, 4)], "random case")


collapse_linear = Check(
    "collapse_linear",
    reference.collapse_linear,
    points=2,
    cases=_collapse_linear_cases,
    hidden_cases=lambda: _collapse_cases(121, [(4, 7, 2), (6, 6, 6), (2, 1, 5)], "hidden case"),
    hint="Substitute the first layer into the second: (X @ W1 + b1) @ W2 + b2 = X @ (W1 @ W2) + (b1 @ W2 + b2).",
    result_names=("W", "b"),
    mistakes=[
        Mistake(
            "The first layer's bias also passes through W2: b = b1 @ W2 + b2, not b1 + b2.",
            lambda W1, b1, W2, b2: (W1 @ W2, b1 + b2),
        ),
        Mistake("The first layer's bias passes through the second layer: b = b1 @ W2 + b2.", lambda W1, b1, W2, b2: (W1 @ W2, b2)),
        Mistake("You left out b2: b = b1 @ W2 + b2.", lambda W1, b1, W2, b2: (W1 @ W2, b1 @ W2)),
        Mistake(
            "The input meets W1 first: W = W1 @ W2 (shapes (D, H) @ (H, K)), not W2 @ W1.",
            lambda W1, b1, W2, b2: (W2 @ W1, b1 @ W2 + b2),
        ),
        Mistake("W1 * W2 multiplies elementwise; chaining layers multiplies matrices: W1 @ W2.", lambda W1, b1, W2, b2: (W1 * W2, b1 * W2 + b2)),
    ],
)


def _network(rng: np.random.Generator, sizes: tuple[int, ...]) -> dict[str, np.ndarray]:
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(size=(n_in, n_out))
        params[f"b{layer}"] = rng.normal(size=n_out) * 0.5
    return params


def _forward_cases(seed: int, specs: list[tuple[int, tuple[int, ...]]], prefix: str) -> list[Case]:
    rng = np.random.default_rng(seed)
    return [
        Case(f"{prefix}: {_examples(len(X_rows))}, layers {'-'.join(map(str, sizes))}", (X_rows, _network(rng, sizes)))
        for X_rows, sizes in ((rng.normal(size=(n, sizes[0])), sizes) for n, sizes in specs)
    ]


def _examples(count: int) -> str:
    return f"{count} example{'s' * (count != 1)}"


def _forward_visible_cases() -> list[Case]:
    fixed_params = {
        "W1": np.array([[1.0, -1.0, 0.5, 0.0], [0.0, 1.0, -0.5, 2.0]]),
        "b1": np.array([0.0, 0.5, -1.0, 0.0]),
        "W2": np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 0.0], [0.0, -1.0, 1.0], [1.0, 0.0, 0.5]]),
        "b2": np.array([0.1, -0.2, 0.0]),
        "W3": np.array([[1.0], [-2.0], [0.5]]),
        "b3": np.array([0.3]),
    }
    fixed = Case("two examples through a 2-4-3-1 network", (np.array([[1.0, 2.0], [-1.0, 0.5]]), fixed_params))
    return [fixed] + _forward_cases(22, [(5, (2, 4, 3, 1)), (1, (2, 4, 3, 1)), (8, (3, 5, 2, 1))], "random case")


def _forward_without_relu(X, params):
    return ((X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"]) @ params["W3"] + params["b3"]


forward = Check(
    "forward",
    reference.forward,
    points=2,
    cases=_forward_visible_cases,
    hidden_cases=lambda: _forward_cases(122, [(10, (2, 4, 3, 1)), (3, (4, 6, 6, 1)), (7, (1, 3, 2, 1))], "hidden case"),
    hint="z1 = X @ W1 + b1, a1 = relu(z1); z2 = a1 @ W2 + b2, a2 = relu(z2); the output is a2 @ W3 + b3.",
    mistakes=[
        Mistake(
            "The last layer is linear: apply ReLU after the first two layers only, not to the output.",
            lambda X, params: reference.relu(reference.forward(X, params)),
        ),
        Mistake(
            "Without ReLU between them the three layers collapse into one linear layer: apply relu to z1 and z2.",
            _forward_without_relu,
        ),
        Mistake(
            "Apply ReLU after the second layer too: a2 = relu(a1 @ W2 + b2).",
            lambda X, params: (reference.relu(X @ params["W1"] + params["b1"]) @ params["W2"] + params["b2"])
            @ params["W3"]
            + params["b3"],
        ),
        Mistake(
            "Add each layer's bias: z1 = X @ W1 + b1, and so on.",
            lambda X, params: reference.relu(reference.relu(X @ params["W1"]) @ params["W2"]) @ params["W3"],
        ),
    ],
)


def _fixed_weights(model: nn.Module) -> None:
    """Give every linear layer of a model the same, known weights, whatever its initialisation."""
    with torch.no_grad():
        for position, layer in enumerate(module for module in model.modules() if isinstance(module, nn.Linear)):
            generator = torch.Generator().manual_seed(position)
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator))
            layer.bias.copy_(torch.randn(layer.bias.shape, generator=generator))


def _output(called: Called) -> np.ndarray:
    model = called.result
    _fixed_weights(model)
    with torch.no_grad():
        return model(torch.as_tensor(called.case.context["X (fed to your model)"], dtype=torch.float32)).numpy()


def _mlp_cases(seed: int, specs: list[tuple[list[int], str]], prefix: str) -> list[Case]:
    rng = np.random.default_rng(seed)
    return [
        Case(f"{prefix}: dims {dims}, {activation}", (dims, activation), context={"X (fed to your model)": rng.normal(size=(5, dims[0]))})
        for dims, activation in specs
    ]


make_mlp = PropertyCheck(
    "make_mlp",
    reference.make_mlp,
    result_type=nn.Module,
    result_description="a torch.nn.Module",
    wrong_type_hint="Return the model itself, an nn.Module (for example an nn.Sequential).",
    tolerance=FLOAT32,
    properties={
        "number of parameter tensors in model.parameters()": lambda called: len(list(called.result.parameters())),
        "parameter shapes (model.parameters(), in order)": lambda called: [tuple(p.shape) for p in called.result.parameters()],
        "output shape for 5 examples": lambda called: tuple(_output(called).shape),
        "output (with every layer given the same fixed weights)": _output,
    },
    property_hints={
        "number of parameter tensors in model.parameters()": (
            "model.parameters() lists a weight and a bias for each of the len(dims) - 1 layers. If it lists none, "
            "your layers are in a plain Python list, which PyTorch cannot see: keep them in nn.ModuleList or nn.Sequential."
        ),
        "parameter shapes (model.parameters(), in order)": (
            "Layer i is nn.Linear(dims[i], dims[i + 1]); PyTorch lists each weight as (out_features, in_features)."
        ),
        "output shape for 5 examples": "Layer i maps dims[i] inputs to dims[i + 1] outputs.",
        "output (with every layer given the same fixed weights)": (
            "Put the activation named by `activation` (nn.ReLU, nn.Tanh or nn.Sigmoid) between the layers: after "
            "every layer except the last, which stays linear."
        ),
    },
    points=2,
    cases=lambda: _mlp_cases(
        23, [([2, 4, 3, 1], "relu"), ([3, 5, 2], "tanh"), ([2, 6, 6, 6, 3], "sigmoid"), ([4, 1], "relu")], "case"
    ),
    hidden_cases=lambda: _mlp_cases(123, [([5, 8, 8, 2], "tanh"), ([1, 3, 1], "relu"), ([2, 2, 2, 2, 2], "sigmoid")], "hidden case"),
    hint="Build nn.Linear(dims[i], dims[i + 1]) for each pair of sizes, with the activation between them.",
    mistakes=[
        Mistake(
            "No activation after the last layer: the output layer stays linear.",
            lambda dims, activation="relu": nn.Sequential(
                *[module for n_in, n_out in zip(dims[:-1], dims[1:]) for module in (nn.Linear(n_in, n_out), reference.ACTIVATIONS[activation]())]
            ),
        ),
        Mistake(
            "Use the activation named by the `activation` argument, not always ReLU.",
            lambda dims, activation="relu": reference.make_mlp(dims, "relu"),
        ),
        Mistake(
            "Without activations between them, the linear layers collapse into a single linear layer.",
            lambda dims, activation="relu": nn.Sequential(*[nn.Linear(n_in, n_out) for n_in, n_out in zip(dims[:-1], dims[1:])]),
        ),
    ],
)

EXERCISES = (collapse_linear, sigmoid, tanh, relu, leaky_relu, forward, make_mlp)
progress = progress_view(EXERCISES)
