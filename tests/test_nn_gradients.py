"""Gradients of losses through models against central differences (float64), and the logistic
neuron's gradients against the chain rule derived by hand."""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autodiff import Tensor, gradcheck

HIDDEN_ACTIVATIONS = ["tanh", "sigmoid", "softplus", "relu", "leaky_relu", "elu", "gelu",
                      "silu", "bent_identity"]


def _targets(loss: str, batch: int, nout: int, rng: np.random.Generator) -> Any:
    """Targets of the kind each loss expects."""
    if loss == "mse":
        return rng.normal(size=(batch, nout))
    if loss in ("bce", "bce_with_logits"):
        return rng.uniform(0, 1, (batch, 1))
    if loss == "hinge":
        return rng.choice([-1.0, 1.0], (batch, 1))
    return rng.integers(0, nout, batch)  # cross_entropy: class labels


LOSSES: dict[str, tuple[Callable[..., Tensor], Any]] = {  # the loss and its output activation
    "mse": (nn.mse_loss, None), "bce": (nn.binary_cross_entropy, "sigmoid"),
    "bce_with_logits": (nn.binary_cross_entropy_with_logits, None),
    "cross_entropy": (nn.cross_entropy, None), "hinge": (nn.hinge_loss, None),
}


@st.composite
def training_cases(draw: Any, loss: str,
                   activation: str) -> tuple[nn.Module, np.ndarray, Any]:
    """A small MLP (random parameters) ending as the loss expects, inputs and targets."""
    nin = draw(st.integers(1, 3))
    hidden = draw(st.lists(st.integers(1, 4), min_size=1, max_size=2))
    nout = {"mse": draw(st.integers(1, 2)), "cross_entropy": draw(st.integers(2, 3))}.get(loss, 1)
    batch = draw(st.integers(1, 3))
    rng = np.random.default_rng(draw(st.integers(0, 2 ** 32 - 1)))
    model = nn.MLP(nin, [*hidden, nout], activation=activation,
                   output_activation=LOSSES[loss][1], rng=rng)
    for p in model.parameters():  # random biases too: no pre-activation exactly at a kink
        p.data[...] = rng.normal(size=p.shape)
    return model, rng.normal(size=(batch, nin)), _targets(loss, batch, nout, rng)


@pytest.mark.parametrize("activation", HIDDEN_ACTIVATIONS)
@pytest.mark.parametrize("loss", sorted(LOSSES))
@settings(max_examples=4)
@given(data=st.data())
def test_loss_gradients_match_central_differences(loss, activation, data):
    model, X, targets = data.draw(training_cases(loss, activation))
    loss_fn = LOSSES[loss][0]
    assert gradcheck(lambda *params: loss_fn(model(X), targets), *model.parameters())


@given(st.sampled_from(sorted(LOSSES)), st.sampled_from(["mean", "sum", "none"]),
       st.integers(0, 1000))
def test_every_reduction_has_right_gradients(loss, reduction, seed):
    rng = np.random.default_rng(seed)
    nout = 3 if loss in ("mse", "cross_entropy") else 1
    pred = Tensor(rng.normal(size=(2, nout)), requires_grad=True)
    if loss == "bce":
        pred.data[...] = rng.uniform(0.05, 0.95, pred.shape)
    loss_fn, _ = LOSSES[loss]
    targets = _targets(loss, 2, nout, rng)
    assert gradcheck(lambda p: loss_fn(p, targets, reduction=reduction), pred)


@given(st.lists(st.floats(-3, 3), min_size=1, max_size=3), st.floats(-2, 2),
       st.sampled_from([0.0, 1.0]), st.integers(0, 100))
def test_neuron_gradients_equal_the_hand_derived_chain_rule(x, b, y, seed):
    x = np.array(x)
    neuron = nn.Neuron(len(x), rng=seed)
    neuron.bias.data[...] = b
    w = neuron.weight.data[:, 0]  # a Neuron is a Layer of one output: weight (nin, 1)
    a = 1.0 / (1.0 + math.exp(-(x @ w + b)))
    # Squared error e = (y - a)^2: de/dw = -2 (y - a) a (1 - a) x, de/db the same without x.
    error = (y - neuron(x)) ** 2
    error.backward()
    delta = -2 * (y - a) * a * (1 - a)
    np.testing.assert_allclose(neuron.weight.grad[:, 0], delta * x, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(neuron.bias.grad, delta, rtol=1e-12, atol=1e-15)
    # Binary cross-entropy: the sigmoid's derivative cancels, leaving de/dw = (a - y) x.
    neuron.zero_grad()
    nn.binary_cross_entropy(neuron(x), np.array(y)).backward()
    np.testing.assert_allclose(neuron.weight.grad[:, 0], (a - y) * x, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(neuron.bias.grad, a - y, rtol=1e-9, atol=1e-12)


@given(st.integers(1, 4), st.integers(1, 3), st.integers(0, 1000))
def test_batched_gradient_is_the_mean_of_per_sample_gradients(batch, nin, seed):
    rng = np.random.default_rng(seed)
    X, y = rng.normal(size=(batch, nin)), rng.integers(0, 2, batch).astype(float)
    neuron = nn.Neuron(nin, rng=rng)
    nn.binary_cross_entropy(neuron(X), y).backward()
    total = np.zeros((nin, 1))
    for x, t in zip(X, y):
        single = nn.Neuron(nin)
        single.load_state_dict(neuron.state_dict())
        nn.binary_cross_entropy(single(x), np.array(t)).backward()
        total += single.weight.grad
    np.testing.assert_allclose(neuron.weight.grad, total / batch, rtol=1e-10, atol=1e-14)
