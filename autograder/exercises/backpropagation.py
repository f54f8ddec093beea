"""Notebook 05, backpropagation from scratch: a one-hidden-layer ReLU network with softmax, in NumPy.

The network maps X (N, D) to class probabilities (N, C):
    z1 = X @ W1 + b1,  a1 = relu(z1),  z2 = a1 @ W2 + b2,  probs = softmax(z2),
and is trained on the mean cross-entropy of probs against class indices y.
Its parameters are a dict of arrays "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,),
as in notebook 02's forward(X, params).
"""

import numpy as np

from autograder.checks.check import Case
from autograder.checks.compare import Tolerance
from autograder.checks.probes import as_arrays, examples, quietly, same_arrays
from autograder.checks.properties import Property, Reading, Returns
from autograder.exercises import Exercise, Mistake, Wrong
from autograder.exercises.deep_networks import relu  # notebook 02
from autograder.exercises.loss_functions import softmax  # notebook 03

NAMES = ("W1", "b1", "W2", "b2")  # the parameters, in the order the notebook writes them


def init_params(n_in, n_hidden, n_classes, seed):
    """Small random weights and zero biases, the same for the same seed (given in the notebook, not an exercise).

    Returns {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}: float64 arrays; the weights are
    0.01 times standard normal numbers drawn from np.random.default_rng(seed), W1 first.
    """
    rng = np.random.default_rng(seed)
    return {
        "W1": 0.01 * rng.standard_normal((n_in, n_hidden)),
        "b1": np.zeros(n_hidden),
        "W2": 0.01 * rng.standard_normal((n_hidden, n_classes)),
        "b2": np.zeros(n_classes),
    }


def network(rng, D, H, C, scale=1.0):
    """Random parameters of a D-H-C network, biases included, so that every term of the computation shows."""
    return {"W1": rng.normal(size=(D, H)), "b1": rng.normal(size=H) * 0.5, "W2": rng.normal(size=(H, C)) * scale, "b2": rng.normal(size=C) * 0.5}


# ---------------------------------------------------------------- mlp_forward


def mlp_forward(X, params):
    """The forward pass: class probabilities, and what the backward pass will need.

    Inputs:
        X: (N, D) array, one example per row.
        params: dict of arrays "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,).
    Returns:
        (probs, cache):
        probs: (N, C) array, softmax(relu(X @ W1 + b1) @ W2 + b2); each row sums to 1, computed
            without overflow even for very large scores.
        cache: {"X": X, "z1": z1, "a1": a1}, with z1 = X @ W1 + b1 and a1 = relu(z1), both (N, H).
    """
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    return softmax(z2), {"X": X, "z1": z1, "a1": a1}


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


def mlp_forward_hidden_cases(seed):
    return forward_cases(seed, [(9, 2, 7, 3, 1.0), (3, 4, 2, 5, 1.0), (1, 1, 3, 2, 1.0), (5, 2, 8, 3, 500.0)], "hidden case")


def leaves_out_the_relu(X, params):
    z1 = X @ params["W1"] + params["b1"]
    z2 = z1 @ params["W2"] + params["b2"]
    return softmax(z2), {"X": X, "z1": z1, "a1": z1}


def takes_the_softmax_over_the_batch(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    exp = np.exp(z2 - z2.max(axis=0))
    return exp / exp.sum(axis=0), {"X": X, "z1": z1, "a1": a1}


def returns_the_scores(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    return a1 @ params["W2"] + params["b2"], {"X": X, "z1": z1, "a1": a1}


def caches_z1_as_a1(X, params):
    z1 = X @ params["W1"] + params["b1"]
    return softmax(relu(z1) @ params["W2"] + params["b2"]), {"X": X, "z1": z1, "a1": z1}


def exponentiates_the_raw_scores(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    return np.exp(z2) / np.exp(z2).sum(axis=1, keepdims=True), {"X": X, "z1": z1, "a1": a1}


def leaves_out_the_biases(X, params):
    z1 = X @ params["W1"]
    a1 = relu(z1)
    return softmax(a1 @ params["W2"]), {"X": X, "z1": z1, "a1": a1}


def caches_z2_too(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    return softmax(z2), {"X": X, "z1": z1, "a1": a1, "z2": z2}


def returns_the_cache_first(X, params):
    probs, cache = mlp_forward(X, params)
    return cache, probs


def mlp_forward_by_hand(X, params):
    W1, b1, W2, b2 = params["W1"], params["b1"], params["W2"], params["b2"]
    z1 = np.dot(X, W1) + b1
    a1 = np.maximum(z1, 0)
    scores = np.dot(a1, W2) + b2
    scores = scores - np.max(scores, axis=1, keepdims=True)
    exp_scores = np.exp(scores)
    probs = exp_scores / np.sum(exp_scores, axis=1, keepdims=True)
    cache = {}
    cache["X"] = X
    cache["z1"] = z1
    cache["a1"] = a1
    return probs, cache


def mlp_forward_by_log_sum_exp(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.where(z1 > 0, z1, 0.0)
    z2 = a1 @ params["W2"] + params["b2"]
    top = z2.max(axis=1, keepdims=True)
    log_probs = z2 - top - np.log(np.exp(z2 - top).sum(axis=1, keepdims=True))
    return np.exp(log_probs), dict(X=X, z1=z1, a1=a1)


MLP_FORWARD = Exercise(
    mlp_forward,
    points=2,
    cases=mlp_forward_cases,
    hidden_cases=mlp_forward_hidden_cases,
    result_names=("probs", "cache"),
    hint='z1 = X @ W1 + b1, a1 = relu(z1), z2 = a1 @ W2 + b2, probs = softmax(z2); return probs, {"X": X, "z1": z1, "a1": a1}.',
    warning_hint=(
        "Large scores overflow np.exp. Use softmax from notebook 03 (imported in the setup cell), which subtracts "
        "each row's largest score before exponentiating."
    ),
    mistakes=[
        Mistake(leaves_out_the_relu, "Apply ReLU to the hidden layer: a1 = relu(z1). Without it the network is a linear classifier again."),
        Mistake(
            takes_the_softmax_over_the_batch,
            "Each row is one example and must sum to 1: take the softmax over the classes, axis=1, not over the batch.",
        ),
        Mistake(returns_the_scores, "Return probabilities: apply softmax to the scores z2 = a1 @ W2 + b2."),
        Mistake(caches_z1_as_a1, 'cache["a1"] is the hidden layer after ReLU, relu(z1); cache["z1"] is the same layer before it.'),
        Mistake(
            exponentiates_the_raw_scores,
            "np.exp(z2) overflows for large scores (e^1000 is inf, and inf / inf is nan): use softmax from notebook 03, "
            "which subtracts each row's largest score first.",
        ),
        Mistake(leaves_out_the_biases, "Add the biases: z1 = X @ W1 + b1 and z2 = a1 @ W2 + b2."),
        Mistake(caches_z2_too, 'The cache holds exactly what mlp_backward needs, "X", "z1" and "a1": leave out anything else.'),
        Mistake(returns_the_cache_first, "Return the probabilities first, then the cache: return probs, cache."),
    ],
    right=[mlp_forward_by_hand, mlp_forward_by_log_sum_exp],
)

# ---------------------------------------------------------------- softmax_cross_entropy_backward


def softmax_cross_entropy_backward(probs, y):
    """The gradient of the mean cross-entropy with respect to the scores z2.

    Inputs:
        probs: (N, C) softmax probabilities (left unchanged).
        y: (N,) integer class indices in 0..C-1.
    Returns:
        dscores: (N, C) array, (probs - onehot(y)) / N.
    """
    dscores = probs.copy()
    dscores[np.arange(len(y)), y] -= 1
    return dscores / len(y)


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


def does_not_divide_by_n(probs, y):
    dscores = probs.copy()
    dscores[np.arange(len(y)), y] -= 1
    return dscores


def flips_the_sign(probs, y):
    return (np.eye(probs.shape[1])[y] - probs) / len(y)


def subtracts_one_everywhere(probs, y):
    return (probs - 1) / len(y)


def picks_whole_columns(probs, y):
    dscores = probs.copy()
    dscores[:, y] -= 1
    return dscores / len(y)


def divides_by_the_classes(probs, y):
    dscores = probs.copy()
    dscores[np.arange(len(y)), y] -= 1
    return dscores / probs.shape[1]


def softmax_cross_entropy_backward_in_place_on_a_copy(probs, y):
    dscores = probs.copy()
    dscores[np.arange(len(y)), y] -= 1
    dscores /= len(y)
    return dscores


def softmax_cross_entropy_backward_with_one_hot_labels(probs, y):
    N, C = probs.shape
    one_hot = np.eye(C)[y]
    return (probs - one_hot) / N


def softmax_cross_entropy_backward_in_a_loop(probs, y):
    dscores = np.array(probs, dtype=float)
    for n in range(len(y)):
        dscores[n, y[n]] = dscores[n, y[n]] - 1
    return dscores / len(y)


def softmax_cross_entropy_backward_changing_probs(probs, y):
    dscores = probs
    dscores[range(len(y)), y] -= 1
    dscores /= len(y)
    return dscores


SOFTMAX_CROSS_ENTROPY_BACKWARD = Exercise(
    softmax_cross_entropy_backward,
    points=2,
    cases=softmax_cross_entropy_backward_cases,
    hidden_cases=lambda seed: scores_gradient_cases(seed, [(7, 3), (2, 5), (1, 2)], "hidden case"),
    hint="dscores = (probs − onehot(y)) / N: a copy of probs, minus 1 at each example's true class, divided by N.",
    mutation_hint=(
        "Leave probs as it was (the caller may still need it): work on a copy, dscores = probs.copy(), and change that. "
        "`dscores = probs` does not copy; it gives the same array a second name."
    ),
    mistakes=[
        Mistake(
            does_not_divide_by_n,
            "Divide by the batch size N = len(y): the loss is a mean over the N examples, so the gradient of each "
            "example's score carries a factor 1/N.",
        ),
        Mistake(flips_the_sign, "The sign is flipped: the gradient is probs − onehot(y). Stepping against it raises the right class's score."),
        Mistake(subtracts_one_everywhere, "Subtract 1 only at each example's true class, dscores[n, y[n]]; the other classes keep probs as it is."),
        Mistake(
            picks_whole_columns,
            "dscores[:, y] picks whole columns. Pick one entry per row, the true class of each example: dscores[np.arange(N), y].",
        ),
        Mistake(divides_by_the_classes, "Divide by the number of examples, N = len(y) (the rows), not by the number of classes."),
    ],
    right=[
        softmax_cross_entropy_backward_in_place_on_a_copy,
        softmax_cross_entropy_backward_with_one_hot_labels,
        softmax_cross_entropy_backward_in_a_loop,
    ],
    wrong=[Wrong(softmax_cross_entropy_backward_changing_probs, "Leave probs as it was")],
)

# ---------------------------------------------------------------- mlp_backward


def mlp_backward(dscores, cache, params):
    """Backpropagation through the network: the gradient of the loss with respect to every parameter.

    Inputs:
        dscores: (N, C) gradient of the loss with respect to the scores z2 (already divided by N).
        cache: {"X": (N, D), "z1": (N, H), "a1": (N, H)} from mlp_forward (left unchanged).
        params: "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,) (left unchanged).
    Returns:
        {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}, each array shaped like its parameter.
    """
    dW2 = cache["a1"].T @ dscores
    db2 = dscores.sum(axis=0)
    dhidden = dscores @ params["W2"].T  # the gradient with respect to a1
    dz1 = dhidden * (cache["z1"] > 0)  # ReLU passes the gradient only where it was active
    dW1 = cache["X"].T @ dz1
    db1 = dz1.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


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


def gradients(dscores, cache, dz1, db=lambda d: d.sum(axis=0)):
    """The four gradients from dscores and dz1, with the bias gradients summed over the examples."""
    return {"W1": cache["X"].T @ dz1, "b1": db(dz1), "W2": cache["a1"].T @ dscores, "b2": db(dscores)}


def ignores_the_relu(dscores, cache, params):
    return gradients(dscores, cache, dscores @ params["W2"].T)


def counts_the_slope_at_zero(dscores, cache, params):
    return gradients(dscores, cache, (dscores @ params["W2"].T) * (cache["z1"] >= 0))


def masks_by_the_gradient(dscores, cache, params):
    dhidden = dscores @ params["W2"].T
    return gradients(dscores, cache, dhidden * (dhidden > 0))


def sums_the_biases_over_the_units(dscores, cache, params):
    return gradients(dscores, cache, (dscores @ params["W2"].T) * (cache["z1"] > 0), db=lambda d: d.sum(axis=1))


def keeps_the_bias_axis(dscores, cache, params):
    return gradients(dscores, cache, (dscores @ params["W2"].T) * (cache["z1"] > 0), db=lambda d: d.sum(axis=0, keepdims=True))


def averages_the_bias_gradients(dscores, cache, params):
    return gradients(dscores, cache, (dscores @ params["W2"].T) * (cache["z1"] > 0), db=lambda d: d.mean(axis=0))


def divides_by_n_again(dscores, cache, params):
    return {name: gradient / len(dscores) for name, gradient in mlp_backward(dscores, cache, params).items()}


def uses_z1_for_W2(dscores, cache, params):
    return {**mlp_backward(dscores, cache, params), "W2": cache["z1"].T @ dscores}


def transposes_the_weight_gradients(dscores, cache, params):
    grads = mlp_backward(dscores, cache, params)
    return {**grads, "W1": grads["W1"].T, "W2": grads["W2"].T}


def names_them_dW1_and_so_on(dscores, cache, params):
    return {f"d{name}": gradient for name, gradient in mlp_backward(dscores, cache, params).items()}


def returns_the_negatives(dscores, cache, params):
    return {name: -gradient for name, gradient in mlp_backward(dscores, cache, params).items()}


def mlp_backward_masking_dhidden(dscores, cache, params):
    dW2 = cache["a1"].T @ dscores
    db2 = dscores.sum(axis=0)
    dhidden = dscores @ params["W2"].T
    dhidden[cache["a1"] <= 0] = 0
    dW1 = cache["X"].T @ dhidden
    db1 = dhidden.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def mlp_backward_with_where(dscores, cache, params):
    X, z1, a1 = cache["X"], cache["z1"], cache["a1"]
    grads = {}
    grads["W2"] = np.dot(a1.T, dscores)
    grads["b2"] = np.sum(dscores, axis=0)
    dz1 = np.where(z1 > 0, np.dot(dscores, params["W2"].T), 0.0)
    grads["W1"] = np.dot(X.T, dz1)
    grads["b1"] = np.sum(dz1, axis=0)
    return grads


def mlp_backward_with_einsum(dscores, cache, params):
    dz1 = (dscores @ params["W2"].T) * np.heaviside(cache["z1"], 0.0)
    return {
        "W1": np.einsum("nd,nh->dh", cache["X"], dz1),
        "b1": dz1.sum(0),
        "W2": np.einsum("nh,nc->hc", cache["a1"], dscores),
        "b2": dscores.sum(0),
    }


def mlp_backward_masking_the_cache(dscores, cache, params):
    dhidden = dscores @ params["W2"].T
    z1 = cache["z1"]
    z1[z1 <= 0] = 0
    z1[z1 > 0] = 1
    dz1 = dhidden * z1
    return {"W1": cache["X"].T @ dz1, "b1": dz1.sum(axis=0), "W2": cache["a1"].T @ dscores, "b2": dscores.sum(axis=0)}


MLP_BACKWARD = Exercise(
    mlp_backward,
    points=3,
    cases=mlp_backward_cases,
    hidden_cases=lambda seed: backward_cases(seed, [(10, 2, 7, 3), (3, 4, 3, 2), (1, 1, 5, 4)], "hidden case"),
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
            ignores_the_relu,
            "Backpropagate through the ReLU: dz1 = dhidden * (z1 > 0). Where a unit was off (z1 ≤ 0) its output did "
            "not depend on W1 or b1, so no gradient flows back through it.",
        ),
        Mistake(counts_the_slope_at_zero, ZERO_SLOPE),
        Mistake(masks_by_the_gradient, "The ReLU mask comes from the forward pass, where z1 > 0, not from the sign of the gradient."),
        Mistake(
            sums_the_biases_over_the_units,
            "Sum the bias gradients over the examples, axis=0: one number per unit (shape (H,) for b1, (C,) for b2).",
        ),
        Mistake(keeps_the_bias_axis, "b1 has shape (H,) and b2 (C,): sum over axis 0 without keepdims=True."),
        Mistake(
            averages_the_bias_gradients,
            "Sum the bias gradients over the examples; averaging divides by N a second time (dscores already carries 1/N).",
        ),
        Mistake(
            divides_by_n_again,
            "dscores already carries the 1/N of the mean loss (softmax_cross_entropy_backward divided by N): do not divide again.",
        ),
        Mistake(uses_z1_for_W2, "The second layer's input is a1 = relu(z1), so dW2 = a1.T @ dscores, not z1.T @ dscores."),
        Mistake(
            transposes_the_weight_gradients,
            "Each gradient has its parameter's shape: dW1 = X.T @ dz1 is (D, H) and dW2 = a1.T @ dscores is (H, C).",
        ),
        Mistake(names_them_dW1_and_so_on, 'Name each gradient like its parameter, "W1", "b1", "W2", "b2", so that sgd_update can pair them.'),
        Mistake(returns_the_negatives, "Those are the gradients' negatives: dscores points uphill, and so does every gradient computed from it."),
    ],
    right=[mlp_backward_masking_dhidden, mlp_backward_with_where, mlp_backward_with_einsum],
    wrong=[Wrong(mlp_backward_masking_the_cache, "changed its input cache in place")],
)

# ---------------------------------------------------------------- sgd_update


def sgd_update(params, grads, lr):
    """One step of gradient descent on every parameter, in place.

    Inputs:
        params: dict of arrays; each array is changed in place (the dict keeps the same arrays).
        grads: dict with the same keys and shapes (left unchanged).
        lr: the learning rate.
    Returns:
        None. Each params[name] becomes params[name] - lr * grads[name].
    """
    for name in params:
        params[name] -= lr * grads[name]


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


def sgd_update_hidden_cases(seed):
    rng = np.random.default_rng(seed)
    return [
        step_case("hidden case: a 4-6-2 network, lr = 0.3", network(rng, 4, 6, 2), 0.3, rng),
        step_case("hidden case: one layer, lr = 2.0", {"W1": rng.normal(size=(2, 5)), "b1": rng.normal(size=5)}, 2.0, rng),
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


def steps_uphill(params, grads, lr):
    for name in params:
        params[name] += lr * grads[name]


def rebinds_the_loop_variable(params, grads, lr):
    for name, value in params.items():
        value = value - lr * grads[name]


def puts_new_arrays_in_the_dict(params, grads, lr):
    for name in params:
        params[name] = params[name] - lr * grads[name]


def returns_a_new_dict(params, grads, lr):
    return {name: value - lr * grads[name] for name, value in params.items()}


def updates_the_weights_only(params, grads, lr):
    for name in [name for name in params if "W" in name]:
        params[name] -= lr * grads[name]


def updates_four_fixed_names(params, grads, lr):
    for name in ["W1", "b1", "W2", "b2"]:
        params[name] -= lr * grads[name]


def ignores_the_learning_rate(params, grads, lr):
    for name in params:
        params[name] -= grads[name]


def scales_the_gradients(params, grads, lr):
    for name in params:
        grads[name] *= lr
        params[name] -= grads[name]


def sgd_update_over_items(params, grads, lr):
    for name, value in params.items():
        value -= lr * grads[name]


def sgd_update_with_subtract_out(params, grads, lr):
    for name in grads:
        np.subtract(params[name], lr * grads[name], out=params[name])


def sgd_update_by_slice_assignment(params, grads, lr):
    for name in params:
        params[name][...] = params[name] - lr * grads[name]


def sgd_update_returning_params(params, grads, lr):
    for name in params:
        params[name] -= lr * grads[name]
    return params


SGD_UPDATE = Exercise(
    sgd_update,
    points=1,
    cases=sgd_update_cases,
    hidden_cases=sgd_update_hidden_cases,
    hint="for name in params: params[name] -= lr * grads[name]",
    properties=SGD_UPDATE_PROPERTIES,
    changes_its_inputs=True,
    mistakes=[
        Mistake(steps_uphill, "That step goes uphill: move against the gradient, params[name] -= lr * grads[name]."),
        Mistake(
            rebinds_the_loop_variable,
            "`value = value - lr * grads[name]` makes a new array and gives it the loop's name; the array in params "
            "does not change. Update it in place: params[name] -= lr * grads[name].",
        ),
        Mistake(puts_new_arrays_in_the_dict, IN_PLACE),
        Mistake(
            returns_a_new_dict,
            "sgd_update must change params itself; returning a new dict leaves the caller's params as they were. "
            "Update in place: params[name] -= lr * grads[name].",
        ),
        Mistake(updates_the_weights_only, "Update every array in params, the biases too."),
        Mistake(
            updates_four_fixed_names,
            "Loop over the names in params (for name in params) rather than a fixed list: a network may have more layers, or fewer.",
        ),
        Mistake(ignores_the_learning_rate, "Scale the step by the learning rate: params[name] -= lr * grads[name]."),
        Mistake(scales_the_gradients, "`grads[name] *= lr` changes the gradients: compute lr * grads[name] as a new array instead."),
    ],
    right=[sgd_update_over_items, sgd_update_with_subtract_out, sgd_update_by_slice_assignment],
    wrong=[Wrong(sgd_update_returning_params, "Change params in place and return nothing")],
)

# ---------------------------------------------------------------- train_numpy_mlp


def one_epoch(params, X, y, lr):
    """One step of full-batch gradient descent; the loss and the accuracy of the probabilities it started from."""
    probs, cache = mlp_forward(X, params)
    loss = float(-np.mean(np.log(probs[np.arange(len(y)), y])))
    accuracy = float(np.mean(probs.argmax(axis=1) == y))
    sgd_update(params, mlp_backward(softmax_cross_entropy_backward(probs, y), cache, params), lr)
    return loss, accuracy


def train_numpy_mlp(X, y, hidden, epochs, lr, seed=0):
    """Train the network on (X, y) by full-batch gradient descent.

    Inputs:
        X: (N, D) array; y: (N,) integer class indices in 0..C-1, where C = y.max() + 1.
        hidden: the number of hidden units H.
        epochs: the number of steps, each on the whole training set.
        lr: the learning rate.
        seed: passed to init_params.
    Returns:
        (params, history): the trained parameters, starting from init_params(D, hidden, C, seed);
        and {"loss": [...], "accuracy": [...]}: for every epoch the mean cross-entropy and the share
        of examples classified right, both measured before that epoch's step.
    """
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        loss, accuracy = one_epoch(params, X, y, lr)
        history["loss"].append(loss)
        history["accuracy"].append(accuracy)
    return params, history


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


def train_numpy_mlp_hidden_cases(seed):
    return [training_case("hidden case: 4 clusters", clusters(seed, classes=4), 6, 30, 1.0, seed % 1000)]


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


def climbs_uphill(X, y, hidden, epochs, lr, seed=0):
    return train_numpy_mlp(X, y, hidden, epochs, -lr, seed)


def takes_a_hundred_steps(X, y, hidden, epochs, lr, seed=0):
    return train_numpy_mlp(X, y, hidden, 100, lr, seed)


def ignores_lr(X, y, hidden, epochs, lr, seed=0):
    return train_numpy_mlp(X, y, hidden, epochs, 1.0, seed)


def measures_after_the_step(params, X, y, lr):
    probs, cache = mlp_forward(X, params)
    sgd_update(params, mlp_backward(softmax_cross_entropy_backward(probs, y), cache, params), lr)
    probs, _ = mlp_forward(X, params)
    return float(-np.mean(np.log(probs[np.arange(len(y)), y]))), float(np.mean(probs.argmax(axis=1) == y))


def records_percentages(X, y, hidden, epochs, lr, seed=0):
    params, history = train_numpy_mlp(X, y, hidden, epochs, lr, seed)
    return params, {"loss": history["loss"], "accuracy": [100 * accuracy for accuracy in history["accuracy"]]}


def ignores_the_seed(X, y, hidden, epochs, lr, seed=0):
    return train_numpy_mlp(X, y, hidden, epochs, lr, 0)


def ignores_hidden(X, y, hidden, epochs, lr, seed=0):
    return train_numpy_mlp(X, y, 100, epochs, lr, seed)


def train_numpy_mlp_in_a_loop(X, y, hidden, epochs, lr, seed=0):
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    history = {"loss": [], "accuracy": []}
    for epoch in range(epochs):
        probs, cache = mlp_forward(X, params)
        history["loss"].append(-np.mean(np.log(probs[np.arange(len(y)), y])))
        history["accuracy"].append(np.mean(np.argmax(probs, axis=1) == y))
        grads = mlp_backward(softmax_cross_entropy_backward(probs, y), cache, params)
        sgd_update(params, grads, lr)
    return params, history


def train_numpy_mlp_counting_the_classes_seen(X, y, hidden, epochs, lr, seed=0):
    def one_step(params):
        probs, cache = mlp_forward(X, params)
        loss = -np.log(probs[range(len(y)), y]).mean()
        accuracy = (probs.argmax(1) == y).mean()
        sgd_update(params, mlp_backward(softmax_cross_entropy_backward(probs, y), cache, params), lr)
        return loss, accuracy

    params = init_params(X.shape[1], hidden, len(np.unique(y)), seed)
    losses, accuracies = zip(*[one_step(params) for _ in range(epochs)])
    return params, {"loss": list(losses), "accuracy": list(accuracies)}


X_train, y_train = clusters(0)  # notebook data, which train_numpy_mlp_reading_notebook_data reads


def train_numpy_mlp_reading_notebook_data(X, y, hidden, epochs, lr, seed=0):
    return train_numpy_mlp(X_train, y_train, hidden, epochs, lr, seed)


def train_numpy_mlp_unseeded(X, y, hidden, epochs, lr, seed=0):
    return train_numpy_mlp(X, y, hidden, epochs, lr, seed=int(np.random.randint(1, 10**6)))


def train_numpy_mlp_returning_only_the_losses(X, y, hidden, epochs, lr, seed=0):
    params, history = train_numpy_mlp(X, y, hidden, epochs, lr, seed)
    return params, history["loss"]


TRAIN_NUMPY_MLP = Exercise(
    train_numpy_mlp,
    points=2,
    cases=train_numpy_mlp_cases,
    hidden_cases=train_numpy_mlp_hidden_cases,
    hint=TRAINING_STEPS,
    properties=TRAIN_NUMPY_MLP_PROPERTIES,
    returns=Returns((tuple, list), "a tuple (params, history)", "Return both the parameters and the history: return params, history."),
    tolerance=Tolerance(rtol=1e-6, atol=1e-9),
    uses=[init_params, mlp_forward, softmax_cross_entropy_backward, mlp_backward, sgd_update],
    mistakes=[
        Mistake(climbs_uphill, "The loss goes up: the step must move against the gradient, sgd_update(params, grads, lr) with a positive lr."),
        Mistake(
            does_not_divide_by_n,
            "Your steps are N times too large: the gradient of the mean loss carries 1/N. Let "
            "softmax_cross_entropy_backward divide by the batch size, and use its dscores as they are.",
            replacing=softmax_cross_entropy_backward,
        ),
        Mistake(takes_a_hundred_steps, "Use the `epochs` argument: one step, one loss and one accuracy per epoch."),
        Mistake(ignores_lr, "Use the learning rate you are given: sgd_update(params, grads, lr)."),
        Mistake(
            measures_after_the_step,
            "Record the loss and accuracy of the probs the step was computed from (before sgd_update), not new ones measured after it.",
            replacing=one_epoch,
        ),
        Mistake(records_percentages, "Record the accuracy as a share between 0 and 1, np.mean(predictions == y), not as a percentage."),
        Mistake(ignores_the_seed, "Pass the seed you are given to init_params, not a fixed number."),
        Mistake(ignores_hidden, "Use the hidden argument for the number of hidden units: init_params(X.shape[1], hidden, C, seed)."),
    ],
    right=[train_numpy_mlp_in_a_loop],
    wrong=[
        Wrong(train_numpy_mlp_counting_the_classes_seen, "C = y.max() + 1 = 4, although class 2 has no points"),
        Wrong(train_numpy_mlp_reading_notebook_data, "reads the notebook variable(s) X_train, y_train"),
        Wrong(train_numpy_mlp_unseeded, "with the seed you are given"),
        Wrong(train_numpy_mlp_returning_only_the_losses, "Return history as a dict with two lists"),
    ],
)
