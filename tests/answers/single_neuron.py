"""Notebook 01, the single neuron."""

import numpy as np
import torch
from torch import nn

from answers import Wrong

examples = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])  # a notebook variable a function should not read


def linear_unit_matmul(X, w, b):
    return X @ w + b


def linear_unit_loop(X, w, b):
    outputs = np.zeros(X.shape[0])
    for n in range(X.shape[0]):
        outputs[n] = np.dot(X[n], w) + b
    return outputs


def linear_unit_einsum(X, w, b):
    return np.einsum("nd,d->n", X, w) + b


def linear_unit_sum_of_products(X, w, b):
    return (X * w).sum(axis=1) + b


def linear_unit_without_bias(X, w, b):
    return X @ w


def linear_unit_bias_per_input(X, w, b):
    return (X * w + b).sum(axis=1)


def linear_unit_sums_over_batch(X, w, b):
    return (X * w).sum(axis=0) + b


def linear_unit_no_sum(X, w, b):
    return X * w + b


def linear_unit_first_row_only(X, w, b):
    return X[0] @ w + b


def linear_unit_weights_first(X, w, b):
    return w @ X + b


def linear_unit_zeros_like(X, w, b):
    outputs = np.zeros_like(X[:, 0])
    for n in range(X.shape[0]):
        outputs[n] = X[n] @ w + b
    return outputs


def linear_unit_in_place(X, w, b):
    X *= w
    return X.sum(axis=1) + b


def linear_unit_reads_notebook_data(X, w, b):
    return examples @ w + b


def flatten_images_reshape(images):
    return images.reshape(images.shape[0], -1)


def flatten_images_explicit_size(images):
    N, H, W, C = images.shape
    return images.reshape(N, H * W * C)


def flatten_images_loop(images):
    return np.stack([image.ravel() for image in images])


def flatten_images_whole_batch(images):
    return images.reshape(-1)


def flatten_images_channels_first(images):
    return images.transpose(0, 3, 1, 2).reshape(images.shape[0], -1)


def flatten_images_column_per_image(images):
    return images.reshape(-1, images.shape[0])


def flatten_images_without_channels(images):
    N, H, W, C = images.shape
    return images.reshape(N, H * W)


def flatten_images_rescaled(images):
    return images.reshape(images.shape[0], -1) / 255


def flatten_images_transposed(images):
    return images.reshape(images.shape[0], -1).T


def to_torch_linear_copy(W, b):
    layer = nn.Linear(W.shape[0], W.shape[1])
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(W.T))
        layer.bias.copy_(torch.from_numpy(b))
    return layer


def to_torch_linear_parameters(W, b):
    layer = nn.Linear(W.shape[0], W.shape[1])
    layer.weight = nn.Parameter(torch.tensor(W.T, dtype=torch.float32))
    layer.bias = nn.Parameter(torch.tensor(b, dtype=torch.float32))
    return layer


def to_torch_linear_state_dict(W, b):
    D, K = W.shape
    layer = nn.Linear(D, K)
    layer.load_state_dict({"weight": torch.tensor(W.T), "bias": torch.tensor(b)})
    return layer


def to_torch_linear_untransposed(W, b):
    layer = nn.Linear(W.shape[0], W.shape[1])
    layer.weight = nn.Parameter(torch.tensor(W, dtype=torch.float32))
    layer.bias = nn.Parameter(torch.tensor(b, dtype=torch.float32))
    return layer


def to_torch_linear_float64(W, b):
    layer = nn.Linear(W.shape[0], W.shape[1])
    layer.weight = nn.Parameter(torch.from_numpy(W.T.copy()))
    layer.bias = nn.Parameter(torch.from_numpy(b.copy()))
    return layer


def to_torch_linear_random_bias(W, b):
    layer = nn.Linear(W.shape[0], W.shape[1])
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(W.T))
    return layer


def to_torch_linear_sizes_swapped(W, b):
    return nn.Linear(W.shape[1], W.shape[0])


def to_torch_linear_frozen(W, b):
    layer = to_torch_linear_copy(W, b)
    return layer.requires_grad_(False)


def to_torch_linear_in_sequential(W, b):
    return nn.Sequential(to_torch_linear_copy(W, b))


CORRECT = {
    "linear_unit": [linear_unit_matmul, linear_unit_loop, linear_unit_einsum, linear_unit_sum_of_products],
    "flatten_images": [flatten_images_reshape, flatten_images_explicit_size, flatten_images_loop],
    "to_torch_linear": [to_torch_linear_copy, to_torch_linear_parameters, to_torch_linear_state_dict],
}

WRONG = {
    "linear_unit": [
        Wrong(linear_unit_without_bias, "leave out the bias"),
        Wrong(linear_unit_bias_per_input, "added b once per input"),
        Wrong(linear_unit_sums_over_batch, "summed over the batch"),
        Wrong(linear_unit_no_sum, "did not add them up"),
        Wrong(linear_unit_first_row_only, "first example only"),
        Wrong(linear_unit_weights_first, "not w @ X"),
        Wrong(linear_unit_zeros_like, "np.zeros_like"),
        Wrong(linear_unit_in_place, "changed its input X in place"),
        Wrong(linear_unit_reads_notebook_data, "reads the notebook variable(s) examples"),
    ],
    "flatten_images": [
        Wrong(flatten_images_whole_batch, "one long vector"),
        Wrong(flatten_images_channels_first, "channel by channel"),
        Wrong(flatten_images_column_per_image, "one column per image"),
        Wrong(flatten_images_without_channels, "H * W * C"),
        Wrong(flatten_images_rescaled, "rescaled the pixels"),
        Wrong(flatten_images_transposed, "transpose"),
    ],
    "to_torch_linear": [
        Wrong(to_torch_linear_untransposed, "copy W.T, not W"),
        Wrong(to_torch_linear_float64, "work in float32"),
        Wrong(to_torch_linear_random_bias, "into the layer's bias: a new nn.Linear(D, K) starts with a random one"),
        Wrong(to_torch_linear_sizes_swapped, "nn.Linear(D, K)"),
        Wrong(to_torch_linear_frozen, "require grad"),
        Wrong(to_torch_linear_in_sequential, "Return the nn.Linear layer itself"),
    ],
}
