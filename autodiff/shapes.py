"""Shape ops on arrays: expand and sum_to, reshape, transpose, getitem and embed, concatenate.

Each op takes its settings (a shape, axes, an index) as parameters, and each derivative is
another shape op, so derivatives of every order exist: expand <-> sum_to, reshape <-> reshape,
transpose <-> the inverse transpose, getitem <-> embed, concatenate <-> getitem of each piece.
`sum_to` is the one place where broadcasting is undone: the Tensor front-end makes every
broadcast an explicit `expand`, whose derivative sums the gradient back to the input's shape.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .node import Node, raw_data
from .operands import axis_argument, normalized_axes
from .ops import register

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


def _embed(x: np.ndarray, shape: Shape, index: Any) -> np.ndarray:
    """Zeros of `shape` with x added at `index`; repeated indices accumulate (np.add.at)."""
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


expand = register("expand", _broadcast_to, lambda g, y, x, shape: sum_to(g, x.shape),
                  signature="x, shape", elementwise=False,
                  doc="expand(x, shape) = x broadcast to shape; expand' sums back (sum_to)")
sum_to = register("sum_to", _sum_to, lambda g, y, x, shape: expand(g, x.shape),
                  signature="x, shape", elementwise=False,
                  doc="sum_to(x, shape) = x summed down to the broadcastable shape `shape`")
reshape = register("reshape", lambda x, shape: x.reshape(shape),
                   lambda g, y, x, shape: reshape(g, x.shape),
                   signature="x, shape", elementwise=False,
                   doc="reshape(x, shape): the same elements in a new shape")
transpose = register("transpose", lambda x, axes=None: x.transpose(axes),
                     lambda g, y, x, axes: transpose(g, _inverse(axes, x.ndim)),
                     signature="x, axes=None", elementwise=False,
                     doc="transpose(x, axes=None): permute axes (None reverses them)")
getitem = register("getitem", lambda x, index: x[index],
                   lambda g, y, x, index: embed(g, x.shape, index),
                   signature="x, index", elementwise=False,
                   doc="getitem(x, index) = x[index], numpy indexing")
embed = register("embed", _embed, lambda g, y, x, shape, index: getitem(g, index),
                 signature="x, shape, index", elementwise=False,
                 doc="embed(x, shape, index): zeros(shape) with x added at index")


def _join(*args: Any) -> np.ndarray:
    *xs, axis = args
    return np.concatenate(xs, axis=axis)


def _pieces(g: Any, y: Any, *args: Any) -> list[Any]:
    """The gradient of each joined input: its own slice of g along the axis."""
    *xs, axis = args
    before = (slice(None),) * (axis % y.ndim)
    out, start = [], 0
    for x in xs:
        stop = start + x.shape[axis]
        out.append(getitem(g, before + (slice(start, stop),)))
        start = stop
    return out


joined = register("concatenate", _join, _pieces, signature="*xs, axis=0", elementwise=False,
                  doc="concatenate(*xs, axis=0): the inputs joined along an existing axis; "
                      "each input's gradient is its slice of g")


def summed_to(x: Any, shape: Shape) -> Any:
    """x, or x summed down to `shape` where broadcasting stretched it (see sum_to)."""
    return x if x.shape == shape else sum_to(x, tuple(shape))


# --- shapes for the front-end ------------------------------------------------------------


def squeezed_shape(shape: Shape, axis: Optional[int | Sequence[int]]) -> Shape:
    """shape without the given size-1 axes (all size-1 axes when axis is None)."""
    if axis is None:
        return tuple(n for n in shape if n != 1)
    axes = normalized_axes(axis_argument("squeeze", axis, len(shape)), len(shape))
    for a in axes:
        if shape[a] != 1:
            raise ValueError(f"squeeze: axis {a} of shape {shape} has size {shape[a]}, not 1")
    return tuple(n for i, n in enumerate(shape) if i not in axes)


def unsqueezed_shape(shape: Shape, axis: int, where: str = "unsqueeze") -> Shape:
    """shape with a new size-1 axis at position `axis` (negative counts from the end)."""
    position = normalized_axes(axis_argument(where, axis, len(shape) + 1), len(shape) + 1)[0]
    return shape[:position] + (1,) + shape[position:]


def kept_shape(shape: Shape, axis: Optional[int | Sequence[int]]) -> Shape:
    """The shape a reduction over `axis` with keepdims=True leaves: reduced axes become 1."""
    axes = normalized_axes(axis, len(shape))
    return tuple(1 if i in axes else n for i, n in enumerate(shape))


def index_argument(index: Any, shape: Shape) -> Any:
    """An index into an array of `shape` with every node in it replaced by its data, read as
    numpy reads an integer array: an index carries no gradient.

    A Tensor's data are floats (it has no integer or bool dtype), so they must hold integers;
    and a Tensor of only 0s and 1s shaped like the axes it indexes is refused, because it may
    be a mask that became floats (`Tensor(mask)`): a bool ndarray indexes as a mask.
    """
    if isinstance(index, Node):
        return _node_index(index, shape, 0)
    if type(index) is not tuple or not any(isinstance(part, Node) for part in index):
        return index
    parts: list[Any] = []
    axis: Optional[int] = 0  # the axis the next part indexes from; None after an Ellipsis
    for part in index:
        if isinstance(part, Node):
            part = _node_index(part, shape, axis)
        parts.append(part)
        if part is Ellipsis:
            axis = None
        elif axis is not None and part is not None:
            is_mask = isinstance(part, np.ndarray) and part.dtype == bool
            axis += part.ndim if is_mask else 1
    return tuple(parts)


def _node_index(node: Node, shape: Shape, axis: Optional[int]) -> Any:
    """A node's data as an integer index (see index_argument), or the error saying why not."""
    data = np.asarray(node.data)
    kind = type(node).__name__
    whole = np.isfinite(data) & (data == np.trunc(data))
    if not whole.all():
        bad = float(data[~whole].flat[0])
        raise ValueError(f"index: a {kind} used as an index must hold integers, got {bad!r}; "
                         f"index with an integer or bool ndarray")
    if data.ndim and np.isin(data, (0, 1)).all():
        fits = len(shape) >= data.ndim if axis is None else \
            tuple(shape[axis:axis + data.ndim]) == data.shape
        if fits:
            raise ValueError(f"index: a {kind} of 0s and 1s of shape {data.shape} may be a "
                             f"mask or positions (a Tensor holds floats, never bools); index "
                             f"with t.data.astype(bool) for a mask, or t.data.astype(int) for "
                             f"positions")
    return data.astype(np.intp) if data.ndim else int(data)


# --- joining ---------------------------------------------------------------------------------


def concatenate(xs: Sequence[Any], axis: int = 0) -> Any:
    """Join arrays or Tensors along an existing axis (one `concatenate` op in the graph)."""
    datas = _joinable("concatenate", xs)
    ndim = datas[0].ndim
    if ndim == 0:
        raise ValueError("concatenate: zero-dimensional arrays cannot be concatenated")
    axis = normalized_axes(axis_argument("concatenate", axis, ndim), ndim)[0]
    shapes = [d.shape for d in datas]
    if any(len(s) != ndim or s[:axis] + s[axis + 1:] != shapes[0][:axis] + shapes[0][axis + 1:]
           for s in shapes):
        raise ValueError(f"concatenate: shapes {shapes} must match except along axis {axis}")
    return joined(*xs, axis=axis)


def stack(xs: Sequence[Any], axis: int = 0) -> Any:
    """Join arrays or Tensors along a new axis."""
    datas = _joinable("stack", xs)
    shapes = sorted({d.shape for d in datas})
    if len(shapes) != 1:
        raise ValueError(f"stack: every input needs the same shape, got {shapes}")
    try:
        shape = unsqueezed_shape(shapes[0], axis, "stack")
    except ValueError:  # the range is the result's: one axis more than the inputs have
        ndim = len(shapes[0]) + 1
        raise ValueError(f"stack: axis {axis} is out of range for stacking tensors of shape "
                         f"{shapes[0]}: the result has {ndim} dimensions, so -{ndim} <= axis "
                         f"< {ndim}") from None
    return concatenate([reshape(x, shape) for x in xs], axis=axis)


def _joinable(where: str, xs: Any) -> list[np.ndarray]:
    """The data of a non-empty sequence of arrays or Tensors, or the error naming what is wrong."""
    if isinstance(xs, (np.ndarray, Node)) or not isinstance(xs, (list, tuple)):
        raise TypeError(f"{where}: expected a list or tuple of arrays or Tensors, got "
                        f"{type(xs).__name__}")
    if not xs:
        raise ValueError(f"{where}: needs at least one array to join, got an empty sequence")
    return [np.asarray(raw_data(x)) for x in xs]
