"""Layers: Linear (x @ W + b), the logistic Neuron, Layer (Linear + activation) and the MLP.

An activation is the name of a registered op (looked up in `autodiff.REGISTRY` when the layer
runs, so an op a user registers works with no other code), a callable Tensor -> Tensor, or None.
Initialisation is seeded: `rng` is an int seed or a `numpy.random.Generator` (None: seed 0).
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence, Union

import numpy as np

import autodiff
from autodiff import Tensor

from .data import Seed, rng_from
from .module import Module

Activation = Union[str, Callable[[Tensor], Tensor], None]

INITS = ("xavier", "he", "uniform")
# Relu-like activations halve the variance they pass on; He's scale makes up for it.
HE_ACTIVATIONS = frozenset({"relu", "leaky_relu", "elu", "gelu", "silu"})


def activation_name(activation: Activation) -> Optional[str]:
    """The name of an activation: the op's name, a function's __name__, or None."""
    if activation is None or isinstance(activation, str):
        return activation
    if isinstance(activation, autodiff.Op):
        return activation.name
    return getattr(activation, "__name__", repr(activation))


def default_init(activation: Activation) -> str:
    """'he' for relu-like activations, 'xavier' (Glorot) for everything else."""
    return "he" if activation_name(activation) in HE_ACTIVATIONS else "xavier"


def init_weights(shape: tuple[int, ...], fan_in: int, fan_out: int, init: str,
                 rng: np.random.Generator) -> np.ndarray:
    """Random float64 weights: xavier U(+-sqrt(6 / (fan_in + fan_out))), he N(0, 2 / fan_in),
    uniform U(-1, 1) (micrograd's)."""
    if init == "xavier":
        bound = np.sqrt(6.0 / (fan_in + fan_out))  # variance 2 / (fan_in + fan_out)
        return rng.uniform(-bound, bound, shape)
    if init == "he":
        return rng.normal(0.0, np.sqrt(2.0 / fan_in), shape)
    if init == "uniform":
        return rng.uniform(-1.0, 1.0, shape)
    raise ValueError(f"init must be one of {INITS}, got {init!r}")


def _usable(op: autodiff.Op) -> bool:
    # An activation maps a tensor elementwise; a parametrised one (leaky_relu, elu) needs a
    # Tensor method that supplies its default parameter.
    return op.elementwise and (op.unary or hasattr(Tensor, op.name))


def registered_op(name: str) -> autodiff.Op:
    """The registered activation called name, or a ValueError listing the usable names."""
    op = autodiff.REGISTRY.get(name)
    if op is None or not _usable(op):
        usable = sorted(n for n, o in autodiff.REGISTRY.items() if _usable(o))
        what = "is not a registered op" if op is None else "is not an elementwise op of one input"
        raise ValueError(f"activation {name!r} {what}; usable: {', '.join(usable)} (or pass a "
                         f"callable, e.g. lambda x: x.apply('op', parameter))")
    return op


def activate(x: Tensor, activation: Activation) -> Tensor:
    """activation(x): a registered op by name (binary ones with their default parameter)."""
    if activation is None:
        return x
    if not isinstance(activation, str):
        return activation(x)
    op = registered_op(activation)
    # leaky_relu and elu take a parameter: their Tensor methods supply the default.
    return x.apply(op) if op.unary else getattr(x, activation)()


def _checked_activation(activation: Activation) -> Activation:
    """The activation, or its error now rather than at the first forward pass."""
    if isinstance(activation, str):
        registered_op(activation)
    elif not (activation is None or callable(activation)):
        raise TypeError(f"activation must be an op name, a callable or None, "
                        f"got {type(activation).__name__}")
    return activation


def _check_input(module: Module, x: Tensor, nin: int) -> None:
    if x.ndim not in (1, 2) or x.shape[-1] != nin:
        raise ValueError(f"{type(module).__name__}(nin={nin}): input has shape {x.shape}, "
                         f"expected ({nin},) or (batch, {nin})")


class Linear(Module):
    """y = x @ weight + bias, with weight of shape (nin, nout) and bias of shape (nout,)."""

    def __init__(self, nin: int, nout: int, bias: bool = True, init: Optional[str] = None,
                 rng: Seed = None) -> None:
        self.nin, self.nout = nin, nout
        self.init = init or "xavier"
        self.weight = Tensor(init_weights((nin, nout), nin, nout, self.init, rng_from(rng)),
                             requires_grad=True, label="weight")
        self.bias = Tensor(np.zeros(nout), requires_grad=True, label="bias") if bias else None

    def forward(self, x: Tensor) -> Tensor:
        """x @ weight + bias for x of shape (batch, nin) or (nin,)."""
        _check_input(self, x, self.nin)
        out = x @ self.weight
        return out if self.bias is None else out + self.bias

    def extra_repr(self) -> str:
        """nin, nout, bias."""
        return f"nin={self.nin}, nout={self.nout}" + ("" if self.bias is not None else
                                                      ", bias=False")


class Layer(Linear):
    """activation(x @ weight + bias): a fully connected layer of nout neurons."""

    def __init__(self, nin: int, nout: int, activation: Activation = "tanh",
                 rng: Seed = None, init: Optional[str] = None) -> None:
        self.activation = _checked_activation(activation)
        super().__init__(nin, nout, init=init or default_init(activation), rng=rng)

    def forward(self, x: Tensor) -> Tensor:
        """activation(x @ weight + bias)."""
        return activate(super().forward(x), self.activation)

    def extra_repr(self) -> str:
        """nin, nout, activation."""
        return f"{super().extra_repr()}, activation={activation_name(self.activation)!r}"


class Neuron(Module):
    """The logistic neuron sigmoid(w . x + b) (another activation if given): one output each."""

    def __init__(self, nin: int, activation: Activation = "sigmoid", rng: Seed = None,
                 init: Optional[str] = None) -> None:
        self.nin = nin
        self.activation = _checked_activation(activation)
        init = init or default_init(activation)
        self.weight = Tensor(init_weights((nin,), nin, 1, init, rng_from(rng)),
                             requires_grad=True, label="weight")
        self.bias = Tensor(0.0, requires_grad=True, label="bias")

    def forward(self, x: Tensor) -> Tensor:
        """activation(x @ weight + bias): shape (batch,) for x (batch, nin), () for x (nin,)."""
        _check_input(self, x, self.nin)
        return activate(x @ self.weight + self.bias, self.activation)

    def extra_repr(self) -> str:
        """nin, activation."""
        return f"nin={self.nin}, activation={activation_name(self.activation)!r}"


class MLP(Module):
    """A multilayer perceptron: MLP(2, [16, 16, 1]) is 2 -> 16 -> 16 -> 1."""

    def __init__(self, nin: int, sizes: Sequence[int], activation: Activation = "tanh",
                 output_activation: Activation = None, rng: Seed = None,
                 init: Optional[str] = None) -> None:
        if len(sizes) == 0:
            raise ValueError("MLP: sizes must list at least one layer size")
        rng = rng_from(rng)  # one generator, drawn in turn, so the layers differ
        fans = [nin, *sizes]
        last = len(sizes) - 1
        self.layers = [Layer(fans[i], fans[i + 1],
                             activation=output_activation if i == last else activation,
                             rng=rng, init=init)
                       for i in range(len(sizes))]

    def forward(self, x: Tensor) -> Tensor:
        """The layers applied in turn; last size 1 gives shape (batch, 1) for a batch."""
        for layer in self.layers:
            x = layer(x)
        return x

    def extra_repr(self) -> str:
        """The sizes from input to output."""
        return " -> ".join(str(n) for n in [self.layers[0].nin,
                                            *(layer.nout for layer in self.layers)])
