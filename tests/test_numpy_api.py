"""NumPy functions on Tensors and ufuncs on Values dispatch to the registered ops and record them;
numpy functions without an op are TypeErrors naming what to use."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autodiff
from autodiff import Tensor, Value, gradcheck, gradgradcheck
from autodiff.numpy_api import UFUNC_OPS

POSITIVE_ARRAYS = hnp.arrays(np.float64, hnp.array_shapes(min_dims=1, max_dims=2, max_side=3),
                             elements=st.floats(0.1, 3.0))
UNARY = sorted((u for u, op in UFUNC_OPS.items() if u.nin == 1), key=lambda u: u.__name__)
BINARY = sorted((u for u, op in UFUNC_OPS.items() if u.nin == 2 and u is not np.matmul),
                key=lambda u: u.__name__)


def _same_graph(got: Any, expected: Any, leaves: list[Tensor]) -> None:
    """got is a Tensor recorded like expected: same op, data, and gradients for every leaf."""
    assert isinstance(got, Tensor) and got.op == expected.op
    np.testing.assert_allclose(got.data, expected.data, rtol=1e-12)
    grads = autodiff.grad(got.sum(), leaves)
    for g, e in zip(grads, autodiff.grad(expected.sum(), leaves)):
        np.testing.assert_allclose(g, e, rtol=1e-12)


@pytest.mark.parametrize("ufunc", UNARY, ids=lambda u: u.__name__)
@given(x=POSITIVE_ARRAYS)
def test_a_unary_ufunc_records_its_op(ufunc: np.ufunc, x: np.ndarray) -> None:
    t = Tensor(x, requires_grad=True)
    _same_graph(ufunc(t), UFUNC_OPS[ufunc](t), [t])


@pytest.mark.parametrize("ufunc", BINARY, ids=lambda u: u.__name__)
@given(x=POSITIVE_ARRAYS, data=st.data())
def test_a_binary_ufunc_records_its_op_with_tensors_arrays_and_numbers_on_either_side(
        ufunc: np.ufunc, x: np.ndarray, data: st.DataObject) -> None:
    y = data.draw(hnp.arrays(np.float64, x.shape, elements=st.floats(0.1, 3.0)), label="y")
    t, u = Tensor(x, requires_grad=True), Tensor(y, requires_grad=True)
    op = UFUNC_OPS[ufunc]
    for a, b in ((t, u), (t, y), (y, t), (t, 2.0), (2.0, t), (np.float64(2.0), t)):
        _same_graph(ufunc(a, b), op(a, b), [t, u])


def test_ndarray_operators_with_a_tensor_on_the_right_give_tensors() -> None:
    t = Tensor([1.0, 2.0], requires_grad=True)
    a = np.array([3.0, 4.0])
    m = np.eye(2)
    for result, expected in ((a + t, [4.0, 6.0]), (a - t, [2.0, 2.0]), (a * t, [3.0, 8.0]),
                             (a / t, [3.0, 2.0]), (a ** t, [3.0, 16.0]), (m @ t, [1.0, 2.0]),
                             (np.float32(2.0) * t, [2.0, 4.0])):
        assert isinstance(result, Tensor) and result.requires_grad
        np.testing.assert_array_equal(result.data, expected)
    np.testing.assert_array_equal(a > t, [True, True])  # comparisons: bool arrays
    assert (np.float32(2.0) * Tensor(np.ones(2, np.float32))).dtype == np.float32
    (a * t).sum().backward()
    np.testing.assert_array_equal(t.grad, a)


@given(x=POSITIVE_ARRAYS, data=st.data())
def test_numpy_reductions_dispatch_with_numpys_arguments(x: np.ndarray,
                                                         data: st.DataObject) -> None:
    t = Tensor(x, requires_grad=True)
    axis = data.draw(st.one_of(st.none(), st.integers(-x.ndim, x.ndim - 1),
                               st.just(list(range(x.ndim)))), label="axis")
    keepdims = data.draw(st.booleans(), label="keepdims")
    method_axis = tuple(axis) if isinstance(axis, list) else axis
    for fn, method in ((np.sum, t.sum), (np.mean, t.mean), (np.max, t.max), (np.amax, t.max),
                       (np.min, t.min), (np.amin, t.min), (np.var, t.var), (np.std, t.std)):
        got = fn(t, axis=axis, keepdims=keepdims)
        expected = method(method_axis, keepdims)
        _same_graph(got, expected, [t])
        np.testing.assert_allclose(got.data, fn(x, axis=method_axis, keepdims=keepdims),
                                   rtol=1e-12, atol=1e-15)
    _same_graph(np.var(t, axis, ddof=1), t.var(method_axis, ddof=1), [t])


def test_numpy_shape_and_selection_functions_dispatch() -> None:
    t = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    u = Tensor(np.ones((2, 3)), requires_grad=True)
    a = np.full((2, 3), 5.0)
    cases: list[tuple[Any, Any]] = [
        (np.reshape(t, (3, 2)), t.reshape(3, 2)), (np.reshape(t, 6), t.reshape(6)),
        (np.reshape(t, shape=(-1,)), t.reshape(-1)),
        (np.transpose(t), t.T), (np.transpose(t, (1, 0)), t.transpose(1, 0)),
        (np.concatenate([t, u]), autodiff.concatenate([t, u])),
        (np.concatenate([t, a], axis=1), autodiff.concatenate([t, a], axis=1)),
        (np.concatenate((t, u), axis=None), autodiff.concatenate([t.reshape(-1),
                                                                  u.reshape(-1)])),
        (np.stack([t, u], axis=-1), autodiff.stack([t, u], axis=-1)),
        (np.where(t.data > 2, t, u), autodiff.where(t.data > 2, t, u)),
        (np.where(t > 2, 0.0, t), autodiff.where(t > 2, 0.0, t)),
        (np.clip(t, 1.0, 4.0), t.clip(1.0, 4.0)), (np.clip(t, None, 2.0), t.clip(None, 2.0)),
        (np.clip(t, min=1.0, max=3.0), t.clip(1.0, 3.0)),
        (np.matmul(t, u.T), t @ u.T), (np.matmul(a.T, t), a.T @ t),
    ]
    for got, expected in cases:
        _same_graph(got, expected, [t, u])
    np.testing.assert_array_equal(np.where(t > 2)[0], [1, 1, 1])  # one argument: indices


def test_functions_that_only_inspect_run_on_the_data() -> None:
    t = Tensor([[1.0, 5.0], [3.0, 2.0]], requires_grad=True)
    assert np.shape(t) == (2, 2) and np.ndim(t) == 2 and np.size(t) == 4
    assert np.allclose(t, t.data) and np.array_equal(t, [[1.0, 5.0], [3.0, 2.0]])
    assert np.argmax(t) == 1 and np.argmin(t, axis=1).tolist() == [0, 1]
    assert np.isclose(t, 1.0).tolist() == [[True, False], [False, False]]
    assert np.isfinite(t).all() and not np.isnan(t).any() and np.count_nonzero(t) == 4
    for like in (np.zeros_like(t), np.ones_like(t), np.full_like(t, 2.0)):
        assert type(like) is np.ndarray and like.shape == (2, 2)
    assert np.asarray(t) is t.data  # the data, as before


@pytest.mark.parametrize("call, names", [
    (lambda t: np.square(t), "x \\* x or x \\*\\* 2"),
    (lambda t: np.maximum(t, 0.0), "autodiff.where"),
    (lambda t: np.log1p(t), r"\(1 \+ x\).log\(\)"),
    (lambda t: np.arctan(t), "a Tensor method or an autodiff op"),
    (lambda t: np.dot(t, t), "a @ b"),
    (lambda t: np.cumsum(t), "a Tensor method or an autodiff op"),
    (lambda t: np.squeeze(t), r"t.squeeze\(axis\)"),
    (lambda t: np.linalg.norm(t), r"\(t \* t\).sum\(\).sqrt\(\)"),
])
def test_numpy_functions_without_an_op_are_type_errors_naming_what_to_use(
        call: Callable[[Tensor], Any], names: str) -> None:
    t = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=f"^np.[a-z.0-9]+ has no registered op.*use {names}.*"
                                         f"derivative formula must use autodiff ops"):
        call(t)


@pytest.mark.parametrize("call, message", [
    (lambda t: np.add.reduce(t), r"np.add.reduce is not supported.*use .sum\(\)"),
    (lambda t: np.multiply.outer(t, t), "np.multiply.outer is not supported"),
    (lambda t: np.exp(t, out=np.empty(2)), "out=.*new node"),
    (lambda t: np.add(t, 1.0, dtype=np.float32), "dtype= is not supported"),
    (lambda t: np.sum(t, out=np.empty(())), "out= is not supported"),
    (lambda t: np.mean(t, dtype=np.float32), "dtype= is not supported"),
    (lambda t: np.reshape(t, (2, 1), order="F"), "order='C'"),
    (lambda t: np.sum(t, axis=2), "axis 2 is out of range for a tensor of 1 dimension"),
])
def test_numpy_arguments_without_meaning_for_a_node_are_refused(
        call: Callable[[Tensor], Any], message: str) -> None:
    with pytest.raises((TypeError, ValueError), match=message):
        call(Tensor([1.0, 2.0], requires_grad=True))


def test_inplace_numpy_arithmetic_with_a_tensor_is_refused_not_silently_rebound() -> None:
    a = np.ones(2)
    with pytest.raises(TypeError, match="write `a = a \\+ t`"):
        a += Tensor([1.0, 2.0])
    np.testing.assert_array_equal(a, [1.0, 1.0])


# --- Values: ufuncs record the op as well --------------------------------------------------------


@given(x=st.floats(0.1, 3.0))
def test_ufuncs_on_values_record_the_op(x: float) -> None:
    for ufunc in UNARY:
        if ufunc is np.matmul:
            continue
        v = Value(x)
        got, expected = ufunc(v), UFUNC_OPS[ufunc](v)
        assert isinstance(got, Value) and got.op == expected.op and got.data == expected.data
        got.backward()
        w = Value(x)
        UFUNC_OPS[ufunc](w).backward()
        assert v.grad == w.grad
    v = Value(x)
    assert np.add(v, 1.0).data == x + 1.0 and (np.float64(2.0) * v).data == 2.0 * x
    assert bool(np.greater(v, 0.0)) and not np.less(v, 0.0)  # comparisons: on the data
    with pytest.raises(TypeError, match="matmul is an array op"):
        np.matmul(v, v)
    with pytest.raises(TypeError, match="np.square has no registered op"):
        np.square(v)


@pytest.mark.parametrize("node", [Value(0.7), Tensor([0.7, -1.2, 2.0], requires_grad=True)],
                         ids=["Value", "Tensor"])
def test_a_derivative_written_with_numpy_ufuncs_is_differentiated_again(node: Any) -> None:
    op = autodiff.register("sin_np", np.sin, lambda g, y, x: g * np.cos(x),
                           doc="sin_np(x) = sin x, its derivative written with np.cos")
    try:
        assert gradcheck(op, node) and gradgradcheck(op, node)
    finally:
        autodiff.unregister("sin_np")
