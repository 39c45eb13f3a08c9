"""Every registered op on Tensors: first and second derivatives against central differences.

Parametrized over the registry at collection time: elementwise ops (built in or registered by a
user) on mutually broadcastable shapes drawn from each input's declared domain; array-only ops
(reductions, shapes, matmul, ...) on the inputs listed in `ARRAY_CASES`, which must name every
array-only op the package registers. Value and Tensor agree elementwise on every elementwise op
and on random expression graphs.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import REGISTRY, Tensor, Value, grad, linalg, reductions, selection, shapes
from autodiff.engine import Node, arguments, topological_order
from autodiff.testing import arrays_in, check_grads, graphs, op_arrays

ELEMENTWISE = sorted(name for name, op in REGISTRY.items() if op.elementwise)
ARRAY_ONLY = sorted(name for name, op in REGISTRY.items() if not op.elementwise)
PACKAGE_ARRAY_OPS = sorted(name for module in (shapes, reductions, linalg, selection)
                           for name, op in vars(module).items()
                           if op is REGISTRY.get(name) and not op.elementwise)


def _split(op_name: str, inputs: tuple[Any, ...]) -> tuple[list[np.ndarray], Callable[..., Any]]:
    """The differentiable inputs of an elementwise op, and f(*tensors) applying the op with
    its arguments without a derivative held constant."""
    op = REGISTRY[op_name]
    arrays = [x for x, d in zip(inputs, op.derivatives) if d is not None]

    def f(*tensors: Any) -> Any:
        it = iter(tensors)
        return op(*(next(it) if d is not None else x for x, d in zip(inputs, op.derivatives)))

    return arrays, f


# --- elementwise ops, with broadcasting ----------------------------------------------------------


@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=12)
@given(data=st.data())
def test_elementwise_op_derivatives_with_broadcasting(name: str, data: st.DataObject) -> None:
    arrays, f = _split(name, data.draw(op_arrays(name, margin=0.05), label="inputs"))
    check_grads(f, *arrays, order=2)


@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=15)
@given(data=st.data())
def test_value_and_tensor_agree_elementwise(name: str, data: st.DataObject) -> None:
    op = REGISTRY[name]
    n = data.draw(st.integers(1, 4), label="n")
    inputs = [data.draw(st.floats(0.1, 2.0), label="parameter") if f is None
              else data.draw(arrays_in(d, (n,), bound=3.0, margin=0.05), label="array")
              for d, f in zip(op.domain, op.derivatives)]
    tensors = [x if d is None else Tensor(x, requires_grad=True)
               for x, d in zip(inputs, op.derivatives)]
    out = op(*tensors)
    out.sum().backward()
    for i in range(n):
        values = [x if d is None else Value(x[i]) for x, d in zip(inputs, op.derivatives)]
        expected = op(*values)
        expected.backward()
        assert out.data[i] == pytest.approx(expected.data, rel=1e-12, abs=1e-12)
        for t, v, d in zip(tensors, values, op.derivatives):
            if d is not None:
                assert t.grad[i] == pytest.approx(v.grad, rel=1e-9, abs=1e-12)


def _replay(root: Value, leaves: dict[Node, Any]) -> Any:
    """The graph under `root` recomputed with its leaves replaced (constants kept as they are)."""
    made: dict[Node, Any] = dict(leaves)
    for node in topological_order(root):
        if node not in made:
            args = [made[x] if isinstance(x, Node) else x for x in arguments(node)]
            made[node] = node._op(*args)
    return made[root]


@settings(max_examples=25)
@given(graph=graphs(), points=st.lists(st.floats(-2.0, 2.0), min_size=1, max_size=4))
def test_value_and_tensor_graphs_give_the_same_values_and_gradients(graph: Any,
                                                                    points: list) -> None:
    leaves, root = graph
    shift = np.asarray(points)
    tensors = {leaf: Tensor(leaf.data + shift, requires_grad=True) for leaf in leaves}
    out = _replay(root, tensors)
    out.sum().backward()
    for i, s in enumerate(shift):
        values = {leaf: Value(leaf.data + s) for leaf in leaves}
        expected = _replay(root, values)
        expected.backward()
        assert out.data[i] == pytest.approx(expected.data, rel=1e-9, abs=1e-12)
        for leaf in leaves:
            got = tensors[leaf].grad  # None: the leaf is not in the graph
            got = 0.0 if got is None else got[i]
            assert got == pytest.approx(values[leaf].grad, rel=1e-9, abs=1e-9)


# --- array-only ops -------------------------------------------------------------------------------

S, R, L, SEL = shapes, reductions, linalg, selection
MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, True, False]])
ARRAY_CASES: dict[str, list[tuple[Callable[..., Any], list[tuple[int, ...]]]]] = {
    "expand": [(lambda x: S.expand(x, (2, 3, 4)), [(3, 1)]), (lambda x: S.expand(x, (2, 2)), [()])],
    "sum_to": [(lambda x: S.sum_to(x, (3, 1)), [(2, 3, 4)]), (lambda x: S.sum_to(x, ()), [(2, 3)])],
    "reshape": [(lambda x: S.reshape(x, (3, -1)), [(2, 3, 2)])],
    "transpose": [(lambda x: S.transpose(x, (2, 0, 1)), [(2, 3, 4)]),
                  (lambda x: S.transpose(x, (-1, 0, 1)), [(2, 3, 4)]),
                  (lambda x: S.transpose(x, None), [(2, 3)])],
    "getitem": [(lambda x: S.getitem(x, (slice(1, None), None, Ellipsis, slice(None, None, -2))),
                 [(3, 4)]),
                (lambda x: S.getitem(x, np.array([0, 2, 0, 0])), [(3, 2)]),
                (lambda x: S.getitem(x, (np.array([1, 1]), np.array([0, 0]))), [(2, 3)]),
                (lambda x: S.getitem(x, MASK), [(3, 4)]),
                (lambda x: S.getitem(x, (1, 2)), [(3, 4)])],
    "embed": [(lambda x: S.embed(x, (4, 3), (np.array([0, 3, 0]), slice(None))), [(3, 3)]),
              (lambda x: S.embed(x, (2, 5), (slice(None), slice(1, 3))), [(2, 2)])],
    "concatenate": [(lambda a, b: S.concatenate([a, b], axis=1), [(2, 3), (2, 1)]),
                    (lambda a, b, c: S.joined(a, b, c), [(1, 2), (3, 2), (2, 2)]),
                    (lambda a, b: S.stack([a, b], axis=-1), [(2, 3), (2, 3)])],
    "sum": [(lambda x: R.sum(x), [(2, 3)]),
            (lambda x: R.sum(x, 1, keepdims=True), [(2, 3)]),
            (lambda x: R.sum(x, axis=(0, 2)), [(2, 3, 2)])],
    "mean": [(lambda x: R.mean(x), [(2, 3)]),
             (lambda x: R.mean(x, (0, 2), keepdims=True), [(2, 3, 2)])],
    "max": [(lambda x: R.max(x), [(2, 3)]),
            (lambda x: R.max(x, -1, True), [(2, 3)]),
            (lambda x: R.max(x, (0, 2)), [(2, 3, 2)])],
    "min": [(lambda x: R.min(x, 0), [(3, 2)]),
            (lambda x: R.min(x, None, True), [(2, 2)])],
    "logsumexp": [(lambda x: R.logsumexp(x), [(2, 3)]),
                  (lambda x: R.logsumexp(x, 0, keepdims=True), [(3, 2)])],
    "softmax": [(lambda x: R.softmax(x, -1), [(2, 3)]), (lambda x: R.softmax(x, 0), [(3, 2)])],
    "log_softmax": [(lambda x: R.log_softmax(x, -1), [(2, 3)]),
                    (lambda x: R.log_softmax(x, 0), [(4,)])],
    "matmul": [(lambda a, b: a @ b, [(2, 3), (3, 4)]), (lambda a, b: a @ b, [(3,), (3, 2)]),
               (lambda a, b: a @ b, [(2, 3), (3,)]), (lambda a, b: a @ b, [(3,), (3,)]),
               (lambda a, b: a @ b, [(2, 1, 2, 3), (3, 3, 2)]),
               (lambda a, b: L.matmul(a, b), [(4, 2, 3), (3, 2)])],
    "mT": [(lambda x: L.mT(x), [(2, 3, 4)])],
    "linear": [(lambda x, w, b: L.linear(x, w, b), [(4, 3), (3, 2), (2,)]),
               (lambda x, w, b: L.linear(x, w, b), [(3,), (3, 2), (2,)]),
               (lambda x, w, b: L.linear(x, w, b), [(2, 4, 3), (3, 2), (1, 2)])],
    "clip": [(lambda x: SEL.clip(x, -0.5, 0.5), [(3, 4)]),
             (lambda x: SEL.clip(x, None, 0.2), [(5,)])],
}


def _arrays(shapes_: list[tuple[int, ...]], seed: int) -> list[np.ndarray]:
    rng = np.random.default_rng(seed)
    return [rng.uniform(-2.0, 2.0, shape) for shape in shapes_]


def test_every_array_only_op_of_the_package_has_test_inputs() -> None:
    assert PACKAGE_ARRAY_OPS, "no array-only ops found"
    assert set(PACKAGE_ARRAY_OPS) <= set(ARRAY_CASES), set(PACKAGE_ARRAY_OPS) - set(ARRAY_CASES)


@pytest.mark.parametrize("name", ARRAY_ONLY)
def test_array_only_op_derivatives(name: str) -> None:
    if name not in ARRAY_CASES:
        pytest.skip(f"{name}: an array-only op registered outside the package has no inputs here")
    for seed, (f, input_shapes) in enumerate(ARRAY_CASES[name]):
        check_grads(f, *_arrays(input_shapes, seed), order=2)


def _float32_run(f: Callable[..., Any], arrays: list[np.ndarray]) -> None:
    tensors = [Tensor(a.astype(np.float32), requires_grad=True) for a in arrays]
    out = f(*tensors)
    assert out.dtype == np.float32
    seed = np.ones(out.shape, dtype=np.float32)
    first = grad(out, tensors, grad_output=seed, create_graph=True)
    assert all(g.dtype == np.float32 for g in first)
    total = first[0].sum() if first[0].requires_grad else first[0]
    for g in first[1:]:
        total = total + g.sum()
    if isinstance(total, Tensor) and total.requires_grad:
        assert all(g.dtype == np.float32 for g in grad(total, tensors))


@pytest.mark.parametrize("name", sorted(set(ARRAY_ONLY) & set(ARRAY_CASES)))
def test_array_only_ops_keep_float32(name: str) -> None:
    for seed, (f, input_shapes) in enumerate(ARRAY_CASES[name]):
        _float32_run(f, _arrays(input_shapes, seed))


@pytest.mark.parametrize("name", ELEMENTWISE)
@settings(max_examples=5)
@given(data=st.data())
def test_elementwise_ops_keep_float32(name: str, data: st.DataObject) -> None:
    inputs = data.draw(op_arrays(name, dtype=np.float32, margin=0.05), label="inputs")
    arrays, f = _split(name, inputs)
    _float32_run(f, [a.astype(np.float64) for a in arrays])
