"""Value: a float and its graph edges. Every method is one call into the op registry."""
from __future__ import annotations

from typing import Any, Optional

from . import activations as act
from . import engine, ops
from .engine import Node, _MODE, backward
from .ops import Op, number, scalar_forward


class Value(Node):
    """A scalar that records the operations applied to it, as in micrograd.

    `data` is a float (ints, bools and numpy scalars are converted), `grad` is d(root)/d(self)
    after `root.backward()`, accumulated over calls.
    """

    __slots__ = ("data", "grad", "label", "_op", "_a", "_b", "_k")
    __array_ufunc__ = None  # ndarray (op) Value defers to Value's reflected operator

    def __init__(self, data: Any, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value(data): data is already a Value; use .detach() for a copy")
        self.data = float(number(data, "Value"))
        self.grad = 0.0
        self.label = label
        self._op: Optional[Op] = None
        self._a: Optional[Value] = None
        self._b: Optional[Value] = None
        self._k: Any = None

    # --- graph -----------------------------------------------------------------------------

    _prev = Node.parents  # micrograd's name

    def backward(self, grad: Optional[float] = None) -> None:
        """Backpropagate from this value: every ancestor's `.grad` += d(self)/d(ancestor)."""
        backward(self, grad)

    def detach(self) -> "Value":
        """A new leaf with the same data and no history."""
        return Value(self.data, self.label)

    def _seed(self, grad: Any) -> float:
        return 1.0 if grad is None else float(number(grad, "backward(grad)"))

    def _constant(self, raw: Any) -> "Value":
        return Value(raw)

    def _apply_unary(self, op: Op) -> "Value":
        return _unary(op, self)

    @staticmethod
    def _apply_binary(op: Op, a: Any, b: Any) -> "Value":
        return _binary(op, a, b)

    def apply(self, op: Op | str, other: Any = None) -> "Value":
        """Apply a registered op (given by record or by name) to this value."""
        record = ops.REGISTRY[op] if isinstance(op, str) else op
        return record(self) if record.unary else record(self, other)  # checks parameters

    def __getattr__(self, name: str) -> Any:
        # Op outputs leave `label` (and a unary op's `_k`) unset, one store less on the hot
        # path; unset, they read as their defaults.
        if name == "label":
            return ""
        if name == "_k":
            return None
        # A user-registered op is reachable as a method too: Value(1.0).mish().
        op = ops.REGISTRY.get(name)
        if op is None or name.startswith("_"):
            raise AttributeError(f"'Value' object has no attribute {name!r}")
        if not op.elementwise:
            raise AttributeError(f"'Value' object has no attribute {name!r}: {name} is an "
                                 f"array op; use a Tensor")
        return lambda *params: op(self, *params)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data:.6g}, grad={self.grad:.6g}{label})"

    def __float__(self) -> float:
        return self.data

    # Comparisons compare data and return bool (no gradient); identity stays the hash.
    def __lt__(self, other: Any) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Any) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Any) -> bool:
        return self.data >= _data(other)

    # --- arithmetic --------------------------------------------------------------------------

    def __add__(self, other: Any) -> "Value":
        return _binary(ops.add, self, other)

    def __radd__(self, other: Any) -> "Value":
        return _binary(ops.add, other, self)

    def __sub__(self, other: Any) -> "Value":
        return _binary(ops.sub, self, other)

    def __rsub__(self, other: Any) -> "Value":
        return _binary(ops.sub, other, self)

    def __mul__(self, other: Any) -> "Value":
        return _binary(ops.mul, self, other)

    def __rmul__(self, other: Any) -> "Value":
        return _binary(ops.mul, other, self)

    def __truediv__(self, other: Any) -> "Value":
        return _binary(ops.div, self, other)

    def __rtruediv__(self, other: Any) -> "Value":
        return _binary(ops.div, other, self)

    def __pow__(self, other: Any) -> "Value":
        return _binary(ops.power, self, other)

    def __rpow__(self, other: Any) -> "Value":
        return _binary(ops.power, other, self)

    def __neg__(self) -> "Value":
        return _unary(ops.neg, self)

    def __pos__(self) -> "Value":
        return self

    # --- elementary functions and activations -----------------------------------------------

    def exp(self) -> "Value":
        """e^x"""
        return _unary(ops.exp, self)

    def log(self) -> "Value":
        """ln x"""
        return _unary(ops.log, self)

    def sqrt(self) -> "Value":
        """x^(1/2)"""
        return _unary(ops.sqrt, self)

    def abs(self) -> "Value":
        """|x|"""
        return _unary(ops.abs, self)

    __abs__ = abs

    def sin(self) -> "Value":
        """sin x (the sinusoid activation)"""
        return _unary(ops.sin, self)

    def cos(self) -> "Value":
        """cos x"""
        return _unary(ops.cos, self)

    def sigmoid(self) -> "Value":
        """1 / (1 + e^-x)"""
        return _unary(act.sigmoid, self)

    logistic = sigmoid

    def tanh(self) -> "Value":
        """(e^x - e^-x) / (e^x + e^-x)"""
        return _unary(act.tanh, self)

    def relu(self) -> "Value":
        """max(0, x)"""
        return _unary(act.relu, self)

    def leaky_relu(self, slope: Any = 0.01) -> "Value":
        """x if x > 0 else slope * x"""
        return act.leaky_relu(self, slope)

    def elu(self, alpha: float = 1.0) -> "Value":
        """x if x > 0 else alpha (e^x - 1)"""
        return act.elu(self, alpha)

    def softplus(self) -> "Value":
        """ln(1 + e^x)"""
        return _unary(act.softplus, self)

    def log_sigmoid(self) -> "Value":
        """ln sigmoid(x) = -softplus(-x)"""
        return _unary(act.log_sigmoid, self)

    def bent_identity(self) -> "Value":
        """(sqrt(x^2 + 1) - 1) / 2 + x"""
        return _unary(act.bent_identity, self)

    def silu(self) -> "Value":
        """x * sigmoid(x), also called swish"""
        return _unary(act.silu, self)

    swish = silu

    def gelu(self) -> "Value":
        """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the tanh approximation"""
        return _unary(act.gelu, self)


def _data(x: Any) -> float:
    return x.data if isinstance(x, Value) else number(x, "comparison")


def _unary(op: Op, a: Value) -> Value:
    """The hot path of every unary Value op: forward on floats, then record the edge."""
    out = _new(Value)
    try:
        out.data = op.scalar(a.data)
    except (ArithmeticError, ValueError):
        out.data = scalar_forward(op, a.data)
    out.grad = 0.0
    if not engine.paused_threads or _MODE.enabled:
        out._op = op
        out._a = a
    else:
        out._op = out._a = None
    out._b = None
    return out


def _binary(op: Op, a: Any, b: Any) -> Value:
    """The hot path of every binary Value op; a raw number on either side stays a constant,
    kept in `_k` with None in its input slot (see engine.py)."""
    if type(a) is Value:
        ad = a.data
    elif type(a) is float or type(a) is int:
        ad = a
        a = None
    else:
        a, ad = _operand(op, a)
    if type(b) is Value:
        bd = b.data
    elif type(b) is float or type(b) is int:
        bd = b
        b = None
    else:
        b, bd = _operand(op, b)
    out = _new(Value)
    try:
        out.data = op.scalar(ad, bd)
    except (ArithmeticError, ValueError):
        out.data = scalar_forward(op, ad, bd)
    out.grad = 0.0
    if not engine.paused_threads or _MODE.enabled:
        out._op = op
        out._a = a
        out._b = b
        out._k = ad if a is None else (bd if b is None else None)
    else:
        out._op = out._a = out._b = out._k = None
    return out


def _operand(op: Op, x: Any) -> tuple[Optional[Value], float]:
    """(the node or None, the data) of an operand that is not a float, int or Value."""
    if isinstance(x, Value):
        return x, x.data
    try:
        return None, number(x, op.name)
    except TypeError:
        raise TypeError(f"unsupported operand for {op.name}: Value and "
                        f"{type(x).__name__}") from None


_new = object.__new__
