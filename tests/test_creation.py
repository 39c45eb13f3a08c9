"""Constructors (`autodiff.tensor`, `zeros`, ..., `randn`) and the `cast` op behind `astype`."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import autodiff
from autodiff import Tensor, Value, grad

FLOATS = st.sampled_from([np.float16, np.float32, np.float64])
SHAPES = hnp.array_shapes(min_dims=0, max_dims=3, max_side=4)

# name -> (constructor called with a shape given as separate ints, the numpy array it must hold)
BY_SHAPE: dict[str, tuple[Callable[..., Tensor], Callable[[tuple[int, ...]], np.ndarray]]] = {
    "zeros": (autodiff.zeros, np.zeros),
    "ones": (autodiff.ones, np.ones),
    "rand": (autodiff.rand, lambda s: np.random.default_rng(0).random(s)),
    "randn": (autodiff.randn, lambda s: np.random.default_rng(0).standard_normal(s)),
}


@pytest.mark.parametrize("name", sorted(BY_SHAPE))
@given(shape=SHAPES, dtype=FLOATS, requires_grad=st.booleans())
def test_shape_constructors_take_the_shape_either_way_with_dtype_and_requires_grad(
        name: str, shape: tuple[int, ...], dtype: Any, requires_grad: bool) -> None:
    make, expected = BY_SHAPE[name]
    spread = make(*shape, dtype=dtype, requires_grad=requires_grad)
    packed = make(shape, dtype=dtype, requires_grad=requires_grad)
    for t in (spread, packed):
        assert isinstance(t, Tensor) and t.op == "" and t.grad is None
        assert t.shape == shape and t.dtype == dtype and t.requires_grad is requires_grad
        np.testing.assert_array_equal(t.data, np.asarray(expected(shape)).astype(dtype))


@given(shape=SHAPES, fill=st.floats(-1e3, 1e3), dtype=FLOATS, requires_grad=st.booleans())
def test_full_and_the_like_constructors(shape: tuple[int, ...], fill: float, dtype: Any,
                                        requires_grad: bool) -> None:
    t = autodiff.full(shape, fill, dtype=dtype, requires_grad=requires_grad)
    assert t.shape == shape and t.dtype == dtype and t.requires_grad is requires_grad
    np.testing.assert_array_equal(t.data, np.full(shape, fill, dtype=dtype))
    for like in (t, t.data, t.data.tolist()):
        for make, value in ((autodiff.zeros_like, 0.0), (autodiff.ones_like, 1.0)):
            made = make(like, requires_grad=True)
            expected_dtype = np.float64 if isinstance(like, (list, float)) else dtype
            assert made.shape == shape and made.dtype == expected_dtype and made.requires_grad
            assert np.all(made.data == value)
        made = autodiff.full_like(like, 2.5, dtype=np.float32)
        assert made.shape == shape and made.dtype == np.float32 and not made.requires_grad
        assert np.all(made.data == 2.5)
    assert autodiff.zeros_like(np.arange(3)).dtype == np.float64  # integer data: float64


@given(start=st.integers(-5, 5), count=st.integers(0, 6), step=st.sampled_from([1, 2, 0.5]),
       dtype=FLOATS)
def test_arange_linspace_eye_as_numpy(start: int, count: int, step: float, dtype: Any) -> None:
    stop = start + count * step
    np.testing.assert_array_equal(autodiff.arange(start, stop, step, dtype=dtype).data,
                                  np.arange(start, stop, step).astype(dtype))
    np.testing.assert_array_equal(autodiff.arange(count).data, np.arange(count, dtype=float))
    np.testing.assert_array_equal(autodiff.linspace(start, stop, count + 1, dtype=dtype).data,
                                  np.linspace(start, stop, count + 1).astype(dtype))
    assert autodiff.linspace(0, 1, 4, endpoint=False).tolist() == [0.0, 0.25, 0.5, 0.75]
    e = autodiff.eye(count + 1, count + 2, k=-1, dtype=dtype, requires_grad=True)
    assert e.dtype == dtype and e.requires_grad
    np.testing.assert_array_equal(e.data, np.eye(count + 1, count + 2, k=-1))


def test_random_tensors_come_from_the_seed_or_generator_given() -> None:
    np.testing.assert_array_equal(autodiff.randn(3, rng=7).data,
                                  np.random.default_rng(7).standard_normal(3))
    assert autodiff.rand(3).tolist() == autodiff.rand(3, rng=0).tolist()  # None is seed 0
    generator = np.random.default_rng(1)
    first, second = autodiff.rand(4, rng=generator), autodiff.rand(4, rng=generator)
    assert first.tolist() != second.tolist()  # one Generator: fresh numbers each call
    reference = np.random.default_rng(1)
    reference.random(4)
    np.testing.assert_array_equal(second.data, reference.random(4))
    u = autodiff.rand(1000, rng=3).data
    assert 0.0 <= u.min() and u.max() < 1.0
    for bad in (1.5, "0", True, np.random.RandomState(0)):
        with pytest.raises(TypeError, match=f"rng must be an int seed.*got {type(bad).__name__}"):
            autodiff.randn(2, rng=bad)


def test_tensor_copies_its_data_and_takes_requires_grad_and_dtype() -> None:
    source = np.array([1.0, 2.0])
    t = autodiff.tensor(source, requires_grad=True)
    source[0] = 99.0
    assert t.tolist() == [1.0, 2.0] and t.requires_grad and t.op == ""
    view = source[::2]
    assert autodiff.tensor(view).data.base is None  # a view is copied as well
    u = autodiff.tensor(t, dtype=np.float32)  # from a Tensor: a new leaf, copied, no history
    assert u.dtype == np.float32 and not u.requires_grad and u.data is not t.data
    assert autodiff.tensor([[1, 2], [3, 4]]).dtype == np.float64
    assert autodiff.tensor(3).shape == ()


@pytest.mark.parametrize("make", [
    lambda: autodiff.zeros(2, dtype=np.int64), lambda: autodiff.ones(2, dtype="int32"),
    lambda: autodiff.full(2, 1.0, dtype=bool), lambda: autodiff.randn(2, dtype=np.complex128),
    lambda: autodiff.tensor([1.0], dtype=np.int8), lambda: autodiff.eye(2, dtype=np.uint8),
    lambda: autodiff.zeros_like(np.ones(2), dtype=np.int16),
    lambda: Tensor([1.0]).astype(np.int64),
])
def test_a_non_float_dtype_is_a_type_error_naming_it(make: Callable[[], Tensor]) -> None:
    with pytest.raises(TypeError, match="float dtype.*got (int|bool|complex|uint)"):
        make()


def test_a_bad_fill_value_is_a_type_error_naming_it() -> None:
    with pytest.raises(TypeError, match="got str"):
        autodiff.full(2, "1")
    with pytest.raises(TypeError, match="got Value"):
        autodiff.full_like(np.ones(2), Value(1.0))


# --- astype: the cast op ---------------------------------------------------------------------


@given(x=hnp.arrays(np.float64, SHAPES, elements=st.floats(-100, 100)), target=FLOATS)
def test_astype_records_a_cast_whose_gradient_comes_back_in_the_source_dtype(
        x: np.ndarray, target: Any) -> None:
    t = Tensor(x, requires_grad=True)
    y = t.astype(target)
    assert y.dtype == target and y.op == "cast" and y.parents == (t,)
    np.testing.assert_array_equal(y.data, x.astype(target))
    weights = np.arange(x.size, dtype=target).reshape(x.shape)
    (y * weights).sum().backward()
    assert t.grad.dtype == np.float64
    np.testing.assert_array_equal(t.grad, weights.astype(np.float64))


def test_cast_has_derivatives_of_every_order_and_float32_leaves_get_float32_grads() -> None:
    x = Tensor([0.5, -1.0], requires_grad=True)
    (g,) = grad((x.astype(np.float32) ** 3).sum(), x, create_graph=True)
    assert g.dtype == np.float64
    np.testing.assert_allclose(g.data, 3 * x.data ** 2, rtol=1e-6)
    (gg,) = grad(g.sum(), x)
    np.testing.assert_allclose(gg, 6 * x.data, rtol=1e-6)
    w = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    (w.astype(np.float64) * np.array([1.0, 2.0])).sum().backward()
    assert w.grad.dtype == np.float32 and w.grad.tolist() == [1.0, 2.0]
    assert autodiff.cast(np.ones(2), np.float32).dtype == np.float32  # the op on an array
    assert "cast(dtype=float32)" in autodiff.to_dot(Tensor([1.0], requires_grad=True)
                                                    .astype(np.float32))


def test_cast_is_an_array_op_that_value_refuses() -> None:
    with pytest.raises(TypeError, match="cast is an array op"):
        autodiff.cast(Value(1.0), np.float32)


@pytest.mark.torch
def test_constructors_and_astype_match_torch() -> None:
    torch = pytest.importorskip("torch")
    pairs = [(autodiff.eye(3, 4), torch.eye(3, 4)),
             (autodiff.linspace(-1, 2, 7), torch.linspace(-1, 2, 7, dtype=torch.float64)),
             (autodiff.arange(1, 3, 0.5), torch.arange(1, 3, 0.5, dtype=torch.float64)),
             (autodiff.full((2, 3), 1.5), torch.full((2, 3), 1.5, dtype=torch.float64))]
    for mine, theirs in pairs:
        np.testing.assert_allclose(mine.data, theirs.numpy(), rtol=1e-6)
    x = Tensor([0.5, 2.0], requires_grad=True)
    tx = torch.tensor([0.5, 2.0], dtype=torch.float64, requires_grad=True)
    (x.astype(np.float32).exp() * 3.0).sum().backward()
    (tx.to(torch.float32).exp() * 3.0).sum().backward()
    assert str(tx.grad.dtype).endswith(str(x.grad.dtype))
    np.testing.assert_allclose(x.grad, tx.grad.numpy(), rtol=1e-6)
