"""The methods Value and Tensor share: operators and elementwise ops, each one registry call.

Written once here, so the two surfaces cannot drift: `Value` and `Tensor` each define the two
recording hot paths `_unary(op, x)` and `_binary(op, a, b)` (static), and these methods call
them. An op the user registers becomes a method too, with the op's signature (see
`ops.register`).
"""
from __future__ import annotations

from typing import Any, Callable, TypeVar

from . import activations as act
from . import arithmetic as ar
from .ops import Op, lookup


N = TypeVar("N", bound="OpMethods")


class OpMethods:
    """Arithmetic operators and elementwise ops as methods (mixed into Value and Tensor)."""

    __slots__ = ()
    # Each node kind defines its two recording hot paths as static methods.
    _unary: Callable[[Op, Any], Any]
    _binary: Callable[[Op, Any, Any], Any]

    def apply(self, op: Op | str, *args: Any, **kwargs: Any) -> Any:
        """Apply a registered op (given by record or by name) with this node as its first
        argument: `x.apply("leaky_relu", 0.2)`."""
        record = lookup(op) if isinstance(op, str) else op
        return record(self, *args, **kwargs)

    # --- arithmetic --------------------------------------------------------------------------

    def __add__(self: N, other: Any) -> N:
        return self._binary(ar.add, self, other)

    def __radd__(self: N, other: Any) -> N:
        return self._binary(ar.add, other, self)

    def __sub__(self: N, other: Any) -> N:
        return self._binary(ar.sub, self, other)

    def __rsub__(self: N, other: Any) -> N:
        return self._binary(ar.sub, other, self)

    def __mul__(self: N, other: Any) -> N:
        return self._binary(ar.mul, self, other)

    def __rmul__(self: N, other: Any) -> N:
        return self._binary(ar.mul, other, self)

    def __truediv__(self: N, other: Any) -> N:
        return self._binary(ar.div, self, other)

    def __rtruediv__(self: N, other: Any) -> N:
        return self._binary(ar.div, other, self)

    def __pow__(self: N, other: Any) -> N:
        return self._binary(ar.power, self, other)

    def __rpow__(self: N, other: Any) -> N:
        return self._binary(ar.power, other, self)

    def __neg__(self: N) -> N:
        return self._unary(ar.neg, self)

    def __pos__(self: N) -> N:
        return self

    # --- elementary functions and activations -----------------------------------------------

    def exp(self: N) -> N:
        """e^x"""
        return self._unary(ar.exp, self)

    def log(self: N) -> N:
        """ln x"""
        return self._unary(ar.log, self)

    def sqrt(self: N) -> N:
        """x^(1/2)"""
        return self._unary(ar.sqrt, self)

    def abs(self: N) -> N:
        """|x|"""
        return self._unary(ar.abs, self)

    __abs__ = abs

    def sign(self: N) -> N:
        """-1, 0 or 1 (no gradient)"""
        return self._unary(ar.sign, self)

    def step(self: N) -> N:
        """1 where x > 0, else 0 (no gradient)"""
        return self._unary(ar.step, self)

    def sin(self: N) -> N:
        """sin x (the sinusoid activation)"""
        return self._unary(ar.sin, self)

    def cos(self: N) -> N:
        """cos x"""
        return self._unary(ar.cos, self)

    def sigmoid(self: N) -> N:
        """1 / (1 + e^-x)"""
        return self._unary(act.sigmoid, self)

    logistic = sigmoid

    def tanh(self: N) -> N:
        """(e^x - e^-x) / (e^x + e^-x)"""
        return self._unary(act.tanh, self)

    def relu(self: N) -> N:
        """max(0, x)"""
        return self._unary(act.relu, self)

    def leaky_relu(self: N, slope: Any = 0.01) -> N:
        """x if x > 0 else slope * x (the slope is differentiable: PReLU)"""
        return self._binary(act.leaky_relu, self, slope)

    def elu(self: N, alpha: float = 1.0) -> N:
        """x if x > 0 else alpha (e^x - 1)"""
        return self._binary(act.elu, self, alpha)

    def softplus(self: N) -> N:
        """ln(1 + e^x)"""
        return self._unary(act.softplus, self)

    def log_sigmoid(self: N) -> N:
        """ln sigmoid(x) = -softplus(-x)"""
        return self._unary(act.log_sigmoid, self)

    def bent_identity(self: N) -> N:
        """(sqrt(x^2 + 1) - 1) / 2 + x"""
        return self._unary(act.bent_identity, self)

    def silu(self: N) -> N:
        """x * sigmoid(x), also called swish"""
        return self._unary(act.silu, self)

    swish = silu

    def gelu(self: N) -> N:
        """0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))), the tanh approximation"""
        return self._unary(act.gelu, self)
