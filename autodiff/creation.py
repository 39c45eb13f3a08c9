"""Making tensors, as in PyTorch and NumPy: from data, from a shape and a fill value, at random.

Every constructor returns a leaf and takes `dtype` (a float dtype: float64 unless given) and
`requires_grad`, both keywords. A shape is given either way: `zeros(2, 3)` or `zeros((2, 3))`.
Random tensors are drawn from `rng`, an int seed or a `numpy.random.Generator`, never from
global state; `rng=None` is seed 0, so a program draws the same numbers on every run (pass one
Generator to successive calls to get fresh numbers from each).
"""
from __future__ import annotations

from typing import Any, Optional, Union

import numpy as np

from .array_methods import shape_argument
from .dtypes import float_dtype
from .numerics import number
from .operands import float_array
from .tensor import Tensor

Seed = Union[int, np.random.Generator, None]


def tensor(data: Any, requires_grad: bool = False, dtype: Any = None) -> Tensor:
    """A new leaf holding a copy of data (a number, nested lists, an array or a Tensor)."""
    raw = data.data if isinstance(data, Tensor) else data
    array = float_array(raw, _dtype(dtype, "tensor"), "tensor(data)")
    if isinstance(raw, np.ndarray) and np.may_share_memory(array, raw):
        array = array.copy()  # the caller's array stays theirs, as torch.tensor copies
    return Tensor(array, requires_grad)


def zeros(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros: `zeros(2, 3)` or `zeros((2, 3))`."""
    return Tensor(np.zeros(shape_argument(shape), _dtype(dtype, "zeros")), requires_grad)


def ones(*shape: Any, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones: `ones(2, 3)` or `ones((2, 3))`."""
    return Tensor(np.ones(shape_argument(shape), _dtype(dtype, "ones")), requires_grad)


def full(shape: Any, fill_value: float, *, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """A tensor of `shape` (an int or a tuple) with every element fill_value."""
    return Tensor(np.full(shape, _fill(fill_value, "full"), _dtype(dtype, "full")), requires_grad)


def arange(start: float, stop: Optional[float] = None, step: float = 1, *, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """start, start + step, ... up to (not including) stop; `arange(n)` is 0, 1, ..., n - 1."""
    values = np.arange(start, step=step) if stop is None else np.arange(start, stop, step)
    return Tensor(values.astype(_dtype(dtype, "arange")), requires_grad)


def linspace(start: float, stop: float, num: int = 50, *, endpoint: bool = True,
             dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """num evenly spaced numbers from start to stop (stop included unless endpoint=False)."""
    values = np.linspace(start, stop, num, endpoint=endpoint)
    return Tensor(values.astype(_dtype(dtype, "linspace")), requires_grad)


def eye(n: int, m: Optional[int] = None, k: int = 0, *, dtype: Any = None,
        requires_grad: bool = False) -> Tensor:
    """The n x m matrix (m = n by default) with ones on diagonal k, zeros elsewhere."""
    return Tensor(np.eye(n, m, k, dtype=_dtype(dtype, "eye")), requires_grad)


def rand(*shape: Any, rng: Seed = None, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform random numbers in [0, 1), drawn from rng (an int seed or a Generator)."""
    values = generator(rng, "rand").random(shape_argument(shape))
    return Tensor(values.astype(_dtype(dtype, "rand"), copy=False), requires_grad)


def randn(*shape: Any, rng: Seed = None, dtype: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal random numbers, drawn from rng (an int seed or a Generator)."""
    values = generator(rng, "randn").standard_normal(shape_argument(shape))
    return Tensor(values.astype(_dtype(dtype, "randn"), copy=False), requires_grad)


def zeros_like(x: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of x's shape, in x's float dtype (float64 for other data) unless dtype is given."""
    return full_like(x, 0.0, dtype=dtype, requires_grad=requires_grad)


def ones_like(x: Any, *, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of x's shape, in x's float dtype (float64 for other data) unless dtype is given."""
    return full_like(x, 1.0, dtype=dtype, requires_grad=requires_grad)


def full_like(x: Any, fill_value: float, *, dtype: Any = None,
              requires_grad: bool = False) -> Tensor:
    """fill_value in x's shape and float dtype (float64 for other data) unless dtype is given."""
    like = float_array(x.data if isinstance(x, Tensor) else x, None, "full_like(x)")
    chosen = like.dtype if dtype is None else _dtype(dtype, "full_like")
    return Tensor(np.full(like.shape, _fill(fill_value, "full_like"), chosen), requires_grad)


def generator(rng: Seed, where: str = "rng") -> np.random.Generator:
    """The Generator to draw from: rng itself, a new one seeded by an int, or seed 0 for None."""
    if isinstance(rng, np.random.Generator):
        return rng
    if rng is None or (isinstance(rng, (int, np.integer)) and not isinstance(rng, bool)):
        return np.random.default_rng(0 if rng is None else int(rng))
    raise TypeError(f"{where}: rng must be an int seed, a numpy.random.Generator or None, got "
                    f"{type(rng).__name__}")


def _dtype(dtype: Any, where: str) -> np.dtype:
    return np.dtype(np.float64) if dtype is None else float_dtype(dtype, where)


def _fill(value: Any, where: str) -> float:
    return float(number(value, f"{where}(fill_value)"))
