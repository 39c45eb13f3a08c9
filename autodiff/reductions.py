"""Reductions over axes (sum, max, min, logsumexp) and the softmax pair.

The parameter of a reduction is `(axis, keepdims)`: axis an int, a tuple of ints or None (all
axes). softmax and log_softmax take the axis alone. A derivative first restores the reduced axes
as size 1 (`_kept`), then broadcasts back over them. mean, var and std are composed from sum.
"""
from __future__ import annotations

import math
from typing import Any, Optional, Sequence

import numpy as np

from .ops import REALS, exp, register, sqrt
from .shapes import expand, kept_shape, raw_data, reshape

Axis = Optional[int | tuple[int, ...]]


def axis_param(axis: Optional[int | Sequence[int]]) -> Axis:
    """An axis argument as numpy takes it: None, an int, or a tuple of ints."""
    return axis if axis is None or isinstance(axis, (int, np.integer)) else tuple(axis)


def _kept(x: Any, shape: tuple[int, ...], axis: Axis, keepdims: bool) -> Any:
    """x, a reduction's output or gradient, with the reduced axes of `shape` back as size 1
    (a full reduction's 0-d x broadcasts as it is)."""
    return x if keepdims or axis is None else reshape(x, kept_shape(shape, axis))


def _logsumexp(x: np.ndarray, param: tuple[Axis, bool]) -> np.ndarray:
    axis, keepdims = param
    shift = x.max(axis=axis, keepdims=True)
    shift = np.where(np.isfinite(shift), shift, 0)  # all -inf (or an inf): no shift needed
    with np.errstate(divide="ignore"):  # a row of all -inf: log 0 = -inf, the right answer
        out = np.log(np.exp(x - shift).sum(axis=axis, keepdims=True))
    out += shift
    return out if keepdims else out.squeeze(axis)


def _softmax(x: np.ndarray, axis: int) -> np.ndarray:
    e = np.exp(x - x.max(axis=axis, keepdims=True))  # every exponent <= 0: no overflow
    e /= e.sum(axis=axis, keepdims=True)
    return e


def _log_softmax(x: np.ndarray, axis: int) -> np.ndarray:
    shifted = x - x.max(axis=axis, keepdims=True)  # a row of all -inf (or any inf) gives nan
    shifted -= np.log(np.exp(shifted).sum(axis=axis, keepdims=True))
    return shifted


def _extremum_grad(g: Any, y: Any, a: Any, param: tuple[Axis, bool]) -> Any:
    """g to the arguments of the max (min); k tied extrema get g / k each, as torch.amax."""
    axis, keepdims = param
    data = raw_data(a)
    extremum = _kept(raw_data(y), data.shape, axis, keepdims)
    hit = (data == extremum) | (np.isnan(data) & np.isnan(extremum))  # a nan max is the nan
    share = np.divide(hit, hit.sum(axis=axis, keepdims=True), dtype=data.dtype)
    return _kept(g, data.shape, axis, keepdims) * share


sum = register("sum", lambda x, p: x.sum(axis=p[0], keepdims=p[1]),
               lambda g, y, a, p: expand(_kept(g, a.shape, *p), a.shape), None,
               domain=(REALS, None), elementwise=False,
               doc="sum(x, (axis, keepdims)) = the sum over axis; sum' broadcasts g back")
max = register("max", lambda x, p: x.max(axis=p[0], keepdims=p[1]), _extremum_grad, None,
               domain=(REALS, None), elementwise=False,
               doc="max(x, (axis, keepdims)); ties share the gradient evenly")
min = register("min", lambda x, p: x.min(axis=p[0], keepdims=p[1]), _extremum_grad, None,
               domain=(REALS, None), elementwise=False,
               doc="min(x, (axis, keepdims)); ties share the gradient evenly")
logsumexp = register(
    "logsumexp", _logsumexp,
    lambda g, y, a, p: _kept(g, a.shape, *p) * exp(a - _kept(y, a.shape, *p)), None,
    domain=(REALS, None), elementwise=False,
    doc="logsumexp(x, (axis, keepdims)) = ln sum e^x, shifted by the max; ' = softmax")
softmax = register(
    "softmax", _softmax,
    lambda g, y, a, axis: y * (g - sum(g * y, (axis, True))), None,
    domain=(REALS, None), elementwise=False,
    doc="softmax(x, axis) = e^x / sum e^x; softmax' g = y (g - sum(g y))")
log_softmax = register(
    "log_softmax", _log_softmax,
    lambda g, y, a, axis: g - exp(y) * sum(g, (axis, True)), None,
    domain=(REALS, None), elementwise=False,
    doc="log_softmax(x, axis) = x - logsumexp(x); ' g = g - softmax(x) sum(g)")


# --- composed from sum ----------------------------------------------------------------------


def _count(x: Any, total: Any) -> int:
    """How many elements of x were summed into each element of `total`."""
    size = np.size(raw_data(total))
    return np.size(raw_data(x)) // size if size else 0


def mean(x: Any, axis: Axis = None, keepdims: bool = False) -> Any:
    """mean(x) = sum(x) / n over axis."""
    total = sum(x, (axis, keepdims))
    count = _count(x, total)
    return total * (1.0 / count if count else math.nan)


def var(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Any:
    """var(x) = sum((x - mean x)^2) / (n - ddof) over axis."""
    deviation = x - mean(x, axis, keepdims=True)
    total = sum(deviation * deviation, (axis, keepdims))
    count = _count(x, total) - ddof
    return total * (1.0 / count if count > 0 else math.nan)


def std(x: Any, axis: Axis = None, keepdims: bool = False, ddof: int = 0) -> Any:
    """std(x) = sqrt(var(x)) over axis."""
    return sqrt(var(x, axis, keepdims, ddof))
