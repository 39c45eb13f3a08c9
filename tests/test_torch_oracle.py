"""PyTorch as an oracle: forward values and gradients of every built-in op, float64.

Skipped when torch is not installed. Each case runs the op on autodiff Tensors and on torch
tensors (same inputs, same random upstream gradient) and compares outputs and input gradients.
"""
from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pytest

from autodiff import REGISTRY, Tensor, concatenate, stack, where
from autodiff import dtypes as D
from autodiff import linalg as L
from autodiff import reductions as R
from autodiff import selection as SEL
from autodiff import shapes as S
from autodiff.ops import Domain, Op

torch = pytest.importorskip("torch", reason="PyTorch not installed: oracle tests skipped")
F = torch.nn.functional


def _linear_weight_last(x: Any, w: Any, b: Any) -> Any:
    return F.linear(x, w.T, b)  # torch keeps weight as (out, in); ours is (in, out)

pytestmark = pytest.mark.torch

BROADCAST_PAIRS = [((3,), (3,)), ((2, 3), (3,)), ((2, 1), (1, 4)), ((), (2, 2)),
                   ((2, 3, 1), (3, 2))]

ELEMENTWISE_TORCH: dict[str, Callable[..., Any]] = {
    "add": torch.add, "sub": torch.sub, "mul": torch.mul, "div": torch.div, "power": torch.pow,
    "neg": torch.neg, "exp": torch.exp, "log": torch.log, "sqrt": torch.sqrt, "abs": torch.abs,
    "sign": torch.sign, "sin": torch.sin, "cos": torch.cos, "sigmoid": torch.sigmoid,
    "tanh": torch.tanh, "relu": torch.relu, "softplus": F.softplus, "log_sigmoid": F.logsigmoid,
    "silu": F.silu, "gelu": lambda x: F.gelu(x, approximate="tanh"),
    "bent_identity": lambda x: (torch.sqrt(x * x + 1) - 1) / 2 + x,
    "leaky_relu": lambda x, slope: torch.where(x > 0, x, x * slope),  # slope is differentiable
    "elu": lambda x, alpha: F.elu(x, alpha),
    "lerp": torch.lerp,  # registered by tests/conftest.py: an op of three inputs
    "mish": F.mish,  # the README's, registered by tests/conftest.py
    "step": lambda x: (x > 0).to(x.dtype) + 0 * x,  # torch's mask has no graph: add a zero one
    "where": lambda cond, a, b: torch.where(torch.as_tensor(cond) != 0, a, b),
    "binary_cross_entropy_with_logits": lambda z, t: F.binary_cross_entropy_with_logits(  # nn's
        z, torch.full_like(z, t), reduction="none"),
}


def _draw(domain: Domain | None, shape: tuple[int, ...], rng: np.random.Generator) -> Any:
    """Numbers in domain, within [-3, 3] and at least 0.05 from its ends and kinks."""
    if domain is None:
        return float(rng.uniform(0.2, 2.0))
    low, high = max(domain.low + 0.05, -3.0), min(domain.high - 0.05, 3.0)
    x = rng.uniform(low, high, shape)
    for kink in domain.kinks:
        x = np.where(np.abs(x - kink) < 0.05, kink + 0.1, x)
    return x


def _compare(ours: Callable[..., Any], theirs: Callable[..., Any], inputs: list[Any],
             rng: np.random.Generator) -> None:
    """Same forward, and same gradients for every array input, under a random upstream grad."""
    mine = [Tensor(x, requires_grad=True) if isinstance(x, np.ndarray) else x for x in inputs]
    ref = [torch.tensor(x, requires_grad=True) if isinstance(x, np.ndarray) else x
           for x in inputs]
    out, expected = ours(*mine), theirs(*ref)
    np.testing.assert_allclose(out.data, expected.detach().numpy(), rtol=1e-10, atol=1e-12)
    seed = rng.standard_normal(out.shape)
    out.backward(seed)
    expected.backward(torch.from_numpy(seed))
    for m, r in zip(mine, ref):
        if isinstance(m, Tensor):
            assert m.grad is not None and m.grad.shape == m.shape
            np.testing.assert_allclose(m.grad, r.grad.numpy(), rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize("name", sorted(n for n, op in REGISTRY.items() if op.elementwise))
def test_elementwise_ops_match_torch(name: str) -> None:
    if name not in ELEMENTWISE_TORCH:
        pytest.skip(f"{name}: no PyTorch counterpart known (a user-registered op)")
    op, rng = REGISTRY[name], np.random.default_rng(0)
    pairs = {1: [(s,) for s, _ in BROADCAST_PAIRS], 2: BROADCAST_PAIRS,
             3: [(s, t, t) for s, t in BROADCAST_PAIRS]}[len(op.params)]
    for shapes in pairs:
        inputs = [_draw(d if f is not None else None, s, rng)
                  for d, f, s in zip(op.domain, op.derivatives, shapes)]
        _compare(op, ELEMENTWISE_TORCH[name], inputs, rng)


MASK = np.array([[True, False, True, True], [False, False, True, False], [True, True, True, False]])
ROWS = np.array([0, 2, 0, 1])
COND = np.array([True, False, True])
TIES = np.array([[1.0, 2.0], [3.0, 2.0], [3.0, -1.0], [3.0, 2.0]])

ARRAY_TORCH: dict[str, list[tuple[Callable[..., Any], Callable[..., Any], list[tuple]]]] = {
    "expand": [(lambda x: S.expand(x, (2, 3, 4)), lambda x: x.expand(2, 3, 4), [(3, 1)])],
    "sum_to": [(lambda x: S.sum_to(x, (3, 1)), lambda x: x.sum_to_size(3, 1), [(2, 3, 4)])],
    "reshape": [(lambda x: x.reshape(3, -1), lambda x: x.reshape(3, -1), [(2, 3, 2)])],
    "transpose": [(lambda x: x.transpose(2, 0, 1), lambda x: x.permute(2, 0, 1), [(2, 3, 4)]),
                  (lambda x: x.T, lambda x: x.permute(1, 0), [(2, 3)])],
    "getitem": [(lambda x: x[1:, None, ..., ::2], lambda x: x[1:, None, ..., ::2], [(3, 4)]),
                (lambda x: x[::-1, 2], lambda x: x.flip(0)[:, 2], [(3, 4)]),
                (lambda x: x[ROWS], lambda x: x[torch.from_numpy(ROWS)], [(3, 2)]),
                (lambda x: x[MASK], lambda x: x[torch.from_numpy(MASK)], [(3, 4)]),
                (lambda x: x[ROWS, ROWS[::-1]], lambda x: x[torch.from_numpy(ROWS),
                                                            torch.from_numpy(ROWS[::-1].copy())],
                 [(3, 3)])],
    "embed": [(lambda x: S.embed(x, (4, 3), ROWS[:3]),
               lambda x: torch.zeros(4, 3, dtype=x.dtype).index_put((torch.from_numpy(ROWS[:3]),),
                                                                     x, accumulate=True),
               [(3, 3)])],
    "sum": [(lambda x: x.sum(axis=(0, 2)), lambda x: x.sum(dim=(0, 2)), [(2, 3, 4)]),
            (lambda x: x.sum(), lambda x: x.sum(), [(2, 3)])],
    "mean": [(lambda x: x.mean(axis=0), lambda x: x.mean(dim=0), [(3, 4)]),
             (lambda x: x.mean(keepdims=True), lambda x: x.mean().reshape(1, 1), [(2, 3)])],
    "max": [(lambda x: x.max(axis=1, keepdims=True), lambda x: x.amax(dim=1, keepdim=True),
             [(2, 3)]),
            (lambda x: x.max(axis=0), lambda x: x.amax(dim=0), [TIES])],
    "min": [(lambda x: x.min(axis=-1), lambda x: x.amin(dim=-1), [(3, 4)]),
            (lambda x: x.min(), lambda x: x.amin(), [-TIES])],
    "logsumexp": [(lambda x: x.logsumexp(axis=1), lambda x: x.logsumexp(dim=1), [(3, 4)])],
    "softmax": [(lambda x: x.softmax(axis=0), lambda x: x.softmax(dim=0), [(3, 4)])],
    "log_softmax": [(lambda x: x.log_softmax(), lambda x: x.log_softmax(dim=-1), [(3, 4)])],
    "matmul": [(lambda a, b: a @ b, lambda a, b: a @ b, [sa, sb])
               for sa, sb in [((2, 3), (3, 4)), ((3,), (3, 2)), ((2, 3), (3,)), ((3,), (3,)),
                              ((2, 1, 2, 3), (5, 3, 4)), ((4, 2, 3), (3,))]],
    "mT": [(lambda x: L.mT(x), lambda x: x.mT, [(2, 3, 4)])],
    "linear": [(L.linear, _linear_weight_last, shapes)
               for shapes in [[(4, 3), (3, 2), (2,)], [(3,), (3, 5), (5,)],
                              [(2, 4, 3), (3, 2), (2,)]]],
    "concatenate": [(lambda a, b: concatenate([a, b, a], axis=1),
                     lambda a, b: torch.cat([a, b, a], dim=1), [(2, 3), (2, 1)])],
    "clip": [(lambda x: x.clip(-0.5, 0.7), lambda x: x.clamp(-0.5, 0.7), [(3, 4)])],
    "cast": [(lambda x: x.astype(np.float32).astype(np.float64),
              lambda x: x.to(torch.float32).to(torch.float64), [(3, 4)])],
}
COMPOSED_TORCH = [
    (lambda a, b: stack([a, b], axis=-1), lambda a, b: torch.stack([a, b], dim=-1),
     [(2, 3), (2, 3)]),
    (lambda a, b: where(COND, a, b), lambda a, b: torch.where(torch.from_numpy(COND), a, b),
     [(2, 1), (3,)]),
    (lambda a, b: where(MASK, a, b), lambda a, b: torch.where(torch.from_numpy(MASK), a, b),
     [(3, 4), (4,)]),
    (lambda x: x.var(axis=1, ddof=1), lambda x: x.var(dim=1, correction=1), [(3, 4)]),
    (lambda x: x.std(), lambda x: x.std(correction=0), [(3, 4)]),
    (lambda x: x.squeeze(1).unsqueeze(0), lambda x: x.squeeze(1).unsqueeze(0), [(2, 1, 3)]),
]


def _inputs(shapes: list[Any], rng: np.random.Generator) -> list[np.ndarray]:
    """Random arrays of the given shapes (an array given instead of a shape is used as is)."""
    return [s.copy() if isinstance(s, np.ndarray) else rng.uniform(-2.0, 2.0, s) for s in shapes]


@pytest.mark.parametrize("name", sorted(n for n, op in REGISTRY.items() if not op.elementwise))
def test_array_ops_match_torch(name: str) -> None:
    if name not in ARRAY_TORCH:
        pytest.skip(f"{name}: no PyTorch counterpart known (a user-registered op)")
    rng = np.random.default_rng(1)
    for ours, theirs, shapes in ARRAY_TORCH[name]:
        _compare(ours, theirs, _inputs(shapes, rng), rng)


@pytest.mark.parametrize("case", range(len(COMPOSED_TORCH)))
def test_composed_functions_match_torch(case: int) -> None:
    ours, theirs, shapes = COMPOSED_TORCH[case]
    rng = np.random.default_rng(2)
    _compare(ours, theirs, _inputs(shapes, rng), rng)


def test_every_built_in_op_has_a_torch_counterpart() -> None:
    package = {op.name for module in (S, R, L, SEL, D) for op in vars(module).values()
               if isinstance(op, Op) and op is REGISTRY.get(op.name)}
    core = {"add", "sub", "mul", "div", "power", "neg", "exp", "log", "sqrt", "abs", "sign",
            "step", "sin", "cos", "sigmoid", "tanh", "relu", "leaky_relu", "elu", "softplus",
            "log_sigmoid", "bent_identity", "silu", "gelu"}
    assert (package | core) <= set(ELEMENTWISE_TORCH) | set(ARRAY_TORCH)


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_an_mlp_sgd_step_matches_torch(dtype: type) -> None:
    rng = np.random.default_rng(3)
    arrays = [(rng.standard_normal(s) * 0.3).astype(dtype) for s in [(8, 16), (16,), (16, 4), (4,)]]
    x = rng.standard_normal((10, 8)).astype(dtype)
    labels = rng.integers(0, 4, 10)
    params = [Tensor(a.copy(), requires_grad=True) for a in arrays]
    w1, b1, w2, b2 = params
    loss = -((Tensor(x) @ w1 + b1).relu() @ w2 + b2).log_softmax()[np.arange(10), labels].mean()
    loss.backward()
    ref = [torch.tensor(a, requires_grad=True) for a in arrays]
    h = torch.relu(torch.from_numpy(x) @ ref[0] + ref[1])
    expected = F.cross_entropy(h @ ref[2] + ref[3], torch.from_numpy(labels))
    expected.backward()
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(loss.item(), expected.item(), **tol)
    for p, r in zip(params, ref):
        assert p.grad.dtype == dtype
        np.testing.assert_allclose(p.grad, r.grad.numpy(), **tol)
