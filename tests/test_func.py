"""autodiff.func: every transform against central differences on random functions of random
trees (`autodiff.testing.programs`), the structure and dtypes of what comes back, composition,
and the errors for misuse."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autodiff
from autodiff import Tensor, Value, func
from autodiff.pytree import flatten, unflatten
from autodiff.testing import Program, programs

EPS = 1e-6


def numeric_blocks(f: Callable[[Any], Any], tree: Any) -> list[list[np.ndarray]]:
    """blocks[i][j]: d(output leaf i)/d(input leaf j) of f at tree, by central differences
    (f runs on raw floats and arrays)."""
    leaves, treedef = flatten(tree)
    outs = flatten(f(tree))[0]
    blocks = [[np.zeros(np.shape(o) + np.shape(x)) for x in leaves] for o in outs]
    for j, x in enumerate(leaves):
        for index in np.ndindex(*np.shape(x)):
            def at(delta: float) -> list[np.ndarray]:
                moved = list(leaves)
                if isinstance(x, np.ndarray):
                    moved[j] = x.copy()
                    moved[j][index] += delta
                else:
                    moved[j] = x + delta
                return [np.asarray(o, dtype=np.float64)
                        for o in flatten(f(unflatten(treedef, moved)))[0]]
            plus, minus = at(EPS), at(-EPS)
            for i in range(len(outs)):
                blocks[i][j][(...,) + index] = (plus[i] - minus[i]) / (2 * EPS)
    return blocks


def assert_close(got: Any, want: Any) -> None:
    np.testing.assert_allclose(np.asarray(got, dtype=np.float64), want, rtol=1e-5, atol=1e-7)


def assert_leaf_kind(got: Any, out_is_float: bool, in_leaf: Any, shape: tuple[int, ...]) -> None:
    """A float where the output and the input leaf are floats, else an array of the input's
    dtype and the block's shape."""
    if out_is_float and not isinstance(in_leaf, np.ndarray):
        assert type(got) is float
    else:
        assert isinstance(got, np.ndarray) and got.shape == shape
        assert got.dtype == np.asarray(in_leaf).dtype


def assert_jacobian(result: Any, program: Program) -> None:
    """result has JAX's structure (outputs outside, inputs inside) and matches the numbers."""
    outputs = func.vjp(program, program.inputs)[0]
    outs, out_def = flatten(outputs)
    leaves, in_def = flatten(program.inputs)
    numeric = numeric_blocks(program, program.inputs)
    expected = unflatten(out_def, [unflatten(in_def, row) for row in numeric])
    got, got_def = flatten(result)
    assert got_def == flatten(expected)[1]
    for k, block in enumerate(got):
        i, j = divmod(k, len(leaves))
        assert_leaf_kind(block, type(outs[i]) is float, leaves[j], numeric[i][j].shape)
        assert_close(block, numeric[i][j])


# --- every transform against central differences -----------------------------------------------


@given(programs())
def test_jacobian_and_jacfwd_match_central_differences(program: Program) -> None:
    assert_jacobian(func.jacobian(program)(program.inputs), program)
    assert_jacobian(func.jacfwd(program)(program.inputs), program)


@given(programs(), st.integers(0, 2**32 - 1))
def test_vjp_and_jvp_match_central_differences(program: Program, seed: int) -> None:
    rng = np.random.default_rng(seed)
    outputs, vjp_fn = func.vjp(program, program.inputs)
    outs, out_def = flatten(outputs)
    raw_outs = flatten(program(program.inputs))[0]
    for out, raw in zip(outs, raw_outs):
        assert_close(out, raw)
    leaves, in_def = flatten(program.inputs)
    numeric = numeric_blocks(program, program.inputs)
    cotangents = [_random_like(o, rng) for o in outs]
    tangents = [_random_like(x, rng) for x in leaves]

    (pulled,) = vjp_fn(unflatten(out_def, cotangents))
    got, got_def = flatten(pulled)
    assert got_def == in_def
    for j, g in enumerate(got):
        want = sum(np.tensordot(c, numeric[i][j], axes=np.ndim(c)) for i, c in enumerate(cotangents))
        assert_leaf_kind(g, True, leaves[j], np.shape(leaves[j]))
        assert_close(g, want)

    primals_out, pushed = func.jvp(program, (program.inputs,), (unflatten(in_def, tangents),))
    got, got_def = flatten(pushed)
    assert got_def == out_def
    assert flatten(primals_out)[1] == out_def
    for i, t in enumerate(got):
        want = sum(np.tensordot(numeric[i][j], v, axes=np.ndim(v)) for j, v in enumerate(tangents))
        assert_leaf_kind(t, type(outs[i]) is float, outs[i], np.shape(outs[i]))
        assert_close(t, want)


@given(programs(scalar=True))
def test_grad_and_value_and_grad_match_central_differences(program: Program) -> None:
    leaves, in_def = flatten(program.inputs)
    numeric = numeric_blocks(program, program.inputs)[0]
    value, gradient = func.value_and_grad(program)(program.inputs)
    assert_close(value, np.asarray(program(program.inputs)))
    assert flatten(func.grad(program)(program.inputs))[1] == flatten(gradient)[1] == in_def
    for j, g in enumerate(flatten(gradient)[0]):
        assert_leaf_kind(g, True, leaves[j], np.shape(leaves[j]))
        assert_close(g, numeric[j])


@given(programs(scalar=True), st.integers(0, 2**32 - 1))
def test_hessian_and_hvp_match_central_differences_of_the_gradient(program: Program,
                                                                   seed: int) -> None:
    leaves, in_def = flatten(program.inputs)
    gradient = func.grad(program)
    numeric = numeric_blocks(gradient, program.inputs)  # [gradient leaf][input leaf]
    hessian = func.hessian(program)(program.inputs)
    got, got_def = flatten(hessian)
    assert got_def == flatten(unflatten(in_def, [program.inputs] * len(leaves)))[1]
    for k, block in enumerate(got):
        i, j = divmod(k, len(leaves))
        assert_close(block, numeric[i][j])
    tangents = [_random_like(x, np.random.default_rng(seed)) for x in leaves]
    (hv,) = func.hvp(program, (program.inputs,), (unflatten(in_def, tangents),))
    for i, h in enumerate(flatten(hv)[0]):
        assert_close(h, sum(np.tensordot(numeric[i][j], v, axes=np.ndim(v))
                            for j, v in enumerate(tangents)))


def _random_like(x: Any, rng: np.random.Generator) -> Any:
    if isinstance(x, np.ndarray):
        return rng.standard_normal(x.shape)
    return float(rng.standard_normal())


# --- composition ---------------------------------------------------------------------------------


@given(programs(scalar=True))
def test_the_compositions_of_transforms_agree(program: Program) -> None:
    x = program.inputs
    hessian = flatten(func.hessian(program)(x))[0]
    for composed in (func.jacobian(func.grad(program)), func.jacfwd(func.grad(program)),
                     func.jacfwd(func.jacobian(program)), func.jacobian(func.jacfwd(program))):
        for got, want in zip(flatten(composed(x))[0], hessian):
            assert_close(got, want)


@given(st.floats(-2.0, 2.0))
def test_grad_of_grad_of_grad_is_the_third_derivative(x: float) -> None:
    third = func.grad(func.grad(func.grad(lambda v: v.sin() * v)))
    assert np.isclose(third(x), -3 * np.sin(x) - x * np.cos(x), rtol=1e-12, atol=1e-12)


@given(st.floats(-2.0, 2.0), st.floats(-2.0, 2.0))
def test_an_inner_derivative_keeps_the_outer_variable_apart(x: float, y: float) -> None:
    # d/dx of (d/dy x y at y = x) is d/dx x = 1, not d/dx 2x = 2; and a closed-over outer
    # variable stays a variable: d/dx [x * d/dy (x + y)] = d/dx x = 1, d/dx d/dy (x y) = 1.
    assert func.grad(lambda a: func.grad(lambda b: a * b)(a))(x) == 1.0
    assert func.grad(lambda a: a * func.grad(lambda b: a + b)(y))(x) == 1.0
    assert func.grad(lambda a: func.grad(lambda b: a * b)(y))(x) == 1.0
    both = func.grad(lambda a: func.grad(lambda b: a * a * b * b)(y))(x)  # d/dx 2 x^2 y = 4 x y
    assert np.isclose(both, 4 * x * y, rtol=1e-12, atol=1e-12)


def test_a_transform_given_nodes_returns_nodes_to_backpropagate_through() -> None:
    x = Value(0.5)
    g = func.grad(lambda v: v.sin() * v)(x)
    assert isinstance(g, Value)
    g.backward()
    assert np.isclose(x.grad, 2 * np.cos(0.5) - 0.5 * np.sin(0.5))


# --- structure, dtypes, arguments -----------------------------------------------------------------


def test_the_jacobian_of_trees_nests_outputs_outside_inputs_inside() -> None:
    def f(p: dict[str, Any]) -> tuple[Any, Any]:
        return (p["w"] * 2.0).tanh(), (p["w"] * p["w"]).sum() + p["v"].sum()

    params = {"w": np.zeros(3), "v": np.ones((2, 2))}
    first, second = func.jacobian(f)(params)
    assert first["w"].shape == (3, 3) and first["v"].shape == (3, 2, 2)
    assert second["w"].shape == (3,) and second["v"].shape == (2, 2)
    np.testing.assert_array_equal(first["w"], 2 * np.eye(3))
    np.testing.assert_array_equal(first["v"], np.zeros((3, 2, 2)))
    np.testing.assert_array_equal(second["v"], np.ones((2, 2)))


@pytest.mark.parametrize("transform", [func.jacobian, func.jacfwd])
def test_results_keep_the_input_dtype(transform: Callable[..., Any]) -> None:
    x = np.linspace(-1, 1, 3, dtype=np.float32)
    assert func.grad(lambda v: (v * v).sum())(x).dtype == np.float32
    jac = transform(lambda v: v.tanh())(x)
    assert jac.dtype == np.float32 and jac.shape == (3, 3)
    value, _ = func.value_and_grad(lambda v: (v * v).sum())(x)
    assert value.dtype == np.float32 and value.shape == ()


def test_argnums_has_aux_and_keyword_arguments() -> None:
    def f(x: Any, y: Any, scale: float = 1.0) -> tuple[Any, dict[str, Any]]:
        loss = (x * y).sum() * scale
        return loss, {"loss": loss, "x": x}

    x, y = np.array([1.0, 2.0]), np.array([3.0, 4.0])
    (gx, gy), aux = func.grad(f, argnums=(0, -1), has_aux=True)(x, y, scale=2.0)
    np.testing.assert_array_equal(gx, 2 * y)
    np.testing.assert_array_equal(gy, 2 * x)
    assert aux["loss"] == 22.0 and isinstance(aux["x"], np.ndarray)
    (value, aux), gy = func.value_and_grad(f, argnums=1, has_aux=True)(x, y)
    assert value == 11.0 and np.array_equal(gy, x)


def test_a_constant_function_has_zero_derivatives() -> None:
    assert func.grad(lambda x: 3.0)(1.0) == 0.0
    np.testing.assert_array_equal(func.jacobian(lambda x: np.ones(2))(np.zeros(3)),
                                  np.zeros((2, 3)))


def test_a_transform_differentiates_inside_no_grad() -> None:
    with autodiff.no_grad():
        assert func.grad(lambda v: v * v)(3.0) == 6.0
    # ... while no_grad() inside f makes a constant, as everywhere else.
    assert func.grad(lambda v: v * _constant(v))(3.0) == 3.0


def _constant(v: Value) -> Value:
    with autodiff.no_grad():
        return v * 1.0


def test_results_are_the_callers_own() -> None:
    x = np.array([1.0, 2.0])
    value, g = func.value_and_grad(lambda v: v.sum())(x)
    outputs, _ = func.vjp(lambda v: v, x)
    outputs[0] = 5.0
    assert x[0] == 1.0


def test_value_and_grad_serves_scipy_minimize() -> None:
    optimize = pytest.importorskip("scipy.optimize")
    target = np.array([1.0, -2.0, 3.0])

    def loss(theta: Tensor) -> Tensor:
        d = theta - target
        return (d * d).sum() + (theta * theta).sum() * 0.1

    result = optimize.minimize(func.value_and_grad(loss), np.zeros(3), jac=True,
                               method="L-BFGS-B")
    assert result.success
    np.testing.assert_allclose(result.x, target / 1.1, rtol=1e-6)


# --- misuse -------------------------------------------------------------------------------------


@pytest.mark.parametrize("call, error, message", [
    (lambda: func.grad(lambda x: x * 2.0)(np.ones(2)), ValueError,
     "f must return a scalar.*Tensor of shape \\(2,\\)"),
    (lambda: func.grad(lambda x: x)(np.arange(3)), TypeError, "dtype int64"),
    (lambda: func.grad(lambda x: x)("a"), TypeError, "argument 0 holds a str"),
    (lambda: func.grad(lambda x: x, argnums=1)(1.0), ValueError, "out of range for 1 argument"),
    (lambda: func.grad(lambda x: x, argnums=(0, 0))(1.0), ValueError, "distinct"),
    (lambda: func.grad(lambda x: x, argnums=0.5)(1.0), TypeError, "argnums must be an int"),
    (lambda: func.grad(lambda x: x, has_aux=True)(1.0), TypeError, "pair \\(output, aux\\)"),
    (lambda: func.jacobian(lambda x: "s")(1.0), TypeError, "returned a str"),
    (lambda: func.vjp(lambda x: (x, x), 1.0)[1]((1.0,)), ValueError, "structure"),
    (lambda: func.vjp(lambda x: x * 1.0, np.ones(2))[1](np.ones(3)), ValueError,
     "leaf 0 has shape \\(3,\\)"),
    (lambda: func.jvp(lambda x: x, (1.0,), 1.0), TypeError, "tangents must be a tuple"),
    (lambda: func.grad(3)(1.0), TypeError, "f must be callable"),
    (lambda: func.vjp(lambda: 1.0), ValueError, "at least one argument"),
])
def test_misuse_gets_a_clear_error(call: Callable[[], Any], error: type, message: str) -> None:
    with pytest.raises(error, match=message):
        call()
