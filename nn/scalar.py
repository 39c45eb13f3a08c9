"""micrograd's nn on scalar Values: Neuron, Layer and MLP, every multiply a node of the graph.

The API and the numbers are micrograd's (0.1.0). `Neuron(nin, nonlin=True)` computes
relu(b + w0 x0 + w1 x1 + ...), summed in that order; `Layer(nin, nout, nonlin=True)` is nout
such neurons; `MLP(nin, nouts)` stacks layers, relu in all but the last, which is linear. The
weights are drawn with Python's `random.uniform(-1, 1)`, neuron by neuron and layer by layer,
and the biases start at 0, so after `random.seed(s)` a program gives exactly micrograd's
numbers. `nonlin` may also name an activation (any registered elementwise op, "tanh" as in
micrograd's lecture) or be a callable on Values.

These are for seeing a small network: its graph has one node per multiply and add, which
`autodiff.draw_graph` draws. For training anything bigger, `nn.MLP` (Tensors) is the same model
a few hundred times faster.

A module takes one sample: a list (or tuple, or 1-d array) of floats or Values; it returns a
Value, or a list of Values from a layer of several neurons. They are `nn.Module`s:
`parameters()` in micrograd's order, `named_parameters()` (`layers.0.neurons.3.w.1`),
`zero_grad()`, `state_dict()` and `save`/`load` (each Value a 0-d float64 entry).
"""
from __future__ import annotations

import numbers
import random
from typing import Any, Callable, Iterable, Optional, Sequence, Union, cast

import numpy as np

from autodiff import Op, Tensor, Value

from . import module
from .layers import resolve_activation

Output = Union[Value, list[Value]]
Nonlin = Union[bool, str, Op, Callable[[Value], Value], None]


def values_from(x: Any, where: str) -> list[Value]:
    """One sample as a list of Values: floats become new leaves x0, x1, ..., Values are kept."""
    if type(x) is list and all(type(v) is Value for v in x):
        return x  # a previous layer's output: the common case, checked cheaply
    if isinstance(x, (Value, Tensor, numbers.Number, str, bytes)) or not isinstance(x, Iterable):
        hint = (" (nn.MLP and the other nn layers take Tensors)" if isinstance(x, Tensor) else
                " (one input is still a list: [x])" if isinstance(x, (Value, numbers.Number))
                else "")
        raise TypeError(f"{where}: expected a list of floats or Values, got a "
                        f"{type(x).__name__}{hint}")
    if isinstance(x, np.ndarray) and x.ndim != 1:
        raise ValueError(f"{where}: expected one sample (a list or 1-d array), got an array of "
                         f"shape {x.shape}; call the model on each row, or use nn.MLP on the "
                         f"batch")
    return [v if isinstance(v, Value) else Value(v, label=f"x{i}") for i, v in enumerate(x)]


def _activation(nonlin: Nonlin) -> tuple[Optional[str], Callable[[Value], Value]]:
    """(name, function) of a neuron's nonlinearity: True is relu, False (or None) linear."""
    if nonlin is True:
        return "relu", Value.relu
    # resolve_activation's functions apply to Values as well as to the Tensors it names
    return cast(tuple[Optional[str], Callable[[Value], Value]],
                resolve_activation(None if nonlin is False else nonlin))  # type: ignore[arg-type]


class Module(module.Module):
    """The base of modules of Values: called on one sample, a list of floats or Values."""

    def as_input(self, x: Any) -> list[Value]:
        """x as a list of Values (floats become leaves); a TypeError or ValueError for
        anything else (a Tensor, a single number, a 2-d array)."""
        return values_from(x, type(self).__name__)

    # These differ from nn.Module's (typed for Tensors) in their types only.
    def __call__(self, x: Sequence[Union[float, Value]]) -> Output:  # type: ignore[override]
        return cast(Output, super().__call__(x))

    def named_parameters(self) -> list[tuple[str, Value]]:  # type: ignore[override]
        """(dotted name, Value) pairs, in micrograd's order (each neuron's w, then its b)."""
        return cast("list[tuple[str, Value]]", super().named_parameters())

    def parameters(self) -> list[Value]:  # type: ignore[override]
        """Every parameter Value, in micrograd's order."""
        return cast("list[Value]", super().parameters())


class Neuron(Module):
    """nonlin(b + w0 x0 + w1 x1 + ...): relu by default (micrograd's), linear with False."""

    def __init__(self, nin: int, nonlin: Nonlin = True) -> None:
        self.w = [Value(random.uniform(-1, 1), label=f"w{i}") for i in range(nin)]
        self.b = Value(0.0, label="b")
        self.nonlin = nonlin
        self.activation, self._activate = _activation(nonlin)

    def forward(self, x: list[Value]) -> Value:
        """nonlin(b + sum of w_i x_i), added in micrograd's order, starting from b."""
        if len(x) != len(self.w):
            raise ValueError(f"Neuron(nin={len(self.w)}): the input has {len(x)} values, "
                             f"expected {len(self.w)}")
        return self._activate(sum((wi * xi for wi, xi in zip(self.w, x)), self.b))

    def extra_repr(self) -> str:
        """nin and the nonlinearity."""
        return f"nin={len(self.w)}, {self.activation or 'linear'}"


class Layer(Module):
    """nout neurons on the same inputs: a list of their outputs (one Value when nout is 1)."""

    def __init__(self, nin: int, nout: int, nonlin: Nonlin = True) -> None:
        self.nin, self.nout = nin, nout
        self.neurons = [Neuron(nin, nonlin) for _ in range(nout)]

    def forward(self, x: list[Value]) -> Output:
        """[neuron(x) for each neuron], or the one Value of a layer of one neuron."""
        out = cast("list[Value]", [neuron(x) for neuron in self.neurons])  # each one Value
        return out[0] if len(out) == 1 else out

    def extra_repr(self) -> str:
        """nin, nout and the nonlinearity."""
        activation = self.neurons[0].activation if self.neurons else None
        return f"nin={self.nin}, nout={self.nout}, {activation or 'linear'}"

    def __repr__(self) -> str:
        return f"Layer({self.extra_repr()})"  # one line: its neurons are all alike


class MLP(Module):
    """Layers of nouts[i] neurons: MLP(2, [16, 16, 1]) is 2 -> 16 -> 16 -> 1, relu but the last."""

    def __init__(self, nin: int, nouts: Sequence[int], nonlin: Nonlin = True) -> None:
        if len(nouts) == 0:
            raise ValueError("MLP: nouts must list at least one layer size")
        sizes = [nin, *nouts]
        last = len(nouts) - 1
        self.layers = [Layer(sizes[i], sizes[i + 1], nonlin=nonlin if i != last else False)
                       for i in range(len(nouts))]

    def forward(self, x: list[Value]) -> Output:
        """The layers applied in turn: a Value when the last layer has one neuron."""
        out: Output = x
        for layer in self.layers:
            out = layer([out] if isinstance(out, Value) else out)  # one neuron's layer: a Value
        return out

    def extra_repr(self) -> str:
        """The sizes from input to output."""
        return " -> ".join(str(n) for n in [self.layers[0].nin,
                                            *(layer.nout for layer in self.layers)])
