"""Array ops on Tensors: properties, edge cases and the documented rules (ties, repeated indices,
explicit broadcasting, skipped gradients), plus a Hessian-vector product of a small MLP."""
from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
from autodiff import Tensor, concatenate, grad, linalg, stack, where
from autodiff.engine import topological_order
from autodiff.testing import arrays_in, broadcastable_shapes, check_grads
from autodiff.ops import REALS


def _t(data: Any) -> Tensor:
    return Tensor(data, requires_grad=True)


def _sum_back(g: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Reference: g summed over the axes that broadcasting `shape` to g.shape added or grew."""
    lead = g.ndim - len(shape)
    grown = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[lead + i] != 1)
    return g.sum(axis=tuple(range(lead))).sum(axis=grown, keepdims=True)


# --- reductions ----------------------------------------------------------------------------


@pytest.mark.parametrize("method", ["max", "min"])
def test_tied_extrema_share_the_gradient_evenly(method: str) -> None:
    sign = 1.0 if method == "max" else -1.0
    x = _t(sign * np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]]))
    getattr(x, method)(axis=1).sum().backward()
    np.testing.assert_allclose(x.grad, [[0.0, 0.5, 0.5], [1 / 3, 1 / 3, 1 / 3]])
    y = _t(sign * np.array([[5.0, 1.0], [5.0, 5.0]]))
    getattr(y, method)().backward()
    np.testing.assert_allclose(y.grad, [[1 / 3, 0.0], [1 / 3, 1 / 3]])


@settings(max_examples=20)
@given(x=arrays_in(REALS, (2, 3, 4)), axis=st.sampled_from([None, 0, -1, (0, 2)]),
       keepdims=st.booleans())
def test_reductions_match_numpy(x: np.ndarray, axis: Any, keepdims: bool) -> None:
    t = Tensor(x)
    for name in ("sum", "mean", "max", "min", "var", "std"):
        expected = getattr(np, name)(x, axis=axis, keepdims=keepdims)
        np.testing.assert_allclose(getattr(t, name)(axis, keepdims).data, expected, atol=1e-12)
    shift = x.max(axis=axis, keepdims=True)
    expected = np.log(np.exp(x - shift).sum(axis=axis, keepdims=True)) + shift
    got = t.logsumexp(axis, keepdims=True).data
    np.testing.assert_allclose(got, expected)


def test_mean_var_std_derivatives() -> None:
    x = np.random.default_rng(1).standard_normal((3, 4))
    check_grads(lambda t: t.mean(axis=0), x)
    check_grads(lambda t: t.var(axis=1, ddof=1), x)
    check_grads(lambda t: t.std(keepdims=True), x)


@settings(max_examples=25)
@given(x=arrays_in(REALS, (3, 5), bound=1e4), axis=st.sampled_from([0, 1, -1]))
def test_softmax_sums_to_one_and_log_softmax_agrees(x: np.ndarray, axis: int) -> None:
    p = Tensor(x).softmax(axis)
    np.testing.assert_allclose(p.data.sum(axis=axis), 1.0)
    assert np.all(p.data >= 0)
    np.testing.assert_allclose(np.exp(Tensor(x).log_softmax(axis).data), p.data, atol=1e-12)


def test_softmax_pair_is_stable_for_huge_logits_without_warnings() -> None:
    logits = np.array([[1e4, -1e4, 0.0], [1e4, 1e4, 1e4], [-1e4, -1e4, 5e3]])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for method in ("softmax", "log_softmax", "logsumexp"):
            x = _t(logits)
            out = getattr(x, method)(-1) if method != "logsumexp" else x.logsumexp(-1)
            (out * np.arange(out.size).reshape(out.shape)).sum().backward()
            assert np.all(np.isfinite(out.data)) and np.all(np.isfinite(x.grad)), method
    np.testing.assert_allclose(Tensor(logits).log_softmax().data[1], -np.log(3.0))
    np.testing.assert_allclose(Tensor(logits).logsumexp(-1).data[0], 1e4)


def test_logsumexp_of_all_minus_infinity_is_minus_infinity() -> None:
    x = Tensor([[-np.inf, -np.inf], [0.0, 0.0]])
    with np.errstate(divide="ignore"):  # log(0), as numpy warns
        np.testing.assert_allclose(x.logsumexp(axis=1).data, [-np.inf, np.log(2.0)])


# --- indexing and joining ----------------------------------------------------------------------


def test_repeated_indices_accumulate() -> None:
    x = _t(np.arange(4.0))
    x[np.array([0, 0, 2, 0])].sum().backward()
    np.testing.assert_array_equal(x.grad, [3.0, 0.0, 1.0, 0.0])
    y = _t(np.zeros((2, 3)))
    rows, cols = np.array([1, 1, 0]), np.array([2, 2, 0])
    (y[rows, cols] * Tensor([1.0, 2.0, 5.0])).sum().backward()
    np.testing.assert_array_equal(y.grad, [[5.0, 0.0, 0.0], [0.0, 0.0, 3.0]])


@pytest.mark.parametrize("index", [
    1, -1, (0, 2), slice(None, None, -1), (Ellipsis, 1), (None, 1), (slice(1, 3), None, 0),
    np.array([2, 0, 2]), (np.array([[0, 1], [1, 0]]), slice(None)), [0, 0],
    np.array([True, False, True]),
])
def test_indexing_follows_numpy_and_scatters_back(index: Any) -> None:
    data = np.arange(12.0).reshape(3, 4)
    x = _t(data)
    y = x[index]
    np.testing.assert_array_equal(y.data, data[index])
    y.backward(np.ones(y.shape))
    expected = np.zeros_like(data)
    np.add.at(expected, index, 1.0)
    np.testing.assert_array_equal(x.grad, expected)


def test_index_tensors_and_masks_from_comparisons() -> None:
    x = _t([-1.0, 2.0, -3.0, 4.0])
    positive = x[x > 0]
    np.testing.assert_array_equal(positive.data, [2.0, 4.0])
    x[Tensor([3.0, 1.0]).data.astype(int)].sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 0.0, 1.0])


def test_where_broadcasts_and_routes_gradients() -> None:
    a = _t([[1.0], [2.0]])
    b = _t([10.0, 20.0, 30.0])
    cond = np.array([True, False, True])
    out = where(cond, a, b)
    np.testing.assert_array_equal(out.data, [[1.0, 20.0, 1.0], [2.0, 20.0, 2.0]])
    out.sum().backward()
    np.testing.assert_array_equal(a.grad, [[2.0], [2.0]])
    np.testing.assert_array_equal(b.grad, [0.0, 2.0, 0.0])
    c = _t(np.ones(3, dtype=np.float32))
    assert where(cond, c, 0.5).dtype == np.float32
    with pytest.raises(ValueError, match=r"\(3,\) and \(2,\)"):
        where(cond, c, np.ones(2))


def test_concatenate_and_stack() -> None:
    a = _t(np.ones((2, 2)))
    b = Tensor(np.zeros((2, 1)))
    c = concatenate([a, b, a], axis=1)
    np.testing.assert_array_equal(c.data, np.concatenate([a.data, b.data, a.data], axis=1))
    (c * np.arange(10.0).reshape(2, 5)).sum().backward()
    np.testing.assert_array_equal(a.grad, [[0.0 + 3, 1.0 + 4], [5.0 + 8, 6.0 + 9]])
    assert b.grad is None
    s = stack([a, a * 2.0], axis=-1)
    np.testing.assert_array_equal(s.data, np.stack([a.data, 2 * a.data], axis=-1))
    check_grads(lambda x, y: stack([x, y], axis=1), np.ones((2, 3)), np.zeros((2, 3)))
    assert isinstance(concatenate([Tensor([1.0]), np.array([2.0])]), Tensor)
    with pytest.raises(ValueError, match="shapes"):
        concatenate([Tensor(np.ones((2, 2))), Tensor(np.ones((3, 3)))])
    with pytest.raises(ValueError, match="same shape"):
        stack([Tensor(np.ones(2)), Tensor(np.ones(3))])


def test_clip_passes_the_gradient_inside_the_bounds() -> None:
    x = _t([-2.0, -0.5, 0.0, 0.5, 2.0])
    y = x.clip(-0.5, 0.5)
    np.testing.assert_array_equal(y.data, [-0.5, -0.5, 0.0, 0.5, 0.5])
    y.sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 1.0, 1.0, 1.0, 0.0])


def test_shape_methods() -> None:
    x = _t(np.arange(6.0).reshape(1, 2, 3))
    assert x.reshape(3, 2).shape == x.reshape((3, 2)).shape == (3, 2)
    assert x.squeeze().shape == (2, 3) and x.squeeze(0).shape == (2, 3)
    assert x.unsqueeze(-1).shape == (1, 2, 3, 1) and x.flatten().shape == (6,)
    assert x.transpose(2, 0, 1).shape == (3, 1, 2) and x.T.shape == (3, 2, 1)
    assert x.broadcast_to((4, 2, 3)).shape == (4, 2, 3)
    with pytest.raises(ValueError, match="size 2"):
        x.squeeze(1)
    check_grads(lambda t: t.squeeze(0).unsqueeze(1).T.flatten(), x.data)


# --- matmul -----------------------------------------------------------------------------------


@pytest.mark.parametrize("sa, sb", [((3,), (3,)), ((3,), (3, 2)), ((2, 3), (3,)), ((2, 3), (3, 4)),
                                    ((4, 2, 3), (3,)), ((3,), (4, 3, 2)), ((4, 2, 3), (3, 2)),
                                    ((2, 1, 2, 3), (5, 3, 4))])
def test_matmul_follows_numpy_and_reduces_batch_axes(sa: tuple, sb: tuple) -> None:
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal(sa), rng.standard_normal(sb)
    ta, tb = _t(a), _t(b)
    out = ta @ tb
    np.testing.assert_allclose(out.data, a @ b)
    assert (a @ tb).shape == (ta @ b).shape == out.shape
    seed = rng.standard_normal(out.shape)
    out.backward(seed)
    # Reference: numpy's promotion spelled out, then batch axes summed away.
    a2 = a[None] if a.ndim == 1 else a
    b2 = b[:, None] if b.ndim == 1 else b
    g2 = np.reshape(seed, np.broadcast_shapes(a2.shape[:-2], b2.shape[:-2])
                    + (a2.shape[-2], b2.shape[-1]))
    ga = np.broadcast_to(g2 @ np.swapaxes(b2, -1, -2), g2.shape[:-2] + a2.shape[-2:])
    gb = np.broadcast_to(np.swapaxes(a2, -1, -2) @ g2, g2.shape[:-2] + b2.shape[-2:])
    np.testing.assert_allclose(ta.grad, _sum_back(ga, a2.shape).reshape(sa))
    np.testing.assert_allclose(tb.grad, _sum_back(gb, b2.shape).reshape(sb))


def test_input_batches_cost_no_backward_matmul(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = {"da": 0, "db": 0}

    def counted(which: str, formula: Any) -> Any:
        def wrapper(*args: Any) -> Any:
            calls[which] += 1
            return formula(*args)
        return wrapper

    monkeypatch.setattr(linalg.matmul, "da", counted("da", linalg.matmul.da))
    monkeypatch.setattr(linalg.matmul, "db", counted("db", linalg.matmul.db))
    x = Tensor(np.ones((5, 3)))
    w = _t(np.ones((3, 2)))
    (x @ w).tanh().sum().backward()
    assert calls == {"da": 0, "db": 1}
    assert x.grad is None and w.grad.shape == (3, 2)


# --- explicit broadcasting ---------------------------------------------------------------------


@settings(max_examples=20)
@given(shapes=broadcastable_shapes(2), data=st.data())
def test_broadcasting_is_an_explicit_expand_node(shapes: tuple, data: st.DataObject) -> None:
    a = _t(data.draw(arrays_in(REALS, shapes[0])))
    b = _t(data.draw(arrays_in(REALS, shapes[1])))
    out = a * b
    expands = [n for n in topological_order(out) if n.op == "expand"]
    assert len(expands) == sum(s != out.shape for s in shapes)
    out.sum().backward()
    for x, other in ((a, b), (b, a)):
        assert x.grad.shape == x.shape
        np.testing.assert_allclose(x.grad, _sum_back(np.broadcast_to(other.data, out.shape),
                                                     x.shape))


def test_expanded_gradients_sum_back_to_the_input_shape() -> None:
    a = _t([[1.0], [2.0]])
    b = _t([1.0, 10.0, 100.0])
    (a * b).sum().backward()
    np.testing.assert_array_equal(a.grad, [[111.0], [111.0]])
    np.testing.assert_array_equal(b.grad, [3.0, 3.0, 3.0])


# --- second order -------------------------------------------------------------------------------


def _mlp_loss(params: list[Tensor], x: np.ndarray, labels: np.ndarray) -> Tensor:
    w1, b1, w2, b2 = params
    h = (x @ w1 + b1).tanh()
    logits = h @ w2 + b2
    return -logits.log_softmax(axis=-1)[np.arange(len(labels)), labels].mean()


def test_hessian_vector_product_of_an_mlp_matches_differences_of_gradients() -> None:
    rng = np.random.default_rng(0)
    arrays = [rng.standard_normal(s) * 0.5 for s in [(3, 4), (4,), (4, 3), (3,)]]
    x, labels = rng.standard_normal((5, 3)), np.array([0, 2, 1, 1, 0])
    v = [rng.standard_normal(a.shape) for a in arrays]
    params = [_t(a) for a in arrays]
    gs = grad(_mlp_loss(params, x, labels), params, create_graph=True)
    directional = sum((g * d).sum() for g, d in zip(gs, v))
    hv = grad(directional, params)

    def gradient_at(step: float) -> list[np.ndarray]:
        shifted = [_t(a + step * d) for a, d in zip(arrays, v)]
        return list(grad(_mlp_loss(shifted, x, labels), shifted))

    eps = 1e-5
    for got, plus, minus in zip(hv, gradient_at(eps), gradient_at(-eps)):
        np.testing.assert_allclose(got, (plus - minus) / (2 * eps), rtol=1e-6, atol=1e-8)


def test_second_derivatives_of_softmax_cross_entropy() -> None:
    x = np.random.default_rng(2).standard_normal((2, 3))
    check_grads(lambda t: -(t.log_softmax()[np.arange(2), np.array([2, 0])]).mean(), x)
    check_grads(lambda t: (t.softmax(0) * t).sum(), x)


def test_functions_dispatch_on_tensors() -> None:
    x = _t([0.5, 1.5])
    for f in (autodiff.exp, autodiff.tanh, autodiff.softplus):
        assert isinstance(f(x), Tensor) and f(x).requires_grad
    np.testing.assert_allclose(autodiff.softmax(x, -1).data, x.softmax().data)


def test_edge_cases_of_reductions_and_selection() -> None:
    assert Tensor(3.0).logsumexp().item() == 3.0  # a 0-d tensor
    x = Tensor([1.0, 2.0, 3.0], requires_grad=True)
    autodiff.where(np.ones((2, 3), dtype=bool), x, 0.0).sum().backward()
    assert x.grad.shape == (3,) and np.array_equal(x.grad, [2.0, 2.0, 2.0])
    t = Tensor([np.nan, 1.0], requires_grad=True)
    t.max().backward()  # the nan is the maximum: it gets the gradient, as in torch
    assert np.array_equal(t.grad, [1.0, 0.0])
    with pytest.raises(ValueError, match=r"\(3, 2\) does not broadcast to \(2, 3\)"):
        autodiff.sum_to(np.ones((2, 3)), (3, 2))
