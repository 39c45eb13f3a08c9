"""Tensor: an ndarray and its graph edges, as in PyTorch; the array recording hot path.

The operators and elementwise ops are shared with Value (see methods.py). Besides recording
edges, the front-end has one job: to make broadcasting explicit. Before an elementwise op, an
input that needs a gradient and is smaller than the result is first `expand`ed, so
`shapes.sum_to` (expand's derivative) is the only place where broadcasting is undone.

Version counter: every in-place write the library makes (`sub_`, `copy_`, ..., which
optimisers and `load_state_dict` use) stamps the tensor with a new count, and every op node is
stamped with the count at its creation. A backward pass (or `grad`) through a node made before
one of its inputs was written in place is refused: it would use the new numbers.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from . import node as modes
from . import linalg, numpy_api, reductions, selection, shapes
from .anomaly import observe
from .engine import backward, topological_order
from .array_methods import ArrayMethods
from .methods import OpMethods
from .node import MODE, Node, note_leaf, refuse_while_tracing
from .numerics import errors_off, errors_on
from .operands import axis_argument, float_array, parameter_node_error, tensor_operand
from .ops import RESERVED, Op

writes = 0  # in-place writes made so far (see the module doc)
_ndarray = np.ndarray


# --- the hot path ------------------------------------------------------------------------------


def _unary(op: Op, a: Tensor) -> Tensor:
    """Every unary Tensor op: forward on the array, then record the edge if a needs a grad."""
    token = errors_off()  # IEEE values without numpy's warnings, as for Value (numerics.py)
    try:
        data = op.array(a.data)
    finally:
        errors_on(token)
    out = _new(Tensor)
    out.data = data if type(data) is _ndarray else np.asarray(data)  # numpy gives 0-d scalars
    out.grad = None
    out.label = ""
    out._b = out._k = out._g = out._meta = None
    out._version = writes
    unusual = modes.unusual_threads
    if a.requires_grad and (not unusual or MODE.enabled):
        out.requires_grad = True
        out._op = op
        out._a = a
    else:
        if unusual and not MODE.enabled:
            refuse_while_tracing(f"{op.name} under no_grad()")
        out.requires_grad = False
        out._op = out._a = None
    if unusual and MODE.anomaly:
        observe(out, (a.data,))
    return out


def _binary(op: Op, a: Any, b: Any) -> Tensor:
    """Every binary Tensor op. An input without requires_grad is kept as raw data in `_k` (None
    in its input slot, see node.py), and an elementwise op first expands a smaller input that
    needs a gradient (see the module doc)."""
    unusual = modes.unusual_threads
    recording = not unusual or MODE.enabled
    if not recording:
        refuse_while_tracing(f"{op.name} under no_grad()")
    if type(a) is Tensor or isinstance(a, Tensor):
        ad = a.data
        if not (a.requires_grad and recording):
            a = None
    else:
        ad = tensor_operand(op.name, a)
        a = None
    if type(b) is float:
        bd = b
        b = None
    elif op.param_b:
        if isinstance(b, Node):
            raise parameter_node_error(op.name, op.params[1], b)
        bd = b  # a parameter (an axis, a shape, an index, elu's alpha), passed as given
        b = None
    elif isinstance(b, Tensor):
        bd = b.data
        if not (b.requires_grad and recording):
            b = None
    else:
        bd = tensor_operand(op.name, b)
        b = None
    if op.elementwise and type(bd) is _ndarray and type(ad) is _ndarray and ad.shape != bd.shape:
        shape = shapes.broadcast_shape(op.name, ad, bd)
        if a is not None and ad.shape != shape:
            a = _binary(shapes.expand, a, shape)
        if b is not None and bd.shape != shape:
            b = _binary(shapes.expand, b, shape)
    token = errors_off()
    try:
        data = op.array(ad, bd)
    finally:
        errors_on(token)
    out = _new(Tensor)
    out.data = data if type(data) is _ndarray else np.asarray(data)
    out.grad = None
    out.label = ""
    out._g = out._meta = None
    out._version = writes
    if a is not None or b is not None:
        out.requires_grad = True
        out._op = op
        out._a = a
        out._b = b
        out._k = ad if a is None else (bd if b is None else None)
    else:
        out.requires_grad = False
        out._op = out._a = out._b = out._k = None
    if unusual and MODE.anomaly:
        observe(out, (ad,) if op.param_b else (ad, bd))
    return out


def _wide(op: Op, args: Sequence[Any]) -> Tensor:
    """An op of three or more arguments (or given a node where no gradient flows): the
    arguments are kept whole in `_k`, nodes among them (see node.py)."""
    unusual = modes.unusual_threads
    recording = not unusual or MODE.enabled
    if not recording:
        refuse_while_tracing(f"{op.name} under no_grad()")
    count = len(args) - op.nparams
    stored: list[Any] = []
    raw: list[Any] = []
    nodes = False
    for i, x in enumerate(args):
        if i >= count:
            if isinstance(x, Node):
                raise parameter_node_error(op.name, op.params[i - count + op.ninputs], x)
            stored.append(x)
            raw.append(x)
        elif isinstance(x, Tensor):
            raw.append(x.data)
            keep = x.requires_grad and recording
            stored.append(x if keep else x.data)
            nodes = nodes or keep
        else:
            data = tensor_operand(op.name, x)
            stored.append(data)
            raw.append(data)
    if nodes and op.elementwise:
        _expand_inputs(op, stored, raw, count)
    token = errors_off()
    try:
        data = op.array(*raw)
    finally:
        errors_on(token)
    out = _new(Tensor)
    out.data = data if type(data) is _ndarray else np.asarray(data)
    out.grad = None
    out.label = ""
    out._a = out._b = out._g = out._meta = None
    out._version = writes
    out.requires_grad = nodes
    out._op = op if nodes else None
    out._k = tuple(stored) if nodes else None
    if unusual and MODE.anomaly:
        observe(out, raw[:count])
    return out


def _expand_inputs(op: Op, stored: list[Any], raw: list[Any], count: int) -> None:
    """Expand every input node of an elementwise wide op to the broadcast shape (in place)."""
    shape = shapes.broadcast_shape(op.name, *raw[:count])
    for i in range(count):
        x = stored[i]
        if isinstance(x, Tensor) and x.data.shape != shape:
            stored[i] = _binary(shapes.expand, x, shape)


_new = object.__new__


class Tensor(ArrayMethods, OpMethods, Node):
    """An n-dimensional float array that records the operations applied to it, as in PyTorch.

    `data` is a float ndarray: float64 by default, float32 (any float dtype) kept as given;
    integer and bool data become float64. A float ndarray of the chosen dtype is used without a
    copy. Gradients are computed only for tensors with `requires_grad=True` (and results made
    from them); `grad` is None until a backward pass reaches the tensor, then an array of its
    shape and dtype, accumulated over backward calls. A leaf's grad is its own writable array;
    an op node's grad may be a read-only view shared with other nodes.
    """

    __slots__ = ("requires_grad", "_version")
    _unary = staticmethod(_unary)  # the recording hot paths the shared methods call
    _binary = staticmethod(_binary)
    _wide = staticmethod(_wide)
    # np.exp(t), np.sum(t), ndarray * t: the registered ops, recorded (see numpy_api.py)
    __array_ufunc__ = numpy_api.array_ufunc
    __array_function__ = numpy_api.array_function

    def __init__(self, data: Any, requires_grad: bool = False, dtype: Any = None,
                 label: str = "") -> None:
        if not isinstance(label, str):
            raise TypeError(f"Tensor(label=...): label must be a str, got "
                            f"{type(label).__name__}")
        self.data = float_array(data, dtype)
        self.grad: Any = None
        self.requires_grad = bool(requires_grad)
        self.label = label
        self._op: Optional[Op] = None
        self._a = self._b = self._k = self._g = self._meta = None
        self._version = 0
        note_leaf(self)  # a leaf made while tracing is a constant of the trace

    # --- plain values ----------------------------------------------------------------------

    def item(self) -> float:
        """The one element of a size-1 tensor as a Python float."""
        refuse_while_tracing(".item() of a Tensor")
        return self.data.item()

    def numpy(self) -> np.ndarray:
        """The data array itself (shared, not copied)."""
        refuse_while_tracing(".numpy() of a Tensor")
        return self.data

    def __array__(self, dtype: Any = None, copy: Optional[bool] = None) -> np.ndarray:
        refuse_while_tracing("a Tensor read as a numpy array")
        if copy:
            return np.array(self.data, dtype=dtype)
        return self.data if dtype is None else self.data.astype(dtype, copy=False)

    def __float__(self) -> float:
        refuse_while_tracing("float() of a Tensor")
        return float(self.data.item())

    def __bool__(self) -> bool:
        refuse_while_tracing("bool() of a Tensor (an `if` or `and` on it)")
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
        token = errors_off()  # IEEE values at poles (log'(0) = inf), as for Value
        try:
            backward(self, grad)
        finally:
            errors_on(token)

    def zero_grad(self) -> None:
        """Forget the accumulated gradient."""
        self.grad = None

    def detach(self) -> "Tensor":
        """A new leaf sharing this tensor's data, without history or gradient."""
        refuse_while_tracing("detach() of a Tensor")
        return _leaf(self.data, self.label)

    @property
    def version(self) -> int:
        """The in-place write count this tensor was last stamped with (see the module doc)."""
        return self._version

    def _seed(self, grad: Any) -> np.ndarray:
        if self._version != writes and self._op is not None:  # some write since self was made
            check_versions(self)
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward: grad can be implicitly created only for scalar "
                                   f"outputs; this Tensor has shape {self.data.shape}, so pass "
                                   f"backward(grad) with a gradient of that shape")
            return np.ones_like(self.data)
        seed = float_array(grad.data if isinstance(grad, Tensor) else grad, self.data.dtype,
                           "backward(grad)")
        if seed.shape != self.data.shape:
            raise ValueError(f"backward: grad has shape {seed.shape} but the Tensor has shape "
                             f"{self.data.shape}")
        return seed.copy()  # the caller's array is theirs to change later

    def _owned(self, grad: Any) -> np.ndarray:
        # A view (a broadcast, a reshape) or another dtype becomes a writable array of its own.
        if type(grad) is _ndarray and grad.base is None and grad.dtype == self.data.dtype:
            return grad
        return np.array(np.broadcast_to(grad, self.data.shape), dtype=self.data.dtype)

    def _accumulated(self, total: Any, grad: Any) -> np.ndarray:
        out = total + grad
        if type(out) is not _ndarray or out.dtype != self.data.dtype:
            out = np.asarray(out, dtype=self.data.dtype)
        return out

    def _constant(self, raw: Any) -> "Tensor":
        return _leaf(np.asarray(raw))

    @classmethod
    def _record(cls, op: Op, args: tuple[Any, ...]) -> "Tensor":
        if op.unary:
            return _unary(op, args[0])
        if op.slots:
            return _binary(op, args[0], args[1])
        return _wide(op, args)

    # --- in-place writes: no graph, a new version ----------------------------------------------

    def copy_(self, values: Any) -> "Tensor":
        """Overwrite the data with `values` (broadcast, cast to this dtype); no gradient."""
        self.data[...] = values.data if isinstance(values, Tensor) else values
        return self._bumped()

    def sub_(self, other: Any) -> "Tensor":
        """data -= other, in place; no gradient."""
        self.data -= other.data if isinstance(other, Tensor) else other
        return self._bumped()

    def add_(self, other: Any) -> "Tensor":
        """data += other, in place; no gradient."""
        self.data += other.data if isinstance(other, Tensor) else other
        return self._bumped()

    def mul_(self, other: Any) -> "Tensor":
        """data *= other, in place; no gradient."""
        self.data *= other.data if isinstance(other, Tensor) else other
        return self._bumped()

    def _bumped(self) -> "Tensor":
        global writes
        writes += 1
        self._version = writes
        return self


# --- construction ----------------------------------------------------------------------------


def _leaf(data: np.ndarray, label: str = "") -> Tensor:
    out = _new(Tensor)
    out.data = data
    out.grad = None
    out.requires_grad = False
    out.label = label
    out._op = out._a = out._b = out._k = out._g = out._meta = None
    out._version = writes
    return out


def check_versions(root: Tensor) -> None:
    """Refuse a backward pass through a node made before one of its inputs was written in place
    (the pass would use the new numbers); a RuntimeError names the input and the op.

    An input is made before its users, so its stamp exceeds a user's only after a write.
    """
    for node in topological_order(root):
        if node._op is None:
            continue
        for x in node.parents:
            if x._version > node._version:
                name = f" {x.label!r}" if x.label else ""
                raise RuntimeError(
                    f"backward: the tensor{name} of shape {x.shape} used by {node._op.name} was "
                    f"changed in place (by an optimizer step, load_state_dict or an in-place "
                    f"method) after the forward pass; run the forward pass again first")


RESERVED.update(name for name in dir(Tensor) if not name.startswith("_"))
