"""Notebook 07, generalisation and regularisation."""

import copy

import numpy as np
import torch

from answers import Wrong


# The round-trip test pastes this class into the notebook's answer cell as it is written here, so it
# carries the exercise's name; the other classes are named after what they do.
class EarlyStopping:
    """Wrong: keeps the live state dict, so restore brings back the last epoch's weights."""

    def __init__(self, patience=5, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = float("inf")
        self.best_epoch = 0
        self.best_state = None
        self.counter = 0
        self.epoch = 0

    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss = val_loss
            self.best_epoch = self.epoch
            self.best_state = model.state_dict()
            self.counter = 0
        else:
            self.counter += 1
        return self.counter >= self.patience

    def restore(self, model):
        model.load_state_dict(self.best_state)


class EarlyStoppingDeepCopy:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience = patience
        self.min_delta = min_delta
        self.best_loss = float("inf")
        self.best_epoch = 0
        self.best_state = None
        self.counter = 0
        self.epoch = 0

    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.counter += 1
        return self.counter >= self.patience

    def restore(self, model):
        model.load_state_dict(self.best_state)


class EarlyStoppingClones:
    def __init__(self, patience=5, min_delta=0.0):
        self.patience, self.min_delta = patience, min_delta
        self.best_loss, self.best_epoch, self.best_state = None, None, {}
        self.counter, self.epoch = 0, 0

    def step(self, val_loss, model):
        self.epoch = self.epoch + 1
        improved = self.best_loss is None or self.best_loss - val_loss > self.min_delta
        if not improved:
            self.counter = self.counter + 1
            return self.counter >= self.patience
        self.best_loss = val_loss
        self.best_epoch = self.epoch
        self.counter = 0
        self.best_state = {name: tensor.detach().clone() for name, tensor in model.state_dict().items()}
        return False

    def restore(self, model):
        with torch.no_grad():
            for name, tensor in model.state_dict().items():
                tensor.copy_(self.best_state[name])


class EarlyStoppingNeverResets(EarlyStoppingDeepCopy):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch = val_loss, self.epoch
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.counter += 1
        return self.counter >= self.patience


class EarlyStoppingIgnoresMinDelta(EarlyStoppingDeepCopy):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss < self.best_loss:
            self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.counter += 1
        return self.counter >= self.patience


class EarlyStoppingTiesImprove(EarlyStoppingDeepCopy):
    def step(self, val_loss, model):
        self.epoch += 1
        if val_loss <= self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.counter += 1
        return self.counter >= self.patience


class EarlyStoppingOneEpochLate(EarlyStoppingDeepCopy):
    def step(self, val_loss, model):
        super().step(val_loss, model)
        return self.counter > self.patience


class EarlyStoppingRestoreRebinds(EarlyStoppingDeepCopy):
    def step(self, val_loss, model):
        stop = super().step(val_loss, model)
        if self.best_epoch == self.epoch:
            self.best_model = copy.deepcopy(model)
        return stop

    def restore(self, model):
        model = self.best_model  # noqa: F841  (the mistake: the caller's model is left as it is)


class EarlyStoppingCountsFromZero(EarlyStoppingDeepCopy):
    def step(self, val_loss, model):
        if val_loss < self.best_loss - self.min_delta:
            self.best_loss, self.best_epoch, self.counter = val_loss, self.epoch, 0
            self.best_state = copy.deepcopy(model.state_dict())
        else:
            self.counter += 1
        self.epoch += 1
        return self.counter >= self.patience


def batch_norm_forward_by_formula(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        mean = x.mean(axis=0)
        var = ((x - mean) ** 2).mean(axis=0)
        n = len(x)
        new_mean = (1 - momentum) * running_mean + momentum * mean
        new_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
        new_mean, new_var = running_mean, running_var
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, new_mean, new_var


def batch_norm_forward_with_ddof(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if not training:
        x_hat = (x - running_mean) / np.sqrt(running_var + eps)
        return x_hat * gamma + beta, running_mean.copy(), running_var.copy()
    mu = np.mean(x, axis=0)
    sigma2 = np.var(x, axis=0)
    x_hat = (x - mu) / np.sqrt(sigma2 + eps)
    running_mean = running_mean + momentum * (mu - running_mean)
    running_var = running_var + momentum * (np.var(x, axis=0, ddof=1) - running_var)
    return x_hat * gamma + beta, running_mean, running_var


def batch_norm_forward_batch_stats_in_eval(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    mean, var = x.mean(axis=0), x.var(axis=0)
    if training:
        n = len(x)
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var * n / (n - 1)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, running_mean, running_var


def batch_norm_forward_biased_running_var(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        mean, var = x.mean(axis=0), x.var(axis=0)
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * var
    else:
        mean, var = running_mean, running_var
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, running_mean, running_var


def batch_norm_forward_keras_momentum(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        mean, var = x.mean(axis=0), x.var(axis=0)
        n = len(x)
        running_mean = momentum * running_mean + (1 - momentum) * mean
        running_var = momentum * running_var + (1 - momentum) * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, running_mean, running_var


def batch_norm_forward_eps_outside(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        mean, std = x.mean(axis=0), x.std(axis=0)
        n = len(x)
        running_mean = (1 - momentum) * running_mean + momentum * mean
        running_var = (1 - momentum) * running_var + momentum * std**2 * n / (n - 1)
    else:
        mean, std = running_mean, np.sqrt(running_var)
    return gamma * (x - mean) / (std + eps) + beta, running_mean, running_var


def batch_norm_forward_updates_in_place(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        mean, var = x.mean(axis=0), x.var(axis=0)
        n = len(x)
        running_mean *= 1 - momentum
        running_mean += momentum * mean
        running_var *= 1 - momentum
        running_var += momentum * var * n / (n - 1)
    else:
        mean, var = running_mean, running_var
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, running_mean, running_var


def batch_norm_forward_per_example(x, gamma, beta, running_mean, running_var, training, momentum=0.1, eps=1e-5):
    if training:
        mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
        n = len(x)
        running_mean = (1 - momentum) * running_mean + momentum * x.mean(axis=0)
        running_var = (1 - momentum) * running_var + momentum * x.var(axis=0) * n / (n - 1)
    else:
        mean, var = running_mean, running_var
    return gamma * (x - mean) / np.sqrt(var + eps) + beta, running_mean, running_var


def layer_norm_forward_keepdims(x, gamma, beta, eps=1e-5):
    mean = np.mean(x, axis=-1, keepdims=True)
    var = np.mean((x - mean) ** 2, axis=-1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def layer_norm_forward_new_axis(x, gamma, beta, eps=1e-5):
    mean = x.mean(axis=-1)
    std = np.sqrt(x.var(axis=-1) + eps)
    x_hat = (x - mean[..., np.newaxis]) / std[..., np.newaxis]
    return x_hat * gamma + beta


def layer_norm_forward_over_batch(x, gamma, beta, eps=1e-5):
    mean, var = x.mean(axis=0, keepdims=True), x.var(axis=0, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def layer_norm_forward_axis_one(x, gamma, beta, eps=1e-5):
    mean, var = x.mean(axis=1, keepdims=True), x.var(axis=1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def layer_norm_forward_unbiased(x, gamma, beta, eps=1e-5):
    mean, var = x.mean(axis=-1, keepdims=True), x.var(axis=-1, ddof=1, keepdims=True)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def layer_norm_forward_without_keepdims(x, gamma, beta, eps=1e-5):
    mean, var = x.mean(axis=-1), x.var(axis=-1)
    return gamma * (x - mean) / np.sqrt(var + eps) + beta


def dropout_forward_mask(x, p, training, rng):
    if not training:
        return x
    mask = (rng.random(x.shape) >= p) / (1 - p)
    return x * mask


def dropout_forward_binomial(x, p, training, rng):
    if training and p > 0:
        keep = rng.binomial(1, 1 - p, size=x.shape)
        return x * keep / (1 - p)
    return x.copy()


def dropout_forward_uniform(x, p, training, rng):
    out = x.copy()
    if training:
        dropped = rng.uniform(0, 1, size=x.shape) < p
        out[dropped] = 0
        out[~dropped] /= 1 - p
    return out


def dropout_forward_no_scaling(x, p, training, rng):
    if not training:
        return x.copy()
    return x * (rng.random(x.shape) >= p)


def dropout_forward_keep_probability(x, p, training, rng):
    if not training:
        return x.copy()
    return x * (rng.random(x.shape) < p) / p


def dropout_forward_also_in_eval(x, p, training, rng):
    return x * (rng.random(x.shape) >= p) / (1 - p)


def dropout_forward_global_random(x, p, training, rng):
    if not training:
        return x.copy()
    return x * (np.random.rand(*x.shape) >= p) / (1 - p)


def dropout_forward_in_place(x, p, training, rng):
    if training:
        x *= (rng.random(x.shape) >= p) / (1 - p)
    return x


CORRECT = {
    "EarlyStopping": [EarlyStoppingDeepCopy, EarlyStoppingClones],
    "batch_norm_forward": [batch_norm_forward_by_formula, batch_norm_forward_with_ddof],
    "layer_norm_forward": [layer_norm_forward_keepdims, layer_norm_forward_new_axis],
    "dropout_forward": [dropout_forward_mask, dropout_forward_binomial, dropout_forward_uniform],
}

WRONG = {
    "EarlyStopping": [
        Wrong(EarlyStopping, "the live state dict"),
        Wrong(EarlyStoppingNeverResets, "Set counter back to 0 whenever an epoch improves"),
        Wrong(EarlyStoppingIgnoresMinDelta, "min_delta is ignored"),
        Wrong(EarlyStoppingTiesImprove, "strict <"),
        Wrong(EarlyStoppingOneEpochLate, "waits one epoch more"),
        Wrong(EarlyStoppingRestoreRebinds, "does not load it into the model it is given"),
        Wrong(EarlyStoppingCountsFromZero, "the first call of step is epoch 1"),
    ],
    "batch_norm_forward": [
        Wrong(batch_norm_forward_batch_stats_in_eval, "not with the batch's own statistics"),
        Wrong(batch_norm_forward_biased_running_var, "updates running_var with the unbiased variance"),
        Wrong(batch_norm_forward_keras_momentum, "Keras's convention"),
        Wrong(batch_norm_forward_eps_outside, "eps goes inside the square root"),
        Wrong(batch_norm_forward_updates_in_place, "changed its input running_mean and running_var in place"),
        Wrong(batch_norm_forward_per_example, "is layer normalisation"),
    ],
    "layer_norm_forward": [
        Wrong(layer_norm_forward_over_batch, "averaging over the batch (axis=0) is batch normalisation"),
        Wrong(layer_norm_forward_axis_one, "axis=1 is only the last one for 2-D inputs"),
        Wrong(layer_norm_forward_unbiased, "Use the biased variance"),
        Wrong(layer_norm_forward_without_keepdims, "raised ValueError"),
    ],
    "dropout_forward": [
        Wrong(dropout_forward_no_scaling, "yours keeps them as they are"),
        Wrong(dropout_forward_keep_probability, "not of keeping it"),
        Wrong(dropout_forward_also_in_eval, "dropout is only active in training"),
        Wrong(dropout_forward_global_random, "not from np.random"),
        Wrong(dropout_forward_in_place, "changed its input x in place"),
    ],
}
