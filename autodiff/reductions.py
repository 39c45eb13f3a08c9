"""Reductions over axes (sum, mean, max, min, logsumexp), the softmax pair, and var, std.

A reduction takes `axis` (an int, a tuple of ints, or None for all axes) and `keepdims`;
softmax and log_softmax take one axis. A derivative first restores the reduced axes as size 1
(`_kept`), then broadcasts back over them. var and std are composed from mean. Empty input
gives what the maths gives: a sum of nothing is 0, a mean nan, a logsumexp -inf, a softmax
over an empty axis is empty. float16 means accumulate in float32, as numpy's do.
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np

from .arithmetic import exp, sqrt, step
from .node import raw_data
from .operands import Axis, axis_argument
from .ops import register
from .selection import where
from .shapes import expand, kept_shape, reshape


def _kept(x: Any, shape: tuple[int, ...], axis: Axis, keepdims: bool) -> Any:
    """x, a reduction's output or gradient, with the reduced axes of `shape` back as size 1
    (a full reduction's 0-d x broadcasts as it is)."""
    axis = tuple(axis) if isinstance(axis, list) else axis
    return x if keepdims or axis is None else reshape(x, kept_shape(shape, axis))


def _count(x: Any, total: Any) -> int:
    """How many elements of x were reduced into each element of `total`."""
    size = np.size(raw_data(total))
    return np.size(raw_data(x)) // size if size else 0


def _reciprocal(count: int) -> float:
    """1 / count; nan for a count of 0 (the mean of nothing)."""
    return 1.0 / count if count else math.nan


def _sum(x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
    return x.sum(axis=axis_argument("sum", axis, x.ndim), keepdims=keepdims)


def _mean(x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
    axis = axis_argument("mean", axis, x.ndim)
    wide = np.float32 if x.dtype == np.float16 else None  # 65504 is float16's largest number
    total = x.sum(axis=axis, keepdims=keepdims, dtype=wide)
    out = total * _reciprocal(_count(x, total))
    return out.astype(x.dtype, copy=False)


def _max(x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
    return x.max(axis=axis_argument("max", axis, x.ndim), keepdims=keepdims)


def _min(x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
    return x.min(axis=axis_argument("min", axis, x.ndim), keepdims=keepdims)


def _logsumexp(x: np.ndarray, axis: Axis = None, keepdims: bool = False) -> np.ndarray:
    axis = axis_argument("logsumexp", axis, x.ndim)
    shift = x.max(axis=axis, keepdims=True, initial=-np.inf)  # empty: ln 0 = -inf
    shift = np.where(np.isfinite(shift), shift, 0)  # all -inf (or an inf): no shift needed
    with np.errstate(divide="ignore"):  # a row of all -inf: log 0 = -inf, the right answer
        out = np.log(np.exp(x - shift).sum(axis=axis, keepdims=True))
    out += shift
    return out if keepdims else out.squeeze(axis)


def _softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    axis = axis_argument("softmax", axis, x.ndim)
    e = np.exp(x - x.max(axis=axis, keepdims=True, initial=-np.inf))  # exponents <= 0
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _log_softmax(x: np.ndarray, axis: int = -1) -> np.ndarray:
    axis = axis_argument("log_softmax", axis, x.ndim)
    shifted = x - x.max(axis=axis, keepdims=True, initial=-np.inf)  # all -inf, or an inf: nan
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def _is_nan(x: Any) -> Any:
    """1 where x is nan, else 0, from ops only: `where` takes nan as true, `step` as false."""
    return where(x, 1.0 - step(x) - step(-x), 0.0)


def _tie_share(x: Any, y: Any, axis: Axis, keepdims: bool, sign: float) -> Any:
    """Each element's share of the gradient of max (sign 1) or min (sign -1): 1/k for each of
    k elements equal to the extremum (the nan ones when it is nan), else 0.

    Built from ops (step, where), not comparisons, so a traced backward recomputes the mask.
    `step(sign (y - x))` is 0 exactly where x equals y (and for inf - inf, which is nan)."""
    extremum = _kept(y, x.shape, axis, keepdims)
    hit = where(_is_nan(extremum), _is_nan(x), 1.0 - step(sign * (extremum - x)))
    return hit / sum(hit, axis, True)


def _max_grad(g: Any, y: Any, x: Any, axis: Axis, keepdims: bool) -> Any:
    """g to the arguments of the max; k tied maxima get g / k each, as torch.amax."""
    return _kept(g, x.shape, axis, keepdims) * _tie_share(x, y, axis, keepdims, 1.0)


def _min_grad(g: Any, y: Any, x: Any, axis: Axis, keepdims: bool) -> Any:
    """g to the arguments of the min; k tied minima get g / k each, as torch.amin."""
    return _kept(g, x.shape, axis, keepdims) * _tie_share(x, y, axis, keepdims, -1.0)


REDUCTION = "x, axis=None, keepdims=False"

sum = register("sum", _sum,
               lambda g, y, x, axis, keepdims: expand(_kept(g, x.shape, axis, keepdims), x.shape),
               signature=REDUCTION, elementwise=False,
               doc="sum(x, axis=None, keepdims=False) = the sum over axis; sum' broadcasts g back")
mean = register("mean", _mean,
                lambda g, y, x, axis, keepdims: expand(
                    _kept(g, x.shape, axis, keepdims) * _reciprocal(_count(x, y)), x.shape),
                signature=REDUCTION, elementwise=False,
                doc="mean(x, axis=None, keepdims=False) = sum(x) / n over axis; mean' = g / n")
max = register("max", _max, _max_grad, signature=REDUCTION, elementwise=False,
               doc="max(x, axis=None, keepdims=False); ties share the gradient evenly")
min = register("min", _min, _min_grad, signature=REDUCTION, elementwise=False,
               doc="min(x, axis=None, keepdims=False); ties share the gradient evenly")
logsumexp = register(
    "logsumexp", _logsumexp,
    lambda g, y, x, axis, keepdims: (_kept(g, x.shape, axis, keepdims)
                                     * exp(x - _kept(y, x.shape, axis, keepdims))),
    signature=REDUCTION, elementwise=False,
    doc="logsumexp(x, axis=None, keepdims=False) = ln sum e^x, shifted by the max; ' = softmax")
softmax = register(
    "softmax", _softmax,
    lambda g, y, x, axis: y * (g - sum(g * y, axis, True)),
    signature="x, axis=-1", elementwise=False,
    doc="softmax(x, axis=-1) = e^x / sum e^x; softmax' g = y (g - sum(g y))")
log_softmax = register(
    "log_softmax", _log_softmax,
    lambda g, y, x, axis: g - exp(y) * sum(g, axis, True),
    signature="x, axis=-1", elementwise=False,
    doc="log_softmax(x, axis=-1) = x - logsumexp(x); ' g = g - softmax(x) sum(g)")


# --- composed from mean ---------------------------------------------------------------------


def var(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Any:
    """var(x) = sum((x - mean x)^2) / (n - ddof) over axis; inf (nan for constant data) when
    ddof >= n, as numpy."""
    deviation = x - mean(x, axis, True)
    squares = mean(deviation * deviation, axis, keepdims)
    if not ddof:
        return squares
    count = _count(x, squares)
    return squares * (count / (count - ddof) if count > ddof else math.inf)


def std(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Any:
    """std(x) = sqrt(var(x)) over axis; its gradient is 0 where var is 0 (constant data), as
    PyTorch's, where sqrt'(0) = inf would make it 0 * inf = nan."""
    v = var(x, axis, keepdims, ddof)
    return where(v, sqrt(where(v, v, 1.0)), 0.0)  # sqrt(1) where v = 0: finite, and unused
