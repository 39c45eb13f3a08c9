"""The engine: accumulation, repeated backward, grad(), higher derivatives, no_grad, detach,
deep graphs and topological order, as properties over random expression graphs."""
from __future__ import annotations

import math
import threading

import pytest
from hypothesis import given

import autodiff
from autodiff import Value, backward, enable_grad, grad, is_grad_enabled, no_grad, topological_order
from autodiff.ops import REALS
from autodiff.testing import floats_in, graphs

Graph = tuple[list[Value], Value]
reals = floats_in(REALS, bound=3.0)


def _reachable(root: Value) -> set[Value]:
    seen, stack = set(), [root]
    while stack:
        node = stack.pop()
        if node not in seen:
            seen.add(node)
            stack.extend(node.parents)
    return seen


# --- accumulation and repeated backward --------------------------------------------------------


@given(x=reals)
def test_a_node_used_twice_accumulates(x: float) -> None:
    a = Value(x)
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad, c.grad) == (4.0, 2.0, 1.0)


@given(graph=graphs())
def test_repeated_backward_adds_the_same_increments_to_leaves(graph: Graph) -> None:
    leaves, root = graph
    order = topological_order(root)
    root.backward()
    first = [node.grad for node in order]
    root.backward()
    # Leaves accumulate; an intermediate node holds its gradient from the latest call.
    assert [node.grad for node in order] == [g + g if node.op == "" else g
                                             for node, g in zip(order, first)]
    assert all(leaf.grad == 0.0 for leaf in leaves if leaf not in order)


@given(graph=graphs())
def test_a_seed_gradient_scales_every_gradient(graph: Graph) -> None:
    leaves, root = graph
    root.backward()
    once = [leaf.grad for leaf in leaves]
    for leaf in leaves:
        leaf.grad = 0.0
    backward(root, grad=2.0)
    assert [leaf.grad for leaf in leaves] == [2 * g for g in once]  # doubling is exact


def test_backward_from_a_leaf_seeds_it() -> None:
    a = Value(3.0)
    a.backward()
    a.backward(grad=0.5)
    assert a.grad == 1.5


# --- grad() -----------------------------------------------------------------------------------


@given(graph=graphs())
def test_grad_returns_a_tuple_and_leaves_grad_fields_untouched(graph: Graph) -> None:
    leaves, root = graph
    order = topological_order(root)
    root.backward()
    before = [node.grad for node in order + leaves]
    grads = grad(root, leaves)
    assert isinstance(grads, tuple) and len(grads) == len(leaves)
    assert [node.grad for node in order + leaves] == before
    # what one backward() accumulated, up to the order in which a leaf's terms were summed
    assert list(grads) == pytest.approx([leaf.grad for leaf in leaves], rel=1e-12, abs=1e-300)
    second = grad(root, leaves, create_graph=True)
    assert [node.grad for node in order + leaves] == before
    assert [g.data for g in second] == pytest.approx(list(grads), rel=1e-12, abs=1e-300)


@given(x=reals, y=reals)
def test_grad_of_an_input_outside_the_graph_is_zero(x: float, y: float) -> None:
    a, b = Value(x), Value(y)
    assert grad(a * 2.0, (a, b)) == (2.0, 0.0)
    (g,) = grad(a.tanh(), b, create_graph=True)
    assert isinstance(g, Value) and g.data == 0.0


def test_grad_refuses_non_nodes() -> None:
    with pytest.raises(TypeError, match="got float"):
        grad(Value(1.0) * 2, [1.0])


DERIVATIVES = {  # f, f', f'', f'''
    "sin": (lambda v: v.sin(), math.cos, lambda x: -math.sin(x), lambda x: -math.cos(x)),
    "exp": (lambda v: v.exp(), math.exp, math.exp, math.exp),
    "cube": (lambda v: v**3, lambda x: 3 * x * x, lambda x: 6 * x, lambda x: 6.0),
    "sigmoid": (lambda v: v.sigmoid(), lambda x: _s(x) * (1 - _s(x)),
                lambda x: _s(x) * (1 - _s(x)) * (1 - 2 * _s(x)),
                lambda x: _s(x) * (1 - _s(x)) * (1 - 6 * _s(x) + 6 * _s(x) ** 2)),
    "tanh": (lambda v: v.tanh(), lambda x: 1 - math.tanh(x) ** 2,
             lambda x: -2 * math.tanh(x) * (1 - math.tanh(x) ** 2),
             lambda x: (1 - math.tanh(x) ** 2) * (6 * math.tanh(x) ** 2 - 2)),
}


def _s(x: float) -> float:
    return 1 / (1 + math.exp(-x))


@pytest.mark.parametrize("name", sorted(DERIVATIVES))
@given(x=reals)
def test_create_graph_gives_second_and_third_derivatives(name: str, x: float) -> None:
    f, d1, d2, d3 = DERIVATIVES[name]
    v = Value(x)
    (g1,) = grad(f(v), v, create_graph=True)
    (g2,) = grad(g1, v, create_graph=True)
    (g3,) = grad(g2, v)
    for got, want in [(g1.data, d1(x)), (g2.data, d2(x)), (g3, d3(x))]:
        assert math.isclose(got, want, rel_tol=1e-9, abs_tol=1e-12)
    assert v.grad == 0.0


# --- no_grad and detach -----------------------------------------------------------------------


@given(x=reals, y=reals)
def test_no_grad_records_nothing(x: float, y: float) -> None:
    a, b = Value(x), Value(y)
    with no_grad():
        assert not is_grad_enabled()
        c = (a * b).tanh() + a
        with enable_grad():
            d = a * b
        assert not is_grad_enabled()
    assert is_grad_enabled()
    assert (c.op, c.parents) == ("", ()) and c.data == math.tanh(x * y) + x
    assert d.parents == (a, b)
    c.backward()
    assert (a.grad, b.grad) == (0.0, 0.0)


def test_no_grad_is_thread_local() -> None:
    recorded = []

    def other_thread() -> None:
        a = Value(2.0)
        recorded.append((is_grad_enabled(), (a * 3.0).parents == (a,)))

    with no_grad():
        thread = threading.Thread(target=other_thread)
        thread.start()
        thread.join()
        assert Value(2.0).exp().parents == ()
    assert recorded == [(True, True)]


def test_no_grad_and_enable_grad_are_decorators_with_or_without_parentheses() -> None:
    @no_grad
    def bare(v: Value) -> Value:
        assert not is_grad_enabled()
        return v * v

    @no_grad()
    def called(v: Value) -> Value:
        return v * v

    @enable_grad
    def recorded(v: Value) -> Value:
        return v * v

    a = Value(3.0)
    assert bare(a).parents == () and called(a).parents == ()
    with no_grad():
        assert recorded(a).parents == (a, a)
        assert not is_grad_enabled()
    assert is_grad_enabled() and bare.__name__ == "bare"


@given(x=reals)
def test_detach_cuts_the_history(x: float) -> None:
    a = Value(x)
    y = (a * a).detach() * a  # d/da treats a^2 as a constant: a^2, not 3 a^2
    y.backward()
    assert a.grad == x * x


# --- graph walk -------------------------------------------------------------------------------


@given(graph=graphs())
def test_topological_order_puts_inputs_before_users_and_root_last(graph: Graph) -> None:
    _, root = graph
    order = topological_order(root)
    position = {node: i for i, node in enumerate(order)}
    assert len(position) == len(order) and set(order) == _reachable(root)
    assert order[-1] is root
    assert all(position[p] < position[node] for node in order for p in node.parents)
    assert topological_order(root) == order  # deterministic: parents are ordered tuples


def test_a_million_op_chain_backpropagates_without_recursion() -> None:
    a = Value(0.5)
    y = a
    for _ in range(500_000):
        y = y * 1.0 + 1.0
    y.backward()
    assert (y.data, a.grad) == (500_000.5, 1.0)


# --- inputs and outputs that cannot work are errors, not zeros ---------------------------------


def test_grad_of_an_input_that_does_not_require_grad_is_an_error() -> None:
    from autodiff import Tensor
    c = Tensor([5.0, 5.0])
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="input 0 does not require grad"):
        autodiff.grad((x * c).sum(), [c])


@pytest.mark.parametrize("output", [3.0, "loss", None])
def test_grad_and_backward_of_a_non_node_name_its_type(output: object) -> None:
    name = type(output).__name__
    with pytest.raises(TypeError, match=name):
        autodiff.grad(output, Value(1.0))
    with pytest.raises(TypeError, match=name):
        autodiff.backward(output)
