"""nn.scalar: micrograd's Neuron, Layer and MLP on Values give micrograd's numbers, and are
Modules (names, state_dict, save/load) whose graphs hold every multiply."""
from __future__ import annotations

import contextlib
import math
import random
from typing import Iterator

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autodiff
import nn
from autodiff import Tensor, Value

micrograd_nn = pytest.importorskip("micrograd.nn", reason="micrograd (test extra) is the oracle")
from micrograd.engine import Value as MicrogradValue  # noqa: E402

# micrograd's MLP cannot follow a hidden layer of one neuron (it returns a Value, not a list)
sizes = st.builds(lambda hidden, last: hidden + [last],
                  st.lists(st.integers(2, 5), max_size=2), st.integers(1, 5))
seeds = st.integers(0, 2**32 - 1)


@contextlib.contextmanager
def seeded(seed: int) -> Iterator[None]:
    """random seeded with seed inside the block; the global state restored after it."""
    state = random.getstate()
    random.seed(seed)
    try:
        yield
    finally:
        random.setstate(state)


def both(seed: int, nin: int, nouts: list[int]) -> tuple[nn.scalar.MLP, object]:
    """Our MLP and micrograd's, each built right after random.seed(seed)."""
    with seeded(seed):
        ours = nn.scalar.MLP(nin, nouts)
    with seeded(seed):
        theirs = micrograd_nn.MLP(nin, nouts)
    return ours, theirs


def samples(seed: int, nin: int, count: int) -> list[list[float]]:
    rng = np.random.default_rng(seed)
    return rng.uniform(-2.0, 2.0, (count, nin)).tolist()


def squared_error(model: object, rows: list[list[float]], value: type) -> object:
    """sum over rows of model(row)^2, first output only, built as micrograd's demo builds it."""
    total = value(0.0)
    for row in rows:
        out = model([value(x) for x in row])
        out = out[0] if isinstance(out, list) else out
        total = total + out * out
    return total


@given(seeds, st.integers(1, 4), sizes)
def test_weights_are_micrographs_exactly_after_the_same_seed(seed, nin, nouts):
    ours, theirs = both(seed, nin, nouts)
    assert [p.data for p in ours.parameters()] == [p.data for p in theirs.parameters()]
    with seeded(seed):  # and the generator is left where micrograd leaves it
        nn.scalar.MLP(nin, nouts)
        after = random.random()
    with seeded(seed):
        micrograd_nn.MLP(nin, nouts)
        assert random.random() == after


@given(seeds, st.integers(1, 4), sizes)
def test_outputs_are_micrographs_exactly(seed, nin, nouts):
    ours, theirs = both(seed, nin, nouts)
    for row in samples(seed, nin, 5):
        mine, reference = ours(row), theirs([MicrogradValue(x) for x in row])
        if isinstance(reference, list):
            assert [v.data for v in mine] == [v.data for v in reference]
        else:
            assert isinstance(mine, Value) and mine.data == reference.data


@given(seeds, st.integers(1, 4), sizes)
def test_gradients_are_micrographs_to_rounding(seed, nin, nouts):
    # micrograd sums a node's gradient contributions in the order of a set; ours in a fixed
    # order: the same terms, so the sums agree to a few units in the last place.
    ours, theirs = both(seed, nin, nouts)
    rows = samples(seed, nin, 4)
    squared_error(ours, rows, Value).backward()
    squared_error(theirs, rows, MicrogradValue).backward()
    for mine, reference in zip(ours.parameters(), theirs.parameters()):
        assert mine.grad == pytest.approx(reference.grad, rel=1e-12, abs=1e-12)


def test_micrographs_training_loop_gives_micrographs_weights():
    ours, theirs = both(7, 2, [4, 4, 1])
    X, labels = nn.data.moons(12, seed=1)
    rows, y = X.tolist(), (2 * labels - 1).tolist()
    for model, value in ((ours, Value), (theirs, MicrogradValue)):
        for k in range(10):  # micrograd's demo: hinge loss + L2, decaying learning rate
            scores = [model([value(x) for x in row]) for row in rows]
            hinge = sum(((1 + -t * s).relu() for t, s in zip(y, scores)), value(0.0))
            loss = hinge * (1.0 / len(rows)) + 1e-4 * sum((p * p for p in model.parameters()),
                                                          value(0.0))
            model.zero_grad()
            loss.backward()
            for p in model.parameters():
                p.data -= (1.0 - 0.9 * k / 10) * p.grad
    for mine, reference in zip(ours.parameters(), theirs.parameters()):
        assert mine.data == pytest.approx(reference.data, rel=1e-12, abs=1e-13)


def test_neuron_computes_relu_of_b_plus_w_dot_x():
    with seeded(0):
        neuron = nn.scalar.Neuron(3)
        linear = nn.scalar.Neuron(3, nonlin=False)
        tanh = nn.scalar.Neuron(3, nonlin="tanh")
    x = [0.5, -1.0, 2.0]
    for n in (neuron, linear, tanh):
        n.b.data = 0.25
    pre = [0.25 + sum(w.data * xi for w, xi in zip(n.w, x)) for n in (neuron, linear, tanh)]
    assert neuron(x).data == pytest.approx(max(pre[0], 0.0), abs=1e-15)
    assert linear(x).data == pytest.approx(pre[1], abs=1e-15)
    assert tanh(x).data == pytest.approx(math.tanh(pre[2]), abs=1e-15)
    assert [neuron.activation, linear.activation, tanh.activation] == ["relu", None, "tanh"]


def test_layer_returns_a_list_or_one_value():
    assert isinstance(nn.scalar.Layer(2, 1)([1.0, 2.0]), Value)
    outs = nn.scalar.Layer(2, 3, nonlin=False)([1.0, 2.0])
    assert isinstance(outs, list) and len(outs) == 3 and all(isinstance(v, Value) for v in outs)
    assert isinstance(nn.scalar.MLP(2, [3, 2])([1.0, 2.0]), list)


def test_a_middle_layer_of_one_neuron_feeds_the_next():
    # micrograd's MLP(2, [1, 3]) fails here: the next layer cannot iterate over a Value
    with seeded(3):
        model = nn.scalar.MLP(2, [1, 3])
    hidden = model.layers[0]([1.0, -1.0])
    expected = [n([hidden]).data for n in model.layers[1].neurons]
    assert [v.data for v in model([1.0, -1.0])] == expected


def test_inputs_may_be_floats_values_tuples_or_1d_arrays():
    with seeded(1):
        model = nn.scalar.MLP(2, [3, 1])
    expected = model([0.5, -2.0]).data
    for x in ([Value(0.5), Value(-2.0)], (0.5, -2.0), np.array([0.5, -2.0]), [0.5, Value(-2.0)]):
        assert model(x).data == expected
    a = Value(0.5)
    model([a, -2.0]).backward()
    assert a.grad != 0.0  # an input Value receives its gradient


def test_bad_inputs_are_refused_with_the_fix():
    model = nn.scalar.MLP(2, [3, 1])
    with pytest.raises(ValueError, match=r"Neuron\(nin=2\): the input has 3 values, expected 2"):
        model([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match="got a Tensor .nn.MLP and the other nn layers take"):
        model(Tensor([1.0, 2.0]))
    with pytest.raises(TypeError, match=r"got a float \(one input is still a list: \[x\]\)"):
        nn.scalar.Neuron(1)(1.5)
    with pytest.raises(TypeError, match=r"MLP: expected a list of floats or Values, got a str"):
        model("12")
    with pytest.raises(ValueError, match=r"array of shape \(4, 2\); call the model on each row"):
        model(np.ones((4, 2)))
    with pytest.raises(ValueError, match="at least one layer"):
        nn.scalar.MLP(2, [])


def test_parameters_in_micrographs_order_with_dotted_names():
    ours, theirs = both(0, 2, [16, 16, 1])
    assert len(ours.parameters()) == len(theirs.parameters()) == 337
    names = [name for name, _ in ours.named_parameters()]
    assert names[:4] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                         "layers.0.neurons.0.b", "layers.0.neurons.1.w.0"]
    assert names[-1] == "layers.2.neurons.0.b"
    assert [p for _, p in ours.named_parameters()] == ours.parameters()


def test_zero_grad_resets_every_gradient_to_zero():
    model = nn.scalar.MLP(2, [3, 1])
    model([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 and isinstance(p.grad, float) for p in model.parameters())


def test_state_dict_holds_0d_float64_copies():
    model = nn.scalar.Neuron(2)
    state = model.state_dict()
    assert list(state) == ["w.0", "w.1", "b"]
    assert all(a.shape == () and a.dtype == np.float64 for a in state.values())
    state["b"][...] = 99.0
    assert model.b.data == 0.0


def test_save_and_load_round_trip_exactly(tmp_path):
    source, target = both(1, 2, [4, 1])[0], both(2, 2, [4, 1])[0]
    source.save(tmp_path / "scalar")
    params = target.parameters()
    target.load(tmp_path / "scalar")
    assert [p.data for p in target.parameters()] == [p.data for p in source.parameters()]
    assert target.parameters() == params  # the same Value objects, given the saved data
    assert all(type(p.data) is float for p in params)


def test_load_refuses_a_tensor_models_file_and_changes_nothing(tmp_path):
    nn.MLP(2, [4, 1]).save(tmp_path / "tensor.npz")
    model = nn.scalar.MLP(2, [4, 1])
    before = [p.data for p in model.parameters()]
    with pytest.raises(ValueError, match="nothing loaded.*missing 'layers.0.neurons.0.b'"):
        model.load(tmp_path / "tensor.npz")
    with pytest.raises(ValueError, match=r"'b' has shape \(2,\), the model \(\)"):
        nn.scalar.Neuron(2).load_state_dict({"w.0": np.array(1.0), "w.1": np.array(2.0),
                                              "b": np.zeros(2)})
    assert [p.data for p in model.parameters()] == before


class Mixed(nn.Module):
    """A Tensor parameter, a Value parameter and a scalar sub-module side by side."""

    def __init__(self) -> None:
        self.scale = Tensor([2.0, 3.0], requires_grad=True)
        self.constant = Tensor([1.0])  # not a parameter
        self.offset = Value(0.5)
        self.head = nn.scalar.Neuron(1)


def test_a_module_finds_tensor_and_value_parameters_together(tmp_path):
    model = Mixed()
    assert [name for name, _ in model.named_parameters()] == ["scale", "offset", "head.w.0",
                                                              "head.b"]
    model.save(tmp_path / "mixed")
    other = Mixed()
    other.scale.data[...] = 0.0
    other.offset.data = other.head.w[0].data = 7.0
    other.load(tmp_path / "mixed")
    np.testing.assert_array_equal(other.scale.data, [2.0, 3.0])
    assert other.offset.data == 0.5 and other.head.w[0].data == model.head.w[0].data
    model.scale.grad, model.offset.grad = np.ones(2), 1.0
    model.zero_grad()
    assert model.scale.grad is None and model.offset.grad == 0.0


@given(st.integers(1, 6))
def test_the_graph_of_a_neuron_holds_every_multiply(nin):
    out = nn.scalar.Neuron(nin)([float(i) for i in range(nin)])
    ops = [node._op.name for node in autodiff.topological_order(out) if node._op is not None]
    assert sorted(ops) == sorted(["mul"] * nin + ["add"] * nin + ["relu"])
    leaves = [node.label for node in autodiff.topological_order(out) if node._op is None]
    assert sorted(leaves) == sorted([f"w{i}" for i in range(nin)] + [f"x{i}" for i in range(nin)]
                                    + ["b"])


def test_repr_names_sizes_and_nonlinearities():
    assert repr(nn.scalar.Neuron(3)) == "Neuron(nin=3, relu)"
    assert repr(nn.scalar.Layer(2, 16, nonlin=False)) == "Layer(nin=2, nout=16, linear)"
    assert repr(nn.scalar.MLP(2, [16, 1])) == ("MLP(2 -> 16 -> 1\n"
                                               "  (layers.0): Layer(nin=2, nout=16, relu)\n"
                                               "  (layers.1): Layer(nin=16, nout=1, linear)\n)")
