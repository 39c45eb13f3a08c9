"""Helpers shared by the compile tests: bitwise equality of results, and a function run
without compile on leaves made the way compile makes them."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np

from autodiff import Node, Tensor, Value


def same(a: Any, b: Any) -> bool:
    """Equal to the last bit (any nan equal to any nan), through lists, tuples and dicts."""
    if isinstance(a, dict):
        return type(b) is dict and a.keys() == b.keys() and all(same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)):
        return type(a) is type(b) and len(a) == len(b) and all(map(same, a, b))
    if isinstance(a, np.ndarray):
        return (isinstance(b, np.ndarray) and a.shape == b.shape and a.dtype == b.dtype
                and np.array_equal(a, b, equal_nan=True)
                and np.array_equal(np.signbit(a) | np.isnan(a), np.signbit(b) | np.isnan(b)))
    if type(a) is not type(b):
        return False
    if a != a:
        return b != b
    return a == b and (not isinstance(a, float) or math.copysign(1, a) == math.copysign(1, b))


def interpreted(f: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """f run without compile, on Value leaves for floats and Tensor leaves (requires_grad) for
    arrays, with every node of its result replaced by its data."""
    return raw(f(*(leaves(x) for x in args), **{k: leaves(v) for k, v in kwargs.items()}))


def leaves(x: Any) -> Any:
    if isinstance(x, float):
        return Value(x)
    if isinstance(x, np.ndarray):
        return Tensor(x, requires_grad=True)
    if isinstance(x, dict):
        return {k: leaves(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return type(x)(leaves(v) for v in x)
    return x


def raw(y: Any) -> Any:
    if isinstance(y, Node):
        return np.array(y.data) if isinstance(y, Tensor) else y.data
    if isinstance(y, dict):
        return {k: raw(v) for k, v in y.items()}
    if isinstance(y, (list, tuple)):
        return type(y)(raw(v) for v in y)
    return y
