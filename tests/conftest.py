"""Shared test configuration: the deterministic hypothesis profile, and one op of three inputs.

`lerp` is the README's example of an n-ary op. Registered here, before collection, it is covered
by every registry-wide test (derivatives on Value and Tensor, both orders, extreme inputs), as
any user's op would be; so is nn's own op (binary_cross_entropy_with_logits), imported here.
"""

import autodiff
import nn  # noqa: F401  (registers nn's op before collection, whichever tests run)
from autodiff.testing import load_profile

load_profile()

lerp = autodiff.register(
    "lerp", lambda a, b, t: a + t * (b - a),
    lambda g, y, a, b, t: g * (1 - t),
    lambda g, y, a, b, t: g * t,
    lambda g, y, a, b, t: g * (b - a),
    signature="a, b, t", scalar=lambda a, b, t: a + t * (b - a),
    doc="lerp(a, b, t) = a + t (b - a)")
