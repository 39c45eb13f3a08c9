"""Finding the op to blame when a gradient check fails.

A function made of many ops fails `gradcheck` as a whole; the wrong derivative belongs to one of
them. Each op node of a fresh run of the function is checked alone, at the input values it
saw there, against central differences (the same check, on the op by itself), inputs first; the
first that disagrees is the one to blame. When every op agrees locally, the fault is elsewhere:
the function is not made of registered ops (it computed on `.data`, say), or is not smooth at
the point.
"""
from __future__ import annotations

import re
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .anomaly import AnomalyError, detect_anomaly, site_text
from .engine import topological_order
from .node import Node, arguments, enable_grad, raw_data

# (op name, the op alone as a function of its input leaves, the leaves) -> failure lines
LocalCheck = Callable[[str, Callable[..., Any], list[Node]], list[str]]


def traced(f: Callable[..., Any], inputs: Sequence[Node]) -> Any:
    """f(*inputs) with its graph recorded and, where the forward pass allows, the creation
    site of each node (anomaly mode records them; an anomaly in f means running it again
    without)."""
    with enable_grad():
        try:
            with detect_anomaly():
                return f(*inputs)
        except AnomalyError:
            return f(*inputs)


def op_to_blame(outputs: Sequence[Any],
                check: LocalCheck) -> tuple[Optional[str], Optional[Node], str]:
    """(op name, node, a line saying so) for the first op node behind `outputs`, inputs first,
    that fails `check` alone at its own input values; (None, None, a line) when none does."""
    seen: set[int] = set()
    for out in outputs:
        if not isinstance(out, Node):
            continue
        for node in topological_order(out):
            if node._op is None or id(node) in seen:
                continue
            seen.add(id(node))
            failures = _alone(node, check)
            if failures:
                site = site_text(node)
                return node._op.name, node, (
                    f"  the op to blame: {node._op.name}{' (made ' + site + ')' if site else ''}"
                    f", whose own derivative disagrees at the values it saw:\n"
                    + "\n".join(re.sub(r"^\s*input \d+ ", "    argument ", line)
                                for line in failures))
    return None, None, ("  every op's own derivative agrees with central differences at the "
                        "values it saw: the fault is not in one op's formula (is f made of "
                        "registered ops, and smooth at these inputs?)")


def _alone(node: Node, check: LocalCheck) -> list[str]:
    """The failure lines of node's op checked by itself, on fresh leaves holding the values of
    its inputs (labelled with the argument names); its other arguments as they were."""
    op = node._op
    args = list(arguments(node))
    count = len(args) - op.nparams
    positions = [i for i, x in enumerate(args[:count]) if isinstance(x, Node)
                 and (op.variadic or op.derivatives[i] is not None)]
    raw = [raw_data(x) for x in args]
    leaves = []
    for i in positions:
        x = args[i]
        leaf = x._constant(x.data.copy() if isinstance(x.data, np.ndarray) else x.data)
        leaf.label = op.params[min(i, len(op.params) - 1)]
        if hasattr(leaf, "requires_grad"):
            leaf.requires_grad = True
        leaves.append(leaf)

    def op_alone(*xs: Node) -> Any:
        call = list(raw)
        for i, x in zip(positions, xs):
            call[i] = x
        return op(*call)
    try:
        return check(op.name, op_alone, leaves)
    except (TypeError, ValueError):  # not checkable alone (a float32 input, say): no verdict
        return []
