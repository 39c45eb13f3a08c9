"""The backward pass computed on the side, edge by edge, for narrating and drawing it.

`BackwardPass` runs each op's derivative formulas on raw numbers, as the engine does, but keeps
every gradient in its own list, so it needs no prior `backward()` and changes no `.grad`. It
records one `Step` per edge: the upstream gradient (of the op's output), the local derivative
and the contribution sent to the input. For a Tensor op the local derivative is J^T 1, the
derivative of the sum of the op's outputs (for an elementwise op, exactly dy/dx at each
element); the contribution is J^T g, what the engine sends.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from ..node import Node, arguments, raw_data
from ..numerics import ieee
from ..ops import Op
from .trace import Graph


class Step:
    """One edge of the backward pass: node `output` sends `contribution` to node `input`."""

    __slots__ = ("output", "argument", "input", "upstream", "local", "contribution")

    def __init__(self, output: int, argument: int, input: int, upstream: Any, local: Any,
                 contribution: Any) -> None:
        self.output, self.argument, self.input = output, argument, input
        self.upstream, self.local, self.contribution = upstream, local, contribution


def local_derivative(node: Node, argument: int) -> Any:
    """d(sum of node's outputs)/d(argument `argument`) at the recorded values (J^T 1), or None
    where no gradient flows to that argument."""
    y = node.data
    ones = np.ones_like(y) if isinstance(y, np.ndarray) else 1.0
    raw = [raw_data(x) for x in arguments(node)]
    return _fitted(_vjp(node._op, ones, y, raw, argument), raw[argument])


class BackwardPass:
    """Every node's gradient of `root` (positions as in `graph`), and the steps that made them,
    in the order the engine takes them: users before the nodes they use."""

    def __init__(self, graph: Graph, seed: Any, local: bool = True) -> None:
        nodes, index = graph.nodes, graph.index
        grads: list[Any] = [None] * len(nodes)
        grads[graph.root] = seed
        self.steps: list[Step] = []
        with np.errstate(all="ignore"):
            for v in range(len(nodes) - 1, -1, -1):
                node, g = nodes[v], grads[v]
                if node._op is None or g is None:
                    continue
                args = arguments(node)
                raw = [raw_data(x) for x in args]
                ones = np.ones_like(node.data) if isinstance(node.data, np.ndarray) else 1.0
                for i, x in enumerate(args):
                    if not isinstance(x, Node) or not _flows(node._op, i, len(args)):
                        continue
                    gx = _fitted(_vjp(node._op, g, node.data, raw, i), x.data)
                    d = _fitted(_vjp(node._op, ones, node.data, raw, i), x.data) if local \
                        else None
                    j = index[id(x)]
                    grads[j] = gx if grads[j] is None else grads[j] + gx
                    self.steps.append(Step(v, i, j, g, d, gx))
        self.grads = grads


def _flows(op: Op, i: int, nargs: int) -> bool:
    """Whether argument i of an op applied to nargs arguments receives a gradient."""
    if op.variadic:
        return i < nargs - op.nparams
    return i < len(op.derivatives) and op.derivatives[i] is not None


def _vjp(op: Op, g: Any, y: Any, raw: Sequence[Any], i: int) -> Any:
    """The gradient op sends to argument i given upstream g (raw numbers in, raw out)."""
    if op.variadic:
        return _formula(op.derivatives[0], g, y, raw)[i]
    formula = op.derivatives[i] if i < len(op.derivatives) else None
    return None if formula is None else _formula(formula, g, y, raw)


def _formula(formula: Any, g: Any, y: Any, raw: Sequence[Any]) -> Any:
    try:
        return formula(g, y, *raw)
    except (ArithmeticError, ValueError):
        return ieee(formula, g, y, *raw)


def _fitted(grad: Any, like: Any) -> Any:
    """grad with the shape of `like` (a formula may return a broadcastable scalar), as a float
    for a scalar node."""
    if grad is None:
        return None
    if isinstance(like, np.ndarray):
        grad = np.asarray(grad)
        return grad if grad.shape == like.shape else np.broadcast_to(grad, like.shape)
    return float(grad) if np.ndim(grad) == 0 else grad


def magnitude(grad: Any) -> Optional[float]:
    """The size of a gradient: |g| for a number, max |g| for an array (nan if any element is
    nan); None for no gradient."""
    if grad is None:
        return None
    if isinstance(grad, Node):
        grad = grad.data
    if isinstance(grad, np.ndarray):
        if grad.size == 0:
            return 0.0
        with np.errstate(all="ignore"):
            a = np.abs(grad)
            return float("nan") if np.isnan(a).any() else float(a.max())
    return abs(float(grad))
