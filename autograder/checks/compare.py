"""Compare what a learner's function returned with what the reference returned.

`compare` answers None when the two agree and otherwise a `Difference`: what is
wrong, the expected and actual values as a learner should see them, and a hint
when the kind of difference suggests one. The numerical helpers are captured at
import time, so a notebook that replaces `np.allclose` or `np.isclose` changes
nothing here.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import torch

from autograder.checks.values import describe, show, show_index, type_name

_abs, _isfinite, _isnan, _argwhere = np.abs, np.isfinite, np.isnan, np.argwhere
_asarray, _logical_and, _logical_or = np.asarray, np.logical_and, np.logical_or
_count_nonzero, _signbit = np.count_nonzero, np.signbit
_ndarray, _Tensor, _generic = np.ndarray, torch.Tensor, np.generic


@dataclass(frozen=True)
class Tolerance:
    """Two numbers agree when |got - expected| <= atol + rtol * |expected|."""

    rtol: float
    atol: float

    def __str__(self) -> str:
        return f"rtol={self.rtol:g}, atol={self.atol:g}"


FLOAT64 = Tolerance(rtol=1e-7, atol=1e-8)  # NumPy exercises computed in float64
FLOAT32 = Tolerance(rtol=1e-5, atol=1e-6)  # PyTorch exercises computed in float32


@dataclass(frozen=True)
class Difference:
    """How a learner's result differs from the expected one."""

    problem: str  # completes "<function> ...", e.g. "returned an array of the wrong shape"
    expected: str
    got: str
    detail: str = ""  # one more line, e.g. where the first wrong element is
    hint: str = ""  # advice that follows from this kind of difference alone
    part: str = ""  # which part of a result differs ('b', "['W1']"), when the result has parts

    def about(self, part: str) -> Difference:
        """The same difference, said of one part of a result ('W', 'the bias')."""
        if self.problem.startswith("returned the wrong value"):
            problem = f"{self.problem} for {part}"
        elif self.problem.startswith(("returned nan", "returned inf")):
            problem = f"{self.problem} in {part}"
        elif self.problem.startswith("returned a"):
            problem = self.problem.replace("returned ", f"returned {part} as ", 1)
        else:
            problem = f"{self.problem} ({part})"
        return Difference(problem, self.expected, self.got, self.detail, self.hint, f"{part} / {self.part}" if self.part else part)


def compare(got: Any, expected: Any, tolerance: Tolerance, names: tuple[str, ...] = (), inputs: frozenset = frozenset()) -> Difference | None:
    """None when `got` matches `expected` within `tolerance`, else how it differs.

    `names` names the values of a tuple result ("W", "b") for the message; `inputs` holds the
    dtypes of the case's inputs ("float32"), so that a hint about dtypes says what they really are.
    """
    if isinstance(expected, _ndarray):
        return _compare_arrays(got, expected, tolerance, inputs=inputs)
    if isinstance(expected, _Tensor):
        return _compare_tensors(got, expected, tolerance, inputs)
    if isinstance(expected, (tuple, list)):
        return _compare_sequences(got, expected, tolerance, names, inputs)
    if isinstance(expected, dict):
        return _compare_mappings(got, expected, tolerance, inputs)
    if isinstance(expected, (bool, np.bool_, str)) or expected is None:
        return _compare_exactly(got, expected)
    if isinstance(expected, (int, float, _generic)):
        return _compare_numbers(got, expected, tolerance)
    return _compare_exactly(got, expected)


def _compare_exactly(got: Any, expected: Any) -> Difference | None:
    if isinstance(expected, (bool, np.bool_)) and isinstance(got, (bool, np.bool_)):
        got, expected = bool(got), bool(expected)
    if type(got) is type(expected) and got == expected:
        return None
    return Difference("returned the wrong value", show(expected), show(got))


def _compare_numbers(got: Any, expected: Any, tolerance: Tolerance) -> Difference | None:
    if isinstance(got, _ndarray) and got.ndim == 0:
        got = got[()]
    if isinstance(got, (bool, np.bool_)) or not isinstance(got, (int, float, _generic)):
        return _wrong_type(got, f"a number ({type_name(expected)})")
    try:
        got = float(got)  # for a single number, its value matters, not how it is stored
    except (TypeError, ValueError):
        return _wrong_type(got, f"a number ({type_name(expected)})")
    return _compare_arrays(_asarray(got), _asarray(float(expected)), tolerance, scalar=True)


def _compare_sequences(got: Any, expected: tuple | list, tolerance: Tolerance, names: tuple[str, ...], inputs: frozenset) -> Difference | None:
    if not isinstance(got, (tuple, list)):
        listing = f" ({', '.join(names)})" if names else ""
        return _wrong_type(got, f"a {type_name(expected)} of {len(expected)} values{listing}")
    if len(got) != len(expected):
        return Difference(
            f"returned {len(got)} values instead of {len(expected)}",
            f"a {type_name(expected)} of {len(expected)} values",
            f"a {type_name(got)} of {len(got)} values",
        )
    for position, (got_item, expected_item) in enumerate(zip(got, expected)):
        difference = compare(got_item, expected_item, tolerance, inputs=inputs)
        if difference is not None:
            return difference.about(names[position] if position < len(names) else f"value number {position + 1}")
    return None


def _compare_mappings(got: Any, expected: dict, tolerance: Tolerance, inputs: frozenset) -> Difference | None:
    if not isinstance(got, dict):
        return _wrong_type(got, "a dict")
    if set(got) != set(expected):
        return Difference("returned a dict with the wrong keys", show(sorted(expected)), show(sorted(got)))
    for key, expected_item in expected.items():
        difference = compare(got[key], expected_item, tolerance, inputs=inputs)
        if difference is not None:
            return difference.about(str(key))
    return None


def _compare_tensors(got: Any, expected: torch.Tensor, tolerance: Tolerance, inputs: frozenset) -> Difference | None:
    if not isinstance(got, _Tensor):
        hint = "This exercise works in PyTorch: keep the values in torch tensors." if isinstance(got, _ndarray) else ""
        return _wrong_type(got, "a torch.Tensor", hint)
    if got.dtype != expected.dtype:
        wanted = dtype_name(expected.dtype)
        return Difference(
            f"returned a tensor of dtype {dtype_name(got.dtype)}",
            describe(expected),
            describe(got),
            hint=f"Keep the inputs' dtype, {wanted}." if wanted in inputs else f"The result should be a {wanted} tensor.",
        )
    if expected.requires_grad and not got.requires_grad:
        return Difference(
            "returned a tensor cut off from the coefficients (it does not require grad)",
            "a tensor computed from the coefficients, so that .backward() reaches them",
            describe(got),
            hint="Compute it with torch operations on the coefficients, without .detach(), .item(), NumPy or torch.no_grad().",
        )
    return _compare_arrays(got.detach().cpu().numpy(), expected.detach().cpu().numpy(), tolerance, inputs=inputs)


def _compare_arrays(got: Any, expected: np.ndarray, tolerance: Tolerance, scalar: bool = False, inputs: frozenset = frozenset()) -> Difference | None:
    if isinstance(got, _generic) or (isinstance(got, (int, float)) and not isinstance(got, bool)):
        got = _asarray(got)
    scalar = scalar or expected.ndim == 0
    if expected.dtype.kind == "f" and expected.dtype.itemsize < 8:
        tolerance = Tolerance(max(tolerance.rtol, FLOAT32.rtol), max(tolerance.atol, FLOAT32.atol))
    if not isinstance(got, _ndarray):
        hint = ""
        if isinstance(got, _Tensor):
            hint = "This exercise works in NumPy: use NumPy operations on the arrays you are given."
        elif isinstance(got, (list, tuple)):
            hint = "Compute with NumPy operations on whole arrays, or convert with np.array(...)."
        return _wrong_type(got, describe(expected), hint)
    return (
        _compare_shapes(got, expected)
        or _compare_dtypes(got, expected, inputs)
        or _compare_finiteness(got, expected, scalar)
        or _compare_elements(got, expected, tolerance, scalar)
    )


def dtype_name(dtype: Any) -> str:
    """A NumPy or PyTorch dtype as a learner reads it: "float32"."""
    return str(dtype).replace("torch.", "")


def dtypes_of(values: Any) -> frozenset:
    """The dtypes of the arrays and tensors among `values` (and inside their lists, tuples and dicts)."""
    if isinstance(values, (_ndarray, _Tensor)):
        return frozenset({dtype_name(values.dtype)})
    if isinstance(values, dict):
        values = list(values.values())
    if isinstance(values, (list, tuple)):
        return frozenset().union(*(dtypes_of(value) for value in values))
    return frozenset()


def _wrong_type(got: Any, wanted: str, hint: str = "") -> Difference:
    if got is None:
        return Difference("returned None", wanted, "None", hint="Did you forget the `return` statement?")
    return Difference(f"returned a {type_name(got)}", wanted, describe(got), hint=hint)


def _compare_shapes(got: np.ndarray, expected: np.ndarray) -> Difference | None:
    if got.shape == expected.shape:
        return None
    hint = ""
    if got.ndim == 2 and got.shape == expected.shape[::-1]:
        hint = "Your result is the transpose of the expected one: its rows and columns are swapped."
    elif got.shape == expected.shape + (1,):
        hint = f"Your result has an extra axis of length 1: return shape {expected.shape}, not {got.shape}."
    elif expected.shape == got.shape + (1,):
        hint = f"The expected result keeps an axis of length 1: return shape {expected.shape}, not {got.shape}."
    elif got.ndim < expected.ndim:
        hint = "Your result has fewer axes than expected: did you sum or average over an axis you should keep?"
    elif got.size == expected.size:
        hint = "You have the right number of elements in the wrong shape: check your reshape."
    return Difference(
        f"returned an array of shape {got.shape}",
        describe(expected),
        describe(got),
        hint=hint or f"The result should have shape {expected.shape}.",
    )


def _compare_dtypes(got: np.ndarray, expected: np.ndarray, inputs: frozenset) -> Difference | None:
    wanted, actual = expected.dtype, got.dtype
    if wanted == actual or (wanted.kind in "iu" and actual.kind in "iu" and wanted.itemsize > 1):
        return None  # any integer type will do for whole numbers, but bytes (pixels) stay bytes
    if wanted.kind == "f" and actual.kind in "iub":
        hint = (
            "The result must be floating point. An array made with np.zeros_like(x) or np.empty_like(x) "
            "from integer input keeps the integer dtype; pass dtype=float."
        )
    elif wanted.kind == "f" and actual.kind == "f" and actual.itemsize > wanted.itemsize and str(wanted) in inputs:
        hint = (
            f"Keep the input's dtype, {wanted}: build the result from x (np.zeros_like(x) rather than np.zeros(shape)), "
            "or convert back at the end with .astype(x.dtype)."
        )
    elif wanted.kind == "f" and actual.kind == "f" and actual.itemsize > wanted.itemsize:
        hint = f"The result should be {wanted}, the dtype of the values it is computed from, not {actual}."
    elif wanted.kind == "f" and actual.kind == "f":
        hint = f"Compute in {wanted}: converting through float32 (or torch) loses precision."
    elif wanted.kind in "iu" and actual.kind == "f":
        hint = f"The result should be whole numbers of dtype {wanted}: converting (.astype(float)) or dividing turns them into floats."
    else:
        hint = f"The result should have dtype {wanted}."
    return Difference(f"returned an array of dtype {actual}", describe(expected), describe(got), hint=hint)


def _compare_finiteness(got: np.ndarray, expected: np.ndarray, scalar: bool) -> Difference | None:
    if got.dtype.kind != "f":
        return None
    bad = _logical_and(~_isfinite(got), _isfinite(expected))
    if not bad.any():
        return None
    index = tuple(_argwhere(bad)[0])
    value = got[index]
    what = "nan" if _isnan(value) else "inf"
    where = "" if scalar else f" at index {show_index(index)} ({_count_nonzero(bad)} of {got.size} elements)"
    return Difference(
        f"returned {what}",
        show(expected),
        show(got),
        detail=f"{what}{where} where a finite value was expected: {show(expected[index])}.",
        hint="nan and inf usually come from np.exp of a large number (overflow) or from log(0).",
    )


def _compare_elements(got: np.ndarray, expected: np.ndarray, tolerance: Tolerance, scalar: bool) -> Difference | None:
    if got.dtype.kind not in "fc" and expected.dtype.kind not in "fc":
        wrong = got != expected
    else:
        got_f, expected_f = got.astype(float), expected.astype(float)
        with np.errstate(invalid="ignore", over="ignore"):
            close = _logical_and(
                _isfinite(expected_f), _abs(got_f - expected_f) <= tolerance.atol + tolerance.rtol * _abs(expected_f)
            )
        same_special = _logical_or(
            _logical_and(_isnan(got_f), _isnan(expected_f)),
            _logical_and(got_f == expected_f, _signbit(got_f) == _signbit(expected_f)),
        )
        wrong = ~_logical_or(close, same_special)
    if not wrong.any():
        return None
    index = tuple(_argwhere(wrong)[0])
    wanted, actual, hint = show(expected[index]), show(got[index]), ""
    if wanted == actual:  # too close to tell apart at six digits: show them whole, with the relative error
        wanted, actual = repr(float(expected[index])), repr(float(got[index]))
        relative = abs(float(got[index]) - float(expected[index])) / max(abs(float(expected[index])), 1e-300)
        actual += f" (relative error {relative:.1e})"
        if relative < 1e-5 and expected.dtype == np.float64:
            hint = "A difference this small is float32 rounding: keep the whole computation in float64 (no float32 arrays or torch tensors)."
    if scalar:
        detail = f"expected {wanted}, got {actual}; tolerance: {tolerance}." if hint else f"tolerance: {tolerance}."
    else:
        detail = (
            f"first difference at index {show_index(index)}: expected {wanted}, "
            f"got {actual}; {_count_nonzero(wrong)} of {got.size} elements differ beyond {tolerance}."
        )
    return Difference("returned the wrong value" if scalar else "returned the wrong values", show(expected), show(got), detail, hint)
