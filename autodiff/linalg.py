"""Matrix products: matmul (numpy's rules, promotion included), mT, and the fused linear layer.

`matmul` follows `np.matmul`: a 1-D operand is promoted to a matrix (a row on the left, a
column on the right) and the added axis removed again; batch axes broadcast. The derivative
formulas undo both, with shape ops of the registry, so they run on arrays and on nodes alike
and every order of derivative exists. `linear(x, weight, bias) = x @ weight + bias` is one op
of three inputs, as in a fused GEMM: one node a layer instead of two.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .ops import register
from .shapes import reshape, summed_to

_ndarray = np.ndarray


def _aligned(a: Any, b: Any) -> None:
    """A ValueError naming both shapes unless a @ b is defined (numpy matmul rules)."""
    sa, sb = np.shape(a), np.shape(b)
    ok = bool(sa) and bool(sb) and sa[-1] == sb[-2 if len(sb) > 1 else 0]
    if ok:
        try:
            np.broadcast_shapes(sa[:-2], sb[:-2])
        except ValueError:
            ok = False
    if not ok:
        raise ValueError(f"matmul: shapes {sa} and {sb} are not aligned (numpy matmul rules)")


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if a.ndim == 2 == b.ndim and a.shape[1] == b.shape[0]:
        return np.matmul(a, b)
    _aligned(a, b)
    return np.matmul(a, b)


def _column(x: Any) -> Any:
    return reshape(x, tuple(x.shape) + (1,))


def _uncolumn(x: Any) -> Any:
    return reshape(x, tuple(x.shape[:-1]))


def _matmul_da(g: Any, y: Any, a: Any, b: Any) -> Any:
    """d(a @ b)/da applied to g: g @ b^T, with numpy's promotions undone."""
    if type(g) is _ndarray and type(b) is _ndarray and g.ndim == 2 == b.ndim == a.ndim:
        return g @ b.T  # raw matrices (a first-order pass): the same product, without op calls
    if b.ndim == 1:
        return g * b if a.ndim == 1 else _column(g) * b
    if a.ndim == 1:
        return summed_to(_uncolumn(b @ _column(g)), a.shape)
    return summed_to(g @ mT(b), a.shape)


def _matmul_db(g: Any, y: Any, a: Any, b: Any) -> Any:
    """d(a @ b)/db applied to g: a^T @ g, with numpy's promotions undone."""
    if type(g) is _ndarray and type(a) is _ndarray and g.ndim == 2 == a.ndim == b.ndim:
        return a.T @ g  # raw matrices, as in _matmul_da
    if a.ndim == 1:
        if b.ndim == 1:
            return g * a
        rows = reshape(g, tuple(g.shape[:-1]) + (1, g.shape[-1]))
        return summed_to(_column(a) * rows, b.shape)
    if b.ndim == 1:
        return summed_to(_uncolumn(mT(a) @ _column(g)), b.shape)
    return summed_to(mT(a) @ g, b.shape)


def _linear(x: np.ndarray, weight: np.ndarray, bias: np.ndarray) -> np.ndarray:
    out = _matmul(x, weight)
    if type(bias) is np.ndarray and bias.dtype == out.dtype and bias.shape == out.shape[-1:]:
        out += bias  # in place: the product is a fresh array, and the sum keeps its dtype
        return out
    return out + bias


def _matrix_transpose(x: Any) -> Any:
    if np.ndim(x) < 2:
        raise ValueError(f"mT: needs at least 2 dimensions, got shape {np.shape(x)}")
    return x.swapaxes(-1, -2)


mT = register("mT", _matrix_transpose, lambda g, y, x: mT(g), elementwise=False,
              doc="mT(x) = x with its last two axes swapped; mT' = mT")
matmul = register("matmul", _matmul, _matmul_da, _matmul_db, elementwise=False,
                  doc="matmul(a, b) = a @ b (numpy's rules); d/da = g @ b^T, d/db = a^T @ g")
linear = register("linear", _linear, lambda g, y, x, w, b: _matmul_da(g, y, x, w),
                  lambda g, y, x, w, b: _matmul_db(g, y, x, w),
                  lambda g, y, x, w, b: (g.sum(axis=0) if type(g) is _ndarray and g.ndim == 2
                                         and np.shape(b) == g.shape[1:] else summed_to(g, b.shape)),
                  signature="x, weight, bias", elementwise=False,
                  doc="linear(x, weight, bias) = x @ weight + bias, one fused op; "
                      "d/dbias sums g over the batch")
