"""Scalar floors: S1, S2 and S4 on Python floats with `math`, backward derived by hand."""

from __future__ import annotations

import math
from operator import mul

import numpy as np

from bench.case import Case
from bench.data import Layers


class FloatMLP:
    """micrograd's demo MLP on floats: hidden ReLU layers, linear output, hinge loss + L2."""

    def __init__(self, layers: Layers) -> None:
        self.rows = [weight.T.tolist() for weight, _ in layers]  # rows[layer][neuron][input]
        self.biases = [bias.tolist() for _, bias in layers]
        self.loss = math.nan
        self.grad_rows: list[list[list[float]]] = []
        self.grad_biases: list[list[float]] = []

    def forward(self, x: list[float]) -> list[list[float]]:
        """Every layer's input plus the final output (the activations backward needs)."""
        acts = [x]
        last = len(self.rows) - 1
        for index, (rows, biases) in enumerate(zip(self.rows, self.biases)):
            z = [sum(map(mul, row, acts[-1]), bias) for row, bias in zip(rows, biases)]
            acts.append(z if index == last else [v if v > 0.0 else 0.0 for v in z])
        return acts

    def backward(self, acts: list[list[float]], delta: list[float]) -> None:
        """Accumulate parameter gradients of one sample, given d(loss)/d(output)."""
        for layer in range(len(self.rows) - 1, -1, -1):
            inputs, grad_rows, grad_biases = acts[layer], self.grad_rows[layer], self.grad_biases[layer]
            upstream = [0.0] * len(inputs)
            for j, (d, row) in enumerate(zip(delta, self.rows[layer])):
                grad_biases[j] += d
                grad_rows[j] = [g + d * x for g, x in zip(grad_rows[j], inputs)]
                upstream = [u + d * w for u, w in zip(upstream, row)]
            delta = [u if x > 0.0 else 0.0 for u, x in zip(upstream, inputs)]  # relu'(0) = 0

    def step(self, points: list[list[float]], labels: list[float], lr: float, alpha: float) -> None:
        """One SGD step on mean(relu(1 - y * score)) + alpha * sum(p * p)."""
        self.grad_rows = [[[0.0] * len(row) for row in rows] for rows in self.rows]
        self.grad_biases = [[0.0] * len(biases) for biases in self.biases]
        scale = 1.0 / len(points)
        data_loss = 0.0
        for x, y in zip(points, labels):
            acts = self.forward(x)
            margin = 1.0 - y * acts[-1][0]
            data_loss += margin if margin > 0.0 else 0.0
            self.backward(acts, [-y * scale if margin > 0.0 else 0.0])
        squares = 0.0
        for params, grads in self.flat_pairs():
            for k, p in enumerate(params):
                squares += p * p
                grads[k] += 2.0 * alpha * p
        self.loss = data_loss * scale + alpha * squares
        for params, grads in self.flat_pairs():
            for k, g in enumerate(grads):
                params[k] -= lr * g

    def flat_pairs(self) -> list[tuple[list[float], list[float]]]:
        """(parameter list, gradient list) pairs: each weight row and each bias vector."""
        pairs = []
        for layer in range(len(self.rows)):
            pairs += list(zip(self.rows[layer], self.grad_rows[layer]))
            pairs.append((self.biases[layer], self.grad_biases[layer]))
        return pairs

    def layers(self, grads: bool = False) -> list[np.ndarray]:
        """Parameters (or gradients) as arrays in the shared layout: W (n_in, n_out), b."""
        rows, biases = (self.grad_rows, self.grad_biases) if grads else (self.rows, self.biases)
        out = []
        for layer_rows, layer_biases in zip(rows, biases):
            out += [np.array(layer_rows).T, np.array(layer_biases)]
        return out


def mlp_case(layers: Layers, points: np.ndarray, labels: np.ndarray, lr: float, alpha: float) -> Case:
    """S1 floor: one hinge-loss SGD step of the MLP, floats only."""
    model = FloatMLP(layers)
    xs, ys = points.tolist(), labels.tolist()
    return Case(step=lambda: model.step(xs, ys, lr, alpha),
                state=lambda: {"loss": model.loss, "params": model.layers(), "grads": model.layers(grads=True)})


def chain_case(n: int, x0: float) -> Case:
    """S2 floor: x -> tanh(1.0001 x + 0.1) n times, then d(final)/d(x0) by a backward loop."""
    result: dict[str, float] = {}

    def step() -> None:
        outputs = [0.0] * n
        x = x0
        for k in range(n):
            x = math.tanh(x * 1.0001 + 0.1)
            outputs[k] = x
        grad = 1.0
        for y in reversed(outputs):
            grad = grad * (1.0 - y * y) * 1.0001
        result.update(final=x, grad=grad)

    return Case(step=step, state=lambda: dict(result))


def beans_case(xs: list[float], ys: list[float], w0: float, b0: float, epochs: int, lr: float) -> Case:
    """S4 floor: per-sample SGD of sigmoid(w x + b) on (y - a)^2, derivative by hand."""
    result: dict[str, float] = {}

    def step() -> None:
        w, b = w0, b0
        exp = math.exp
        for _ in range(epochs):
            for x, y in zip(xs, ys):
                a = 1.0 / (1.0 + exp(-(w * x + b)))
                d = -2.0 * (y - a) * a * (1.0 - a)  # de/db; de/dw = d * x
                w -= lr * d * x
                b -= lr * d
        result.update(w=w, b=b)

    return Case(step=step, state=lambda: dict(result))
