"""The graph walk: iterative topological order, backpropagation, `grad`, `no_grad`.

The engine knows nothing about particular ops. A node (`Value` or `Tensor`) has `data`, `grad`,
the `_op` that made it (None for a leaf), two input slots `_a`, `_b` and a constant slot `_k`.
An input slot holds a node, which needs a gradient, or None; a binary op with one raw argument
(a number, an array that needs no gradient, an op parameter such as an axis) keeps it in `_k`
and None in that argument's input slot. So "is this input a node" is an `is None` test, the
cheapest check there is, on the hottest loops of the engine.
"""
from __future__ import annotations

import threading
from contextlib import contextmanager
from typing import Any, ContextManager, Iterator, Optional, Sequence

import numpy as np


class Node:
    """Base class of graph nodes; subclasses define the slots data, grad, _op, _a, _b, _k."""

    __slots__ = ()

    @property
    def op(self) -> str:
        """Name of the op that produced this node ('' for a leaf)."""
        return "" if self._op is None else self._op.name

    @property
    def parents(self) -> tuple["Node", ...]:
        """The nodes this one was computed from that need gradients, in argument order."""
        return tuple(x for x in (self._a, self._b) if x is not None)

    def _seed(self, grad: Any) -> Any:
        """The raw gradient that starts backpropagation from this node (validated)."""
        raise NotImplementedError

    def _constant(self, raw: Any) -> "Node":
        """A node of this node's kind holding `raw`, with no history."""
        raise NotImplementedError

    def _owned(self, grad: Any, upstream: Any) -> Any:
        """A leaf's first gradient of a backward pass, as the leaf will keep it."""
        return grad


def raw_data(x: Any) -> Any:
    """The data of a node, or x itself when it is already raw (a number, an array, a mask)."""
    return x.data if isinstance(x, Node) else x


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
        if a is not None and a not in seen:
            if a._op is None:
                seen.add(a)
                order.append(a)
            else:
                push(a)
        b = node._b
        if b is not None and b not in seen:
            if b._op is None:
                seen.add(b)
                order.append(b)
            else:
                push(b)
    return order


def _tree_order(root: Node, pending: object) -> Optional[list[Node]]:
    """`_interior_order` for the common case of a tree (every op node used once), or None as
    soon as a node is reached twice.

    In a tree a node's one user is listed before the node is found, so the order in which the
    nodes are found, reversed, already puts inputs before users: one push and one pop a node,
    where the general walk needs three of each.
    """
    order: list[Node] = [root]
    stack: list[Node] = [root]
    push = stack.append
    pop = stack.pop
    found = order.append
    root.grad = pending
    while stack:
        node = pop()
        a = node._a
        if a is not None and a._op is not None:
            if a.grad is pending:
                return None
            a.grad = pending
            push(a)
            found(a)
        b = node._b
        if b is not None and b._op is not None:
            if b.grad is pending:
                return None
            b.grad = pending
            push(b)
            found(b)
    order.reverse()
    return order


def _interior_order(root: Node, pending: object) -> list[Node]:
    """The op nodes `root` depends on, inputs before users, each one's `.grad` set to `pending`.

    The backward pass's own walk: `pending`, a fresh object per pass, marks a node as expanded
    (no set to build) and as "no gradient yet" (the propagation starts from it). A node is
    marked when it is expanded, not when pushed, so a node pushed again by a later user is
    ordered before that user. Leaves are left alone: they keep accumulating.
    """
    order: list[Node] = []
    stack: list[Any] = [root]
    push = stack.append
    pop = stack.pop
    while stack:
        node = pop()
        if node is _DONE:
            order.append(pop())
            continue
        if node.grad is pending:  # pushed by two users: expanded already
            continue
        node.grad = pending
        push(node)
        push(_DONE)
        a = node._a
        if a is not None and a._op is not None and a.grad is not pending:
            push(a)
        b = node._b
        if b is not None and b._op is not None and b.grad is not pending:
            push(b)
    return order


def _propagate(order: list[Node], pending: object) -> None:
    """First-order backward on raw data, from the root's `.grad` (the last node in `order`).

    Each input's gradient is added to its `.grad`; `pending` and None count as zero.
    """
    for node in reversed(order):
        op = node._op
        if op is None:
            continue
        g = node.grad
        a = node._a
        if op.unary:
            try:
                ga = op.da(g, node.data, a.data)
            except (ArithmeticError, ValueError):
                ga = ieee(op.da, g, node.data, a.data)
            prev = a.grad
            a.grad = ga if prev is pending else (prev + ga if prev is not None
                         else a._owned(ga, g))
            continue
        b = node._b
        if a is None:
            ad = node._k
            bd = b.data
        else:
            ad = a.data
            bd = node._k if b is None else b.data
        if a is not None:
            try:
                ga = op.da(g, node.data, ad, bd)
            except (ArithmeticError, ValueError):
                ga = ieee(op.da, g, node.data, ad, bd)
            prev = a.grad
            a.grad = ga if prev is pending else (prev + ga if prev is not None
                         else a._owned(ga, g))
        if b is not None:
            try:
                gb = op.db(g, node.data, ad, bd)
            except (ArithmeticError, ValueError):
                gb = ieee(op.db, g, node.data, ad, bd)
            prev = b.grad
            b.grad = gb if prev is pending else (prev + gb if prev is not None
                         else b._owned(gb, g))


def ieee(formula: Any, *args: Any) -> Any:
    """A forward or derivative formula recomputed on numpy float64, where 1/0 is inf and
    log(-1) is nan without a warning, for the floats on which Python raises instead."""
    with np.errstate(all="ignore"):
        out = formula(*(_float64(x) if isinstance(x, (float, int)) else x for x in args))
    return float(out) if isinstance(out, np.floating) else out


def _float64(x: float) -> np.float64:
    try:
        return np.float64(x)
    except OverflowError:  # an int beyond float range
        return np.float64(np.inf if x > 0 else -np.inf)


def arguments(node: Node) -> tuple[Any, ...]:
    """The arguments `node`'s op was applied to, in order: input nodes and the raw constant."""
    if node._op.unary:
        return (node._a,)
    a, b = node._a, node._b
    return (node._k if a is None else a, node._k if b is None else b)


def _propagate_graph(order: list[Node], pending: object) -> None:
    """Backward whose formulas run on nodes, recording a graph: gradients are differentiable."""
    with enable_grad():
        for node in reversed(order):
            op = node._op
            if op is None:
                continue
            args = arguments(node)
            formulas = (op.da,) if op.unary else (op.da, op.db)
            for x, formula in zip(args, formulas):
                if isinstance(x, Node):
                    gx = formula(node.grad, node, *args)
                    x.grad = gx if x.grad is pending else x.grad + gx


def backward(root: Node, grad: Any = None) -> None:
    """Backpropagate from `root`: every leaf's `.grad` += d(root)/d(leaf).

    Leaves accumulate over calls, as in PyTorch: a second call on the same graph adds the same
    increments again. An intermediate node's `.grad` holds its gradient from the latest call.
    """
    if not isinstance(root, Node):
        raise TypeError(f"backward: expected a Value or Tensor, got {type(root).__name__}")
    seed = root._seed(grad)
    if root._op is None:
        root.grad = seed if root.grad is None else root.grad + seed
        return
    pending = object()
    order = _tree_order(root, pending)
    if order is None:  # some node has two users: the general walk, with a fresh marker
        pending = object()
        order = _interior_order(root, pending)
    root.grad = seed
    _propagate(order, pending)


def grad(output: Node, inputs: Node | Sequence[Node], create_graph: bool = False,
         grad_output: Any = None) -> tuple[Any, ...]:
    """d(output)/d(input) for each input, as a tuple; `.grad` fields are left untouched.

    With `create_graph=True` the gradients are nodes in a graph of their own, so they can be
    differentiated again (second and higher derivatives).
    """
    if isinstance(inputs, Node):
        inputs = (inputs,)
    if not isinstance(inputs, (tuple, list)):
        raise TypeError(f"grad: inputs must be a node or a sequence of nodes, "
                        f"got {type(inputs).__name__}")
    if not isinstance(output, Node):
        raise TypeError(f"grad: output must be a Value or Tensor, got {type(output).__name__}")
    for i, x in enumerate(inputs):
        if not isinstance(x, Node):
            raise TypeError(f"grad: inputs must be Value or Tensor nodes, got {type(x).__name__}")
        if not getattr(x, "requires_grad", True):
            raise ValueError(f"grad: input {i} does not require grad, so no gradient flows to "
                             f"it; create it with requires_grad=True")
    seed = output._seed(grad_output)
    order = topological_order(output)
    saved = [node.grad for node in order]
    pending = object()
    for node in order:
        node.grad = pending
    try:
        with np.errstate(all="ignore"):  # IEEE values at poles (log'(0) = inf), no warnings
            if create_graph:
                output.grad = output._constant(seed)
                _propagate_graph(order, pending)
            else:
                output.grad = seed
                _propagate(order, pending)
        in_graph = set(order)
        result = []
        for x in inputs:
            if x in in_graph:
                result.append(x.grad)
            else:
                zero = np.zeros_like(x.data) if isinstance(x.data, np.ndarray) else 0.0
                result.append(x._constant(zero) if create_graph else zero)
    finally:
        for node, before in zip(order, saved):
            node.grad = before
    return tuple(result)
