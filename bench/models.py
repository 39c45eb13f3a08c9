"""Models shared by the scalar systems: micrograd's demo MLP on any micrograd-style Value,
its hinge loss, and the flat-vector <-> layer-arrays conversion."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from bench.data import Layers


class ScalarMLP:
    """An MLP of scalar nodes (any micrograd-compatible Value): hidden ReLU, linear output."""

    def __init__(self, value: type, layers: Layers) -> None:
        self.layers = [([[value(w) for w in row] for row in weight.T.tolist()], [value(b) for b in bias.tolist()])
                       for weight, bias in layers]

    def __call__(self, x: list[Any]) -> Any:
        last = len(self.layers) - 1
        for index, (rows, biases) in enumerate(self.layers):
            out = []
            for row, act in zip(rows, biases):
                for w, xi in zip(row, x):
                    act = act + w * xi
                out.append(act if index == last else act.relu())
            x = out
        return x[0]

    def parameters(self) -> list[Any]:
        """Each layer's W in (n_in, n_out) order, then its b: the shared layout's order."""
        return [p for rows, biases in self.layers for p in [w for column in zip(*rows) for w in column] + biases]


def hinge_loss(model: Callable[[list[Any]], Any], params: list[Any], inputs: list[list[Any]], ys: list[float],
               alpha: float) -> Any:
    """The S1 graph: mean(relu(1 - y * score)) + alpha * sum(p * p), as in micrograd's demo."""
    scores = [model(x) for x in inputs]
    losses = [(1 + -y * score).relu() for y, score in zip(ys, scores)]
    return sum(losses) * (1.0 / len(losses)) + alpha * sum(p * p for p in params)


def unflatten(flat: np.ndarray, layers: Layers) -> list[np.ndarray]:
    """Split a flat parameter vector back into the shared layout's arrays."""
    out, start = [], 0
    for weight, bias in layers:
        for shape in (weight.shape, bias.shape):
            size = int(np.prod(shape))
            out.append(flat[start:start + size].reshape(shape))
            start += size
    return out
