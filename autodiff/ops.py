"""The op record, the registry, and the arithmetic and elementary primitives.

Every differentiable operation is an `Op`: a forward function and one vector-Jacobian formula
per input. A formula receives the upstream gradient `g`, the op's output `y` and the inputs, and
returns the gradient for its input. Formulas use only arithmetic operators and registry ops, so
the same formula runs on floats and arrays (first-order backward) and on `Value`/`Tensor` nodes
(where it records a graph of its own: higher derivatives).

An op is also a function: `exp(2.0)`, `exp(np.ones(3))`, `exp(Value(2.0))` and
`exp(Tensor([1.0]))` all work, because `Op.__call__` dispatches on the argument's type.
"""
from __future__ import annotations

import math
import numbers
import operator
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np

from .engine import Node, ieee

Formula = Callable[..., Any]


@dataclass(frozen=True)
class Domain:
    """Where an input is valid: the open interval (low, high), minus the points in `kinks`."""

    low: float = -math.inf
    high: float = math.inf
    kinks: tuple[float, ...] = ()

    def contains(self, x: float) -> bool:
        """True when x lies inside the interval and is not a kink."""
        return self.low < x < self.high and x not in self.kinks


REALS = Domain()
POSITIVE = Domain(low=0.0)
KINK_AT_ZERO = Domain(kinks=(0.0,))
NONZERO = KINK_AT_ZERO  # a pole at 0 (div's divisor) is avoided like a kink


class Op:
    """A registered operation: forward functions and one derivative formula per input.

    `da(g, y, a[, b])` and `db(g, y, a, b)` return the gradient for input a / b. `db` is None
    when the second input is a parameter that carries no gradient (an axis, a shape). `scalar`
    computes the forward on Python floats, `array` on numpy arrays; `elementwise` ops work on
    both, array-only ops (reductions, shapes) only on arrays.
    """

    def __init__(self, name: str, array: Callable[..., Any], da: Formula,
                 db: Optional[Formula] = None, *, scalar: Optional[Callable[..., float]] = None,
                 arity: int = 1, domain: tuple[Optional[Domain], ...] = (REALS,),
                 elementwise: bool = True, doc: str = "") -> None:
        if arity not in (1, 2):
            raise ValueError(f"arity must be 1 or 2, got {arity!r}")
        self.name = name
        self.array = array
        self.scalar = scalar if scalar is not None else _scalar_from_array(array)
        self.da = da
        self.db = db
        self.arity = arity
        self.unary = arity == 1
        self.domain = domain
        self.elementwise = elementwise
        self.__doc__ = doc or f"{name}: a registered op"

    def __repr__(self) -> str:
        return f"<op {self.name}>"

    def __str__(self) -> str:
        return self.name

    def __call__(self, a: Any, b: Any = None) -> Any:
        """Apply the op to numbers, arrays, `Value`s or `Tensor`s."""
        # The common cases inside first-order derivative formulas: raw floats and arrays.
        if type(a) is float and (self.unary or type(b) is float or type(b) is int):
            return scalar_forward(self, a, b)
        if type(a) is np.ndarray and (self.unary or not isinstance(b, Node)):
            return self.array(a) if self.unary else self.array(a, b)
        if self.unary:
            if isinstance(a, Node):
                return a._apply_unary(self)
            if isinstance(a, np.ndarray):
                return self.array(a)
            return scalar_forward(self, number(a, self.name))
        if self.db is None and isinstance(b, Node):
            raise TypeError(f"{self.name}: the second argument is a parameter without a "
                            f"derivative; pass a number, not a {type(b).__name__}")
        for x in (a, b):
            if isinstance(x, Node):
                return type(x)._apply_binary(self, a, b)
        if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) or not self.elementwise:
            return self.array(a, b)
        return scalar_forward(self, number(a, self.name), number(b, self.name))


REGISTRY: dict[str, Op] = {}


def register(name: str, forward: Callable[..., Any], *derivatives: Optional[Formula],
             scalar: Optional[Callable[..., float]] = None,
             domain: Optional[Domain | tuple[Optional[Domain], ...]] = None,
             elementwise: bool = True, doc: str = "") -> Op:
    """Register an op (forward on numpy arrays, one derivative formula per input); returns it.

    `derivatives` are `d(g, y, x)` for a unary op, `da(g, y, a, b)` and `db(g, y, a, b)` for a
    binary one (`db` may be None: the second input is then a non-differentiable parameter).
    `scalar` is an optional fast forward on Python floats; `domain` is one `Domain` per input.
    """
    if name in REGISTRY:
        raise ValueError(f"an op named {name!r} is already registered")
    if not name.isidentifier():
        raise ValueError(f"op name must be a Python identifier, got {name!r}")
    if len(derivatives) not in (1, 2) or derivatives[0] is None:
        raise TypeError(f"{name}: give one derivative formula per input (1 or 2), "
                        f"got {len(derivatives)}")
    arity = len(derivatives)
    if domain is None:
        domain = (REALS,) * arity
    elif isinstance(domain, Domain):
        domain = (domain,) * arity
    if len(domain) != arity:
        raise ValueError(f"{name}: {arity} inputs but {len(domain)} domains")
    op = Op(name, forward, derivatives[0], derivatives[1] if arity == 2 else None,
            scalar=scalar, arity=arity, domain=tuple(domain), elementwise=elementwise, doc=doc)
    REGISTRY[name] = op
    return op


def unregister(name: str) -> None:
    """Remove a user-registered op from the registry (mainly for tests)."""
    del REGISTRY[name]


def number(x: Any, where: str = "op") -> float:
    """x as a Python number, or a TypeError naming its type."""
    if type(x) is float:
        return x
    if isinstance(x, numbers.Real):  # int, bool, numpy scalars
        try:
            return x if type(x) is int and -2**1023 < x < 2**1023 else float(x)
        except OverflowError:  # an int beyond float range: IEEE says +-inf
            return math.inf if x > 0 else -math.inf
    shape = f" of shape {x.shape}" if isinstance(x, np.ndarray) else ""
    hint = " (arrays go in a Tensor)" if shape else ""
    raise TypeError(f"{where}: expected a real number, got {type(x).__name__}{shape}{hint}")


def scalar_forward(op: Op, a: float, b: Any = None) -> float:
    """The op on floats with IEEE semantics: inf and nan instead of Python exceptions."""
    try:
        return op.scalar(a) if op.unary else op.scalar(a, b)
    except (ArithmeticError, ValueError):
        return ieee(op.array, a) if op.unary else ieee(op.array, a, b)


def _scalar_from_array(array: Callable[..., Any]) -> Callable[..., float]:
    """A float forward made from an array forward (slower than `math`, but always right)."""
    def scalar(*args: float) -> float:
        return float(array(*(np.float64(x) for x in args)))
    return scalar


def quiet(forward: Callable[..., Any]) -> Callable[..., Any]:
    """An array forward that returns IEEE values at poles (1/0 = inf, log 0 = -inf, exp(1000) =
    inf) without numpy's RuntimeWarning, as the float forward does."""
    def quiet_forward(*args: Any) -> Any:
        with np.errstate(all="ignore"):
            return forward(*args)
    quiet_forward.__name__ = getattr(forward, "__name__", "forward")
    return quiet_forward


# --- arithmetic ----------------------------------------------------------------------------

add = register("add", np.add, lambda g, y, a, b: g, lambda g, y, a, b: g,
               scalar=operator.add, doc="add(a, b) = a + b")
sub = register("sub", np.subtract, lambda g, y, a, b: g, lambda g, y, a, b: -g,
               scalar=operator.sub, doc="sub(a, b) = a - b")
mul = register("mul", np.multiply, lambda g, y, a, b: g * b, lambda g, y, a, b: g * a,
               scalar=operator.mul, doc="mul(a, b) = a * b")
div = register("div", quiet(np.true_divide), lambda g, y, a, b: g / b, lambda g, y, a, b: -g * y / b,
               scalar=operator.truediv, domain=(REALS, NONZERO), doc="div(a, b) = a / b")
power = register("power", quiet(np.power),
                 lambda g, y, a, b: g * b * power(a, b - 1),
                 lambda g, y, a, b: g * y * log(a),
                 scalar=math.pow, domain=(POSITIVE, Domain(-3.0, 3.0)),
                 doc="power(a, b) = a ** b; d/da = b a^(b-1), d/db = a^b log a")
neg = register("neg", np.negative, lambda g, y, a: -g, scalar=operator.neg, doc="neg(x) = -x")

# --- elementary functions -------------------------------------------------------------------


def _sign(x: float) -> float:
    return 1.0 if x > 0 else (-1.0 if x < 0 else x * 0.0)  # keeps 0.0 and nan


exp = register("exp", quiet(np.exp), lambda g, y, a: g * y, scalar=math.exp,
               domain=Domain(-20.0, 20.0), doc="exp(x) = e^x; exp' = exp")
log = register("log", quiet(np.log), lambda g, y, a: g / a, scalar=math.log, domain=POSITIVE,
               doc="log(x) = ln x; log'(x) = 1/x")
sqrt = register("sqrt", quiet(np.sqrt), lambda g, y, a: g / (2.0 * y), scalar=math.sqrt,
                domain=POSITIVE, doc="sqrt(x) = x^(1/2); sqrt'(x) = 1 / (2 sqrt x)")
sign = register("sign", np.sign, lambda g, y, a: g * 0.0, scalar=_sign, domain=KINK_AT_ZERO,
                doc="sign(x) in {-1, 0, 1}; sign' = 0 away from 0")
abs = register("abs", np.abs, lambda g, y, a: g * sign(a), scalar=math.fabs,
               domain=KINK_AT_ZERO, doc="abs(x) = |x|; abs'(x) = sign(x), 0 at 0")
sin = register("sin", np.sin, lambda g, y, a: g * cos(a), scalar=math.sin,
               doc="sin(x), the sinusoid activation; sin' = cos")
cos = register("cos", np.cos, lambda g, y, a: -(g * sin(a)), scalar=math.cos,
               doc="cos(x); cos' = -sin")
