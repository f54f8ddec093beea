"""Notebook 05, backpropagation from scratch."""

import numpy as np

from answers import Wrong
from autograder.references.backpropagation import init_params  # given in the notebook, not an exercise
from autograder.references.deep_networks import relu  # imported by the notebook's setup cell
from autograder.references.loss_functions import softmax

X_train = np.zeros((30, 2))  # notebook data a function should not read
y_train = np.zeros(30, dtype=np.int64)


# ---------------------------------------------------------------- mlp_forward


def mlp_forward_without_relu(X, params):
    z1 = X @ params["W1"] + params["b1"]
    z2 = z1 @ params["W2"] + params["b2"]
    exp = np.exp(z2 - z2.max(axis=1, keepdims=True))
    return exp / exp.sum(axis=1, keepdims=True), {"X": X, "z1": z1, "a1": z1}


def mlp_forward_with_helpers(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    probs = softmax(a1 @ params["W2"] + params["b2"])
    return probs, {"X": X, "z1": z1, "a1": a1}


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


def mlp_forward_log_sum_exp(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = np.where(z1 > 0, z1, 0.0)
    z2 = a1 @ params["W2"] + params["b2"]
    top = z2.max(axis=1, keepdims=True)
    log_probs = z2 - top - np.log(np.exp(z2 - top).sum(axis=1, keepdims=True))
    return np.exp(log_probs), dict(X=X, z1=z1, a1=a1)


def mlp_forward_naive_softmax(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    probs = np.exp(z2) / np.exp(z2).sum(axis=1, keepdims=True)
    return probs, {"X": X, "z1": z1, "a1": a1}


def mlp_forward_softmax_over_batch(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    exp = np.exp(z2 - z2.max(axis=0))
    return exp / exp.sum(axis=0), {"X": X, "z1": z1, "a1": a1}


def mlp_forward_returns_scores(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    return a1 @ params["W2"] + params["b2"], {"X": X, "z1": z1, "a1": a1}


def mlp_forward_caches_z1_as_a1(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    return softmax(a1 @ params["W2"] + params["b2"]), {"X": X, "z1": z1, "a1": z1}


def mlp_forward_without_biases(X, params):
    z1 = X @ params["W1"]
    a1 = relu(z1)
    return softmax(a1 @ params["W2"]), {"X": X, "z1": z1, "a1": a1}


def mlp_forward_cache_first(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    return {"X": X, "z1": z1, "a1": a1}, softmax(a1 @ params["W2"] + params["b2"])


def mlp_forward_caches_z2(X, params):
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    return softmax(z2), {"X": X, "z1": z1, "a1": a1, "z2": z2}


# ---------------------------------------------- softmax_cross_entropy_backward


def softmax_cross_entropy_backward_copy(probs, y):
    dscores = probs.copy()
    dscores[np.arange(len(y)), y] -= 1
    dscores /= len(y)
    return dscores


def softmax_cross_entropy_backward_one_hot(probs, y):
    N, C = probs.shape
    one_hot = np.eye(C)[y]
    return (probs - one_hot) / N


def softmax_cross_entropy_backward_loop(probs, y):
    dscores = np.array(probs, dtype=float)
    for n in range(len(y)):
        dscores[n, y[n]] = dscores[n, y[n]] - 1
    return dscores / len(y)


def softmax_cross_entropy_backward_in_place(probs, y):
    dscores = probs
    dscores[range(len(y)), y] -= 1
    dscores /= len(y)
    return dscores


def softmax_cross_entropy_backward_not_divided(probs, y):
    dscores = probs.copy()
    dscores[np.arange(len(y)), y] -= 1
    return dscores


def softmax_cross_entropy_backward_flipped(probs, y):
    return (np.eye(probs.shape[1])[y] - probs) / len(y)


def softmax_cross_entropy_backward_minus_one_everywhere(probs, y):
    return (probs - 1) / len(y)


def softmax_cross_entropy_backward_columns(probs, y):
    dscores = probs.copy()
    dscores[:, y] -= 1
    return dscores / len(y)


def softmax_cross_entropy_backward_by_classes(probs, y):
    dscores = probs.copy()
    dscores[np.arange(len(y)), y] -= 1
    return dscores / probs.shape[1]


# ---------------------------------------------------------------- mlp_backward


def mlp_backward_masked(dscores, cache, params):
    dW2 = cache["a1"].T @ dscores
    db2 = dscores.sum(axis=0)
    dhidden = dscores @ params["W2"].T
    dhidden[cache["a1"] <= 0] = 0
    dW1 = cache["X"].T @ dhidden
    db1 = dhidden.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def mlp_backward_where(dscores, cache, params):
    X, z1, a1 = cache["X"], cache["z1"], cache["a1"]
    grads = {}
    grads["W2"] = np.dot(a1.T, dscores)
    grads["b2"] = np.sum(dscores, axis=0)
    dz1 = np.where(z1 > 0, np.dot(dscores, params["W2"].T), 0.0)
    grads["W1"] = np.dot(X.T, dz1)
    grads["b1"] = np.sum(dz1, axis=0)
    return grads


def mlp_backward_einsum(dscores, cache, params):
    dz1 = (dscores @ params["W2"].T) * np.heaviside(cache["z1"], 0.0)
    return {
        "W1": np.einsum("nd,nh->dh", cache["X"], dz1),
        "b1": dz1.sum(0),
        "W2": np.einsum("nh,nc->hc", cache["a1"], dscores),
        "b2": dscores.sum(0),
    }


def mlp_backward_without_mask(dscores, cache, params):
    dhidden = dscores @ params["W2"].T
    return {
        "W1": cache["X"].T @ dhidden,
        "b1": dhidden.sum(axis=0),
        "W2": cache["a1"].T @ dscores,
        "b2": dscores.sum(axis=0),
    }


def mlp_backward_mask_at_zero(dscores, cache, params):
    dz1 = (dscores @ params["W2"].T) * (cache["z1"] >= 0)
    return {"W1": cache["X"].T @ dz1, "b1": dz1.sum(axis=0), "W2": cache["a1"].T @ dscores, "b2": dscores.sum(axis=0)}


def mlp_backward_bias_over_units(dscores, cache, params):
    dz1 = (dscores @ params["W2"].T) * (cache["z1"] > 0)
    return {"W1": cache["X"].T @ dz1, "b1": dz1.sum(axis=1), "W2": cache["a1"].T @ dscores, "b2": dscores.sum(axis=1)}


def mlp_backward_keepdims(dscores, cache, params):
    dz1 = (dscores @ params["W2"].T) * (cache["z1"] > 0)
    return {
        "W1": cache["X"].T @ dz1,
        "b1": np.sum(dz1, axis=0, keepdims=True),
        "W2": cache["a1"].T @ dscores,
        "b2": np.sum(dscores, axis=0, keepdims=True),
    }


def mlp_backward_divides_again(dscores, cache, params):
    N = len(dscores)
    dz1 = (dscores @ params["W2"].T) * (cache["z1"] > 0)
    return {
        "W1": cache["X"].T @ dz1 / N,
        "b1": dz1.sum(axis=0) / N,
        "W2": cache["a1"].T @ dscores / N,
        "b2": dscores.sum(axis=0) / N,
    }


def mlp_backward_z1_for_W2(dscores, cache, params):
    dz1 = (dscores @ params["W2"].T) * (cache["z1"] > 0)
    return {"W1": cache["X"].T @ dz1, "b1": dz1.sum(axis=0), "W2": cache["z1"].T @ dscores, "b2": dscores.sum(axis=0)}


def mlp_backward_transposed(dscores, cache, params):
    dz1 = (dscores @ params["W2"].T) * (cache["z1"] > 0)
    return {"W1": dz1.T @ cache["X"], "b1": dz1.sum(axis=0), "W2": dscores.T @ cache["a1"], "b2": dscores.sum(axis=0)}


def mlp_backward_d_names(dscores, cache, params):
    dz1 = (dscores @ params["W2"].T) * (cache["z1"] > 0)
    return {"dW1": cache["X"].T @ dz1, "db1": dz1.sum(axis=0), "dW2": cache["a1"].T @ dscores, "db2": dscores.sum(axis=0)}


def mlp_backward_masks_the_cache(dscores, cache, params):
    dhidden = dscores @ params["W2"].T
    z1 = cache["z1"]
    z1[z1 <= 0] = 0
    z1[z1 > 0] = 1
    dz1 = dhidden * z1
    return {"W1": cache["X"].T @ dz1, "b1": dz1.sum(axis=0), "W2": cache["a1"].T @ dscores, "b2": dscores.sum(axis=0)}


# ------------------------------------------------------------------ sgd_update


def sgd_update_loop(params, grads, lr):
    for name in params:
        params[name] -= lr * grads[name]


def sgd_update_items(params, grads, lr):
    for name, value in params.items():
        value -= lr * grads[name]


def sgd_update_subtract_out(params, grads, lr):
    for name in grads:
        np.subtract(params[name], lr * grads[name], out=params[name])


def sgd_update_slice_assignment(params, grads, lr):
    for name in params:
        params[name][...] = params[name] - lr * grads[name]
    return params


def sgd_update_uphill(params, grads, lr):
    for name in params:
        params[name] += lr * grads[name]


def sgd_update_rebinding(params, grads, lr):
    for name, value in params.items():
        value = value - lr * grads[name]


def sgd_update_new_arrays(params, grads, lr):
    for name in params:
        params[name] = params[name] - lr * grads[name]


def sgd_update_new_dict(params, grads, lr):
    return {name: value - lr * grads[name] for name, value in params.items()}


def sgd_update_weights_only(params, grads, lr):
    for name in [name for name in params if "W" in name]:
        params[name] -= lr * grads[name]


def sgd_update_four_names(params, grads, lr):
    for name in ["W1", "b1", "W2", "b2"]:
        params[name] -= lr * grads[name]


def sgd_update_without_lr(params, grads, lr):
    for name in params:
        params[name] -= grads[name]


def sgd_update_scales_grads(params, grads, lr):
    for name in params:
        grads[name] *= lr
        params[name] -= grads[name]


# ------------------------------------------------------------- train_numpy_mlp

mlp_forward = mlp_forward_with_helpers  # train_numpy_mlp uses the notebook's functions, as a learner's would
softmax_cross_entropy_backward = softmax_cross_entropy_backward_copy
mlp_backward = mlp_backward_where
sgd_update = sgd_update_loop


def train_numpy_mlp_loop(X, y, hidden, epochs, lr, seed=0):
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    history = {"loss": [], "accuracy": []}
    for epoch in range(epochs):
        probs, cache = mlp_forward(X, params)
        history["loss"].append(-np.mean(np.log(probs[np.arange(len(y)), y])))
        history["accuracy"].append(np.mean(np.argmax(probs, axis=1) == y))
        grads = mlp_backward(softmax_cross_entropy_backward(probs, y), cache, params)
        sgd_update(params, grads, lr)
    return params, history


def train_numpy_mlp_helpers(X, y, hidden, epochs, lr, seed=0):
    def one_epoch(params):
        probs, cache = mlp_forward(X, params)
        loss = -np.log(probs[range(len(y)), y]).mean()
        accuracy = (probs.argmax(1) == y).mean()
        sgd_update(params, mlp_backward(softmax_cross_entropy_backward(probs, y), cache, params), lr)
        return loss, accuracy

    params = init_params(X.shape[1], hidden, len(np.unique(y)), seed)
    losses, accuracies = zip(*[one_epoch(params) for _ in range(epochs)])
    return params, {"loss": list(losses), "accuracy": list(accuracies)}


def train_numpy_mlp_uphill(X, y, hidden, epochs, lr, seed=0):
    return train_numpy_mlp_loop(X, y, hidden, epochs, -lr, seed)


def train_numpy_mlp_sum_of_losses(X, y, hidden, epochs, lr, seed=0):
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    history = {"loss": [], "accuracy": []}
    for epoch in range(epochs):
        probs, cache = mlp_forward(X, params)
        history["loss"].append(-np.mean(np.log(probs[np.arange(len(y)), y])))
        history["accuracy"].append(np.mean(np.argmax(probs, axis=1) == y))
        dscores = probs.copy()
        dscores[np.arange(len(y)), y] -= 1
        sgd_update(params, mlp_backward(dscores, cache, params), lr)
    return params, history


def train_numpy_mlp_fixed_epochs(X, y, hidden, epochs, lr, seed=0):
    return train_numpy_mlp_loop(X, y, hidden, 100, lr, seed)


def train_numpy_mlp_loss_after_the_step(X, y, hidden, epochs, lr, seed=0):
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    history = {"loss": [], "accuracy": []}
    for epoch in range(epochs):
        probs, cache = mlp_forward(X, params)
        sgd_update(params, mlp_backward(softmax_cross_entropy_backward(probs, y), cache, params), lr)
        probs, _ = mlp_forward(X, params)
        history["loss"].append(-np.mean(np.log(probs[np.arange(len(y)), y])))
        history["accuracy"].append(np.mean(np.argmax(probs, axis=1) == y))
    return params, history


def train_numpy_mlp_percent(X, y, hidden, epochs, lr, seed=0):
    params, history = train_numpy_mlp_loop(X, y, hidden, epochs, lr, seed)
    return params, {"loss": history["loss"], "accuracy": [100 * accuracy for accuracy in history["accuracy"]]}


def train_numpy_mlp_reads_globals(X, y, hidden, epochs, lr, seed=0):
    return train_numpy_mlp_loop(X_train, y_train, hidden, epochs, lr, seed)


def train_numpy_mlp_unseeded(X, y, hidden, epochs, lr, seed=0):
    return train_numpy_mlp_loop(X, y, hidden, epochs, lr, seed=int(np.random.randint(1, 10**6)))


def train_numpy_mlp_losses_only(X, y, hidden, epochs, lr, seed=0):
    params, history = train_numpy_mlp_loop(X, y, hidden, epochs, lr, seed)
    return params, history["loss"]


CORRECT = {
    "mlp_forward": [mlp_forward_with_helpers, mlp_forward_by_hand, mlp_forward_log_sum_exp],
    "softmax_cross_entropy_backward": [
        softmax_cross_entropy_backward_copy,
        softmax_cross_entropy_backward_one_hot,
        softmax_cross_entropy_backward_loop,
    ],
    "mlp_backward": [mlp_backward_masked, mlp_backward_where, mlp_backward_einsum],
    "sgd_update": [sgd_update_loop, sgd_update_items, sgd_update_subtract_out, sgd_update_slice_assignment],
    "train_numpy_mlp": [train_numpy_mlp_loop, train_numpy_mlp_helpers],
}

WRONG = {
    "mlp_forward": [
        Wrong(mlp_forward_without_relu, "Apply ReLU to the hidden layer"),
        Wrong(mlp_forward_naive_softmax, "np.exp(z2) overflows for large scores"),
        Wrong(mlp_forward_softmax_over_batch, "take the softmax over the classes, axis=1"),
        Wrong(mlp_forward_returns_scores, "Return probabilities: apply softmax"),
        Wrong(mlp_forward_caches_z1_as_a1, 'cache["a1"] is the hidden layer after ReLU'),
        Wrong(mlp_forward_without_biases, "Add the biases"),
        Wrong(mlp_forward_cache_first, "Return the probabilities first"),
        Wrong(mlp_forward_caches_z2, "The cache holds exactly what mlp_backward needs"),
    ],
    "softmax_cross_entropy_backward": [
        Wrong(softmax_cross_entropy_backward_in_place, "Leave probs as it was"),
        Wrong(softmax_cross_entropy_backward_not_divided, "Divide by the batch size N"),
        Wrong(softmax_cross_entropy_backward_flipped, "The sign is flipped"),
        Wrong(softmax_cross_entropy_backward_minus_one_everywhere, "Subtract 1 only at each example's true class"),
        Wrong(softmax_cross_entropy_backward_columns, "picks whole columns"),
        Wrong(softmax_cross_entropy_backward_by_classes, "not by the number of classes"),
    ],
    "mlp_backward": [
        Wrong(mlp_backward_without_mask, "Backpropagate through the ReLU"),
        Wrong(mlp_backward_mask_at_zero, "ReLU's slope at exactly z1 = 0 counts as 0"),
        Wrong(mlp_backward_bias_over_units, "Sum the bias gradients over the examples, axis=0"),
        Wrong(mlp_backward_keepdims, "without keepdims=True"),
        Wrong(mlp_backward_divides_again, "do not divide again"),
        Wrong(mlp_backward_z1_for_W2, "not z1.T @ dscores"),
        Wrong(mlp_backward_transposed, "Each gradient has its parameter's shape"),
        Wrong(mlp_backward_d_names, "Name each gradient like its parameter"),
        Wrong(mlp_backward_masks_the_cache, "changed its input cache in place"),
    ],
    "sgd_update": [
        Wrong(sgd_update_uphill, "That step goes uphill"),
        Wrong(sgd_update_rebinding, "gives it the loop's name"),
        Wrong(sgd_update_new_arrays, "builds a new array and puts it in the dict"),
        Wrong(sgd_update_new_dict, "returning a new dict leaves the caller's params"),
        Wrong(sgd_update_weights_only, "the biases too"),
        Wrong(sgd_update_four_names, "rather than a fixed list"),
        Wrong(sgd_update_without_lr, "Scale the step by the learning rate"),
        Wrong(sgd_update_scales_grads, "changes the gradients"),
    ],
    "train_numpy_mlp": [
        Wrong(train_numpy_mlp_uphill, "The loss goes up"),
        Wrong(train_numpy_mlp_sum_of_losses, "Your steps are N times too large"),
        Wrong(train_numpy_mlp_fixed_epochs, "Use the `epochs` argument"),
        Wrong(train_numpy_mlp_loss_after_the_step, "before sgd_update"),
        Wrong(train_numpy_mlp_percent, "not as a percentage"),
        Wrong(train_numpy_mlp_reads_globals, "reads the notebook variable(s) X_train, y_train"),
        Wrong(train_numpy_mlp_unseeded, "with the seed you are given"),
        Wrong(train_numpy_mlp_losses_only, 'Return history as a dict with two lists'),
    ],
}
