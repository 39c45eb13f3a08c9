"""gradcheck and gradgradcheck: they pass on right derivatives and fail, clearly, on wrong ones.

The array path is exercised with `ArrayNode`, a minimal elementwise array node written here on
the declared node contract (`autodiff.node.Node`: its slots, `_seed`, `_constant`, `_record`),
and with `Tensor`.
"""
from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given

import autodiff
from autodiff import (Domain, GradcheckError, Tensor, Value, gradcheck, gradgradcheck, register,
                      unregister)
from autodiff.node import Node, raw_data
from autodiff.ops import MISSING
from autodiff.gradcheck import central_difference, numerical_grad
from autodiff.ops import POSITIVE, REALS
from autodiff.testing import check_grads, floats_in, values_in

AWAY_FROM_ZERO = Domain(kinks=(0.0,))


class ArrayNode(Node):
    """The smallest array node the engine accepts: elementwise ops, no broadcasting."""

    __slots__ = ("requires_grad",)

    def __init__(self, data: Any, requires_grad: bool = True, op: Any = None, a: Any = None,
                 b: Any = None) -> None:
        self.data = np.asarray(data)
        self.grad = self._g = self._meta = None
        self.label = ""
        self.requires_grad = requires_grad
        if not autodiff.is_grad_enabled():
            op = a = b = None
        # The declared layout: nodes in the input slots, the one raw argument in `_k`.
        self._op, self._k = op, (b if isinstance(a, Node) else a)
        self._a = a if isinstance(a, Node) else None
        self._b = b if isinstance(b, Node) else None

    def _seed(self, grad: Any) -> np.ndarray:
        return np.ones_like(self.data) if grad is None else np.asarray(grad, dtype=np.float64)

    def _constant(self, raw: Any) -> "ArrayNode":
        return ArrayNode(np.asarray(raw, dtype=np.float64))

    @classmethod
    def _record(cls, op: Any, args: tuple[Any, ...]) -> "ArrayNode":
        raw = [x.data if isinstance(x, ArrayNode) else x for x in args]
        return ArrayNode(op.array(*raw), op=op, a=args[0], b=args[1] if len(args) > 1 else None)

    def sum(self) -> "ArrayNode":  # enough of a reduction for these tests: ones^T x
        return ArrayNode(np.sum(self.data), op=_SUM, a=self)

    def __add__(self, o: Any) -> "ArrayNode": return autodiff.add(self, o)  # noqa: E704
    def __radd__(self, o: Any) -> "ArrayNode": return autodiff.add(o, self)  # noqa: E704
    def __sub__(self, o: Any) -> "ArrayNode": return autodiff.sub(self, o)  # noqa: E704
    def __rsub__(self, o: Any) -> "ArrayNode": return autodiff.sub(o, self)  # noqa: E704
    def __mul__(self, o: Any) -> "ArrayNode": return autodiff.mul(self, o)  # noqa: E704
    def __rmul__(self, o: Any) -> "ArrayNode": return autodiff.mul(o, self)  # noqa: E704
    def __truediv__(self, o: Any) -> "ArrayNode": return autodiff.div(self, o)  # noqa: E704
    def __neg__(self) -> "ArrayNode": return autodiff.neg(self)  # noqa: E704


_SUM = autodiff.Op("test_sum", np.sum, (lambda g, y, a: g * np.ones_like(raw_data(a)),), ("x",),
                   (MISSING,), ninputs=1, elementwise=False)


def array_kinds() -> list[Any]:
    return [ArrayNode, Tensor]


# --- deliberately wrong ops -------------------------------------------------------------------


@pytest.fixture(scope="module")
def wrong_ops() -> Any:
    """square with derivative x (should be 2x); cube whose derivative leaves the graph."""
    square = register("wrong_square", lambda x: x * x, lambda g, y, x: g * x)
    # First derivative right, but float() cuts the graph: the second derivative comes out 0.
    cube = register("cut_cube", lambda x: x * x * x, lambda g, y, x: g * 3.0 * float(x) ** 2,
                    domain=AWAY_FROM_ZERO)
    yield square, cube
    unregister("wrong_square")
    unregister("cut_cube")


@given(x=values_in(Domain(0.5, 5.0)))
def test_gradcheck_names_the_input_and_both_numbers(wrong_ops: Any, x: Value) -> None:
    square, _ = wrong_ops
    x.label = "w"
    with pytest.raises(GradcheckError) as failure:
        gradcheck(lambda v: square(v), x)
    message = str(failure.value)
    assert "input 0 'w'" in message
    assert f"analytic {x.data!r}" in message  # the wrong formula gives x
    numeric = float(message.splitlines()[1].split(", numeric ")[1])
    assert numeric == pytest.approx(2 * x.data, rel=1e-6)
    assert gradcheck(lambda v: square(v), x, raise_exception=False) is False


@given(x=values_in(Domain(0.5, 5.0)), y=values_in(Domain(0.5, 5.0)))
def test_gradcheck_names_only_the_wrong_input(wrong_ops: Any, x: Value, y: Value) -> None:
    square, _ = wrong_ops
    with pytest.raises(GradcheckError, match=r"input 1: analytic") as failure:
        gradcheck(lambda a, b: a.tanh() * square(b), x, y)
    assert "input 0" not in str(failure.value)


@given(x=values_in(AWAY_FROM_ZERO))
def test_gradgradcheck_catches_a_graph_cut_the_first_order_check_misses(wrong_ops: Any,
                                                                       x: Value) -> None:
    _, cube = wrong_ops
    assert gradcheck(lambda v: cube(v), x)
    with pytest.raises(GradcheckError, match=r"gradgradcheck: .*\n  input 0: analytic 0.0"):
        gradgradcheck(lambda v: cube(v), x)
    assert gradgradcheck(lambda v: cube(v), x, raise_exception=False) is False
    assert gradgradcheck(lambda v: v * v * v, x)


@given(x=values_in(REALS), y=values_in(POSITIVE))
def test_checks_pass_on_right_derivatives_and_restore_the_data(x: Value, y: Value) -> None:
    before = (x.data, y.data)
    for check in (gradcheck, gradgradcheck):
        assert check(lambda a, b: (a * b).sin() + b.log() * a.sigmoid() - a / b, x, y)
    assert (x.data, y.data) == before and (x.grad, y.grad) == (0.0, 0.0)


@given(x=values_in(REALS))
def test_several_outputs_are_checked_through_a_weighted_sum(x: Value) -> None:
    assert gradcheck(lambda a: (a.tanh(), a * a, 3.0), x)
    assert gradgradcheck(lambda a: (a.exp() * 0.1, a.sin()), x)


@given(x=floats_in(REALS), y=floats_in(POSITIVE))
def test_numerical_helpers_agree_with_known_derivatives(x: float, y: float) -> None:
    a, b = Value(x), Value(y)
    assert central_difference(lambda u, v: u * v.log(), a, b, arg=1) == pytest.approx(x / y)
    assert numerical_grad(lambda u: u.sin(), a) == pytest.approx(np.cos(x), abs=1e-8)
    arr = ArrayNode(np.array([x, y]))
    assert numerical_grad(lambda t: (t * t).sum(), arr) == pytest.approx(2 * arr.data, abs=1e-8)


def test_check_grads_wraps_floats_and_arrays_and_checks_both_orders() -> None:
    check_grads(lambda a, b: a * b.exp(), 0.3, -0.7)
    check_grads(lambda t: autodiff.sin(t) * t, np.array([[0.5, -1.0], [2.0, 0.1]]))
    check_grads(lambda a: a.sin(), 1.0, order=1)
    with pytest.raises(ValueError, match="order must be 1 or 2"):
        check_grads(lambda a: a.sin(), 1.0, order=3)


def test_bad_arguments_are_refused_clearly() -> None:
    with pytest.raises(TypeError, match="input 0 must be a Value or Tensor, got float"):
        gradcheck(lambda a: a, 1.0)
    with pytest.raises(TypeError, match="f must return a Value or Tensor"):
        gradcheck(lambda a: 1.0, Value(1.0))
    with pytest.raises(ValueError, match="at least one input"):
        gradcheck(lambda: Value(1.0))


# --- the array path ---------------------------------------------------------------------------


@pytest.mark.parametrize("kind", array_kinds())
@pytest.mark.parametrize("shape", [(), (3,), (2, 4), (9, 9)])  # 81 elements: random directions
def test_array_inputs_pass_per_element_and_along_directions(kind: Any, shape: tuple) -> None:
    rng = np.random.default_rng(1)
    x = kind(rng.uniform(-2, 2, shape), requires_grad=True)
    y = kind(rng.uniform(0.5, 2, shape), requires_grad=True)
    before = x.data.copy()
    tanh, log, sigmoid, sin = autodiff.tanh, autodiff.log, autodiff.sigmoid, autodiff.sin
    assert gradcheck(lambda a, b: (tanh(a) * log(b) + a / b).sum(), x, y)
    assert gradcheck(lambda a, b: sigmoid(a) * b, x, y)  # non-scalar: a fixed random v
    assert gradgradcheck(lambda a, b: (sin(a) * b * b).sum(), x, y)
    assert gradgradcheck(lambda a, b: tanh(a) * b * b, x, y)  # non-scalar second order
    np.testing.assert_array_equal(x.data, before)


@pytest.mark.parametrize("kind", array_kinds())
@pytest.mark.parametrize("shape", [(2, 3), (10, 10)])
def test_array_failure_names_the_worst_element(wrong_ops: Any, kind: Any, shape: tuple) -> None:
    square, _ = wrong_ops
    data = np.full(shape, 0.01)
    data[1, 2] = 3.0  # the wrong formula x is furthest from 2x here, relative to tolerance
    x = kind(data, requires_grad=True)
    where = re.escape("[1, 2]") if data.size <= 64 else r" along random direction \d"
    with pytest.raises(GradcheckError, match=rf"input 0{where}: analytic .*, numeric"):
        gradcheck(lambda a: square(a), x)


@pytest.mark.parametrize("kind", array_kinds())
def test_float32_and_requires_grad_false_are_refused(kind: Any) -> None:
    with pytest.raises(TypeError, match="float32; central differences need float64"):
        gradcheck(autodiff.tanh, kind(np.ones(3, dtype=np.float32), requires_grad=True))
    with pytest.raises(ValueError, match="requires_grad=False"):
        gradcheck(autodiff.tanh, kind(np.ones(3), requires_grad=False))


# --- finding the op to blame ------------------------------------------------------------------


@pytest.mark.parametrize("checker", [gradcheck, gradgradcheck])
def test_a_wrong_op_deep_inside_an_mlp_is_named(wrong_ops: Any, checker: Any) -> None:
    import nn

    square, _ = wrong_ops
    layers = [nn.Layer(3, 4, "tanh", rng=0), nn.Layer(4, 4, "tanh", rng=1),
              nn.Layer(4, 4, "wrong_square", rng=2), nn.Layer(4, 1, "sigmoid", rng=3)]
    X = np.random.default_rng(0).normal(size=(6, 3))

    def loss(*params: Tensor) -> Tensor:
        h = Tensor(X)
        for layer in layers:
            h = layer(h)
        return (h * h).mean()

    params = [p for layer in layers for p in layer.parameters()]
    with pytest.raises(GradcheckError) as caught:
        checker(loss, *params)
    error = caught.value
    assert error.op == "wrong_square" and error.node.op == "wrong_square"
    message = str(error)
    assert "the op to blame: wrong_square (made at tests/test_gradcheck.py:" in message
    assert "argument 'x'" in message
    for layer in layers[:2] + layers[3:]:  # the layers of right ops pass alone
        h = Tensor(np.random.default_rng(1).normal(size=(6, layer.nin)))
        assert checker(lambda *ps, layer=layer: layer(h).sum(), *layer.parameters())


def test_when_every_op_agrees_the_fault_is_said_to_be_elsewhere() -> None:
    x = Value(0.7)

    def f(v: Value) -> Value:
        return v * v + v.data ** 3  # .data leaves the graph: the v^3 term has no gradient

    with pytest.raises(GradcheckError, match="every op's own derivative agrees") as caught:
        gradcheck(f, x)
    assert caught.value.op is None and caught.value.node is None
