"""Losses: values against numpy formulas, extremes without warnings, reductions, shape errors."""
from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

import nn
from autodiff import Tensor


@pytest.fixture
def strict():
    """Warnings are errors, and numpy's divide, overflow and invalid raise."""
    with warnings.catch_warnings(), np.errstate(divide="raise", over="raise", invalid="raise"):
        warnings.simplefilter("error")
        yield


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1 / (1 + np.exp(-z))


def _log_softmax(z: np.ndarray) -> np.ndarray:
    shifted = z - z.max(axis=1, keepdims=True)
    return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))


rows = st.integers(1, 5)
reals = st.floats(-5, 5)


@st.composite
def pairs(draw, low: float = -5.0, high: float = 5.0, targets=reals):
    """A prediction array and a same-shaped target array."""
    shape = draw(hnp.array_shapes(min_dims=1, max_dims=2, max_side=4))
    pred = draw(hnp.arrays(np.float64, shape, elements=st.floats(low, high)))
    return pred, draw(hnp.arrays(np.float64, shape, elements=targets))


@given(pairs())
def test_mse_matches_numpy(pair):
    pred, t = pair
    np.testing.assert_allclose(nn.mse_loss(Tensor(pred), t).item(), np.mean((pred - t) ** 2))


@given(pairs(0.01, 0.99, st.floats(0, 1)))
def test_bce_matches_numpy(pair):
    p, t = pair
    expected = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))
    np.testing.assert_allclose(nn.binary_cross_entropy(Tensor(p), t).item(), expected)


@given(pairs(-20, 20, st.floats(0, 1)))
def test_bce_with_logits_matches_numpy(pair):
    z, t = pair
    p = _sigmoid(z)
    naive = -np.mean(t * np.log(p) + (1 - t) * np.log(1 - p))  # loses digits as p -> 1
    stable = np.mean(np.maximum(z, 0) - z * t + np.log1p(np.exp(-np.abs(z))))
    got = nn.binary_cross_entropy_with_logits(Tensor(z), t).item()
    np.testing.assert_allclose(got, stable, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(got, naive, rtol=1e-6)


@given(st.integers(1, 5), st.integers(2, 4), st.data())
def test_cross_entropy_labels_equal_one_hot_and_numpy(batch, classes, data):
    z = data.draw(hnp.arrays(np.float64, (batch, classes), elements=reals))
    labels = data.draw(hnp.arrays(np.int64, batch, elements=st.integers(0, classes - 1)))
    by_label = nn.cross_entropy(Tensor(z), labels).item()
    by_one_hot = nn.cross_entropy(Tensor(z), nn.data.one_hot(labels, classes)).item()
    np.testing.assert_allclose(by_label, by_one_hot, rtol=1e-12)
    np.testing.assert_allclose(by_label, -np.mean(_log_softmax(z)[np.arange(batch), labels]))


def test_cross_entropy_with_probability_targets_and_tensor_labels():
    z = np.array([[1.0, 2.0, 0.5], [0.0, -1.0, 3.0]])
    t = np.array([[0.2, 0.5, 0.3], [1.0, 0.0, 0.0]])
    expected = -np.mean(np.sum(t * _log_softmax(z), axis=1))
    np.testing.assert_allclose(nn.cross_entropy(Tensor(z), t).item(), expected)
    np.testing.assert_allclose(nn.cross_entropy(z, Tensor([2.0, 0.0])).item(),
                               nn.cross_entropy(z, [2, 0]).item())


@given(pairs(targets=st.sampled_from([-1.0, 1.0])))
def test_hinge_matches_numpy(pair):
    s, t = pair
    np.testing.assert_allclose(nn.hinge_loss(Tensor(s), t).item(),
                               np.mean(np.maximum(0, 1 - t * s)))


def test_bce_at_zero_and_one_is_finite_and_silent(strict):
    p = Tensor([0.0, 1.0, 0.0, 1.0], requires_grad=True)
    losses = nn.binary_cross_entropy(p, [0.0, 1.0, 1.0, 0.0], reduction="none")
    np.testing.assert_array_equal(losses.data, [0.0, 0.0, 100.0, 100.0])  # PyTorch's clamp
    losses.sum().backward()
    assert np.all(np.isfinite(p.grad))
    np.testing.assert_array_equal(p.grad, [1.0, -1.0, 0.0, 0.0])  # clamped terms pass none


def test_bce_float32_at_zero_is_finite_and_silent(strict):
    p = Tensor(np.array([0.0, 1.0], dtype=np.float32), requires_grad=True)
    loss = nn.binary_cross_entropy(p, [1.0, 0.0])
    loss.backward()
    assert loss.dtype == np.float32 and np.isfinite(loss.item()) and loss.item() > 80
    assert np.all(np.isfinite(p.grad))


def test_bce_with_huge_logits_is_exact_and_silent(strict):
    z = Tensor([1e4, -1e4, 1e4, -1e4], requires_grad=True)
    losses = nn.binary_cross_entropy_with_logits(z, [1.0, 0.0, 0.0, 1.0], reduction="none")
    np.testing.assert_array_equal(losses.data, [0.0, 0.0, 1e4, 1e4])
    losses.sum().backward()
    np.testing.assert_array_equal(z.grad, [0.0, 0.0, 1.0, -1.0])  # sigmoid(z) - t


def test_cross_entropy_with_huge_logits_is_finite_and_silent(strict):
    z = Tensor([[1e4, -1e4, 0.0]], requires_grad=True)
    loss = nn.cross_entropy(z, [1])
    loss.backward()
    assert loss.item() == 2e4
    np.testing.assert_array_equal(z.grad, [[1.0, -1.0, 0.0]])


LOSSES = [
    (nn.mse_loss, np.array([[0.2, -1.0], [3.0, 0.5]]), np.array([[0.0, 1.0], [2.0, 0.5]])),
    (nn.binary_cross_entropy, np.array([0.2, 0.9, 0.5]), np.array([0.0, 1.0, 1.0])),
    (nn.binary_cross_entropy_with_logits, np.array([-2.0, 0.3]), np.array([0.0, 1.0])),
    (nn.cross_entropy, np.array([[0.2, -1.0, 0.4], [3.0, 0.5, 0.1]]), np.array([2, 0])),
    (nn.hinge_loss, np.array([0.2, -1.0, 3.0]), np.array([1.0, 1.0, -1.0])),
]


@pytest.mark.parametrize("loss, pred, target", LOSSES)
def test_reductions(loss, pred, target):
    each = loss(Tensor(pred), target, reduction="none")
    assert each.shape == (pred.shape[0],) if loss is nn.cross_entropy else pred.shape
    np.testing.assert_allclose(loss(Tensor(pred), target, reduction="sum").item(),
                               each.data.sum())
    np.testing.assert_allclose(loss(Tensor(pred), target).item(), each.data.mean())
    with pytest.raises(ValueError, match="reduction must be one of"):
        loss(Tensor(pred), target, reduction="average")


@pytest.mark.parametrize("loss, pred, target", LOSSES)
def test_targets_never_get_gradients(loss, pred, target):
    pred, target = Tensor(pred, requires_grad=True), Tensor(target, requires_grad=True)
    loss(pred, target).backward()
    assert pred.grad is not None and target.grad is None


@pytest.mark.parametrize("loss, pred, target", LOSSES)
def test_float32_predictions_give_float32_losses(loss, pred, target):
    pred = Tensor(pred.astype(np.float32), requires_grad=True)
    out = loss(pred, Tensor(target) if loss is not nn.cross_entropy else target)
    out.backward()
    assert out.dtype == np.float32 and pred.grad.dtype == np.float32


@pytest.mark.parametrize("loss", [nn.mse_loss, nn.binary_cross_entropy,
                                  nn.binary_cross_entropy_with_logits, nn.hinge_loss])
def test_shape_mismatch_names_both_shapes(loss):
    with pytest.raises(ValueError, match=r"shape \(4, 1\) but targets have shape \(4,\)"):
        loss(Tensor(np.full((4, 1), 0.5)), np.ones(4))


def test_cross_entropy_errors():
    z = Tensor(np.zeros((2, 3)))
    with pytest.raises(ValueError, match=r"logits have shape \(2, 3\) but labels have shape "
                                         r"\(3,\)"):
        nn.cross_entropy(z, [0, 1, 2])
    with pytest.raises(ValueError, match=r"integers in \[0, 3\), got \[3\]"):
        nn.cross_entropy(z, [0, 3])
    with pytest.raises(ValueError, match=r"got \[0.5\]"):
        nn.cross_entropy(z, [0.5, 1.0])
    with pytest.raises(ValueError, match=r"\(batch, classes\), got \(3,\)"):
        nn.cross_entropy(Tensor(np.zeros(3)), [0])


def test_hinge_refuses_zero_one_targets():
    with pytest.raises(ValueError, match=r"-1 or \+1, got \[0.0\]"):
        nn.hinge_loss(Tensor([0.5, 2.0]), [0.0, 1.0])


outside_unit = st.one_of(st.floats(max_value=0.0, exclude_max=True),
                         st.floats(min_value=1.0, exclude_min=True), st.just(np.nan))


@given(st.data(), outside_unit)
def test_bce_refuses_probabilities_outside_zero_one(data, bad):
    p, t = data.draw(pairs(0.0, 1.0, st.floats(0, 1)))
    p.flat[data.draw(st.integers(0, p.size - 1))] = bad
    with pytest.raises(ValueError, match=r"probabilities must lie in \[0, 1\], got \[.*\]; for "
                                         r"unbounded scores \(logits\) use "
                                         r"binary_cross_entropy_with_logits"):
        nn.binary_cross_entropy(Tensor(p), t)


@given(st.data(), outside_unit)
def test_bce_refuses_targets_outside_zero_one(data, bad):
    p, t = data.draw(pairs(0.0, 1.0, st.floats(0, 1)))
    t.flat[data.draw(st.integers(0, t.size - 1))] = bad
    with pytest.raises(ValueError, match=r"targets must lie in \[0, 1\], got \[.*\]$"):
        nn.binary_cross_entropy(Tensor(p), t)


def test_bce_names_the_values_outside_zero_one():
    with pytest.raises(ValueError, match=r"got \[-0.5, 1.5, nan\]"):
        nn.binary_cross_entropy(Tensor([1.5, 0.5, -0.5, np.nan, 1.5]), [1.0] * 5)
