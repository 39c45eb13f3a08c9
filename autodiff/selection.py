"""Selecting elements: where(cond, a, b) and clip(x, low, high).

`where` is one elementwise op of three arguments, on floats, Values and Tensors alike; its
condition passes no gradient, and may be a node (a mask computed by `step` or `sign`), so a
traced graph recomputes it. Derivative formulas use it to pick the form of a function that is
exact on each side of a point (see activations.py); each branch only gets the gradient where it
is picked. clip's derivative builds its mask with `step` too, never with a comparison frozen
into the graph.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from .arithmetic import step
from .ops import register
from .shapes import broadcast_shape


def _condition(cond: Any) -> np.ndarray:
    """A where-condition as a bool array; numbers count as true where non-zero."""
    array = np.asarray(cond)
    if array.dtype.kind not in "biuf":
        what = type(array.item()).__name__ if array.ndim == 0 else f"an array of {array.dtype}"
        raise TypeError(f"where: cond must be a bool or numeric array, got {what}")
    return array if array.dtype == bool else array != 0


def _where(cond: Any, a: Any, b: Any) -> np.ndarray:
    cond = _condition(cond)
    broadcast_shape("where", cond, a, b)
    return np.where(cond, a, b)


def _where_scalar(cond: float, a: float, b: float) -> float:
    return a if cond else b  # nan counts as true, as `nan != 0` does for arrays


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
                 lambda g, y, cond, a, b: where(cond, g, 0.0),
                 lambda g, y, cond, a, b: where(cond, 0.0, g),
                 signature="cond, a, b", scalar=_where_scalar,
                 doc="where(cond, a, b) = a where cond (non-zero), else b; no gradient to cond")
clip = register("clip", _clip, lambda g, y, x, low, high: g * _inside(x, low, high),
                signature="x, low, high", elementwise=False,
                doc="clip(x, low, high) = min(max(x, low), high); clip' = 1 where "
                    "low <= x <= high")
