"""Notebook 06, training with PyTorch."""

import numpy as np
import torch

from answers import Wrong


# ---------------------------------------------------------------- train_epoch


def train_epoch_without_zero_grad(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(X)
        count += len(X)
    return total / count


def train_epoch_lists(model, loader, loss_fn, optimizer):
    model.train()
    losses, sizes = [], []
    for X, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
        sizes.append(X.shape[0])
    return float(np.average(losses, weights=sizes))


def train_epoch_zero_after_step(model, loader, loss_fn, optimizer):
    model.train()
    optimizer.zero_grad()
    total = 0.0
    examples = 0
    for inputs, targets in loader:
        predictions = model(inputs)
        batch_loss = loss_fn(predictions, targets)
        batch_loss.backward()
        optimizer.step()
        optimizer.zero_grad()
        total += batch_loss.detach().item() * inputs.size(0)
        examples += inputs.size(0)
    return total / examples


def train_epoch_last_batch(model, loader, loss_fn, optimizer):
    model.train()
    for X, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
    return loss.item()


def train_epoch_unweighted(model, loader, loss_fn, optimizer):
    model.train()
    losses = []
    for X, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    return sum(losses) / len(losses)


def train_epoch_no_train_mode(model, loader, loss_fn, optimizer):
    total, count = 0.0, 0
    for X, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item() * len(X)
        count += len(X)
    return total / count


def train_epoch_zero_before_step(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.zero_grad()
        optimizer.step()
        total += loss.item() * len(X)
        count += len(X)
    return total / count


def train_epoch_returns_tensor(model, loader, loss_fn, optimizer):
    model.train()
    total, count = 0.0, 0
    for X, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total = total + loss * len(X)
        count += len(X)
    return total / count


def train_epoch_sum(model, loader, loss_fn, optimizer):
    model.train()
    total = 0.0
    for X, y in loader:
        optimizer.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        total += loss.item()
    return total


# ---------------------------------------------------------------- evaluate


def evaluate_plain(model, loader, loss_fn):
    model.eval()
    total, count = 0.0, 0
    with torch.no_grad():
        for X, y in loader:
            total += loss_fn(model(X), y).item() * len(X)
            count += len(X)
    return total / count


def evaluate_inference_mode(model, loader, loss_fn):
    model.eval()
    losses, sizes = [], []
    with torch.inference_mode():
        for inputs, targets in loader:
            losses.append(float(loss_fn(model(inputs), targets)) * inputs.shape[0])
            sizes.append(inputs.shape[0])
    return sum(losses) / sum(sizes)


def evaluate_in_training_mode(model, loader, loss_fn):
    total, count = 0.0, 0
    with torch.no_grad():
        for X, y in loader:
            total += loss_fn(model(X), y).item() * len(X)
            count += len(X)
    return total / count


def evaluate_with_graph(model, loader, loss_fn):
    model.eval()
    total, count = 0.0, 0
    for X, y in loader:
        total += loss_fn(model(X), y).item() * len(X)
        count += len(X)
    return total / count


def evaluate_eval_after_loop(model, loader, loss_fn):
    total, count = 0.0, 0
    with torch.no_grad():
        for X, y in loader:
            total += loss_fn(model(X), y).item() * len(X)
            count += len(X)
    model.eval()
    return total / count


def evaluate_last_batch(model, loader, loss_fn):
    model.eval()
    with torch.no_grad():
        for X, y in loader:
            loss = loss_fn(model(X), y)
    return loss.item()


def evaluate_unweighted(model, loader, loss_fn):
    model.eval()
    losses = []
    with torch.no_grad():
        for X, y in loader:
            losses.append(loss_fn(model(X), y).item())
    return sum(losses) / len(losses)


def evaluate_returns_tensor(model, loader, loss_fn):
    model.eval()
    total, count = 0.0, 0
    for X, y in loader:
        total = total + loss_fn(model(X), y) * len(X)
        count += len(X)
    return total / count


# ---------------------------------------------------------------- accuracy


def accuracy_branches(logits, y):
    y = y.reshape(-1)
    if logits.ndim == 2 and logits.shape[1] > 1:
        predicted = torch.argmax(logits, dim=1)
    else:
        predicted = (torch.sigmoid(logits.reshape(-1)) > 0.5).to(y.dtype)
    return (predicted == y).float().mean().item()


def accuracy_numpy(logits, y):
    scores = logits.detach().numpy()
    labels = y.numpy().ravel()
    if scores.ndim == 1 or scores.shape[1] == 1:
        predicted = (scores.ravel() > 0).astype(int)
    else:
        predicted = scores.argmax(axis=1)
    return float(np.mean(predicted == labels))


def accuracy_threshold_half(logits, y):
    if logits.ndim == 1 or logits.shape[1] == 1:
        predicted = (logits.reshape(-1) > 0.5).long()
    else:
        predicted = logits.argmax(dim=1)
    return (predicted == y.reshape(-1).long()).float().mean().item()


def accuracy_wrong_axis(logits, y):
    if logits.ndim == 1 or logits.shape[1] == 1:
        predicted = (logits.reshape(-1) > 0).long()
    else:
        predicted = logits.argmax(dim=0)
    return (predicted == y.reshape(-1).long()).float().mean().item()


def accuracy_count(logits, y):
    if logits.ndim == 1 or logits.shape[1] == 1:
        predicted = (logits.reshape(-1) > 0).long()
    else:
        predicted = logits.argmax(dim=1)
    return (predicted == y.reshape(-1).long()).sum().item()


def accuracy_broadcasting(logits, y):
    if logits.ndim == 1 or logits.shape[1] == 1:
        predicted = (logits > 0).float()
    else:
        predicted = logits.argmax(dim=1)
    return (predicted == y).float().mean().item()


def accuracy_tensor(logits, y):
    if logits.ndim == 1 or logits.shape[1] == 1:
        predicted = (logits.reshape(-1) > 0).long()
    else:
        predicted = logits.argmax(dim=1)
    return (predicted == y.reshape(-1).long()).float().mean()


# ---------------------------------------------------------------- predict_grid


def predict_grid_branches(model, grid, task):
    model.eval()
    with torch.no_grad():
        outputs = model(torch.tensor(grid, dtype=torch.float32))
    if task == "multiclass":
        return outputs.argmax(dim=1).numpy()
    if task == "binary":
        return torch.sigmoid(outputs).squeeze(1).numpy()
    return outputs.squeeze(1).numpy()


def predict_grid_detach(model, grid, task):
    model.eval()
    outputs = model(torch.from_numpy(grid).float()).detach()
    if task == "regression":
        return outputs.numpy().ravel()
    if task == "binary":
        return 1 / (1 + np.exp(-outputs.numpy().ravel()))
    return np.argmax(torch.softmax(outputs, dim=1).numpy(), axis=1)


def predict_grid_no_eval(model, grid, task):
    with torch.no_grad():
        outputs = model(torch.tensor(grid, dtype=torch.float32))
    if task == "multiclass":
        return outputs.argmax(dim=1).numpy()
    if task == "binary":
        return torch.sigmoid(outputs[:, 0]).numpy()
    return outputs[:, 0].numpy()


def predict_grid_logits(model, grid, task):
    model.eval()
    with torch.no_grad():
        outputs = model(torch.tensor(grid, dtype=torch.float32))
    if task == "multiclass":
        return outputs.argmax(dim=1).numpy()
    return outputs[:, 0].numpy()


def predict_grid_column(model, grid, task):
    model.eval()
    with torch.no_grad():
        outputs = model(torch.tensor(grid, dtype=torch.float32))
    if task == "multiclass":
        return outputs.argmax(dim=1).numpy()
    if task == "binary":
        return torch.sigmoid(outputs).numpy()
    return outputs.numpy()


def predict_grid_probability(model, grid, task):
    model.eval()
    with torch.no_grad():
        outputs = model(torch.tensor(grid, dtype=torch.float32))
    if task == "multiclass":
        return torch.softmax(outputs, dim=1).max(dim=1).values.numpy()
    if task == "binary":
        return torch.sigmoid(outputs[:, 0]).numpy()
    return outputs[:, 0].numpy()


def predict_grid_tensor(model, grid, task):
    model.eval()
    with torch.no_grad():
        outputs = model(torch.tensor(grid, dtype=torch.float32))
    if task == "multiclass":
        return outputs.argmax(dim=1)
    if task == "binary":
        return torch.sigmoid(outputs[:, 0])
    return outputs[:, 0]


def predict_grid_float64(model, grid, task):
    model.eval()
    with torch.no_grad():
        outputs = model(torch.tensor(grid))
    if task == "multiclass":
        return outputs.argmax(dim=1).numpy()
    if task == "binary":
        return torch.sigmoid(outputs[:, 0]).numpy()
    return outputs[:, 0].numpy()


# ---------------------------------------------------------------- predict_label


def predict_label_plain(model, scaler, encoder, raw_point):
    x = scaler.transform(np.array(raw_point, dtype=float).reshape(1, -1))
    model.eval()
    with torch.no_grad():
        probabilities = torch.softmax(model(torch.tensor(x, dtype=torch.float32)), dim=1)[0]
    index = probabilities.argmax().item()
    return str(encoder.classes_[index]), probabilities[index].item()


def predict_label_by_hand(model, scaler, encoder, raw_point):
    x = (np.asarray(raw_point, dtype=float) - scaler.mean_) / scaler.scale_
    model.eval()
    with torch.no_grad():
        scores = model(torch.tensor(x, dtype=torch.float32).unsqueeze(0)).squeeze(0)
    probabilities = torch.exp(scores - torch.logsumexp(scores, dim=0))
    probability, index = probabilities.max(dim=0)
    label = encoder.inverse_transform([index.item()])[0]
    return str(label), float(probability)


def predict_label_unscaled(model, scaler, encoder, raw_point):
    x = np.array(raw_point, dtype=float).reshape(1, -1)
    model.eval()
    with torch.no_grad():
        probabilities = torch.softmax(model(torch.tensor(x, dtype=torch.float32)), dim=1)[0]
    index = probabilities.argmax().item()
    return str(encoder.classes_[index]), probabilities[index].item()


def predict_label_index(model, scaler, encoder, raw_point):
    x = scaler.transform(np.array(raw_point, dtype=float).reshape(1, -1))
    model.eval()
    with torch.no_grad():
        probabilities = torch.softmax(model(torch.tensor(x, dtype=torch.float32)), dim=1)[0]
    index = probabilities.argmax().item()
    return index, probabilities[index].item()


def predict_label_logit(model, scaler, encoder, raw_point):
    x = scaler.transform(np.array(raw_point, dtype=float).reshape(1, -1))
    model.eval()
    with torch.no_grad():
        scores = model(torch.tensor(x, dtype=torch.float32))[0]
    index = scores.argmax().item()
    return str(encoder.classes_[index]), scores[index].item()


def predict_label_sigmoid(model, scaler, encoder, raw_point):
    x = scaler.transform(np.array(raw_point, dtype=float).reshape(1, -1))
    model.eval()
    with torch.no_grad():
        probabilities = torch.sigmoid(model(torch.tensor(x, dtype=torch.float32)))[0]
    index = probabilities.argmax().item()
    return str(encoder.classes_[index]), probabilities[index].item()


def predict_label_no_eval(model, scaler, encoder, raw_point):
    x = scaler.transform(np.array(raw_point, dtype=float).reshape(1, -1))
    with torch.no_grad():
        probabilities = torch.softmax(model(torch.tensor(x, dtype=torch.float32)), dim=1)[0]
    index = probabilities.argmax().item()
    return str(encoder.classes_[index]), probabilities[index].item()


def predict_label_numpy_string(model, scaler, encoder, raw_point):
    x = scaler.transform(np.array(raw_point, dtype=float).reshape(1, -1))
    model.eval()
    with torch.no_grad():
        probabilities = torch.softmax(model(torch.tensor(x, dtype=torch.float32)), dim=1)[0]
    index = probabilities.argmax().item()
    return encoder.inverse_transform([index])[0], probabilities[index].item()


CORRECT = {
    "train_epoch": [train_epoch_lists, train_epoch_zero_after_step],
    "evaluate": [evaluate_plain, evaluate_inference_mode],
    "accuracy": [accuracy_branches, accuracy_numpy],
    "predict_grid": [predict_grid_branches, predict_grid_detach],
    "predict_label": [predict_label_plain, predict_label_by_hand],
}

WRONG = {
    "train_epoch": [
        Wrong(train_epoch_without_zero_grad, "never zeroed"),
        Wrong(train_epoch_last_batch, "last batch's loss"),
        Wrong(train_epoch_unweighted, "as if every batch had the same size"),
        Wrong(train_epoch_no_train_mode, "model.train()"),
        Wrong(train_epoch_zero_before_step, "between loss.backward() and optimizer.step()"),
        Wrong(train_epoch_returns_tensor, "Return a plain Python number"),
        Wrong(train_epoch_sum, "sum of the batch losses"),
    ],
    "evaluate": [
        Wrong(evaluate_in_training_mode, "Call model.eval() at the start"),
        Wrong(evaluate_with_graph, "torch.no_grad()"),
        Wrong(evaluate_eval_after_loop, "before the loop, not after it"),
        Wrong(evaluate_last_batch, "last batch's loss"),
        Wrong(evaluate_unweighted, "as if every batch had the same size"),
        Wrong(evaluate_returns_tensor, "a tensor that requires grad"),
    ],
    "accuracy": [
        Wrong(accuracy_threshold_half, "Threshold the logits at 0"),
        Wrong(accuracy_wrong_axis, "dim=0"),
        Wrong(accuracy_count, "not their count"),
        Wrong(accuracy_broadcasting, "broadcasts"),
        Wrong(accuracy_tensor, ".item()"),
    ],
    "predict_grid": [
        Wrong(predict_grid_no_eval, "model.eval()"),
        Wrong(predict_grid_logits, "not the logit itself"),
        Wrong(predict_grid_column, "shape (M,)"),
        Wrong(predict_grid_probability, "not its probability"),
        Wrong(predict_grid_tensor, "NumPy array"),
        Wrong(predict_grid_float64, "the model's weights are float32"),
    ],
    "predict_label": [
        Wrong(predict_label_unscaled, "scaler.transform"),
        Wrong(predict_label_index, "not its index"),
        Wrong(predict_label_logit, "torch.softmax"),
        Wrong(predict_label_sigmoid, "not sigmoid"),
        Wrong(predict_label_no_eval, "model.eval()"),
        Wrong(predict_label_numpy_string, "NumPy strings"),
    ],
}
