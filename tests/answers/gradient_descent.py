"""Notebook 04, gradient descent."""

import numpy as np
import torch
import torch.nn.functional as F

from answers import Wrong

X_train = torch.zeros(40, 2)  # notebook data a function should not read
y_train = torch.zeros(40)


def numerical_gradient_central(f, x, eps=1e-6):
    gradient = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[index] = eps
        gradient[index] = (f(x + step) - f(x - step)) / (2 * eps)
    return gradient


def numerical_gradient_restoring(f, x, eps=1e-6):
    gradient = np.zeros_like(x, dtype=float)
    for index in np.ndindex(x.shape):
        old = x[index]
        x[index] = old + eps
        above = f(x)
        x[index] = old - eps
        below = f(x)
        x[index] = old
        gradient[index] = (above - below) / (2 * eps)
    return gradient


def numerical_gradient_flat(f, x, eps=1e-6):
    flat = x.ravel().copy()
    gradient = np.empty(flat.size)
    for i in range(flat.size):
        plus, minus = flat.copy(), flat.copy()
        plus[i] += eps
        minus[i] -= eps
        gradient[i] = (f(plus.reshape(x.shape)) - f(minus.reshape(x.shape))) / (2 * eps)
    return gradient.reshape(x.shape)


def numerical_gradient_forward(f, x, eps=1e-6):
    gradient = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[index] = eps
        gradient[index] = (f(x + step) - f(x)) / eps
    return gradient


def numerical_gradient_divides_by_eps(f, x, eps=1e-6):
    gradient = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        step = np.zeros(x.shape)
        step[index] = eps
        gradient[index] = (f(x + step) - f(x - step)) / eps
    return gradient


def numerical_gradient_all_at_once(f, x, eps=1e-6):
    return np.full(x.shape, (f(x + eps) - f(x - eps)) / (2 * eps))


def numerical_gradient_fixed_step(f, x, eps=1e-6):
    return numerical_gradient_central(f, x, eps=1e-5)


def numerical_gradient_not_restoring(f, x, eps=1e-6):
    gradient = np.zeros(x.shape)
    for index in np.ndindex(x.shape):
        x[index] += eps
        above = f(x)
        x[index] -= 2 * eps
        below = f(x)
        gradient[index] = (above - below) / (2 * eps)
    return gradient


def init_coeffs_generator(n_in, n_hidden, seed):
    generator = torch.Generator().manual_seed(seed)
    W1 = torch.randn(n_in, n_hidden, generator=generator) / n_in**0.5
    W2 = torch.randn(n_hidden, 1, generator=generator) / n_hidden**0.5
    return W1.requires_grad_(), torch.zeros(n_hidden, requires_grad=True), W2.requires_grad_(), torch.zeros(1, requires_grad=True)


def init_coeffs_manual_seed(n_in, n_hidden, seed):
    torch.manual_seed(seed)
    W1 = (torch.rand(n_in, n_hidden) - 0.5) / n_hidden
    b1 = torch.rand(n_hidden) - 0.5
    W2 = torch.rand(n_hidden, 1) - 0.3
    b2 = torch.rand(1)
    return tuple(c.requires_grad_() for c in (W1, b1, W2, b2))


def init_coeffs_zeros(n_in, n_hidden, seed):
    return tuple(torch.zeros(shape, requires_grad=True) for shape in [(n_in, n_hidden), (n_hidden,), (n_hidden, 1), (1,)])


def init_coeffs_scaled_after_requires_grad(n_in, n_hidden, seed):
    torch.manual_seed(seed)
    W1 = torch.randn(n_in, n_hidden, requires_grad=True) / n_in**0.5
    W2 = torch.randn(n_hidden, 1, requires_grad=True) / n_hidden**0.5
    return W1, torch.zeros(n_hidden, requires_grad=True), W2, torch.zeros(1, requires_grad=True)


def init_coeffs_unseeded(n_in, n_hidden, seed):
    W1 = torch.randn(n_in, n_hidden) / n_in**0.5
    W2 = torch.randn(n_hidden, 1) / n_hidden**0.5
    return W1.requires_grad_(), torch.zeros(n_hidden, requires_grad=True), W2.requires_grad_(), torch.zeros(1, requires_grad=True)


def init_coeffs_fixed_seed(n_in, n_hidden, seed):
    return init_coeffs_generator(n_in, n_hidden, 0)


def init_coeffs_transposed(n_in, n_hidden, seed):
    torch.manual_seed(seed)
    shapes = [(n_hidden, n_in), (n_hidden,), (1, n_hidden), (1,)]
    return tuple(torch.randn(shape).requires_grad_() for shape in shapes)


def init_coeffs_without_grad(n_in, n_hidden, seed):
    torch.manual_seed(seed)
    return torch.randn(n_in, n_hidden), torch.zeros(n_hidden), torch.randn(n_hidden, 1), torch.zeros(1)


def calc_preds_step_by_step(coeffs, X):
    W1, b1, W2, b2 = coeffs
    hidden = torch.relu(X @ W1 + b1)
    output = hidden @ W2 + b2
    return torch.sigmoid(output).squeeze(1)


def calc_preds_functional(coeffs, X):
    W1, b1, W2, b2 = coeffs
    hidden = F.relu(torch.matmul(X, W1) + b1)
    return torch.sigmoid(torch.matmul(hidden, W2) + b2).view(-1)


def calc_preds_without_relu(coeffs, X):
    W1, b1, W2, b2 = coeffs
    return torch.sigmoid((X @ W1 + b1) @ W2 + b2).squeeze(1)


def calc_preds_without_sigmoid(coeffs, X):
    W1, b1, W2, b2 = coeffs
    return (torch.relu(X @ W1 + b1) @ W2 + b2).squeeze(1)


def calc_preds_keeps_column(coeffs, X):
    W1, b1, W2, b2 = coeffs
    return torch.sigmoid(torch.relu(X @ W1 + b1) @ W2 + b2)


def calc_preds_without_biases(coeffs, X):
    W1, b1, W2, b2 = coeffs
    return torch.sigmoid(torch.relu(X @ W1) @ W2).squeeze(1)


calc_preds = calc_preds_step_by_step  # calc_loss uses the notebook's calc_preds, as a learner's would


def calc_loss_functional(coeffs, X, y):
    return F.binary_cross_entropy(calc_preds(coeffs, X), y)


def calc_loss_by_hand(coeffs, X, y):
    p = calc_preds(coeffs, X)
    return -(y * torch.log(p) + (1 - y) * torch.log(1 - p)).mean()


def calc_loss_mae(coeffs, X, y):
    return torch.abs(calc_preds(coeffs, X) - y).mean()


def calc_loss_item(coeffs, X, y):
    return F.binary_cross_entropy(calc_preds(coeffs, X), y).item()


def calc_loss_sum(coeffs, X, y):
    return F.binary_cross_entropy(calc_preds(coeffs, X), y, reduction="sum")


def calc_loss_detached(coeffs, X, y):
    return F.binary_cross_entropy(calc_preds(coeffs, X).detach(), y)


def update_coeffs_in_place(coeffs, lr):
    with torch.no_grad():
        for c in coeffs:
            c -= lr * c.grad
            c.grad.zero_()


def update_coeffs_sub_(coeffs, lr):
    for c in coeffs:
        with torch.no_grad():
            c.sub_(c.grad * lr)
        c.grad = None


def update_coeffs_data(coeffs, lr):
    for c in coeffs:
        c.data = c.data - lr * c.grad.data
        c.grad.data.zero_()


def update_coeffs_uphill(coeffs, lr):
    with torch.no_grad():
        for c in coeffs:
            c += lr * c.grad
            c.grad.zero_()


def update_coeffs_keeps_gradients(coeffs, lr):
    with torch.no_grad():
        for c in coeffs:
            c -= lr * c.grad


def update_coeffs_rebinding(coeffs, lr):
    with torch.no_grad():
        for c in coeffs:
            c = c - lr * c.grad


def update_coeffs_without_no_grad(coeffs, lr):
    for c in coeffs:
        c.sub_(lr * c.grad)
        c.grad.zero_()


def update_coeffs_without_lr(coeffs, lr):
    with torch.no_grad():
        for c in coeffs:
            c -= c.grad
            c.grad.zero_()


init_coeffs, calc_loss, update_coeffs = init_coeffs_generator, calc_loss_functional, update_coeffs_in_place


def train_model_loop(X, y, epochs, lr, n_hidden=8, seed=0):
    coeffs = init_coeffs(X.shape[1], n_hidden, seed)
    losses = []
    for epoch in range(epochs):
        loss = calc_loss(coeffs, X, y)
        loss.backward()
        update_coeffs(coeffs, lr)
        losses.append(loss.item())
    return coeffs, losses


def train_model_with_epoch_helper(X, y, epochs, lr, n_hidden=8, seed=0):
    def one_epoch(coeffs):
        loss = calc_loss(coeffs, X, y)
        loss.backward()
        with torch.no_grad():
            for c in coeffs:
                c -= lr * c.grad
                c.grad.zero_()
        return float(loss)

    coeffs = init_coeffs(X.shape[1], n_hidden, seed)
    return coeffs, [one_epoch(coeffs) for _ in range(epochs)]


def train_model_uphill(X, y, epochs, lr, n_hidden=8, seed=0):
    coeffs = init_coeffs(X.shape[1], n_hidden, seed)
    losses = []
    for epoch in range(epochs):
        loss = calc_loss(coeffs, X, y)
        loss.backward()
        update_coeffs(coeffs, -lr)
        losses.append(loss.item())
    return coeffs, losses


def train_model_fixed_epochs(X, y, epochs, lr, n_hidden=8, seed=0):
    return train_model_loop(X, y, 100, lr, n_hidden, seed)


def train_model_keeps_tensors(X, y, epochs, lr, n_hidden=8, seed=0):
    coeffs = init_coeffs(X.shape[1], n_hidden, seed)
    losses = []
    for epoch in range(epochs):
        loss = calc_loss(coeffs, X, y)
        loss.backward()
        update_coeffs(coeffs, lr)
        losses.append(loss)
    return coeffs, losses


def train_model_reads_globals(X, y, epochs, lr, n_hidden=8, seed=0):
    coeffs = init_coeffs(X_train.shape[1], n_hidden, seed)
    losses = []
    for epoch in range(epochs):
        loss = calc_loss(coeffs, X_train, y_train)
        loss.backward()
        update_coeffs(coeffs, lr)
        losses.append(loss.item())
    return coeffs, losses


def train_model_ignores_lr(X, y, epochs, lr, n_hidden=8, seed=0):
    return train_model_loop(X, y, epochs, 1.0, n_hidden, seed)


def train_model_never_resets_gradients(X, y, epochs, lr, n_hidden=8, seed=0):
    coeffs = init_coeffs(X.shape[1], n_hidden, seed)
    losses = []
    for epoch in range(epochs):
        loss = calc_loss(coeffs, X, y)
        loss.backward()
        with torch.no_grad():
            for c in coeffs:
                c -= lr * c.grad
        losses.append(loss.item())
    return coeffs, losses


def train_model_loss_after_the_step(X, y, epochs, lr, n_hidden=8, seed=0):
    coeffs = init_coeffs(X.shape[1], n_hidden, seed)
    losses = []
    for epoch in range(epochs):
        calc_loss(coeffs, X, y).backward()
        update_coeffs(coeffs, lr)
        losses.append(calc_loss(coeffs, X, y).item())
    return coeffs, losses


def train_model_with_adam(X, y, epochs, lr, n_hidden=8, seed=0):
    coeffs = init_coeffs(X.shape[1], n_hidden, seed)
    optimizer = torch.optim.Adam(coeffs, lr=0.1)
    losses = []
    for epoch in range(epochs):
        optimizer.zero_grad()
        loss = calc_loss(coeffs, X, y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return coeffs, losses


def train_model_unseeded(X, y, epochs, lr, n_hidden=8, seed=0):
    return train_model_loop(X, y, epochs, lr, n_hidden, seed=int(torch.randint(0, 10**6, ())))


CORRECT = {
    "numerical_gradient": [numerical_gradient_central, numerical_gradient_restoring, numerical_gradient_flat],
    "init_coeffs": [init_coeffs_generator, init_coeffs_manual_seed],
    "calc_preds": [calc_preds_step_by_step, calc_preds_functional],
    "calc_loss": [calc_loss_functional, calc_loss_by_hand],
    "update_coeffs": [update_coeffs_in_place, update_coeffs_sub_, update_coeffs_data],
    "train_model": [train_model_loop, train_model_with_epoch_helper],
}

WRONG = {
    "numerical_gradient": [
        Wrong(numerical_gradient_forward, "That is a forward difference"),
        Wrong(numerical_gradient_divides_by_eps, "divide by 2·eps"),
        Wrong(numerical_gradient_all_at_once, "Move one coordinate at a time"),
        Wrong(numerical_gradient_fixed_step, "Use the eps you are given"),
        Wrong(numerical_gradient_not_restoring, "x must come back exactly as it was"),
    ],
    "init_coeffs": [
        Wrong(init_coeffs_zeros, "they all receive the same gradient"),
        Wrong(init_coeffs_scaled_after_requires_grad, "Scale first, then call .requires_grad_()"),
        Wrong(init_coeffs_unseeded, "Seed the random numbers with `seed`"),
        Wrong(init_coeffs_fixed_seed, "not a fixed number"),
        Wrong(init_coeffs_transposed, "W1 is (n_in, n_hidden)"),
        Wrong(init_coeffs_without_grad, "leaf tensors that require grad"),
    ],
    "calc_preds": [
        Wrong(calc_preds_without_relu, "Apply ReLU to the hidden layer"),
        Wrong(calc_preds_without_sigmoid, "apply sigmoid to the output layer"),
        Wrong(calc_preds_keeps_column, "Return shape (N,)"),
        Wrong(calc_preds_without_biases, "Add the biases"),
    ],
    "calc_loss": [
        Wrong(calc_loss_mae, "That is the mean absolute error"),
        Wrong(calc_loss_item, "not loss.item()"),
        Wrong(calc_loss_sum, "Average over the examples"),
        Wrong(calc_loss_detached, "so that backward() reaches every coefficient"),
    ],
    "update_coeffs": [
        Wrong(update_coeffs_uphill, "That step goes uphill"),
        Wrong(update_coeffs_keeps_gradients, "Reset each gradient after the step"),
        Wrong(update_coeffs_rebinding, "the coefficient itself does not change"),
        Wrong(update_coeffs_without_no_grad, "inside `with torch.no_grad():`"),
        Wrong(update_coeffs_without_lr, "Scale the step by the learning rate"),
    ],
    "train_model": [
        Wrong(train_model_uphill, "The loss goes up"),
        Wrong(train_model_fixed_epochs, "Use the `epochs` argument"),
        Wrong(train_model_keeps_tensors, "Record loss.item()"),
        Wrong(train_model_reads_globals, "reads the notebook variable(s) X_train, y_train"),
        Wrong(train_model_unseeded, "Start from init_coeffs(X.shape[1], n_hidden, seed)"),
        Wrong(train_model_ignores_lr, "Use the learning rate you are given"),
        Wrong(train_model_never_resets_gradients, "Your gradients are never reset"),
        Wrong(train_model_loss_after_the_step, "Record the loss computed for the step"),
        Wrong(train_model_with_adam, "where plain gradient descent has"),
    ],
}
