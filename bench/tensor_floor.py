"""Tensor floors: T1-T4 in plain numpy with hand-derived backward, in place where natural."""

from __future__ import annotations

import numpy as np

from bench.case import Case
from bench.data import Layers


def bce_with_logits(z: np.ndarray, y: np.ndarray) -> tuple[float, np.ndarray]:
    """mean(softplus(z) - y z) and its gradient (sigmoid(z) - y) / n."""
    softplus = np.logaddexp(0.0, z)
    loss = float((softplus - y * z).mean())
    grad = np.exp(z - softplus)  # sigmoid(z) = e^(z - softplus(z)), stable both ways
    grad -= y
    grad *= 1.0 / z.size
    return loss, grad


def cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """-mean(log_softmax(logits)[i, label_i]) and its gradient (softmax - onehot) / n."""
    rows = np.arange(len(labels))
    shifted = logits - logits.max(axis=1, keepdims=True)
    probs = np.exp(shifted)
    total = probs.sum(axis=1, keepdims=True)
    loss = -float((shifted[rows, labels] - np.log(total[:, 0])).mean())
    probs /= total
    probs[rows, labels] -= 1.0
    probs *= 1.0 / len(labels)
    return loss, probs


class NumpyMLP:
    """An MLP (X @ W + b, tanh or ReLU hidden, linear output) trained by hand-written backprop."""

    def __init__(self, layers: Layers, activation: str) -> None:
        self.params = [array.copy() for layer in layers for array in layer]
        self.grads: list[np.ndarray] = []
        self.activation = activation
        self.loss = float("nan")

    def step(self, x: np.ndarray, target: np.ndarray, loss_fn: str, lr: float) -> None:
        """Forward, loss, backward (no gradient for the input batch), SGD update in place."""
        acts = [x]
        last = len(self.params) // 2 - 1
        for index in range(last + 1):
            z = acts[-1] @ self.params[2 * index]
            z += self.params[2 * index + 1]
            if index < last and self.activation == "tanh":
                np.tanh(z, out=z)
            elif index < last:
                np.maximum(z, 0.0, out=z)
            acts.append(z)
        self.loss, delta = (bce_with_logits if loss_fn == "bce" else cross_entropy)(acts[-1], target)
        grads = list(self.params)  # one slot per parameter, each overwritten below
        for index in range(last, -1, -1):
            inputs = acts[index]
            grads[2 * index] = inputs.T @ delta
            grads[2 * index + 1] = delta.sum(axis=0)
            if index > 0:
                delta = delta @ self.params[2 * index].T
                if self.activation == "tanh":
                    delta *= 1.0 - inputs * inputs
                else:
                    delta[inputs <= 0.0] = 0.0  # relu'(0) = 0
        for param, grad in zip(self.params, grads):
            param -= lr * grad
        self.grads = grads


def mlp_case(layers: Layers, activation: str, x: np.ndarray, target: np.ndarray, loss_fn: str, lr: float) -> Case:
    """T1-T3 floor: one SGD step of the MLP in numpy."""
    model = NumpyMLP(layers, activation)
    return Case(step=lambda: model.step(x, target, loss_fn, lr),
                state=lambda: {"loss": model.loss, "params": model.params, "grads": model.grads})


def elementwise_case(x0: np.ndarray, cycles: int) -> Case:
    """T4 floor: `cycles` times x -> tanh(1.0001 x + 0.1) on a small array, then d(sum)/d(x0)."""
    result: dict[str, np.ndarray] = {}

    def step() -> None:
        outputs = []
        x = x0
        for _ in range(cycles):
            x = x * 1.0001
            x += 0.1
            np.tanh(x, out=x)
            outputs.append(x)
        grad = np.ones_like(x0)
        scratch = np.empty_like(x0)
        for y in reversed(outputs):
            np.multiply(y, y, out=scratch)
            np.subtract(1.0, scratch, out=scratch)
            grad *= scratch
            grad *= 1.0001
        result.update(final=x.sum(), grad=grad)

    return Case(step=step, state=lambda: dict(result))
