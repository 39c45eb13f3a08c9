"""Shape ops on arrays: expand and sum_to, reshape, transpose, getitem and embed, concatenate.

Each op takes its parameter (a shape, axes, an index) as a second input with no derivative, and
each derivative is another shape op, so derivatives of every order exist:
expand <-> sum_to, reshape <-> reshape, transpose <-> the inverse transpose, getitem <-> embed.
`sum_to` is the one place where broadcasting is undone: the Tensor front-end makes every
broadcast an explicit `expand`, whose derivative sums the gradient back to the input's shape.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .engine import Node, is_grad_enabled, raw_data
from .ops import REALS, register

Shape = tuple[int, ...]


def broadcast_shape(where: str, *arrays: Any) -> Shape:
    """The shape numpy broadcasting gives the arrays, or a ValueError naming every shape."""
    try:
        return np.broadcast(*arrays).shape
    except ValueError:
        listed = " and ".join(str(np.shape(x)) for x in arrays)
        raise ValueError(f"{where}: shapes {listed} cannot be broadcast together") from None


def _broadcast_to(x: Any, shape: Shape) -> np.ndarray:
    """x repeated along new and size-1 axes up to `shape`, as a read-only view.

    The same as np.broadcast_to, which costs several times more on small arrays: a contiguous
    x gets its view built directly, with stride 0 on the repeated axes.
    """
    x = np.asarray(x)
    lead = len(shape) - x.ndim
    if lead < 0 or not x.flags.c_contiguous:
        return np.broadcast_to(x, shape)
    strides = [0] * lead
    for n, m, stride in zip(x.shape, shape[lead:], x.strides):
        if n == m:
            strides.append(stride)
        elif n == 1:
            strides.append(0)
        else:
            return np.broadcast_to(x, shape)  # raises numpy's error naming both shapes
    out = np.ndarray(shape, x.dtype, x, 0, tuple(strides))
    out.flags.writeable = False
    return out


def _sum_to(x: np.ndarray, shape: Shape) -> np.ndarray:
    """x summed over the axes that broadcasting `shape` to x.shape added or stretched."""
    lead = x.ndim - len(shape)
    if lead < 0 or any(n not in (1, m) for n, m in zip(shape, x.shape[lead:])):
        raise ValueError(f"sum_to: shape {tuple(shape)} does not broadcast to {x.shape}")
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and x.shape[lead + i] != 1)
    if not stretched:
        return x.sum(axis=tuple(range(lead))) if lead else x
    return x.sum(axis=tuple(range(lead)) + stretched, keepdims=True).reshape(shape)


def _is_basic(index: Any) -> bool:
    """True for an index of ints, slices, Ellipsis and None only (it selects no element twice)."""
    parts = index if type(index) is tuple else (index,)
    for part in parts:
        if not (part is None or part is Ellipsis or isinstance(part, (int, np.integer, slice))):
            return False
        if isinstance(part, bool):
            return False
    return True


def _embed(x: np.ndarray, spec: tuple[Shape, Any]) -> np.ndarray:
    """Zeros of `shape` with x added at `index`; repeated indices accumulate (np.add.at)."""
    shape, index = spec
    x = np.asarray(x)
    out = np.zeros(shape, dtype=x.dtype)
    if _is_basic(index):
        out[index] = x
    else:
        np.add.at(out, index, x)
    return out


def _inverse(axes: Optional[Sequence[int]], ndim: int) -> Optional[tuple[int, ...]]:
    """The permutation that undoes `axes` (None, numpy's reversal, is its own inverse)."""
    if axes is None:
        return None
    return tuple(int(i) for i in np.argsort([axis % ndim for axis in axes]))


expand = register("expand", _broadcast_to, lambda g, y, a, shape: sum_to(g, a.shape), None,
                  domain=(REALS, None), elementwise=False,
                  doc="expand(x, shape) = x broadcast to shape; expand' sums back (sum_to)")
sum_to = register("sum_to", _sum_to, lambda g, y, a, shape: expand(g, a.shape), None,
                  domain=(REALS, None), elementwise=False,
                  doc="sum_to(x, shape) = x summed down to the broadcastable shape `shape`")
reshape = register("reshape", lambda x, shape: x.reshape(shape),
                   lambda g, y, a, shape: reshape(g, a.shape), None,
                   domain=(REALS, None), elementwise=False,
                   doc="reshape(x, shape): the same elements in a new shape")
transpose = register("transpose", lambda x, axes: x.transpose(axes),
                     lambda g, y, a, axes: transpose(g, _inverse(axes, a.ndim)), None,
                     domain=(REALS, None), elementwise=False,
                     doc="transpose(x, axes): permute axes (None reverses them)")
getitem = register("getitem", lambda x, index: x[index],
                   lambda g, y, a, index: embed(g, (a.shape, index)), None,
                   domain=(REALS, None), elementwise=False,
                   doc="getitem(x, index) = x[index], numpy indexing")
embed = register("embed", _embed, lambda g, y, a, spec: getitem(g, spec[1]), None,
                 domain=(REALS, None), elementwise=False,
                 doc="embed(x, (shape, index)): zeros(shape) with x added at index")


# --- shapes for the front-end ------------------------------------------------------------


def squeezed_shape(shape: Shape, axis: Optional[int | Sequence[int]]) -> Shape:
    """shape without the given size-1 axes (all size-1 axes when axis is None)."""
    if axis is None:
        return tuple(n for n in shape if n != 1)
    axes = _axis_set(axis, len(shape))
    for a in axes:
        if shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of shape {shape} has size {shape[a]}, not 1")
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def unsqueezed_shape(shape: Shape, axis: int) -> Shape:
    """shape with a new size-1 axis at position `axis` (negative counts from the end)."""
    ndim = len(shape) + 1
    if not -ndim <= axis < ndim:
        raise ValueError(f"unsqueeze: axis {axis} is out of range for {ndim} dimensions")
    axis %= ndim
    return shape[:axis] + (1,) + shape[axis:]


def _axis_set(axis: int | Sequence[int], ndim: int) -> set[int]:
    """The axes named by an int or a sequence of ints, as non-negative numbers."""
    axes = (axis,) if isinstance(axis, (int, np.integer)) else tuple(axis)
    for a in axes:
        if not -ndim <= a < ndim:
            raise np.exceptions.AxisError(int(a), ndim)
    return {int(a) % ndim for a in axes}


def kept_shape(shape: Shape, axis: Optional[int | Sequence[int]]) -> Shape:
    """The shape a reduction over `axis` with keepdims=True leaves: reduced axes become 1."""
    if axis is None:
        return (1,) * len(shape)
    axes = _axis_set(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


# --- joining: composed from embed, so they work on arrays and on Tensors -------------------


def concatenate(xs: Sequence[Any], axis: int = 0) -> Any:
    """Join arrays or Tensors along an existing axis: the sum of each embedded in its slot."""
    datas = [np.asarray(raw_data(x)) for x in xs]
    try:
        out = np.concatenate(datas, axis=axis)
    except ValueError:
        raise ValueError(f"concatenate: shapes {[d.shape for d in datas]} do not match "
                         f"outside axis {axis}") from None
    if not is_grad_enabled() or not any(getattr(x, "requires_grad", False) for x in xs):
        nodes = [x for x in xs if isinstance(x, Node)]
        return nodes[0]._constant(out) if nodes else out
    axis %= out.ndim
    # Join neighbours pairwise, level by level: each level moves every element once, so n
    # pieces cost log2(n) passes over the data, not the n of embedding each in the whole.
    pieces = [(x, data.shape) for x, data in zip(xs, datas)]
    while len(pieces) > 1:
        joined = []
        for i in range(0, len(pieces) - 1, 2):
            (a, a_shape), (b, b_shape) = pieces[i], pieces[i + 1]
            cut = a_shape[axis]
            shape = a_shape[:axis] + (cut + b_shape[axis],) + a_shape[axis + 1:]
            before = (slice(None),) * axis
            joined.append((embed(a, (shape, before + (slice(0, cut),)))
                           + embed(b, (shape, before + (slice(cut, None),))), shape))
        pieces = joined + pieces[len(pieces) - len(pieces) % 2:]
    return pieces[0][0]


def stack(xs: Sequence[Any], axis: int = 0) -> Any:
    """Join arrays or Tensors along a new axis."""
    shapes = {np.shape(raw_data(x)) for x in xs}
    if len(shapes) != 1:
        raise ValueError(f"stack: every input needs the same shape, got {sorted(shapes)}")
    shape = unsqueezed_shape(shapes.pop(), axis)
    return concatenate([reshape(x, shape) for x in xs], axis=axis)
