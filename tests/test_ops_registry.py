"""Every registered elementwise op, first and second derivatives against central differences.

The parametrization is computed from the registry at collection time, so an op registered by
the package (or by a plugin imported before collection) is covered with no test written for it.
"""
from __future__ import annotations

import math
from typing import Iterator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autodiff
from autodiff import REGISTRY, Domain, Value, register, sigmoid, softplus, tanh, unregister
from autodiff.ops import POSITIVE, REALS
from autodiff.testing import PARAMETER, check_op, floats_in, op_inputs, values_in


def elementwise_ops() -> list[str]:
    """Names of the registered ops that work on scalars (array-only ops are tested with Tensor)."""
    return sorted(name for name, op in REGISTRY.items() if op.elementwise)


@pytest.mark.parametrize("name", elementwise_ops())
@given(data=st.data())
def test_derivatives_match_central_differences(name: str, data: st.DataObject) -> None:
    op = REGISTRY[name]
    check_op(op, *data.draw(op_inputs(op), label="inputs"))


@pytest.mark.parametrize("name", elementwise_ops())
def test_every_input_declares_a_domain(name: str) -> None:
    op = REGISTRY[name]
    assert len(op.domain) == len(op.params) == len(op.derivatives)
    assert all(d is None or isinstance(d, Domain) for d in op.domain)
    assert all(isinstance(d, Domain) for d, f in zip(op.domain, op.derivatives) if f is not None)
    assert op.differentiable, "some input carries a derivative (where's cond does not)"


# --- strategies draw from the declared domain ------------------------------------------------

DOMAINS = st.sampled_from([op.domain[0] for op in REGISTRY.values()] +
                          [Domain(-1.0, 1.0, kinks=(-0.5, 0.0, 0.5)), Domain(0.0, 0.05), None])


@given(data=st.data(), domain=DOMAINS)
def test_floats_in_stay_inside_domain_bound_and_away_from_kinks(data: st.DataObject,
                                                                  domain: Domain) -> None:
    x = data.draw(floats_in(domain, bound=3.0, margin=0.01))
    domain = domain or PARAMETER
    assert domain.contains(x) and -3.0 <= x <= 3.0
    assert domain.low + 0.01 <= x <= domain.high - 0.01
    assert all(abs(x - k) >= 0.01 for k in domain.kinks)


def test_floats_in_refuses_an_empty_domain() -> None:
    with pytest.raises(ValueError, match="larger bound"):
        floats_in(Domain(10.0, 20.0), bound=5.0)


@given(x=values_in(POSITIVE))
def test_values_in_draws_values(x: Value) -> None:
    assert isinstance(x, Value) and x.data > 0 and x.parents == ()


# --- a user-registered op is a first-class op -------------------------------------------------


def _mish_grad(g, y, x):  # type: ignore[no-untyped-def]
    t = tanh(softplus(x))
    return g * (t + x * sigmoid(x) * (1 - t * t))  # d/dx x tanh(sp(x)), sp' = sigmoid


@pytest.fixture(scope="module")
def mish() -> Iterator[autodiff.Op]:
    op = register("mish", lambda x: x * tanh(softplus(x)), _mish_grad,
                  doc="mish(x) = x tanh(softplus(x))")
    yield op
    unregister("mish")


@given(x=floats_in(REALS))
def test_user_op_works_as_function_method_and_in_the_registry_loop(mish: autodiff.Op,
                                                                   x: float) -> None:
    expected = x * math.tanh(math.log1p(math.exp(x)))
    assert mish(x) == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert Value(x).mish().data == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert Value(x).apply("mish").data == Value(x).mish().data
    assert mish(np.array([x, x]))[1] == pytest.approx(expected, rel=1e-12, abs=1e-15)
    assert "mish" in elementwise_ops()  # so the loop above covers it once registered
    check_op("mish", x)  # the loop's body


def test_registering_twice_or_a_bad_name_is_refused(mish: autodiff.Op) -> None:
    with pytest.raises(ValueError, match="already registered"):
        register("mish", np.tanh, lambda g, y, x: g)
    with pytest.raises(ValueError, match="identifier"):
        register("not a name", np.tanh, lambda g, y, x: g)
    with pytest.raises(TypeError, match="at least one derivative formula"):
        register("no_derivative", np.tanh)


def test_unregistered_op_is_gone() -> None:
    op = register("twice", lambda x: 2 * x, lambda g, y, x: 2 * g)
    assert Value(1.5).twice().data == 3.0
    unregister("twice")
    assert "twice" not in REGISTRY
    with pytest.raises(AttributeError, match="twice"):
        Value(1.5).twice()
    assert op(1.5) == 3.0  # the record itself still works


def test_check_op_catches_forwards_that_disagree_and_a_wrong_arity() -> None:
    op = register("two_forwards", np.tanh, lambda g, y, x: g * (1 - y * y),
                  scalar=lambda x: math.tanh(x) + 1e-6)
    try:
        with pytest.raises(AssertionError, match=r"two_forwards\(0\.5\): the float forward"):
            check_op(op, 0.5)
        with pytest.raises(TypeError, match=r"takes 1 arguments, got 2"):
            check_op("two_forwards", 0.5, 0.5)
    finally:
        unregister("two_forwards")
