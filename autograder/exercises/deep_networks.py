"""Notebook 02, deep networks and activations."""

import numpy as np
import torch
from torch import nn

from autograder.checks.check import Case
from autograder.checks.compare import FLOAT32, Tolerance
from autograder.checks.probes import examples
from autograder.checks.properties import Property, Returns
from autograder.exercises import Exercise, Mistake, Wrong

# ---------------------------------------------------------------- collapse_linear


def collapse_linear(W1, b1, W2, b2):
    """The one linear layer equivalent to layer (W1, b1) followed by layer (W2, b2).

    Inputs:
        W1: (D, H) array and b1: (H,) array: the first layer.
        W2: (H, K) array and b2: (K,) array: the second layer.
    Returns:
        (W, b): W of shape (D, K) and b of shape (K,), such that
        (X @ W1 + b1) @ W2 + b2 equals X @ W + b for every X.
    """
    return W1 @ W2, b1 @ W2 + b2


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


def adds_the_biases(W1, b1, W2, b2):
    return W1 @ W2, b1 + b2


def drops_the_first_bias(W1, b1, W2, b2):
    return W1 @ W2, b2


def drops_the_second_bias(W1, b1, W2, b2):
    return W1 @ W2, b1 @ W2


def multiplies_in_reverse(W1, b1, W2, b2):
    return W2 @ W1, b1 @ W2 + b2


def multiplies_elementwise(W1, b1, W2, b2):
    return W1 * W2, b1 * W2 + b2


def collapse_linear_by_probing(W1, b1, W2, b2):
    b = (b1 @ W2) + b2  # the layer's output for an input of zeros
    W = np.eye(W1.shape[0]) @ W1 @ W2  # its response to each unit input, minus the bias
    return W, b


def collapse_linear_with_dot(W1, b1, W2, b2):
    return np.dot(W1, W2), np.dot(b1, W2) + b2


COLLAPSE_LINEAR = Exercise(
    collapse_linear,
    points=2,
    cases=collapse_linear_cases,
    hidden_cases=lambda seed: collapse_cases(seed, [(4, 7, 2), (6, 6, 6), (2, 1, 5)], "hidden case"),
    hint="Substitute the first layer into the second: (X @ W1 + b1) @ W2 + b2 = X @ (W1 @ W2) + (b1 @ W2 + b2).",
    result_names=("W", "b"),
    mistakes=[
        Mistake(adds_the_biases, "The first layer's bias also passes through W2: b = b1 @ W2 + b2, not b1 + b2."),
        Mistake(drops_the_first_bias, "The first layer's bias passes through the second layer: b = b1 @ W2 + b2."),
        Mistake(drops_the_second_bias, "You left out b2: b = b1 @ W2 + b2."),
        Mistake(multiplies_in_reverse, "The input meets W1 first: W = W1 @ W2 (shapes (D, H) @ (H, K)), not W2 @ W1."),
        Mistake(multiplies_elementwise, "W1 * W2 multiplies elementwise; chaining layers multiplies matrices: W1 @ W2."),
    ],
    right=[collapse_linear_by_probing, collapse_linear_with_dot],
)

# ---------------------------------------------------------------- sigmoid, tanh, relu and leaky_relu


def sigmoid(x):
    """σ(x) = 1 / (1 + e^(−x)), elementwise, with no overflow for any x.

    Inputs:
        x: float array of any shape.
    Returns:
        array of the same shape and dtype, with values between 0 and 1.
    """
    e = np.exp(-np.abs(x))  # never more than 1, so it cannot overflow
    return np.where(x >= 0, 1 / (1 + e), e / (1 + e))


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


def activation_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    return [
        Case("hidden random case 1", (rng.normal(size=(3, 4, 2)) * 4,)),
        Case("hidden random case 2", (rng.normal(size=200) * 30,)),
        Case("hidden extreme values", (rng.permutation(np.concatenate([[-1e4, -745.0, -709.0, 709.0, 745.0, 1e4], rng.normal(size=4) * 800])),)),
        Case("hidden float32 batch", ((rng.normal(size=(5, 2)) * 100).astype(np.float32),)),
    ]


STABLE = (
    "For large |x| an intermediate value overflowed. Compute e^(−|x|), which never exceeds 1, "
    "and build the result from it for positive and negative x."
)
TINY = Tolerance(rtol=1e-7, atol=1e-12)  # tiny outputs such as σ(−50) = 2e-22 must come out tiny


def naive_sigmoid(x):
    return 1 / (1 + np.exp(-x))


def sigmoid_with_both_branches_computed(x):
    return np.where(x >= 0, 1 / (1 + np.exp(-x)), np.exp(x) / (1 + np.exp(x)))


def exp_over_one_plus_exp(x):
    return np.exp(x) / (1 + np.exp(x))


def sigmoid_of_minus_x(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, e / (1 + e), 1 / (1 + e))


def sigmoid_with_masks(x):
    result = np.empty_like(x, dtype=np.result_type(x, np.float32))
    positive = x >= 0
    result[positive] = 1 / (1 + np.exp(-x[positive]))
    exp_x = np.exp(x[~positive])
    result[~positive] = exp_x / (1 + exp_x)
    return result


def sigmoid_through_tanh(x):
    return 0.5 * (1 + np.tanh(x / 2))


SIGMOID = Exercise(
    sigmoid,
    points=1,
    cases=lambda: activation_cases(748),
    hidden_cases=activation_hidden_cases,
    hint="σ(x) = 1 / (1 + e^(−x)): near 0.5 at x = 0, close to 1 for large x and to 0 for very negative x.",
    warning_hint=STABLE,
    tolerance=TINY,
    mistakes=[
        Mistake(
            naive_sigmoid,
            "1 / (1 + np.exp(-x)) overflows for very negative x (e^1000 is inf). Use e = np.exp(-np.abs(x)): "
            "σ(x) = 1 / (1 + e) for x ≥ 0 and e / (1 + e) for x < 0.",
        ),
        Mistake(
            sigmoid_with_both_branches_computed,
            "np.where computes both of its branches for every element, so the branch it throws away still "
            "overflows. Compute e = np.exp(-np.abs(x)) once and use it in both branches.",
        ),
        Mistake(exp_over_one_plus_exp, "np.exp(x) / (1 + np.exp(x)) overflows for large x (inf / inf is nan)."),
        Mistake(sigmoid_of_minus_x, "Your function computes σ(−x): the exponent in 1 / (1 + e^(−x)) is −x."),
    ],
    right=[sigmoid_with_masks, sigmoid_through_tanh],
)


def tanh(x):
    """tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x)), elementwise, with no overflow for any x.

    Inputs:
        x: float array of any shape.
    Returns:
        array of the same shape and dtype, with values between −1 and 1.
    """
    e = np.exp(-2 * np.abs(x))  # tanh(|x|) = (1 − e) / (1 + e), and tanh is odd
    return np.sign(x) * (1 - e) / (1 + e)


def naive_tanh(x):
    return (np.exp(x) - np.exp(-x)) / (np.exp(x) + np.exp(-x))


def tanh_stable_for_positive_x_only(x):
    return (1 - np.exp(-2 * x)) / (1 + np.exp(-2 * x))


def forgets_the_sign(x):
    e = np.exp(-2 * np.abs(x))
    return (1 - e) / (1 + e)


def sinh(x):
    return (np.exp(x) - np.exp(-x)) / 2


def tanh_from_numpy(x):
    return np.tanh(x)


def tanh_from_sigmoid(x):
    return 2 * sigmoid(2 * x) - 1


TANH = Exercise(
    tanh,
    points=1,
    cases=lambda: activation_cases(427),
    hidden_cases=activation_hidden_cases,
    hint="tanh(x) = (e^x − e^(−x)) / (e^x + e^(−x)); it is odd, tanh(−x) = −tanh(x), with values between −1 and 1.",
    warning_hint=STABLE,
    tolerance=TINY,
    mistakes=[
        Mistake(
            naive_tanh,
            "(e^x − e^(−x)) / (e^x + e^(−x)) overflows for large |x| (inf / inf is nan). Divide top and bottom "
            "by e^|x|: tanh(|x|) = (1 − e^(−2|x|)) / (1 + e^(−2|x|)), and tanh(x) = sign(x) · tanh(|x|).",
        ),
        Mistake(tanh_stable_for_positive_x_only, "(1 − e^(−2x)) / (1 + e^(−2x)) still overflows for very negative x; use |x| and restore the sign."),
        Mistake(forgets_the_sign, "Your tanh is never negative: tanh is odd, tanh(−x) = −tanh(x)."),
        Mistake(sinh, "(e^x − e^(−x)) / 2 is sinh; tanh divides by e^x + e^(−x)."),
    ],
    right=[tanh_from_numpy, tanh_from_sigmoid],
)


def relu(x):
    """max(0, x), elementwise.

    Inputs:
        x: float array of any shape.
    Returns:
        a new array of the same shape and dtype (x is left unchanged).
    """
    return np.maximum(0, x)


def reduces_with_np_max(x):
    return np.max(x, 0)


def compares_one_number_at_a_time(x):
    return max(0, x)


def returns_the_mask(x):
    return x > 0


def flips_negative_values(x):
    return np.abs(x)


def keeps_the_negative_side(x):
    return np.minimum(0, x)


def relu_with_where(x):
    return np.where(x > 0, x, 0.0 * x)


def relu_with_a_mask(x):
    return x * (x > 0)


def relu_with_clip(x):
    return np.clip(x, 0, None)


def relu_in_place(x):
    x[x < 0] = 0
    return x


RELU = Exercise(
    relu,
    points=1,
    cases=lambda: activation_cases(440),
    hidden_cases=activation_hidden_cases,
    hint="ReLU keeps positive values and replaces negative ones by 0: np.maximum(0, x), elementwise.",
    warning_hint=STABLE,
    tolerance=TINY,
    mistakes=[
        Mistake(reduces_with_np_max, "np.max reduces an array to its largest value; np.maximum(0, x) compares elementwise."),
        Mistake(
            compares_one_number_at_a_time,
            "Python's max and `if x > 0` work on one number at a time; np.maximum(0, x) compares every element with 0.",
        ),
        Mistake(returns_the_mask, "x > 0 is ReLU's derivative (a mask), not ReLU: return the values themselves."),
        Mistake(flips_negative_values, "np.abs flips negative values; ReLU sets them to 0."),
        Mistake(keeps_the_negative_side, "Your function returns min(0, x); ReLU is max(0, x)."),
    ],
    right=[relu_with_where, relu_with_a_mask, relu_with_clip],
    wrong=[Wrong(relu_in_place, "changed its input x in place")],
)


def leaky_relu(x, negative_slope=0.01):
    """x where x > 0, and negative_slope · x elsewhere, elementwise.

    Inputs:
        x: float array of any shape.
        negative_slope: the slope for negative inputs, a number between 0 and 1.
    Returns:
        a new array of the same shape and dtype.
    """
    return np.where(x > 0, x, negative_slope * x)


def leaky_relu_cases():
    x = np.array([-3.0, -1.0, 0.0, 2.0])
    return activation_cases(1069) + [
        Case("negative_slope = 0.2", (x,), {"negative_slope": 0.2}),
        Case("negative_slope = 0 (plain ReLU)", (x,), {"negative_slope": 0.0}),
    ]


def uses_a_fixed_slope(x, negative_slope=0.01):
    return np.where(x > 0, x, 0.01 * x)


def scales_the_positive_side(x, negative_slope=0.01):
    return np.where(x > 0, negative_slope * x, x)


def plain_relu(x, negative_slope=0.01):
    return np.maximum(0, x)


def leaky_relu_with_maximum(x, negative_slope=0.01):
    return np.maximum(x, negative_slope * x)


LEAKY_RELU = Exercise(
    leaky_relu,
    points=1,
    cases=leaky_relu_cases,
    hidden_cases=activation_hidden_cases,
    hint="Leaky ReLU keeps positive values and multiplies negative ones by negative_slope.",
    warning_hint=STABLE,
    tolerance=TINY,
    mistakes=[
        Mistake(uses_a_fixed_slope, "Use the negative_slope argument instead of a fixed 0.01."),
        Mistake(scales_the_positive_side, "You scaled the positive side; leaky ReLU keeps x > 0 as it is and scales the negative side."),
        Mistake(plain_relu, "For negative x, leaky ReLU returns negative_slope · x, not 0 (that is plain ReLU)."),
    ],
    right=[leaky_relu_with_maximum],
)

# ---------------------------------------------------------------- forward


def forward(X, params):
    """The output of a network of three dense layers: ReLU after the first two, none after the last.

    Inputs:
        X: (N, D) array, one example per row.
        params: dict of arrays "W1" (D, H1), "b1" (H1,), "W2" (H1, H2), "b2" (H2,),
            "W3" (H2, 1) and "b3" (1,).
    Returns:
        (N, 1) array: the network's output for each example.
    """
    a1 = relu(X @ params["W1"] + params["b1"])
    a2 = relu(a1 @ params["W2"] + params["b2"])
    return a2 @ params["W3"] + params["b3"]


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


def relu_on_the_output(X, params):
    a1 = relu(X @ params["W1"] + params["b1"])
    a2 = relu(a1 @ params["W2"] + params["b2"])
    return relu(a2 @ params["W3"] + params["b3"])


def leaves_out_every_relu(X, params):
    a1 = X @ params["W1"] + params["b1"]
    a2 = a1 @ params["W2"] + params["b2"]
    return a2 @ params["W3"] + params["b3"]


def leaves_out_the_second_relu(X, params):
    a1 = relu(X @ params["W1"] + params["b1"])
    a2 = a1 @ params["W2"] + params["b2"]
    return a2 @ params["W3"] + params["b3"]


def leaves_out_the_layer_biases(X, params):
    return relu(relu(X @ params["W1"]) @ params["W2"]) @ params["W3"]


def forward_in_a_loop(X, params):
    a = X
    for layer in (1, 2, 3):
        z = a @ params[f"W{layer}"] + params[f"b{layer}"]
        a = relu(z) if layer < 3 else z
    return a


FORWARD = Exercise(
    forward,
    points=2,
    cases=forward_visible_cases,
    hidden_cases=lambda seed: forward_cases(seed, [(10, (2, 4, 3, 1)), (3, (4, 6, 6, 1)), (7, (1, 3, 2, 1))], "hidden case"),
    hint="z1 = X @ W1 + b1, a1 = relu(z1); z2 = a1 @ W2 + b2, a2 = relu(z2); the output is a2 @ W3 + b3.",
    uses=[relu],
    mistakes=[
        Mistake(relu_on_the_output, "The last layer is linear: apply ReLU after the first two layers only, not to the output."),
        Mistake(leaves_out_every_relu, "Without ReLU between them the three layers collapse into one linear layer: apply relu to z1 and z2."),
        Mistake(leaves_out_the_second_relu, "Apply ReLU after the second layer too: a2 = relu(a1 @ W2 + b2)."),
        Mistake(leaves_out_the_layer_biases, "Add each layer's bias: z1 = X @ W1 + b1, and so on."),
    ],
    right=[forward_in_a_loop],
)

# ---------------------------------------------------------------- make_mlp

ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "sigmoid": nn.Sigmoid}


def make_mlp(dims, activation="relu"):
    """A multilayer perceptron with layer sizes dims and the named activation between layers.

    Inputs:
        dims: list of sizes [D, H1, ..., K]: the inputs, each hidden layer, the outputs.
        activation: "relu", "tanh" or "sigmoid".
    Returns:
        an nn.Module mapping an (N, D) float32 tensor to an (N, K) tensor, whose
        parameters (every layer's weight and bias) are all registered, in the order the
        layers are applied (as nn.Sequential and nn.ModuleList keep them).
    """
    layers = []
    for n_in, n_out in zip(dims[:-1], dims[1:]):
        layers.append(nn.Linear(n_in, n_out))
        layers.append(ACTIVATIONS[activation]())
    return nn.Sequential(*layers[:-1])


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


def activation_after_the_last_layer(dims, activation="relu"):
    layers = []
    for i in range(len(dims) - 1):
        layers += [nn.Linear(dims[i], dims[i + 1]), ACTIVATIONS[activation]()]
    return nn.Sequential(*layers)


def always_relu(dims, activation="relu"):
    return make_mlp(dims, "relu")


def no_activation(dims, activation="relu"):
    return nn.Sequential(*[nn.Linear(dims[i], dims[i + 1]) for i in range(len(dims) - 1)])


def make_mlp_step_by_step(dims, activation="relu"):
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


def make_mlp_with_a_module_list(dims, activation="relu"):
    return MLP(dims, activation)


class ListMLP(nn.Module):
    def __init__(self, dims):
        super().__init__()
        self.layers = [nn.Linear(n_in, n_out) for n_in, n_out in zip(dims[:-1], dims[1:])]

    def forward(self, x):
        for layer in self.layers[:-1]:
            x = torch.relu(layer(x))
        return self.layers[-1](x)


def make_mlp_in_a_plain_list(dims, activation="relu"):
    return ListMLP(dims)


def make_mlp_with_square_layers(dims, activation="relu"):
    layers = []
    for i in range(len(dims) - 1):
        layers += [nn.Linear(dims[i], dims[i]), ACTIVATIONS[activation]()]
    return nn.Sequential(*layers[:-1])


MAKE_MLP = Exercise(
    make_mlp,
    points=2,
    cases=lambda: mlp_cases(23, [([2, 4, 3, 1], "relu"), ([3, 5, 2], "tanh"), ([2, 6, 6, 6, 3], "sigmoid"), ([4, 1], "relu")], "case"),
    hidden_cases=lambda seed: mlp_cases(seed, [([5, 8, 8, 2], "tanh"), ([1, 3, 1], "relu"), ([2, 2, 2, 2, 2], "sigmoid")], "hidden case"),
    hint="Build nn.Linear(dims[i], dims[i + 1]) for each pair of sizes, with the activation between them.",
    properties=MLP_PROPERTIES,
    returns=Returns(nn.Module, "a torch.nn.Module", "Return the model itself, an nn.Module (for example an nn.Sequential)."),
    tolerance=FLOAT32,
    mistakes=[
        Mistake(activation_after_the_last_layer, "No activation after the last layer: the output layer stays linear."),
        Mistake(always_relu, "Use the activation named by the `activation` argument, not always ReLU."),
        Mistake(no_activation, "Without activations between them, the linear layers collapse into a single linear layer."),
    ],
    right=[make_mlp_step_by_step, make_mlp_with_a_module_list],
    wrong=[
        Wrong(make_mlp_in_a_plain_list, "your layers are in a plain Python list, which PyTorch cannot see"),
        Wrong(make_mlp_with_square_layers, "Layer i is nn.Linear(dims[i], dims[i + 1])"),
    ],
)
