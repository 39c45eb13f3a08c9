"""Shared test configuration: the deterministic hypothesis profile, and the README's own ops.

`mish` (the README's custom op, as written there) and `lerp` (its n-ary op) are registered here,
before collection, so every registry-wide test (derivatives on Value and Tensor, both orders,
extreme inputs) covers them, as it would any user's op. tests/test_register.py checks that the
README still holds this mish. So is nn's own op (binary_cross_entropy_with_logits), imported
here.
"""

import numpy as np

import autodiff
from autodiff import sigmoid, softplus, tanh
import nn  # noqa: F401  (registers nn's op before collection, whichever tests run)
from autodiff.testing import load_profile

load_profile()


def mish_forward(x):                         # numpy in, numpy out
    with np.errstate(all="ignore"):          # IEEE values at +-inf and nan, without warnings
        return x * np.tanh(np.logaddexp(0, x))


def mish_derivative(g, y, x):                # d mish/dx = t + x (1 - t^2) sigmoid(x)
    t = tanh(softplus(x))
    return g * (t + x * (1 - t * t) * sigmoid(x))


mish = autodiff.register("mish", mish_forward, mish_derivative,
                         doc="mish(x) = x tanh(softplus(x))")

lerp = autodiff.register(
    "lerp", lambda a, b, t: a + t * (b - a),
    lambda g, y, a, b, t: g * (1 - t),
    lambda g, y, a, b, t: g * t,
    lambda g, y, a, b, t: g * (b - a),
    signature="a, b, t", scalar=lambda a, b, t: a + t * (b - a),
    doc="lerp(a, b, t) = a + t (b - a)")
