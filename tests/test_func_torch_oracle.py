"""torch.func as an oracle for autodiff.func: the same random functions of random trees
(`autodiff.testing.programs`, run on torch's ops), every transform, float64. Skipped when torch
is not installed."""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff import func
from autodiff.pytree import flatten, tree_map, unflatten
from autodiff.testing import Program, programs

torch = pytest.importorskip("torch", reason="PyTorch not installed: oracle tests skipped")
F = torch.nn.functional
tf = torch.func

pytestmark = pytest.mark.torch

TORCH_OPS: dict[str, Callable[..., Any]] = {
    "sin": torch.sin, "cos": torch.cos, "tanh": torch.tanh, "sigmoid": torch.sigmoid,
    "softplus": F.softplus, "silu": F.silu,
    "sum": lambda x, axis: x.sum() if axis is None else x.sum(dim=axis),
    "matmul": lambda a, b: torch.as_tensor(a) @ b,
}


def on_torch(program: Program) -> Callable[[Any], Any]:
    return lambda tree: program(tree, TORCH_OPS)


def tensors(tree: Any) -> Any:
    return tree_map(lambda x: torch.tensor(x, dtype=torch.float64), tree)


def assert_same(ours: Any, theirs: Any) -> None:
    """Same structure, same numbers; a float of ours is a 0-d tensor of torch's."""
    got, got_def = flatten(ours)
    want, want_def = flatten(theirs)
    assert got_def == want_def
    for g, w in zip(got, want):
        assert isinstance(g, (float, np.ndarray))
        np.testing.assert_allclose(np.asarray(g), w.detach().numpy(), rtol=1e-9, atol=1e-12)


def random_like(tree: Any, seed: int) -> Any:
    rng = np.random.default_rng(seed)
    return tree_map(lambda x: rng.standard_normal(np.shape(x)) if isinstance(x, np.ndarray)
                    else float(rng.standard_normal()), tree)


@given(programs())
def test_jacobian_and_jacfwd_match_torch(program: Program) -> None:
    x = program.inputs
    assert_same(func.jacobian(program)(x), tf.jacrev(on_torch(program))(tensors(x)))
    assert_same(func.jacfwd(program)(x), tf.jacfwd(on_torch(program))(tensors(x)))


@given(programs(), st.integers(0, 2**32 - 1))
def test_vjp_and_jvp_match_torch(program: Program, seed: int) -> None:
    x = program.inputs
    out, vjp_fn = func.vjp(program, x)
    their_out, their_vjp = tf.vjp(on_torch(program), tensors(x))
    assert_same(out, their_out)
    cotangent = random_like(out, seed)
    assert_same(vjp_fn(cotangent), their_vjp(tensors(cotangent)))
    tangent = random_like(x, seed + 1)
    assert_same(func.jvp(program, (x,), (tangent,)),
                tf.jvp(on_torch(program), (tensors(x),), (tensors(tangent),)))


@given(programs(scalar=True), st.integers(0, 2**32 - 1))
def test_grad_hessian_and_hvp_match_torch(program: Program, seed: int) -> None:
    x = program.inputs
    assert_same(func.grad(program)(x), tf.grad(on_torch(program))(tensors(x)))
    value, gradient = func.value_and_grad(program)(x)
    their_gradient, their_value = tf.grad_and_value(on_torch(program))(tensors(x))
    assert_same((value, gradient), (their_value, their_gradient))
    assert_same(func.hessian(program)(x), tf.hessian(on_torch(program))(tensors(x)))
    tangent = random_like(x, seed)
    their_hvp = tf.jvp(tf.grad(on_torch(program)), (tensors(x),), (tensors(tangent),))[1]
    assert_same(func.hvp(program, (x,), (tangent,)), (their_hvp,))


@given(programs(max_leaves=3, scalar=True))
def test_argnums_pick_the_arguments_as_torch_does(program: Program) -> None:
    args = tuple(flatten(program.inputs)[0])  # each leaf its own argument

    def ours(*xs: Any) -> Any:
        return program(_shaped(program, xs))

    def theirs(*xs: Any) -> Any:
        return program(_shaped(program, xs), TORCH_OPS)

    for argnums in {0, len(args) - 1, tuple(range(len(args)))}:
        assert_same(func.grad(ours, argnums=argnums)(*args),
                    tf.grad(theirs, argnums=argnums)(*tensors(args)))
        assert_same(func.jacfwd(func.grad(ours, argnums=argnums), argnums=argnums)(*args),
                    tf.hessian(theirs, argnums=argnums)(*tensors(args)))


def _shaped(program: Program, leaves: tuple[Any, ...]) -> Any:
    """The leaves back in the program's input structure."""
    return unflatten(flatten(program.inputs)[1], list(leaves))
