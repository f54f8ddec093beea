"""What a check tells a learner: the case, its inputs, expected and actual values, and a hint.

These tests use notebook 01's checks as the example; every check shares the
machinery (autograder/checks/check.py, compare.py, observe.py).
"""

import numpy as np
import pytest
import torch

from autograder.checks import gradient_descent
from autograder.checks import single_neuron as check
from autograder.checks.feedback import CheckFailed, render
from autograder.checks.verdict import FAILED


def failure_of(exercise, function, **options):
    with pytest.raises(CheckFailed) as failure:
        exercise(function, **options)
    return str(failure.value)


def test_success_prints_one_short_line(capsys):
    check.linear_unit(lambda X, w, b: X @ w + b)
    assert capsys.readouterr().out == "✔ linear_unit: correct on all 10 cases.\n"


def test_failure_names_the_case_its_inputs_expected_got_and_a_hint():
    message = failure_of(check.linear_unit, lambda X, w, b: X @ w + 2 * b)
    assert message.splitlines()[0] == "linear_unit returned the wrong values on the case 'one input, one example':"
    for line in ["    X = [[2.]]", "    w = [3.]", "    b = 1.0", "  expected: [7.]", "  got:      [8.]"]:
        assert line in message.splitlines()
    assert "first difference at index [0]: expected 7.0, got 8.0" in message
    assert "rtol=1e-07, atol=1e-08" in message
    assert message.splitlines()[-1].startswith("Hint: ")


def test_wrong_shape_is_named_with_both_shapes():
    message = failure_of(check.linear_unit, lambda X, w, b: (X @ w + b)[:, None])
    assert "returned an array of shape (1, 1)" in message
    assert "expected: np.ndarray of shape (1,), float64" in message
    assert "extra axis of length 1" in message


def test_wrong_dtype_is_named():
    message = failure_of(check.linear_unit, lambda X, w, b: (X @ w + b).astype(np.float32))
    assert "returned an array of dtype float32" in message and "float64" in message


def test_nan_is_named_with_its_position():
    message = failure_of(check.linear_unit, lambda X, w, b: np.where(X[:, 0] > 1, np.nan, X @ w + b))
    assert "returned nan" in message and "at index [0]" in message


def test_none_and_wrong_types_are_named():
    assert "Did you forget the `return` statement?" in failure_of(check.linear_unit, lambda X, w, b: None)
    message = failure_of(check.linear_unit, lambda X, w, b: torch.tensor(X @ w + b))
    assert "returned a torch.Tensor" in message and "works in NumPy" in message
    assert "returned a list" in failure_of(check.linear_unit, lambda X, w, b: list(X @ w + b))


def test_changing_an_input_in_place_is_caught():
    def doubles_X_in_place(X, w, b):
        X *= 2
        return X @ w / 2 + b

    assert "changed its input X in place" in failure_of(check.linear_unit, doubles_X_in_place)


def test_learner_exception_is_explained_with_their_line():
    def divides_by_zero(X, w, b):
        scale = 0
        return X @ w / scale + b if scale else 1 / scale

    message = failure_of(check.linear_unit, divides_by_zero)
    assert "linear_unit raised ZeroDivisionError" in message
    assert "at line" in message and "1 / scale" in message
    assert "Traceback" not in message and "autograder" not in message


def test_an_unfinished_helper_is_named_rather_than_the_function_checked():
    exec("def weighted_sum(X, w):\n    raise NotImplementedError()\n\ndef linear_unit(X, w, b):\n    return weighted_sum(X, w) + b", namespace := {})
    verdict = check.linear_unit.verdict(namespace["linear_unit"])
    assert verdict.status == FAILED
    assert verdict.headline == "linear_unit calls weighted_sum, which is not written yet (it raises NotImplementedError)."
    assert verdict.message.endswith("Hint: write weighted_sum first, run its cell, then this one.")


CALC_LOSS = "def calc_loss(coeffs, X, y):\n    return F.binary_cross_entropy(calc_preds(coeffs, X), y)"


def test_an_exercise_it_uses_is_the_learners_own_and_named_when_wrong():
    exec(f"def calc_preds(coeffs, X):\n    raise NotImplementedError()\n\n{CALC_LOSS}", unfinished := {"F": torch.nn.functional})
    verdict = gradient_descent.calc_loss.verdict(unfinished["calc_loss"])
    assert verdict.headline == "calc_loss calls calc_preds, which is not written yet (it raises NotImplementedError)."
    exec(f"def calc_preds(coeffs, X):\n    W1, b1, W2, b2 = coeffs\n    return torch.sigmoid(X @ W1 @ W2 + b2)[:, 0]\n\n{CALC_LOSS}",
         wrong := {"F": torch.nn.functional, "torch": torch})
    verdict = gradient_descent.calc_loss.verdict(wrong["calc_loss"])
    assert not verdict.passed and verdict.message.endswith(
        "Hint: calc_loss calls your calc_preds, which does not pass its own check yet (calc_preds returned the wrong values): "
        "fix calc_preds first (Exercise 3), then run this check again.")


def test_when_graded_an_exercise_it_uses_is_replaced_by_its_reference(monkeypatch):
    monkeypatch.setenv("NBGRADER_EXECUTION", "autograde")
    exec(f"def calc_preds(coeffs, X):\n    raise NotImplementedError()\n\n{CALC_LOSS}", namespace := {"F": torch.nn.functional})
    assert gradient_descent.calc_loss.verdict(namespace["calc_loss"]).passed


def test_passing_the_result_instead_of_the_function_is_explained():
    message = failure_of(check.linear_unit, np.zeros(3))
    assert "needs your function itself" in message and "check.linear_unit(linear_unit)" in message


def test_calling_the_check_without_the_function_is_explained():
    assert "needs your function itself, but was given None" in failure_of(check.linear_unit, None)


def test_interrupting_an_endless_function_gives_feedback_not_a_traceback():
    def never_finishes(X, w, b):
        raise KeyboardInterrupt  # what pressing the stop button does inside a loop that never ends

    message = failure_of(check.linear_unit, never_finishes)
    assert message.startswith("linear_unit was interrupted before it finished on the case 'one input, one example'")
    assert "raise KeyboardInterrupt" in message and "a loop whose condition never becomes false" in message


def test_hidden_cases_are_other_cases():
    visible = {case.name for case in check.linear_unit.cases()}
    hidden = {case.name for case in check.linear_unit.cases(hidden=True)}
    assert hidden and not visible & hidden


def test_replacing_comparison_functions_changes_no_verdict(monkeypatch, capsys):
    always_true = lambda *args, **kwargs: True  # noqa: E731
    for module, name in [(np, "allclose"), (np, "isclose"), (np, "array_equal"), (torch, "allclose"), (torch, "equal")]:
        monkeypatch.setattr(module, name, always_true)
    monkeypatch.setattr(np, "abs", lambda x: x * 0)
    monkeypatch.setattr(np.testing, "assert_allclose", lambda *args, **kwargs: None)
    assert "leave out the bias" in failure_of(check.linear_unit, lambda X, w, b: X @ w)
    check.linear_unit(lambda X, w, b: X @ w + b)
    assert capsys.readouterr().out.startswith("✔")


def test_rendered_failure_is_a_short_coloured_block():
    lines = render("linear_unit returned the wrong values on the case 'x':\n  expected: 1\nHint: add b.")
    assert lines[0] == "\x1b[1;31m✘ linear_unit returned the wrong values on the case 'x':\x1b[0m"
    assert lines[-1] == "\x1b[1mHint:\x1b[0m add b."
