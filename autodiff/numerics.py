"""IEEE semantics for floats and arrays: inf and nan where Python would raise, and no warnings.

Python's `math` raises on poles and overflow (`1 / 0.0`, `math.log(0)`, `math.exp(1000)`) where
numpy returns IEEE values with a RuntimeWarning. An op must give the IEEE value silently on
both, so a float forward that raises is recomputed on numpy float64 (`ieee`), and an array
forward runs with numpy's warnings off (`quiet`, `errors_off`).
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


# numpy reports floating-point events (overflow, 0 * inf, underflow) by warning or raising, as
# np.errstate says; an op gives the IEEE value silently instead. `with np.errstate(...)` costs
# about 1 us, as much as a small array op, so the Tensor hot path switches the reports off and on
# with the two calls below. numpy >= 2 keeps the error state in a context variable: setting it
# to a state prepared once is what np.errstate does, without rebuilding that state each time.
try:
    from numpy._core._ufunc_config import (  # type: ignore[attr-defined]
        _extobj_contextvar as _state)
except ImportError:  # numpy 1.x: per-thread np.seterr
    def errors_off() -> Any:
        """Ignore numpy's floating-point errors in this context; returns what `errors_on`
        takes to restore the state before."""
        return np.seterr(all="ignore")

    def errors_on(token: Any) -> None:
        """Restore the floating-point error state that `errors_off` replaced."""
        np.seterr(**token)
else:
    with np.errstate(all="ignore"):
        _IGNORE = _state.get()
    _set, _reset = _state.set, _state.reset

    def errors_off() -> Any:
        """Ignore numpy's floating-point errors in this context; returns what `errors_on`
        takes to restore the state before."""
        return _set(_IGNORE)

    def errors_on(token: Any) -> None:
        """Restore the floating-point error state that `errors_off` replaced."""
        _reset(token)


def quiet(forward: Callable[..., Any]) -> Callable[..., Any]:
    """An array forward that returns IEEE values at poles (1/0 = inf, log 0 = -inf, exp(1000) =
    inf) without numpy's RuntimeWarning, as the float forward does."""
    def quiet_forward(*args: Any) -> Any:
        token = errors_off()
        try:
            return forward(*args)
        finally:
            errors_on(token)
    quiet_forward.__name__ = getattr(forward, "__name__", "forward")
    return quiet_forward


def scalar_from_array(array: Callable[..., Any]) -> Callable[..., float]:
    """A float forward made from an array forward (slower than `math`, but always right)."""
    def scalar(*args: Any) -> float:
        with np.errstate(all="ignore"):
            return float(array(*(float64(x) if isinstance(x, (float, int)) else x
                                 for x in args)))
    return scalar
