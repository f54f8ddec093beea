"""What several exercises' checks hand to a learner's function or read from what it did.

Models and loaders that describe themselves in one line in a message, known
seeded weights, generators that show how to make them again, and helpers that
turn tensors into arrays for comparing. Nothing here computes an exercise's
answer.
"""

from __future__ import annotations

import contextlib
import warnings
from typing import Any, Iterator

import numpy as np
import torch
from torch import nn


def as_arrays(value: Any) -> Any:
    """Tensors and arrays, alone or in tuples, lists and dicts, as NumPy copies (detached from any graph)."""
    if isinstance(value, torch.Tensor):
        return value.detach().numpy().copy()
    if isinstance(value, np.ndarray):
        return value.copy()
    if isinstance(value, dict):
        return {str(key): as_arrays(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [as_arrays(item) for item in value]
    return np.array(value, copy=True)


def as_numbers(values: Any) -> np.ndarray:
    """A list of numbers (Python, NumPy, or one-element tensors, even ones that require grad) as a float array."""
    return np.array([float(value.detach()) if isinstance(value, torch.Tensor) else float(value) for value in values])


def same_arrays(first: Any, second: Any) -> bool:
    """Whether two results of `as_arrays` hold exactly the same values."""
    if isinstance(first, dict) and isinstance(second, dict):
        return first.keys() == second.keys() and all(np.array_equal(first[key], second[key]) for key in first)
    return len(first) == len(second) and all(np.array_equal(a, b) for a, b in zip(first, second))


@contextlib.contextmanager
def quietly() -> Iterator[None]:
    """Silence NumPy's floating-point warnings (a diverging training run takes log(0)) while a check reads."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        yield


def examples(count: int) -> str:
    return f"{count} example{'s' * (count != 1)}"


def seeded(seed: int, build):
    """What `build()` makes with torch's global random numbers seeded, leaving the notebook's random state as it was."""
    with torch.random.fork_rng(devices=[]):
        torch.manual_seed(seed)
        return build()


def set_weights(model: nn.Module, seed: int, scale: float = 1.0) -> nn.Module:
    """Known, seeded weights for every linear and batch-norm layer, and running statistics that are not the defaults."""
    generator = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for module in model.modules():
            if isinstance(module, nn.Linear):
                module.weight.copy_(torch.randn(module.weight.shape, generator=generator) * scale)
                if module.bias is not None:
                    module.bias.copy_(torch.randn(module.bias.shape, generator=generator) * scale)
            elif isinstance(module, nn.BatchNorm1d):
                module.weight.copy_(1 + 0.3 * torch.randn(module.weight.shape, generator=generator))
                module.bias.copy_(0.3 * torch.randn(module.bias.shape, generator=generator))
                module.running_mean.copy_(torch.randn(module.running_mean.shape, generator=generator))
                module.running_var.copy_(0.5 + torch.rand(module.running_var.shape, generator=generator))
    return model


def state(model: nn.Module) -> dict[str, np.ndarray]:
    """A model's parameters and buffers, as NumPy copies."""
    return {name: tensor.detach().numpy().copy() for name, tensor in model.state_dict().items()}


def mode(model: nn.Module) -> str:
    return "training" if model.training else "evaluation"


class Net(nn.Sequential):
    """A model a case hands to the learner's function: an nn.Sequential that a message describes in one line."""

    def __init__(self, description: str, *layers: nn.Module):
        super().__init__(*layers)
        self.description = description

    def __repr__(self) -> str:
        return f"{self.description} (in {mode(self)} mode)"


class ForwardLog(nn.Module):
    """Passes its input on unchanged, noting for each forward pass the mode, whether gradients are on, and the rows."""

    def __init__(self):
        super().__init__()
        self.passes: list[tuple[bool, bool, list[float]]] = []

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        self.passes.append((self.training, torch.is_grad_enabled(), x[:, 0].detach().tolist()))
        return x

    def extra_repr(self) -> str:
        return "notes how each forward pass runs"


def forward_passes(model: nn.Module) -> list:
    """Every forward pass the model's ForwardLog noted: [training, gradients on, first column of the rows]."""
    return [[training, grad, rows] for log in model.modules() if isinstance(log, ForwardLog) for training, grad, rows in log.passes]


class SeededGenerator(np.random.Generator):
    """np.random.default_rng(seed), shown in messages as the call that makes it, so a learner can repeat a case."""

    def __init__(self, seed: int):
        super().__init__(np.random.PCG64(seed))
        self.seed = seed

    def __repr__(self) -> str:
        return f"np.random.default_rng({self.seed})"

    def __deepcopy__(self, memo: dict) -> SeededGenerator:
        return resumed_generator(self.seed, self.bit_generator.state)

    def __reduce__(self) -> tuple:
        return resumed_generator, (self.seed, self.bit_generator.state)


def resumed_generator(seed: int, state: dict) -> SeededGenerator:
    """np.random.default_rng(seed), at the point of its draws that `state` records."""
    generator = SeededGenerator(seed)
    generator.bit_generator.state = state
    return generator


class Batches(list):
    """A loader made of a list of (X, y) batches, as notebook 06 uses for small data."""

    def __repr__(self) -> str:
        sizes = [len(X) for X, _ in self]
        listed = ", ".join(map(str, sizes[:-1])) + f" and {sizes[-1]}" if len(sizes) > 1 else str(sizes[0])
        return f"a list of {len(sizes)} batch{'es' * (len(sizes) != 1)} (X, y) of {listed} example{'s' * (sizes != [1])}"


class SGD(torch.optim.SGD):
    """torch.optim.SGD, shown in messages as the call that makes it."""

    def __repr__(self) -> str:
        group = self.param_groups[0]
        return f"torch.optim.SGD(model.parameters(), lr={group['lr']}, momentum={group['momentum']})"


class Adam(torch.optim.Adam):
    """torch.optim.Adam, shown in messages as the call that makes it."""

    def __repr__(self) -> str:
        return f"torch.optim.Adam(model.parameters(), lr={self.param_groups[0]['lr']})"


class NotingLoss(nn.Module):
    """A loss function that also notes, at each call, whether the prediction it receives carries a graph."""

    def __init__(self, loss: nn.Module):
        super().__init__()
        self.loss = loss
        self.graph_built: list[bool] = []

    def forward(self, prediction: torch.Tensor, target: torch.Tensor) -> torch.Tensor:
        self.graph_built.append(bool(prediction.requires_grad))
        return self.loss(prediction, target)

    def __repr__(self) -> str:
        return repr(self.loss)
