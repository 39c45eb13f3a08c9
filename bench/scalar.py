"""Scalar graph systems on S1, S2 and S4: autodiff.Value and micrograd (one shared code path)."""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from bench import isolated
from bench.case import Case
from bench.data import Layers
from bench.models import ScalarMLP, hinge_loss, unflatten
from bench.systems import require, require_attr

Unary = Callable[[Any], Any]


def micrograd_mlp(layers: Layers) -> tuple[Callable[[list[Any]], Any], list[Any], Callable[[str], list[np.ndarray]]]:
    """micrograd.nn.MLP loaded with the shared weights; also a reader of params or grads."""
    nn = require("micrograd.nn")
    model = nn.MLP(layers[0][0].shape[0], [weight.shape[1] for weight, _ in layers])
    for layer, (weight, bias) in zip(model.layers, layers):
        for j, neuron in enumerate(layer.neurons):
            for i, w in enumerate(neuron.w):
                w.data = float(weight[i, j])
            neuron.b.data = float(bias[j])

    def read(field: str) -> list[np.ndarray]:
        return [array for layer in model.layers for array in (
            np.array([[getattr(w, field) for w in n.w] for n in layer.neurons], dtype=float).T,
            np.array([getattr(n.b, field) for n in layer.neurons], dtype=float))]

    return model, model.parameters(), read


def hinge_case(model: Callable[[list[Any]], Any], params: list[Any], read: Callable[[str], list[np.ndarray]],
               inputs: Callable[[], list[list[Any]]], labels: np.ndarray, lr: float, alpha: float) -> Case:
    """S1 as in micrograd's demo: hinge loss + L2 over scalar nodes, backward, SGD update."""
    ys = labels.tolist()
    result: dict[str, float] = {}

    def step() -> None:
        total = hinge_loss(model, params, inputs(), ys, alpha)
        for p in params:
            p.grad = 0.0
        total.backward()
        for p in params:
            p.data -= lr * p.grad
        result["loss"] = total.data

    return Case(step=step, state=lambda: {"loss": result["loss"], "params": read("data"), "grads": read("grad")})


def mlp_parts(system: str, layers: Layers, points: np.ndarray) -> tuple[Callable, list[Any], Callable, Callable]:
    """S1's model, parameters, param/grad reader and input maker for a scalar system.

    micrograd gets its own MLP with inputs wrapped in Value (as in its demo); autodiff gets
    ScalarMLP and raw float inputs (constants stay plain numbers there).
    """
    xs = points.tolist()
    if system == "micrograd":
        value = require_attr("micrograd.engine", "Value")
        model, params, read = micrograd_mlp(layers)
        return model, params, read, lambda: [[value(v) for v in x] for x in xs]
    mlp = ScalarMLP(require_attr("autodiff", "Value"), layers)
    params = mlp.parameters()

    def read(field: str) -> list[np.ndarray]:
        return unflatten(np.array([getattr(p, field) for p in params], dtype=float), layers)

    return mlp, params, read, lambda: xs


def mlp_case(system: str, layers: Layers, points: np.ndarray, labels: np.ndarray, lr: float, alpha: float) -> Case:
    """S1 for 'micrograd' or 'autodiff': hinge loss + L2, backward, SGD update."""
    model, params, read, inputs = mlp_parts(system, layers, points)
    return hinge_case(model, params, read, inputs, labels, lr, alpha)


def micrograd_activations(value: type) -> tuple[Unary, Unary]:
    """tanh and sigmoid, which micrograd 0.1.0 lacks, written the way micrograd writes relu."""

    def tanh(x: Any) -> Any:
        out = value(math.tanh(x.data), (x,), "tanh")

        def _backward() -> None:
            x.grad += (1.0 - out.data * out.data) * out.grad

        out._backward = _backward
        return out

    def sigmoid(x: Any) -> Any:
        out = value(1.0 / (1.0 + math.exp(-x.data)), (x,), "sigmoid")

        def _backward() -> None:
            x.grad += out.data * (1.0 - out.data) * out.grad

        out._backward = _backward
        return out

    return tanh, sigmoid


def scalar_ops(system: str) -> tuple[type, Unary, Unary]:
    """Value class, tanh and sigmoid for a scalar system."""
    if system == "micrograd":
        value = require_attr("micrograd.engine", "Value")
        return (value, *micrograd_activations(value))
    value = require_attr("autodiff", "Value")
    return value, value.tanh, value.sigmoid  # unbound methods: no wrapper call per node


def run_chain(system: str, n: int, x0: float) -> dict[str, float]:
    """S2 once: n steps of x -> tanh(1.0001 x + 0.1), backward, d(final)/d(x0)."""
    value, tanh, _ = scalar_ops(system)
    start = x = value(x0)
    for _ in range(n):
        x = tanh(x * 1.0001 + 0.1)
    x.backward()
    return {"final": x.data, "grad": start.grad}


RECURSION_FAILURES: list[int] = []  # chain lengths at which micrograd's backward overflowed


def chain_case(system: str, n: int, x0: float) -> Case:
    """S2; micrograd is probed in a subprocess first, since its recursive backward dies deep."""
    if system == "micrograd":
        require("micrograd.engine")
        shorter = [failed for failed in RECURSION_FAILURES if failed <= n]
        probe = {"error": "RecursionError"} if shorter else isolated.call("bench.scalar:run_chain", system, n, x0)
        if probe.get("error", "").startswith("RecursionError"):
            RECURSION_FAILURES.append(n)
            where = f"already at N={min(shorter)}" if shorter else f"at N={n}"
            raise RecursionError(f"micrograd's recursive topological sort, {where} (in a subprocess)")
        if "error" in probe:
            raise RuntimeError(probe["error"])
    result: dict[str, float] = {}
    return Case(step=lambda: result.update(run_chain(system, n, x0)), state=lambda: dict(result))


def beans_case(system: str, xs: list[float], ys: list[float], w0: float, b0: float, epochs: int, lr: float) -> Case:
    """S4: per-sample SGD of a = sigmoid(w x + b) on (y - a)^2, one tiny graph per sample."""
    value, _, sigmoid = scalar_ops(system)
    result: dict[str, float] = {}

    def step() -> None:
        w, b = value(w0), value(b0)
        for _ in range(epochs):
            for x, y in zip(xs, ys):
                loss = (y - sigmoid(w * x + b)) ** 2
                w.grad = 0.0
                b.grad = 0.0
                loss.backward()
                w.data -= lr * w.grad
                b.data -= lr * b.grad
        result.update(w=w.data, b=b.data)

    return Case(step=step, state=lambda: dict(result))
