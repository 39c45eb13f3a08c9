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

add = register("add", np.add, lambda g, y, a, b: g, lambda g, y, a, b: g,
               scalar=operator.add, doc="add(a, b) = a + b")
sub = register("sub", np.subtract, lambda g, y, a, b: g, lambda g, y, a, b: -g,
               scalar=operator.sub, doc="sub(a, b) = a - b")
mul = register("mul", np.multiply, lambda g, y, a, b: g * b, lambda g, y, a, b: g * a,
               scalar=operator.mul, doc="mul(a, b) = a * b")
div = register("div", quiet(np.true_divide), lambda g, y, a, b: g / b,
               lambda g, y, a, b: -g * y / b,
               scalar=operator.truediv, domain=(Domain(), NONZERO), doc="div(a, b) = a / b")
power = register("power", quiet(np.power),
                 lambda g, y, a, b: g * b * power(a, b - 1),
                 lambda g, y, a, b: g * y * log(a),
                 scalar=math.pow, domain=(POSITIVE, Domain(-3.0, 3.0)),
                 doc="power(a, b) = a ** b; d/da = b a^(b-1), d/db = a^b log a")
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
