"""PyTorch as an oracle for nn: losses (values and gradients) and optimiser steps, in float64.

Skipped when torch is not installed.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

import nn
from autodiff import Tensor

torch = pytest.importorskip("torch", reason="PyTorch not installed: oracle tests skipped")
F = torch.nn.functional

pytestmark = pytest.mark.torch

RNG = np.random.default_rng(0)
LOGITS = RNG.normal(0, 3, (5, 3))
PROBS = RNG.uniform(0.01, 0.99, (5, 3))
SOFT = RNG.uniform(0, 1, (5, 3))
LABELS = RNG.integers(0, 3, 5)
SIGNS = RNG.choice([-1.0, 1.0], (5, 3))

# name: (our loss, torch's loss, prediction, target)
CASES: dict[str, tuple[Callable[..., Any], Callable[..., Any], np.ndarray, np.ndarray]] = {
    "mse": (nn.mse_loss, F.mse_loss, LOGITS, SOFT),
    "bce": (nn.binary_cross_entropy, F.binary_cross_entropy, PROBS, SOFT),
    "bce_at_0_and_1": (nn.binary_cross_entropy, F.binary_cross_entropy,
                       np.array([0.0, 1.0, 0.5]), np.array([0.0, 1.0, 1.0])),
    "bce_with_logits": (nn.binary_cross_entropy_with_logits,
                        F.binary_cross_entropy_with_logits, LOGITS * 10, SOFT),
    "cross_entropy_labels": (nn.cross_entropy, F.cross_entropy, LOGITS, LABELS),
    "cross_entropy_probs": (nn.cross_entropy, F.cross_entropy, LOGITS, SOFT),
    "hinge": (nn.hinge_loss, lambda s, t, reduction: torch.relu(1 - t * s).mean()
              if reduction == "mean" else torch.relu(1 - t * s).sum(), LOGITS, SIGNS),
}


@pytest.mark.parametrize("reduction", ["mean", "sum"])
@pytest.mark.parametrize("name", sorted(CASES))
def test_loss_and_gradient_match_torch(name, reduction):
    ours_fn, theirs_fn, pred, target = CASES[name]
    ours_pred = Tensor(pred.copy(), requires_grad=True)
    ours = ours_fn(ours_pred, target, reduction=reduction)
    ours.backward()
    theirs_pred = torch.tensor(pred, dtype=torch.float64, requires_grad=True)
    theirs = theirs_fn(theirs_pred, torch.tensor(target), reduction=reduction)
    theirs.backward()
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=1e-12)
    if name != "bce_at_0_and_1":  # at a clamped log torch passes a huge gradient, we pass 0
        np.testing.assert_allclose(ours_pred.grad, theirs_pred.grad.numpy(), rtol=1e-10,
                                   atol=1e-14)


def _quadratic_losses(param: Any) -> Any:
    """A loss whose gradient changes every step: sum((A p - b)^2) + sum(p^4)."""
    a = np.array([[1.0, 2.0, -1.0], [0.5, -0.3, 2.0]])
    b = np.array([0.3, -1.0])
    if isinstance(param, Tensor):
        r = a @ param - b
        return (r * r).sum() + (param * param * param * param).sum()
    r = torch.tensor(a) @ param - torch.tensor(b)
    return (r * r).sum() + (param ** 4).sum()


OPTIMISERS = {
    "sgd": (lambda ps: nn.SGD(ps, lr=0.05), lambda ps: torch.optim.SGD(ps, lr=0.05)),
    "momentum_decay": (lambda ps: nn.SGD(ps, lr=0.05, momentum=0.9, weight_decay=0.1),
                       lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.9,
                                                  weight_decay=0.1)),
    "nesterov": (lambda ps: nn.SGD(ps, lr=0.05, momentum=0.8, nesterov=True),
                 lambda ps: torch.optim.SGD(ps, lr=0.05, momentum=0.8, nesterov=True)),
    "adam": (lambda ps: nn.Adam(ps, lr=0.1), lambda ps: torch.optim.Adam(ps, lr=0.1)),
    "adam_decay": (lambda ps: nn.Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6,
                                      weight_decay=0.05),
                   lambda ps: torch.optim.Adam(ps, lr=0.05, betas=(0.8, 0.99), eps=1e-6,
                                               weight_decay=0.05)),
}


@pytest.mark.parametrize("name", sorted(OPTIMISERS))
def test_optimiser_steps_match_torch(name):
    make_ours, make_theirs = OPTIMISERS[name]
    start = np.array([0.4, -0.7, 1.1])
    ours_p = Tensor(start.copy(), requires_grad=True)
    theirs_p = torch.tensor(start, dtype=torch.float64, requires_grad=True)
    ours, theirs = make_ours([ours_p]), make_theirs([theirs_p])
    for _ in range(6):
        ours.zero_grad()
        _quadratic_losses(ours_p).backward()
        ours.step()
        theirs.zero_grad()
        _quadratic_losses(theirs_p).backward()
        theirs.step()
    np.testing.assert_allclose(ours_p.data, theirs_p.detach().numpy(), rtol=1e-12)


def test_linear_layer_matches_torch():
    layer = nn.Linear(3, 2, rng=1)
    x = RNG.normal(size=(4, 3))
    theirs = torch.nn.Linear(3, 2).double()
    with torch.no_grad():
        theirs.weight.copy_(torch.tensor(layer.weight.data.T))  # torch stores (nout, nin)
        theirs.bias.copy_(torch.tensor(layer.bias.data))
    np.testing.assert_allclose(layer(x).data, theirs(torch.tensor(x)).detach().numpy(),
                               rtol=1e-14)
