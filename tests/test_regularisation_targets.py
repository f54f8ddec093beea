"""Notebook 07's layers agree with PyTorch's, its early stopping restores for real, and its figures hold.

The NumPy references of batch norm and layer norm match nn.BatchNorm1d and
nn.LayerNorm (float64, to 1e-6) over several training steps and in evaluation
mode, on several shapes, at extreme scales and offsets too; inverted dropout drops a share close to p, scales the rest by 1 / (1 - p),
does nothing in evaluation and is reproducible under a seed; the reference
EarlyStopping stops at the right epoch and restores the best epoch's parameters,
on a scripted run and on a real one; and the committed notebook's printed
random-labels figures show memorising: training accuracy far above chance, test
accuracy within 5 points of it. Its other printed figures back its prose: small
networks underfit the spiral, larger ones beat the material's 96.9 %; the
overfitting network's validation loss turns up, and dropout, weight decay and
early stopping each do better on validation; batch norm trains a deep network
that plain gradient descent barely moves. The mistakes the course names are
caught by the checks with messages that name them.
"""

import copy
import re

import numpy as np
import pytest
import torch
from torch import nn

from autograder.checks import regularisation as check
from autograder.exercises import regularisation as reference
from course import notebook

TOLERANCE = 1e-6


def set_affine(layer: nn.Module, gamma: np.ndarray, beta: np.ndarray) -> None:
    with torch.no_grad():
        layer.weight.copy_(torch.from_numpy(gamma))
        layer.bias.copy_(torch.from_numpy(beta))


@pytest.mark.parametrize("momentum", [0.1, 0.3])
def test_batch_norm_matches_pytorch_over_several_steps_and_in_evaluation(momentum):
    rng = np.random.default_rng(0)
    features = 4
    gamma, beta = rng.uniform(0.5, 2, size=features), rng.normal(size=features)
    layer = nn.BatchNorm1d(features, momentum=momentum).double()
    set_affine(layer, gamma, beta)
    running_mean, running_var = np.zeros(features), np.ones(features)
    layer.train()
    for size in [8, 2, 16, 5, 32]:
        x = rng.normal(loc=[0, 3, -1, 10], scale=[1, 2, 0.5, 4], size=(size, features))
        out, running_mean, running_var = reference.batch_norm_forward(x, gamma, beta, running_mean, running_var, True, momentum)
        with torch.no_grad():
            expected = layer(torch.from_numpy(x)).numpy()
        np.testing.assert_allclose(out, expected, atol=TOLERANCE, rtol=0)
        np.testing.assert_allclose(running_mean, layer.running_mean.numpy(), atol=TOLERANCE, rtol=0)
        np.testing.assert_allclose(running_var, layer.running_var.numpy(), atol=TOLERANCE, rtol=0)
    layer.eval()
    for size in [1, 6]:
        x = rng.normal(loc=[0, 3, -1, 10], scale=[1, 2, 0.5, 4], size=(size, features))
        out, new_mean, new_var = reference.batch_norm_forward(x, gamma, beta, running_mean, running_var, False, momentum)
        with torch.no_grad():
            np.testing.assert_allclose(out, layer(torch.from_numpy(x)).numpy(), atol=TOLERANCE, rtol=0)
        np.testing.assert_array_equal(new_mean, running_mean)
        np.testing.assert_array_equal(new_var, running_var)


EXTREME_SCALES = [
    pytest.param(1e-3, 0.0, id="tiny spread"),
    pytest.param(1e4, 0.0, id="huge spread"),
    pytest.param(1.0, 1e5, id="large offset"),
    pytest.param(1e-2, -1e3, id="tiny spread, large offset"),
]


@pytest.mark.parametrize("scale, offset", EXTREME_SCALES)
@pytest.mark.parametrize("shape", [(2, 3), (7, 1), (32, 6)])
def test_batch_norm_matches_pytorch_at_extreme_scales(shape, scale, offset):
    rng = np.random.default_rng(11)
    features = shape[1]
    gamma, beta = rng.uniform(0.5, 2, size=features), rng.normal(size=features)
    layer = nn.BatchNorm1d(features).double()
    set_affine(layer, gamma, beta)
    running_mean, running_var = np.zeros(features), np.ones(features)
    layer.train()
    for _ in range(3):
        x = offset + scale * rng.normal(size=shape) * rng.uniform(0.5, 2, size=features)
        out, running_mean, running_var = reference.batch_norm_forward(x, gamma, beta, running_mean, running_var, True)
        with torch.no_grad():
            np.testing.assert_allclose(out, layer(torch.from_numpy(x)).numpy(), atol=TOLERANCE, rtol=0)
        np.testing.assert_allclose(running_mean, layer.running_mean.numpy(), atol=TOLERANCE, rtol=1e-12)
        np.testing.assert_allclose(running_var, layer.running_var.numpy(), atol=TOLERANCE, rtol=1e-12)
    layer.eval()
    x = offset + scale * rng.normal(size=shape)
    out, _, _ = reference.batch_norm_forward(x, gamma, beta, running_mean, running_var, False)
    with torch.no_grad():
        np.testing.assert_allclose(out, layer(torch.from_numpy(x)).numpy(), atol=TOLERANCE, rtol=0)


@pytest.mark.parametrize("scale, offset", EXTREME_SCALES)
@pytest.mark.parametrize("shape", [(3, 2), (4, 8), (2, 5, 16)])
def test_layer_norm_matches_pytorch_at_extreme_scales(shape, scale, offset):
    rng = np.random.default_rng(12)
    gamma, beta = rng.uniform(0.5, 2, size=shape[-1]), rng.normal(size=shape[-1])
    layer = nn.LayerNorm(shape[-1]).double()
    set_affine(layer, gamma, beta)
    x = offset + scale * rng.normal(size=shape)
    with torch.no_grad():
        expected = layer(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(reference.layer_norm_forward(x, gamma, beta), expected, atol=TOLERANCE, rtol=0)


def test_batch_norm_leaves_its_running_statistics_unchanged():
    rng = np.random.default_rng(1)
    running_mean, running_var = rng.normal(size=3), rng.uniform(0.5, 2, size=3)
    before = running_mean.copy(), running_var.copy()
    reference.batch_norm_forward(rng.normal(size=(5, 3)), np.ones(3), np.zeros(3), running_mean, running_var, True)
    np.testing.assert_array_equal(running_mean, before[0])
    np.testing.assert_array_equal(running_var, before[1])


@pytest.mark.parametrize("shape", [(6, 5), (2, 3, 5), (1, 5)])
def test_layer_norm_matches_pytorch(shape):
    rng = np.random.default_rng(2)
    gamma, beta = rng.uniform(0.5, 2, size=shape[-1]), rng.normal(size=shape[-1])
    layer = nn.LayerNorm(shape[-1]).double()
    set_affine(layer, gamma, beta)
    x = rng.normal(size=shape) * 3 + rng.normal(size=shape[:-1] + (1,)) * 5
    with torch.no_grad():
        expected = layer(torch.from_numpy(x)).numpy()
    np.testing.assert_allclose(reference.layer_norm_forward(x, gamma, beta), expected, atol=TOLERANCE, rtol=0)


@pytest.mark.parametrize("p", [0.1, 0.3, 0.5, 0.8])
def test_dropout_drops_a_share_close_to_p_and_scales_the_rest(p):
    x = np.random.default_rng(3).normal(size=(400, 250))
    out = reference.dropout_forward(x, p, True, np.random.default_rng(4))
    dropped = out == 0
    assert abs(dropped.mean() - p) < 0.01
    np.testing.assert_allclose(out[~dropped], x[~dropped] / (1 - p), rtol=1e-12)


def test_dropout_share_agrees_with_pytorch():
    p = 0.3
    ours = reference.dropout_forward(np.ones((400, 250)), p, True, np.random.default_rng(5))
    torch.manual_seed(5)
    theirs = nn.Dropout(p).train()(torch.ones(400, 250)).numpy()
    assert abs((ours == 0).mean() - (theirs == 0).mean()) < 0.01
    np.testing.assert_allclose(np.unique(ours[ours > 0]), np.unique(theirs[theirs > 0]), rtol=1e-6)


def test_dropout_is_the_identity_in_evaluation_mode():
    x = np.random.default_rng(6).normal(size=(20, 7))
    np.testing.assert_array_equal(reference.dropout_forward(x, 0.5, False, np.random.default_rng(7)), x)


def test_dropout_is_reproducible_under_a_seed():
    x = np.random.default_rng(8).normal(size=(50, 40))
    first = reference.dropout_forward(x, 0.4, True, np.random.default_rng(9))
    again = reference.dropout_forward(x, 0.4, True, np.random.default_rng(9))
    other = reference.dropout_forward(x, 0.4, True, np.random.default_rng(10))
    np.testing.assert_array_equal(first, again)
    assert not np.array_equal(first, other)


def parameters_of(epoch: int) -> tuple[torch.Tensor, torch.Tensor]:
    return torch.tensor([[float(epoch), -2.0 * epoch]]), torch.tensor([epoch / 10])


def test_early_stopping_stops_at_the_right_epoch_and_restores_the_best_parameters():
    losses = [1.0, 0.8, 0.85, 0.7, 0.72, 0.71, 0.705, 0.9, 0.6]  # best at epoch 4; 0.71 and 0.705 are better by less than min_delta
    model = nn.Linear(2, 1)
    stopper = reference.EarlyStopping(patience=3, min_delta=0.01)
    answers = []
    for epoch, loss in enumerate(losses, start=1):
        weight, bias = parameters_of(epoch)
        with torch.no_grad():  # parameters change in place, as an optimiser changes them
            model.weight.copy_(weight)
            model.bias.copy_(bias)
        answers.append(stopper.step(loss, model))
        if answers[-1]:
            break
    assert answers == [False, False, False, False, False, False, True]
    assert (stopper.best_epoch, stopper.best_loss, stopper.counter) == (4, 0.7, 3)
    stopper.restore(model)
    weight, bias = parameters_of(4)
    assert torch.equal(model.weight.data, weight) and torch.equal(model.bias.data, bias)


def test_early_stopping_restores_the_best_weights_of_a_real_training_run():
    torch.manual_seed(0)
    X, y = torch.randn(64, 3), torch.randn(64, 1)
    X_val, y_val = torch.randn(32, 3), torch.randn(32, 1)
    model = nn.Sequential(nn.Linear(3, 32), nn.ReLU(), nn.Linear(32, 1))
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    stopper = reference.EarlyStopping(patience=5)
    snapshots, losses = {}, []
    for epoch in range(1, 500):
        optimizer.zero_grad()
        nn.functional.mse_loss(model(X), y).backward()
        optimizer.step()
        with torch.no_grad():
            losses.append(nn.functional.mse_loss(model(X_val), y_val).item())
        snapshots[epoch] = copy.deepcopy(model.state_dict())
        if stopper.step(losses[-1], model):
            break
    assert epoch < 499, "random targets should make the validation loss turn up"
    assert stopper.best_epoch == int(np.argmin(losses)) + 1 and stopper.best_epoch < epoch
    stopper.restore(model)
    for name, tensor in model.state_dict().items():
        assert torch.equal(tensor, snapshots[stopper.best_epoch][name])


def printed(assignment: str, pattern: str) -> list[str]:
    """Every match of `pattern` in the printed outputs of a committed solution notebook."""
    text = "".join(output.get("text", "") for cell in notebook(assignment).cells for output in cell.get("outputs", []))
    return re.findall(pattern, text)


def test_notebook_07_memorises_random_labels_and_scores_chance_on_new_points():
    (train,) = printed("07_regularisation", r"training accuracy \(105 points\):\s+([\d.]+)%")
    (test,) = printed("07_regularisation", r"test accuracy \(3000 new points\):\s+([\d.]+)%")
    chance = 100 / 3
    assert float(train) >= chance + 30  # far above chance (the material: about 70 %)
    assert abs(float(test) - chance) <= 5  # within 5 points of chance


def test_notebook_07_restores_the_best_validation_loss():
    (best,) = printed("07_regularisation", r"best epoch \d+, validation loss ([\d.]+)")
    (restored,) = printed("07_regularisation", r"after restore: validation loss ([\d.]+)")
    assert restored == best


# The mistakes the issue names, each caught by its check with a message that names it.
NAMED_MISTAKES = [
    ("EarlyStopping", reference.EarlyStoppingKeepingTheLiveState, "the live state dict"),
    ("EarlyStopping", reference.NeverResetsTheCounter, "Set counter back to 0"),
    ("EarlyStopping", reference.IgnoresMinDelta, "min_delta is ignored"),
    ("batch_norm_forward", reference.normalises_with_the_batch_in_evaluation, "not with the batch's own statistics"),
    ("batch_norm_forward", reference.updates_running_var_with_the_biased_variance, "unbiased variance"),
    ("layer_norm_forward", reference.normalises_over_the_batch, "the last axis (axis=-1)"),
    ("layer_norm_forward", reference.normalises_over_axis_one, "The last axis is axis=-1"),
    ("dropout_forward", reference.does_not_scale_the_kept_elements, "divides the kept elements by (1 - p)"),
    ("dropout_forward", reference.drops_in_evaluation_too, "return x unchanged"),
    ("dropout_forward", reference.keeps_with_probability_p, "not of keeping it"),
]


@pytest.mark.parametrize("exercise, wrong, says", NAMED_MISTAKES, ids=[m[1].__name__ for m in NAMED_MISTAKES])
def test_the_named_mistakes_are_caught(exercise, wrong, says):
    verdict = getattr(check, exercise).verdict(wrong)
    assert not verdict.passed and says in verdict.message


def numbers(assignment: str, pattern: str) -> list[float]:
    return [float(value) for value in printed(assignment, pattern)]


def test_notebook_07_capacity_small_networks_underfit_and_larger_ones_learn_the_spiral():
    validation = dict(
        zip(printed("07_regularisation", r"(\S+), [\d-]+ +accuracy: training +[\d.]+%, validation +[\d.]+%"),
            numbers("07_regularisation", r"accuracy: training +[\d.]+%, validation +([\d.]+)%"))
    )
    assert validation["linear"] <= 60 and validation["narrow"] <= 70  # underfitting (the material's linear model: about 50 %)
    assert validation["wider"] >= 96.9 and validation["deeper"] >= 96.9  # the material's 2-100-3: 96.9 %


def test_notebook_07_overfitting_network_turns_up_and_the_regularisers_help():
    ((lowest, final),) = printed("07_regularisation", r"lowest validation loss: ([\d.]+) at epoch \d+; after 300 epochs: ([\d.]+)")
    assert float(final) > float(lowest) + 0.1  # the validation loss turned back up
    (table,) = [o["text"] for c in notebook("07_regularisation").cells for o in c.get("outputs", []) if "lowest on the way" in o.get("text", "")]
    rows = {
        name: (float(train), float(val), float(loss))
        for name, train, val, loss in re.findall(r"^(\S.*?) {2,}([\d.]+)% +([\d.]+)% +([\d.]+)", table, flags=re.MULTILINE)
    }
    assert set(rows) == {"no regulariser", "dropout, p = 0.5", "weight decay 1.0 (AdamW)", "batch norm", "early stopping, patience 50"}
    baseline = rows["no regulariser"]
    for name in ("dropout, p = 0.5", "weight decay 1.0 (AdamW)", "early stopping, patience 50"):
        train, val, loss = rows[name]
        assert val >= baseline[1] + 5 and loss < baseline[2]  # better on validation, with a lower validation loss
        assert train < baseline[0]  # fewer wrong labels learned by heart
    assert rows["dropout, p = 0.5"][1] == max(val for _, val, _ in rows.values())


def test_notebook_07_batch_norm_trains_a_deep_network_that_plain_gradient_descent_cannot():
    (plain,) = numbers("07_regularisation", r"plain 2-32-32-32-32-3 +training loss after 100 epochs: ([\d.]+)")
    (normalised,) = numbers("07_regularisation", r"with batch norm +training loss after 100 epochs: ([\d.]+)")
    assert plain > 0.8 and normalised < 0.1
