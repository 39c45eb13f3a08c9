"""The right numbers at the edges: std of constant data, 0 ** 0, activation derivatives over
the whole float range (against 60-digit references), var with ddof >= n, empty reductions,
float16 means, leaf gradient dtypes, and Tensor ops as silent as Value ops at extreme inputs."""
from __future__ import annotations

import itertools
import math
import warnings
from decimal import MAX_EMAX, MIN_EMIN, Context, Decimal
from typing import Any, Callable

import numpy as np
import pytest

import autodiff
from autodiff import REGISTRY, Tensor, Value, grad, where
from autodiff.testing import check_grads


def _t(data: Any, dtype: Any = None) -> Tensor:
    return Tensor(data, requires_grad=True, dtype=dtype)


def _same(a: Any, b: Any) -> bool:
    """Equal as IEEE numbers, nan equal to nan (elementwise for arrays)."""
    return bool(np.array_equal(a, b, equal_nan=True))


# --- 1. std of constant data ------------------------------------------------------------------


@pytest.mark.parametrize("axis, ddof", [(None, 0), (None, 1), (0, 0), (1, 1), ((0, 1), 0),
                                        (-1, 0)])
def test_std_of_constant_data_has_a_zero_gradient(axis: Any, ddof: int) -> None:
    x = _t(np.full((3, 4), 2.5))
    x.std(axis=axis, ddof=ddof).sum().backward()
    assert np.array_equal(x.grad, np.zeros((3, 4)))  # sqrt'(0) = inf no longer meets a 0


def test_std_gradient_is_exact_on_rows_that_vary_and_zero_on_constant_ones() -> None:
    data = np.array([[1.0, 1.0, 1.0], [1.0, 2.0, 4.0]])
    x = _t(data)
    std = x.std(axis=1, ddof=1)
    std.sum().backward()
    row = data[1]
    expected = (row - row.mean()) / ((row.size - 1) * row.std(ddof=1))
    np.testing.assert_allclose(x.grad, [[0.0, 0.0, 0.0], expected], rtol=1e-12)
    np.testing.assert_allclose(std.data, [0.0, row.std(ddof=1)], rtol=1e-15)
    check_grads(lambda t: t.std(axis=1, ddof=1), data[1:])  # second order where it varies


def test_std_of_nan_data_is_nan_not_zero() -> None:
    assert math.isnan(Tensor([1.0, math.nan]).std().item())


# --- 2. power at 0 --------------------------------------------------------------------------

# (a, b, a ** b, d/da, d/db): 0 ** 0 = 1 with both derivatives 0, as PyTorch gives (a^0 = 1 for
# every a; 0^b = 0 for every b > 0); 0 ** b for b < 0 is inf with -inf derivatives, as the
# formulas give and PyTorch too; a negative base has no real log: nan.
POWER_CASES = [
    (0.0, 0.0, 1.0, 0.0, 0.0), (0.0, 2.0, 0.0, 0.0, 0.0), (0.0, 1.0, 0.0, 1.0, 0.0),
    (0.0, 0.5, 0.0, math.inf, 0.0), (0.0, -1.0, math.inf, -math.inf, -math.inf),
    (2.0, 0.0, 1.0, 0.0, math.log(2.0)), (-2.0, 2.0, 4.0, -4.0, math.nan),
    (3.0, 2.0, 9.0, 6.0, 9.0 * math.log(3.0)),
]


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("a, b, y, da, db", POWER_CASES)
def test_power_and_its_derivatives_at_zero(a: float, b: float, y: float, da: float,
                                           db: float) -> None:
    x, e = Value(a), Value(b)
    out = x ** e
    out.backward()
    assert _same(out.data, y) and _same(x.grad, da) and _same(e.grad, db)
    xt, et = _t([a]), _t([b])
    out_t = xt ** et
    out_t.sum().backward()
    assert _same(out_t.data, [y]) and _same(xt.grad, [da]) and _same(et.grad, [db])
    constant_b, constant_a = Value(a), Value(b)  # one side a constant
    (constant_b ** b).backward()
    (a ** constant_a).backward()
    assert _same(constant_b.grad, da) and _same(constant_a.grad, db)


def test_zero_to_the_power_zero_keeps_its_mixed_second_derivatives_elsewhere() -> None:
    check_grads(lambda a, b: a ** b, 2.0, 0.0)  # d2/da db a^b at b = 0 is 1/a, not masked
    check_grads(lambda a: a ** 0.0, 1.5)
    a, b = Value(0.0), Value(2.0)
    da, db = grad(a ** b, [a, b], create_graph=True)
    assert (da.data, db.data) == (0.0, 0.0)
    assert grad(da, [a])[0] == 2.0  # d2/da2 a^2 = 2, also at a = 0


# --- 3. activation derivatives over the whole float range --------------------------------------

CTX = Context(prec=60, Emax=MAX_EMAX, Emin=MIN_EMIN)
GELU_C, GELU_K = math.sqrt(2.0 / math.pi), 0.044715  # the tanh form's constants, as floats


def _sigmoid(z: Decimal) -> Decimal:
    return CTX.divide(1, CTX.add(1, CTX.exp(-z)))


def _silu_slope(x: float) -> tuple[Decimal, float]:
    """(silu'(x) to 60 digits, the exponent's size); x s + x s (1 - s)."""
    d = Decimal(x)
    s = _sigmoid(d)
    return s + d * s * (1 - s), abs(x)


def _gelu_slope(x: float) -> tuple[Decimal, float]:
    """gelu'(x) = s(v) (1 + x v' s(-v)) with v = 2c (x + k x^3), to 60 digits."""
    d, c, k = Decimal(x), Decimal(GELU_C), Decimal(GELU_K)
    v = 2 * c * (d + k * d * d * d)
    return _sigmoid(v) * (1 + d * 2 * c * (1 + 3 * k * d * d) * _sigmoid(-v)), abs(float(v))


def _elu_slope(x: float, alpha: float = 0.7) -> tuple[Decimal, float]:
    return (Decimal(1) if x > 0 else Decimal(alpha) * CTX.exp(Decimal(x))), abs(x)


def _bent_identity_slope(x: float) -> tuple[Decimal, float]:
    d = Decimal(x)
    return 1 + d / (2 * CTX.sqrt(d * d + 1)), 1.0


SLOPES: dict[str, Callable[[float], tuple[Decimal, float]]] = {
    "silu": _silu_slope, "gelu": _gelu_slope, "elu": _elu_slope,
    "bent_identity": _bent_identity_slope,
}
MODERATE = [-700.0, -300.0, -100.0, -40.0, -20.0, -10.0, -7.0, -5.0, -2.0, -0.5, -1e-8, 0.0,
            1e-8, 0.5, 1.0, 2.0, 5.0, 10.0, 20.0, 40.0, 100.0, 700.0]
HUGE = [1e16, 1e102, 1e154, 1.4e154, 1e200, 1e308, 1.7976931348623157e308]
# Beyond the moderate points the slope is 1 (or 0) to within 1e-300, except bent_identity's,
# whose reference is exact anywhere: 1 + x / (2 sqrt(x^2 + 1)) -> 1.5 and 0.5.
LIMITS = {"silu": (1.0, 0.0), "gelu": (1.0, 0.0), "elu": (1.0, 0.0), "bent_identity": (1.5, 0.5)}


def _slopes(name: str, xs: list[float]) -> tuple[list[float], np.ndarray]:
    """(Value's derivative at each x, Tensor's), computed without any warning or error."""
    extra = (0.7,) if name == "elu" else ()
    op = REGISTRY[name]
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        values = []
        for x in xs:
            v = Value(x)
            op(v, *extra).backward()
            values.append(v.grad)
        t = _t(xs)
        op(t, *extra).sum().backward()
    return values, t.grad


@pytest.mark.parametrize("name", sorted(SLOPES))
def test_activation_slopes_match_60_digit_references(name: str) -> None:
    values, tensors = _slopes(name, MODERATE)
    for x, on_value, on_tensor in zip(MODERATE, values, tensors):
        exact, size = SLOPES[name](x)
        # a few ulps, times the condition of e^v (relative error |v| ulp), nothing absolute:
        # the tails (elu'(-40) = 2.97e-18, gelu'(-20) = -2.9e-259) must keep their digits
        tolerance = 8 * 2.0**-52 * (1 + size)
        for got in (on_value, float(on_tensor)):
            assert math.isclose(got, float(exact), rel_tol=tolerance, abs_tol=0.0), \
                f"{name}'({x}) = {got!r}, exactly {float(exact)!r}"


@pytest.mark.parametrize("name", sorted(SLOPES))
def test_activation_slopes_at_huge_inputs_and_infinities(name: str) -> None:
    xs = HUGE + [math.inf] + [-x for x in HUGE] + [-math.inf]
    values, tensors = _slopes(name, xs)
    above, below = LIMITS[name]
    for x, on_value, on_tensor in zip(xs, values, tensors):
        expected = (above if x > 0 else below) if math.isinf(x) or name != "bent_identity" \
            else float(_bent_identity_slope(x)[0])
        assert on_value == expected and on_tensor == expected, \
            f"{name}'({x}): Value {on_value!r}, Tensor {on_tensor!r}, expected {expected!r}"


@pytest.mark.parametrize("name", sorted(SLOPES))
@pytest.mark.parametrize("x", [-3.0, -1.0, 0.0, 1.0, 3.0])
def test_activation_second_derivatives_where_the_formulas_switch_form(name: str,
                                                                      x: float) -> None:
    # the derivative formulas pick a form by the sign of x (bent_identity: by |x| > 1)
    extra = (0.7,) if name == "elu" else ()
    if name == "elu" and x == 0.0:
        x = 1e-3  # elu's kink
    check_grads(lambda v: REGISTRY[name](v, *extra), x)
    check_grads(lambda t: REGISTRY[name](t, *extra), np.array([x]))


def test_silu_and_gelu_forwards_take_their_limit_at_minus_infinity() -> None:
    for name in ("silu", "gelu"):
        assert REGISTRY[name](-math.inf) == 0.0 and REGISTRY[name](math.inf) == math.inf
        assert Tensor([-math.inf]).apply(name).data[0] == 0.0
    assert Value(-math.inf).bent_identity().data == -math.inf
    assert Tensor([-math.inf, math.inf]).bent_identity().data.tolist() == [-math.inf, math.inf]
    # the tanh form written as x sigmoid(2u) keeps gelu's tail: 0.5 x (1 + tanh u) gave -0.0
    assert Value(-10.0).gelu().data == pytest.approx(-10.0 / (1.0 + math.exp(
        2 * GELU_C * (10.0 + GELU_K * 1000.0))), rel=1e-12)


# --- where, which the formulas above use: masks, broadcasting, Value -----------------------

MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, True, False]])


@pytest.mark.parametrize("cond, shapes", [(MASK, [(3, 4), (3, 4)]), (MASK, [(3, 1), (4,)]),
                                          (MASK[0], [(2, 4), ()]), (MASK.astype(float) * 3,
                                                                   [(4,), (3, 4)])])
def test_where_derivatives_with_masks_and_broadcasting(cond: np.ndarray,
                                                       shapes: list[tuple[int, ...]]) -> None:
    rng = np.random.default_rng(0)
    a, b = (rng.uniform(-2, 2, s) for s in shapes)
    check_grads(lambda x, y: where(cond, x, y), a, b)


def test_where_on_values_and_floats() -> None:
    a, b = Value(2.0), Value(3.0)
    out = where(0.0, a, b) * where(Value(1.0), a, b)  # a node as the condition passes nothing
    out.backward()
    assert (out.data, a.grad, b.grad) == (6.0, 3.0, 2.0)
    assert where(math.nan, 1.0, 2.0) == 1.0 == where(np.array(math.nan), 1.0, 2.0)  # nan != 0


# --- 4. var with ddof >= n, and reductions of empty tensors -----------------------------------


@pytest.mark.filterwarnings("error")
@pytest.mark.parametrize("data", [[1.0, 3.0], [1.0, 1.0], [[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]]])
@pytest.mark.parametrize("ddof", [0, 1, 2, 3, 5])
def test_var_and_std_match_numpy_for_every_ddof(data: list[Any], ddof: int) -> None:
    array = np.array(data)
    for axis in (None, -1):
        with warnings.catch_warnings(), np.errstate(all="ignore"):
            warnings.simplefilter("ignore")  # numpy warns of the 0 it divides by
            var, std = np.var(array, axis=axis, ddof=ddof), np.std(array, axis=axis, ddof=ddof)
        np.testing.assert_allclose(Tensor(array).var(axis=axis, ddof=ddof).data, var,
                                   rtol=1e-14)  # inf and nan where numpy has them
        np.testing.assert_allclose(Tensor(array).std(axis=axis, ddof=ddof).data, std,
                                   rtol=1e-14)


@pytest.mark.filterwarnings("error")
def test_reductions_of_empty_tensors() -> None:
    x = _t(np.ones((2, 0)))
    assert Tensor(np.ones((2, 0))).logsumexp(axis=1).data.tolist() == [-math.inf, -math.inf]
    assert Tensor(np.ones((0, 3))).logsumexp(axis=0, keepdims=True).data.tolist() == [
        [-math.inf] * 3]
    assert Tensor(np.ones(0)).logsumexp().item() == -math.inf
    for method in ("softmax", "log_softmax"):
        out = getattr(x, method)(axis=1)
        assert out.shape == (2, 0)
        out.sum().backward()
    x.logsumexp(axis=1).sum().backward()
    assert x.grad.shape == (2, 0)
    assert Tensor(np.ones((2, 0))).sum(axis=1).data.tolist() == [0.0, 0.0]
    assert np.isnan(Tensor(np.ones((2, 0))).mean(axis=1).data).all()
    assert Tensor(np.ones((0, 2))).mean(axis=1).shape == (0,)


# --- 5. float16 means accumulate in float32 ---------------------------------------------------


@pytest.mark.filterwarnings("error")
def test_float16_mean_accumulates_in_float32_and_stays_float16() -> None:
    x = _t(np.ones(100_000, dtype=np.float16))
    mean = x.mean()
    assert mean.dtype == np.float16 and mean.item() == 1.0
    mean.backward()
    assert x.grad.dtype == np.float16 and x.grad[0] == np.float16(1e-5)
    rows = Tensor(np.full((2, 70_000), 0.5, dtype=np.float16))
    assert rows.mean(axis=1).data.tolist() == [0.5, 0.5]
    assert rows.var(axis=1).data.tolist() == [0.0, 0.0]  # numpy's float16 var says inf here
    assert Tensor(np.ones(3, dtype=np.float32)).mean().dtype == np.float32


# --- 6. a leaf's gradient keeps the leaf's dtype ----------------------------------------------


@pytest.mark.parametrize("dtype", [np.float32, np.float16])
def test_leaf_gradients_keep_the_leaf_dtype_over_passes(dtype: Any) -> None:
    b = np.array([1.0, 2.0, 3.0])  # float64
    x = _t(np.ones(3), dtype=dtype)
    for _ in range(2):
        (x * b).sum().backward()
        assert x.grad.dtype == dtype
    np.testing.assert_array_equal(x.grad, 2 * b)
    y = _t(np.ones(3), dtype=dtype)
    (y * b + y).sum().backward()  # two contributions, one through add's pass-through
    (y * Tensor(b)).sum().backward()
    assert y.grad.dtype == dtype
    z = _t(np.ones(3), dtype=dtype)
    (z * 2.0).backward(np.ones(3))  # a float64 seed
    assert z.grad.dtype == dtype
    assert grad((z * b).sum(), [z])[0].dtype == dtype


# --- 7. Tensor ops are as silent as Value ops at extreme inputs --------------------------------

EXTREMES = (1e308, -1e308, 1000.0, -1000.0, 1e-200, 0.0, math.inf, -math.inf, math.nan)


def _silently(f: Callable[[], Any]) -> Any:
    """f() with warnings as errors and numpy's floating-point errors raised."""
    with warnings.catch_warnings(), np.errstate(all="raise"):
        warnings.simplefilter("error")
        return f()


def _run(op: autodiff.Op, xs: tuple[float, ...], node: Callable[[float], Any]) -> list[Any]:
    """[output, then the gradient of each input with a derivative] of op at xs."""
    inputs = [node(x) if f is not None else x for x, f in zip(xs, op.derivatives)]
    out = op(*inputs)
    out.backward() if isinstance(out, Value) else out.sum().backward()
    return [out.data] + [x.grad for x in inputs if isinstance(x, (Value, Tensor))]


@pytest.mark.parametrize("name", sorted(n for n, op in REGISTRY.items() if op.elementwise))
def test_tensor_ops_are_silent_at_extremes_and_agree_with_value(name: str) -> None:
    op = REGISTRY[name]
    points = EXTREMES if len(op.params) < 3 else EXTREMES[::2]
    for xs in itertools.product(points, repeat=len(op.params)):
        on_values = _silently(lambda: _run(op, xs, Value))
        on_tensors = _silently(lambda: _run(op, xs, lambda x: _t([x])))
        for v, t in zip(on_values, on_tensors):
            assert _same(t, [v]), (name, xs, on_values, on_tensors)


@pytest.mark.parametrize("method", ["softmax", "log_softmax", "logsumexp", "sum", "mean", "var",
                                    "std", "max", "min"])
def test_array_ops_are_silent_at_extremes(method: str) -> None:
    x = _t([[1e308, -1e308, 0.0], [math.inf, 1.0, -math.inf], [1e-200, 1e-300, 0.0]])
    out = _silently(lambda: getattr(x, method)(axis=-1))
    _silently(lambda: out.backward(np.ones(out.shape)))
    if method == "softmax":
        assert out.data[0].tolist() == [1.0, 0.0, 0.0]
    if method == "log_softmax":
        assert out.data[0].tolist() == [0.0, -math.inf, -1e308]
    if method == "logsumexp":
        assert out.data[0] == 1e308


def test_the_reported_cases_are_silent_and_right() -> None:
    inf = math.inf
    assert np.isnan(_silently(lambda: Tensor([inf]).sin().data[0]))
    assert np.isnan(_silently(lambda: Tensor([inf]).cos().data[0]))
    assert np.isnan(_silently(lambda: (Tensor([inf]) - inf).data[0]))
    assert _silently(lambda: Tensor([1e308, -1e308]).gelu().data.tolist()) == [1e308, 0.0]
    assert _silently(lambda: Tensor([-inf]).silu().data.tolist()) == [0.0]  # the limit
    assert _silently(lambda: Tensor([1e-200]).gelu().item()) == pytest.approx(0.5e-200)
