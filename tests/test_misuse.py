"""Misuse gets a TypeError or ValueError that names the problem, raised where the mistake is
made: extra or missing op arguments, joining nothing or along a bad axis, indexing with a
Tensor, a string as a condition, numpy scalars and huge ints, a grad set to None, a label that
is not a string, and gradients that alias the caller's arrays."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import autodiff
from autodiff import Tensor, Value, concatenate, grad, stack, where


def _t(data: Any) -> Tensor:
    return Tensor(data, requires_grad=True)


# --- 14. arguments an op does not take, and defaults --------------------------------------------


@pytest.mark.parametrize("call", [lambda: autodiff.tanh(Value(1.0), 2.0),
                                  lambda: autodiff.exp(np.ones(2), 3.0),
                                  lambda: autodiff.exp(Tensor([1.0]), 3.0),
                                  lambda: autodiff.sigmoid(1.0, 2.0)])
def test_an_extra_argument_is_a_type_error_naming_the_signature(call: Callable[[], Any]) -> None:
    with pytest.raises(TypeError, match=r"\(x\) takes 1 argument but 2 were given"):
        call()


def test_a_parameter_left_out_takes_its_declared_default() -> None:
    x = np.array([-1.0, 2.0])
    np.testing.assert_array_equal(autodiff.elu(x), autodiff.elu(x, 1.0))
    assert autodiff.elu(-1.0) == autodiff.elu(-1.0, alpha=1.0)
    np.testing.assert_array_equal(autodiff.leaky_relu(x), [-0.01, 2.0])
    with pytest.raises(TypeError, match="unexpected keyword argument 'beta'"):
        autodiff.elu(x, beta=2.0)
    with pytest.raises(TypeError, match="missing required argument 'b'"):
        autodiff.add(1.0)


# --- 15. joining nothing, and bad axes ----------------------------------------------------------


@pytest.mark.parametrize("join", [concatenate, stack])
def test_joining_nothing_says_so(join: Callable[..., Any]) -> None:
    with pytest.raises(ValueError, match=rf"{join.__name__}: needs at least one array to join"):
        join([])
    with pytest.raises(TypeError, match="expected a list or tuple of arrays or Tensors"):
        join(Tensor([1.0, 2.0]))


def test_joining_along_an_axis_out_of_range_names_the_axis_and_the_dimensions() -> None:
    a = Tensor(np.ones(2))
    with pytest.raises(ValueError, match="concatenate: axis 5 is out of range for a tensor of 1 "
                                         "dimension"):
        concatenate([a, a], axis=5)
    with pytest.raises(ValueError, match=r"stack: axis 5 is out of range for stacking tensors of "
                                         r"shape \(2,\): the result has 2 dimensions"):
        stack([a, a], axis=5)
    assert stack([a, a], axis=-2).shape == (2, 2)


@pytest.mark.parametrize("call", [
    lambda t: t.sum(axis=1.5), lambda t: t.mean(axis=1.5), lambda t: t.max(axis=1.5),
    lambda t: t.softmax(axis=1.5), lambda t: t.std(axis=1.5), lambda t: t.logsumexp(axis="0"),
    lambda t: autodiff.REGISTRY["sum"](t, axis=1.5), lambda t: concatenate([t, t], axis=1.5),
    lambda t: stack([t, t], axis=1.5), lambda t: t.squeeze(axis=0.0), lambda t: t.sum(True),
])
def test_an_axis_that_is_not_an_integer_is_a_type_error(call: Callable[[Tensor], Any]) -> None:
    with pytest.raises(TypeError, match=r"axis must be an int, a tuple of ints or None, got"):
        call(Tensor(np.ones((2, 3))))


# --- 16. indexing with a Tensor -------------------------------------------------------------


def test_a_tensor_of_integers_indexes_as_its_integers_do() -> None:
    x = _t([10.0, 11.0, 12.0, 13.0])
    picked = x[Tensor([0, 2, 2])]
    np.testing.assert_array_equal(picked.data, [10.0, 12.0, 12.0])
    picked.sum().backward()
    np.testing.assert_array_equal(x.grad, [1.0, 0.0, 2.0, 0.0])  # repeats accumulate
    m = Tensor(np.arange(12.0).reshape(3, 4))
    np.testing.assert_array_equal(m[Tensor([2, 0]), 1].data, [9.0, 1.0])
    np.testing.assert_array_equal(m[:, Tensor([3, 0])].data, m.data[:, [3, 0]])
    np.testing.assert_array_equal(m[..., Tensor([2, 3, 3])].data, m.data[..., [2, 3, 3]])
    assert m[Tensor(1.0)].shape == (4,)  # a 0-d Tensor is an integer
    np.testing.assert_array_equal(m[Tensor([0, 1]), Tensor([1, 0])].data, [1.0, 4.0])


def test_a_tensor_that_may_be_a_mask_is_refused_and_a_bool_array_is_a_mask() -> None:
    x = _t([1.0, 2.0, 3.0, 4.0])
    mask = np.array([True, False, True, False])
    with pytest.raises(ValueError, match=r"0s and 1s of shape \(4,\) may be a mask or positions"):
        x[Tensor(mask)]
    m = Tensor(np.ones((3, 2)))
    with pytest.raises(ValueError, match="may be a mask"):
        m[:, Tensor([1, 0])]  # shaped like axis 1
    with pytest.raises(ValueError, match="may be a mask"):
        m[..., Tensor([1, 0])]  # after an Ellipsis, any 0/1 Tensor may be one
    np.testing.assert_array_equal(x[mask].data, [1.0, 3.0])
    np.testing.assert_array_equal(x[Tensor(mask).data.astype(bool)].data, [1.0, 3.0])
    np.testing.assert_array_equal(x[Tensor([1, 0])].data, [2.0, 1.0])  # not shaped like x


@pytest.mark.parametrize("bad, shown", [([0.5], "0.5"), ([1.0, np.nan], "nan"),
                                        ([np.inf], "inf")])
def test_a_tensor_of_non_integers_is_refused_naming_a_value(bad: list[float], shown: str) -> None:
    with pytest.raises(ValueError, match=rf"must hold integers, got {shown}"):
        Tensor(np.arange(4.0))[Tensor(bad)]


# --- 17. where's condition ----------------------------------------------------------------------


@pytest.mark.parametrize("route", [
    lambda: where("abc", Tensor([1.0]), Tensor([2.0])),
    lambda: where("abc", np.ones(1), np.zeros(1)),
    lambda: where("abc", Value(1.0), Value(2.0)),
    lambda: where("abc", 1.0, 2.0),
    lambda: where(None, Tensor([1.0]), 2.0),
])
def test_a_condition_that_is_not_numeric_is_a_type_error(route: Callable[[], Any]) -> None:
    with pytest.raises(TypeError, match=r"where.*(str|NoneType)"):
        route()


# --- 18. numbers as the README promises: bools, numpy scalars, huge ints -------------------


def test_bools_numpy_scalars_and_huge_ints_are_numbers() -> None:
    assert Value(np.True_).data == 1.0 and (Value(2.0) * np.True_).data == 2.0
    assert Value(np.float32(1.5)).data == 1.5 and (Value(1.0) + np.int64(2)).data == 3.0
    assert Tensor(2**64).item() == 2.0**64 == Value(2**64).data
    assert Tensor([2**64, 1]).data.tolist() == [2.0**64, 1.0]
    assert (Tensor([1.0]) * np.True_).data.tolist() == [1.0]


# --- 19. a grad set to None, and labels -------------------------------------------------------


def test_repr_with_a_grad_set_to_none_and_labels_that_are_not_strings() -> None:
    v = Value(1.0, label="v")
    v.grad = None
    assert repr(v) == "Value(data=1.0, grad=None, label='v')"
    (v * 2).backward()  # backward starts the gradient again
    assert v.grad == 2.0
    with pytest.raises(TypeError, match="label must be a str, got int"):
        Value(1.0, label=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="label must be a str, got int"):
        Tensor([1.0], label=5)  # type: ignore[arg-type]


# --- 20. gradients are the caller's own, never an alias of the caller's arrays ---------------


def test_grad_and_backward_copy_the_seed_the_caller_keeps() -> None:
    a = _t([1.0, 2.0])
    seed = np.array([3.0, 4.0])
    (g,) = grad(a + 0.0, [a], grad_output=seed)
    assert g is not seed and not np.shares_memory(g, seed)
    a.backward(seed)
    assert a.grad is not seed and not np.shares_memory(a.grad, seed)
    seed[...] = 100.0  # later writes to the seed change neither
    assert g.tolist() == [3.0, 4.0] and a.grad.tolist() == [3.0, 4.0]
    b = _t([1.0, 2.0])
    (b + 0.0).backward(Tensor([5.0, 6.0]))
    c = _t([1.0])
    (g_c,) = grad(c, [c], grad_output=np.ones(1))  # the output is the input: still a copy
    g_c[0] = 7.0
    assert grad(c, [c], grad_output=np.ones(1))[0].tolist() == [1.0]
