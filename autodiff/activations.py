"""Activation pairs (f, f'), registered through the same public `register` users call.

Each forward is written in a numerically stable form (no overflow for |x| = 1000, the limit at
+-inf); each derivative reuses the output where it can: sigmoid' = y(1 - y), tanh' = 1 - y^2.
Derivatives stay accurate to a few ulps over the whole float range, infinities included: a
product that would be 0 * inf at one end (x s(-x) as x -> -inf) is taken, on that side, in a
form that vanishes there (`where` picks the form by the sign of x; see `_logistic_ramp`).
"""
from __future__ import annotations

import math

import numpy as np

from .arithmetic import abs, exp, sign, sqrt, step
from .ops import KINK_AT_ZERO, Domain, register
from .selection import where

# --- forwards: a scalar one on floats (math) and an array one (numpy) ----------------------


def _sigmoid(x: float) -> float:
    e = math.exp(-math.fabs(x))  # in (0, 1]: never overflows
    return (1.0 if x >= 0 else e) / (1.0 + e)


def _sigmoid_array(x: np.ndarray) -> np.ndarray:
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1, e) / (1 + e)


def _softplus(x: float) -> float:
    return max(x, 0.0) + math.log1p(math.exp(-math.fabs(x)))


def _softplus_array(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


def _log_sigmoid(x: float) -> float:
    return min(x, 0.0) - math.log1p(math.exp(-math.fabs(x)))


def _log_sigmoid_array(x: np.ndarray) -> np.ndarray:
    return np.minimum(x, 0) - np.log1p(np.exp(-np.abs(x)))


def _relu(x: float) -> float:
    return 0.0 if x <= 0 else x  # nan stays nan, as in numpy


def _leaky_relu(x: float, slope: float = 0.01) -> float:
    return x if x > 0 else x * slope


def _leaky_relu_array(x: np.ndarray, slope: float = 0.01) -> np.ndarray:
    return np.where(x > 0, x, x * slope)


def _elu(x: float, alpha: float) -> float:
    return x if x > 0 else alpha * math.expm1(x)


def _elu_array(x: np.ndarray, alpha: float) -> np.ndarray:
    return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


def _bent_identity(x: float) -> float:
    if math.isinf(x):  # (|x| - 1) / 2 + x: inf at +inf, -inf at -inf (not inf - inf)
        return x
    return (math.hypot(x, 1.0) - 1.0) / 2.0 + x


def _bent_identity_array(x: np.ndarray) -> np.ndarray:
    return np.where(np.isinf(x), x, (np.hypot(x, 1) - 1) / 2 + x)


# x s(v) (silu, gelu) is 0 where s(v) is 0, -inf included; x is floored first so that no
# 0 * inf is formed: below -6e4 (representable in float16) s(v) is 0 in every float type.
_FLOOR = -6e4


def _silu(x: float) -> float:
    s = _sigmoid(x)
    return x * s if s else -0.0


def _silu_array(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, _FLOOR) * _sigmoid_array(x)


_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_K = 0.044715


def _gelu(x: float) -> float:
    # 0.5 x (1 + tanh u) = x sigmoid(2u): no cancellation in 1 + tanh u for x < 0
    s = _sigmoid(2.0 * _GELU_C * (x + _GELU_K * x * x * x))
    return x * s if s else -0.0


def _gelu_array(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, _FLOOR) * _sigmoid_array(2 * _GELU_C * (x + _GELU_K * x * x * x))


# --- derivatives that need more than one line ---------------------------------------------


def _logistic_ramp(v, r):  # type: ignore[no-untyped-def]
    """s(v) + r v s(v) s(-v), with s the sigmoid, accurate for every v (r bounded).

    v s(-v) = -silu(-v) vanishes as v -> +inf, and v s(v) = silu(v) as v -> -inf, so each side
    takes the product in the form that is 0, not 0 * inf, at its infinity (silu(-inf) = 0).
    """
    s = sigmoid(v)
    return where(step(v), s - r * s * silu(-v), s + r * silu(v) * sigmoid(-v))


def _silu_grad(g, y, x):  # type: ignore[no-untyped-def]
    return g * _logistic_ramp(x, 1.0)  # silu' = s + x s (1 - s)


def _gelu_grad(g, y, x):  # type: ignore[no-untyped-def]
    # With v = 2u = 2c (x + k x^3), gelu = x s(v) and gelu' = s(v) + x v' s(v) s(-v), where
    # x v' = v r with r = (1 + 3k x^2) / (1 + k x^2) = 3 - 2 / (1 + k x^2), in [1, 3].
    v = 2 * _GELU_C * (x + _GELU_K * x * x * x)
    return g * _logistic_ramp(v, 3 - 2 / (1 + _GELU_K * x * x))


def _elu_grad(g, y, x, alpha):  # type: ignore[no-untyped-def]
    # alpha e^x, not y + alpha (which cancels for x << 0); e^-relu(-x) is finite for x > 0
    above = step(x)
    return g * (above + alpha * exp(-relu(-x)) * (1 - above))


def _bent_identity_grad(g, y, x):  # type: ignore[no-untyped-def]
    # 1 + x / (2 sqrt(x^2 + 1)): for |x| > 1 the ratio is sign(x) / sqrt(1 + 1/x^2), which
    # neither overflows (x^2 at 1.4e154) nor turns into inf / inf; each branch reads x only
    # where it is picked (1 or 0 elsewhere), so neither forms a nan in a second derivative.
    far = step(abs(x) - 1)
    big = where(far, x, 1.0)
    small = where(far, 0.0, x)
    ratio = where(far, sign(big) / sqrt(1 + 1 / (big * big)), small / sqrt(small * small + 1))
    return g * (1 + 0.5 * ratio)


# --- the registrations ----------------------------------------------------------------------

sigmoid = register("sigmoid", _sigmoid_array, lambda g, y, x: g * y * (1 - y),
                   scalar=_sigmoid, doc="sigmoid(x) = 1 / (1 + e^-x); sigmoid' = y (1 - y)")
logistic = sigmoid
tanh = register("tanh", np.tanh, lambda g, y, x: g * (1 - y * y), scalar=math.tanh,
                doc="tanh(x) = (e^x - e^-x) / (e^x + e^-x); tanh' = 1 - y^2")
relu = register("relu", lambda x: np.maximum(x, 0), lambda g, y, x: g * step(x),
                scalar=_relu, domain=KINK_AT_ZERO, doc="relu(x) = max(0, x); relu'(0) = 0")
leaky_relu = register(
    "leaky_relu", _leaky_relu_array,
    lambda g, y, x, slope: g * (slope + (1 - slope) * step(x)),
    lambda g, y, x, slope: -(g * relu(-x)),
    signature="x, slope=0.01", scalar=_leaky_relu, domain=(KINK_AT_ZERO, Domain(0.0, 1.0)),
    doc="leaky_relu(x, slope) = x if x > 0 else slope x; the slope is differentiable too")
elu = register("elu", _elu_array, _elu_grad,
               signature="x, alpha=1.0", scalar=_elu, domain=(KINK_AT_ZERO, Domain(0.0, 3.0)),
               doc="elu(x, alpha) = x if x > 0 else alpha (e^x - 1)")
softplus = register("softplus", _softplus_array, lambda g, y, x: g * sigmoid(x),
                    scalar=_softplus, doc="softplus(x) = ln(1 + e^x); softplus' = sigmoid")
log_sigmoid = register("log_sigmoid", _log_sigmoid_array, lambda g, y, x: g * sigmoid(-x),
                       scalar=_log_sigmoid, doc="log_sigmoid(x) = ln sigmoid(x) = -softplus(-x)")
bent_identity = register(
    "bent_identity", _bent_identity_array, _bent_identity_grad, scalar=_bent_identity,
    doc="bent_identity(x) = (sqrt(x^2 + 1) - 1) / 2 + x; ' = 1 + x / (2 sqrt(x^2 + 1))")
silu = register("silu", _silu_array, _silu_grad, scalar=_silu,
                doc="silu(x) = swish(x) = x sigmoid(x); silu' = s + x s (1 - s)")
swish = silu
gelu = register("gelu", _gelu_array, _gelu_grad, scalar=_gelu,
                doc="gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (tanh form) "
                    "= x sigmoid(2 sqrt(2/pi) (x + 0.044715 x^3))")
