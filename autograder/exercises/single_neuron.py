"""Notebook 01, the single neuron: linear_unit, flatten_images, to_torch_linear."""

import numpy as np
import torch
from torch import nn

from autograder.checks.check import Case
from autograder.checks.compare import FLOAT32
from autograder.checks.properties import Property, Returns
from autograder.exercises import Exercise, Mistake, Wrong

# ---------------------------------------------------------------- linear_unit


def linear_unit(X, w, b):
    """The output of one linear unit for every example of a batch.

    Inputs:
        X: (N, D) array of numbers (floats, or integers such as pixel values), one example per row.
        w: (D,) float array, one weight per input.
        b: float, the bias.
    Returns:
        (N,) float array whose entry n is X[n] · w + b.
    """
    return X @ w + b


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


def linear_unit_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    shapes = [(7, 2, 1.0), (64, 16, 1.0), (2, 2, 1e3), (25, 50, 1e-3), (1, 1, 1.0), (100, 3, 10.0)]
    return [
        Case(f"hidden random case {number}", (rng.normal(size=(n, d)) * scale, rng.normal(size=d), float(rng.normal())))
        for number, (n, d, scale) in enumerate(shapes, start=1)
    ]


def leaves_out_the_bias(X, w, b):
    return X @ w


def subtracts_the_bias(X, w, b):
    return X @ w - b


def adds_the_bias_to_every_input(X, w, b):
    return (X * w + b).sum(axis=1)


def sums_over_the_batch(X, w, b):
    return (X * w).sum(axis=0) + b


def does_not_add_up(X, w, b):
    return X * w + b


def averages_instead_of_adding(X, w, b):
    return (X * w).mean(axis=1) + b


def first_example_only(X, w, b):
    return X[0] @ w + b


def weights_first(X, w, b):
    return w @ X + b


def linear_unit_with_a_loop(X, w, b):
    outputs = np.zeros(X.shape[0])
    for n in range(X.shape[0]):
        outputs[n] = np.dot(X[n], w) + b
    return outputs


def linear_unit_with_einsum(X, w, b):
    return np.einsum("nd,d->n", X, w) + b


def linear_unit_as_sum_of_products(X, w, b):
    return (X * w).sum(axis=1) + b


def linear_unit_into_zeros_like(X, w, b):
    outputs = np.zeros_like(X[:, 0])
    for n in range(X.shape[0]):
        outputs[n] = X[n] @ w + b
    return outputs


def linear_unit_in_place(X, w, b):
    X *= w
    return X.sum(axis=1) + b


examples = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # notebook data, which linear_unit_reading_notebook_data reads


def linear_unit_reading_notebook_data(X, w, b):
    return examples @ w + b


LINEAR_UNIT = Exercise(
    linear_unit,
    points=2,
    cases=linear_unit_cases,
    hidden_cases=linear_unit_hidden_cases,
    hint="Each example's output is the sum of its inputs times their weights, plus the bias: X @ w + b.",
    mistakes=[
        Mistake(leaves_out_the_bias, "Your outputs leave out the bias: add b to every output."),
        Mistake(subtracts_the_bias, "You subtracted the bias; a linear unit adds it: X @ w + b."),
        Mistake(adds_the_bias_to_every_input, "You added b once per input, D times over; add the bias once per example, after the sum."),
        Mistake(sums_over_the_batch, "You summed over the batch (axis 0); a unit adds up the weighted inputs of one example (axis 1)."),
        Mistake(does_not_add_up, "You multiplied each input by its weight but did not add them up: each example gives one number."),
        Mistake(averages_instead_of_adding, "You averaged the weighted inputs; a linear unit adds them up."),
        Mistake(first_example_only, "You computed the output of the first example only; compute one for every row of X."),
        Mistake(weights_first, "X holds one example per row: multiply X @ w, not w @ X."),
    ],
    right=[linear_unit_with_a_loop, linear_unit_with_einsum, linear_unit_as_sum_of_products],
    wrong=[
        Wrong(linear_unit_into_zeros_like, "np.zeros_like"),
        Wrong(linear_unit_in_place, "changed its input X in place"),
        Wrong(linear_unit_reading_notebook_data, "reads the notebook variable(s) examples"),
    ],
)

# ---------------------------------------------------------------- flatten_images


def flatten_images(images):
    """A batch of images as a table with one row per image.

    Inputs:
        images: (N, H, W, C) array: N images of H rows, W columns and C channels.
    Returns:
        (N, H * W * C) array of the same dtype; row n lists the values of image n
        in the order they are stored (row by row, pixel by pixel, channel by channel).
    """
    return images.reshape(images.shape[0], -1)


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


def flatten_images_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    shapes = [(8, 8, 8, 3), (1, 28, 28, 1), (6, 5, 7, 2), (3, 3, 3, 3), (10, 2, 2, 3)]
    return [Case(f"hidden case {number}", (image_batch(rng, shape),)) for number, shape in enumerate(shapes, 1)]


def flattens_the_whole_batch(images):
    return images.reshape(-1)


def channels_first(images):
    return images.transpose(0, 3, 1, 2).reshape(images.shape[0], -1)


def one_column_per_image(images):
    return images.reshape(-1, images.shape[0])


def leaves_out_the_channels(images):
    N, H, W, C = images.shape
    return images.reshape(N, H * W)


def rescales_the_pixels(images):
    return images.reshape(images.shape[0], -1) / 255


def converts_to_float(images):
    return images.reshape(images.shape[0], -1).astype(float)


def flatten_images_with_explicit_sizes(images):
    N, H, W, C = images.shape
    return images.reshape(N, H * W * C)


def flatten_images_with_a_loop(images):
    return np.stack([image.ravel() for image in images])


def flatten_images_transposed(images):
    return images.reshape(images.shape[0], -1).T


FLATTEN_IMAGES = Exercise(
    flatten_images,
    points=1,
    cases=flatten_images_cases,
    hidden_cases=flatten_images_hidden_cases,
    hint="Keep the batch axis and merge the other three: images.reshape(N, H * W * C).",
    mistakes=[
        Mistake(flattens_the_whole_batch, "You flattened the whole batch into one long vector; keep one row per image."),
        Mistake(
            channels_first,
            "Your rows list the pixels channel by channel (PyTorch's C, H, W layout); "
            "flattening keeps the stored (H, W, C) order, so reshape without transposing.",
        ),
        Mistake(one_column_per_image, "Your result has one column per image; the batch axis comes first: one row per image."),
        Mistake(leaves_out_the_channels, "Every pixel has C channel values, so a row has H * W * C entries, not H * W."),
        Mistake(rescales_the_pixels, "You rescaled the pixels; flattening only rearranges them, keeping their values and dtype."),
        Mistake(converts_to_float, "Flattening only rearranges the values: keep their dtype (no .astype(...)), here the input's."),
    ],
    right=[flatten_images_with_explicit_sizes, flatten_images_with_a_loop],
    wrong=[Wrong(flatten_images_transposed, "transpose")],
)

# ---------------------------------------------------------------- to_torch_linear


def to_torch_linear(W, b):
    """A PyTorch layer that computes the same as X @ W + b.

    Inputs:
        W: (D, K) float array: column k holds the weights of unit k.
        b: (K,) float array: the biases of the K units.
    Returns:
        nn.Linear(D, K) whose float32 parameters are weight = W.T, of shape (K, D), and bias = b,
        both trainable (they require grad, as a new layer's do).
    """
    layer = nn.Linear(W.shape[0], W.shape[1])
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(W.T))
        layer.bias.copy_(torch.from_numpy(b))
    return layer


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


def to_torch_linear_hidden_cases(seed):
    return layer_cases(seed, [(10, 3, 7), (2, 6, 6), (3, 12, 1), (7, 2, 9)], "hidden case")


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


def leaves_the_weights_untransposed(W, b):
    layer = nn.Linear(W.shape[0], W.shape[1])
    layer.weight = nn.Parameter(torch.tensor(W, dtype=torch.float32))
    layer.bias = nn.Parameter(torch.tensor(b, dtype=torch.float32))
    return layer


def keeps_float64(W, b):
    layer = nn.Linear(W.shape[0], W.shape[1])
    layer.weight = nn.Parameter(torch.from_numpy(W.T.copy()))
    layer.bias = nn.Parameter(torch.from_numpy(b.copy()))
    return layer


def keeps_the_random_bias(W, b):
    layer = nn.Linear(W.shape[0], W.shape[1])
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(W.T))
    return layer


def swaps_the_sizes(W, b):
    return nn.Linear(W.shape[1], W.shape[0])


def freezes_the_layer(W, b):
    return to_torch_linear(W, b).requires_grad_(False)


def to_torch_linear_with_parameters(W, b):
    layer = nn.Linear(W.shape[0], W.shape[1])
    layer.weight = nn.Parameter(torch.tensor(W.T, dtype=torch.float32))
    layer.bias = nn.Parameter(torch.tensor(b, dtype=torch.float32))
    return layer


def to_torch_linear_with_a_state_dict(W, b):
    D, K = W.shape
    layer = nn.Linear(D, K)
    layer.load_state_dict({"weight": torch.tensor(W.T), "bias": torch.tensor(b)})
    return layer


def to_torch_linear_in_a_sequential(W, b):
    return nn.Sequential(to_torch_linear(W, b))


TO_TORCH_LINEAR = Exercise(
    to_torch_linear,
    points=2,
    cases=to_torch_linear_cases,
    hidden_cases=to_torch_linear_hidden_cases,
    hint="Create nn.Linear(D, K), then copy W.T into its weight and b into its bias (inside torch.no_grad()).",
    properties=LAYER_PROPERTIES,
    returns=Returns(nn.Linear, "a torch.nn.Linear", "Return the nn.Linear layer itself."),
    tolerance=FLOAT32,
    right=[to_torch_linear_with_parameters, to_torch_linear_with_a_state_dict],
    wrong=[
        Wrong(leaves_the_weights_untransposed, "copy W.T, not W"),
        Wrong(keeps_float64, "work in float32"),
        Wrong(keeps_the_random_bias, "into the layer's bias: a new nn.Linear(D, K) starts with a random one"),
        Wrong(swaps_the_sizes, "nn.Linear(D, K)"),
        Wrong(freezes_the_layer, "require grad"),
        Wrong(to_torch_linear_in_a_sequential, "Return the nn.Linear layer itself"),
    ],
)
