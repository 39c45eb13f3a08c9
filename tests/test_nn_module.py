"""Module: parameter discovery, zero_grad, state_dict, save/load and its errors, repr."""
from __future__ import annotations

import numpy as np
import pytest

import nn
from autodiff import Tensor


class Mixed(nn.Module):
    """Parameters behind an attribute, a list, a dict, a tuple and a sub-module."""

    def __init__(self) -> None:
        self.scale = Tensor(2.0, requires_grad=True)
        self.constant = Tensor([1.0, 2.0])  # no requires_grad: not a parameter
        self.blocks = [nn.Linear(2, 3, rng=1), nn.Linear(3, 1, rng=2)]
        self.extra = {"gain": Tensor(np.ones(3), requires_grad=True), "head": nn.Neuron(1)}
        self.pair = (Tensor(0.5, requires_grad=True), "not a tensor", 7)
        self.shared = self.scale  # the same parameter again: listed once

    def forward(self, x: Tensor) -> Tensor:
        h = self.blocks[0](x) * self.extra["gain"] * self.scale
        return self.extra["head"](self.blocks[1](h)) + self.pair[0]


def test_parameters_found_in_attribute_order_with_dotted_names():
    names = [name for name, _ in Mixed().named_parameters()]
    assert names == ["scale", "blocks.0.weight", "blocks.0.bias", "blocks.1.weight",
                     "blocks.1.bias", "extra.gain", "extra.head.weight", "extra.head.bias",
                     "pair.0"]


def test_parameters_are_the_named_ones_without_duplicates():
    model = Mixed()
    params = model.parameters()
    assert [id(p) for p in params] == [id(p) for _, p in model.named_parameters()]
    assert len({id(p) for p in params}) == len(params)
    assert all(p.requires_grad for p in params)


def test_mlp_names_follow_layers():
    names = [name for name, _ in nn.MLP(2, [3, 1]).named_parameters()]
    assert names == ["layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]


def test_zero_grad_clears_every_gradient():
    model = Mixed()
    model(np.ones((4, 2))).sum().backward()
    assert all(p.grad is not None for p in model.parameters())
    model.zero_grad()
    assert all(p.grad is None for p in model.parameters())


def test_state_dict_holds_copies():
    model = nn.MLP(2, [3, 1])
    state = model.state_dict()
    state["layers.0.weight"][...] = 99.0
    assert not np.any(model.layers[0].weight.data == 99.0)


def test_state_dict_round_trip():
    source, target = nn.MLP(2, [3, 1], rng=1), nn.MLP(2, [3, 1], rng=2)
    target.load_state_dict(source.state_dict())
    for (_, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data)


def test_save_load_round_trip_is_exact(tmp_path):
    source, target = Mixed(), Mixed()
    for p in source.parameters():
        p.data[...] = np.random.default_rng(3).normal(size=p.shape)
    source.save(tmp_path / "model.npz")
    arrays = [p.data for p in target.parameters()]
    target.load(tmp_path / "model.npz")
    for (name, a), (_, b) in zip(source.named_parameters(), target.named_parameters()):
        np.testing.assert_array_equal(a.data, b.data, err_msg=name)
    assert all(p.data is a for p, a in zip(target.parameters(), arrays))  # loaded in place


def _tampered(state: dict[str, np.ndarray], how: str) -> dict[str, np.ndarray]:
    state = dict(state)
    if how == "wrong name":
        state["layers.0.wieght"] = state.pop("layers.0.weight")
    elif how == "missing name":
        del state["layers.1.bias"]
    elif how == "wrong shape":
        state["layers.0.weight"] = np.zeros((3, 2))
    elif how == "wrong dtype":
        state["layers.1.weight"] = state["layers.1.weight"].astype(np.float32)
    return state


@pytest.mark.parametrize("how, message", [
    ("wrong name", r"missing 'layers.0.weight'.*unexpected 'layers.0.wieght'"),
    ("missing name", r"missing 'layers.1.bias'"),
    ("wrong shape", r"'layers.0.weight' has shape \(3, 2\), the model \(2, 3\)"),
    ("wrong dtype", r"'layers.1.weight' has dtype float32, the model float64"),
])
def test_bad_file_raises_and_leaves_model_unchanged(tmp_path, how, message):
    model = nn.MLP(2, [3, 1], rng=0)
    before = model.state_dict()
    other = nn.MLP(2, [3, 1], rng=5).state_dict()  # valid names would change everything
    np.savez(tmp_path / "bad.npz", **_tampered(other, how))
    with pytest.raises(ValueError, match=message):
        model.load(tmp_path / "bad.npz")
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(value, before[name], err_msg=name)


def test_object_array_is_never_unpickled(tmp_path):
    model = nn.Neuron(2)
    state = model.state_dict()
    state["weight"] = np.array([{"evil": 1}, None], dtype=object)
    np.savez(tmp_path / "pickled.npz", **state)
    with pytest.raises(ValueError, match=r"'weight'.*without pickle"):
        model.load(tmp_path / "pickled.npz")


def test_a_single_npy_array_is_refused(tmp_path):
    np.save(tmp_path / "one.npy", np.zeros(2))
    with pytest.raises(ValueError, match="not an .npz archive"):
        nn.Neuron(2).load(tmp_path / "one.npy")


def test_repr_shows_nested_layers():
    text = repr(Mixed())
    assert text.startswith("Mixed(\n")
    assert "  (blocks.0): Linear(nin=2, nout=3)" in text
    assert "  (extra.head): Neuron(nin=1, activation='sigmoid')" in text
    mlp = repr(nn.MLP(2, [16, 1], activation="relu"))
    assert mlp.splitlines() == ["MLP(2 -> 16 -> 1",
                                "  (layers.0): Layer(nin=2, nout=16, activation='relu')",
                                "  (layers.1): Layer(nin=16, nout=1, activation=None)",
                                ")"]
    assert repr(nn.Linear(2, 1, bias=False)) == "Linear(nin=2, nout=1, bias=False)"


def test_forward_must_be_defined():
    with pytest.raises(NotImplementedError, match="Empty must define forward"):
        type("Empty", (nn.Module,), {})()([1.0])
