"""The core's contracts: declared op signatures, one method surface, one error per mistake, and a
graph walk whose failures, threads and results never leak its bookkeeping."""
from __future__ import annotations

import inspect
import pydoc
import threading
from typing import Any, Callable

import numpy as np
import pytest

import autodiff
import nn
from autodiff import REGISTRY, Tensor, UnknownOpError, Value, grad
from autodiff.testing import check_op


# --- the op record declares its signature ----------------------------------------------------


@pytest.mark.parametrize("name, text", [
    ("leaky_relu", "(x, slope=0.01)"), ("elu", "(x, alpha=1.0)"), ("tanh", "(x)"),
    ("add", "(a, b)"), ("sum", "(x, axis=None, keepdims=False)"), ("clip", "(x, low, high)"),
    ("softmax", "(x, axis=-1)"), ("where", "(cond, a, b)"), ("concatenate", "(*xs, axis=0)"),
    ("linear", "(x, weight, bias)"), ("embed", "(x, shape, index)"),
])
def test_inspect_signature_shows_every_argument_and_default(name: str, text: str) -> None:
    assert str(inspect.signature(REGISTRY[name])) == text


@pytest.mark.parametrize("name, differentiable", [
    ("leaky_relu", ("x", "slope")), ("elu", ("x",)), ("sum", ("x",)), ("where", ("a", "b")),
    ("linear", ("x", "weight", "bias")), ("power", ("a", "b")), ("clip", ("x",)),
])
def test_the_record_says_which_arguments_carry_a_derivative(name: str,
                                                            differentiable: tuple) -> None:
    assert REGISTRY[name].differentiable == differentiable


def test_help_shows_the_signature_and_the_maths() -> None:
    text = pydoc.render_doc(autodiff.leaky_relu, renderer=pydoc.plaintext)
    assert "leaky_relu(x, slope=0.01)" in text and "slope x" in text


def test_a_declared_default_is_used_by_every_route() -> None:
    x = np.array([-2.0, 3.0])
    expected = np.where(x > 0, x, 0.01 * x)
    for route in (lambda: autodiff.leaky_relu(x), lambda: Tensor(x).leaky_relu().data,
                  lambda: Tensor(x).apply("leaky_relu").data,
                  lambda: nn.Layer(2, 2, activation="leaky_relu")._activate(Tensor(x)).data):
        np.testing.assert_array_equal(route(), expected)
    assert Value(-2.0).leaky_relu().data == autodiff.leaky_relu(-2.0) == -0.02


def test_arguments_are_bound_as_python_binds_them() -> None:
    t = Tensor(np.ones((2, 3)))
    assert autodiff.REGISTRY["sum"](t, keepdims=True, axis=1).shape == (2, 1)
    with pytest.raises(TypeError, match=r"tanh\(x\) takes 1 argument but 2 were given"):
        autodiff.tanh(Value(1.0), 2.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'axes'"):
        autodiff.REGISTRY["sum"](t, axes=1)
    with pytest.raises(TypeError, match="multiple values for argument 'slope'"):
        autodiff.leaky_relu(t, 0.1, slope=0.2)
    with pytest.raises(TypeError, match="missing required argument 'high'"):
        autodiff.clip(t, 0.0)


# --- one surface for Value and Tensor ----------------------------------------------------------


def _parameters(f: Callable[..., Any]) -> list[tuple[str, Any]]:
    """(name, default) of each parameter after the first (self, or the op's first input)."""
    return [(p.name, p.default) for p in list(inspect.signature(f).parameters.values())[1:]]


OPERATORS = {"add": "__add__", "sub": "__sub__", "mul": "__mul__", "div": "__truediv__",
             "power": "__pow__", "neg": "__neg__"}


# where(cond, a, b) is applied to its condition, which takes no gradient: a function only
@pytest.mark.parametrize("name", sorted(n for n, op in REGISTRY.items()
                                        if op.elementwise and not op.variadic
                                        and op.params[0] in op.differentiable))
def test_every_elementwise_op_is_a_method_of_value_and_tensor_with_its_signature(
        name: str) -> None:
    expected = _parameters(REGISTRY[name])
    for kind in (Value, Tensor):
        if name in OPERATORS:  # an operator: `a + b`, its second operand named `other`
            assert len(_parameters(getattr(kind, OPERATORS[name]))) == len(expected)
        else:
            assert _parameters(getattr(kind, name)) == expected, kind.__name__


def test_a_users_op_becomes_a_method_and_goes_again_when_unregistered() -> None:
    op = autodiff.register("twice_core", lambda x, k=2.0: k * x, lambda g, y, x, k: g * k,
                           signature="x, k=2.0")
    try:
        assert Value(1.5).twice_core().data == 3.0 and Value(1.5).twice_core(k=3.0).data == 4.5
        assert Tensor([1.0]).twice_core().data[0] == 2.0
        assert str(inspect.signature(Value(1.0).twice_core)) == "(k=2.0)"
    finally:
        autodiff.unregister("twice_core")
    assert not hasattr(Value(1.0), "twice_core") and not hasattr(Tensor(1.0), "twice_core")
    assert op(1.0) == 2.0  # the record itself still works


def test_nodes_have_no_getattr_fallback() -> None:
    # A __getattr__ on a node class turns off CPython's attribute specialisation, making every
    # slot read on the engine's hot loops several times slower.
    for kind in (Value, Tensor):
        assert not any("__getattr__" in vars(cls) for cls in kind.__mro__), kind.__name__


def test_an_activation_is_resolved_once_when_the_layer_is_built() -> None:
    autodiff.register("cube_core", lambda x: x * x * x, lambda g, y, x: 3 * g * x * x)
    try:
        layer = nn.Layer(2, 2, activation="cube_core", rng=0)
    finally:
        autodiff.unregister("cube_core")
    x = np.array([[0.5, -1.0]])
    np.testing.assert_allclose(layer(x).data, (x @ layer.weight.data) ** 3)  # op gone: still runs


# --- one error per mistake, from every route ---------------------------------------------------


def _message(route: Callable[[], Any], kind: type) -> str:
    with pytest.raises(kind) as error:
        route()
    return str(error.value)


def test_an_unknown_op_name_is_the_same_error_from_every_route() -> None:
    routes = [lambda: autodiff.lookup("tahn"), lambda: Value(1.0).apply("tahn"),
              lambda: Tensor([1.0]).apply("tahn"), lambda: nn.Layer(2, 2, activation="tahn"),
              lambda: check_op("tahn", 1.0), lambda: autodiff.unregister("tahn"),
              lambda: REGISTRY["tahn"]]
    messages = {_message(route, UnknownOpError) for route in routes}
    assert messages == {"no op named 'tahn' is registered; did you mean 'tanh'?"}
    assert issubclass(UnknownOpError, (ValueError, KeyError, AttributeError))


def test_mixing_value_and_tensor_is_the_same_error_from_every_route() -> None:
    v, t = Value(1.0), Tensor([1.0], requires_grad=True)
    routes = [lambda: v * t, lambda: t * v, lambda: autodiff.mul(v, t),
              lambda: autodiff.mul(t, v), lambda: v.leaky_relu(t), lambda: t.leaky_relu(v)]
    for route in routes:
        assert _message(route, TypeError).endswith(
            "cannot combine a Value with a Tensor; Value and Tensor do not mix (make both "
            "Tensors, or use t.item() for a number)")


@pytest.mark.parametrize("route", [
    lambda t: t.sum(axis=5), lambda t: t.mean(axis=5), lambda t: t.max(axis=(0, 5)),
    lambda t: t.logsumexp(axis=5), lambda t: t.softmax(axis=5), lambda t: t.std(axis=5),
    lambda t: autodiff.REGISTRY["sum"](t, 5), lambda t: autodiff.REGISTRY["min"](t.data, 5),
    lambda t: autodiff.log_softmax(t, 5), lambda t: t.squeeze(axis=5),
    lambda t: autodiff.concatenate([t, t], axis=5),
])
def test_a_bad_axis_is_a_value_error_naming_the_axis_and_the_dimensions(
        route: Callable[[Tensor], Any]) -> None:
    t = Tensor(np.ones((2, 3)), requires_grad=True)
    assert "axis 5 is out of range for a tensor of 2 dimensions" in _message(
        lambda: route(t), ValueError)


def test_a_non_integer_axis_is_a_type_error_naming_it() -> None:
    t = Tensor(np.ones((2, 3)))
    for route in (lambda: t.sum(axis=1.5), lambda: autodiff.REGISTRY["sum"](t, 1.5)):
        assert "axis must be an int, a tuple of ints or None, got 1.5" in _message(
            route, TypeError)


def test_a_node_given_as_a_parameter_is_the_same_error_from_every_route() -> None:
    t = Tensor(np.ones((2, 3)), requires_grad=True)
    for route in (lambda: autodiff.softmax(t, axis=Tensor(1.0)),
                  lambda: autodiff.REGISTRY["sum"](t, Tensor(1.0)),
                  lambda: Value(1.0).elu(Value(1.0)), lambda: autodiff.elu(1.0, Value(1.0))):
        assert "is a parameter, which carries no gradient; pass a number" in _message(
            route, TypeError)


# --- the walk: failures, threads, ownership -----------------------------------------------------


@pytest.fixture
def fragile() -> Any:
    """An op whose derivative raises whatever exception the test puts in `fragile.error`."""
    class State:
        error: BaseException = RuntimeError("formula failed")

    def derivative(g: Any, y: Any, x: Any) -> Any:
        raise State.error

    autodiff.register("fragile_core", lambda x: x + 0.0, derivative)
    yield State
    autodiff.unregister("fragile_core")


@pytest.mark.parametrize("error", [RuntimeError("formula failed"), KeyboardInterrupt()])
def test_a_failed_backward_leaves_every_grad_as_it_was_or_finished(fragile: Any,
                                                                   error: BaseException) -> None:
    fragile.error = error
    x, w = Value(0.5, label="x"), Value(2.0, label="w")
    h = (x * w).fragile_core()
    root = (h * w).tanh() + w
    with pytest.raises(type(error)):
        root.backward()
    assert (x.grad, w.grad) == (0.0, 0.0)  # leaves: no partial sums
    for node in autodiff.topological_order(root):
        assert isinstance(node.grad, float), repr(node)  # finished or untouched, never a marker
        repr(node)
    assert "digraph" in autodiff.to_dot(root)
    fragile.error = RuntimeError("formula failed")
    t = Tensor(np.ones(3), requires_grad=True)
    with pytest.raises(RuntimeError):
        (t * 2.0).fragile_core().sum().backward()
    assert t.grad is None


def test_concurrent_backward_passes_through_shared_nodes_give_the_sequential_sums() -> None:
    x, y = Value(0.3), Value(-0.7)
    shared = (x * y + x).tanh()
    roots = [shared * float(k) + shared * shared for k in range(1, 9)]
    passes = 25
    expected = [0.0, 0.0]
    for root in roots:
        gx, gy = grad(root, [x, y])
        expected[0] += passes * gx
        expected[1] += passes * gy
    start = threading.Barrier(len(roots))

    def run(root: Value) -> None:
        start.wait()
        for _ in range(passes):
            root.backward()

    threads = [threading.Thread(target=run, args=(root,)) for root in roots]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert x.grad == pytest.approx(expected[0], rel=1e-12)
    assert y.grad == pytest.approx(expected[1], rel=1e-12)


def test_a_backward_pass_inside_another_is_refused_clearly() -> None:
    outer = Value(1.0)

    def derivative(g: Any, y: Any, x: Any) -> Any:
        (outer * 2.0).backward()
        return g

    autodiff.register("nested_core", lambda x: x + 0.0, derivative)
    try:
        with pytest.raises(RuntimeError, match="during another backward pass"):
            Value(2.0).nested_core().backward()
    finally:
        autodiff.unregister("nested_core")
    (outer * 2.0).backward()  # the lock was released
    assert outer.grad == 2.0


def test_grad_returns_writable_arrays_the_caller_owns() -> None:
    x = Tensor(np.ones(3), requires_grad=True)
    (g,) = grad((x + 1.0).sum(), x)
    assert g.flags.writeable and g.base is None
    s = np.full(3, 2.0)
    (h,) = grad(x + 0.0, [x], grad_output=s)
    assert h is not s and not np.shares_memory(h, s)
    h[0] = 99.0
    assert s[0] == 2.0
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    ga, gb = grad(a + b, [a, b], grad_output=s[:2])
    assert not np.shares_memory(ga, gb)


def test_a_leaf_never_shares_its_gradient_with_the_seed_or_another_leaf() -> None:
    s = np.full(2, 3.0)
    leaf = Tensor([1.0, 2.0], requires_grad=True)
    leaf.backward(s)
    assert leaf.grad is not s and not np.shares_memory(leaf.grad, s)
    a, b = Tensor([1.0, 2.0], requires_grad=True), Tensor([3.0, 4.0], requires_grad=True)
    ((a + b) * 2.0).sum().backward()
    assert not np.shares_memory(a.grad, b.grad)
    a.grad[0] = -1.0
    assert b.grad[0] == 2.0
