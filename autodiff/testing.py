"""Hypothesis strategies and assertions for property tests of ops and gradients.

Needs hypothesis (the `test` extra); `import autodiff` never imports this module. Testing a newly
registered op takes three lines:

    @given(autodiff.testing.op_inputs(mish))
    def test_mish(xs):
        autodiff.testing.check_op(mish, *xs)
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Callable, Optional

import numpy as np
from hypothesis import settings
from hypothesis import strategies as st

from . import pytree
from .node import Node
from .gradcheck import gradcheck, gradgradcheck
from .ops import MISSING, REALS, REGISTRY, Domain, Op, lookup
from .value import Value

PROFILE = "autodiff"
PARAMETER = Domain(low=0.0)  # where an input without a derivative and without a domain is drawn
_GRAPH_OPS = ("add", "sub", "mul", "tanh", "sigmoid", "sin")


def load_profile(max_examples: int = 50) -> None:
    """Register and load the deterministic hypothesis profile 'autodiff' (no deadline)."""
    settings.register_profile(PROFILE, derandomize=True, database=None, deadline=None,
                              max_examples=max_examples, print_blob=True)
    settings.load_profile(PROFILE)


def floats_in(domain: Optional[Domain], bound: float = 5.0,
              margin: float = 1e-2) -> st.SearchStrategy[float]:
    """Floats in domain and [-bound, bound], at least `margin` from the domain's ends and kinks.

    A None domain (a parameter without a derivative) draws from `PARAMETER`, positive numbers.
    """
    domain = PARAMETER if domain is None else domain
    low = max(domain.low + margin, -bound)
    high = min(domain.high - margin, bound)
    pieces = []
    for kink in sorted(domain.kinks):
        if low <= kink + margin and kink - margin <= high:
            pieces.append((low, kink - margin))
            low = kink + margin
    pieces.append((low, high))
    pieces = [(a, b) for a, b in pieces if a <= b]
    if not pieces:
        raise ValueError(f"{domain} has no point within [-{bound}, {bound}] at least {margin} "
                         f"from its ends and kinks; pass a larger bound")
    return st.one_of(*(st.floats(a, b) for a, b in pieces))


def values_in(domain: Optional[Domain], bound: float = 5.0,
              margin: float = 1e-2) -> st.SearchStrategy[Value]:
    """`Value`s whose data is drawn by `floats_in(domain, bound, margin)`."""
    return floats_in(domain, bound, margin).map(Value)


def op_inputs(op: Op | str, bound: float = 5.0,
              margin: float = 1e-2) -> st.SearchStrategy[tuple[Any, ...]]:
    """A tuple of floats, one per argument of `op`: each drawn from the argument's declared
    domain; a parameter declared without one takes its default."""
    record = _op(op)
    return st.tuples(*(_argument(record, i, lambda d: floats_in(d, bound, margin))
                       for i in range(len(record.params))))


def _argument(record: Op, i: int, draw_from: Callable[[Optional[Domain]], Any]) -> Any:
    """The strategy for argument i of an op: its domain's, or its default as a constant."""
    domain = record.domain[i]
    if domain is not None or record.derivatives[i] is not None:
        return draw_from(domain)
    if i < record.ninputs:  # an input without a derivative: drawn like a parameter
        return draw_from(None)
    default = record.defaults[i]
    if default is MISSING:
        raise ValueError(f"{record.name}: parameter {record.params[i]!r} has neither a default "
                         f"nor a domain to draw it from; declare one at registration")
    return st.just(default)


@st.composite
def graphs(draw: Callable[..., Any], max_leaves: int = 3,
           max_ops: int = 12) -> tuple[list[Value], Value]:
    """Random `Value` expression graphs, shared subexpressions included: (leaves, root)."""
    count = draw(st.integers(1, max_leaves))
    leaves = [Value(draw(floats_in(REALS, bound=2.0)), label=f"x{i}") for i in range(count)]
    nodes = list(leaves)
    for _ in range(draw(st.integers(1, max_ops))):
        op = REGISTRY[draw(st.sampled_from(_GRAPH_OPS))]
        nodes.append(op(*(draw(st.sampled_from(nodes)) for _ in op.params)))
    return leaves, nodes[-1]


def check_grads(f: Callable[..., Any], *inputs: Any, order: int = 2, eps: float = 1e-6,
                atol: float = 1e-5, rtol: float = 1e-3) -> None:
    """Assert f's derivatives up to `order` (1 or 2) match central differences at `inputs`.

    Floats become `Value`s and float64 arrays become `Tensor`s; raises `GradcheckError`.
    """
    if order not in (1, 2):
        raise ValueError(f"check_grads: order must be 1 or 2, got {order!r}")
    nodes = [_node(x) for x in inputs]
    gradcheck(f, *nodes, eps=eps, atol=atol, rtol=rtol)
    if order == 2:
        gradgradcheck(f, *nodes, eps=eps, atol=atol, rtol=rtol)


def check_op(op: Op | str, *xs: float, order: int = 2) -> None:
    """Assert op's float and array forwards agree at xs and its derivatives up to `order` match
    central differences (arguments without a derivative are passed as constants)."""
    record = _op(op)
    if record.variadic or len(xs) != len(record.params):
        raise TypeError(f"check_op: {record.name}{record.__signature__} takes "
                        f"{len(record.params)} arguments, got {len(xs)}")
    call = f"{record.name}({', '.join(map(repr, xs))})"
    on_floats = record(*xs)
    on_arrays = float(record.array(*(np.float64(x) for x in xs)))
    if not math.isclose(on_floats, on_arrays, rel_tol=1e-9, abs_tol=1e-12):
        raise AssertionError(f"{call}: the float forward gives {on_floats!r}, "
                             f"the array forward {on_arrays!r}")
    differentiable = [d is not None for d in record.derivatives]
    nodes = [Value(x, label=call) for i, x in enumerate(xs) if differentiable[i]]

    def f(*values: Value) -> Value:
        it = iter(values)
        return record(*(next(it) if differentiable[i] else x for i, x in enumerate(xs)))

    check_grads(f, *nodes, order=order)


def _op(op: Op | str) -> Op:
    return op if isinstance(op, Op) else lookup(op)


def _node(x: Any) -> Node:
    """x as a graph node: floats become Values, arrays Tensors (tensor.py loaded on demand)."""
    if isinstance(x, Node):
        return x
    if isinstance(x, np.ndarray):
        from .tensor import Tensor  # only array inputs need it
        return Tensor(x, requires_grad=True)
    return Value(x)


# --- random functions of trees, for the function transforms ------------------------------


_CHAIN_OPS = ("sin", "cos", "tanh", "sigmoid", "softplus", "silu")
_KEYS = ("a", "b", "c")
# Points and scales on a grid: hypothesis' simplest floats (0.0, 1e-300) would make most
# derivatives vanish.
_POINTS = st.integers(-200, 200).map(lambda k: k / 100)
_SCALES = st.sampled_from((-1.5, -1.0, -0.6, 0.3, 0.7, 1.0, 1.4))


def _point_arrays(shape: tuple[int, ...]) -> st.SearchStrategy[np.ndarray]:
    return st.lists(_POINTS, min_size=math.prod(shape), max_size=math.prod(shape)).map(
        lambda xs: np.array(xs, dtype=np.float64).reshape(shape))


@dataclass(frozen=True)
class Program:
    """A random smooth function of a tree of floats and float64 arrays, with a point to take
    it at (`inputs`). `program(tree)` maps a tree of that structure to a tree of outputs (one
    scalar if `scalar`); it runs on raw numbers, on nodes, and, given another library's op
    table `ops` (the names in `OPS`), on that library's arrays."""

    inputs: Any
    chains: tuple[tuple[str, float, float], ...]  # per input leaf: y = op(scale x + shift)
    terms: tuple[tuple[str, int, Any], ...]  # (kind, input leaf, argument): one output each
    layout: str  # how the outputs are arranged: "single", "tuple", "list" or "dict"
    scalar: bool

    def __call__(self, tree: Any, ops: Optional[dict[str, Callable[..., Any]]] = None) -> Any:
        ops = OPS if ops is None else ops
        leaves = pytree.flatten(tree)[0]
        ys = [ops[op](x * scale + shift) for x, (op, scale, shift) in zip(leaves, self.chains)]
        outs = []
        for kind, i, arg in self.terms:
            y = ys[i]
            if kind == "sum":
                y = ops["sum"](y, arg)
            elif kind == "matmul":
                y = ops["matmul"](arg, y)
            elif kind == "product":
                y = y * ys[arg]
            outs.append(y)
        if self.scalar:
            total = None
            for (kind, i, arg), out in zip(self.terms, outs):
                out = ops["sum"](out, None) if np.ndim(self._leaf(i)) else out
                total = out if total is None else total + out
            return total
        if self.layout == "single":
            return outs[0]
        if self.layout == "dict":
            return {f"out{k}": out for k, out in enumerate(outs)}
        return tuple(outs) if self.layout == "tuple" else outs

    def _leaf(self, i: int) -> Any:
        return pytree.flatten(self.inputs)[0][i]


OPS: dict[str, Callable[..., Any]] = {
    **{name: REGISTRY[name] for name in _CHAIN_OPS},
    "sum": lambda x, axis: REGISTRY["sum"](x, axis),
    "matmul": lambda a, b: REGISTRY["matmul"](a, b),
}


@st.composite
def programs(draw: Callable[..., Any], max_leaves: int = 3, scalar: bool = False) -> Program:
    """Random `Program`s: 1 to max_leaves inputs (floats, arrays of up to 2 axes) in a tuple,
    list, dict or a dict holding a tuple, each passed through a smooth op, then combined into
    outputs (the op's result, a sum over an axis or all, a product with another input of the
    same shape, a matrix product) laid out as one output, a tuple, a list or a dict."""
    count = draw(st.integers(1, max_leaves))
    shapes = [draw(st.none() | st.lists(st.integers(1, 3), max_size=2).map(tuple))
              for _ in range(count)]
    leaves = [draw(_POINTS) if shape is None else draw(_point_arrays(shape)) for shape in shapes]
    layout = draw(st.sampled_from(("tuple", "list", "dict", "nested")))
    inputs = (tuple(leaves) if layout == "tuple" else list(leaves) if layout == "list"
              else dict(zip(_KEYS, leaves)) if layout == "dict"
              else {"first": leaves[0], "rest": tuple(leaves[1:])})
    chains = tuple((draw(st.sampled_from(_CHAIN_OPS)), draw(_SCALES), draw(_POINTS) / 2)
                   for _ in range(count))
    arrays = [i for i, shape in enumerate(shapes) if shape is not None]
    used = arrays if scalar and arrays else range(count)  # a scalar never mixes the two kinds
    terms = []
    for i in draw(st.lists(st.sampled_from(list(used)), min_size=1, max_size=3)):
        shape = shapes[i]
        kinds = ["same", "product"]
        kinds += ["sum", "matmul"] if shape else []
        kind = draw(st.sampled_from(kinds))
        arg: Any = None
        if kind == "sum":
            arg = draw(st.sampled_from([None, *range(len(shape))]))
        elif kind == "matmul":
            rows = draw(st.integers(1, 3))
            arg = draw(_point_arrays((rows, shape[0])))
        elif kind == "product":
            arg = draw(st.sampled_from([j for j in range(count) if shapes[j] == shape]))
        terms.append((kind, i, arg))
    out_layout = "single" if scalar else draw(st.sampled_from(("single", "tuple", "list", "dict")))
    if out_layout == "single":
        terms = terms[:1]
    return Program(inputs, chains, tuple(terms), out_layout, scalar)


# --- Tensor strategies: arrays in a domain, mutually broadcastable shapes -------------------


def arrays_in(domain: Optional[Domain], shape: tuple[int, ...], dtype: Any = np.float64,
              bound: float = 5.0, margin: float = 1e-2) -> st.SearchStrategy[np.ndarray]:
    """Arrays of `shape` and `dtype` whose elements are drawn by `floats_in(domain, ...)`."""
    from hypothesis.extra import numpy as hnp  # hypothesis' numpy extra, needed only here

    kind = np.dtype(dtype).type
    elements = floats_in(domain, bound, margin).map(lambda x: float(kind(x)))  # representable
    return hnp.arrays(dtype, shape, elements=elements)


def broadcastable_shapes(count: int = 2, max_dims: int = 3,
                         max_side: int = 3) -> st.SearchStrategy[tuple[tuple[int, ...], ...]]:
    """Tuples of `count` shapes that broadcast together under numpy's rules (small sizes)."""
    from hypothesis.extra import numpy as hnp

    return hnp.mutually_broadcastable_shapes(num_shapes=count, max_dims=max_dims,
                                             max_side=max_side).map(lambda s: s.input_shapes)


@st.composite
def op_arrays(draw: Callable[..., Any], op: Op | str, dtype: Any = np.float64,
              max_dims: int = 2, max_side: int = 3, bound: float = 3.0,
              margin: float = 1e-2) -> tuple[Any, ...]:
    """One input per input of an elementwise op: arrays of mutually broadcastable shapes drawn
    from each input's domain; an argument without a derivative is drawn as a float (or takes
    its default)."""
    record = _op(op)
    shapes = draw(broadcastable_shapes(len(record.params), max_dims, max_side))
    return tuple(draw(arrays_in(record.domain[i], shape, dtype, bound, margin))
                 if record.derivatives[i] is not None
                 else draw(_argument(record, i, lambda d: floats_in(d, bound, margin)))
                 for i, shape in enumerate(shapes))
