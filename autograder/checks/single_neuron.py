"""Checks for notebook 01, the single neuron."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from autograder.checks.check import Case, Check, Mistake
from autograder.checks.compare import FLOAT32
from autograder.checks.properties import Called, PropertyCheck
from autograder.checks.progress import progress_view
from autograder.references import single_neuron as reference


def _linear_unit_cases() -> list[Case]:
    rng = np.random.default_rng(1)
    cases = [
        Case("one input, one example", (np.array([[2.0]]), np.array([3.0]), 1.0)),
        Case(
            "three inputs, two examples",
            (np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]), np.array([0.5, -1.0, 2.0]), 0.25),
        ),
        Case(
            "two inputs, three examples, negative bias",
            (np.array([[1.0, 0.0], [0.0, 1.0], [2.0, 3.0]]), np.array([4.0, -2.0]), -1.5),
        ),
    ]
    for number, (n, d) in enumerate([(5, 4), (16, 1), (3, 3), (40, 7)], start=1):
        cases.append(
            Case(f"random case {number}", (rng.normal(size=(n, d)), rng.normal(size=d), float(rng.normal())))
        )
    cases += [
        Case("a batch of one example", (rng.normal(size=(1, 6)), rng.normal(size=6), 0.5)),
        Case(
            "an empty batch",
            (np.zeros((0, 3)), np.array([1.0, 2.0, 3.0]), 2.0),
            hint="X has no rows here: the result is an empty array of shape (0,). Whole-array operations (X @ w + b) "
            "handle that; np.stack of an empty list does not.",
        ),
        Case(
            "pixel values stored as uint8",
            (rng.integers(0, 256, size=(4, 5), dtype=np.uint8), rng.normal(size=5) / 255, -0.1),
        ),
    ]
    return cases


def _linear_unit_hidden_cases() -> list[Case]:
    rng = np.random.default_rng(101)
    return [
        Case(f"hidden random case {number}", (rng.normal(size=(n, d)) * scale, rng.normal(size=d), float(rng.normal())))
        for number, (n, d, scale) in enumerate(
            [(7, 2, 1.0), (64, 16, 1.0), (2, 2, 1e3), (25, 50, 1e-3), (1, 1, 1.0), (100, 3, 10.0)], start=1
        )
    ]


linear_unit = Check(
    "linear_unit",
    reference.linear_unit,
    points=2,
    cases=_linear_unit_cases,
    hidden_cases=_linear_unit_hidden_cases,
    hint="Each example's output is the sum of its inputs times their weights, plus the bias: X @ w + b.",
    mistakes=[
        Mistake("Your outputs leave out the bias: add b to every output.", lambda X, w, b: X @ w),
        Mistake("You subtracted the bias; a linear unit adds it: X @ w + b.", lambda X, w, b: X @ w - b),
        Mistake(
            "You added b once per input, D times over; add the bias once per example, after the sum.",
            lambda X, w, b: (X * w + b).sum(axis=1),
        ),
        Mistake(
            "You summed over the batch (axis 0); a unit adds up the weighted inputs of one example (axis 1).",
            lambda X, w, b: (X * w).sum(axis=0) + b,
        ),
        Mistake(
            "You multiplied each input by its weight but did not add them up: each example gives one number.",
            lambda X, w, b: X * w + b,
        ),
        Mistake(
            "You averaged the weighted inputs; a linear unit adds them up.",
            lambda X, w, b: (X * w).mean(axis=1) + b,
        ),
        Mistake("You computed the output of the first example only; compute one for every row of X.", lambda X, w, b: X[0] @ w + b),
        Mistake("X holds one example per row: multiply X @ w, not w @ X.", lambda X, w, b: w @ X + b),
    ],
)


def _image_batch(rng: np.random.Generator, shape: tuple[int, ...]) -> np.ndarray:
    return rng.integers(0, 256, size=shape, dtype=np.uint8)


def _flatten_images_cases() -> list[Case]:
    rng = np.random.default_rng(2)
    return [
        Case("two grayscale 2x2 images (C = 1)", (np.arange(8, dtype=np.uint8).reshape(2, 2, 2, 1),)),
        Case("one colour 2x2 image (C = 3)", (np.arange(12, dtype=np.uint8).reshape(1, 2, 2, 3),)),
        Case("three colour 2x3 images", (np.arange(54, dtype=np.uint8).reshape(3, 2, 3, 3),)),
        Case("random case 1: five 4x4 RGB images", (_image_batch(rng, (5, 4, 4, 3)),)),
        Case("random case 2: two 3x5 RGBA images", (_image_batch(rng, (2, 3, 5, 4)),)),
        Case("random case 3: four 4x3 RGB images (N = H)", (_image_batch(rng, (4, 4, 3, 3)),)),
        Case("images stored as floats", (rng.random((3, 2, 2, 3)),)),
    ]


def _flatten_images_hidden_cases() -> list[Case]:
    rng = np.random.default_rng(102)
    shapes = [(8, 8, 8, 3), (1, 28, 28, 1), (6, 5, 7, 2), (3, 3, 3, 3), (10, 2, 2, 3)]
    return [Case(f"hidden case {number}", (_image_batch(rng, shape),)) for number, shape in enumerate(shapes, 1)]


flatten_images = Check(
    "flatten_images",
    reference.flatten_images,
    points=1,
    cases=_flatten_images_cases,
    hidden_cases=_flatten_images_hidden_cases,
    hint="Keep the batch axis and merge the other three: images.reshape(N, H * W * C).",
    mistakes=[
        Mistake(
            "You flattened the whole batch into one long vector; keep one row per image.",
            lambda images: images.reshape(-1),
        ),
        Mistake(
            "Your rows list the pixels channel by channel (PyTorch's C, H, W layout); "
            "flattening keeps the stored (H, W, C) order, so reshape without transposing.",
            lambda images: images.transpose(0, 3, 1, 2).reshape(images.shape[0], -1),
        ),
        Mistake(
            "Your result has one column per image; the batch axis comes first: one row per image.",
            lambda images: images.reshape(-1, images.shape[0]),
        ),
        Mistake(
            "Every pixel has C channel values, so a row has H * W * C entries, not H * W.",
            lambda images: images.reshape(images.shape[0], images.shape[1] * images.shape[2]),
        ),
        Mistake(
            "You rescaled the pixels; flattening only rearranges them, keeping their values and dtype.",
            lambda images: images.reshape(images.shape[0], -1) / 255,
        ),
        Mistake(
            "Flattening only rearranges the values: keep their dtype (no .astype(...)), here the input's.",
            lambda images: images.reshape(images.shape[0], -1).astype(float),
        ),
    ],
)


def _output_on_batch(called: Called) -> np.ndarray:
    X = torch.as_tensor(called.case.context["X (fed to your layer)"], dtype=torch.float32)
    return called.result(X).detach().numpy()


def _bias(called: Called) -> np.ndarray | None:
    return None if called.result.bias is None else called.result.bias.detach().numpy()


_LINEAR_LAYER_PROPERTIES = {
    "size (in_features, out_features)": lambda called: (called.result.in_features, called.result.out_features),
    "weight shape": lambda called: tuple(called.result.weight.shape),
    "parameter dtypes (weight, bias)": lambda called: [str(called.result.weight.dtype), str(getattr(called.result.bias, "dtype", None))],
    "bias": _bias,
    "weight": lambda called: called.result.weight.detach().numpy(),
    "output on X": _output_on_batch,
    "requires_grad of its parameters": lambda called: all(p.requires_grad for p in called.result.parameters()),
}


def _to_torch_linear_cases(seed: int, shapes: list[tuple[int, int, int]], prefix: str) -> list[Case]:
    rng = np.random.default_rng(seed)
    return [
        Case(
            f"{prefix} {number}: D = {d}, K = {k}",
            (rng.normal(size=(d, k)), rng.normal(size=k)),
            context={"X (fed to your layer)": rng.normal(size=(n, d))},
        )
        for number, (n, d, k) in enumerate(shapes, start=1)
    ]


def _to_torch_linear_visible_cases() -> list[Case]:
    fixed = [
        Case(
            "two inputs, one unit",
            (np.array([[2.0], [-1.0]]), np.array([0.5])),
            context={"X (fed to your layer)": np.array([[1.0, 2.0], [3.0, 4.0], [0.0, 0.0]])},
        ),
        Case(
            "three inputs, two units",
            (np.array([[1.0, 0.0], [0.0, 1.0], [1.0, -1.0]]), np.array([0.0, 10.0])),
            context={"X (fed to your layer)": np.array([[1.0, 2.0, 3.0], [-1.0, 0.5, 2.0]])},
        ),
    ]
    return fixed + _to_torch_linear_cases(3, [(4, 5, 3), (6, 1, 4), (5, 4, 4), (1, 8, 2)], "random case")


to_torch_linear = PropertyCheck(
    "to_torch_linear",
    reference.to_torch_linear,
    result_type=nn.Linear,
    result_description="a torch.nn.Linear",
    wrong_type_hint="Return the nn.Linear layer itself.",
    tolerance=FLOAT32,
    properties=_LINEAR_LAYER_PROPERTIES,
    property_hints={
        "size (in_features, out_features)": "W has shape (D, K): create the layer with nn.Linear(D, K).",
        "weight shape": "PyTorch stores a layer's weight as (out_features, in_features): copy W.T, not W.",
        "parameter dtypes (weight, bias)": (
            "PyTorch layers work in float32, and W and b are float64 NumPy arrays: convert both "
            "(parameter.copy_(tensor) converts for you)."
        ),
        "bias": "Copy b, of shape (K,), into the layer's bias: a new nn.Linear(D, K) starts with a random one.",
        "weight": "PyTorch stores a layer's weight as (out_features, in_features): copy W.T, not W.",
        "requires_grad of its parameters": "Keep the layer trainable: its parameters must require grad.",
    },
    points=2,
    cases=_to_torch_linear_visible_cases,
    hidden_cases=lambda: _to_torch_linear_cases(103, [(10, 3, 7), (2, 6, 6), (3, 12, 1), (7, 2, 9)], "hidden case"),
    hint="Create nn.Linear(D, K), then copy W.T into its weight and b into its bias (inside torch.no_grad()).",
)

EXERCISES = (linear_unit, flatten_images, to_torch_linear)
progress = progress_view(EXERCISES)
