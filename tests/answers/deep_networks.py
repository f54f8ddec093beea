"""Notebook 02, deep networks and activations."""

import numpy as np
import torch
from torch import nn

from answers import Wrong


def sigmoid_naive(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_stable_where(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


def sigmoid_masks(x):
    result = np.empty_like(x, dtype=np.result_type(x, np.float32))
    positive = x >= 0
    result[positive] = 1 / (1 + np.exp(-x[positive]))
    exp_x = np.exp(x[~positive])
    result[~positive] = exp_x / (1 + exp_x)
    return result


def sigmoid_through_tanh(x):
    return 0.5 * (1 + np.tanh(x / 2))


def sigmoid_where_both_branches(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def sigmoid_wrong_sign(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, e / (1 + e), 1 / (1 + e))


def sigmoid_exp_over_one_plus_exp(x):
    return np.exp(x) / (1 + np.exp(x))


def tanh_numpy(x):
    return np.tanh(x)


def tanh_stable(x):
    e = np.exp(-2 * np.abs(x))
    return np.sign(x) * (1 - e) / (1 + e)


def tanh_from_sigmoid(x):
    return 2 * sigmoid_stable_where(2 * x) - 1


def tanh_naive(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def tanh_half_stable(x):
    return (1 - np.exp(-2 * x)) / (1 + np.exp(-2 * x))


def tanh_forgets_sign(x):
    e = np.exp(-2 * np.abs(x))
    return (1 - e) / (1 + e)


def tanh_sinh(x):
    return (np.exp(x) - np.exp(-x)) / 2


def relu_maximum(x):
    return np.maximum(0, x)


def relu_where(x):
    return np.where(x > 0, x, 0.0 * x)


def relu_mask(x):
    return x * (x > 0)


def relu_clip(x):
    return np.clip(x, 0, None)


def relu_max(x):
    return np.max(x, 0)


def relu_python_max(x):
    return max(0, x)


def relu_in_place(x):
    x[x < 0] = 0
    return x


def relu_mask_only(x):
    return x > 0


def leaky_relu_where(x, negative_slope=0.01):
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_maximum(x, negative_slope=0.01):
    return np.maximum(x, negative_slope * x)


def leaky_relu_fixed_slope(x, negative_slope=0.01):
    return np.where(x > 0, x, 0.01 * x)


def leaky_relu_scales_positives(x, negative_slope=0.01):
    return np.where(x > 0, negative_slope * x, x)


def leaky_relu_plain_relu(x, negative_slope=0.01):
    return np.maximum(0, x)


def collapse_linear_matmul(W1, b1, W2, b2):
    return W1 @ W2, b1 @ W2 + b2


def collapse_linear_by_probing(W1, b1, W2, b2):
    b = (b1 @ W2) + b2  # the layer's output for an input of zeros
    W = np.eye(W1.shape[0]) @ W1 @ W2  # its response to each unit input, minus the bias
    return W, b


def collapse_linear_dot(W1, b1, W2, b2):
    return np.dot(W1, W2), np.dot(b1, W2) + b2


def collapse_linear_adds_biases(W1, b1, W2, b2):
    return W1 @ W2, b1 + b2


def collapse_linear_drops_first_bias(W1, b1, W2, b2):
    return W1 @ W2, b2


def collapse_linear_reversed(W1, b1, W2, b2):
    return W2 @ W1, b1 @ W2 + b2


def collapse_linear_elementwise(W1, b1, W2, b2):
    return W1 * W2, b1 * W2 + b2


relu = relu_maximum  # forward() uses the notebook's relu, as a learner's would


def forward_step_by_step(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    a2 = relu(z2)
    return a2 @ params["W3"] + params["b3"]


def forward_loop(X, params):
    a = X
    for layer in (1, 2, 3):
        z = a @ params[f"W{layer}"] + params[f"b{layer}"]
        a = relu(z) if layer < 3 else z
    return a


def forward_relu_on_output(X, params):
    a1 = relu(X @ params["W1"] + params["b1"])
    a2 = relu(a1 @ params["W2"] + params["b2"])
    return relu(a2 @ params["W3"] + params["b3"])


def forward_without_relu(X, params):
    a1 = X @ params["W1"] + params["b1"]
    a2 = a1 @ params["W2"] + params["b2"]
    return a2 @ params["W3"] + params["b3"]


def forward_one_relu(X, params):
    a1 = relu(X @ params["W1"] + params["b1"])
    a2 = a1 @ params["W2"] + params["b2"]
    return a2 @ params["W3"] + params["b3"]


def forward_without_biases(X, params):
    return relu(relu(X @ params["W1"]) @ params["W2"]) @ params["W3"]


ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def make_mlp_sequential(dims, activation="relu"):
    layers = []
    for i in range(len(dims) - 1):
        layers.append(nn.Linear(dims[i], dims[i + 1]))
        if i < len(dims) - 2:
            layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers)


class MLP(nn.Module):
    def __init__(self, dims, activation):
        super().__init__()
        self.layers = nn.ModuleList(nn.Linear(n_in, n_out) for n_in, n_out in zip(dims[:-1], dims[1:]))
        self.activation = {"relu": torch.relu, "tanh": torch.tanh, "sigmoid": torch.sigmoid}[activation]

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = self.activation(layer(x))
        return self.layers[-1](x)


def make_mlp_module_list(dims, activation="relu"):
    return MLP(dims, activation)


class ListMLP(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.layers = [nn.Linear(n_in, n_out) for n_in, n_out in zip(dims[:-1], dims[1:])]

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return self.layers[-1](x)


def make_mlp_plain_list(dims, activation="relu"):
    return ListMLP(dims)


def make_mlp_activation_at_the_end(dims, activation="relu"):
    layers = []
    for i in range(len(dims) - 1):
        layers += [nn.Linear(dims[i], dims[i + 1]), ACTIVATIONS[activation]()]
    return nn.Sequential(*layers)


def make_mlp_always_relu(dims, activation="relu"):
    return make_mlp_sequential(dims, "relu")


def make_mlp_no_activation(dims, activation="relu"):
    return nn.Sequential(*[nn.Linear(dims[i], dims[i + 1]) for i in range(len(dims) - 1)])


def make_mlp_square_layers(dims, activation="relu"):
    layers = []
    for i in range(len(dims) - 1):
        layers += [nn.Linear(dims[i], dims[i]), ACTIVATIONS[activation]()]
    return nn.Sequential(*layers[:-1])


CORRECT = {
    "sigmoid": [sigmoid_stable_where, sigmoid_masks, sigmoid_through_tanh],
    "tanh": [tanh_numpy, tanh_stable, tanh_from_sigmoid],
    "relu": [relu_maximum, relu_where, relu_mask, relu_clip],
    "leaky_relu": [leaky_relu_where, leaky_relu_maximum],
    "collapse_linear": [collapse_linear_matmul, collapse_linear_by_probing, collapse_linear_dot],
    "forward": [forward_step_by_step, forward_loop],
    "make_mlp": [make_mlp_sequential, make_mlp_module_list],
}

WRONG = {
    "sigmoid": [
        Wrong(sigmoid_naive, "1 / (1 + np.exp(-x)) overflows"),
        Wrong(sigmoid_where_both_branches, "np.where computes both of its branches"),
        Wrong(sigmoid_wrong_sign, "computes σ(−x)"),
        Wrong(sigmoid_exp_over_one_plus_exp, "np.exp(x) / (1 + np.exp(x)) overflows"),
    ],
    "tanh": [
        Wrong(tanh_naive, "overflows for large |x|"),
        Wrong(tanh_half_stable, "still overflows for very negative x"),
        Wrong(tanh_forgets_sign, "tanh is odd"),
        Wrong(tanh_sinh, "is sinh"),
    ],
    "relu": [
        Wrong(relu_max, "np.max reduces an array"),
        Wrong(relu_python_max, "Python's max and `if x > 0` work on one number at a time"),
        Wrong(relu_in_place, "changed its input x in place"),
        Wrong(relu_mask_only, "ReLU's derivative"),
    ],
    "leaky_relu": [
        Wrong(leaky_relu_fixed_slope, "Use the negative_slope argument"),
        Wrong(leaky_relu_scales_positives, "You scaled the positive side"),
        Wrong(leaky_relu_plain_relu, "not 0 (that is plain ReLU)"),
    ],
    "collapse_linear": [
        Wrong(collapse_linear_adds_biases, "b = b1 @ W2 + b2, not b1 + b2"),
        Wrong(collapse_linear_drops_first_bias, "passes through the second layer"),
        Wrong(collapse_linear_reversed, "not W2 @ W1"),
        Wrong(collapse_linear_elementwise, "multiplies elementwise"),
    ],
    "forward": [
        Wrong(forward_relu_on_output, "The last layer is linear"),
        Wrong(forward_without_relu, "collapse into one linear layer"),
        Wrong(forward_one_relu, "after the second layer too"),
        Wrong(forward_without_biases, "Add each layer's bias"),
    ],
    "make_mlp": [
        Wrong(make_mlp_plain_list, "your layers are in a plain Python list, which PyTorch cannot see"),
        Wrong(make_mlp_activation_at_the_end, "the output layer stays linear"),
        Wrong(make_mlp_always_relu, "named by the `activation` argument"),
        Wrong(make_mlp_no_activation, "collapse into a single linear layer"),
        Wrong(make_mlp_square_layers, "Layer i is nn.Linear(dims[i], dims[i + 1])"),
    ],
}
