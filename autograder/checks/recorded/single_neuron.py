"""The visible side of notebook 01, the single neuron: linear_unit, flatten_images, to_torch_linear.

Written by the release command from autograder/exercises/single_neuron.py; do not edit it. It holds what the
checks of the learner's install need of those exercises (their visible cases, properties and hints), and
no reference, known mistake, example answer or hidden case: see autograder.checks.recorded.
"""

import numpy as np
import torch
from torch import nn

from autograder.checks.check import Case
from autograder.checks.compare import FLOAT32
from autograder.checks.properties import Property, Returns
from autograder.checks.spec import Spec


def linear_unit_cases():
    rng = np.random.default_rng(1)
    cases = [
        Case("one input, one example", (np.array([[2.0]]), np.array([3.0]), 1.0)),
        Case("three inputs, two examples", (np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.array([0.5, -1.0, 2.0]), 0.25)),
        Case("two inputs, three examples, negative bias", (np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 3.0]]), np.array([4.0, -2.0]), -1.5)),
    ]
    for number, (n, d) in enumerate([(5, 4), (16, 1), (3, 3), (40, 7)], start=1):
        cases.append(Case(f"random case {number}", (rng.normal(size=(n, d)), rng.normal(size=d), float(rng.normal()))))
    return cases + [
        Case("a batch of one example", (rng.normal(size=(1, 6)), rng.normal(size=6), 0.5)),
        Case(
            "an empty batch",
            (np.zeros((0, 3)), np.array([1.0, 2.0, 3.0]), 2.0),
            hint="X has no rows here: the result is an empty array of shape (0,). Whole-array operations (X @ w + b) "
            "handle that; np.stack of an empty list does not.",
        ),
        Case("pixel values stored as uint8", (rng.integers(0, 256, size=(4, 5), dtype=np.uint8), rng.normal(size=5) / 255, -0.1)),
    ]


LINEAR_UNIT = Spec(
    "linear_unit",
    ("X", "w", "b"),
    points=2,
    cases=linear_unit_cases,
    hint="Each example's output is the sum of its inputs times their weights, plus the bias: X @ w + b.",
)


def image_batch(rng, shape):
    return rng.integers(0, 256, size=shape, dtype=np.uint8)


def flatten_images_cases():
    rng = np.random.default_rng(2)
    return [
        Case("two grayscale 2x2 images (C = 1)", (np.arange(8, dtype=np.uint8).reshape(2, 2, 2, 1),)),
        Case("one colour 2x2 image (C = 3)", (np.arange(12, dtype=np.uint8).reshape(1, 2, 2, 3),)),
        Case("three colour 2x3 images", (np.arange(54, dtype=np.uint8).reshape(3, 2, 3, 3),)),
        Case("random case 1: five 4x4 RGB images", (image_batch(rng, (5, 4, 4, 3)),)),
        Case("random case 2: two 3x5 RGBA images", (image_batch(rng, (2, 3, 5, 4)),)),
        Case("random case 3: four 4x3 RGB images (N = H)", (image_batch(rng, (4, 4, 3, 3)),)),
        Case("images stored as floats", (rng.random((3, 2, 2, 3)),)),
    ]


FLATTEN_IMAGES = Spec(
    "flatten_images",
    ("images",),
    points=1,
    cases=flatten_images_cases,
    hint="Keep the batch axis and merge the other three: images.reshape(N, H * W * C).",
)


BATCH = "X (fed to your layer)"


def layer_cases(seed, shapes, prefix):
    rng = np.random.default_rng(seed)
    return [
        Case(f"{prefix} {number}: D = {d}, K = {k}", (rng.normal(size=(d, k)), rng.normal(size=k)), context={BATCH: rng.normal(size=(n, d))})
        for number, (n, d, k) in enumerate(shapes, start=1)
    ]


def to_torch_linear_cases():
    fixed = [
        Case("two inputs, one unit", (np.array([[2.0], [-1.0]]), np.array([0.5])), context={BATCH: np.array([[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]])}),
        Case(
            "three inputs, two units",
            (np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]]), np.array([0.0, 10.0])),
            context={BATCH: np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])},
        ),
    ]
    return fixed + layer_cases(3, [(4, 5, 3), (6, 1, 4), (5, 4, 4), (1, 8, 2)], "random case")


def output_on_the_batch(called):
    return called.result(torch.as_tensor(called.case.context[BATCH], dtype=torch.float32)).detach().numpy()


TRANSPOSED = "PyTorch stores a layer's weight as (out_features, in_features): copy W.T, not W."


LAYER_PROPERTIES = [
    Property(
        "size (in_features, out_features)",
        "W has shape (D, K): create the layer with nn.Linear(D, K).",
        read=lambda called: (called.result.in_features, called.result.out_features),
    ),
    Property("weight shape", TRANSPOSED, read=lambda called: tuple(called.result.weight.shape)),
    Property(
        "parameter dtypes (weight, bias)",
        "PyTorch layers work in float32, and W and b are float64 NumPy arrays: convert both "
        "(parameter.copy_(tensor) converts for you).",
        read=lambda called: [str(called.result.weight.dtype), str(getattr(called.result.bias, "dtype", None))],
    ),
    Property(
        "bias",
        "Copy b, of shape (K,), into the layer's bias: a new nn.Linear(D, K) starts with a random one.",
        read=lambda called: None if called.result.bias is None else called.result.bias.detach().numpy(),
    ),
    Property("weight", TRANSPOSED, read=lambda called: called.result.weight.detach().numpy()),
    Property("output on X", "", read=output_on_the_batch),
    Property(
        "requires_grad of its parameters",
        "Keep the layer trainable: its parameters must require grad.",
        read=lambda called: all(p.requires_grad for p in called.result.parameters()),
    ),
]


TO_TORCH_LINEAR = Spec(
    "to_torch_linear",
    ("W", "b"),
    points=2,
    cases=to_torch_linear_cases,
    hint="Create nn.Linear(D, K), then copy W.T into its weight and b into its bias (inside torch.no_grad()).",
    properties=LAYER_PROPERTIES,
    returns=Returns(nn.Linear, "a torch.nn.Linear", "Return the nn.Linear layer itself."),
    tolerance=FLOAT32,
)


SPECS = (LINEAR_UNIT, FLATTEN_IMAGES, TO_TORCH_LINEAR,)  # in notebook order
