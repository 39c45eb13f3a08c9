"""The graph walk: iterative topological order, backpropagation, `grad`, `no_grad`.

The engine knows nothing about particular ops. A node (`Value` or `Tensor`) has `data`, `grad`,
the `_op` that made it (None for a leaf) and two input slots `_a`, `_b`. A slot holds a node,
which needs a gradient, or a raw constant (a number, an array, an op parameter), which does not.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, ContextManager, Iterator, Sequence

import numpy as np


class Node:
    """Base class of graph nodes; subclasses define the slots data, grad, _op, _a, _b."""

    __slots__ = ()

    def _seed(self, grad: Any) -> Any:
        """The raw gradient that starts backpropagation from this node (validated)."""
        raise NotImplementedError

    def _constant(self, raw: Any) -> "Node":
        """A node of this node's kind holding `raw`, with no history."""
        raise NotImplementedError


class _GradMode(threading.local):
    enabled = True


_MODE = _GradMode()
# How many threads are inside no_grad(). While it is 0 (almost always) the hot path need not
# read the thread-local flag, which costs several times a global look-up.
paused_threads = 0
_PAUSE_LOCK = threading.Lock()


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()` (per thread)."""
    return _MODE.enabled


@contextmanager
def _grad_mode(enabled: bool) -> Iterator[None]:
    global paused_threads
    previous = _MODE.enabled
    with _PAUSE_LOCK:
        paused_threads += (not enabled) - (not previous)
    _MODE.enabled = enabled
    try:
        yield
    finally:
        _MODE.enabled = previous
        with _PAUSE_LOCK:
            paused_threads += (not previous) - (not enabled)


def no_grad() -> ContextManager[None]:
    """Context manager: operations inside record no graph (thread-local)."""
    return _grad_mode(False)


def enable_grad() -> ContextManager[None]:
    """Context manager: record graphs again inside a `no_grad()` block."""
    return _grad_mode(True)


_DONE = object()  # stack marker: the node below it has all its inputs ordered


def topological_order(root: Node) -> list[Node]:
    """Every node `root` depends on, inputs before the nodes that use them; root is last.

    Depth-first with an explicit stack (no recursion, so a 10^6-deep chain works).
    """
    order: list[Node] = []
    seen: set[Node] = set()
    stack: list[Any] = [root]
    push = stack.append
    pop = stack.pop
    while stack:
        node = pop()
        if node is _DONE:
            order.append(pop())
            continue
        if node in seen:
            continue
        seen.add(node)
        push(node)
        push(_DONE)
        # Leaves go straight into the order: no push, pop and marker for them.
        a = node._a
        if isinstance(a, Node) and a not in seen:
            if a._op is None:
                seen.add(a)
                order.append(a)
            else:
                push(a)
        b = node._b
        if isinstance(b, Node) and b not in seen:
            if b._op is None:
                seen.add(b)
                order.append(b)
            else:
                push(b)
    return order


def _propagate(order: list[Node]) -> None:
    """First-order backward on raw data, from the root's `.grad` (the last node in `order`).

    Each node's gradient is added to what its `.grad` holds (None counts as zero).
    """
    for node in reversed(order):
        op = node._op
        if op is None:
            continue
        g = node.grad
        a = node._a
        if op.unary:
            ga = op.da(g, node.data, a.data)
            prev = a.grad
            a.grad = ga if prev is None else prev + ga
            continue
        b = node._b
        a_is_node = isinstance(a, Node)
        b_is_node = isinstance(b, Node)
        ad = a.data if a_is_node else a
        bd = b.data if b_is_node else b
        if a_is_node:
            ga = op.da(g, node.data, ad, bd)
            prev = a.grad
            a.grad = ga if prev is None else prev + ga
        if b_is_node:
            gb = op.db(g, node.data, ad, bd)
            prev = b.grad
            b.grad = gb if prev is None else prev + gb


def _propagate_graph(order: list[Node]) -> None:
    """Backward whose formulas run on nodes, recording a graph: gradients are differentiable."""
    with enable_grad():
        for node in reversed(order):
            op = node._op
            if op is None:
                continue
            inputs = (node._a,) if op.unary else (node._a, node._b)
            formulas = (op.da,) if op.unary else (op.da, op.db)
            for x, formula in zip(inputs, formulas):
                if isinstance(x, Node):
                    gx = formula(node.grad, node, *inputs)
                    x.grad = gx if x.grad is None else x.grad + gx


def backward(root: Node, grad: Any = None) -> None:
    """Backpropagate from `root`: every leaf's `.grad` += d(root)/d(leaf).

    Leaves accumulate over calls, as in PyTorch: a second call on the same graph adds the same
    increments again. An intermediate node's `.grad` holds its gradient from the latest call.
    """
    seed = root._seed(grad)
    order = topological_order(root)
    for node in order:
        if node._op is not None:
            node.grad = None
    root.grad = seed if root.grad is None else root.grad + seed
    _propagate(order)


def grad(output: Node, inputs: Node | Sequence[Node], create_graph: bool = False,
         grad_output: Any = None) -> tuple[Any, ...]:
    """d(output)/d(input) for each input, as a tuple; `.grad` fields are left untouched.

    With `create_graph=True` the gradients are nodes in a graph of their own, so they can be
    differentiated again (second and higher derivatives).
    """
    if isinstance(inputs, Node):
        inputs = (inputs,)
    for x in inputs:
        if not isinstance(x, Node):
            raise TypeError(f"grad: inputs must be Value or Tensor nodes, got {type(x).__name__}")
    seed = output._seed(grad_output)
    order = topological_order(output)
    saved = [node.grad for node in order]
    for node in order:
        node.grad = None
    if create_graph:
        output.grad = output._constant(seed)
        _propagate_graph(order)
    else:
        output.grad = seed
        _propagate(order)
    in_graph = set(order)
    result = []
    for x in inputs:
        if x in in_graph:
            result.append(x.grad)
        else:
            zero = np.zeros_like(x.data) if isinstance(x.data, np.ndarray) else 0.0
            result.append(x._constant(zero) if create_graph else zero)
    for node, before in zip(order, saved):
        node.grad = before
    return tuple(result)
