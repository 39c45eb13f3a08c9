"""The backward pass under watch: node hooks, anomaly checks, and the general step of
propagation they use (which the fast loop also takes for wide nodes).

The fast loop (`engine._propagate`) knows nothing of anomalies, so it pays nothing for them: a
pass comes here only when a hook is live or some thread is in an unusual mode (one test per
pass), and takes the general loop only in anomaly mode. Hooks the fast loop runs itself,
testing per node a flag read once per pass: is a hook registered on any node?

A node's hooks run when its gradient is complete: for an op node when every user has sent it
its part (just before its own formulas run, so a replacement is what flows on), for a leaf at
the end of the pass (before it is added to `.grad`, or returned by `grad()`).
"""
from __future__ import annotations

from typing import Any, Callable, Sequence

import numpy as np

from . import node as modes
from .anomaly import check_backward
from .node import MODE, Node, arguments, raw_data, wide_edges
from .numerics import ieee, number


def watching() -> tuple[bool, bool]:
    """(a hook is registered on some node, this thread detects anomalies)."""
    return modes.live_hooks > 0, bool(modes.unusual_threads and MODE.anomaly)


def propagate_watched(order: list[Node], mark: object, leaves: list[Node], store: bool,
                      fast: Callable[[list[Node], object, bool, bool], None]) -> None:
    """`engine._propagate` (`fast`) while a hook is live or some thread is in an unusual
    mode: the fast loop running hooks; in anomaly mode, this general loop, which also checks
    each formula's result. The leaves' hooks run last."""
    hooks, checking = watching()
    if not checking:
        if order:
            fast(order, mark, store, hooks)
    else:
        for node in reversed(order):
            g = node._g
            if hooks and node._meta is not None:
                g = node._g = hooked(node, g)
            if store:
                node.grad = g
            propagate_node(node, g, mark, edges(node), True)
    if hooks:
        hook_leaves(leaves)


def propagate_node(node: Node, g: Any, mark: object, edges: list[tuple[Node, int]],
                   checking: bool = False) -> None:
    """Send g, node's finished gradient, through its op's formulas to the input nodes in
    `edges` ((node, argument position) pairs), summing in their `_g` (which holds `mark` until
    the first part arrives)."""
    op = node._op
    raw = [raw_data(x) for x in arguments(node)]
    if op.variadic:
        grads = formula(op.derivatives[0], g, node.data, raw)
        parts = [(x, grads[i], i) for x, i in edges]
    else:
        parts = [(x, formula(op.derivatives[i], g, node.data, raw), i) for x, i in edges]
    for x, gx, i in parts:
        if checking:
            check_backward(node, i, gx, g, raw[:len(raw) - op.nparams])
        prev = x._g
        if prev is not mark:
            x._g = prev + gx
        elif gx is g and x._op is None:
            x._g = own_copy(gx)
        else:
            x._g = gx


def edges(node: Node) -> list[tuple[Node, int]]:
    """(input node, argument position) for each input of node that gets a gradient."""
    a, b = node._a, node._b
    if a is None and b is None:
        return wide_edges(node)
    return [(x, i) for i, x in enumerate((a, b)) if x is not None]


def formula(derivative: Any, g: Any, y: Any, raw: Sequence[Any]) -> Any:
    """derivative(g, y, *raw), recomputed with IEEE values where Python raises."""
    try:
        return derivative(g, y, *raw)
    except (ArithmeticError, ValueError):
        return ieee(derivative, g, y, *raw)


def own_copy(grad: Any) -> Any:
    """A gradient passed through unchanged (by add, say) as a leaf's own copy."""
    return grad.copy() if isinstance(grad, np.ndarray) else grad


def hook_leaves(leaves: list[Node]) -> None:
    """Run the hooks of the leaves of a pass on their finished gradients (in `_g`)."""
    for leaf in leaves:
        if leaf._meta is not None:
            leaf._g = hooked(leaf, leaf._g)


def hooked(node: Node, g: Any) -> Any:
    """g after node's hooks, in the order registered: each sees the gradient as the hooks
    before it left it, and may return a replacement."""
    hooks = node._meta.get("hooks") if node._meta is not None else None
    if hooks:
        for fn in list(hooks.values()):  # a hook may remove itself
            new = fn(g)
            if new is not None:
                g = _replacement(node, g, new)
    return g


def _replacement(node: Node, g: Any, new: Any) -> Any:
    """A hook's returned gradient, checked against the node and made like the one replaced."""
    if isinstance(g, Node):  # a create_graph pass: gradients are nodes
        return new if isinstance(new, Node) else node._constant(new)
    data = node.data
    if not isinstance(data, np.ndarray):
        return float(number(raw_data(new), "register_hook: the hook's gradient"))
    new = np.asarray(raw_data(new), dtype=data.dtype)
    if new.shape != data.shape:
        raise ValueError(f"register_hook: a hook returned a gradient of shape {new.shape} for "
                         f"a Tensor of shape {data.shape}")
    return new
