"""Value: algebraic identities, micrograd's reference expressions, IEEE numerics, errors, graph
fields. Gradients of each op against central differences live in test_ops_registry.py."""
from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import autodiff
from autodiff import REGISTRY, Value
from autodiff.ops import POSITIVE, REALS, Domain
from autodiff.testing import floats_in

reals = floats_in(REALS, bound=30.0)
small = floats_in(REALS, bound=1e-3, margin=0.0)
positive = floats_in(POSITIVE, bound=30.0)
unit = floats_in(Domain(0.0, 1.0), margin=0.0)


def close(a: float, b: float, tol: float = 1e-12) -> bool:
    return math.isclose(a, b, rel_tol=tol, abs_tol=tol)


# --- algebraic identities -------------------------------------------------------------------


@given(x=reals)
def test_odd_and_complementary_functions(x: float) -> None:
    v, w = Value(x), Value(-x)
    assert close(w.sigmoid().data, 1 - v.sigmoid().data)  # sigmoid(-x) = 1 - sigmoid(x)
    assert w.tanh().data == -v.tanh().data  # tanh is odd
    assert close(v.softplus().data - w.softplus().data, x)  # softplus(x) - softplus(-x) = x
    assert v.relu().data - w.relu().data == x  # relu(x) - relu(-x) = x
    assert v.relu().data + w.relu().data == abs(v).data  # relu(x) + relu(-x) = |x|
    assert close(v.gelu().data - w.gelu().data, x)  # gelu(x) - gelu(-x) = x
    assert close(v.bent_identity().data - x, w.bent_identity().data + x)  # b(x) - x is even
    assert close(v.log_sigmoid().data, -w.softplus().data)  # log sigmoid(x) = -softplus(-x)


@given(x=reals)
def test_compositions_and_products(x: float) -> None:
    v = Value(x)
    assert close(v.silu().data, x * v.sigmoid().data)  # silu(x) = x sigmoid(x)
    assert v.swish().data == v.silu().data and v.logistic().data == v.sigmoid().data
    assert close(v.log_sigmoid().exp().data, v.sigmoid().data)
    assert close(v.sin().data ** 2 + v.cos().data ** 2, 1.0)
    assert 0.0 <= v.sigmoid().data <= 1.0 and -1.0 <= v.tanh().data <= 1.0
    assert v.softplus().data >= max(x, 0.0)


@given(x=floats_in(Domain(-20.0, 20.0)), y=positive)
def test_exp_and_log_are_inverse(x: float, y: float) -> None:
    assert close(Value(x).exp().log().data, x, 1e-14)  # log(exp(x)) = x
    assert close(Value(y).log().exp().data, y, 1e-12)
    assert close(Value(y).sqrt().data ** 2, y, 1e-14)


@given(x=reals, y=reals, slope=unit, alpha=unit)
def test_piecewise_activations_are_lipschitz_hence_continuous_at_the_kink(
        x: float, y: float, slope: float, alpha: float) -> None:
    # |f(x) - f(y)| <= L |x - y| for all x, y, in particular across the kink at 0.
    for f in (lambda v: v.relu(), lambda v: v.leaky_relu(slope), lambda v: v.elu(alpha),
              lambda v: abs(v)):
        assert abs(f(Value(x)).data - f(Value(y)).data) <= abs(x - y) * (1 + 1e-12)


@given(x=small, slope=unit, alpha=unit)
def test_piecewise_activations_meet_at_zero(x: float, slope: float, alpha: float) -> None:
    for f in (lambda v: v.leaky_relu(slope), lambda v: v.elu(alpha), lambda v: v.relu()):
        assert f(Value(0.0)).data == 0.0
        assert abs(f(Value(x)).data) <= abs(x)


# --- micrograd's reference expressions (its test_engine.py and README) -----------------------


def micrograd_sanity_check(x: Value) -> Value:
    z = 2 * x + 2 + x
    q = z.relu() + z * x
    h = (z * z).relu()
    return h + q + q * x


def micrograd_more_ops(a: Value, b: Value) -> Value:
    c = a + b
    d = a * b + b**3
    c += c + 1
    c += 1 + c + (-a)
    d += d * 2 + (b + a).relu()
    d += 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    g += 10.0 / f
    return g


def test_micrograd_numbers() -> None:
    x = Value(-4.0)
    y = micrograd_sanity_check(x)
    y.backward()
    assert (y.data, x.grad) == (-20.0, 46.0)
    a, b = Value(-4.0), Value(2.0)
    g = micrograd_more_ops(a, b)
    g.backward()
    assert g.data == pytest.approx(24.7041, abs=1e-4)
    assert a.grad == pytest.approx(138.8338, abs=1e-4)
    assert b.grad == pytest.approx(645.5773, abs=1e-4)


@given(x=reals)
def test_micrograd_sanity_check_matches_its_closed_form(x: float) -> None:
    # z = 3x + 2; q = relu(z) + z x; h = z^2; y = h + q (1 + x).
    z = 3 * x + 2
    assume(abs(z) > 1e-6)
    q, dq = max(z, 0) + z * x, 3 * (z > 0) + 6 * x + 2
    v = Value(x)
    y = micrograd_sanity_check(v)
    y.backward()
    assert close(y.data, z * z + q * (1 + x), 1e-9)
    assert close(v.grad, 6 * z + dq * (1 + x) + q, 1e-9)


@given(x=reals, y=reals)
def test_micrograd_more_ops_matches_its_closed_form(x: float, y: float) -> None:
    # c = 3a + 4b + 3; d = 12 (ab + b^3) + 4 relu(a + b) + relu(b - a); e = c - d;
    # g = e^2 / 2 + 10 / e^2.
    e = 3 * x + 4 * y + 3 - (12 * (x * y + y**3) + 4 * max(x + y, 0) + max(y - x, 0))
    assume(abs(x + y) > 1e-6 and abs(y - x) > 1e-6 and abs(e) > 1e-2)
    de_da = 3 - 12 * y - 4 * (x + y > 0) + (y - x > 0)
    de_db = 4 - 12 * (x + 3 * y * y) - 4 * (x + y > 0) - (y - x > 0)
    dg_de = e - 20 / e**3
    a, b = Value(x), Value(y)
    g = micrograd_more_ops(a, b)
    g.backward()
    assert close(g.data, e * e / 2 + 10 / (e * e), 1e-7)
    assert close(a.grad, dg_de * de_da, 1e-7)
    assert close(b.grad, dg_de * de_db, 1e-7)


# --- reflected operators and powers ------------------------------------------------------------


@given(r=reals, x=floats_in(Domain(kinks=(0.0,)), bound=30.0))
def test_reflected_operators_treat_the_number_as_a_constant(r: float, x: float) -> None:
    for expr, value, slope in [(lambda v: r + v, r + x, 1.0), (lambda v: r - v, r - x, -1.0),
                               (lambda v: r * v, r * x, r), (lambda v: r / v, r / x, -r / x**2)]:
        v = Value(x)
        out = expr(v)
        out.backward()
        assert out.parents == (v,)
        assert close(out.data, value) and close(v.grad, slope, 1e-9)


@given(base=floats_in(POSITIVE), x=floats_in(Domain(-3.0, 3.0)))
def test_number_to_the_power_of_a_value(base: float, x: float) -> None:
    v = Value(x)
    out = base**v
    out.backward()
    assert close(out.data, base**x) and close(v.grad, base**x * math.log(base), 1e-9)


@given(x=floats_in(POSITIVE), y=floats_in(Domain(-3.0, 3.0)))
def test_value_to_the_power_of_a_value(x: float, y: float) -> None:
    a, b = Value(x), Value(y)
    out = a**b
    out.backward()
    assert close(out.data, x**y)
    assert close(a.grad, y * x ** (y - 1), 1e-9) and close(b.grad, x**y * math.log(x), 1e-9)


# --- IEEE numerics: the right answer at the extremes, no exception, no warning ---------------


@pytest.mark.filterwarnings("error")
def test_extreme_inputs_give_the_ieee_answer() -> None:
    assert Value(-1000).sigmoid().data == 0.0 and Value(1000).sigmoid().data == 1.0
    assert Value(1000).softplus().data == 1000.0 and Value(-1000).softplus().data == 0.0
    assert Value(-1000).log_sigmoid().data == -1000.0 and Value(1000).log_sigmoid().data == 0.0
    assert Value(1000).tanh().data == 1.0 and Value(-1000).silu().data == 0.0
    assert Value(0).log().data == -math.inf and Value(-1).log().data != Value(-1).log().data
    assert (Value(1) / 0).data == math.inf and (Value(-1) / 0.0).data == -math.inf
    assert (1 / Value(0)).data == math.inf
    assert Value(1000).exp().data == math.inf and Value(-1000).exp().data == 0.0
    assert (Value(10.0) ** 400).data == math.inf and Value(1e308).bent_identity().data > 1e308


EXTREMES = (1e308, -1e308, 1000.0, -1000.0, 0.0, -0.0, math.inf, -math.inf, math.nan)


def _apply_at(name: str, xs: tuple[float, ...]) -> Value:
    op = REGISTRY[name]
    return op(*(Value(x) if f is not None else x for x, f in zip(xs, op.derivatives)))


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("name", sorted(n for n, op in REGISTRY.items() if op.elementwise))
def test_no_op_raises_or_warns_at_extreme_inputs(name: str) -> None:
    for xs in itertools.product(EXTREMES, repeat=len(REGISTRY[name].params)):
        assert isinstance(_apply_at(name, xs).data, float)


@pytest.mark.filterwarnings("error")
def test_no_backward_raises_or_warns_at_extreme_inputs() -> None:
    for name, op in REGISTRY.items():
        if op.elementwise:
            for xs in itertools.product(EXTREMES, repeat=len(op.params)):
                _apply_at(name, xs).backward()


# --- construction and operand errors ------------------------------------------------------------


@pytest.mark.parametrize("bad", ["a", [1.0], None, 1 + 2j, np.ones(2), {"x": 1}])
def test_value_of_a_non_number_is_a_type_error_naming_it(bad: object) -> None:
    name = type(bad).__name__
    with pytest.raises(TypeError, match=rf"got {name}"):
        Value(bad)
    with pytest.raises(TypeError, match=rf"Value and {name}"):
        Value(1.0) + bad
    with pytest.raises(TypeError, match=name):
        bad * Value(1.0)


def test_other_misuse_is_a_clear_type_error() -> None:
    with pytest.raises(TypeError, match="already a Value"):
        Value(Value(1.0))
    for misuse in (lambda: Value(-1.0).elu(Value(1.0)),
                   lambda: Value(-1.0).apply("elu", Value(1.0))):
        with pytest.raises(TypeError, match="elu: alpha is a parameter, which carries no gradient"):
            misuse()
    with pytest.raises(TypeError, match="str"):
        Value(1.0) < "a"
    with pytest.raises(AttributeError, match="no_such_op"):
        Value(1.0).no_such_op()


@given(x=st.one_of(st.booleans(), st.integers(-10**6, 10**6),
                   st.floats(allow_nan=False, width=32).map(np.float32), st.floats(allow_nan=False)))
def test_numbers_become_python_floats(x: object) -> None:
    # A documented choice: bools and numpy scalars are numbers; data is always a float.
    v = Value(x)
    assert type(v.data) is float and v.data == float(x) and float(v) == v.data


# --- graph fields ------------------------------------------------------------------------------


@given(x=reals, y=reals)
def test_op_parents_label_and_detach(x: float, y: float) -> None:
    a, b = Value(x, label="a"), Value(y)
    assert a.label == "a" and "label='a'" in repr(a) and b.label == ""
    assert (a.op, a.parents) == ("", ())
    assert (a - b).parents == (a, b) and (b - a).parents[0] is b  # argument order, no set
    assert (a + a).parents == (a, a) and (a * 2).parents == (a,) and (2 * a).parents == (a,)
    assert ((a - b).op, a.tanh().op, a.elu(0.5).op) == ("sub", "tanh", "elu")
    c = a * b
    assert c._prev == c.parents == (a, b)  # _prev: micrograd's name
    d = c.detach()
    assert (d.data, d.op, d.parents) == (c.data, "", ())
    (d * 3).backward()
    assert (a.grad, b.grad, d.grad) == (0.0, 0.0, 3.0)


@given(x=reals, y=reals)
def test_comparisons_compare_data_and_return_bool(x: float, y: float) -> None:
    a, b = Value(x), Value(y)
    for got, want in [(a < b, x < y), (a <= b, x <= y), (a > b, x > y), (a >= b, x >= y),
                      (a < y, x < y), (x < b, x < y), (a >= y, x >= y)]:
        assert type(got) is bool and got == want
    assert len({a, b, a}) == 2  # Values hash by identity: sets and dicts of nodes work


def test_ints_beyond_float_range_are_infinite_not_overflow_errors() -> None:
    assert Value(10**400).data == math.inf and Value(-(10**400)).data == -math.inf
    assert (Value(2.0) * 10**400).data == math.inf
    assert autodiff.exp(10**400) == math.inf


def test_an_array_is_not_a_value_and_the_error_says_where_arrays_go() -> None:
    with pytest.raises(TypeError, match=r"got ndarray of shape \(2,\) \(arrays go in a Tensor\)"):
        Value(np.ones(2))
