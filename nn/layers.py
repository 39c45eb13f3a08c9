"""Layers: Linear (x @ W + b), Layer (Linear + activation), the logistic Neuron, and the MLP.

An activation is the name of a registered elementwise op (a user's own too), an `Op`, a
callable Tensor -> Tensor, or None; it is resolved once, when the layer is built, with the op's
declared defaults (`leaky_relu` gets slope=0.01). Every layer takes its settings in the same
order: sizes, activation, bias, init, rng. Initialisation is seeded: `rng` is an int seed or a
`numpy.random.Generator` (None: seed 0).
"""
from __future__ import annotations

from typing import Callable, Optional, Sequence, Union

import numpy as np

import autodiff
from autodiff import Tensor

from .module import Module
from .seeding import Seed, rng_from

Activation = Union[str, autodiff.Op, Callable[[Tensor], Tensor], None]

INITS = ("xavier", "he", "uniform")
# Relu-like activations halve the variance they pass on; He's scale makes up for it.
HE_ACTIVATIONS = frozenset({"relu", "leaky_relu", "elu", "gelu", "silu"})


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


def resolve_activation(activation: Activation) -> tuple[Optional[str],
                                                        Callable[[Tensor], Tensor]]:
    """(the activation's name, the function applying it), or the error naming what is wrong.

    A registered op must be elementwise, with every argument after the first defaulted.
    """
    if activation is None:
        return None, _identity
    if isinstance(activation, (str, autodiff.Op)):
        op = autodiff.lookup(activation) if isinstance(activation, str) else activation
        if not op.elementwise or op.variadic or autodiff.ops.MISSING in op.defaults[1:]:
            raise ValueError(f"activation {op.name!r} is not an elementwise op of one input "
                             f"(with defaults for the rest): {op.name}{op.__signature__}")
        defaults = op.defaults[1:]  # bound now: each forward pass calls the op directly
        return op.name, lambda x: op(x, *defaults)
    if callable(activation):
        return getattr(activation, "__name__", repr(activation)), activation
    raise TypeError(f"activation must be an op name, an Op, a callable or None, "
                    f"got {type(activation).__name__}")


def _identity(x: Tensor) -> Tensor:
    return x


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
        """x @ weight + bias for x of shape (batch, nin) or (nin,): one fused `linear` op."""
        _check_input(self, x, self.nin)
        if self.bias is None:
            return x @ self.weight
        return autodiff.linear(x, self.weight, self.bias)

    def extra_repr(self) -> str:
        """nin, nout, bias."""
        return f"nin={self.nin}, nout={self.nout}" + ("" if self.bias is not None else
                                                      ", bias=False")


class Layer(Linear):
    """activation(x @ weight + bias): a fully connected layer of nout neurons."""

    def __init__(self, nin: int, nout: int, activation: Activation = "tanh", bias: bool = True,
                 init: Optional[str] = None, rng: Seed = None) -> None:
        name, self._activate = resolve_activation(activation)
        self.activation = name
        super().__init__(nin, nout, bias=bias,
                         init=init or ("he" if name in HE_ACTIVATIONS else "xavier"), rng=rng)

    def forward(self, x: Tensor) -> Tensor:
        """activation(x @ weight + bias)."""
        return self._activate(super().forward(x))

    def extra_repr(self) -> str:
        """nin, nout, activation."""
        return f"{super().extra_repr()}, activation={self.activation!r}"


class Neuron(Layer):
    """The logistic neuron sigmoid(w . x + b) (another activation if given): a Layer with one
    output, returned without the size-1 axis: shape (batch,) for a batch, () for one sample."""

    def __init__(self, nin: int, activation: Activation = "sigmoid", bias: bool = True,
                 init: Optional[str] = None, rng: Seed = None) -> None:
        super().__init__(nin, 1, activation=activation, bias=bias, init=init, rng=rng)

    def forward(self, x: Tensor) -> Tensor:
        """activation(x @ weight + bias), the output axis dropped."""
        out = super().forward(x)
        return out.reshape(out.shape[:-1])

    def extra_repr(self) -> str:
        """nin, activation."""
        return f"nin={self.nin}, activation={self.activation!r}"


class MLP(Module):
    """A multilayer perceptron: MLP(2, [16, 16, 1]) is 2 -> 16 -> 16 -> 1."""

    def __init__(self, nin: int, sizes: Sequence[int], activation: Activation = "tanh",
                 output_activation: Activation = None, bias: bool = True,
                 init: Optional[str] = None, rng: Seed = None) -> None:
        if len(sizes) == 0:
            raise ValueError("MLP: sizes must list at least one layer size")
        rng = rng_from(rng)  # one generator, drawn in turn, so the layers differ
        fans = [nin, *sizes]
        last = len(sizes) - 1
        self.layers = [Layer(fans[i], fans[i + 1],
                             activation=output_activation if i == last else activation,
                             bias=bias, init=init, rng=rng)
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
