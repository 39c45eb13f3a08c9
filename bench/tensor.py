"""autodiff.Tensor on T1-T4, written as a user of the library writes it."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from bench.case import Case, sgd_case
from bench.data import Layers
from bench.systems import require_attr


def mlp_case(layers: Layers, activation: str, x: np.ndarray, target: np.ndarray, loss_fn: str,
             lr: float) -> Case:
    """T1-T3 with autodiff.Tensor: h @ W + b, tanh/relu, BCE-with-logits or cross-entropy."""
    tensor = require_attr("autodiff", "Tensor")
    inputs = tensor(x)
    params = [tensor(array.copy(), requires_grad=True) for layer in layers for array in layer]
    rows = np.arange(len(x))
    negated = tensor(-target) if loss_fn == "bce" else None
    pair = tensor(np.array([[0.0, 1.0]], dtype=x.dtype))  # z @ pair = [0, z], see below

    def loss_of() -> Any:
        h = inputs
        for index in range(0, len(params), 2):
            h = h @ params[index] + params[index + 1]
            if index + 2 < len(params):
                h = h.tanh() if activation == "tanh" else h.relu()
        if loss_fn == "ce":
            return h.log_softmax(axis=-1)[rows, target].mean() * -1.0
        if hasattr(h, "softplus"):
            return (h.softplus() + h * negated).mean()  # BCE with logits: softplus(z) - y z
        # Same loss without softplus: two-class cross-entropy on the logits [0, z].
        return (h @ pair).log_softmax(axis=-1)[rows, target[:, 0].astype(np.int64)].mean() * -1.0

    def update() -> None:
        for p in params:
            p.data -= lr * p.grad

    return sgd_case(params, loss_of, update, np.array)


def elementwise_case(x0: np.ndarray, cycles: int) -> Case:
    """T4: `cycles` times x -> tanh(1.0001 x + 0.1) on a small tensor, then d(sum)/d(x0)."""
    tensor = require_attr("autodiff", "Tensor")
    result: dict[str, Any] = {}

    def step() -> None:
        start = x = tensor(x0.copy(), requires_grad=True)
        for _ in range(cycles):
            x = tensor.tanh(x * 1.0001 + 0.1)
        total = x.sum()
        total.backward()
        result.update(final=np.array(total.data), grad=np.array(start.grad))

    return Case(step=step, state=lambda: dict(result))
