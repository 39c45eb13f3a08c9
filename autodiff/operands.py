"""What may enter an op, and as what: one check and one message per kind of misuse.

Every route into the engine (a method, an operator, an op called as a function, a layer)
coerces its operands here, so the same mistake gets the same error wherever it is made:
the wrong type is a TypeError naming it, a bad axis a ValueError naming the axis and the number
of dimensions, a node given as a parameter a TypeError naming the parameter.
"""
from __future__ import annotations

import numbers
from typing import Any, Optional, Sequence

import numpy as np

from .node import Node
from .numerics import number

Axis = Optional[int | tuple[int, ...]]


def mixing_error(where: str) -> TypeError:
    """The one message for combining a Value with a Tensor."""
    return TypeError(f"{where}: cannot combine a Value with a Tensor; Value and Tensor do not "
                     f"mix (make both Tensors, or use t.item() for a number)")


def parameter_node_error(where: str, param: str, x: Any) -> TypeError:
    """The one message for a node given where the op takes a parameter."""
    return TypeError(f"{where}: {param} is a parameter, which carries no gradient; pass a "
                     f"number (or array), not a {type(x).__name__}")


def value_operand(where: str, x: Any) -> float | int:
    """A raw operand of a Value op as stored: a Python number, or a TypeError naming it."""
    if isinstance(x, Node):
        raise mixing_error(where)
    try:
        return number(x, where)
    except TypeError:
        raise TypeError(f"unsupported operand for {where}: Value and "
                        f"{type(x).__name__}") from None


def tensor_operand(where: str, x: Any) -> Any:
    """A raw operand of a Tensor op as stored: a Python number or a numeric ndarray."""
    if type(x) is float:
        return x
    if type(x) is int:
        return number(x, where)  # an int beyond float range becomes +-inf
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "fiub":
            raise TypeError(f"{where}: array operand of dtype {x.dtype} is not numeric")
        return x if type(x) is np.ndarray else np.asarray(x)
    if isinstance(x, (numbers.Real, np.bool_)):
        return float(x)  # a numpy scalar as a Python float: float32 tensors stay float32
    if isinstance(x, Node):
        raise mixing_error(where)
    raise TypeError(f"unsupported operand for {where}: Tensor and {type(x).__name__}")


def float_array(data: Any, dtype: Any = None, where: str = "Tensor(data)") -> np.ndarray:
    """data as a float ndarray (float64 unless data or dtype is another float type)."""
    if isinstance(data, Node):
        what = "already a Tensor; use .detach() for a new leaf" if type(data).__name__ == \
            "Tensor" else f"a {type(data).__name__}; Value and Tensor do not mix"
        raise TypeError(f"{where}: data is {what}")
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"{where}: expected a float dtype, got {dtype}")
    try:
        array = np.asarray(data)
    except (ValueError, OverflowError) as error:
        raise ValueError(f"{where}: cannot make an array of {type(data).__name__} "
                         f"(ragged nested lists?): {error}") from None
    if array.dtype.kind == "O" and _all_ints(array):
        array = array.astype(np.float64)  # ints beyond int64 (2**64): as floats, like Value
    if array.dtype.kind not in "fiub":
        raise TypeError(f"{where}: expected real numbers, got {type(data).__name__} "
                        f"of dtype {array.dtype}")
    if dtype is None:
        dtype = array.dtype if array.dtype.kind == "f" else np.dtype(np.float64)
    return array if array.dtype == dtype else array.astype(dtype)


def _all_ints(array: np.ndarray) -> bool:
    return all(isinstance(x, numbers.Integral) for x in array.flat)


def axis_argument(where: str, axis: Any, ndim: int) -> Axis:
    """An axis argument checked against `ndim`: None, an int or a tuple of ints, as given.

    A non-integer is a TypeError naming it; an axis out of range, or repeated, a ValueError
    naming the axis and the number of dimensions.
    """
    if axis is None:
        return None
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    if isinstance(axis, bool) or not isinstance(axes, (tuple, list)) or not all(
            isinstance(a, (int, np.integer)) and not isinstance(a, bool) for a in axes):
        raise TypeError(f"{where}: axis must be an int, a tuple of ints or None, got {axis!r}")
    for a in axes:
        if not -ndim <= a < ndim:
            raise ValueError(f"{where}: axis {int(a)} is out of range for a tensor of {ndim} "
                             f"dimension{'s' * (ndim != 1)}")
    if len({int(a) % ndim for a in axes}) != len(axes):
        raise ValueError(f"{where}: axis {tuple(axes)} repeats an axis")
    return int(axis) if isinstance(axis, (int, np.integer)) else tuple(int(a) for a in axes)


def normalized_axes(axis: Axis, ndim: int) -> tuple[int, ...]:
    """The axes named by a checked axis argument, non-negative (None: all)."""
    if axis is None:
        return tuple(range(ndim))
    axes: Sequence[int] = (axis,) if isinstance(axis, int) else axis
    return tuple(a % ndim for a in axes)
