"""Optimisers: SGD (momentum, Nesterov, weight decay) and Adam, with PyTorch's update rules.

`step()` updates each parameter's data in place (its dtype kept) from its `.grad`, skipping
parameters whose grad is None; the write bumps the parameter's version, so a backward pass
through a graph recorded before the step is refused. `zero_grad()` sets every grad to None.
Weight decay is L2: wd * p is added to the gradient before the rule runs.
"""
from __future__ import annotations

import numbers
from collections.abc import Iterable
from typing import Any

import numpy as np

from autodiff import Tensor


class Optimizer:
    """The shared part: the parameter list, zero_grad, and the decayed gradient."""

    def __init__(self, params: Iterable[Tensor], lr: float, weight_decay: float) -> None:
        where = type(self).__name__
        if isinstance(params, Tensor) or not isinstance(params, Iterable):
            # a Tensor is iterable, but over copies of its rows: step() would never change it
            raise TypeError(f"{where}: params must be a list of Tensors, got a "
                            f"{type(params).__name__} (pass [w] or model.parameters())")
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{where}: params is empty; there is nothing to optimise")
        for i, p in enumerate(self.params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: parameter {i} is a "
                                f"{type(p).__name__}, not a Tensor (pass model.parameters())")
        _check_at_least("lr", lr, 0.0)
        _check_at_least("weight_decay", weight_decay, 0.0)
        self.lr = lr
        self.weight_decay = weight_decay
        self.state: list[dict[str, Any]] = [{} for _ in self.params]  # per parameter

    def zero_grad(self) -> None:
        """Forget every parameter's gradient (grad = None)."""
        for p in self.params:
            p.grad = None

    def step(self) -> None:
        """Update every parameter that has a gradient."""
        for p, state in zip(self.params, self.state):
            if p.grad is not None:
                g = np.asarray(p.grad, dtype=p.dtype)
                if self.weight_decay:
                    g = g + self.weight_decay * p.data
                p.sub_(self._update(g, state))  # in place (same array, same dtype): a new version

    def _update(self, g: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        """The amount to subtract from a parameter whose (decayed) gradient is g."""
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent: p -= lr g, or with momentum mu: b = mu b + g (b = g on the
    first step), p -= lr b; Nesterov: p -= lr (g + mu b)."""

    def __init__(self, params: Iterable[Tensor], lr: float, momentum: float = 0.0,
                 weight_decay: float = 0.0, nesterov: bool = False) -> None:
        super().__init__(params, lr, weight_decay)
        _check_at_least("momentum", momentum, 0.0)
        if nesterov and momentum == 0.0:
            raise ValueError("SGD: nesterov=True needs a momentum > 0")
        self.momentum = momentum
        self.nesterov = nesterov

    def _update(self, g: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        if not self.momentum:
            return self.lr * g
        if "buffer" in state:
            state["buffer"] = self.momentum * state["buffer"] + g
        else:
            state["buffer"] = g.copy()
        direction = g + self.momentum * state["buffer"] if self.nesterov else state["buffer"]
        return self.lr * direction


class Adam(Optimizer):
    """Adam: m = b1 m + (1 - b1) g, v = b2 v + (1 - b2) g^2, and after t steps
    p -= lr m^ / (sqrt(v^) + eps) with m^ = m / (1 - b1^t), v^ = v / (1 - b2^t)."""

    def __init__(self, params: Iterable[Tensor], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0) -> None:
        super().__init__(params, lr, weight_decay)
        if not isinstance(betas, (tuple, list)):
            raise TypeError(f"Adam: betas must be a pair (b1, b2) of floats in [0, 1), got a "
                            f"{type(betas).__name__}")
        if len(betas) != 2:
            raise ValueError(f"Adam: betas must be a pair (b1, b2) of floats in [0, 1), got "
                             f"{len(betas)} values: {tuple(betas)}")
        for beta in betas:
            _check_real("betas", beta)
            if not 0.0 <= beta < 1.0:
                raise ValueError(f"Adam: betas must lie in [0, 1), got {tuple(betas)}")
        _check_at_least("eps", eps, 0.0)
        self.betas = (float(betas[0]), float(betas[1]))
        self.eps = eps

    def _update(self, g: np.ndarray, state: dict[str, Any]) -> np.ndarray:
        b1, b2 = self.betas
        if not state:
            state.update(step=0, m=np.zeros_like(g), v=np.zeros_like(g))
        state["step"] += 1  # per parameter: a parameter without a gradient does not count
        t = state["step"]
        state["m"] = b1 * state["m"] + (1 - b1) * g
        state["v"] = b2 * state["v"] + (1 - b2) * g * g
        m_hat = state["m"] / (1 - b1 ** t)
        v_hat = state["v"] / (1 - b2 ** t)
        return self.lr * m_hat / (np.sqrt(v_hat) + self.eps)


def _check_real(name: str, value: Any) -> None:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got a {type(value).__name__}")


def _check_at_least(name: str, value: float, low: float) -> None:
    _check_real(name, value)
    if not value >= low:  # also refuses nan
        raise ValueError(f"{name} must be >= {low}, got {value!r}")
