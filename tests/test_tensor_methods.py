"""PyTorch and NumPy habits on Tensor and Value: tolist, clone, argmax, view, iteration, the
elementwise == of Tensors (with identity hashing kept everywhere nodes are collected), and
Value's identity ==, round(), int(), item() and repr."""
from __future__ import annotations

import builtins
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autodiff
import nn
from autodiff import Tensor, Value, grad, topological_order

ARRAYS = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=3, max_side=4),
                    elements=st.floats(-10, 10))
reals = st.floats(-1e6, 1e6)


# --- conversions and copies --------------------------------------------------------------------


@given(x=ARRAYS)
def test_tolist_and_clone(x: np.ndarray) -> None:
    t = Tensor(x, requires_grad=True)
    assert t.tolist() == x.tolist() and Tensor(x[(0,) * x.ndim]).tolist() == x.flat[0]
    c = t.clone()
    assert c.data is not t.data and np.array_equal(c.data, x) and c.dtype == t.dtype
    c.data[...] = 0.0  # the clone's buffer is its own
    assert np.array_equal(t.data, x)
    (c * 2.0).sum().backward()  # and it stays in the graph
    np.testing.assert_array_equal(t.grad, np.full(x.shape, 2.0))


@given(x=ARRAYS, data=st.data())
def test_argmax_and_argmin_are_numpy_index_arrays_without_gradient(x: np.ndarray,
                                                                   data: st.DataObject) -> None:
    t = Tensor(x, requires_grad=True)
    axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1)), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    for mine, theirs in ((t.argmax(axis, keepdims), x.argmax(axis, keepdims=keepdims)),
                         (t.argmin(axis=axis, keepdims=keepdims),
                          x.argmin(axis, keepdims=keepdims))):
        assert not isinstance(mine, Tensor) and np.array_equal(mine, theirs)
    with pytest.raises(ValueError, match=f"axis {x.ndim} is out of range"):
        t.argmax(x.ndim)
    with pytest.raises(TypeError, match="axis must be an int or None"):
        t.argmin((0,))


def test_view_is_reshape() -> None:
    t = Tensor(np.arange(6.0), requires_grad=True)
    v = t.view(2, 3)
    assert v.shape == (2, 3) and v.op == "reshape" and t.view((3, 2)).shape == (3, 2)
    (v * np.arange(6.0).reshape(2, 3)).sum().backward()
    np.testing.assert_array_equal(t.grad, np.arange(6.0))


def test_iterating_gives_the_rows_in_the_graph_and_a_0d_tensor_is_not_iterable() -> None:
    t = Tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    rows = list(t)
    assert [r.tolist() for r in rows] == [[1.0, 2.0], [3.0, 4.0]]
    (rows[1] * 10.0).sum().backward()
    np.testing.assert_array_equal(t.grad, [[0.0, 0.0], [10.0, 10.0]])
    for scalar in (Tensor(3.0), t.sum()):
        with pytest.raises(TypeError, match="iteration over a 0-d Tensor"):
            list(scalar)
        with pytest.raises(TypeError, match="iteration over a 0-d Tensor"):
            iter(scalar)


# --- == and != ---------------------------------------------------------------------------------


@given(x=ARRAYS, data=st.data())
def test_tensor_equality_is_elementwise_like_numpy(x: np.ndarray, data: st.DataObject) -> None:
    y = data.draw(hnp.arrays(np.float64, x.shape, elements=st.sampled_from([0.0, 1.0, -2.5])),
                  label="y")
    x = np.where(data.draw(hnp.arrays(bool, x.shape), label="same"), y, x)
    t, u = Tensor(x), Tensor(y, requires_grad=True)
    for other in (u, y, 1.0, 0):
        raw = other.data if isinstance(other, Tensor) else other
        eq, ne = t == other, t != other
        assert type(eq) is np.ndarray and eq.dtype == bool
        np.testing.assert_array_equal(eq, x == raw)
        np.testing.assert_array_equal(ne, x != raw)
    np.testing.assert_array_equal(y == t, y == x)  # an ndarray on the left: the same
    np.testing.assert_array_equal(1.0 != t, x != 1.0)


def test_equality_with_a_non_number_is_false_as_for_any_object() -> None:
    t = Tensor([1.0, 2.0])
    assert (t == None) is False and (t != None) is True  # noqa: E711
    assert (t == "a") is False and (t == Value(1.0)) is False and t != [1.0, 2.0]


def test_nodes_hash_by_identity_so_dicts_sets_and_the_engine_tell_equal_tensors_apart() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([1.0, 2.0], requires_grad=True)  # equal data, another node
    assert len({a, b, a}) == 2 and {a: "a", b: "b"}[b] == "b" and hash(a) != hash(b)
    inner = a * b + a
    out = inner.sum()
    out.backward()
    np.testing.assert_array_equal(a.grad, [2.0, 3.0])
    np.testing.assert_array_equal(b.grad, [1.0, 2.0])
    ga, gb = grad(out, [b, a])  # grad finds each input by identity
    np.testing.assert_array_equal(ga, [1.0, 2.0])
    np.testing.assert_array_equal(gb, [2.0, 3.0])
    order = topological_order(out)
    assert sum(node is a for node in order) == 1 and sum(node is b for node in order) == 1
    assert autodiff.to_dot(inner).count("(2,) float64") == 4  # a, b, a * b and a * b + a


def test_modules_list_parameters_with_equal_values_once_each() -> None:
    model = nn.MLP(2, [3, 3, 1], rng=0)  # the biases all start at zero: equal data
    biases = [p for name, p in model.named_parameters() if name.endswith("bias")]
    assert len(biases) == 3
    shared = nn.Linear(2, 2, rng=0)
    twin = nn.Linear(2, 2, rng=0)  # the same numbers in other tensors

    class Pair(nn.Module):
        def __init__(self) -> None:
            self.layers = [shared, twin, shared]

    assert len(Pair().parameters()) == 4  # the shared layer once, its twin counted apart
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    (model(np.ones((4, 2))) ** 2).sum().backward()
    optimizer.step()
    assert all(p.grad is not None for p in model.parameters())


def test_values_keep_identity_equality_as_in_micrograd() -> None:
    a, b = Value(1.0), Value(1.0)
    assert a == a and a != b and not (a == b) and len({a, b}) == 2
    assert [a, b].index(b) == 1 and b in [a, b] and Value(1.0) not in [a, b]


# --- Value's numbers -------------------------------------------------------------------------


@given(x=reals, digits=st.integers(-3, 6))
def test_round_int_float_and_item_of_a_value_are_plain_numbers(x: float, digits: int) -> None:
    v = Value(x) * 1.0  # an op node: the numbers come from its data
    assert round(v, digits) == round(x, digits) and type(round(v, digits)) is float
    assert round(v) == round(x) and type(round(v)) is int
    assert int(v) == int(x) and type(int(v)) is int
    assert v.item() == x and type(v.item()) is float and float(v) == x
    with pytest.raises((ValueError, OverflowError)):  # as int(float("nan")) and int(inf) do
        int(Value(math.nan) if x > 0 else Value(-math.inf))


@given(x=st.floats(allow_nan=False), g=st.floats(allow_nan=False))
def test_value_repr_shows_data_and_grad_at_full_precision(x: float, g: float) -> None:
    v = Value(x)
    v.grad = g
    assert repr(v) == f"Value(data={x!r}, grad={g!r})"
    assert eval(repr(v).replace("Value(", "dict(")) == {"data": x, "grad": g}
    assert repr(Value(5)) == "Value(data=5.0, grad=0.0)"


# --- the namespace ---------------------------------------------------------------------------


def test_star_import_shadows_no_builtin() -> None:
    namespace: dict[str, object] = {}
    exec("from autodiff import *", namespace)
    imported = set(namespace) - {"__builtins__"}
    assert imported == set(autodiff.__all__)
    assert not imported & set(dir(builtins)), "from autodiff import * would hide a builtin"
    assert {"abs", "sum", "max", "min", "compile"}.isdisjoint(autodiff.__all__)
    for name in ("tensor", "zeros", "ones", "full", "arange", "linspace", "eye", "rand",
                 "randn", "zeros_like", "ones_like", "full_like", "cast"):
        assert name in imported
    assert autodiff.abs(-2.0) == 2.0  # still reached through the package
    assert callable(autodiff.compile)
