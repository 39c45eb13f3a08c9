"""Arithmetic and elementary functions: a derivative table, one rule per line.

Each rule is `d(g, y, *args)`: the gradient for one input, given the upstream gradient g and
the output y (reused where it is cheaper: exp' = y). Masks are ops too (`step`, `sign`), never
comparisons, so a traced or compiled backward recomputes them from the data.
"""
from __future__ import annotations

import math
import operator

import numpy as np

from .numerics import quiet
from .ops import KINK_AT_ZERO, NONZERO, POSITIVE, Domain, register

# --- arithmetic ------------------------------------------------------------------------------


def _power_da(g, y, a, b):  # type: ignore[no-untyped-def]
    """d/da a^b = b a^(b-1), and 0 at 0 ** 0 (a^0 = 1 for every a), where b a^(b-1) is 0 inf."""
    if isinstance(b, (int, float)) and b:  # an exponent other than 0: no special case
        return g * b * (a if b == 2 else power(a, b - 1))  # a square's a^1 is a itself
    keep = step(abs(a) + abs(b))  # 0 only at 0 ** 0
    return g * b * power(_one_where_not(a, keep), b - 1)


def _power_db(g, y, a, b):  # type: ignore[no-untyped-def]
    """d/db a^b = a^b ln a, and 0 at a = 0 with b >= 0 (0^b is constant there), where a^b ln a
    is 0 (-inf), or 1 (-inf) at 0 ** 0; 0^b ln 0 = -inf for b < 0, as the formula gives."""
    if isinstance(a, (int, float)) and a:  # a base other than 0: no special case
        return g * y * log(a)
    keep = step(abs(a) + step(-b))  # 0 only where a = 0 and b >= 0
    return g * y * log(_one_where_not(a, keep))


def _one_where_not(a, keep):  # type: ignore[no-untyped-def]
    """a where keep is 1, and 1 where keep is 0 (a is 0 there): the special point moved where
    the formula is finite, its gradient included. a - 0 keeps the sign of -0.0 (a + 0 would not)."""
    return a - (keep - 1)


add = register("add", np.add, lambda g, y, a, b: g, lambda g, y, a, b: g,
               scalar=operator.add, doc="add(a, b) = a + b")
sub = register("sub", np.subtract, lambda g, y, a, b: g, lambda g, y, a, b: -g,
               scalar=operator.sub, doc="sub(a, b) = a - b")
mul = register("mul", np.multiply, lambda g, y, a, b: g * b, lambda g, y, a, b: g * a,
               scalar=operator.mul, doc="mul(a, b) = a * b")
div = register("div", quiet(np.true_divide), lambda g, y, a, b: g / b,
               lambda g, y, a, b: -g * y / b,
               scalar=operator.truediv, domain=(Domain(), NONZERO), doc="div(a, b) = a / b")
power = register("power", quiet(np.power), _power_da, _power_db,
                 scalar=math.pow, domain=(POSITIVE, Domain(-3.0, 3.0)),
                 doc="power(a, b) = a ** b; d/da = b a^(b-1), d/db = a^b log a; both 0 at "
                     "0 ** 0, and d/db 0 at 0 ** b for b > 0 (as PyTorch)")
neg = register("neg", np.negative, lambda g, y, x: -g, scalar=operator.neg,
               doc="neg(x) = -x")

# --- elementary functions --------------------------------------------------------------------


def _sign(x: float) -> float:
    return 1.0 if x > 0 else (-1.0 if x < 0 else x * 0.0)  # keeps 0.0 and nan


def _step(x: float) -> float:
    return 1.0 if x > 0 else 0.0


def _step_array(x: np.ndarray) -> np.ndarray:
    return np.greater(x, 0).astype(x.dtype if x.dtype.kind == "f" else np.float64)


exp = register("exp", quiet(np.exp), lambda g, y, x: g * y, scalar=math.exp,
               domain=Domain(-20.0, 20.0), doc="exp(x) = e^x; exp' = exp")
log = register("log", quiet(np.log), lambda g, y, x: g / x, scalar=math.log, domain=POSITIVE,
               doc="log(x) = ln x; log'(x) = 1/x")
sqrt = register("sqrt", quiet(np.sqrt), lambda g, y, x: g / (2.0 * y), scalar=math.sqrt,
                domain=POSITIVE, doc="sqrt(x) = x^(1/2); sqrt'(x) = 1 / (2 sqrt x)")
sign = register("sign", np.sign, lambda g, y, x: g * 0.0, scalar=_sign, domain=KINK_AT_ZERO,
                doc="sign(x) in {-1, 0, 1}; sign' = 0 away from 0")
step = register("step", _step_array, lambda g, y, x: g * 0.0, scalar=_step,
                domain=KINK_AT_ZERO,
                doc="step(x) = 1 if x > 0 else 0 (Heaviside, 0 at 0); step' = 0 away from 0")
abs = register("abs", np.abs, lambda g, y, x: g * sign(x), scalar=math.fabs,
               domain=KINK_AT_ZERO, doc="abs(x) = |x|; abs'(x) = sign(x), 0 at 0")
sin = register("sin", quiet(np.sin), lambda g, y, x: g * cos(x), scalar=math.sin,
               doc="sin(x), the sinusoid activation; sin' = cos")
cos = register("cos", quiet(np.cos), lambda g, y, x: -(g * sin(x)), scalar=math.cos,
               doc="cos(x); cos' = -sin")
