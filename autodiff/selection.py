"""Selecting elements: where(cond, a, b) and clip(x, low, high).

`where` is one op of three arguments; its condition passes no gradient, and may be a node (a
mask computed by `step` or `sign`), so a traced graph recomputes it. clip's derivative builds
its mask with `step` too, never with a comparison frozen into the graph.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .arithmetic import step
from .ops import register
from .shapes import broadcast_shape, summed_to


def _condition(cond: Any) -> np.ndarray:
    """A where-condition as a bool array; numbers count as true where non-zero."""
    array = np.asarray(cond)
    if array.dtype.kind not in "biuf":
        raise TypeError(f"where: cond must be a bool or numeric array, got "
                        f"{type(cond).__name__} of dtype {array.dtype}")
    return array if array.dtype == bool else array != 0


def _where(cond: Any, a: Any, b: Any) -> np.ndarray:
    cond = _condition(cond)
    broadcast_shape("where", cond, a, b)
    return np.where(cond, a, b)


def _clip(x: np.ndarray, low: Optional[float], high: Optional[float]) -> np.ndarray:
    if low is None and high is None:
        return x.copy()
    return np.clip(x, low, high)


def _inside(x: Any, low: Optional[float], high: Optional[float]) -> Any:
    """1 where low <= x <= high (a missing bound always holds), else 0: built from `step`."""
    mask = 1.0
    if low is not None:
        mask = mask * (1.0 - step(low - x))
    if high is not None:
        mask = mask * (1.0 - step(x - high))
    return mask


where = register("where", _where, None,
                 lambda g, y, cond, a, b: summed_to(where(cond, g, 0.0), a.shape),
                 lambda g, y, cond, a, b: summed_to(where(cond, 0.0, g), b.shape),
                 signature="cond, a, b", elementwise=False,
                 doc="where(cond, a, b) = a where cond, else b (broadcast); no gradient to cond")
clip = register("clip", _clip, lambda g, y, x, low, high: g * _inside(x, low, high),
                signature="x, low, high", elementwise=False,
                doc="clip(x, low, high) = min(max(x, low), high); clip' = 1 where "
                    "low <= x <= high")
