"""Activation pairs (f, f'), registered through the same public `register` users call.

Each forward is written in a numerically stable form (no overflow for |x| = 1000, no warning);
each derivative reuses the output where it can: sigmoid' = y(1 - y), tanh' = 1 - y^2.
"""
from __future__ import annotations

import math

import numpy as np

from .arithmetic import step
from .ops import KINK_AT_ZERO, Domain, register

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
    return (math.hypot(x, 1.0) - 1.0) / 2.0 + x


def _bent_identity_array(x: np.ndarray) -> np.ndarray:
    return (np.hypot(x, 1) - 1) / 2 + x


_GELU_C = math.sqrt(2.0 / math.pi)
_GELU_K = 0.044715


def _gelu(x: float) -> float:
    return 0.5 * x * (1.0 + math.tanh(_GELU_C * (x + _GELU_K * x * x * x)))


def _gelu_array(x: np.ndarray) -> np.ndarray:
    return 0.5 * x * (1 + np.tanh(_GELU_C * (x + _GELU_K * x * x * x)))


# --- derivatives that need more than one line ---------------------------------------------


def _silu_grad(g, y, x):  # type: ignore[no-untyped-def]
    s = sigmoid(x)
    return g * s * (1 + x - y)  # s + x s (1 - s), with x s = y


def _gelu_grad(g, y, x):  # type: ignore[no-untyped-def]
    t = tanh(_GELU_C * (x + _GELU_K * x * x * x))
    return g * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * _GELU_C * (1 + 3 * _GELU_K * x * x))


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
elu = register("elu", _elu_array,
               lambda g, y, x, alpha: g * (step(x) + (y + alpha) * (1 - step(x))),
               signature="x, alpha=1.0", scalar=_elu, domain=(KINK_AT_ZERO, Domain(0.0, 3.0)),
               doc="elu(x, alpha) = x if x > 0 else alpha (e^x - 1)")
softplus = register("softplus", _softplus_array, lambda g, y, x: g * sigmoid(x),
                    scalar=_softplus, doc="softplus(x) = ln(1 + e^x); softplus' = sigmoid")
log_sigmoid = register("log_sigmoid", _log_sigmoid_array, lambda g, y, x: g * sigmoid(-x),
                       scalar=_log_sigmoid, doc="log_sigmoid(x) = ln sigmoid(x) = -softplus(-x)")
bent_identity = register(
    "bent_identity", _bent_identity_array,
    lambda g, y, x: g * (1 + x / (4 * (y - x) + 2)),  # sqrt(x^2 + 1) = 2 (y - x) + 1
    scalar=_bent_identity,
    doc="bent_identity(x) = (sqrt(x^2 + 1) - 1) / 2 + x; ' = 1 + x / (2 sqrt(x^2 + 1))")
silu = register("silu", lambda x: x * _sigmoid_array(x), _silu_grad,
                scalar=lambda x: x * _sigmoid(x),
                doc="silu(x) = swish(x) = x sigmoid(x); silu' = s (1 + x - y)")
swish = silu
gelu = register("gelu", _gelu_array, _gelu_grad, scalar=_gelu,
                doc="gelu(x) = 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (tanh form)")
