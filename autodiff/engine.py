"""One graph walk, and the backward pass built on it: `backward()`, `grad()`, `topological_order()`.

The walk is depth-first with an explicit stack (a 10^6-deep chain works). It marks the nodes it
has expanded with a fresh object in their `_g` slot (no set to build), which also means "no
gradient yet": the propagation then sums each node's gradient in `_g`, and only a finished
gradient is ever written to `.grad`. An interior node's `.grad` is set when its own gradient
is complete; the leaves' gradients are added to their `.grad` once every formula has run. So a
pass that fails or is interrupted leaves every `.grad` as it was or finished, never a marker.

Hooks (`register_hook`) cost the fast loop one test of a flag per node, read once per pass
(`node.live_hooks`); anomaly checks run in a loop of their own (watch.py), taken only when the
thread detects anomalies.

Passes take one lock: concurrent `backward()` calls through shared nodes give the same sums as
running them one after the other. A pass started from inside another (a hook or a formula that
calls `backward()`) is refused, since both would mark the same nodes.
"""
from __future__ import annotations

import threading
from typing import Any, Optional, Sequence

import numpy as np

from . import node as modes
from .anomaly import check_backward, formulas_unchecked
from .node import (MODE, Node, arguments, enable_grad, raw_data, refuse_while_tracing,
                   wide_edges)
from .numerics import ieee
from .watch import hook_leaves, hooked, own_copy, propagate_node, propagate_watched, watching

_LOCK = threading.RLock()
_running = 0  # passes in progress in the thread holding the lock
_DONE = object()  # stack marker: the node below it has all its inputs ordered


# --- the walk ----------------------------------------------------------------------------------


def _tree_order(root: Node, mark: object, leaves: list[Node]) -> Optional[list[Node]]:
    """The op nodes behind `root`, inputs before users, if the graph is a tree (every op node
    used once); None as soon as an op node is reached twice.

    In a tree a node's one user is listed before the node is found, so the order in which the
    nodes are found, reversed, already puts inputs before users: one push and one pop a node,
    where the general walk needs three of each. Leaves (shared or not) go to `leaves` once.
    """
    order = [root]
    stack = [root]
    push, pop, found, found_leaf = stack.append, stack.pop, order.append, leaves.append
    root._g = mark
    while stack:
        node = pop()
        a = node._a
        if a is not None:
            if a._op is None:
                if a._g is not mark:
                    a._g = mark
                    found_leaf(a)
            elif a._g is mark:
                return None
            else:
                a._g = mark
                push(a)
                found(a)
        b = node._b
        if b is not None:
            if b._op is None:
                if b._g is not mark:
                    b._g = mark
                    found_leaf(b)
            elif b._g is mark:
                return None
            else:
                b._g = mark
                push(b)
                found(b)
        elif a is None:  # a wide node
            for x, _ in wide_edges(node):
                if x._op is None:
                    if x._g is not mark:
                        x._g = mark
                        found_leaf(x)
                elif x._g is mark:
                    return None
                else:
                    x._g = mark
                    push(x)
                    found(x)
    order.reverse()
    return order


def _walk(root: Node, mark: object, leaves: list[Node]) -> list[Node]:
    """The op nodes behind `root`, inputs before the nodes that use them, root last; each
    one's `_g` set to `mark`. Leaves go to `leaves`, once each, marked too.

    A node is marked when it is expanded, not when pushed, so a node pushed again by a later
    user is ordered before that user.
    """
    order: list[Node] = []
    stack: list[Any] = [root]
    push, pop, found_leaf = stack.append, stack.pop, leaves.append
    while stack:
        node = pop()
        if node is _DONE:
            order.append(pop())
            continue
        if node._g is mark:  # pushed by two users: expanded already
            continue
        node._g = mark
        push(node)
        push(_DONE)
        a = node._a
        if a is not None and a._g is not mark:
            if a._op is None:
                a._g = mark
                found_leaf(a)
            else:
                push(a)
        b = node._b
        if b is not None:
            if b._g is not mark:
                if b._op is None:
                    b._g = mark
                    found_leaf(b)
                else:
                    push(b)
        elif a is None:  # a wide node
            for x, _ in wide_edges(node):
                if x._g is not mark:
                    if x._op is None:
                        x._g = mark
                        found_leaf(x)
                    else:
                        push(x)
    return order


def _ordered(root: Node, leaves: list[Node]) -> tuple[list[Node], object]:
    """(the op nodes behind root in order, the mark they carry): the tree walk where it
    applies, else the general walk with a fresh mark."""
    mark = object()
    order = _tree_order(root, mark, leaves)
    if order is None:  # some op node has two users
        leaves.clear()
        mark = object()
        order = _walk(root, mark, leaves)
    return order, mark


def topological_order(root: Node) -> list[Node]:
    """Every node `root` depends on, inputs before the nodes that use them; root is last."""
    if not isinstance(root, Node):
        raise TypeError(f"topological_order: expected a Value or Tensor, got "
                        f"{type(root).__name__}")
    if root._op is None:
        return [root]
    leaves: list[Node] = []
    _begin()
    try:
        order = _walk(root, object(), leaves)
        _clear(order, leaves)
    finally:
        _end()
    return leaves + order


# --- propagation -------------------------------------------------------------------------------


def _propagate(order: list[Node], mark: object, store: bool, hooks: bool = False) -> None:
    """First-order backward on raw data, from the root's `_g` (the last node in `order`).

    Each input's gradient is summed in its `_g` (which holds `mark` until the first one
    arrives). With `store`, every op node's finished gradient is written to its `.grad`. With
    `hooks` (some node has one), each node's hooks run on its finished gradient first.
    """
    for node in reversed(order):
        g = node._g
        if hooks and node._meta is not None:
            g = node._g = hooked(node, g)
        if store:
            node.grad = g  # finished: every user of the node came before it
        op = node._op
        a = node._a
        if op.unary:
            try:
                ga = op.da(g, node.data, a.data)
            except (ArithmeticError, ValueError):
                ga = ieee(op.da, g, node.data, a.data)
            prev = a._g
            if prev is not mark:
                a._g = prev + ga
            elif ga is g and a._op is None:
                a._g = own_copy(ga)  # a leaf keeps no gradient another node holds too
            else:
                a._g = ga
            continue
        b = node._b
        if a is None and b is None:
            propagate_node(node, g, mark, wide_edges(node))
            continue
        ad = node._k if a is None else a.data
        bd = node._k if b is None else b.data
        if a is not None:
            try:
                ga = op.da(g, node.data, ad, bd)
            except (ArithmeticError, ValueError):
                ga = ieee(op.da, g, node.data, ad, bd)
            prev = a._g
            if prev is not mark:
                a._g = prev + ga
            elif ga is g and a._op is None:
                a._g = own_copy(ga)
            else:
                a._g = ga
        if b is not None:
            try:
                gb = op.db(g, node.data, ad, bd)
            except (ArithmeticError, ValueError):
                gb = ieee(op.db, g, node.data, ad, bd)
            prev = b._g
            if prev is not mark:
                b._g = prev + gb
            elif gb is g and b._op is None:
                b._g = own_copy(gb)
            else:
                b._g = gb


def _propagate_graph(order: list[Node], mark: object) -> None:
    """Backward whose formulas run on nodes, recording a graph: gradients are differentiable.

    In anomaly mode each formula's result is checked as a whole (its ops are not checked one
    by one, which would blame them on the forward pass)."""
    hooks, checking = watching()
    with formulas_unchecked() if checking else enable_grad():
        for node in reversed(order):
            g = node._g
            if hooks and node._meta is not None:
                g = node._g = hooked(node, g)
            op = node._op
            args = arguments(node)
            if op.variadic:
                grads = op.derivatives[0](g, node, *args)
                parts = [(x, grads[i], i) for x, i in wide_edges(node)]
            else:
                parts = [(x, op.derivatives[i](g, node, *args), i) for i, x in enumerate(args)
                         if isinstance(x, Node) and op.derivatives[i] is not None]
            for x, gx, i in parts:
                if checking:
                    check_backward(node, i, gx, g,
                                   [raw_data(a) for a in args[:len(args) - op.nparams]])
                prev = x._g
                x._g = gx if prev is mark else prev + gx


def _flush(leaves: list[Node]) -> None:
    """Add each leaf's gradient of this pass to its `.grad`, in the leaf's own kind and dtype."""
    for leaf in leaves:
        g = leaf._g
        leaf._g = None
        total = leaf.grad
        if type(total) is float and type(g) is float:
            leaf.grad = total + g
        elif total is None:
            leaf.grad = leaf._owned(g)
        else:
            leaf.grad = leaf._accumulated(total, g)


def _clear(order: list[Node], leaves: list[Node]) -> None:
    """Forget what a pass left in `_g`: outside a pass every `_g` is None."""
    for node in order:
        node._g = None
    for node in leaves:
        node._g = None


def _begin() -> None:
    """Take the pass lock; refuse a pass started from inside another in the same thread."""
    global _running
    _LOCK.acquire()
    if _running:
        _LOCK.release()
        raise RuntimeError("backward() or grad() was called during another backward pass "
                           "(from a hook or a derivative formula); run it after the pass")
    _running = 1


def _end() -> None:
    global _running
    _running = 0
    _LOCK.release()


# --- the public passes ---------------------------------------------------------------------------


def backward(root: Node, grad: Any = None) -> None:
    """Backpropagate from `root`: every leaf's `.grad` += d(root)/d(leaf).

    Leaves accumulate over calls, as in PyTorch: a second call on the same graph adds the same
    increments again. An op node's `.grad` holds its gradient from the latest call.
    """
    if not isinstance(root, Node):
        raise TypeError(f"backward: expected a Value or Tensor, got {type(root).__name__}")
    if modes.unusual_threads:
        refuse_while_tracing("backward() (return grad(..., create_graph=True) instead)")
    seed = root._seed(grad)
    leaves: list[Node] = []
    order: list[Node] = []
    mark: object = None
    _begin()
    try:
        if root._op is None:
            leaves.append(root)
        else:
            order, mark = _ordered(root, leaves)
        root._g = seed
        if modes.live_hooks or modes.unusual_threads:
            propagate_watched(order, mark, leaves, True, _propagate)
        elif order:
            _propagate(order, mark, True)
        _flush(leaves)
    except BaseException:
        _clear(order, leaves)
        raise
    finally:
        _end()


def grad(output: Node, inputs: Node | Sequence[Node], create_graph: bool = False,
         grad_output: Any = None) -> tuple[Any, ...]:
    """d(output)/d(input) for each input, as a tuple; `.grad` fields are left untouched.

    The gradients are the caller's own: new arrays in each input's dtype (floats for Values).
    With `create_graph=True` they are nodes in a graph of their own, so they can be
    differentiated again (second and higher derivatives); `grad_output` may then be a node
    too, and the gradients are differentiable in it (they are linear in it).
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
    if modes.unusual_threads and not create_graph:
        refuse_while_tracing("grad() without create_graph=True")
    if isinstance(grad_output, Node) and type(grad_output) is not type(output):
        raise TypeError(f"grad: grad_output is a {type(grad_output).__name__}, the output a "
                        f"{type(output).__name__}")
    seed = output._seed(raw_data(grad_output))
    if create_graph:
        seed = grad_output if isinstance(grad_output, Node) else output._constant(seed)
    leaves: list[Node] = []
    order: list[Node] = []
    mark: object = None
    _begin()
    try:
        with np.errstate(all="ignore"):  # IEEE values at poles (log'(0) = inf), no warnings
            if output._op is None:
                leaves.append(output)
            else:
                order, mark = _ordered(output, leaves)
            output._g = seed
            if create_graph:
                _propagate_graph(order, mark)
                if modes.live_hooks:
                    hook_leaves(leaves)
            elif modes.live_hooks or modes.unusual_threads:
                propagate_watched(order, mark, leaves, False, _propagate)
            elif order:
                _propagate(order, mark, False)
        reached = {id(node) for node in order}
        reached.update(id(node) for node in leaves)
        return tuple(_result(x, id(x) in reached, create_graph) for x in inputs)
    finally:
        _clear(order, leaves)
        _end()


def _result(x: Node, reached: bool, create_graph: bool) -> Any:
    """What `grad` returns for input x: its gradient of the pass as the caller's own, or zero."""
    if create_graph:
        if reached:
            return x._g
        return x._constant(np.zeros_like(x.data) if isinstance(x.data, np.ndarray) else 0.0)
    if isinstance(x.data, np.ndarray):
        g = x._g if reached else 0.0
        return np.array(np.broadcast_to(g, x.data.shape), dtype=x.data.dtype)
    return float(x._g) if reached else 0.0
