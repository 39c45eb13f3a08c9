"""Value: a float and its graph edges, as in micrograd; the scalar recording hot path.

The methods (operators, elementwise ops) are shared with Tensor (see methods.py); this file
holds what is Value's own: construction, the float forward, and the recording of an edge.
"""
from __future__ import annotations

from typing import Any, Optional

from . import node as modes
from . import numpy_api
from .anomaly import observe
from .engine import backward
from .methods import OpMethods
from .node import MODE, Node, note_leaf, refuse_while_tracing
from .numerics import ieee, number
from .operands import mixing_error, parameter_node_error, value_operand
from .ops import RESERVED, Op


# --- the hot path --------------------------------------------------------------------------------


def _unary(op: Op, a: Value) -> Value:
    """Every unary Value op: forward on floats, then record the edge."""
    out = _new(Value)
    try:
        out.data = op.scalar(a.data)
    except (ArithmeticError, ValueError):
        out.data = ieee(op.array, a.data)
    out.grad = 0.0
    out.label = ""
    out._b = out._k = out._g = out._meta = None
    if not modes.unusual_threads:
        out._op = op
        out._a = a
    else:
        _unusual(out, op, a, None, None, (a.data,))
    return out


def _binary(op: Op, a: Any, b: Any) -> Value:
    """Every binary Value op; a raw number on either side stays a constant, kept in `_k` with
    None in its input slot (see node.py)."""
    if type(a) is Value:
        ad = a.data
    elif type(a) is float or type(a) is int:
        ad = a
        a = None
    else:
        a, ad = _operand(op, a, 0)
    if type(b) is Value and not op.param_b:
        bd = b.data
    elif type(b) is float or type(b) is int:
        bd = b
        b = None
    else:
        b, bd = _operand(op, b, 1)
    out = _new(Value)
    try:
        out.data = op.scalar(ad, bd)
    except (ArithmeticError, ValueError):
        out.data = ieee(op.array, ad, bd)
    out.grad = 0.0
    out.label = ""
    out._g = out._meta = None
    if not modes.unusual_threads:
        out._op = op
        out._a = a
        out._b = b
        out._k = ad if a is None else (bd if b is None else None)
    else:
        _unusual(out, op, a, b, ad if a is None else (bd if b is None else None),
                 (ad,) if op.param_b else (ad, bd))
    return out


def _operand(op: Op, x: Any, position: int) -> tuple[Optional[Value], Any]:
    """(the node or None, the data) of an operand that is not a float, int or Value."""
    if position == 1 and op.param_b:
        if isinstance(x, Node):
            raise parameter_node_error(op.name, op.params[1], x)
        return None, x  # a parameter, passed as given
    if isinstance(x, Value):
        return x, x.data
    return None, value_operand(op.name, x)


def _wide(op: Op, args: tuple[Any, ...]) -> Value:
    """An op of three or more arguments (or one given a node where no gradient flows): the
    arguments are kept whole in `_k` (see node.py)."""
    count = len(args) - op.nparams
    stored = []
    raw = []
    for i, x in enumerate(args):
        if i < count and isinstance(x, Value):
            stored.append(x)
            raw.append(x.data)
        elif i < count:
            data = value_operand(op.name, x)
            stored.append(data)
            raw.append(data)
        else:
            stored.append(x)
            raw.append(x)
    out = _new(Value)
    try:
        out.data = float(op.scalar(*raw))
    except (ArithmeticError, ValueError):
        out.data = float(ieee(op.array, *raw))
    out.grad = 0.0
    out.label = ""
    out._a = out._b = out._g = out._meta = None
    if not modes.unusual_threads:
        out._op = op
        out._k = tuple(stored)
    else:
        _unusual(out, op, None, None, tuple(stored), raw[:count])
    return out


def _unusual(out: Value, op: Op, a: Optional[Value], b: Optional[Value], k: Any,
             inputs: Any) -> None:
    """The edge of a node made while some thread is in an unusual mode: none under
    `no_grad()`; in anomaly mode, the node's site recorded and its output checked."""
    if MODE.enabled:
        out._op, out._a, out._b, out._k = op, a, b, k
    else:
        refuse_while_tracing(f"{op.name} under no_grad()")
        out._op = out._a = out._b = out._k = None
    if MODE.anomaly:
        observe(out, inputs)


_new = object.__new__


class Value(OpMethods, Node):
    """A scalar that records the operations applied to it, as in micrograd.

    `data` is a float (ints, bools and numpy scalars are converted), `grad` is d(root)/d(self)
    after `root.backward()`, accumulated over calls. `==` is identity, as in micrograd, so
    values can be dictionary keys; `<`, `>` and the rest compare data and return a bool.
    `float(v)`, `int(v)`, `round(v, n)` and `v.item()` are plain numbers.
    """

    __slots__ = ()
    _unary = staticmethod(_unary)  # the recording hot paths the shared methods call
    _binary = staticmethod(_binary)
    __array_ufunc__ = numpy_api.array_ufunc  # np.cos(v) is v.cos(), recorded

    def __init__(self, data: Any, label: str = "") -> None:
        if isinstance(data, Node):
            raise TypeError(f"Value(data): data is already a {type(data).__name__}; use "
                            f".detach() for a copy" if isinstance(data, Value) else
                            f"Value(data): data is a {type(data).__name__}; use .item() for "
                            f"its number")
        if not isinstance(label, str):
            raise TypeError(f"Value(label=...): label must be a str, got {type(label).__name__}")
        self.data = float(number(data, "Value"))
        self.grad: Any = 0.0
        self.label = label
        self._op: Optional[Op] = None
        self._a = self._b = self._k = self._g = self._meta = None
        if modes.unusual_threads:
            note_leaf(self)  # a leaf made while tracing is a constant of the trace

    # --- graph -----------------------------------------------------------------------------

    _prev = Node.parents  # micrograd's name

    def backward(self, grad: Optional[float] = None) -> None:
        """Backpropagate from this value: every ancestor's `.grad` += d(self)/d(ancestor)."""
        backward(self, grad)

    def detach(self) -> "Value":
        """A new leaf with the same data and no history."""
        refuse_while_tracing("detach() of a Value")
        return Value(self.data, self.label)

    def item(self) -> float:
        """The data as a Python float."""
        refuse_while_tracing(".item() of a Value")
        return self.data

    def _seed(self, grad: Any) -> float:
        return 1.0 if grad is None else float(number(grad, "backward(grad)"))

    def _constant(self, raw: Any) -> "Value":
        return Value(raw)

    def _owned(self, grad: Any) -> float:
        return float(grad)

    def _accumulated(self, total: Any, grad: Any) -> float:
        return float(total + grad)

    @classmethod
    def _record(cls, op: Op, args: tuple[Any, ...]) -> "Value":
        if not op.elementwise:
            raise TypeError(f"{op.name} is an array op; Value supports elementwise ops only "
                            f"(use a Tensor)")
        if op.unary:
            return _unary(op, args[0])
        if op.slots:
            return _binary(op, args[0], args[1])
        return _wide(op, args)

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        refuse_while_tracing("float() of a Value")
        return self.data

    def __int__(self) -> int:
        refuse_while_tracing("int() of a Value")
        return int(self.data)

    def __round__(self, ndigits: Optional[int] = None) -> float | int:
        # A number, as float(v) and int(v) are: for printing, never part of the graph.
        refuse_while_tracing("round() of a Value")
        return round(self.data, ndigits)

    def __bool__(self) -> bool:  # always true, as for any object; refused while tracing
        refuse_while_tracing("bool() of a Value (an `if` or `and` on it)")
        return True

    # Comparisons compare data and return bool (no gradient); identity stays the hash.
    def __lt__(self, other: Any) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Any) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Any) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Any) -> bool:
        return self.data >= _data(other)


def _data(x: Any) -> float:
    refuse_while_tracing("a comparison of a Value")
    if isinstance(x, Value):
        return x.data
    if isinstance(x, Node):
        raise mixing_error("comparison")
    return number(x, "comparison")


RESERVED.update(name for name in dir(Value) if not name.startswith("_"))
