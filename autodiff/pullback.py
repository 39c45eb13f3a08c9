"""Reverse passes over many outputs and many inputs: the building blocks of the function
transforms (func.py).

`pull` sums seed^T d(out)/d(leaf) over outputs, in one backward pass per kind of output (the
Value outputs summed into one scalar, the Tensor outputs into another) rather than one per
output. `blocks` makes Jacobians, one pass per output element, as blocks of shape out + leaf;
`moved` turns a block of shape leaf + out around, for forward mode. Gradients are raw (floats,
arrays in each leaf's dtype), or nodes when `create` (inside another transform).
"""
from __future__ import annotations

from typing import Any

import numpy as np

from . import engine
from .node import Node, enable_grad
from .shapes import reshape, stack, transpose
from .tensor import Tensor
from .value import Value


def pull(outs: list[Any], seeds: list[Any], leaves: list[Node], create: bool) -> list[Any]:
    """sum over outputs of seed^T d(out)/d(leaf), for each leaf (a seed None: 1 for a scalar)."""
    total: list[Any] = [None] * len(leaves)
    with enable_grad():
        pairs = [(out, seed) for out, seed in zip(outs, seeds) if isinstance(out, Node)]
        if len(pairs) > 1:
            pairs = _combined(pairs)
        for out, seed in pairs:
            grads = engine.grad(out, leaves, create_graph=create, grad_output=seed)
            total = [g if t is None else t + g for t, g in zip(total, grads)]
    if len(pairs) > 1 and not create:  # numpy makes a sum of 0-d arrays a scalar
        total = [np.asarray(t, dtype=dtype_of(x)) if isinstance(x, Tensor) else t
                 for x, t in zip(leaves, total)]
    return [zeros(x, create) if t is None else t for x, t in zip(leaves, total)]


def _combined(pairs: list[tuple[Node, Any]]) -> list[tuple[Node, Any]]:
    """(sum of seed . out, None) over the Value outputs and over the Tensor outputs: one
    backward pass for each kind instead of one for each output (they never mix)."""
    sums: dict[type, Any] = {}
    for out, seed in pairs:
        term = out if seed is None else out * seed
        if isinstance(out, Tensor):
            term = term.sum()
        kind = type(out)
        sums[kind] = term if kind not in sums else sums[kind] + term
    return [(root, None) for root in sums.values()]


def blocks(outs: list[Any], leaves: list[Node], create: bool) -> list[list[Any]]:
    """blocks[i][j]: the Jacobian of output leaf i in leaf j, of shape out_i + leaf_j, by one
    reverse pass per element of each output leaf."""
    jacobian = []
    for out in outs:
        rows = []
        if isinstance(out, Node):
            shape = out.data.shape if isinstance(out, Tensor) else ()
            for k in range(int(np.prod(shape))):
                basis = None
                if shape:
                    basis = np.zeros(shape, dtype=out.data.dtype)
                    basis.flat[k] = 1.0
                rows.append(engine.grad(out, leaves, create_graph=create, grad_output=basis))
        jacobian.append([_stacked([row[j] for row in rows], out, x, create)
                         for j, x in enumerate(leaves)])
    return jacobian


def _stacked(rows: list[Any], out: Any, leaf: Node, create: bool) -> Any:
    """The gradients in `leaf` of each element of `out` as one block of shape out + leaf: a
    float where both are floats, else an array in the leaf's dtype (nodes when `create`)."""
    floats = isinstance(leaf, Value)
    if floats and is_float(out):  # a float of a float: the one gradient
        return rows[0] if rows else Value(0.0) if create else 0.0
    out_shape = np.shape(data_of(out))
    shape = out_shape + np.shape(leaf.data)
    if not rows or floats or is_float(out):
        # A constant or empty output; or a float and an array, between which nothing flows
        # (a Value and a Tensor never meet in one op).
        zero = np.zeros(shape, dtype=dtype_of(leaf))
        return Tensor(zero) if create else zero
    if create:
        return rows[0] if not out_shape else reshape(stack(rows), shape)
    return np.array([np.asarray(r) for r in rows], dtype=dtype_of(leaf)).reshape(shape)


def moved(block: Any, leaf: Node, create: bool) -> Any:
    """A block of shape leaf + out as out + leaf, in the leaf's dtype (jacfwd's transpose)."""
    k = np.ndim(leaf.data)
    ndim = np.ndim(data_of(block))
    axes = tuple(range(k, ndim)) + tuple(range(k))
    if create:
        return block if k in (0, ndim) else transpose(block, axes)
    if isinstance(block, float):
        return block
    return np.transpose(block, axes).astype(dtype_of(leaf))


def is_float(x: Any) -> bool:
    """True for a Value or a plain number: the leaves that are floats, not arrays."""
    return isinstance(x, (Value, float, int)) and not isinstance(x, bool)


def dtype_of(leaf: Node) -> np.dtype:
    return leaf.data.dtype if isinstance(leaf.data, np.ndarray) else np.dtype(np.float64)


def data_of(x: Any) -> Any:
    return x.data if isinstance(x, Node) else x


def cotangent_leaf(out: Any) -> Node:
    """A fresh leaf of out's kind, shape and dtype: the u of u -> J^T u."""
    data = data_of(out)
    if isinstance(out, Value) or not isinstance(data, np.ndarray):
        return Value(1.0)
    return Tensor(np.ones_like(data), requires_grad=True)


def zeros(leaf: Node, create: bool) -> Any:
    data = leaf.data
    zero = np.zeros_like(data) if isinstance(data, np.ndarray) else 0.0
    return leaf._constant(zero) if create else zero
