"""The array-only methods of Tensor: array attributes, products, reductions, the softmax pair,
shapes, dtype and copies, iteration, and the elementwise comparisons.

Each is one call into the registry through the Tensor's recording hot paths (`_unary`,
`_binary`, `_wide`); axes are checked here, against the tensor's own number of dimensions, so a
bad axis gets the same error from a method as from the op called as a function.
"""
from __future__ import annotations

from typing import Any, Callable, Iterator, Optional, Sequence, TypeVar

import numpy as np

from . import dtypes, linalg, reductions, selection, shapes
from .node import refuse_while_tracing
from .operands import axis_argument, tensor_operand
from .ops import Op

T = TypeVar("T", bound="ArrayMethods")


def _comparison(ufunc: np.ufunc) -> Callable[[Any, Any], Any]:
    """A comparison operator: ufunc on the data, a bool array; NotImplemented for an operand
    that is not numbers (see `_compared`)."""
    def compare(self: Any, other: Any) -> Any:
        data = _compared(other)
        return NotImplemented if data is NotImplemented else np.asarray(ufunc(self.data, data))
    return compare


class ArrayMethods:
    """Tensor's methods beyond the elementwise ones (mixed into Tensor)."""

    __slots__ = ()
    data: np.ndarray
    _unary: Callable[[Op, Any], Any]
    _binary: Callable[[Op, Any, Any], Any]
    _wide: Callable[[Op, Sequence[Any]], Any]

    # --- array attributes ------------------------------------------------------------------

    @property
    def shape(self) -> tuple[int, ...]:
        """The array's shape."""
        return self.data.shape

    @property
    def ndim(self) -> int:
        """The number of axes."""
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        """The float dtype of data and grad."""
        return self.data.dtype

    @property
    def size(self) -> int:
        """The number of elements."""
        return self.data.size

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d Tensor")
        return len(self.data)

    # --- products and selection --------------------------------------------------------------

    def matmul(self: T, other: Any) -> T:
        """self @ other with numpy's rules (1-D operands, broadcast batch axes)"""
        return self._binary(linalg.matmul, self, other)

    __matmul__ = matmul

    def __rmatmul__(self: T, other: Any) -> T:
        return self._binary(linalg.matmul, other, self)

    def clip(self: T, low: Optional[float], high: Optional[float]) -> T:
        """min(max(x, low), high) (None: no bound); the gradient passes where low <= x <= high"""
        return self._wide(selection.clip, (self, low, high))

    # --- reductions and the softmax pair -----------------------------------------------------

    def sum(self: T, axis: Any = None, keepdims: bool = False) -> T:
        """sum over axis (an int, a tuple of ints, or None for all)"""
        return self._wide(reductions.sum, (self, self._axis("sum", axis), keepdims))

    def mean(self: T, axis: Any = None, keepdims: bool = False) -> T:
        """sum / n over axis"""
        return reductions.mean(self, self._axis("mean", axis), keepdims)

    def var(self: T, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> T:
        """sum((x - mean)^2) / (n - ddof) over axis"""
        return reductions.var(self, self._axis("var", axis), keepdims, ddof)

    def std(self: T, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> T:
        """sqrt(var) over axis"""
        return reductions.std(self, self._axis("std", axis), keepdims, ddof)

    def max(self: T, axis: Any = None, keepdims: bool = False) -> T:
        """maximum over axis; tied maxima share the gradient evenly"""
        return self._wide(reductions.max, (self, self._axis("max", axis), keepdims))

    def min(self: T, axis: Any = None, keepdims: bool = False) -> T:
        """minimum over axis; tied minima share the gradient evenly"""
        return self._wide(reductions.min, (self, self._axis("min", axis), keepdims))

    def logsumexp(self: T, axis: Any = None, keepdims: bool = False) -> T:
        """ln sum e^x over axis, computed stably"""
        return self._wide(reductions.logsumexp, (self, self._axis("logsumexp", axis), keepdims))

    def softmax(self: T, axis: int = -1) -> T:
        """e^x / sum e^x along axis, computed stably"""
        return self._binary(reductions.softmax, self, self._axis("softmax", axis))

    def log_softmax(self: T, axis: int = -1) -> T:
        """x - logsumexp(x) along axis"""
        return self._binary(reductions.log_softmax, self, self._axis("log_softmax", axis))

    def _axis(self: T, where: str, axis: Any) -> Any:
        return axis_argument(where, axis, self.data.ndim)

    def argmax(self, axis: Optional[int] = None, keepdims: bool = False) -> np.ndarray:
        """Indices of the maxima along axis (None: in the flattened data); ints, no gradient"""
        return np.argmax(self.data, self._single_axis("argmax", axis), keepdims=keepdims)

    def argmin(self, axis: Optional[int] = None, keepdims: bool = False) -> np.ndarray:
        """Indices of the minima along axis (None: in the flattened data); ints, no gradient"""
        return np.argmin(self.data, self._single_axis("argmin", axis), keepdims=keepdims)

    def _single_axis(self, where: str, axis: Any) -> Optional[int]:
        checked = axis_argument(where, axis, self.data.ndim)
        if isinstance(checked, tuple):
            raise TypeError(f"{where}: axis must be an int or None, got {axis!r}")
        return checked

    # --- dtype, copies and plain values ------------------------------------------------------

    def astype(self: T, dtype: Any) -> T:
        """The data in another float dtype, recorded: the gradient comes back in this dtype"""
        return self._binary(dtypes.cast, self, dtypes.float_dtype(dtype, "astype"))

    def clone(self: T) -> T:
        """A copy of the data that stays in the graph (the gradient passes through)"""
        return self._binary(dtypes.cast, self, self.data.dtype)

    def tolist(self) -> Any:
        """The data as (nested lists of) Python floats; a 0-d tensor gives one float"""
        refuse_while_tracing(".tolist() of a Tensor")
        return self.data.tolist()

    # --- shapes ------------------------------------------------------------------------------

    def reshape(self: T, *shape: Any) -> T:
        """The same elements in a new shape (one entry may be -1)"""
        return self._binary(shapes.reshape, self, shape_argument(shape))

    view = reshape  # PyTorch's name

    def transpose(self: T, *axes: Any) -> T:
        """Permute the axes (reverse them when none are given)"""
        return self._binary(shapes.transpose, self, shape_argument(axes) if axes else None)

    @property
    def T(self: T) -> T:
        """The axes reversed (numpy's .T)"""
        return self._binary(shapes.transpose, self, None)

    @property
    def mT(self: T) -> T:
        """The last two axes swapped (a batch of transposed matrices)"""
        return self._unary(linalg.mT, self)

    def squeeze(self: T, axis: Any = None) -> T:
        """Drop size-1 axes (the given ones, or all)"""
        return self._binary(shapes.reshape, self, shapes.squeezed_shape(self.data.shape, axis))

    def unsqueeze(self: T, axis: int) -> T:
        """Insert a size-1 axis at position axis"""
        return self._binary(shapes.reshape, self, shapes.unsqueezed_shape(self.data.shape, axis))

    expand_dims = unsqueeze

    def flatten(self: T) -> T:
        """The elements as one axis"""
        return self._binary(shapes.reshape, self, (-1,))

    def broadcast_to(self: T, shape: Sequence[int]) -> T:
        """The tensor repeated (as numpy broadcasting) to shape"""
        return self._binary(shapes.expand, self, tuple(shape))

    expand = broadcast_to

    def __getitem__(self: T, index: Any) -> T:
        return self._binary(shapes.getitem, self, shapes.index_argument(index, self.data.shape))

    def __iter__(self) -> Iterator[Any]:
        # Without this Python iterates by indexing until IndexError: [] for a 0-d tensor.
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d Tensor (use .item() for its number)")
        return (self[i] for i in range(len(self.data)))

    # --- comparisons ---------------------------------------------------------------------

    # Elementwise on the data, returning bool arrays (numpy's and PyTorch's habit): no graph,
    # no gradient. The hash stays identity, so tensors are dict keys and set members (found by
    # identity), but `t in a_list` and `a_list.index(t)` compare elementwise, as for numpy
    # arrays: code that holds nodes in lists compares their ids.
    __hash__ = object.__hash__

    __eq__ = _comparison(np.equal)  # type: ignore[assignment]
    __ne__ = _comparison(np.not_equal)  # type: ignore[assignment]
    __lt__ = _comparison(np.less)
    __le__ = _comparison(np.less_equal)
    __gt__ = _comparison(np.greater)
    __ge__ = _comparison(np.greater_equal)


def shape_argument(args: tuple[Any, ...]) -> tuple[int, ...]:
    """A shape given as separate ints or as one sequence: reshape(2, 3) and reshape((2, 3))."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        return tuple(args[0])
    return args


def _compared(x: Any) -> Any:
    """The data a Tensor is compared with; NotImplemented for anything else (a Value, a string,
    None), so Python falls back to identity for == (`t == None` is False) and raises its
    TypeError for <. Refused while tracing: the result would be fixed at the traced values."""
    refuse_while_tracing("a comparison of a Tensor")
    if isinstance(x, ArrayMethods):
        return x.data
    try:
        return tensor_operand("comparison", x)
    except TypeError:
        return NotImplemented
