"""PyTorch on the scalar workloads: S1 batched in float64, S2 and S4 on 0-d float64 tensors."""

from __future__ import annotations

from typing import Any

import numpy as np

from bench import tensor
from bench.data import Layers
from bench.harness import Case
from bench.systems import require


def mlp_case(layers: Layers, points: np.ndarray, labels: np.ndarray, lr: float, alpha: float) -> Case:
    """S1 as one batched float64 MLP with hinge loss + L2, one SGD step."""
    torch = require("torch")
    y = torch.from_numpy(labels)

    def hinge(scores: Any, params: list[Any]) -> Any:
        return torch.relu(1.0 - y * scores[:, 0]).mean() + alpha * sum((p * p).sum() for p in params)

    return tensor.torch_sgd_case(layers, "relu", points, hinge, lr)


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
