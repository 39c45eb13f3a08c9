"""Optimisers: a few steps on fixed gradients against the textbook update rules written out."""
from __future__ import annotations

import numpy as np
import pytest

import nn
from autodiff import Tensor

START = np.array([0.5, -1.5, 2.0])
GRADS = [np.array([0.1, -0.2, 0.3]), np.array([-0.4, 0.5, 0.05]), np.array([0.2, 0.2, -1.0])]


def _run(optimizer_class, **settings) -> np.ndarray:
    """The parameter after one step per gradient in GRADS."""
    p = Tensor(START.copy(), requires_grad=True)
    optimizer = optimizer_class([p], **settings)
    for g in GRADS:
        p.grad = g.copy()
        optimizer.step()
    return p.data


def test_plain_sgd():
    p = START.copy()
    for g in GRADS:
        p = p - 0.1 * g
    np.testing.assert_allclose(_run(nn.SGD, lr=0.1), p, rtol=1e-15)


@pytest.mark.parametrize("nesterov", [False, True])
@pytest.mark.parametrize("weight_decay", [0.0, 0.01])
def test_sgd_momentum_nesterov_and_weight_decay(nesterov, weight_decay):
    lr, mu = 0.1, 0.9
    p, b = START.copy(), None
    for g in GRADS:
        d = g + weight_decay * p  # L2 decay joins the gradient
        b = d if b is None else mu * b + d  # the first step starts the buffer at d
        p = p - lr * (d + mu * b if nesterov else b)
    got = _run(nn.SGD, lr=lr, momentum=mu, nesterov=nesterov, weight_decay=weight_decay)
    np.testing.assert_allclose(got, p, rtol=1e-14)


def test_sgd_weight_decay_without_momentum():
    p = START.copy()
    for g in GRADS:
        p = p - 0.1 * (g + 0.5 * p)
    np.testing.assert_allclose(_run(nn.SGD, lr=0.1, weight_decay=0.5), p, rtol=1e-14)


@pytest.mark.parametrize("weight_decay", [0.0, 0.1])
def test_adam(weight_decay):
    lr, b1, b2, eps = 0.01, 0.8, 0.99, 1e-6
    p, m, v = START.copy(), np.zeros(3), np.zeros(3)
    for t, g in enumerate(GRADS, start=1):
        g = g + weight_decay * p
        m = b1 * m + (1 - b1) * g
        v = b2 * v + (1 - b2) * g * g
        m_hat, v_hat = m / (1 - b1 ** t), v / (1 - b2 ** t)
        p = p - lr * m_hat / (np.sqrt(v_hat) + eps)
    got = _run(nn.Adam, lr=lr, betas=(b1, b2), eps=eps, weight_decay=weight_decay)
    np.testing.assert_allclose(got, p, rtol=1e-14)


def test_adam_first_step_moves_each_weight_by_lr():
    # m^ = g and v^ = g^2 after one step: the update is lr * sign(g), whatever g's size.
    p = Tensor(np.zeros(3), requires_grad=True)
    p.grad = np.array([1e-3, -5.0, 2e3])
    nn.Adam([p], lr=0.1, eps=0.0).step()
    np.testing.assert_allclose(p.data, [-0.1, 0.1, -0.1])


@pytest.mark.parametrize("make", [lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9),
                                  lambda ps: nn.Adam(ps, lr=0.1)])
def test_updates_in_place_keep_dtype_and_skip_missing_grads(make):
    a = Tensor(np.ones(2, dtype=np.float32), requires_grad=True)
    b = Tensor(np.ones(2), requires_grad=True)
    scalar = Tensor(1.0, requires_grad=True)
    optimizer = make([a, b, scalar])
    buffers = [a.data, b.data, scalar.data]
    a.grad, scalar.grad = np.array([0.5, -0.5], dtype=np.float32), np.float64(2.0)
    optimizer.step()
    assert [p.data is buf for p, buf in zip([a, b, scalar], buffers)] == [True] * 3
    assert a.dtype == np.float32 and not np.array_equal(a.data, [1.0, 1.0])
    np.testing.assert_array_equal(b.data, [1.0, 1.0])  # no grad: untouched
    assert scalar.shape == () and scalar.item() < 1.0
    optimizer.zero_grad()
    assert a.grad is None and scalar.grad is None


def test_adam_counts_steps_per_parameter():
    late = Tensor(np.zeros(1), requires_grad=True)
    early = Tensor(np.zeros(1), requires_grad=True)
    optimizer = nn.Adam([early, late], lr=0.1, eps=0.0)
    early.grad = np.array([1.0])
    optimizer.step()
    late.grad = np.array([1.0])
    optimizer.step()  # late's first step: bias correction with t = 1, so a full lr move
    np.testing.assert_allclose(late.data, [-0.1])


def test_model_training_step_reduces_the_loss():
    X, y = nn.data.xor()
    model = nn.MLP(2, [4, 1], rng=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = nn.mse_loss(model(X), y[:, None])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]


def test_bad_settings_are_refused():
    params = [Tensor(np.zeros(1), requires_grad=True)]
    with pytest.raises(ValueError, match="lr must be >= 0"):
        nn.SGD(params, lr=-1.0)
    with pytest.raises(ValueError, match="nesterov=True needs a momentum"):
        nn.SGD(params, lr=0.1, nesterov=True)
    with pytest.raises(ValueError, match=r"betas must lie in \[0, 1\)"):
        nn.Adam(params, betas=(0.9, 1.0))
    with pytest.raises(TypeError, match="parameter 0 is a ndarray"):
        nn.SGD([np.zeros(2)], lr=0.1)


@pytest.mark.parametrize("make", [lambda w: nn.SGD(w, lr=0.1), lambda w: nn.Adam(w)])
def test_a_single_tensor_or_a_model_is_refused(make):
    w = Tensor(np.zeros((2, 2)), requires_grad=True)
    with pytest.raises(TypeError, match=r"params must be a list of Tensors, got a Tensor "
                                        r"\(pass \[w\] or model.parameters\(\)\)"):
        make(w)
    with pytest.raises(TypeError, match=r"got a MLP \(pass \[w\] or model.parameters\(\)\)"):
        make(nn.MLP(2, [1]))  # a model, not its parameters


@pytest.mark.parametrize("make", [lambda ps: nn.SGD(ps, lr=0.1), lambda ps: nn.Adam(ps)])
def test_no_parameters_is_refused(make):
    with pytest.raises(ValueError, match="params is empty"):
        make([])
    with pytest.raises(ValueError, match="params is empty"):
        make(nn.Module().parameters())


@pytest.mark.parametrize("betas, error, match", [
    ((0.9,), ValueError, r"betas must be a pair \(b1, b2\) of floats in \[0, 1\), got 1 "
                         r"values: \(0.9,\)"),
    ((0.9, 0.99, 0.999), ValueError, r"got 3 values"),
    (0.9, TypeError, r"betas must be a pair .* got a float"),
    ((0.9, "0.999"), TypeError, r"betas must be a real number, got a str"),
    ((0.9, None), TypeError, r"betas must be a real number, got a NoneType"),
    ((-0.1, 0.999), ValueError, r"betas must lie in \[0, 1\), got \(-0.1, 0.999\)"),
    ((0.9, float("nan")), ValueError, r"betas must lie in \[0, 1\), got \(0.9, nan\)"),
])
def test_betas_must_be_a_pair_in_zero_one(betas, error, match):
    with pytest.raises(error, match=match):
        nn.Adam([Tensor(np.zeros(1), requires_grad=True)], betas=betas)


def test_betas_may_be_a_list_of_any_reals():
    optimizer = nn.Adam([Tensor(np.zeros(1), requires_grad=True)], betas=[0, np.float32(0.5)])
    assert optimizer.betas == (0.0, 0.5)


@pytest.mark.parametrize("setting", ["lr", "weight_decay", "momentum"])
def test_settings_must_be_numbers(setting):
    with pytest.raises(TypeError, match=rf"{setting} must be a real number, got a str"):
        nn.SGD([Tensor(np.zeros(1), requires_grad=True)], **{"lr": 0.1, setting: "0.1"})
