"""Describe values for feedback: short, readable, and the same for every check."""

from __future__ import annotations

import numpy as np
import torch

from autograder.checks.transport import Opaque

SHOWN_ELEMENTS = 12  # arrays up to this size are quoted in full; larger ones are summarised
_array2string = np.array2string  # captured at import, before any learner code can replace it


def type_name(value: object) -> str:
    """The name a learner would recognise: 'np.ndarray', 'torch.Tensor', 'list', 'None'."""
    if value is None:
        return "None"
    if isinstance(value, Opaque):
        return value.type_name
    if isinstance(value, np.ndarray):
        return "np.ndarray"
    if isinstance(value, torch.Tensor):
        return "torch.Tensor"
    if isinstance(value, np.generic):
        return f"np.{type(value).__name__}"
    return type(value).__name__


def describe(value: object) -> str:
    """One line: the type, and for arrays the shape and dtype."""
    if isinstance(value, (np.ndarray, torch.Tensor)):
        dtype = str(value.dtype).replace("torch.", "")
        return f"{type_name(value)} of shape {tuple(value.shape)}, {dtype}"
    return type_name(value)


def show(value: object) -> str:
    """The value itself when it is small enough to read, otherwise its description."""
    if isinstance(value, torch.Tensor):
        if value.numel() > SHOWN_ELEMENTS or value.ndim > 2:
            return describe(value)
        value = value.detach().cpu().numpy()
    if isinstance(value, np.ndarray) and value.ndim == 0:
        value = value[()]
    if isinstance(value, np.ndarray):
        if value.size > SHOWN_ELEMENTS or value.ndim > 2:
            return describe(value)
        return _array2string(value, precision=6, floatmode="maxprec", threshold=SHOWN_ELEMENTS + 1)
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float):
        text = f"{value + 0.0:.6g}"  # + 0.0 shows -0.0 as 0.0
        return text + ".0" if text.lstrip("-").isdigit() else text
    if callable(value) and hasattr(value, "__name__") and not isinstance(value, type):
        summary = (value.__doc__ or "").strip().splitlines()
        return f"{value.__name__}, where {summary[0]}" if summary else value.__name__
    if isinstance(value, (list, tuple)) and value and all(isinstance(item, (np.ndarray, torch.Tensor)) for item in value):
        opening, closing = ("(", ")") if isinstance(value, tuple) else ("[", "]")
        return opening + "; ".join(describe(item) for item in value) + closing
    if isinstance(value, dict) and value and all(isinstance(item, (np.ndarray, torch.Tensor)) for item in value.values()):
        return "{" + ", ".join(f"{key!r}: {describe(item)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)) and len(value) > SHOWN_ELEMENTS:
        return f"{type_name(value)} of length {len(value)}"
    text = repr(value)
    return text if len(text) <= 120 else f"{type_name(value)} ({len(text)} characters)"


def show_index(index: tuple[int, ...]) -> str:
    """An element's index as a learner would type it: [1, 2]."""
    return "[" + ", ".join(str(int(i)) for i in index) + "]"
