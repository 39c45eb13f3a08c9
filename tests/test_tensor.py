"""Tensor's front-end: construction, attributes, conversions, errors, requires_grad, no_grad."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff
from autodiff import Tensor, Value, grad, no_grad, register, unregister


# --- construction and dtype -------------------------------------------------------------------


@pytest.mark.parametrize("data, shape", [(2.5, ()), (3, ()), ([1, 2, 3], (3,)),
                                         ([[1.0, 2.0], [3.0, 4.0]], (2, 2)),
                                         (np.arange(6).reshape(2, 3), (2, 3)), (True, ())])
def test_numbers_lists_and_integer_arrays_become_float64(data: object, shape: tuple) -> None:
    t = Tensor(data)
    assert t.dtype == np.float64 and t.shape == shape and isinstance(t.data, np.ndarray)
    np.testing.assert_array_equal(t.data, np.asarray(data, dtype=np.float64))


def test_float32_is_kept_and_dtype_argument_casts() -> None:
    assert Tensor(np.ones(3, dtype=np.float32)).dtype == np.float32
    assert Tensor([1, 2], dtype=np.float32).dtype == np.float32
    assert Tensor(np.ones(2, dtype=np.float32), dtype="float64").dtype == np.float64


def test_a_float_array_of_the_right_dtype_is_shared_not_copied() -> None:
    array = np.ones(3)
    assert Tensor(array).data is array
    assert Tensor(array).numpy() is array


@pytest.mark.parametrize("data, message", [
    ("abc", "real numbers"), ([1.0, "x"], "real numbers"), (None, "real numbers"),
    (np.array([1, None], dtype=object), "dtype object"), ([1 + 2j], "complex"),
])
def test_non_numeric_data_is_a_type_error_that_says_what_was_given(data: object,
                                                                   message: str) -> None:
    with pytest.raises(TypeError, match=message):
        Tensor(data)


def test_ragged_lists_are_a_value_error() -> None:
    with pytest.raises(ValueError, match="ragged"):
        Tensor([[1.0, 2.0], [3.0]])


def test_integer_dtype_argument_is_refused() -> None:
    with pytest.raises(TypeError, match="float dtype"):
        Tensor([1.0], dtype=np.int32)


def test_value_and_tensor_do_not_mix() -> None:
    with pytest.raises(TypeError, match="Value"):
        Tensor(Value(1.0))
    with pytest.raises(TypeError, match="Value"):
        Tensor([1.0]) + Value(1.0)
    with pytest.raises(TypeError, match="Tensor"):
        Value(1.0) * Tensor([1.0])
    with pytest.raises(TypeError, match="detach"):
        Tensor(Tensor([1.0]))


def test_unsupported_operands_name_their_type() -> None:
    with pytest.raises(TypeError, match="list"):
        Tensor([1.0]) + [1.0]
    with pytest.raises(TypeError, match="str"):
        Tensor([1.0]) * "a"


# --- attributes and conversions ---------------------------------------------------------------


def test_array_attributes() -> None:
    t = Tensor(np.arange(6.0).reshape(2, 3))
    assert (t.shape, t.ndim, t.size, len(t)) == ((2, 3), 2, 6, 2)
    assert t.T.shape == (3, 2) and t.mT.shape == (3, 2)
    np.testing.assert_array_equal(np.asarray(t), t.data)
    assert np.asarray(t, dtype=np.float32).dtype == np.float32
    assert np.array(t, copy=True) is not t.data
    assert Tensor(2.5).item() == 2.5 and float(Tensor([[2.5]])) == 2.5
    with pytest.raises(TypeError, match="0-d"):
        len(Tensor(1.0))


def test_repr_shows_data_dtype_requires_grad_and_label() -> None:
    assert repr(Tensor([1.0, 2.0])) == "Tensor([1., 2.])"
    text = repr(Tensor([[1.0]], requires_grad=True, dtype=np.float32, label="w"))
    assert text == "Tensor([[1.]], dtype=float32, requires_grad=True, label='w')"


def test_op_parents_and_detach() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True, label="x")
    c = Tensor([3.0, 4.0])
    y = x * c
    assert y.op == "mul" and y.parents == (x,) and x.op == "" and x.parents == ()
    d = y.detach()
    assert d.op == "" and not d.requires_grad and d.data is y.data


def test_comparisons_give_bool_arrays_and_the_hash_is_identity() -> None:
    x = Tensor([1.0, -1.0])
    np.testing.assert_array_equal(x > 0, [True, False])
    np.testing.assert_array_equal(x <= Tensor([0.0, 0.0]), [False, True])
    np.testing.assert_array_equal(x == Tensor([1.0, -1.0]), [True, True])  # elementwise
    assert len({x, x, Tensor([1.0, -1.0])}) == 2  # hashed (and found) by identity


def test_reflected_operators_with_numbers_and_arrays() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    a = np.array([3.0, 4.0])
    for result, expected in [(2.0 - x, [1.0, 0.0]), (a * x, [3.0, 8.0]), (a / x, [3.0, 2.0]),
                             (2.0 ** x, [2.0, 4.0]), (a + x, [4.0, 6.0]), (np.float64(2.0) * x,
                                                                        [2.0, 4.0])]:
        assert isinstance(result, Tensor) and result.requires_grad
        np.testing.assert_allclose(result.data, expected)


def test_user_registered_ops_are_tensor_methods() -> None:
    op = register("cube_test", lambda x: x * x * x, lambda g, y, x: g * 3 * x * x)
    try:
        x = Tensor([1.0, 2.0], requires_grad=True)
        y = x.cube_test()
        y.sum().backward()
        np.testing.assert_allclose(y.data, [1.0, 8.0])
        np.testing.assert_allclose(x.grad, [3.0, 12.0])
        assert op(x).op == "cube_test" and x.apply("cube_test").op == "cube_test"
    finally:
        unregister("cube_test")
    with pytest.raises(AttributeError, match="cube_test"):
        Tensor([1.0]).cube_test


# --- requires_grad, no_grad and the graph contract ----------------------------------------------


def test_inputs_without_requires_grad_are_stored_as_raw_arrays() -> None:
    x = Tensor([1.0, 2.0])
    w = Tensor([3.0, 4.0], requires_grad=True)
    y = x * w
    assert y._a is None and y._k is x.data and y._b is w
    z = x * 2.0
    assert z._op is None and z._a is None and not z.requires_grad


def test_nothing_is_recorded_under_no_grad() -> None:
    w = Tensor([3.0, 4.0], requires_grad=True)
    with no_grad():
        y = (w * w).sum()
    assert y._op is None and not y.requires_grad
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


def test_gradients_flow_only_to_tensors_that_require_them() -> None:
    x = Tensor(np.ones((4, 3)))
    w = Tensor(np.ones((3, 2)), requires_grad=True)
    (x @ w).sum().backward()
    assert x.grad is None
    np.testing.assert_allclose(w.grad, np.full((3, 2), 4.0))


def test_backward_accumulates_and_zero_grad_resets() -> None:
    w = Tensor([1.0, 2.0], requires_grad=True)
    y = (w * w).sum()
    y.backward()
    y.backward()
    np.testing.assert_allclose(w.grad, [4.0, 8.0])
    w.zero_grad()
    assert w.grad is None


def test_backward_on_a_non_scalar_needs_a_seed_of_the_same_shape() -> None:
    w = Tensor(np.ones((2, 3)), requires_grad=True)
    y = w * 2.0
    with pytest.raises(RuntimeError, match=r"only for scalar outputs.*\(2, 3\)"):
        y.backward()
    with pytest.raises(ValueError, match=r"\(3,\).*\(2, 3\)"):
        y.backward(np.ones(3))
    y.backward(np.full((2, 3), 0.5))
    np.testing.assert_allclose(w.grad, np.ones((2, 3)))
    y.backward(Tensor(np.ones((2, 3))))
    np.testing.assert_allclose(w.grad, np.full((2, 3), 3.0))


def test_grad_leaves_dot_grad_alone_and_returns_zeros_for_unused_inputs() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    unused = Tensor([[1.0]], requires_grad=True)
    gx, gu = grad((x * x).sum(), [x, unused])
    np.testing.assert_allclose(gx, [2.0, 4.0])
    np.testing.assert_array_equal(gu, [[0.0]])
    assert x.grad is None


def test_create_graph_gives_differentiable_tensors() -> None:
    x = Tensor([1.0, 2.0], requires_grad=True)
    (gx,) = grad((x * x * x).sum(), x, create_graph=True)
    assert isinstance(gx, Tensor) and gx.requires_grad
    np.testing.assert_allclose(gx.data, [3.0, 12.0])
    (ggx,) = grad(gx.sum(), x)
    np.testing.assert_allclose(ggx, [6.0, 12.0])


def test_a_parameter_refuses_a_tensor_from_every_route() -> None:
    x = Tensor([1.0, -1.0], requires_grad=True)
    message = "elu: alpha is a parameter, which carries no gradient; pass a number"
    for alpha in (Tensor(1.0, requires_grad=True), Tensor(0.5)):
        for route in (lambda: autodiff.elu(x, alpha), lambda: x.elu(alpha),
                      lambda: x.apply("elu", alpha), lambda: autodiff.elu(x, alpha=alpha),
                      lambda: autodiff.elu(x.data, alpha)):
            with pytest.raises(TypeError, match=message):
                route()
    np.testing.assert_allclose(autodiff.elu(x, alpha=0.5).data, x.elu(0.5).data)


def test_shape_errors_name_both_shapes_and_record_nothing() -> None:
    a = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(ValueError, match=r"\(3,\) and \(4,\)"):
        a + Tensor(np.ones(4), requires_grad=True)
    with pytest.raises(ValueError, match=r"\(3,\) and \(4,\)"):
        a * np.ones(4)
    with pytest.raises(ValueError, match=r"\(3, 2\) and \(3, 2\)"):
        Tensor(np.ones((3, 2)), requires_grad=True) @ Tensor(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"\(2, 3, 4\) and \(5, 4, 2\)"):
        Tensor(np.ones((2, 3, 4))) @ Tensor(np.ones((5, 4, 2)), requires_grad=True)
    with pytest.raises(ValueError, match=r"\(\) and \(3,\)"):
        Tensor(1.0) @ a
    assert a.grad is None


def test_float32_stays_float32_through_forward_backward_and_second_order() -> None:
    x = Tensor(np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3), requires_grad=True)
    w = Tensor(np.ones((3, 2), dtype=np.float32), requires_grad=True)
    y = ((x @ w).tanh() * 2.5 + 1).log_softmax().mean() / np.float64(3.0)
    assert y.dtype == np.float32
    gx, gw = grad(y, [x, w], create_graph=True)
    assert gx.dtype == gw.dtype == np.float32
    (ggx,) = grad((gx * gx).sum(), x)
    assert ggx.dtype == np.float32
    y.backward()
    assert x.grad.dtype == w.grad.dtype == np.float32


# --- IEEE numbers without warnings, and leaf gradients of their own -----------------------------


@pytest.mark.filterwarnings("error")
def test_poles_give_ieee_values_without_warnings_forward_and_backward() -> None:
    assert Tensor([0.0]).log().data[0] == -np.inf
    assert (Tensor([1.0]) / 0.0).data[0] == np.inf
    assert Tensor([1000.0]).exp().data[0] == np.inf
    assert np.isnan(Tensor([-1.0]).sqrt().data[0])
    assert (Tensor([1.0]) * 10**400).data[0] == np.inf
    for f in (lambda t: t.log(), lambda t: t.sqrt(), lambda t: 1.0 / t):
        x = Tensor([0.0, 1.0], requires_grad=True)
        f(x).sum().backward()
        assert np.isinf(x.grad[0]) and np.isfinite(x.grad[1])


def test_leaf_gradients_are_writable_arrays_of_their_own_in_the_leaf_dtype() -> None:
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    seed = np.ones(2)
    (a + b).backward(seed)
    assert a.grad is not b.grad and a.grad is not seed
    a.grad *= 2.0  # in-place clipping or scaling is the user's to do
    assert np.array_equal(b.grad, [1.0, 1.0]) and np.array_equal(seed, [1.0, 1.0])
    c = Tensor([1.0, 2.0], requires_grad=True)
    (c + 1.0).sum().backward()  # the sum's gradient reaches c as a broadcast view
    c.grad *= 3.0
    assert np.array_equal(c.grad, [3.0, 3.0])
    x = Tensor(np.ones(3, dtype=np.float32), requires_grad=True)
    (x * np.ones(3)).sum().backward()  # a float64 constant: the float32 leaf keeps float32
    assert x.grad.dtype == np.float32
