"""Compiled equals interpreted, to the last bit, on random programs around every registered op:
on Value and on Tensor, first and second order, with nodes used more than once and constants
on either side of an op, and again on new values with the code already generated."""
from __future__ import annotations

import warnings
from typing import Any, Callable, Optional, Sequence

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
import nn  # noqa: F401  (nn registers ops of its own: they are covered too)
from autodiff import REGISTRY, Domain, Node, Op, Tensor, grad
from autodiff.ops import MISSING, REALS
from autodiff.testing import broadcastable_shapes, floats_in
from compiling import interpreted, same

reals = floats_in(REALS, bound=2.0)
ELEMENTWISE = sorted(name for name, op in REGISTRY.items() if op.elementwise)


class Choices:
    """The choices a program makes (ops, arguments, constants), the same on every run from the
    same seed: the traced and the interpreted run build the same graph."""

    def __init__(self, seed: int) -> None:
        self.rng = np.random.default_rng(seed)

    def pick(self, options: Sequence[Any]) -> Any:
        return options[int(self.rng.integers(len(options)))]

    def coin(self) -> bool:
        return bool(self.rng.integers(2))

    def number(self, domain: Optional[Domain]) -> float:
        domain = domain or Domain(low=0.0)
        low, high = max(domain.low, -2.0), min(domain.high, 2.0)
        return float(np.round(self.rng.uniform(low, high), 3)) or 0.5


def elementwise_args(c: Choices, op: Op, nodes: list[Any]) -> list[Any]:
    """Arguments for an elementwise op: each input a node (reused nodes are likely) or a
    constant (a number; on Tensors also an array), on either side; each parameter its default
    or a number from its domain."""
    args: list[Any] = []
    for i in range(len(op.params)):
        if i >= op.ninputs:
            default = op.defaults[i]
            args.append(default if default is not MISSING and c.coin() else c.number(op.domain[i]))
        elif i == 0 or c.pick([True, True, False]):
            args.append(c.pick(nodes))
        elif isinstance(nodes[0], Tensor) and c.coin():
            args.append(np.full(np.shape(nodes[0].data), c.number(op.domain[i]),
                                dtype=nodes[0].data.dtype))
        else:
            args.append(c.number(op.domain[i]))
    if op.ninputs >= 2 and not isinstance(args[1], Node) and c.coin():
        args[0], args[1] = args[1], args[0]  # the constant on the left
    return args


def chain(c: Choices, nodes: list[Any]) -> None:
    """Append a few random elementwise ops to nodes."""
    for _ in range(int(c.rng.integers(4))):
        op = REGISTRY[c.pick(ELEMENTWISE)]
        nodes.append(op(*elementwise_args(c, op, nodes)))


def differentiated(root: Any, inputs: list[Any], order: int) -> Any:
    """root, its gradients, and (order 2) the gradients of a weighted sum of those."""
    total = root.sum() if isinstance(root, Tensor) else root
    first = grad(total, inputs, create_graph=True)
    if order == 1:
        return root, list(first)
    weighted = sum((g * (k + 1.5)).sum() if isinstance(g, Tensor) else g * (k + 1.5)
                   for k, g in enumerate(first))
    return root, list(first), list(grad(weighted, inputs, create_graph=True))


def around(seed: int, order: int, middle: Callable[[Choices, list[Any]], list[Any]]
           ) -> Callable[..., Any]:
    """A program: a few random ops on the inputs, then `middle` (the op under test), then a few
    more, then the gradients of the result (to second order if asked)."""
    def program(*xs: Any) -> Any:
        c = Choices(seed)
        nodes = list(xs)
        chain(c, nodes)
        nodes = middle(c, nodes)
        chain(c, nodes)
        return differentiated(nodes[-1], list(xs), order)
    return program


def applied(op: Op) -> Callable[[Choices, list[Any]], list[Any]]:
    """`middle` for an elementwise op: applied to some of the nodes so far."""
    return lambda c, nodes: nodes + [op(*elementwise_args(c, op, nodes))]


def check(program: Callable[..., Any], draw_inputs: Callable[[], list[Any]]) -> None:
    """The compiled program equals the interpreted one on two sets of inputs, traced once."""
    compiled = autodiff.compile(program)
    for _ in range(2):
        xs = draw_inputs()
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # the generated code is as quiet as the ops
            got = compiled(*xs)
        with np.errstate(all="ignore"):
            assert same(got, interpreted(program, *xs))
    assert compiled.traces == 1


# --- Value ------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=25)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1), count=st.integers(1, 3),
       order=st.integers(1, 2))
def test_value_programs_compile_exactly(name: str, data: st.DataObject, seed: int, count: int,
                                        order: int) -> None:
    program = around(seed, order, applied(REGISTRY[name]))
    check(program, lambda: [data.draw(reals) for _ in range(count)])


# --- Tensor -----------------------------------------------------------------------------------


def _matrix(x: Any) -> Any:
    return x.reshape(1, -1) if x.ndim < 2 else x.reshape(-1, x.shape[-1])


def _vector(x: Any) -> Any:
    return x.reshape(-1)


def _alternate(shape: tuple[int, ...]) -> np.ndarray:
    """A constant mask: every other element true."""
    return np.arange(int(np.prod(shape))).reshape(shape) % 2 == 0


def _matmul(c: Choices, x: Any) -> Any:
    m = _matrix(x)
    return c.pick([lambda: m @ m.mT, lambda: np.ones((3, m.shape[0])) @ m,
                   lambda: _vector(x) @ _vector(x), lambda: m.mT @ np.arange(m.shape[0]) * 1.0])()


ARRAY_OPS: dict[str, Callable[[Choices, Any], Any]] = {
    "expand": lambda c, x: autodiff.expand(x, (2, *x.shape)),
    "sum_to": lambda c, x: autodiff.sum_to(_matrix(x), c.pick([(1, _matrix(x).shape[1]),
                                                               (_matrix(x).shape[1],)])),
    "reshape": lambda c, x: autodiff.reshape(x, c.pick([(-1,), tuple(reversed(x.shape))])),
    "transpose": lambda c, x: autodiff.transpose(x, c.pick([None, tuple(reversed(range(x.ndim)))])),
    "getitem": lambda c, x: autodiff.getitem(_vector(x), c.pick(
        [slice(None, None, -1), 0, np.array([0, 0, -1]), (None, slice(1, None))])),
    "embed": lambda c, x: autodiff.embed(_vector(x), (x.size + 2,),
                                         c.pick([slice(1, -1), np.arange(x.size) % 2])),
    "concatenate": lambda c, x: autodiff.concatenate([_vector(x), _vector(x) * 2.0, _vector(x)]),
    "mT": lambda c, x: autodiff.mT(_matrix(x)),
    "matmul": _matmul,
    "linear": lambda c, x: autodiff.linear(_matrix(x), _matrix(x).mT,
                                           c.pick([_matrix(x).sum(axis=1), 0.5])),
    "where": lambda c, x: autodiff.where(c.pick([x.step(), _alternate(x.shape)]), x,
                                         c.pick([x * 2.0, -1.5])),
    "clip": lambda c, x: autodiff.clip(x, c.pick([-0.5, None]), 0.7),
    "softmax": lambda c, x: autodiff.softmax(_matrix(x), c.pick([0, -1])),
    "log_softmax": lambda c, x: autodiff.log_softmax(_matrix(x), c.pick([0, -1])),
    "binary_cross_entropy_with_logits": lambda c, x: REGISTRY["binary_cross_entropy_with_logits"](
        x, c.pick([x.sigmoid(), np.full(x.shape, 0.25)])),
    "cast": lambda c, x: autodiff.cast(x, c.pick([np.float32, np.float64])),
}
for _name in ("sum", "mean", "max", "min", "logsumexp"):
    ARRAY_OPS[_name] = (lambda name: lambda c, x: REGISTRY[name](
        x, c.pick([None, 0, -1] if x.ndim else [None]), c.coin()))(_name)


def test_every_array_op_has_a_program() -> None:
    assert set(ARRAY_OPS) >= {name for name, op in REGISTRY.items() if not op.elementwise}


@pytest.mark.parametrize("name", sorted(REGISTRY))
@settings(max_examples=20)
@given(data=st.data(), seed=st.integers(0, 2**32 - 1),
       shapes=broadcastable_shapes(2, max_dims=2, max_side=3), order=st.integers(1, 2),
       dtype=st.sampled_from([np.float64, np.float32]))
def test_tensor_programs_compile_exactly(name: str, data: st.DataObject, seed: int,
                                         shapes: tuple[tuple[int, ...], ...], order: int,
                                         dtype: Any) -> None:
    op = REGISTRY[name]
    program = around(seed, order, applied(op) if op.elementwise else
                     lambda c, nodes: [ARRAY_OPS[name](c, c.pick(nodes))])

    def inputs() -> list[Any]:
        return [np.asarray(data.draw(st.lists(reals, min_size=int(np.prod(s)),
                                              max_size=int(np.prod(s)))), dtype=dtype).reshape(s)
                for s in shapes]

    check(program, inputs)
