"""Notebook 05, backpropagation from scratch: a one-hidden-layer ReLU network with softmax, in NumPy.

The network maps X (N, D) to class probabilities (N, C):
    z1 = X @ W1 + b1,  a1 = relu(z1),  z2 = a1 @ W2 + b2,  probs = softmax(z2),
and is trained on the mean cross-entropy of probs against class indices y.
Its parameters are a dict of arrays "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,),
as in notebook 02's forward(X, params).
"""

import numpy as np

from autograder.references.deep_networks import relu  # notebook 02
from autograder.references.loss_functions import softmax  # notebook 03

Params = dict[str, np.ndarray]


def init_params(n_in: int, n_hidden: int, n_classes: int, seed: int) -> Params:
    """Small random weights and zero biases, the same for the same seed (given in the notebook, not an exercise).

    Inputs:
        n_in: the number of input features D.
        n_hidden: the number of hidden units H.
        n_classes: the number of classes C.
        seed: the random seed.
    Returns:
        {"W1": (D, H), "b1": (H,), "W2": (H, C), "b2": (C,)}: float64 arrays; the weights are
        0.01 times standard normal numbers drawn from np.random.default_rng(seed), W1 first.
    """
    rng = np.random.default_rng(seed)
    return {
        "W1": 0.01 * rng.standard_normal((n_in, n_hidden)),
        "b1": np.zeros(n_hidden),
        "W2": 0.01 * rng.standard_normal((n_hidden, n_classes)),
        "b2": np.zeros(n_classes),
    }


def mlp_forward(X: np.ndarray, params: Params) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """The forward pass: class probabilities, and what the backward pass will need.

    Inputs:
        X: (N, D) array, one example per row.
        params: "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,).
    Returns:
        (probs, cache): probs is (N, C), softmax(relu(X @ W1 + b1) @ W2 + b2), each row summing to 1,
        computed without overflow for large scores; cache is {"X": X, "z1": z1, "a1": a1} with
        z1 = X @ W1 + b1 (N, H) and a1 = relu(z1) (N, H).
    """
    z1 = X @ params["W1"] + params["b1"]
    a1 = relu(z1)
    z2 = a1 @ params["W2"] + params["b2"]
    return softmax(z2), {"X": X, "z1": z1, "a1": a1}


def softmax_cross_entropy_backward(probs: np.ndarray, y: np.ndarray) -> np.ndarray:
    """The gradient of the mean cross-entropy with respect to the scores z2 (the logits).

    Inputs:
        probs: (N, C) softmax probabilities (left unchanged).
        y: (N,) integer class indices in 0..C-1.
    Returns:
        dscores: (N, C) array, (probs - onehot(y)) / N.
    """
    dscores = probs.copy()
    dscores[np.arange(len(y)), y] -= 1
    return dscores / len(y)


def mlp_backward(dscores: np.ndarray, cache: dict[str, np.ndarray], params: Params) -> Params:
    """Backpropagation through the network: the gradient of the loss with respect to every parameter.

    Inputs:
        dscores: (N, C) gradient of the loss with respect to z2 (already divided by N).
        cache: {"X": (N, D), "z1": (N, H), "a1": (N, H)} from mlp_forward (left unchanged).
        params: "W1" (D, H), "b1" (H,), "W2" (H, C), "b2" (C,) (left unchanged).
    Returns:
        {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}, each shaped like its parameter.
    """
    dW2 = cache["a1"].T @ dscores
    db2 = dscores.sum(axis=0)
    dhidden = dscores @ params["W2"].T  # the gradient with respect to a1
    dz1 = dhidden * (cache["z1"] > 0)  # ReLU passes the gradient only where it was active
    dW1 = cache["X"].T @ dz1
    db1 = dz1.sum(axis=0)
    return {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}


def sgd_update(params: Params, grads: Params, lr: float) -> None:
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


def train_numpy_mlp(
    X: np.ndarray, y: np.ndarray, hidden: int, epochs: int, lr: float, seed: int = 0
) -> tuple[Params, dict[str, list[float]]]:
    """Train the network on (X, y) by full-batch gradient descent.

    Inputs:
        X: (N, D) array; y: (N,) integer class indices in 0..C-1, where C = y.max() + 1.
        hidden: the number of hidden units H.
        epochs: the number of steps, each on the whole training set.
        lr: the learning rate.
        seed: passed to init_params.
    Returns:
        (params, history): the trained parameters, starting from init_params(D, hidden, C, seed);
        and {"loss": [...], "accuracy": [...]}, for every epoch the mean cross-entropy and the share
        of examples classified right (a float between 0 and 1), both measured before that epoch's step.
    """
    params = init_params(X.shape[1], hidden, int(y.max()) + 1, seed)
    history = {"loss": [], "accuracy": []}
    for _ in range(epochs):
        probs, cache = mlp_forward(X, params)
        history["loss"].append(float(-np.mean(np.log(probs[np.arange(len(y)), y]))))
        history["accuracy"].append(float(np.mean(probs.argmax(axis=1) == y)))
        grads = mlp_backward(softmax_cross_entropy_backward(probs, y), cache, params)
        sgd_update(params, grads, lr)
    return params, history
