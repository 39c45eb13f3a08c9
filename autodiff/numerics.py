"""IEEE semantics for floats and arrays: inf and nan where Python would raise, and no warnings.

Python's `math` raises on poles and overflow (`1 / 0.0`, `math.log(0)`, `math.exp(1000)`) where
numpy returns IEEE values with a RuntimeWarning. An op must give the IEEE value silently on
both, so a float forward that raises is recomputed on numpy float64 (`ieee`), and an array
forward runs with numpy's warnings off (`quiet`).
"""
from __future__ import annotations

import math
import numbers
from typing import Any, Callable

import numpy as np


def number(x: Any, where: str = "op") -> float | int:
    """x as a Python number (bools and numpy scalars too), or a TypeError naming its type."""
    if type(x) is float:
        return x
    if isinstance(x, (numbers.Real, np.bool_)):  # int, bool, numpy scalars
        try:
            return x if type(x) is int and -2**1023 < x < 2**1023 else float(x)
        except OverflowError:  # an int beyond float range: IEEE says +-inf
            return math.inf if x > 0 else -math.inf
    shape = f" of shape {x.shape}" if isinstance(x, np.ndarray) else ""
    hint = " (arrays go in a Tensor)" if shape else ""
    raise TypeError(f"{where}: expected a real number, got {type(x).__name__}{shape}{hint}")


def ieee(formula: Callable[..., Any], *args: Any) -> Any:
    """A forward or derivative formula recomputed on numpy float64, where 1/0 is inf and
    log(-1) is nan without a warning, for the floats on which Python raises instead."""
    with np.errstate(all="ignore"):
        out = formula(*(float64(x) if isinstance(x, (float, int)) else x for x in args))
    return float(out) if isinstance(out, np.floating) else out


def float64(x: float | int) -> np.float64:
    """x as numpy float64; an int beyond float range becomes +-inf."""
    try:
        return np.float64(x)
    except OverflowError:
        return np.float64(np.inf if x > 0 else -np.inf)


def quiet(forward: Callable[..., Any]) -> Callable[..., Any]:
    """An array forward that returns IEEE values at poles (1/0 = inf, log 0 = -inf, exp(1000) =
    inf) without numpy's RuntimeWarning, as the float forward does."""
    def quiet_forward(*args: Any) -> Any:
        with np.errstate(all="ignore"):
            return forward(*args)
    quiet_forward.__name__ = getattr(forward, "__name__", "forward")
    return quiet_forward


def scalar_from_array(array: Callable[..., Any]) -> Callable[..., float]:
    """A float forward made from an array forward (slower than `math`, but always right)."""
    def scalar(*args: Any) -> float:
        with np.errstate(all="ignore"):
            return float(array(*(float64(x) if isinstance(x, (float, int)) else x
                                 for x in args)))
    return scalar
