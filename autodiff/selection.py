"""Selecting elements: masked (the half of `where` that keeps one side), clip, and where.

`where(cond, a, b)` is composed as masked(a, cond) + masked(b, not cond): the Op record has at
most two inputs, and the condition is a parameter without a derivative.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .engine import Node
from .ops import REALS, register
from .shapes import broadcast_shape, expand, raw_data, sum_to

Bounds = tuple[Optional[float], Optional[float]]


def _inside(x: Any, bounds: Bounds) -> np.ndarray:
    """Where lo <= x <= hi (a missing bound always holds): where clip passes x through."""
    data = raw_data(x)
    low, high = bounds
    keep = np.ones(np.shape(data), dtype=bool)
    if low is not None:
        keep &= data >= low
    if high is not None:
        keep &= data <= high
    return keep


masked = register("masked", lambda x, cond: np.where(cond, x, 0),
                  lambda g, y, a, cond: sum_to(masked(g, cond), a.shape), None,
                  domain=(REALS, None), elementwise=False,
                  doc="masked(x, cond) = x where cond, else 0")
clip = register("clip", lambda x, bounds: np.clip(x, bounds[0], bounds[1]),
                lambda g, y, a, bounds: g * _inside(a, bounds), None,
                domain=(REALS, None), elementwise=False,
                doc="clip(x, (lo, hi)) = min(max(x, lo), hi); clip' = 1 where lo <= x <= hi")


def where(cond: Any, a: Any, b: Any) -> Any:
    """a where cond is true, else b, elementwise with broadcasting (cond has no gradient)."""
    cond = np.asarray(raw_data(cond), dtype=bool)
    ad, bd = raw_data(a), raw_data(b)
    shape = broadcast_shape("where", cond, ad, bd)
    dtype = np.result_type(ad, bd)
    return masked(_widened(a, shape, dtype), cond) + masked(_widened(b, shape, dtype), ~cond)


def _widened(x: Any, shape: tuple[int, ...], dtype: np.dtype) -> Any:
    """A node expanded to the full shape (its gradient then has it); a constant as an array."""
    if isinstance(x, Node):
        return x if x.data.shape == shape else expand(x, shape)
    return np.asarray(x, dtype=dtype)
