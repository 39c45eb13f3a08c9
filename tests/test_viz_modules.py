"""Module structure: calls recorded at no cost per node, drawn as clusters with dotted names,
collapsed to boxes below a depth, repeated calls rolled up."""
from __future__ import annotations

import re
from typing import Any

import numpy as np

import autodiff as ad
import nn
from autodiff.viz.modules import CALLS, Modules
from autodiff.viz.trace import Graph


def mlp_loss(sizes: tuple[int, ...] = (4, 4, 1), batch: int = 8) -> tuple[nn.MLP, ad.Tensor]:
    model = nn.MLP(2, list(sizes), rng=0)
    X = np.random.default_rng(0).normal(size=(batch, 2))
    loss = nn.mse_loss(model(X), np.ones((batch, sizes[-1])))
    loss.backward()
    return model, loss


def clusters(dot: str) -> list[str]:
    """The labels of the clusters, in order."""
    return re.findall(r'subgraph cluster_\d+ \{\n\t+graph \[label="([^"]*)"', dot)


def boxes(dot: str) -> list[str]:
    return re.findall(r'\[label="([^"]*)" shape="box3d"', dot)


# --- recording ----------------------------------------------------------------------------


def test_a_module_call_is_noted_on_its_output_only() -> None:
    model, loss = mlp_loss()
    annotated = [node for node in ad.topological_order(loss) if node._meta is not None]
    calls = [call for node in annotated for call in node._meta[CALLS]]
    assert len(calls) == 4  # the MLP and its three layers: nothing per op or per parameter
    assert [type(module).__name__ for module, _ in annotated[-1]._meta[CALLS]] == \
        ["Layer", "MLP"]  # the last layer's output is the MLP's: innermost first


def test_nothing_is_noted_without_a_graph() -> None:
    model = nn.MLP(2, [3, 1], rng=0)
    with ad.no_grad():
        out = model(np.ones((4, 2)))
    assert out._meta is None
    frozen = model(ad.Tensor(np.ones((4, 2))))  # parameters need grads: recorded
    assert frozen._meta is not None

    class Identity(nn.Module):
        def forward(self, x: ad.Tensor) -> ad.Tensor:
            return x

    x = ad.Tensor(np.ones(3), requires_grad=True)
    y = x * 2.0
    assert Identity()(y) is y and y._meta is None


def test_named_modules_lists_each_module_once_with_its_path() -> None:
    model = nn.MLP(2, [3, 3, 1], rng=0)
    model.again = model.layers[1]  # type: ignore[attr-defined]  # shared: listed once
    assert [(name, type(m).__name__) for name, m in model.named_modules()] == [
        ("", "MLP"), ("layers.0", "Layer"), ("layers.1", "Layer"), ("layers.2", "Layer")]


# --- clusters and names -------------------------------------------------------------------


def test_each_call_is_a_cluster_named_by_its_path_and_class() -> None:
    _, loss = mlp_loss()
    dot = ad.to_dot(loss)
    assert clusters(dot) == ["MLP", "layers.0 (Layer)", "layers.1 (Layer)", "layers.2 (Layer)"]
    inner = dot[dot.index('label="layers.0 (Layer)"'):]
    inner = inner[:inner.index("\t\t}")]
    assert "layers.0.weight" in inner and "linear" in inner and "tanh" in inner


def test_parameters_get_their_dotted_names() -> None:
    model, loss = mlp_loss()
    dot = ad.to_dot(loss)
    for name, _ in model.named_parameters():
        assert f'"{{ {name} |' in dot or f'"{name} |' in dot
    rows = ad.explain(loss).rows
    assert {row["input"] for row in rows} >= {"layers.0.weight", "layers.2.bias"}


def test_a_weight_shared_by_two_calls_sits_in_their_common_cluster() -> None:
    layer = nn.Linear(3, 3, rng=0)

    class Twice(nn.Module):
        def __init__(self) -> None:
            self.layer = layer

        def forward(self, x: ad.Tensor) -> ad.Tensor:
            return self.layer(self.layer(x).tanh())

    model = Twice()
    out = model(np.ones((2, 3))).sum()
    modules = Modules(Graph(out))
    names = [call.name for call in modules.calls]
    assert names == ["Twice", "layer (Linear) #1", "layer (Linear) #2"]
    weight = Graph(out).position(layer.weight)
    assert modules.calls[modules.owner[weight]].name == "Twice"
    dot = ad.to_dot(out)
    assert clusters(dot) == ["Twice", "layer (Linear) #1", "layer (Linear) #2"]


def test_any_object_can_be_recorded_as_a_module_on_scalar_graphs() -> None:
    class Neuron:  # not an nn.Module: no named_modules, no named_parameters
        def __init__(self) -> None:
            self.w = ad.Value(0.5, label="w")

        def __call__(self, x: ad.Value) -> ad.Value:
            out = (x * self.w).tanh()
            ad.viz.record_call(out, self, (x,))
            return out

    x = ad.Value(2.0, label="x")
    y = Neuron()(x) + 1.0
    dot = ad.to_dot(y)
    assert clusters(dot) == ["Neuron"]
    body = dot[dot.index('label="Neuron"'):dot.index("\t}")]
    assert "w | data 0.5000" in body and "x |" not in body


# --- depth ----------------------------------------------------------------------------------


def test_depth_collapses_calls_into_boxes_with_their_shapes() -> None:
    _, loss = mlp_loss()
    whole = ad.to_dot(loss, depth=0)
    assert clusters(whole) == []
    (box,) = boxes(whole)
    assert box.startswith("MLP\\nin (8, 2) → out (8, 1)\\n11 nodes: leaf 6, linear 3, tanh 2")
    one = ad.to_dot(loss, depth=1)
    assert clusters(one) == ["MLP"]
    assert [b.split("\\n")[:2] for b in boxes(one)] == [
        ["layers.0 (Layer)", "in (8, 2) → out (8, 4)"],
        ["layers.1 (Layer)", "in (8, 4) → out (8, 4)"],
        ["layers.2 (Layer)", "in (8, 4) → out (8, 1)"]]
    assert len(clusters(ad.to_dot(loss, depth=2))) == 4  # nothing is deeper than 2


def test_depth_works_on_tensor_graphs_with_grad_colours() -> None:
    _, loss = mlp_loss()
    dot = ad.to_dot(loss, depth=0, color="grad")
    assert 'shape="box3d"' in dot and "legend" in dot


def test_a_model_too_big_to_draw_is_collapsed_and_rolled_up() -> None:
    model = nn.MLP(2, [3] * 30 + [1], rng=0)
    out = model(np.ones((2, 2))).sum()
    dot = ad.to_dot(out, max_nodes=60)
    assert clusters(dot) == ["MLP"]
    assert [b.split("\\n")[0] for b in boxes(dot)] == [
        "layers.0 (Layer)", "layers.29 (Layer)", "layers.30 (Layer)"]
    assert "× 28 more of\\nLayer\\n(112 nodes)" in dot  # layers.1-28 with their parameters


def test_the_same_layer_applied_many_times_rolls_up() -> None:
    cell = nn.Layer(3, 3, rng=0)
    h: Any = np.ones((2, 3))
    for _ in range(50):
        h = cell(h)
    out = h.sum()
    dot = ad.to_dot(out, max_nodes=20)
    assert "× 49 more of\\nLayer\\n(98 nodes)" in dot
    (box,) = boxes(dot)  # the last call, holding the layer's weight and bias
    assert box == "Layer #50\\nin (2, 3) → out (2, 3)\\n4 nodes: leaf 2, linear 1, tanh 1"
    edges = re.findall(r"\t(\w+) -> (\w+)", dot)
    assert not any((b, a) in edges for a, b in edges)  # no loop between the fold and the box


# --- modules of Values (nn.scalar) ------------------------------------------------------------


def scalar_loss(samples: int) -> tuple[Any, Any]:
    """micrograd's MLP(2, [3, 1]) on Values, summed over `samples` inputs."""
    import random

    from nn import scalar
    random.seed(0)
    model = scalar.MLP(2, [3, 1])
    loss = sum(model([1.0, float(k)]) for k in range(samples))
    loss.backward()
    return model, loss


def test_a_call_returning_several_values_is_one_cluster() -> None:
    model, loss = scalar_loss(1)
    dot = ad.to_dot(loss)
    assert clusters(dot) == ["MLP", "layers.0 (Layer)", "layers.0.neurons.0 (Neuron)",
                             "layers.0.neurons.1 (Neuron)", "layers.0.neurons.2 (Neuron)",
                             "layers.1 (Layer)", "layers.1.neurons.0 (Neuron)"]
    assert "{ layers.0.neurons.2.w.1 |" in dot
    modules = Modules(Graph(loss))
    (layer,) = [call for call in modules.calls if call.name == "layers.0 (Layer)"]
    assert len(layer.outputs) == 3  # one call, three outputs


def test_a_boxed_call_holds_its_modules_parameters_shared_with_other_calls() -> None:
    model, loss = scalar_loss(4)
    dot = ad.to_dot(loss, depth=1)
    names = {b.split("\\n")[0]: b for b in boxes(dot)}
    assert sorted(names) == [f"layers.{i} (Layer) #{k}" for i in (0, 1) for k in (1, 2, 3, 4)]
    assert "leaf 9" in names["layers.0 (Layer) #4"]  # its three neurons' w0, w1 and b
    assert "leaf 4" in names["layers.1 (Layer) #4"]
    assert "leaf" not in names["layers.0 (Layer) #1"]
    assert "{ layers." not in dot  # no parameter left outside the boxes
