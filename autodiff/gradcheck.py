"""Gradient checks: analytic gradients (the registry's formulas) against central differences.

Precision: every check runs in float64. A central difference (f(x + eps) - f(x - eps)) / 2 eps
has truncation error ~eps^2 f''' / 6 and rounding error ~1e-16 |f| / eps; with eps = 1e-6 both
are far below atol = 1e-5 + rtol = 1e-3 of the derivative, for inputs away from kinks and poles.
In float32 the rounding error alone (~1e-7 |f| / eps) would swamp the derivative, so float32
inputs are refused.

Inputs are any graph nodes (`Value`, `Tensor`) whose `.data` is a float or a float64 ndarray.
A non-scalar output (or several outputs) is checked through a vector-Jacobian product: the
scalar sum(out * v) with a fixed random `v`. A Tensor with more than 64 elements is checked
along 3 random directions (as JAX and HIPS autograd do) instead of element by element.
"""
from __future__ import annotations

import math
from typing import Any, Callable, ContextManager, Optional, Sequence

import numpy as np

from .blame import op_to_blame, traced as _traced
from .engine import grad
from .node import Node, enable_grad, no_grad, raw_data

PER_ELEMENT_LIMIT = 64  # larger inputs are checked along random directions
DIRECTIONS = 3
NOT_SMOOTH = "the function is not smooth here"
# A second derivative is the derivative of the formulas run on nodes: one that leaves the graph
# (math.cos(x), float(x), x.data) is a constant there, right at first order and wrong at second.
SECOND_ORDER_HINT = ("  (where gradcheck passes and gradgradcheck fails, a derivative formula "
                     "probably computes on raw numbers: write formulas with autodiff ops, e.g. "
                     "autodiff.cos(x) or np.cos(x), not math.cos(x) or x.data, so that they can "
                     "be differentiated again)")


class GradcheckError(AssertionError):
    """An analytic gradient disagrees with central finite differences. `op` names the op whose
    own derivative disagrees at the values it saw (None when every op agrees locally), `node`
    is that op's node in a fresh run of f."""

    def __init__(self, message: str, op: Optional[str] = None, node: Optional[Node] = None
                 ) -> None:
        super().__init__(message)
        self.op, self.node = op, node


def central_difference(f: Callable[..., Any], *inputs: Node, arg: int = 0,
                       index: Optional[tuple[int, ...]] = None, eps: float = 1e-6) -> float:
    """df/dx ~ (f(x + eps) - f(x - eps)) / 2 eps for x = inputs[arg] (element `index` of an array).

    f maps the inputs to a scalar; it runs under `no_grad()`; x.data is perturbed in place and
    restored.
    """
    x = inputs[arg]
    return _difference(lambda: _scalar(f, inputs), x, _step(x, index, eps)) / (2 * eps)


def numerical_grad(f: Callable[..., Any], *inputs: Node, arg: int = 0,
                   eps: float = 1e-6) -> Any:
    """The whole gradient of scalar f with respect to inputs[arg], by central differences."""
    x = inputs[arg]
    if not isinstance(x.data, np.ndarray):
        return central_difference(f, *inputs, arg=arg, eps=eps)
    out = np.zeros(x.data.shape)
    for index in np.ndindex(*x.data.shape):
        out[index] = central_difference(f, *inputs, arg=arg, index=index, eps=eps)
    return out


def gradcheck(f: Callable[..., Any], *inputs: Node, eps: float = 1e-6, atol: float = 1e-5,
              rtol: float = 1e-3, raise_exception: bool = True, seed: int = 0) -> bool:
    """True when f's analytic gradients match central differences at `inputs` (float64).

    f returns a node or a tuple of nodes; a failure raises `GradcheckError` naming the input,
    its worst element and both numbers (or returns False when raise_exception=False).
    """
    return _check("gradcheck", f, inputs, eps, atol, rtol, raise_exception, seed, 1)


def gradgradcheck(f: Callable[..., Any], *inputs: Node, eps: float = 1e-6, atol: float = 1e-5,
                  rtol: float = 1e-3, raise_exception: bool = True, seed: int = 0) -> bool:
    """True when f's second derivatives (via `grad(create_graph=True)`) match central
    differences of its first derivatives, in float64; otherwise as `gradcheck`."""
    return _check("gradgradcheck", f, inputs, eps, atol, rtol, raise_exception, seed, 2)


# --- the shared check --------------------------------------------------------------------


def _check(name: str, f: Callable[..., Any], inputs: Sequence[Node], eps: float, atol: float,
           rtol: float, raise_exception: bool, seed: int, order: int) -> bool:
    failures = _failures(name, f, inputs, eps, atol, rtol, seed, order)
    if not failures:
        return True
    if not raise_exception:
        return False

    def alone(op_name: str, g: Callable[..., Any], leaves: list[Node]) -> list[str]:
        # A wrong first derivative spoils the second derivatives of whatever uses the op (a
        # formula that reuses the output differentiates through it), so both orders are asked.
        return [line for k in range(1, order + 1)
                for line in _failures(f"{op_name} alone", g, leaves, eps, atol, rtol, seed, k)]

    op, node, blame = op_to_blame(_outputs(name, _traced(f, inputs)), alone)
    if order == 2 and not any(NOT_SMOOTH in line for line in failures):
        failures.append(SECOND_ORDER_HINT)
    raise GradcheckError(f"{name}: analytic and numeric derivatives differ (eps={eps}, "
                         f"atol={atol}, rtol={rtol}):\n" + "\n".join(failures) + "\n" + blame,
                         op, node)


def _failures(name: str, f: Callable[..., Any], inputs: Sequence[Node], eps: float,
              atol: float, rtol: float, seed: int, order: int) -> list[str]:
    """One line per input whose derivatives of this order disagree: where, and both numbers."""
    _validate(name, inputs)
    numeric_mode: Callable[[], ContextManager[None]] = no_grad
    if order == 2:  # the first derivatives' first derivatives; they record graphs too
        f, seed, numeric_mode = _first_derivatives(name, f, inputs, seed), seed + 1, enable_grad
    rng = np.random.default_rng(seed)
    with enable_grad():
        outputs = _outputs(name, f(*inputs))
        weights = _weights(outputs, rng)
        analytic = _vector_jacobian(outputs, weights, inputs)

    def weighted_output() -> float:
        with numeric_mode():
            return _dot(_outputs(name, f(*inputs)), weights)

    failures = []
    for i, (x, g) in enumerate(zip(inputs, analytic)):
        worst = _worst(weighted_output, x, g, eps, atol, rtol, rng)
        if worst is not None:
            label = f" {x.label!r}" if getattr(x, "label", "") else ""
            failures.append(f"  input {i}{label}{worst}")
    return failures


def _first_derivatives(name: str, f: Callable[..., Any], inputs: Sequence[Node],
                       seed: int) -> Callable[..., list[Any]]:
    """xs -> v^T df/dx for a fixed random v, as differentiable nodes."""
    with enable_grad():
        weights = _weights(_outputs(name, f(*inputs)), np.random.default_rng(seed))

    def first_derivatives(*xs: Node) -> list[Any]:
        return _vector_jacobian(_outputs(name, f(*xs)), weights, xs, create_graph=True)
    return first_derivatives


def _worst(weighted_output: Callable[[], float], x: Node, analytic: Any, eps: float,
           atol: float, rtol: float, rng: np.random.Generator) -> Optional[str]:
    """Where x's worst mismatch is and both numbers there, or None if every probe matches."""
    data = x.data
    analytic = np.asarray(0.0 if analytic is None else raw_data(analytic), dtype=np.float64)
    if analytic.shape not in ((), np.shape(data)):
        return f": analytic gradient has shape {analytic.shape}, the input {np.shape(data)}"
    analytic = np.broadcast_to(analytic, np.shape(data))
    if not isinstance(data, np.ndarray):
        probes = [("", eps, float(analytic))]
    elif data.size <= PER_ELEMENT_LIMIT:
        probes = [(str(list(index)), _step(x, index, eps), float(analytic[index]))
                  for index in np.ndindex(*data.shape)]
    else:
        probes = []
        for k in range(DIRECTIONS):
            d = rng.standard_normal(data.shape)
            d /= np.linalg.norm(d)
            probes.append((f" along random direction {k}", eps * d, float(np.sum(analytic * d))))
    worst, worst_ratio, worst_step = None, 1.0, None
    for where, step, a in probes:
        n = _difference(weighted_output, x, step) / (2 * eps)
        ratio = abs(a - n) / (atol + rtol * abs(n))
        if ratio != ratio:  # nan on either side never matches
            ratio = math.inf
        if ratio > worst_ratio:
            worst, worst_ratio = f"{where}: analytic {a!r}, numeric {n!r}", ratio
            worst_step = step
    if worst is not None:
        worst += _kink_note(weighted_output, x, worst_step, eps, atol, rtol)
    return worst


def _kink_note(weighted_output: Callable[[], float], x: Node, step: Any, eps: float,
               atol: float, rtol: float) -> str:
    """A hint when f is not smooth at the failing probe: there a central difference measures
    neither side, so the two one-sided differences are shown ('' when they agree)."""
    plus, minus = _sides(weighted_output, x, step)
    centre = weighted_output()
    left, right = (centre - minus) / eps, (plus - centre) / eps
    smooth = abs(right - left) <= atol + rtol * max(abs(left), abs(right))
    if smooth or not (math.isfinite(left) and math.isfinite(right)):
        return ""
    return (f"; {NOT_SMOOTH} (one-sided differences {left:.6g} from the left, {right:.6g} "
            f"from the right): a kink, jump or pole within eps. If the op has one at this "
            f"point, declare it in its domain, e.g. Domain(kinks=(0.0,)), so that the tests "
            f"draw their inputs away from it")


def _step(x: Node, index: Optional[tuple[int, ...]], eps: float) -> Any:
    """eps on one element of x (all of a Value), zero elsewhere."""
    if not isinstance(x.data, np.ndarray):
        return eps
    step = np.zeros_like(x.data)
    step[() if index is None else index] = eps
    return step


def _difference(f: Callable[[], float], x: Node, step: Any) -> float:
    """f() at x.data + step minus f() at x.data - step."""
    plus, minus = _sides(f, x, step)
    return plus - minus


def _sides(f: Callable[[], float], x: Node, step: Any) -> tuple[float, float]:
    """(f() at x.data + step, f() at x.data - step); x.data is restored afterwards."""
    saved = x.data.copy() if isinstance(x.data, np.ndarray) else x.data
    try:
        _put(x, saved + step)
        plus = f()
        _put(x, saved - step)
        minus = f()
    finally:
        _put(x, saved)
    return plus, minus


def _put(x: Node, value: Any) -> None:
    """Write value into x.data, in place for an array (the node keeps its own buffer)."""
    if isinstance(x.data, np.ndarray):
        x.data[...] = value
    else:
        x.data = value


# --- inputs, outputs, weights ---------------------------------------------------------------


def _validate(name: str, inputs: Sequence[Node]) -> None:
    if not inputs:
        raise ValueError(f"{name}: give at least one input")
    for i, x in enumerate(inputs):
        if not isinstance(x, Node):
            raise TypeError(f"{name}: input {i} must be a Value or Tensor, "
                            f"got {type(x).__name__}")
        if isinstance(x.data, np.ndarray) and x.data.dtype != np.float64:
            raise TypeError(f"{name}: input {i} has dtype {x.data.dtype}; central differences "
                            f"need float64 (cast the data with .astype(np.float64))")
        if not getattr(x, "requires_grad", True):
            raise ValueError(f"{name}: input {i} has requires_grad=False; nothing to check")


def _outputs(name: str, out: Any) -> tuple[Any, ...]:
    """f's result as a tuple; at least one entry must be a node."""
    outputs = tuple(out) if isinstance(out, (tuple, list)) else (out,)
    if not any(isinstance(o, Node) for o in outputs):
        raise TypeError(f"{name}: f must return a Value or Tensor (or a tuple of them), "
                        f"got {type(out).__name__}")
    return outputs


def _weights(outputs: tuple[Any, ...], rng: np.random.Generator) -> list[Any]:
    """The seed v of each output: None for a lone scalar output, else fixed random numbers."""
    if len(outputs) == 1 and np.size(raw_data(outputs[0])) == 1:
        return [None]
    return [rng.standard_normal(np.shape(raw_data(o))) if isinstance(raw_data(o), np.ndarray)
            else float(rng.standard_normal()) for o in outputs]


def _vector_jacobian(outputs: tuple[Any, ...], weights: list[Any], inputs: Sequence[Node],
                     create_graph: bool = False) -> list[Any]:
    """The sum over outputs of v^T d(out)/d(input), for each input."""
    total: list[Any] = [None] * len(inputs)
    for out, w in zip(outputs, weights):
        if isinstance(out, Node):  # a constant output contributes nothing
            gs = grad(out, inputs, create_graph=create_graph, grad_output=w)
            total = [g if t is None else t + g for t, g in zip(total, gs)]
    return total


def _dot(outputs: tuple[Any, ...], weights: list[Any]) -> float:
    """sum(out * v) over the outputs, in float64."""
    return float(sum(np.sum(np.asarray(raw_data(o), dtype=np.float64) * (1.0 if w is None else w))
                     for o, w in zip(outputs, weights)))


def _scalar(f: Callable[..., Any], inputs: Sequence[Node]) -> float:
    """f(*inputs) as a float, computed without recording a graph."""
    with no_grad():
        out = raw_data(f(*inputs))
    if np.size(out) != 1:
        raise ValueError(f"f must return a scalar, got shape {np.shape(out)}")
    return float(np.sum(out))
