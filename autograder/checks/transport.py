"""Carry a check's observations out of a learner's kernel, as data that cannot run code.

Under the course's grader a test cell does not judge anything: it records what
the learner's function did (its `Observation` on every case) and prints it as
one report line (see `sealed.report`). The grader, in its own process, reads
the line back and judges it (see autograder.instructor.judging). The line holds
JSON and NumPy's own array format, read back with `allow_pickle=False`, so a
report can carry wrong values but never code; anything that is not plain data
arrives as an `Opaque` placeholder that no check accepts.
"""

from __future__ import annotations

import base64
import io
import json
import math
import zlib
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import torch

from autograder.checks.observe import LearnerError, Observation, Readings

MARKER = "##autograder-report## "
MAX_REPORT_BYTES = 20 * 2**20  # a report larger than this is rejected unread


@dataclass(frozen=True)
class Opaque:
    """Something a learner's function returned that is not plain data (a generator, a module...)."""

    type_name: str
    text: str

    def __repr__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Report:
    """What one call of a check in a learner's kernel observed."""

    check: str
    hidden: bool
    case_names: tuple[str, ...]
    observations: tuple[Observation, ...] | None  # None: the check was not given a function
    facts: dict = field(default_factory=dict)  # what the check read from the function itself (see check.Facts)


def report_line(report: Report) -> str:
    """The one line a check prints to hand its report to the grader."""
    document = {
        "check": report.check,
        "hidden": report.hidden,
        "cases": list(report.case_names),
        "observations": None if report.observations is None else [encode_observation(o) for o in report.observations],
        "facts": report.facts,
    }
    packed = base64.b64encode(zlib.compress(json.dumps(document, allow_nan=False).encode())).decode()
    return MARKER + packed


def read_report(line: str) -> Report:
    """The report in a line printed by `report_line`; ValueError if it is not one."""
    if not line.startswith(MARKER):
        raise ValueError("not a report line")
    packed = line[len(MARKER) :].strip()
    if len(packed) > MAX_REPORT_BYTES:
        raise ValueError("report too large")
    try:
        decompressor = zlib.decompressobj()
        raw = decompressor.decompress(base64.b64decode(packed, validate=True), MAX_REPORT_BYTES)
        if decompressor.unconsumed_tail:
            raise ValueError("report too large")
        document = json.loads(raw)
        observations = document["observations"]
        return Report(
            check=str(document["check"]),
            hidden=bool(document["hidden"]),
            case_names=tuple(str(name) for name in document["cases"]),
            observations=None if observations is None else tuple(decode_observation(o) for o in observations),
            facts=dict(document.get("facts", {})),
        )
    except (KeyError, TypeError, ValueError, RecursionError, zlib.error) as error:
        raise ValueError(f"unreadable report: {error}") from None


def encode_observation(observation: Observation) -> dict:
    """A JSON-ready form of an observation: its result, error, changed inputs and warnings."""
    return {
        "result": encode(observation.result),
        "error": encode(observation.error),
        "mutated": list(observation.mutated),
        "warnings": list(observation.warnings),
    }


def decode_observation(document: dict) -> Observation:
    """The observation `encode_observation` made `document` from."""
    error = decode(document["error"])
    return Observation(
        result=decode(document["result"]),
        error=error if isinstance(error, LearnerError) else None,
        mutated=tuple(str(name) for name in document["mutated"]),
        warnings=tuple(str(warning) for warning in document["warnings"]),
    )


def encode(value: Any) -> Any:
    """A JSON-ready form of a value made of numbers, strings, arrays, tensors and containers."""
    if isinstance(value, np.generic):
        return {"scalar": _encode_array(np.asarray(value))}
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else {"float": repr(value)}
    if isinstance(value, np.ndarray) and not value.dtype.hasobject:
        return {"array": _encode_array(value)}
    if isinstance(value, torch.Tensor):
        detached = value.detach().cpu()
        dtype = str(detached.dtype).replace("torch.", "")
        if detached.dtype == torch.bfloat16:
            detached = detached.float()
        return {"tensor": _encode_array(detached.numpy()), "dtype": dtype, "requires_grad": value.requires_grad}
    if isinstance(value, LearnerError):
        return {"error": [value.type_name, value.message, value.line, value.when, value.function]}
    if isinstance(value, (list, tuple)):
        return {"list" if isinstance(value, list) else "tuple": [encode(item) for item in value]}
    if isinstance(value, dict) and all(isinstance(key, str) for key in value):
        return {"dict": [[key, encode(item)] for key, item in value.items()], "kind": type(value).__name__}
    return {"opaque": [type(value).__name__, _short_repr(value)]}


def decode(document: Any) -> Any:
    """The value `encode` made `document` from (containers and arrays rebuilt, nothing executed)."""
    if document is None or isinstance(document, (bool, int, float, str)):
        return document
    if not isinstance(document, dict) or len(document) == 0:
        raise ValueError("malformed value")
    if "float" in document:
        return float(document["float"])
    if "scalar" in document:
        return _decode_array(document["scalar"])[()]
    if "array" in document:
        return _decode_array(document["array"])
    if "tensor" in document:
        array = _decode_array(document["tensor"])
        tensor = torch.from_numpy(array.copy()).to(getattr(torch, str(document["dtype"]), torch.float32))
        return tensor.requires_grad_() if bool(document["requires_grad"]) and tensor.is_floating_point() else tensor
    if "error" in document:
        type_name, message, line, when, function = (str(part) for part in document["error"])
        return LearnerError(type_name, message, line, when, function)
    if "list" in document:
        return [decode(item) for item in document["list"]]
    if "tuple" in document:
        return tuple(decode(item) for item in document["tuple"])
    if "dict" in document:
        items = {str(key): decode(item) for key, item in document["dict"]}
        return Readings(items) if document.get("kind") == "Readings" else items
    if "opaque" in document:
        type_name, text = document["opaque"]
        return Opaque(str(type_name), str(text))
    raise ValueError("malformed value")


def _encode_array(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode()


def _decode_array(text: str) -> np.ndarray:
    return np.load(io.BytesIO(base64.b64decode(text, validate=True)), allow_pickle=False)


def _short_repr(value: Any) -> str:
    try:
        text = repr(value)
    except Exception:  # a learner's object whose repr fails is still reported
        text = f"<{type(value).__name__}>"
    return text if len(text) <= 200 else text[:197] + "..."
