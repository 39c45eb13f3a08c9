"""Tensor systems on T1-T4: autodiff.Tensor (its own ops only) and PyTorch (idiomatic, CPU)."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from bench.data import Layers
from bench.harness import Case
from bench.systems import require, require_attr


def sgd_case(params: list[Any], loss_of: Callable[[], Any], update: Callable[[], None],
             to_numpy: Callable[[Any], np.ndarray]) -> Case:
    """One step: clear grads, loss, backward, update; state is loss, params and grads."""
    result: dict[str, float] = {}

    def step() -> None:
        for p in params:
            p.grad = None
        loss = loss_of()
        loss.backward()
        update()
        result["loss"] = float(loss.data)

    def state() -> dict[str, Any]:
        return {"loss": result["loss"], "params": [to_numpy(p.data) for p in params],
                "grads": [to_numpy(p.grad) for p in params]}

    return Case(step=step, state=state)


def autodiff_mlp_case(layers: Layers, activation: str, x: np.ndarray, target: np.ndarray,
                      loss_fn: str, lr: float) -> Case:
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


def torch_sgd_case(layers: Layers, activation: str, x: np.ndarray, loss_of_logits: Callable[[Any, list[Any]], Any],
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


def torch_mlp_case(layers: Layers, activation: str, x: np.ndarray, target: np.ndarray,
                   loss_fn: str, lr: float) -> Case:
    """T1-T3 with torch: F.cross_entropy or F.binary_cross_entropy_with_logits."""
    functional = require("torch.nn.functional")
    targets = require("torch").from_numpy(target)
    loss = functional.cross_entropy if loss_fn == "ce" else functional.binary_cross_entropy_with_logits
    return torch_sgd_case(layers, activation, x, lambda logits, _: loss(logits, targets), lr)


def elementwise_case(system: str, x0: np.ndarray, cycles: int) -> Case:
    """T4: `cycles` times x -> tanh(1.0001 x + 0.1) on a small tensor, then d(sum)/d(x0)."""
    if system == "torch":
        torch = require("torch")
        make, tanh, read = (lambda: torch.tensor(x0, requires_grad=True)), torch.tanh, (lambda t: t.detach().numpy())
    else:
        tensor = require_attr("autodiff", "Tensor")
        make, tanh, read = (lambda: tensor(x0.copy(), requires_grad=True)), tensor.tanh, np.array
    result: dict[str, Any] = {}

    def step() -> None:
        start = x = make()
        for _ in range(cycles):
            x = tanh(x * 1.0001 + 0.1)
        total = x.sum()
        total.backward()
        result.update(final=read(total.data), grad=read(start.grad))

    return Case(step=step, state=lambda: dict(result))
