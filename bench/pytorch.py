"""PyTorch on every workload: S1 batched in float64, S2 and S4 on 0-d float64 tensors, and the
Tensor workloads T1-T4 as idiomatic CPU PyTorch (addmm per layer, as nn.Linear runs)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from bench.case import Case, sgd_case
from bench.data import Layers
from bench.systems import require


def scalar_mlp_case(layers: Layers, points: np.ndarray, labels: np.ndarray, lr: float, alpha: float) -> Case:
    """S1 as one batched float64 MLP with hinge loss + L2, one SGD step."""
    torch = require("torch")
    y = torch.from_numpy(labels)

    def hinge(scores: Any, params: list[Any]) -> Any:
        return torch.relu(1.0 - y * scores[:, 0]).mean() + alpha * sum((p * p).sum() for p in params)

    return sgd_mlp_case(layers, "relu", points, hinge, lr)


def chain_case(n: int, x0: float) -> Case:
    """S2: n steps of x -> tanh(1.0001 x + 0.1) on a 0-d tensor, backward, d(final)/d(x0)."""
    torch = require("torch")
    result: dict[str, float] = {}

    def step() -> None:
        start = x = torch.tensor(x0, dtype=torch.float64, requires_grad=True)
        for _ in range(n):
            x = torch.tanh(x * 1.0001 + 0.1)
        x.backward()
        result.update(final=x.item(), grad=start.grad.item())

    return Case(step=step, state=lambda: dict(result))


def beans_case(xs: list[float], ys: list[float], w0: float, b0: float, epochs: int, lr: float) -> Case:
    """S4: per-sample SGD of sigmoid(w x + b) on (y - a)^2 with 0-d float64 tensors."""
    torch = require("torch")
    result: dict[str, float] = {}

    def step() -> None:
        w = torch.tensor(w0, dtype=torch.float64, requires_grad=True)
        b = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
        for _ in range(epochs):
            for x, y in zip(xs, ys):
                loss = (y - torch.sigmoid(w * x + b)) ** 2
                w.grad = None
                b.grad = None
                loss.backward()
                with torch.no_grad():
                    w -= lr * w.grad
                    b -= lr * b.grad
        result.update(w=w.item(), b=b.item())

    return Case(step=step, state=lambda: dict(result))


def sgd_mlp_case(layers: Layers, activation: str, x: np.ndarray, loss_of_logits: Callable[[Any, list[Any]], Any],
                   lr: float) -> Case:
    """A torch MLP step: addmm per layer (what nn.Linear runs), a loss, SGD under no_grad."""
    torch = require("torch")
    inputs = torch.from_numpy(x)
    params = [torch.tensor(array, requires_grad=True) for layer in layers for array in layer]
    hidden = torch.tanh if activation == "tanh" else torch.relu

    def loss_of() -> Any:
        h = inputs
        for index in range(0, len(params), 2):
            h = torch.addmm(params[index + 1], h, params[index])
            if index + 2 < len(params):
                h = hidden(h)
        return loss_of_logits(h, params)

    def update() -> None:
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad

    return sgd_case(params, loss_of, update, lambda t: t.detach().numpy().copy())


def mlp_case(layers: Layers, activation: str, x: np.ndarray, target: np.ndarray,
                   loss_fn: str, lr: float) -> Case:
    """T1-T3 with torch: F.cross_entropy or F.binary_cross_entropy_with_logits."""
    functional = require("torch.nn.functional")
    targets = require("torch").from_numpy(target)
    loss = functional.cross_entropy if loss_fn == "ce" else functional.binary_cross_entropy_with_logits
    return sgd_mlp_case(layers, activation, x, lambda logits, _: loss(logits, targets), lr)


def elementwise_case(x0: np.ndarray, cycles: int) -> Case:
    """T4: `cycles` times x -> tanh(1.0001 x + 0.1) on a small tensor, then d(sum)/d(x0)."""
    torch = require("torch")
    result: dict[str, Any] = {}

    def step() -> None:
        start = x = torch.tensor(x0, requires_grad=True)
        for _ in range(cycles):
            x = torch.tanh(x * 1.0001 + 0.1)
        total = x.sum()
        total.backward()
        result.update(final=total.detach().numpy(), grad=start.grad.detach().numpy())

    return Case(step=step, state=lambda: dict(result))
