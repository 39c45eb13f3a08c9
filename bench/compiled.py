"""autodiff.compile on S1, S2, S4, T1 and T4: each step traced once, then run as generated code.

Each workload is written as a user of `compile` writes it: the function that builds the graph
also asks for its gradients (`autodiff.grad(..., create_graph=True)`) and returns them; floats
and arrays go in and come out. The first call traces and generates the code; the harness
reports how long it took, and times the calls after it.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from bench.case import Case
from bench.data import Layers
from bench.models import ScalarMLP, hinge_loss, unflatten
from bench.systems import Unavailable, require, require_attr

LARGEST_CHAIN = 10**4  # longer chains make programs of millions of lines: not compiled


def _autodiff() -> Any:
    autodiff = require("autodiff")
    if not hasattr(autodiff, "compile"):
        raise Unavailable("autodiff has no compile")
    return autodiff


def mlp_case(layers: Layers, points: np.ndarray, labels: np.ndarray, lr: float, alpha: float) -> Case:
    """S1: the scalar MLP of micrograd's demo; a compiled step gives the loss and gradients of
    the model's Values (read at every call), SGD updates them in place."""
    autodiff = _autodiff()
    model = ScalarMLP(autodiff.Value, layers)
    params = model.parameters()

    @autodiff.compile
    def loss_and_grads(xs: list[list[Any]], ys: list[Any]) -> Any:
        loss = hinge_loss(model, params, xs, ys, alpha)
        return loss, autodiff.grad(loss, params, create_graph=True)

    xs, ys = points.tolist(), labels.tolist()
    result: dict[str, Any] = {}

    def step() -> None:
        loss, grads = loss_and_grads(xs, ys)
        for p, g in zip(params, grads):
            p.data -= lr * g
        result.update(loss=loss, grads=grads)

    def state() -> dict[str, Any]:
        return {"loss": result["loss"], "params": unflatten(np.array([p.data for p in params]), layers),
                "grads": unflatten(np.array(result["grads"]), layers)}

    return Case(step=step, state=state)


def chain_case(n: int, x0: float) -> Case:
    """S2: x -> tanh(1.0001 x + 0.1) n times and d(final)/d(x0), compiled as one function."""
    if n > LARGEST_CHAIN:
        raise Unavailable(f"compiled only up to N={LARGEST_CHAIN} (a program of {5 * n} lines)")
    return _tanh_chain(x0, n, "final")


def _tanh_chain(x0: Any, n: int, name: str) -> Case:
    """S2 and T4: x -> tanh(1.0001 x + 0.1) n times, then the (summed) result and its gradient
    with respect to x0, compiled as one function; the state holds them as `name` and grad."""
    autodiff = _autodiff()

    @autodiff.compile
    def chain(x: Any) -> Any:
        y = x
        for _ in range(n):
            y = (y * 1.0001 + 0.1).tanh()
        total = y.sum() if isinstance(y, autodiff.Tensor) else y
        return total, autodiff.grad(total, x, create_graph=True)[0]

    result: dict[str, Any] = {}

    def step() -> None:
        total, grad = chain(x0)
        result.update({name: total, "grad": grad})

    return Case(step=step, state=lambda: dict(result))


def beans_case(xs: list[float], ys: list[float], w0: float, b0: float, epochs: int, lr: float) -> Case:
    """S4: per-sample SGD of sigmoid(w x + b) on (y - a)^2, one compiled call per sample."""
    autodiff = _autodiff()

    @autodiff.compile
    def sgd_step(w: Any, b: Any, x: Any, y: Any) -> Any:
        loss = (y - (w * x + b).sigmoid()) ** 2
        gw, gb = autodiff.grad(loss, [w, b], create_graph=True)
        return w - lr * gw, b - lr * gb

    result: dict[str, float] = {}

    def step() -> None:
        w, b = w0, b0
        for _ in range(epochs):
            for x, y in zip(xs, ys):
                w, b = sgd_step(w, b, x, y)
        result.update(w=w, b=b)

    return Case(step=step, state=lambda: dict(result))


def tensor_mlp_case(layers: Layers, activation: str, x: np.ndarray, target: np.ndarray, loss_fn: str,
                    lr: float) -> Case:
    """T1: the nn-style Tensor MLP step (linear, tanh, BCE with logits) compiled; SGD updates
    the parameter arrays in place from the gradients it returns."""
    autodiff = _autodiff()
    bce = require_attr("nn", "binary_cross_entropy_with_logits")
    if loss_fn != "bce":
        raise Unavailable("compiled only for T1")

    @autodiff.compile
    def loss_and_grads(params: list[Any], inputs: Any, targets: Any) -> Any:
        h = inputs
        for index in range(0, len(params), 2):
            h = autodiff.linear(h, params[index], params[index + 1])
            if index + 2 < len(params):
                h = h.tanh() if activation == "tanh" else h.relu()
        loss = bce(h, targets)
        return loss, autodiff.grad(loss, params, create_graph=True)

    params = [array.copy() for layer in layers for array in layer]
    result: dict[str, Any] = {}

    def step() -> None:
        loss, grads = loss_and_grads(params, x, target)
        for p, g in zip(params, grads):
            p -= lr * g
        result.update(loss=float(loss), grads=grads)

    return Case(step=step, state=lambda: {"loss": result["loss"], "params": [p.copy() for p in params],
                                          "grads": result["grads"]})


def elementwise_case(x0: np.ndarray, cycles: int) -> Case:
    """T4: `cycles` times x -> tanh(1.0001 x + 0.1) on a small array and d(sum)/d(x0), compiled."""
    return _tanh_chain(x0, cycles, "final")
