"""Hooks: node hooks see each gradient once, complete, and may replace it; handles remove them;
module forward hooks see every call. Properties over random expression graphs."""
from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autodiff
import nn
from autodiff import Tensor, Value, grad, topological_order
from autodiff.testing import graphs

Graph = tuple[list[Value], Value]


@pytest.fixture(autouse=True)
def no_hook_left_behind() -> Any:
    yield
    assert autodiff.node.live_hooks == 0  # every test removes what it registered


def _hook_all(nodes: list[Any], seen: dict[int, list[Any]]) -> list[autodiff.HookHandle]:
    return [n.register_hook(lambda g, n=n: seen.setdefault(id(n), []).append(g)) for n in nodes]


@given(graph=graphs())
def test_each_hook_sees_its_nodes_complete_gradient_once(graph: Graph) -> None:
    leaves, root = graph
    nodes = topological_order(root)
    seen: dict[int, list[Any]] = {}
    handles = _hook_all(nodes, seen)
    try:
        root.backward()
    finally:
        for handle in handles:
            handle.remove()
    for node in nodes:
        assert len(seen[id(node)]) == 1
        if node._op is not None:  # an op node's .grad is its gradient of the latest pass
            assert seen[id(node)][0] == node.grad
    for leaf in leaves:
        if id(leaf) in seen:
            assert seen[id(leaf)][0] == leaf.grad  # the leaves started at 0


@given(graph=graphs())
def test_grad_runs_hooks_too_and_returns_what_they_see(graph: Graph) -> None:
    leaves, root = graph
    nodes = [n for n in topological_order(root) if n is not root]
    seen: dict[int, list[Any]] = {}
    handles = _hook_all(nodes, seen)
    try:
        gradients = grad(root, nodes)
    finally:
        for handle in handles:
            handle.remove()
    assert all(seen[id(n)] == [g] for n, g in zip(nodes, gradients))
    assert all(leaf.grad == 0.0 for leaf in leaves)  # grad() leaves .grad alone


@given(graph=graphs(), scale=st.sampled_from([0.0, -2.0, 3.5]))
def test_a_replacement_at_the_root_scales_every_gradient(graph: Graph, scale: float) -> None:
    leaves, root = graph
    before = grad(root, leaves)
    handle = root.register_hook(lambda g: g * scale)
    try:
        after = grad(root, leaves)
    finally:
        handle.remove()
    assert after == tuple(g * scale for g in before)
    assert grad(root, leaves) == before  # removed: no effect any more


def test_a_replacement_on_an_interior_node_is_what_flows_on() -> None:
    x = Value(3.0)
    y = x * x          # dy/dx = 6
    z = y * 2.0 + x    # dz/dy = 2, dz/dx = 1 + 2 * 6
    handle = y.register_hook(lambda g: g * 10.0)
    z.backward()
    handle.remove()
    assert (y.grad, x.grad) == (20.0, 1.0 + 20.0 * 6.0)


def test_a_leaf_hook_replaces_what_is_accumulated() -> None:
    w = Tensor(np.ones(3), requires_grad=True)
    handle = w.register_hook(lambda g: np.clip(g, -1.0, 1.0))
    (w * np.array([5.0, 0.5, -5.0])).sum().backward()
    (w * np.array([5.0, 0.5, -5.0])).sum().backward()
    handle.remove()
    np.testing.assert_array_equal(w.grad, [2.0, 1.0, -2.0])
    assert w.grad.dtype == np.float64


def test_hooks_run_in_order_and_see_the_previous_replacement() -> None:
    x = Value(1.0)
    calls = []
    first = x.register_hook(lambda g: calls.append(("first", g)) or g + 1.0)
    second = x.register_hook(lambda g: calls.append(("second", g)))
    (x * 4.0).backward()
    first.remove()
    second.remove()
    second.remove()  # a second remove does nothing
    assert calls == [("first", 4.0), ("second", 5.0)] and x.grad == 5.0


def test_hooks_see_nodes_in_a_create_graph_pass() -> None:
    x = Value(2.0)
    y = x * x * x
    handle = y.register_hook(lambda g: g * 2.0)
    (dx,) = grad(y, x, create_graph=True)
    handle.remove()
    assert isinstance(dx, Value) and dx.data == 24.0
    assert grad(dx, x)[0] == 24.0  # d/dx of 2 * 3x^2 = 12 x, the replacement kept in the graph


@pytest.mark.parametrize("node, bad, error, message", [
    (Value(1.0), "g", TypeError, "expected a real number, got str"),
    (Tensor(np.ones(2), requires_grad=True), np.ones(3), ValueError,
     "shape \\(3,\\) for a Tensor of shape \\(2,\\)"),
])
def test_a_bad_replacement_is_a_clear_error(node: Any, bad: Any, error: type,
                                            message: str) -> None:
    handle = node.register_hook(lambda g: bad)
    try:
        with pytest.raises(error, match=message):
            (node * 2.0).sum().backward() if isinstance(node, Tensor) else (node * 2.0).backward()
    finally:
        handle.remove()


def test_registering_misuse() -> None:
    with pytest.raises(TypeError, match="fn must be callable, got int"):
        Value(1.0).register_hook(3)
    with pytest.raises(ValueError, match="does not require grad"):
        Tensor([1.0]).register_hook(print)


def test_the_live_hook_count_returns_to_zero() -> None:
    x = Tensor([1.0], requires_grad=True)
    handles = [x.register_hook(print) for _ in range(3)]
    assert autodiff.node.live_hooks == 3
    for handle in handles:
        handle.remove()
    assert autodiff.node.live_hooks == 0


# --- module forward hooks ---------------------------------------------------------------------


def test_forward_hooks_see_every_call_and_may_replace_the_output() -> None:
    model = nn.MLP(2, [3, 1], rng=0)
    calls = []
    first = model.layers[0].register_forward_hook(
        lambda module, inputs, out: calls.append((module, inputs[0].shape, out.shape)))
    doubled = model.layers[1].register_forward_hook(lambda module, inputs, out: out * 2.0)
    x = np.ones((4, 2))
    hooked = model(x).data
    first.remove()
    doubled.remove()
    assert calls == [(model.layers[0], (4, 2), (4, 3))]
    np.testing.assert_allclose(hooked, 2.0 * model(x).data)
    assert len(calls) == 1  # removed: not called again
    assert [name for name, _ in model.named_parameters()] == [
        "layers.0.weight", "layers.0.bias", "layers.1.weight", "layers.1.bias"]


def test_forward_hooks_can_watch_gradients_per_layer() -> None:
    model = nn.MLP(2, [4, 4, 1], rng=0)
    norms: dict[str, list[float]] = {}

    def watch(name: str) -> Any:
        def hook(module: nn.Module, inputs: tuple[Tensor], out: Tensor) -> None:
            out.register_hook(lambda g: norms.setdefault(name, []).append(np.linalg.norm(g)))
        return hook
    handles = [layer.register_forward_hook(watch(f"layer {i}"))
               for i, layer in enumerate(model.layers)]
    for _ in range(2):
        model(np.ones((5, 2))).sum().backward()
    for handle in handles:
        handle.remove()
    assert sorted(norms) == ["layer 0", "layer 1", "layer 2"]
    assert all(len(v) == 2 for v in norms.values())
    assert norms["layer 2"][0] == pytest.approx(np.sqrt(5.0))  # d sum / d out = ones(5, 1)
    # The hooks on the layers' outputs went with their graphs: none is live (see the fixture).


def test_forward_hook_misuse() -> None:
    with pytest.raises(TypeError, match="fn must be callable, got str"):
        nn.Linear(1, 1).register_forward_hook("f")
