"""Matrix products: matmul and the matrix transpose mT.

The matmul record covers operands of two or more dimensions whose batch axes already agree for
every input that needs a gradient; the Tensor front-end (`Tensor.__matmul__`) promotes 1-D
operands to matrices and expands batch axes explicitly, so the derivatives below never undo
broadcasting themselves.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .ops import register


def _matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    try:
        return np.matmul(a, b)
    except ValueError:
        raise ValueError(f"matmul: shapes {np.shape(a)} and {np.shape(b)} are not "
                         f"aligned") from None


def _matrix_transpose(x: Any) -> Any:
    return x.swapaxes(-1, -2)


mT = register("mT", _matrix_transpose, lambda g, y, a: mT(g), elementwise=False,
              doc="mT(x) = x with its last two axes swapped; mT' = mT")
matmul = register("matmul", _matmul,
                  lambda g, y, a, b: g @ mT(b),
                  lambda g, y, a, b: mT(a) @ g,
                  elementwise=False,
                  doc="matmul(a, b) = a @ b; d/da = g @ b^T, d/db = a^T @ g")
