"""Notebook 08, the capstone: a binary classifier."""

from collections import OrderedDict

import pandas as pd
import torch
from torch import nn
from torch.utils.data import DataLoader, TensorDataset

from answers import Wrong
from autograder.references.pytorch_training import accuracy


def make_classifier_sequential(n_features, n_hidden=32, dropout=0.3):
    return nn.Sequential(
        nn.Linear(n_features, n_hidden),
        nn.BatchNorm1d(n_hidden),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(n_hidden, 1),
    )


def make_classifier_named(n_features, n_hidden=32, dropout=0.3):
    layers = OrderedDict(
        hidden=nn.Linear(n_features, n_hidden),
        norm=nn.BatchNorm1d(n_hidden),
        relu=nn.ReLU(),
        drop=nn.Dropout(p=dropout),
        output=nn.Linear(n_hidden, 1),
    )
    return nn.Sequential(layers)


class Classifier(nn.Module):
    def __init__(self, n_features, n_hidden, dropout):
        super().__init__()
        self.fc1 = nn.Linear(n_features, n_hidden)
        self.bn1 = nn.BatchNorm1d(n_hidden)
        self.dropout = nn.Dropout(dropout)
        self.fc2 = nn.Linear(n_hidden, 1)

    def forward(self, x):
        return self.fc2(self.dropout(torch.relu(self.bn1(self.fc1(x)))))


def make_classifier_class(n_features, n_hidden=32, dropout=0.3):
    return Classifier(n_features, n_hidden, dropout)


def make_classifier_with_sigmoid(n_features, n_hidden=32, dropout=0.3):
    return nn.Sequential(
        nn.Linear(n_features, n_hidden),
        nn.BatchNorm1d(n_hidden),
        nn.ReLU(),
        nn.Dropout(dropout),
        nn.Linear(n_hidden, 1),
        nn.Sigmoid(),
    )


def make_classifier_without_batch_norm(n_features, n_hidden=32, dropout=0.3):
    return nn.Sequential(nn.Linear(n_features, n_hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(n_hidden, 1))


def make_classifier_norm_after_relu(n_features, n_hidden=32, dropout=0.3):
    return nn.Sequential(nn.Linear(n_features, n_hidden), nn.ReLU(), nn.BatchNorm1d(n_hidden), nn.Dropout(dropout), nn.Linear(n_hidden, 1))


def make_classifier_fixed_dropout(n_features, n_hidden=32, dropout=0.3):
    return nn.Sequential(nn.Linear(n_features, n_hidden), nn.BatchNorm1d(n_hidden), nn.ReLU(), nn.Dropout(0.5), nn.Linear(n_hidden, 1))


def make_classifier_two_outputs(n_features, n_hidden=32, dropout=0.3):
    return nn.Sequential(nn.Linear(n_features, n_hidden), nn.BatchNorm1d(n_hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(n_hidden, 2))


class ListClassifier(nn.Module):
    def __init__(self, n_features, n_hidden, dropout):
        super().__init__()
        self.layers = [nn.Linear(n_features, n_hidden), nn.BatchNorm1d(n_hidden), nn.ReLU(), nn.Dropout(dropout), nn.Linear(n_hidden, 1)]

    def forward(self, x):
        for layer in self.layers:
            x = layer(x)
        return x


def make_classifier_plain_list(n_features, n_hidden=32, dropout=0.3):
    return ListClassifier(n_features, n_hidden, dropout)


def fit_loop(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    X, y = train
    X_val, y_val = val
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    history = []
    for epoch in range(1, epochs + 1):
        model.train()
        order = torch.randperm(len(X))
        loss_sum, correct = 0.0, 0
        for start in range(0, len(X), batch_size):
            rows = order[start : start + batch_size]
            optimizer.zero_grad()
            logits = model(X[rows]).squeeze(1)
            loss = loss_fn(logits, y[rows])
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(rows)
            correct += ((logits > 0).float() == y[rows]).sum().item()
        model.eval()
        with torch.no_grad():
            val_logits = model(X_val).squeeze(1)
            val_loss = loss_fn(val_logits, y_val).item()
            val_correct = ((val_logits > 0).float() == y_val).sum().item()
        history.append({"loss": loss_sum / len(X), "val_loss": val_loss, "accuracy": correct / len(X), "val_accuracy": val_correct / len(X_val)})
        if log_every > 0 and epoch % log_every == 0:
            print(f"epoch {epoch}: loss {loss_sum / len(X):.3f}, val_loss {val_loss:.3f}")
        stop = False
        for callback in callbacks:
            if callback.step(val_loss, model):
                stop = True
        if stop:
            break
    for callback in callbacks:
        if hasattr(callback, "restore"):
            callback.restore(model)
    return pd.DataFrame(history)


def fit_with_data_loader(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    loader = DataLoader(TensorDataset(*train), batch_size=batch_size, shuffle=True)
    X_val, y_val = val
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    criterion = nn.BCEWithLogitsLoss(reduction="sum")
    history = {"loss": [], "val_loss": [], "accuracy": [], "val_accuracy": []}
    for epoch in range(epochs):
        model.train()
        total, right, seen = 0.0, 0.0, 0
        for X_batch, y_batch in loader:
            optimizer.zero_grad()
            logits = model(X_batch).view(-1)
            loss = criterion(logits, y_batch) / len(y_batch)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(y_batch)
            right += accuracy(logits, y_batch) * len(y_batch)
            seen += len(y_batch)
        model.eval()
        with torch.no_grad():
            val_logits = model(X_val).view(-1)
            val_loss = criterion(val_logits, y_val).item() / len(y_val)
        for name, value in zip(history, (total / seen, val_loss, right / seen, accuracy(val_logits, y_val))):
            history[name].append(value)
        if log_every and (epoch + 1) % log_every == 0:
            print(f"{epoch + 1:4d} {val_loss:.4f}")
        if any([callback.step(val_loss, model) for callback in callbacks]):
            break
    for callback in callbacks:
        if getattr(callback, "restore", None):
            callback.restore(model)
    return pd.DataFrame(history)


def _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, flaw):
    """A learner's fit with one mistake in it, named by `flaw`."""
    X, y = train
    X_val, y_val = val
    optimizer = torch.optim.Adam(model.parameters(), lr=lr)
    loss_fn = nn.BCEWithLogitsLoss()
    history = []
    if flaw == "train once":
        model.train()
    for epoch in range(1, epochs + 1):
        if flaw != "train once":
            model.train()
        order = torch.arange(len(X)) if flaw == "no shuffle" else torch.randperm(len(X))
        size = len(X) if flaw == "full batch" else batch_size
        loss_sum, correct, batch_means = 0.0, 0, []
        for start in range(0, len(X), size):
            rows = order[start : start + size]
            if flaw != "no zero_grad":
                optimizer.zero_grad()
            logits = model(X[rows]) if flaw == "no squeeze" else model(X[rows]).squeeze(1)
            loss = loss_fn(logits, y[rows])
            loss.backward()
            optimizer.step()
            loss_sum += loss.item() * len(rows)
            batch_means.append(loss.item())
            correct += ((logits > (0.5 if flaw == "logits above 0.5" else 0)).float() == y[rows]).sum().item()
        if flaw != "no eval":
            model.eval()
        if flaw == "no no_grad":
            val_logits = model(X_val).squeeze(1)
        else:
            with torch.no_grad():
                val_logits = model(X_val).squeeze(1)
        val_loss = loss_fn(val_logits, y_val).item()
        epoch_loss = {"last batch": loss.item(), "batch means": sum(batch_means) / len(batch_means)}.get(flaw, loss_sum / len(X))
        threshold = 0.5 if flaw == "logits above 0.5" else 0
        val_accuracy = ((val_logits > threshold).float() == y_val).float().mean().item()
        row = {"loss": epoch_loss, "val_loss": val_loss, "accuracy": correct / len(X), "val_accuracy": val_accuracy}
        if flaw == "tensors":
            row["val_loss"] = loss_fn(val_logits, y_val)
        history.append(row)
        if (log_every and epoch % log_every == 0) or flaw == "prints every epoch":
            print(f"epoch {epoch}: val_loss {val_loss:.3f}")
        if flaw == "ignores callbacks":
            continue
        stops = [callback.step(loss_sum / len(X) if flaw == "training loss" else val_loss, model) for callback in callbacks]
        if any(stops) and flaw != "ignores stop":
            break
    for callback in callbacks:
        if flaw == "restores blindly" or (hasattr(callback, "restore") and flaw not in ("no restore", "ignores callbacks")):
            callback.restore(model)
    return pd.DataFrame(history)


def fit_never_zeroes_gradients(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "no zero_grad")


def fit_validates_in_training_mode(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "no eval")


def fit_calls_train_once(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "train once")


def fit_validates_with_a_graph(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "no no_grad")


def fit_records_last_batch_loss(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "last batch")


def fit_averages_batch_means(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "batch means")


def fit_thresholds_logits_at_half(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "logits above 0.5")


def fit_ignores_callbacks(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "ignores callbacks")


def fit_ignores_stop(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "ignores stop")


def fit_never_restores(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "no restore")


def fit_restores_blindly(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "restores blindly")


def fit_gives_callbacks_training_loss(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "training loss")


def fit_without_shuffling(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "no shuffle")


def fit_ignores_batch_size(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "full batch")


def fit_prints_every_epoch(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "prints every epoch")


def fit_stores_tensors(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "tensors")


def fit_keeps_logit_column(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return _fit(model, train, val, epochs, batch_size, lr, callbacks, log_every, "no squeeze")


def fit_returns_dict(model, train, val, epochs, batch_size=32, lr=1e-3, callbacks=(), log_every=0):
    return fit_loop(model, train, val, epochs, batch_size, lr, callbacks, log_every).to_dict("list")


def predict_proba_eval_no_grad(model, X):
    model.eval()
    with torch.no_grad():
        logits = model(X)
    return torch.sigmoid(logits).squeeze(1)


def predict_proba_inference_mode(model, X):
    model.train(False)
    with torch.inference_mode():
        return torch.sigmoid(model(X).view(-1))


def predict_proba_logits(model, X):
    model.eval()
    with torch.no_grad():
        return model(X).squeeze(1)


def predict_proba_training_mode(model, X):
    with torch.no_grad():
        return torch.sigmoid(model(X)).squeeze(1)


def predict_proba_detached(model, X):
    model.eval()
    return torch.sigmoid(model(X)).squeeze(1).detach()


def predict_proba_column(model, X):
    model.eval()
    with torch.no_grad():
        return torch.sigmoid(model(X))


def predict_proba_numpy(model, X):
    model.eval()
    with torch.no_grad():
        return torch.sigmoid(model(X)).squeeze(1).numpy()


predict_proba = predict_proba_eval_no_grad  # predict_classes uses the notebook's predict_proba, as a learner's would


def predict_classes_long(model, X, threshold=0.5):
    return (predict_proba(model, X) > threshold).long()


def predict_classes_where(model, X, threshold=0.5):
    probabilities = predict_proba(model, X)
    return torch.where(probabilities > threshold, 1, 0)


def predict_classes_logits(model, X, threshold=0.5):
    model.eval()
    with torch.no_grad():
        return (model(X).squeeze(1) > threshold).long()


def predict_classes_float(model, X, threshold=0.5):
    return (predict_proba(model, X) > threshold).float()


def predict_classes_bool(model, X, threshold=0.5):
    return predict_proba(model, X) > threshold


def predict_classes_round(model, X, threshold=0.5):
    return torch.round(predict_proba(model, X)).long()


def predict_classes_training_mode(model, X, threshold=0.5):
    with torch.no_grad():
        return (torch.sigmoid(model(X)).squeeze(1) > threshold).long()


CORRECT = {
    "make_classifier": [make_classifier_sequential, make_classifier_named, make_classifier_class],
    "fit": [fit_loop, fit_with_data_loader],
    "predict_proba": [predict_proba_eval_no_grad, predict_proba_inference_mode],
    "predict_classes": [predict_classes_long, predict_classes_where],
}

WRONG = {
    "make_classifier": [
        Wrong(make_classifier_with_sigmoid, "Leave out the final sigmoid"),
        Wrong(make_classifier_without_batch_norm, "Add an nn.BatchNorm1d(n_hidden)"),
        Wrong(make_classifier_norm_after_relu, "Normalise before the activation"),
        Wrong(make_classifier_fixed_dropout, "Use the `dropout` argument"),
        Wrong(make_classifier_two_outputs, "then the output layer's weight (1, n_hidden)"),
        Wrong(make_classifier_plain_list, "a plain Python list"),
    ],
    "fit": [
        Wrong(fit_never_zeroes_gradients, "optimizer.zero_grad() before every loss.backward()"),
        Wrong(fit_validates_in_training_mode, "Call model.eval() before computing the validation loss"),
        Wrong(fit_calls_train_once, "Call model.train() at the start of every epoch"),
        Wrong(fit_validates_with_a_graph, "nothing is learned from them"),
        Wrong(fit_records_last_batch_loss, "the loss of the epoch's last batch"),
        Wrong(fit_averages_batch_means, "the average of the batch losses"),
        Wrong(fit_thresholds_logits_at_half, "a probability above 0.5 is a logit above 0"),
        Wrong(fit_ignores_callbacks, "step called 0 times"),
        Wrong(fit_ignores_stop, "fewer when a callback's step returns True"),
        Wrong(fit_never_restores, "that is how EarlyStopping brings back"),
        Wrong(fit_restores_blindly, "call it only on those that do"),
        Wrong(fit_gives_callbacks_training_loss, "while the history's val_loss is"),
        Wrong(fit_without_shuffling, "a new one each epoch"),
        Wrong(fit_ignores_batch_size, "the last batch holds what is left"),
        Wrong(fit_prints_every_epoch, "print one short line after every k-th epoch"),
        Wrong(fit_stores_tensors, "Store plain numbers"),
        Wrong(fit_keeps_logit_column, "flatten the logits with .squeeze(1) before the loss"),
        Wrong(fit_returns_dict, "return pd.DataFrame(rows)"),
    ],
    "predict_proba": [
        Wrong(predict_proba_logits, "Those are the logits"),
        Wrong(predict_proba_training_mode, "Call model.eval() before the forward pass"),
        Wrong(predict_proba_detached, "Detaching the result afterwards is too late"),
        Wrong(predict_proba_column, "Return shape (N,), not (N, 1)"),
        Wrong(predict_proba_numpy, "not a NumPy array"),
    ],
    "predict_classes": [
        Wrong(predict_classes_logits, "the threshold is a probability"),
        Wrong(predict_classes_float, "Those are floats"),
        Wrong(predict_classes_bool, "Those are booleans"),
        Wrong(predict_classes_round, "Use the `threshold` argument"),
        Wrong(predict_classes_training_mode, "predict_proba does it: use it"),
    ],
}
