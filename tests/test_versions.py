"""The version counter: the library's in-place writes (in-place methods, optimiser steps,
load_state_dict, load) made after a forward pass make its backward pass fail with a clear
error, instead of silently using the new numbers; writes made before the forward pass, and
training loops that step after backward, are untouched."""
from __future__ import annotations

from pathlib import Path
from typing import Any, Callable

import numpy as np
import pytest

import nn
from autodiff import Tensor, grad

CHANGED = "changed in place"


def _w() -> Tensor:
    return Tensor([1.0], requires_grad=True, label="w")


def _stepped(optimizer: Callable[[list[Tensor]], Any]) -> tuple[Tensor, Tensor]:
    """(w, loss): the loss (w*w).sum() recorded at w = 1, then w stepped to 0.5 by optimizer."""
    w = _w()
    opt = optimizer([w])
    (w * w).sum().backward()  # w.grad = 2
    loss = (w * w).sum()
    opt.step()
    return w, loss


@pytest.mark.parametrize("optimizer", [lambda ps: nn.SGD(ps, lr=0.25),
                                       lambda ps: nn.SGD(ps, lr=0.25, momentum=0.9),
                                       lambda ps: nn.Adam(ps, lr=0.5)])
def test_an_optimizer_step_between_forward_and_backward_is_refused(optimizer: Any) -> None:
    w, loss = _stepped(optimizer)
    assert w.data[0] != 1.0
    message = rf"tensor 'w' of shape \(1,\) used by mul was {CHANGED}"
    with pytest.raises(RuntimeError, match=message):
        loss.backward()  # it would give 2 * 0.5 = 1.0, the gradient at the new w, not 2.0
    with pytest.raises(RuntimeError, match=CHANGED):
        grad(loss, [w])
    assert w.grad.tolist() == [2.0]  # nothing was added


def test_sgd_on_w_squared_is_refused_with_the_numbers_of_the_report() -> None:
    w, loss = _stepped(lambda ps: nn.SGD(ps, lr=0.25))
    assert w.data.tolist() == [0.5]
    with pytest.raises(RuntimeError, match="run the forward pass again"):
        loss.backward()
    (w * w).sum().backward()  # a fresh forward pass at the new w
    assert w.grad.tolist() == [3.0]  # 2 (the first pass) + 2 * 0.5


def test_load_state_dict_and_load_between_forward_and_backward_are_refused(tmp_path: Path) -> None:
    model = nn.MLP(2, [3, 1], rng=0)
    x = np.ones((4, 2))
    loss = model(x).sum()
    model.load_state_dict(model.state_dict())  # the same numbers, but written in place
    with pytest.raises(RuntimeError, match=CHANGED):
        loss.backward()
    model.save(tmp_path / "m.npz")
    loss = model(x).sum()
    model.load(tmp_path / "m.npz")
    with pytest.raises(RuntimeError, match=CHANGED):
        loss.backward()
    model(x).sum().backward()  # a new forward pass is fine


@pytest.mark.parametrize("write", [lambda t: t.sub_(0.5), lambda t: t.add_(np.ones(1)),
                                   lambda t: t.mul_(2.0), lambda t: t.copy_(Tensor([3.0]))])
def test_every_in_place_method_bumps_the_version(write: Callable[[Tensor], Any]) -> None:
    w = _w()
    before = w.version
    loss = (w * w).sum()
    assert write(w) is w and w.version > before
    with pytest.raises(RuntimeError, match=CHANGED):
        loss.backward()


def test_an_intermediate_written_in_place_is_caught_by_its_users() -> None:
    x = Tensor([2.0], requires_grad=True)
    h = x * 1.0
    loss = (h * h).sum()
    h.sub_(1.0)  # h * h's formula reads h's data
    with pytest.raises(RuntimeError, match=rf"shape \(1,\) used by mul was {CHANGED}"):
        loss.backward()


def test_training_loops_that_step_after_backward_are_untouched() -> None:
    rng = np.random.default_rng(0)
    model, x, y = nn.MLP(2, [4, 1], rng=0), rng.normal(size=(8, 2)), rng.normal(size=(8, 1))
    optimizer = nn.Adam(model.parameters(), lr=0.01)
    losses = []
    for _ in range(5):
        optimizer.zero_grad()
        loss = nn.mse_loss(model(x), y)
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    assert losses[-1] < losses[0]
    w = _w()
    w.sub_(0.5)  # written before the graph is recorded: nothing stale
    (w * w).sum().backward()
    assert w.grad.tolist() == [1.0]
