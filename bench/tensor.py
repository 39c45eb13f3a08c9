"""autodiff.Tensor on T1-T4, written as a user of the library writes it."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from bench.case import Case, sgd_case
from bench.data import Layers
from bench.systems import require_attr


def mlp_case(layers: Layers, activation: str, x: np.ndarray, target: np.ndarray, loss_fn: str,
             lr: float) -> Case:
    """T1-T3 as nn writes them: the fused linear op per layer (nn.Linear), tanh/relu, and
    nn's binary_cross_entropy_with_logits (one op) or cross-entropy on log_softmax."""
    tensor, linear = require_attr("autodiff", "Tensor"), require_attr("autodiff", "linear")
    bce = require_attr("nn", "binary_cross_entropy_with_logits")
    inputs = tensor(x)
    params = [tensor(array.copy(), requires_grad=True) for layer in layers for array in layer]
    rows = np.arange(len(x))

    def loss_of() -> Any:
        h = inputs
        for index in range(0, len(params), 2):
            h = linear(h, params[index], params[index + 1])
            if index + 2 < len(params):
                h = h.tanh() if activation == "tanh" else h.relu()
        if loss_fn == "ce":
            return h.log_softmax(axis=-1)[rows, target].mean() * -1.0
        return bce(h, target)

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
