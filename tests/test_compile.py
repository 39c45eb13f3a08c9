"""compile: what is traced and cached, the rule against branching on values (TraceError), the
generated source, outputs the caller owns, nodes from outside read at each call, and masks
(relu, abs, leaky_relu, elu, max, clip) recomputed when signs change between calls."""
from __future__ import annotations

import inspect
import math
import warnings
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autodiff
from autodiff import Tensor, TraceError, Value, grad
from autodiff.ops import REALS
from autodiff.testing import floats_in
from compiling import interpreted, same

reals = floats_in(REALS, bound=3.0)


def loss_and_grads(w: Any, b: Any, x: float, y: float) -> Any:
    loss = (y - (w * x + b).sigmoid()) ** 2
    return loss, grad(loss, [w, b], create_graph=True)


# --- what is traced, and when ----------------------------------------------------------------


@given(w=reals, b=reals, x=reals, y=reals)
def test_compiled_step_equals_the_interpreted_one_to_the_last_bit(w: float, b: float, x: float,
                                                                  y: float) -> None:
    step = autodiff.compile(loss_and_grads)
    assert same(step(w, b, x, y), interpreted(loss_and_grads, w, b, x, y))
    assert same(step(b, w, y, x), interpreted(loss_and_grads, b, w, y, x))
    assert step.traces == 1


def test_each_new_structure_traces_again_and_each_known_one_reuses_its_code() -> None:
    def total(xs: Any) -> Any:
        return sum(x * x for x in xs) if isinstance(xs, list) else (xs * xs).sum()

    f = autodiff.compile(total)
    calls = [[1.0, 2.0], [3.0, 4.0], [1.0, 2.0, 3.0], np.ones(3), np.ones(4), np.zeros(3),
             np.ones(3, dtype=np.float32), [5.0, 6.0]]
    traces = []
    for xs in calls:
        assert same(f(xs), interpreted(total, xs))
        traces.append(f.traces)
    assert traces == [1, 1, 2, 3, 4, 4, 5, 5]


def test_anything_else_is_part_of_the_structure_by_value() -> None:
    f = autodiff.compile(lambda x, n, name: x * n if name == "times" else x + n)
    assert (f(2.0, 3, "times"), f(5.0, 3, "times"), f(2.0, 4, "times"), f(2.0, 3, "plus")) == \
        (6.0, 15.0, 8.0, 5.0)
    assert f.traces == 3


def test_nested_structures_in_and_out_and_keywords() -> None:
    def f(params: dict, pairs: list, scale: float = 2.0) -> Any:
        out = [a * params["w"] + b for a, b in pairs]
        return {"out": out, "sum": (sum(out) * scale, params["b"].sum())}

    c = autodiff.compile(f)
    args = ({"w": 1.5, "b": np.arange(3.0)}, [(1.0, 2.0), (3.0, 4.0)])
    assert same(c(*args), interpreted(f, *args, 2.0))
    assert same(c(*args, scale=3.0), interpreted(f, *args, 3.0))
    assert c.traces == 1  # a float default is an input like any float
    assert c.source.startswith("def f(params, pairs, scale, _checked=False):")


def test_the_compiled_function_is_called_as_f_is() -> None:
    def f(a: Any, b: Any = 2.0, *rest: Any, scale: Any = 1.0, **named: Any) -> Any:
        return (a + b + sum(rest) + sum(named.values())) * scale

    c = autodiff.compile(f)
    assert inspect.signature(c) == inspect.signature(f) and c.__name__ == "f"
    for args, kwargs in [((1.0,), {}), ((1.0, 3.0, 4.0, 5.0), {"scale": 2.0}),
                         ((1.0,), {"b": 0.5, "z": 7.0}), ((1.0, 2.0), {"scale": 3.0, "y": 1.0})]:
        assert c(*args, **kwargs) == interpreted(lambda *a, **k: f(*a, **k), *args, **kwargs)
    with pytest.raises(TypeError, match="missing 1 required positional argument: 'a'"):
        c()


def test_a_function_of_no_arguments_is_a_constant() -> None:
    w = Value(3.0)
    f = autodiff.compile(lambda: w * w + 1.0)
    assert f() == 10.0
    w.data = 2.0
    assert f() == 5.0 and f.traces == 1


def test_calls_alternating_between_structures_use_both_traces() -> None:
    f = autodiff.compile(lambda x: (x * x).sum() if isinstance(x, Tensor) else x * x)
    swapped = np.arange(3.0).astype(">f8")  # equal values, another dtype: another structure
    for _ in range(3):
        assert f(3.0) == 9.0 and f(np.arange(3.0)) == 5.0 and f(swapped) == 5.0
    assert f.traces == 3


def test_dead_code_is_dropped_and_constants_are_literals() -> None:
    def f(x: Any) -> Any:
        unused = (x * 7.0).exp()  # noqa: F841 (never returned: never written)
        y = x * 2.5 + 1.0
        y.label = "scaled"
        return y.tanh()

    c = autodiff.compile(f)
    assert c(0.5) == math.tanh(0.5 * 2.5 + 1.0)
    lines = c.source.splitlines()
    assert "exp" not in c.source and "7.0" not in c.source
    body = [line.strip() for line in lines[lines.index("    try:") + 1:]]
    assert body[:4] == ["mul_1 = x * 2.5", "scaled = mul_1 + 1.0", "tanh_1 = tanh(scaled)",
                        "return tanh_1"]
    assert lines[0] == "def f(x, _checked=False):"
    assert lines[1:3] == ["    if not _checked and (type(x) is not float):",
                          "        return _dispatch(x)"]


def test_source_has_one_line_per_op_named_after_the_op() -> None:
    c = autodiff.compile(loss_and_grads)
    c(0.3, -0.2, 1.5, 1.0)
    lines = c.source.splitlines()
    body = lines[lines.index("    try:") + 1:lines.index(next(x for x in lines if "except" in x))]
    comments = [line.strip() for line in body if line.strip().startswith("#")]
    ops = [line.split("=")[0].strip() for line in body[:-1] if line.strip()[0] != "#"]
    assert ops and all(name.rsplit("_", 1)[0] in autodiff.REGISTRY for name in ops)
    assert body[-1].strip().startswith("return (")
    assert comments == ["# result[0]", "# result[1]"]  # the loss, then its gradients


def test_outputs_are_raw_and_the_callers_own() -> None:
    def f(x: Any, y: Any) -> Any:
        return x, x.reshape(-1), y * 1.0, (x * y).sum(), grad((x * y).sum(), [x], create_graph=True)

    c = autodiff.compile(f)
    x, y = np.arange(4.0).reshape(2, 2), np.ones((2, 2))
    first = c(x, y)
    assert all(isinstance(a, np.ndarray) for a in first[:4])
    assert first[3].shape == () and first[4][0].shape == (2, 2)
    for array in (*first[:4], first[4][0]):
        array[...] = -7.0  # writing into an output changes nothing the function holds
    assert np.array_equal(x, np.arange(4.0).reshape(2, 2)) and np.array_equal(y, np.ones((2, 2)))
    assert same(c(x, y), interpreted(f, x, y))


def test_nodes_from_outside_are_read_at_every_call() -> None:
    w = Value(2.0, label="w")
    weight = Tensor(np.array([1.0, -1.0]), requires_grad=True, label="weight")
    f = autodiff.compile(lambda x, v: (w * x, (weight * v).sum()))
    assert f(3.0, np.array([3.0, 3.0])) == (6.0, np.array(0.0))
    w.data = 5.0
    weight.data = np.array([4.0, -1.0])
    assert f(3.0, np.array([3.0, 3.0])) == (15.0, np.array(9.0)) and f.traces == 1
    assert "w = w_node.data" in f.source and "weight = weight_node.data" in f.source


def test_an_outside_array_of_another_shape_or_dtype_traces_again() -> None:
    weight = Tensor(np.ones(2), requires_grad=True, label="weight")
    f = autodiff.compile(lambda x: (weight * x).sum())
    assert f(np.arange(2.0)) == 1.0
    weight.data = np.full(3, 2.0, dtype=np.float32)
    assert same(f(np.arange(3.0)), np.array(6.0)) and f.traces == 2
    weight.data = np.full(3, 3.0)
    assert same(f(np.arange(3.0)), np.array(9.0)) and f.traces == 3


def test_ieee_values_where_math_would_raise() -> None:
    f = autodiff.compile(lambda x, y: ((x / y).log(), (x * 1e300).exp() * y))
    assert f(1.0, 2.0) == (math.log(0.5), math.inf)  # math.exp(1e300) raises; the op gives inf
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert same(f(1.0, 0.0), (math.inf, math.nan))
        assert same(f(-1.0, 1.0), (math.nan, 0.0))
        g = autodiff.compile(lambda x: ((x / 0.0).log(), (x * 1e300).exp()))
        assert same(g(np.array([1.0, -1.0])), (np.array([np.inf, np.nan]), np.array([np.inf, 0.0])))


def test_a_compiled_function_called_while_tracing_is_traced_inline() -> None:
    inner = autodiff.compile(lambda x: x.tanh() * 2.0)
    outer = autodiff.compile(lambda x: inner(x) + 1.0)
    assert outer(0.5) == math.tanh(0.5) * 2.0 + 1.0 and inner.traces == 0


def test_bad_arguments_are_type_errors() -> None:
    with pytest.raises(TypeError, match="expected a function, got int"):
        autodiff.compile(3)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="got a Value; pass its .data"):
        autodiff.compile(lambda x: x)(Value(1.0))
    with pytest.raises(TypeError, match="returned a set; return floats, arrays or nodes"):
        autodiff.compile(lambda x: {x})(1.0)


# --- the rule: no branching on values while tracing -----------------------------------------

REFUSED: list[tuple[str, Callable[[Any], Any]]] = [
    ("a comparison of a Value", lambda x: x * 2 if x > 0 else -x),
    ("a comparison of a Value", lambda x: 0.0 <= x),
    ("bool", lambda x: x and 1.0),
    ("float", lambda x: math.exp(x)),
    ("item", lambda x: x.item()),
    ("detach", lambda x: x.detach()),
    ("under no_grad", lambda x: autodiff.no_grad()(lambda: x * 2.0)()),
    ("backward", lambda x: x.exp().backward()),
    ("create_graph", lambda x: grad(x * x, x)),
]


@pytest.mark.parametrize("what, f", REFUSED, ids=[f"{i}-{w}" for i, (w, _) in enumerate(REFUSED)])
def test_reading_or_branching_on_a_traced_value_is_a_trace_error(what: str, f: Callable) -> None:
    with pytest.raises(TraceError, match=what) as error:
        autodiff.compile(f)(1.0)
    assert "where" in str(error.value)


@pytest.mark.parametrize("f", [
    lambda x: x > 0, lambda x: bool(x), lambda x: float(x.sum()), lambda x: x.sum().item(),
    lambda x: x.numpy(), lambda x: np.asarray(x), lambda x: x.detach()])
def test_tensors_refuse_the_same(f: Callable) -> None:
    with pytest.raises(TraceError):
        autodiff.compile(f)(np.ones(1))


def test_after_a_trace_error_the_thread_is_not_tracing() -> None:
    with pytest.raises(TraceError):
        autodiff.compile(lambda x: x > 0)(1.0)
    assert (Value(2.0) > 1.0) is True and float(Value(2.0)) == 2.0
    assert autodiff.node.unusual_threads == 0


# --- masks are recomputed from the data at every call ---------------------------------------

MASKED = {
    "relu": lambda x: x.relu(), "abs": lambda x: x.abs(),
    "leaky_relu": lambda x: x.leaky_relu(0.1), "elu": lambda x: x.elu(0.5),
    "clip": lambda x: autodiff.clip(x, -0.5, 0.5) if isinstance(x, Tensor) else x,
    "max": lambda x: x.max(axis=0) if isinstance(x, Tensor) else x,
}


@pytest.mark.parametrize("name", sorted(MASKED))
@given(xs=st.lists(floats_in(REALS, bound=2.0), min_size=3, max_size=3))
def test_masks_follow_sign_changes_between_calls(name: str, xs: list[float]) -> None:
    op = MASKED[name]

    def f(x: Any) -> Any:
        y = op(x * 1.0)
        total = y.sum() if isinstance(y, Tensor) else y
        return grad(total * total, x, create_graph=True)[0]

    compiled = autodiff.compile(f)
    flipped = [-x for x in xs]
    for x in (xs, flipped, xs):
        assert same(compiled(np.array(x)), interpreted(f, np.array(x)))
        if name not in ("clip", "max"):
            assert all(same(compiled(v), interpreted(f, v)) for v in x)


def test_a_compiled_training_loop_follows_the_interpreted_one() -> None:
    rng = np.random.default_rng(0)
    X, t = rng.normal(size=(16, 2)), rng.normal(size=(16, 1))

    def step(W: Any, b: Any, X: Any, t: Any) -> Any:
        h = (X @ W + b).leaky_relu(0.05)
        err = (h.max(axis=1, keepdims=True) + h.abs().sum(axis=1, keepdims=True)
               + autodiff.clip(h, -0.3, 0.3).sum(axis=1, keepdims=True) - t)
        loss = (err * err).mean()
        gW, gb = grad(loss, [W, b], create_graph=True)
        return loss, W - 0.1 * gW, b - 0.1 * gb

    compiled = autodiff.compile(step)
    W, b = rng.normal(size=(2, 3)), np.zeros(3)
    Wi, bi = W, b
    for _ in range(30):
        loss, W, b = compiled(W, b, X, t)
        loss_i, Wi, bi = interpreted(step, Wi, bi, X, t)
        assert same((loss, W, b), (loss_i, Wi, bi))
    assert compiled.traces == 1



def test_the_function_transforms_compile_like_any_function() -> None:
    from autodiff import func

    def loss(w: Any, x: Any) -> Any:
        return (autodiff.tanh(x @ w) ** 2).sum()

    def cubes(w: Any) -> Any:
        return (autodiff.tanh(w) ** 3).sum()

    x = np.random.default_rng(1).normal(size=(5, 3))
    for transform in (func.grad(loss), func.value_and_grad(loss), func.jacobian(loss),
                      lambda w, x: func.hessian(cubes)(w)):
        compiled = autodiff.compile(transform)
        for w in (np.ones(3), np.array([-0.5, 2.0, 0.1])):
            assert same(compiled(w, x), transform(w, x))
        assert compiled.traces == 1
    scalar = func.grad(lambda a, b: a * b + autodiff.sin(a), argnums=(0, 1))
    assert same(autodiff.compile(scalar)(1.0, 2.0), scalar(1.0, 2.0))
