"""Tensor: an ndarray and its graph edges. Every method is one call into the op registry.

The front-end's one job besides recording edges is to make broadcasting explicit: before an
elementwise op, an input that needs a gradient and is smaller than the result is first `expand`ed,
so `shapes.sum_to` (expand's derivative) is the only place where broadcasting is undone.
"""
from __future__ import annotations

import numbers
from typing import Any, Optional, Sequence

import numpy as np

from . import activations as act
from . import engine, ops
from . import linalg, reductions, selection, shapes
from .engine import Node, _MODE, backward
from .ops import Op


class Tensor(Node):
    """An n-dimensional float array that records the operations applied to it, as in PyTorch.

    `data` is a float ndarray: float64 by default, float32 (any float dtype) kept as given;
    integer and bool data become float64. A float ndarray of the chosen dtype is used without a
    copy. Gradients are computed only for tensors with `requires_grad=True` (and results made
    from them); `grad` is None until a backward pass reaches the tensor, then an array of its
    shape and dtype (of a 0-d tensor: a numpy scalar), accumulated over backward calls. A grad
    may be a read-only broadcast view shared with other nodes: replace it, never write into it.
    """

    __slots__ = ("data", "grad", "requires_grad", "label", "_op", "_a", "_b", "_k")
    __array_ufunc__ = None  # numpy defers to the reflected operators: ndarray * Tensor -> Tensor

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 label: str = "") -> None:
        self.data = float_array(data, dtype)
        self.grad: Any = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._op: Optional[Op] = None
        self._a: Optional[Tensor] = None
        self._b: Optional[Tensor] = None
        self._k: Any = None

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

    def item(self) -> float:
        """The one element of a size-1 tensor as a Python float."""
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The data array itself (shared, not copied)."""
        return self.data

    def __array__(self, dtype: Any = None, copy: Optional[bool] = None) -> np.ndarray:
        if copy:
            return np.array(self.data, dtype=dtype)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d Tensor")
        return len(self.data)

    def __float__(self) -> float:
        return float(self.data.item())

    def __bool__(self) -> bool:
        return bool(self.data)

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = "" if self.data.dtype == np.float64 else f", dtype={self.data.dtype}"
        extra += ", requires_grad=True" if self.requires_grad else ""
        extra += f", label={self.label!r}" if self.label else ""
        return f"Tensor({body}{extra})"

    # --- graph -----------------------------------------------------------------------------

    def backward(self, grad: Any = None) -> None:
        """Backpropagate: every leaf with requires_grad gets `.grad` += d(self)/d(leaf)."""
        if not self.requires_grad:
            raise RuntimeError("backward: this Tensor does not require grad (no input had "
                               "requires_grad=True, or it was computed under no_grad())")
        with np.errstate(all="ignore"):  # IEEE values at poles (log'(0) = inf), as for Value
            backward(self, grad)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    def detach(self) -> "Tensor":
        """A new leaf sharing this tensor's data, without history or gradient."""
        return _leaf(self.data, self.label)

    def _seed(self, grad: Any) -> np.ndarray:
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward: grad can be implicitly created only for scalar "
                                   f"outputs; this Tensor has shape {self.data.shape}, so pass "
                                   f"backward(grad) with a gradient of that shape")
            return np.ones_like(self.data)
        seed = float_array(grad.data if isinstance(grad, Tensor) else grad, self.data.dtype)
        if seed.shape != self.data.shape:
            raise ValueError(f"backward: grad has shape {seed.shape} but the Tensor has shape "
                             f"{self.data.shape}")
        return seed

    def _owned(self, grad: Any, upstream: Any) -> np.ndarray:
        # A formula may pass the upstream gradient on (add), or a view or broadcast of it: a
        # leaf keeps a writable array of its own dtype that no other node shares.
        if (grad is upstream or type(grad) is not _ndarray or grad.base is not None
                or grad.dtype != self.data.dtype):
            return np.array(grad, dtype=self.data.dtype)
        return grad

    def _constant(self, raw: Any) -> "Tensor":
        return _leaf(np.asarray(raw))

    def _apply_unary(self, op: Op) -> "Tensor":
        return _unary(op, self)

    @staticmethod
    def _apply_binary(op: Op, a: Any, b: Any) -> "Tensor":
        return _matmul(a, b) if op is linalg.matmul else _binary(op, a, b)

    def apply(self, op: Op | str, other: Any = None) -> "Tensor":
        """Apply a registered op (given by record or by name) to this tensor."""
        record = ops.REGISTRY[op] if isinstance(op, str) else op
        return _unary(record, self) if record.unary else self._apply_binary(record, self, other)

    def __getattr__(self, name: str) -> Any:
        # A user-registered op is reachable as a method too: Tensor([1.0]).mish().
        op = ops.REGISTRY.get(name)
        if op is None or name.startswith("_"):
            raise AttributeError(f"'Tensor' object has no attribute {name!r}")
        return lambda *params: op(self, *params)

    # Comparisons compare data and return bool arrays (no gradient); `==` stays identity,
    # as for Value, so tensors can be dictionary keys and graph-walk set members.
    def __lt__(self, other: Any) -> np.ndarray:
        return np.asarray(self.data < _compared(other))

    def __le__(self, other: Any) -> np.ndarray:
        return np.asarray(self.data <= _compared(other))

    def __gt__(self, other: Any) -> np.ndarray:
        return np.asarray(self.data > _compared(other))

    def __ge__(self, other: Any) -> np.ndarray:
        return np.asarray(self.data >= _compared(other))

    # --- arithmetic ------------------------------------------------------------------------

    def __add__(self, other: Any) -> "Tensor":
        return _binary(ops.add, self, other)

    def __radd__(self, other: Any) -> "Tensor":
        return _binary(ops.add, other, self)

    def __sub__(self, other: Any) -> "Tensor":
        return _binary(ops.sub, self, other)

    def __rsub__(self, other: Any) -> "Tensor":
        return _binary(ops.sub, other, self)

    def __mul__(self, other: Any) -> "Tensor":
        return _binary(ops.mul, self, other)

    def __rmul__(self, other: Any) -> "Tensor":
        return _binary(ops.mul, other, self)

    def __truediv__(self, other: Any) -> "Tensor":
        return _binary(ops.div, self, other)

    def __rtruediv__(self, other: Any) -> "Tensor":
        return _binary(ops.div, other, self)

    def __pow__(self, other: Any) -> "Tensor":
        return _binary(ops.power, self, other)

    def __rpow__(self, other: Any) -> "Tensor":
        return _binary(ops.power, other, self)

    def __neg__(self) -> "Tensor":
        return _unary(ops.neg, self)

    def __pos__(self) -> "Tensor":
        return self

    def matmul(self, other: Any) -> "Tensor":
        """self @ other with numpy's rules (1-D operands, broadcast batch axes)"""
        return _matmul(self, other)

    __matmul__ = matmul

    def __rmatmul__(self, other: Any) -> "Tensor":
        return _matmul(other, self)

    # --- elementary functions and activations -----------------------------------------------

    def exp(self) -> "Tensor":
        """e^x"""
        return _unary(ops.exp, self)

    def log(self) -> "Tensor":
        """ln x"""
        return _unary(ops.log, self)

    def sqrt(self) -> "Tensor":
        """x^(1/2)"""
        return _unary(ops.sqrt, self)

    def abs(self) -> "Tensor":
        """|x|"""
        return _unary(ops.abs, self)

    __abs__ = abs

    def sign(self) -> "Tensor":
        """-1, 0 or 1 (no gradient away from 0)"""
        return _unary(ops.sign, self)

    def sin(self) -> "Tensor":
        """sin x"""
        return _unary(ops.sin, self)

    def cos(self) -> "Tensor":
        """cos x"""
        return _unary(ops.cos, self)

    def sigmoid(self) -> "Tensor":
        """1 / (1 + e^-x)"""
        return _unary(act.sigmoid, self)

    logistic = sigmoid

    def tanh(self) -> "Tensor":
        """(e^x - e^-x) / (e^x + e^-x)"""
        return _unary(act.tanh, self)

    def relu(self) -> "Tensor":
        """max(0, x)"""
        return _unary(act.relu, self)

    def leaky_relu(self, slope: Any = 0.01) -> "Tensor":
        """x if x > 0 else slope * x"""
        return _binary(act.leaky_relu, self, slope)

    def elu(self, alpha: float = 1.0) -> "Tensor":
        """x if x > 0 else alpha (e^x - 1)"""
        return _binary(act.elu, self, alpha)

    def softplus(self) -> "Tensor":
        """ln(1 + e^x)"""
        return _unary(act.softplus, self)

    def log_sigmoid(self) -> "Tensor":
        """ln sigmoid(x) = -softplus(-x)"""
        return _unary(act.log_sigmoid, self)

    def bent_identity(self) -> "Tensor":
        """(sqrt(x^2 + 1) - 1) / 2 + x"""
        return _unary(act.bent_identity, self)

    def silu(self) -> "Tensor":
        """x * sigmoid(x), also called swish"""
        return _unary(act.silu, self)

    swish = silu

    def gelu(self) -> "Tensor":
        """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the tanh approximation"""
        return _unary(act.gelu, self)

    def clip(self, low: Optional[float] = None, high: Optional[float] = None) -> "Tensor":
        """min(max(x, low), high); the gradient passes where low <= x <= high"""
        return _binary(selection.clip, self, (low, high))

    # --- reductions and the softmax pair -----------------------------------------------------

    def sum(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """sum over axis (an int, a tuple of ints, or None for all)"""
        return _binary(reductions.sum, self, (reductions.axis_param(axis), keepdims))

    def mean(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """sum / n over axis"""
        return reductions.mean(self, reductions.axis_param(axis), keepdims)

    def var(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> "Tensor":
        """sum((x - mean)^2) / (n - ddof) over axis"""
        return reductions.var(self, reductions.axis_param(axis), keepdims, ddof)

    def std(self, axis: Any = None, keepdims: bool = False, ddof: int = 0) -> "Tensor":
        """sqrt(var) over axis"""
        return reductions.std(self, reductions.axis_param(axis), keepdims, ddof)

    def max(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """maximum over axis; tied maxima share the gradient evenly"""
        return _binary(reductions.max, self, (reductions.axis_param(axis), keepdims))

    def min(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """minimum over axis; tied minima share the gradient evenly"""
        return _binary(reductions.min, self, (reductions.axis_param(axis), keepdims))

    def logsumexp(self, axis: Any = None, keepdims: bool = False) -> "Tensor":
        """ln sum e^x over axis, computed stably"""
        return _binary(reductions.logsumexp, self, (reductions.axis_param(axis), keepdims))

    def softmax(self, axis: int = -1) -> "Tensor":
        """e^x / sum e^x along axis, computed stably"""
        return _binary(reductions.softmax, self, axis)

    def log_softmax(self, axis: int = -1) -> "Tensor":
        """x - logsumexp(x) along axis"""
        return _binary(reductions.log_softmax, self, axis)

    # --- shapes ------------------------------------------------------------------------------

    def reshape(self, *shape: Any) -> "Tensor":
        """The same elements in a new shape (one entry may be -1)"""
        return _binary(shapes.reshape, self, _shape_argument(shape))

    def transpose(self, *axes: Any) -> "Tensor":
        """Permute the axes (reverse them when none are given)"""
        return _binary(shapes.transpose, self, _shape_argument(axes) if axes else None)

    @property
    def T(self) -> "Tensor":
        """The axes reversed (numpy's .T)"""
        return _binary(shapes.transpose, self, None)

    @property
    def mT(self) -> "Tensor":
        """The last two axes swapped (a batch of transposed matrices)"""
        return _unary(linalg.mT, self)

    def squeeze(self, axis: Any = None) -> "Tensor":
        """Drop size-1 axes (the given ones, or all)"""
        return _binary(shapes.reshape, self, shapes.squeezed_shape(self.data.shape, axis))

    def unsqueeze(self, axis: int) -> "Tensor":
        """Insert a size-1 axis at position axis"""
        return _binary(shapes.reshape, self, shapes.unsqueezed_shape(self.data.shape, axis))

    expand_dims = unsqueeze

    def flatten(self) -> "Tensor":
        """The elements as one axis"""
        return _binary(shapes.reshape, self, (-1,))

    def broadcast_to(self, shape: Sequence[int]) -> "Tensor":
        """The tensor repeated (as numpy broadcasting) to shape"""
        return _binary(shapes.expand, self, tuple(shape))

    expand = broadcast_to

    def __getitem__(self, index: Any) -> "Tensor":
        return _binary(shapes.getitem, self, _index(index))


# --- construction ----------------------------------------------------------------------------


def float_array(data: Any, dtype: Any = None) -> np.ndarray:
    """data as a float ndarray (float64 unless data or dtype is another float type)."""
    if isinstance(data, Tensor):
        raise TypeError("Tensor(data): data is already a Tensor; use .detach() for a new leaf")
    if isinstance(data, Node):
        raise TypeError(f"Tensor(data): data is a {type(data).__name__}; Value and Tensor "
                        f"do not mix")
    if dtype is not None:
        dtype = np.dtype(dtype)
        if dtype.kind != "f":
            raise TypeError(f"Tensor(dtype=...): expected a float dtype, got {dtype}")
    try:
        array = np.asarray(data)
    except ValueError as error:
        raise ValueError(f"Tensor(data): cannot make an array of {type(data).__name__} "
                         f"(ragged nested lists?): {error}") from None
    if array.dtype.kind not in "fiub":
        raise TypeError(f"Tensor(data): expected real numbers, got {type(data).__name__} "
                        f"of dtype {array.dtype}")
    if dtype is None:
        dtype = array.dtype if array.dtype.kind == "f" else np.dtype(np.float64)
    return array if array.dtype == dtype else array.astype(dtype)


def _leaf(data: np.ndarray, label: str = "") -> Tensor:
    out = _new(Tensor)
    out.data = data
    out.grad = None
    out.requires_grad = False
    out.label = label
    out._op = out._a = out._b = out._k = None
    return out


def _shape_argument(args: tuple[Any, ...]) -> tuple[int, ...]:
    """reshape(2, 3) and reshape((2, 3)) alike."""
    if len(args) == 1 and not isinstance(args[0], (int, np.integer)):
        return tuple(args[0])
    return args


def _index(index: Any) -> Any:
    """An index with Tensors replaced by their data (an index carries no gradient)."""
    if isinstance(index, Tensor):
        return index.data
    if type(index) is tuple:
        return tuple(x.data if isinstance(x, Tensor) else x for x in index)
    return index


# --- the hot path ------------------------------------------------------------------------------


def _unary(op: Op, a: Tensor) -> Tensor:
    """Every unary Tensor op: forward on the array, then record the edge if a needs a grad."""
    data = op.array(a.data)
    out = _new(Tensor)
    out.data = data if type(data) is _ndarray else np.asarray(data)  # numpy gives 0-d scalars
    out.grad = None
    out.label = ""
    out._b = out._k = None
    if a.requires_grad and (not engine.paused_threads or _MODE.enabled):
        out.requires_grad = True
        out._op = op
        out._a = a
    else:
        out.requires_grad = False
        out._op = out._a = None
    return out


def _binary(op: Op, a: Any, b: Any) -> Tensor:
    """Every binary Tensor op. An input without requires_grad is kept as raw data in `_k` (None
    in its input slot, see engine.py), and an elementwise op first expands a smaller input that
    needs a gradient (see the module doc)."""
    if type(a) is Tensor or isinstance(a, Tensor):
        ad = a.data
        if not a.requires_grad or engine.paused_threads and not _MODE.enabled:
            a = None
    else:
        ad = _operand(op, a)
        a = None
    if type(b) is float:
        bd = b
        b = None
    elif isinstance(b, Tensor):
        bd = b.data
        if not b.requires_grad or engine.paused_threads and not _MODE.enabled:
            b = None
        elif op.db is None:
            raise TypeError(f"{op.name}: the second argument is a parameter without a "
                            f"derivative; pass a number or an array, not a Tensor that "
                            f"requires grad")
    elif op.db is None and not op.elementwise:
        bd = b  # a parameter (an axis, a shape, an index), passed as given
        b = None
    else:
        bd = _operand(op, b)
        b = None
    if type(bd) is _ndarray and type(ad) is _ndarray and ad.shape != bd.shape and op.elementwise:
        shape = shapes.broadcast_shape(op.name, ad, bd)
        if a is not None and ad.shape != shape:
            a = _binary(shapes.expand, a, shape)
        if b is not None and bd.shape != shape:
            b = _binary(shapes.expand, b, shape)
    data = op.array(ad, bd)
    out = _new(Tensor)
    out.data = data if type(data) is _ndarray else np.asarray(data)
    out.grad = None
    out.label = ""
    if a is not None or b is not None:
        out.requires_grad = True
        out._op = op
        out._a = a
        out._b = b
        out._k = ad if a is None else (bd if b is None else None)
    else:
        out.requires_grad = False
        out._op = out._a = out._b = out._k = None
    return out


def _operand(op: Op, x: Any) -> Any:
    """A constant operand as stored: a Python number or a numeric ndarray."""
    if type(x) is float:
        return x
    if type(x) is int:
        return ops.number(x, op.name)  # an int beyond float range becomes +-inf
    if isinstance(x, np.ndarray):
        if x.dtype.kind not in "fiub":
            raise TypeError(f"{op.name}: array operand of dtype {x.dtype} is not numeric")
        return x if type(x) is np.ndarray else np.asarray(x)
    if isinstance(x, (numbers.Real, np.bool_)):
        return float(x)  # a numpy scalar as a Python float: float32 tensors stay float32
    if isinstance(x, Node):
        raise TypeError(f"{op.name}: cannot combine a Tensor with a {type(x).__name__}; "
                        f"Value and Tensor do not mix")
    raise TypeError(f"unsupported operand for {op.name}: Tensor and {type(x).__name__}")


def _compared(x: Any) -> Any:
    if isinstance(x, Tensor):
        return x.data
    return _operand(ops.sub, x)


def _matmul(a: Any, b: Any) -> Tensor:
    """a @ b with numpy's rules: a 1-D operand becomes a matrix (and the result loses that
    axis again); batch axes broadcast, explicitly (expand) for an operand that needs a grad."""
    ad = a.data if isinstance(a, Tensor) else _operand(linalg.matmul, a)
    bd = b.data if isinstance(b, Tensor) else _operand(linalg.matmul, b)
    sa = ad.shape if type(ad) is _ndarray else ()
    sb = bd.shape if type(bd) is _ndarray else ()
    if len(sa) == 2 == len(sb) and sa[1] == sb[0]:
        return _binary(linalg.matmul, a, b)
    try:
        batch = np.broadcast_shapes(sa[:-2], sb[:-2])
    except ValueError:
        batch = None
    if batch is None or not sa or not sb or sa[-1] != sb[-2 if len(sb) > 1 else 0]:
        raise ValueError(f"matmul: shapes {sa} and {sb} are not aligned (numpy matmul rules)")
    a2 = _batched(a if len(sa) > 1 else shapes.reshape(a, (1,) + sa), batch)
    b2 = _batched(b if len(sb) > 1 else shapes.reshape(b, sb + (1,)), batch)
    out = _binary(linalg.matmul, a2, b2)
    shape = batch + sa[-2:-1] + sb[-1:] if len(sb) > 1 else batch + sa[-2:-1]
    return out if out.data.shape == shape else _binary(shapes.reshape, out, shape)


def _batched(x: Any, batch: tuple[int, ...]) -> Any:
    """x with its batch axes expanded to `batch` if it is a tensor needing a gradient."""
    if isinstance(x, Tensor) and x.requires_grad and x.data.shape[:-2] != batch:
        return _binary(shapes.expand, x, batch + x.data.shape[-2:])
    return x


_new = object.__new__
_ndarray = np.ndarray
