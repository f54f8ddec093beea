"""The hand-written training of notebook 04 reaches its targets, in the package and in the notebook.

The notebook's printed validation accuracy (its committed, nbval-verified
output) is at least 95 %, as is the reference training run the same way; and a
float64 central-difference check confirms autograd's gradients of calc_loss.
"""

import re

import numpy as np
import torch

from autograder import data
from autograder.exercises import gradient_descent as reference
from course import notebook


def accuracy(coeffs, X, y):
    with torch.no_grad():
        return ((reference.calc_preds(coeffs, X) > 0.5).float() == y).float().mean().item()


def printed(assignment, pattern):
    """Every match of `pattern` in the printed outputs of a committed solution notebook."""
    text = "".join(output.get("text", "") for cell in notebook(assignment).cells for output in cell.get("outputs", []))
    return re.findall(pattern, text)


def test_reference_training_reaches_95_percent_validation_accuracy():
    X_train, y_train, X_val, y_val = data.moons()
    coeffs, losses = reference.train_model(X_train, y_train, epochs=1000, lr=1.0, n_hidden=16)
    assert losses[-1] < losses[0] / 10
    assert accuracy(coeffs, X_val, y_val) >= 0.95


def test_notebook_04_reports_at_least_95_percent_validation_accuracy():
    (value,) = printed("04_gradient_descent", r"validation accuracy: ([\d.]+)%")
    assert float(value) >= 95


def test_gradient_check_confirms_autograd():
    X_train, y_train, _, _ = data.moons()
    coeffs = tuple(c.detach().double().requires_grad_() for c in reference.init_coeffs(2, 16, seed=1))
    X, y = X_train[:64].double(), y_train[:64].double()
    reference.calc_loss(coeffs, X, y).backward()
    for position, coefficient in enumerate(coeffs):
        def loss_of(values, position=position):
            trial = [c.detach() for c in coeffs]
            trial[position] = torch.from_numpy(values)
            return reference.calc_loss(trial, X, y).item()

        numeric = reference.numerical_gradient(loss_of, coefficient.detach().numpy().copy())
        relative = np.abs(numeric - coefficient.grad.numpy()).max() / np.abs(coefficient.grad.numpy()).max()
        assert relative < 1e-6


def test_notebook_04_gradient_check_passes_for_every_coefficient():
    passed = printed("04_gradient_descent", r"(W1|b1|W2|b2): relative error \S+ \(below 1e-6: True\)")
    assert passed == ["W1", "b1", "W2", "b2"]
