"""Notebook 06 reaches its targets, in the committed notebook and with the package's training functions.

With ONE hidden layer of 6 units, the committed solution notebook's printed
figures (its nbval-verified outputs) show 'prod' regression at an MSE of at
most 0.001 (the material: 0.00074) and XOR and the four quadrants at 99 % or
more (the material: 99.8 % and 99.84 %); the PyTorch spiral network reaches at
least 97 % test accuracy (the material: 96.9 %); and the optimiser comparison
trains the same network on one task with each of the five optimisers, one curve
each. The reference train_epoch and evaluate, on their own, lower the loss of a
small network and agree with each other on the epoch's mean.
"""

import re

import torch
from torch import nn

from autograder.exercises import pytorch_training as reference
from course import notebook

ASSIGNMENT = "06_pytorch_training"
OPTIMISERS = ["SGD, lr 0.1", "SGD + momentum 0.9, lr 0.1", "Adagrad, lr 0.1", "RMSprop, lr 0.01", "Adam, lr 0.01"]


def printed(pattern):
    """Every match of `pattern` in the printed outputs of the committed solution notebook."""
    text = "".join(output.get("text", "") for cell in notebook(ASSIGNMENT).cells for output in cell.get("outputs", []))
    return re.findall(pattern, text)


def sources():
    return "\n".join(cell.source for cell in notebook(ASSIGNMENT).cells if cell.cell_type == "code")


def test_toy_networks_have_one_hidden_layer_of_six_units():
    assert 'make_mlp([2, 6, OUTPUTS[name]], "tanh")' in sources()


def test_prod_regression_reaches_an_mse_of_at_most_0_001():
    (mse,) = printed(r"prod\s+MSE on training points: ([\d.]+)")
    (new,) = printed(r"prod\s+MSE on training points: [\d.]+\s+on new points: ([\d.]+)")
    assert float(mse) <= 0.001 and float(new) <= 0.001


def test_xor_and_quadrants_reach_99_percent():
    for task in ("xor", "quadrants"):
        (value,) = printed(rf"{task}\s+accuracy on training points: ([\d.]+)%")
        assert float(value) >= 99, task


def test_spiral_reaches_97_percent_test_accuracy():
    (test,) = printed(r"spiral, 2-100-3: training accuracy [\d.]+%, test accuracy ([\d.]+)%")
    assert float(test) >= 97


def test_optimiser_comparison_has_one_curve_per_optimiser_on_one_task():
    names = printed(r"^(.+?)\s+loss after 1 epoch [\d.]+, after 20: [\d.]+$".replace("^", "(?m)^", 1))
    assert names == OPTIMISERS
    assert "plots.plot_loss_curves(optimiser_histories" in sources()
    assert sources().count('fit(model, loader, LOSSES["quadrants"], make_optimizer(model.parameters()), epochs=20)') == 1


def test_reference_training_lowers_the_loss_and_reports_the_weighted_mean():
    torch.manual_seed(0)
    X = torch.randn(50, 2)
    y = (X[:, :1] * X[:, 1:] > 0).float()
    batches = [(X[:16], y[:16]), (X[16:32], y[16:32]), (X[32:48], y[32:48]), (X[48:], y[48:])]
    model = nn.Sequential(nn.Linear(2, 8), nn.Tanh(), nn.Linear(8, 1))
    loss_fn = nn.BCEWithLogitsLoss()
    optimizer = torch.optim.Adam(model.parameters(), lr=0.05)
    before = reference.evaluate(model, batches, loss_fn)
    for _ in range(30):
        reference.train_epoch(model, batches, loss_fn, optimizer)
    after = reference.evaluate(model, batches, loss_fn)
    assert after < before / 2
    with torch.no_grad():
        whole = loss_fn(model(X), y).item()
    assert abs(after - whole) < 1e-6  # the mean over examples, whatever the batch sizes
