"""Float dtypes: which ones a Tensor may hold, and the `cast` op between them.

A Tensor holds floats (float64 unless chosen otherwise), so a dtype argument anywhere (a
constructor, `astype`) must name a float type. `cast` records a change of dtype in the graph:
its derivative casts the gradient back, so `x.astype(np.float32)` used in a float32 computation
still gives `x` a gradient in x's own dtype.
"""
from __future__ import annotations

from typing import Any

import numpy as np

from .ops import register


def float_dtype(dtype: Any, where: str) -> np.dtype:
    """dtype as a numpy float dtype, or a TypeError naming what was given."""
    try:
        resolved = np.dtype(dtype)
    except TypeError:
        raise TypeError(f"{where}: dtype must be a numpy float dtype such as np.float32, got "
                        f"{dtype!r}") from None
    if resolved.kind != "f":
        raise TypeError(f"{where}: Tensors hold floats, so dtype must be a float dtype such as "
                        f"np.float32 or np.float64, got {resolved}")
    return resolved


def _cast(x: np.ndarray, dtype: np.dtype) -> np.ndarray:
    return x.astype(dtype)  # always a copy, as numpy's astype


cast = register("cast", _cast, lambda g, y, x, dtype: cast(g, x.dtype),
                signature="x, dtype", elementwise=False,
                doc="cast(x, dtype) = x converted to the float dtype; cast' = g cast back to "
                    "x's dtype")
