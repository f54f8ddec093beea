"""The visible side of notebook 02, deep networks and activations.

Written by the release command from autograder/exercises/deep_networks.py; do not edit it. It holds what the
checks of the learner's install need of those exercises (their visible cases, properties and hints), and
no reference, known mistake, example answer or hidden case: see autograder.checks.recorded.
"""

import numpy as np
import torch
from torch import nn

from autograder.checks.check import Case
from autograder.checks.compare import FLOAT32, Tolerance
from autograder.checks.probes import examples
from autograder.checks.properties import Property, Returns
from autograder.checks.spec import Spec


def collapse_cases(seed, shapes, prefix):
    rng = np.random.default_rng(seed)
    return [
        Case(f"{prefix}: D = {D}, H = {H}, K = {K}", (rng.normal(size=(D, H)), rng.normal(size=H), rng.normal(size=(H, K)), rng.normal(size=K)))
        for D, H, K in shapes
    ]


def collapse_linear_cases():
    fixed = Case(
        "two inputs, two hidden units, one output",
        (np.array([[1.0, 2.0], [0.0, -1.0]]), np.array([0.5, -1.0]), np.array([[2.0], [3.0]]), np.array([0.25])),
    )
    return [fixed] + collapse_cases(21, [(2, 4, 3), (3, 3, 3), (5, 2, 1), (1, 6, 4)], "random case")


COLLAPSE_LINEAR = Spec(
    "collapse_linear",
    ("W1", "b1", "W2", "b2"),
    points=2,
    cases=collapse_linear_cases,
    hint="Substitute the first layer into the second: (X @ W1 + b1) @ W2 + b2 = X @ (W1 @ W2) + (b1 @ W2 + b2).",
    result_names=("W", "b"),
)


def activation_cases(seed):
    rng = np.random.default_rng(seed)
    return [
        Case("a few numbers around zero", (np.array([-2.0, -0.5, 0.0, 0.5, 2.0]),)),
        Case("random case 1: a (4, 3) batch", (rng.normal(size=(4, 3)) * 3,)),
        Case("random case 2: 50 values", (rng.normal(size=50) * 5,)),
        Case("very large inputs, up to ±1000", (np.array([-1000.0, -710.0, -50.0, 50.0, 710.0, 1000.0]),)),
        Case("float32 input", (rng.normal(size=6).astype(np.float32) * 2,)),
        Case("float32 input with large values (e^89 overflows float32)", (np.array([-200, -90, -30, 30, 90, 200], dtype=np.float32),)),
        Case("a batch of one", (np.array([[0.3]]),)),
    ]


STABLE = (
    "For large |x| an intermediate value overflowed. Compute e^(−|x|), which never exceeds 1, "
    "and build the result from it for positive and negative x."
)


TINY = Tolerance(rtol=1e-7, atol=1e-12)  # tiny outputs such as σ(−50) = 2e-22 must come out tiny


SIGMOID = Spec(
    "sigmoid",
    ("x",),
    points=1,
    cases=lambda: activation_cases(748),
    hint="σ(x) = 1 / (1 + e^(−x)): near 0.5 at x = 0, close to 1 for large x and to 0 for very negative x.",
    warning_hint=STABLE,
    tolerance=TINY,
)


TANH = Spec(
    "tanh",
    ("x",),
    points=1,
    cases=lambda: activation_cases(427),
    hint="tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x)); it is odd, tanh(−x) = −tanh(x), with values between −1 and 1.",
    warning_hint=STABLE,
    tolerance=TINY,
)


RELU = Spec(
    "relu",
    ("x",),
    points=1,
    cases=lambda: activation_cases(440),
    hint="ReLU keeps positive values and replaces negative ones by 0: np.maximum(0, x), elementwise.",
    warning_hint=STABLE,
    tolerance=TINY,
)


def leaky_relu_cases():
    x = np.array([-3.0, -1.0, 0.0, 2.0])
    return activation_cases(1069) + [
        Case("negative_slope = 0.2", (x,), {"negative_slope": 0.2}),
        Case("negative_slope = 0 (plain ReLU)", (x,), {"negative_slope": 0.0}),
    ]


LEAKY_RELU = Spec(
    "leaky_relu",
    ("x", "negative_slope"),
    points=1,
    cases=leaky_relu_cases,
    hint="Leaky ReLU keeps positive values and multiplies negative ones by negative_slope.",
    warning_hint=STABLE,
    tolerance=TINY,
)


def network(rng, sizes):
    params = {}
    for layer, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:]), start=1):
        params[f"W{layer}"] = rng.normal(size=(n_in, n_out))
        params[f"b{layer}"] = rng.normal(size=n_out) * 0.5
    return params


def forward_cases(seed, specs, prefix):
    rng = np.random.default_rng(seed)
    cases = []
    for n, sizes in specs:
        X = rng.normal(size=(n, sizes[0]))
        cases.append(Case(f"{prefix}: {examples(n)}, layers {'-'.join(map(str, sizes))}", (X, network(rng, sizes))))
    return cases


def forward_visible_cases():
    fixed_params = {
        "W1": np.array([[1.0, -1.0, 0.5, 0.0], [0.0, 1.0, -0.5, 2.0]]),
        "b1": np.array([0.0, 0.5, -1.0, 0.0]),
        "W2": np.array([[1.0, 0.0, -1.0], [0.5, 1.0, 0.0], [0.0, -1.0, 1.0], [1.0, 0.0, 0.5]]),
        "b2": np.array([0.1, -0.2, 0.0]),
        "W3": np.array([[1.0], [-2.0], [0.5]]),
        "b3": np.array([0.3]),
    }
    fixed = Case("two examples through a 2-4-3-1 network", (np.array([[1.0, 2.0], [-1.0, 0.5]]), fixed_params))
    return [fixed] + forward_cases(22, [(5, (2, 4, 3, 1)), (1, (2, 4, 3, 1)), (8, (3, 5, 2, 1))], "random case")


FORWARD = Spec(
    "forward",
    ("X", "params"),
    points=2,
    cases=forward_visible_cases,
    hint="z1 = X @ W1 + b1, a1 = relu(z1); z2 = a1 @ W2 + b2, a2 = relu(z2); the output is a2 @ W3 + b3.",
    uses=("relu",),
)


BATCH = "X (fed to your model)"


def mlp_cases(seed, specs, prefix):
    rng = np.random.default_rng(seed)
    return [Case(f"{prefix}: dims {dims}, {activation}", (dims, activation), context={BATCH: rng.normal(size=(5, dims[0]))}) for dims, activation in specs]


def output_with_fixed_weights(called):
    """The model's output on the case's batch, with every linear layer given the same known weights."""
    model = called.result
    with torch.no_grad():
        for position, layer in enumerate(module for module in model.modules() if isinstance(module, nn.Linear)):
            generator = torch.Generator().manual_seed(position)
            layer.weight.copy_(torch.randn(layer.weight.shape, generator=generator))
            layer.bias.copy_(torch.randn(layer.bias.shape, generator=generator))
        return model(torch.as_tensor(called.case.context[BATCH], dtype=torch.float32)).numpy()


MLP_PROPERTIES = [
    Property(
        "number of parameter tensors in model.parameters()",
        "model.parameters() lists a weight and a bias for each of the len(dims) - 1 layers. If it lists none, "
        "your layers are in a plain Python list, which PyTorch cannot see: keep them in nn.ModuleList or nn.Sequential.",
        read=lambda called: len(list(called.result.parameters())),
    ),
    Property(
        "parameter shapes (model.parameters(), in order)",
        "Layer i is nn.Linear(dims[i], dims[i + 1]); PyTorch lists each weight as (out_features, in_features).",
        read=lambda called: [tuple(p.shape) for p in called.result.parameters()],
    ),
    Property(
        "output shape for 5 examples",
        "Layer i maps dims[i] inputs to dims[i + 1] outputs.",
        read=lambda called: tuple(output_with_fixed_weights(called).shape),
    ),
    Property(
        "output (with every layer given the same fixed weights)",
        "Put the activation named by `activation` (nn.ReLU, nn.Tanh or nn.Sigmoid) between the layers: after "
        "every layer except the last, which stays linear.",
        read=output_with_fixed_weights,
    ),
]


MAKE_MLP = Spec(
    "make_mlp",
    ("dims", "activation"),
    points=2,
    cases=lambda: mlp_cases(23, [([2, 4, 3, 1], "relu"), ([3, 5, 2], "tanh"), ([2, 6, 6, 6, 3], "sigmoid"), ([4, 1], "relu")], "case"),
    hint="Build nn.Linear(dims[i], dims[i + 1]) for each pair of sizes, with the activation between them.",
    properties=MLP_PROPERTIES,
    returns=Returns(nn.Module, "a torch.nn.Module", "Return the model itself, an nn.Module (for example an nn.Sequential)."),
    tolerance=FLOAT32,
)


SPECS = (COLLAPSE_LINEAR, SIGMOID, TANH, RELU, LEAKY_RELU, FORWARD, MAKE_MLP,)  # in notebook order
