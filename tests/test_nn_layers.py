"""Layers: output shapes for every input form, seeded initialisation, activations by name."""
from __future__ import annotations

import numpy as np
import pytest

import autodiff
import nn
from autodiff import Tensor


@pytest.mark.parametrize("make, nout", [
    (lambda: nn.Linear(3, 2), (2,)), (lambda: nn.Layer(3, 2), (2,)),
    (lambda: nn.MLP(3, [4, 2]), (2,)), (lambda: nn.MLP(3, [4, 1]), (1,)),
    (lambda: nn.Neuron(3), ()),
])
def test_output_shapes_for_batch_sample_array_and_list(make, nout):
    model = make()
    batch = np.arange(15.0).reshape(5, 3) / 10
    assert model(Tensor(batch)).shape == (5, *nout)
    assert model(batch).shape == (5, *nout)
    assert model(batch.tolist()).shape == (5, *nout)
    assert model(batch[0]).shape == nout
    assert model([0.1, 0.2, 0.3]).shape == nout
    out = model(batch)
    assert isinstance(out, Tensor) and out.dtype == np.float64


def test_array_input_becomes_float64_without_grad():
    model = nn.Linear(2, 1)
    out = model(np.ones((4, 2), dtype=np.int32))
    out.sum().backward()
    assert model.weight.grad.shape == (2, 1)


def test_parameters_have_documented_shapes_and_dtype():
    linear, neuron = nn.Linear(3, 2), nn.Neuron(3)
    assert linear.weight.shape == (3, 2) and linear.bias.shape == (2,)
    assert neuron.weight.shape == (3, 1) and neuron.bias.shape == (1,)  # a Layer of one output
    for p in linear.parameters() + neuron.parameters():
        assert p.dtype == np.float64 and p.requires_grad


def test_wrong_input_width_names_the_shapes():
    with pytest.raises(ValueError, match=r"Linear\(nin=3\): input has shape \(4, 2\)"):
        nn.Linear(3, 1)(np.ones((4, 2)))
    with pytest.raises(ValueError, match=r"Neuron\(nin=2\): input has shape \(3,\)"):
        nn.Neuron(2)([1.0, 2.0, 3.0])


@pytest.mark.parametrize("make", [
    lambda rng: nn.MLP(2, [4, 3, 1], rng=rng), lambda rng: nn.Neuron(3, rng=rng),
    lambda rng: nn.Linear(3, 2, init="uniform", rng=rng),
])
def test_seeded_init_is_deterministic(make):
    same = [make(7).state_dict(), make(np.random.default_rng(7)).state_dict()]
    for name, value in same[0].items():
        np.testing.assert_array_equal(value, same[1][name])
    np.testing.assert_array_equal(make(None).state_dict()["weight" if "weight" in same[0]
                                                          else "layers.0.weight"],
                                  make(0).state_dict()["weight" if "weight" in same[0]
                                                       else "layers.0.weight"])
    different = make(8).state_dict()
    assert any(not np.array_equal(v, different[k]) for k, v in same[0].items())


def test_mlp_layers_draw_different_weights():
    mlp = nn.MLP(4, [4, 4])
    assert not np.array_equal(mlp.layers[0].weight.data, mlp.layers[1].weight.data)


@pytest.mark.parametrize("activation, init, std", [
    ("tanh", None, np.sqrt(2 / (400 + 300))), ("sigmoid", None, np.sqrt(2 / (400 + 300))),
    ("relu", None, np.sqrt(2 / 400)), ("gelu", None, np.sqrt(2 / 400)),
    (None, None, np.sqrt(2 / (400 + 300))), ("tanh", "he", np.sqrt(2 / 400)),
    ("relu", "uniform", np.sqrt(1 / 3)),
])
def test_init_scale(activation, init, std):
    weight = nn.Layer(400, 300, activation=activation, init=init, rng=1).weight.data
    assert abs(weight.mean()) < 0.05 * std
    assert weight.std() == pytest.approx(std, rel=0.02)


def test_biases_start_at_zero():
    assert not nn.MLP(3, [4, 2]).layers[0].bias.data.any()


def test_unknown_init_and_activation_are_refused():
    with pytest.raises(ValueError, match="init must be one of"):
        nn.Linear(2, 2, init="glorot")
    with pytest.raises(ValueError, match="no op named 'swoosh' is registered"):
        nn.Layer(2, 2, activation="swoosh")
    with pytest.raises(ValueError, match="'sum' is not an elementwise op of one input"):
        nn.Layer(2, 2, activation="sum")  # would collapse the batch to one number
    with pytest.raises(TypeError, match="activation must be"):
        nn.Neuron(2, activation=3)


@pytest.mark.parametrize("activation", ["relu", "leaky_relu", "elu", "softplus", "silu",
                                        "sin", autodiff.tanh, lambda t: t * 2.0, None])
def test_activation_by_name_op_or_callable(activation):
    x = np.array([[-1.0, 0.5], [2.0, -0.3]])
    layer = nn.Layer(2, 3, activation=activation, rng=4)
    z = x @ layer.weight.data + layer.bias.data
    if activation is None:
        expected = z
    elif isinstance(activation, str):
        expected = getattr(Tensor(z), activation)().data
    else:
        expected = activation(Tensor(z)).data
    np.testing.assert_allclose(layer(x).data, expected)


@pytest.fixture
def cube():
    """A user-registered activation, removed again after the test."""
    op = autodiff.register("nn_test_cube", lambda x: x * x * x, lambda g, y, a: g * 3 * a * a,
                           doc="nn_test_cube(x) = x^3")
    yield op
    autodiff.unregister("nn_test_cube")


def test_user_registered_activation_needs_no_other_code(cube):
    layer = nn.Layer(2, 2, activation="nn_test_cube", rng=0)
    x = np.array([[0.3, -0.7]])
    z = x @ layer.weight.data + layer.bias.data
    out = layer(x)
    np.testing.assert_allclose(out.data, z ** 3)
    out.sum().backward()
    np.testing.assert_allclose(layer.weight.grad, x.T @ (3 * z ** 2))
    assert autodiff.gradcheck(lambda *ps: layer(x).sum(), *layer.parameters())
    assert "activation='nn_test_cube'" in repr(layer)


def test_mlp_output_activation_applies_to_last_layer_only():
    mlp = nn.MLP(2, [3, 1], activation="relu", output_activation="sigmoid", rng=2)
    assert [layer.activation for layer in mlp.layers] == ["relu", "sigmoid"]
    out = mlp(np.random.default_rng(0).normal(size=(6, 2))).data
    assert np.all((0 < out) & (out < 1))
    with pytest.raises(ValueError, match="at least one layer"):
        nn.MLP(2, [])
