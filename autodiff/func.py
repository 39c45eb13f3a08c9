"""Function transforms, as in JAX and torch.func: grad, value_and_grad, jacobian, jacfwd,
hessian, hvp, vjp, jvp.

A transform takes a function f of floats, arrays, and tuples, lists and dicts of them (nested),
and returns a function of the same arguments (or, for vjp and jvp, the results at given
points). Inside, f receives a `Value` for each float and a `Tensor` for each array of the
arguments being differentiated (`argnums`; the other arguments are passed as given) and uses
autodiff ops. Results are plain floats and arrays of the inputs' dtypes, nested as JAX nests
them: the Jacobian of an output leaf of shape (m,) in an input leaf of shape (n,) has shape
(m, n), with the output's structure outside and the input's inside.

Everything is reverse mode. `vjp` runs f once and pulls cotangents back through its graph;
`jacobian` pulls back one basis vector per output element. Forward mode is the transpose of
the vjp: u -> J^T u is linear in u, so its derivative in u along a tangent v is J v, computed by
reverse mode again, with no new derivative formulas (one pass per input element for `jacfwd`,
where `jacobian` takes one per output element). Transforms compose: inside another transform's
f, a transform records the graph of its own derivatives (`create_graph=True`) and returns
nodes, which the outer transform differentiates; each input gets a node of its own, so an
inner derivative never mistakes an outer variable for its own.
"""
from __future__ import annotations

import functools
import threading
from typing import Any, Callable, Sequence

import numpy as np

from .node import Node, enable_grad
from .pullback import blocks, cotangent_leaf, data_of, is_float, moved, pull
from .pytree import TreeDef, flatten, tree_map, unflatten
from .tensor import Tensor
from .value import Value

__all__ = ["grad", "value_and_grad", "jacobian", "jacfwd", "hessian", "hvp", "vjp", "jvp"]

Argnums = int | Sequence[int]
_STATE = threading.local()  # .depth: how many transforms' functions are running in this thread


def value_and_grad(f: Callable[..., Any], argnums: Argnums = 0,
                   has_aux: bool = False) -> Callable[..., Any]:
    """The function returning (f(*args), df/d args[argnums]) for scalar-valued f; with has_aux,
    f returns (value, aux) and the function ((value, aux), gradient). Serves
    `scipy.optimize.minimize(..., jac=True)` as it is."""
    return _value_and_grad("value_and_grad", f, argnums, has_aux)


def _value_and_grad(name: str, f: Callable[..., Any], argnums: Argnums,
                    has_aux: bool) -> Callable[..., Any]:
    def value_and_grad_f(*args: Any, **kwargs: Any) -> Any:
        run = _Run(name, f, args, kwargs, argnums)
        value, aux = _split_aux(name, run.out, has_aux)
        if not _is_scalar(value):
            raise ValueError(f"{name}: f must return a scalar (a Value, or a Tensor of shape "
                             f"()), got {_describe(value)}")
        grads = pull([value], [None], run.leaves, run.nested)
        value = run.returned(value)
        return ((value, run.returned(aux)) if has_aux else value), run.packed(grads)
    return functools.wraps(f)(value_and_grad_f)


def grad(f: Callable[..., Any], argnums: Argnums = 0,
         has_aux: bool = False) -> Callable[..., Any]:
    """The function returning df/d args[argnums] for scalar-valued f (a tuple of gradients for
    a tuple of argnums); with has_aux, f returns (value, aux) and the function (gradient, aux)."""
    both = _value_and_grad("grad", f, argnums, has_aux)

    def grad_f(*args: Any, **kwargs: Any) -> Any:
        value, gradient = both(*args, **kwargs)
        return (gradient, value[1]) if has_aux else gradient
    return functools.wraps(f)(grad_f)


def jacobian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The function returning the Jacobian of f in args[argnums] by reverse mode: one backward
    pass per output element."""
    def jacobian_f(*args: Any, **kwargs: Any) -> Any:
        run = _Run("jacobian", f, args, kwargs, argnums)
        outs, out_def = _flat_outputs("jacobian", run.out)
        with enable_grad():
            jac = blocks(outs, run.leaves, run.nested)
        return unflatten(out_def, [run.packed(row) for row in jac])
    return functools.wraps(f)(jacobian_f)


def jacfwd(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The function returning the Jacobian of f in args[argnums] by forward mode (the transpose
    of the vjp): one pass per input element, so it suits functions with few inputs."""
    def jacfwd_f(*args: Any, **kwargs: Any) -> Any:
        run = _Run("jacfwd", f, args, kwargs, argnums)
        outs, out_def = _flat_outputs("jacfwd", run.out)
        us = [cotangent_leaf(o) for o in outs]
        with enable_grad():
            pulled = pull(outs, us, run.leaves, True)  # J^T u, linear in the u's
            transposed = blocks(pulled, us, run.nested)  # [input leaf][output leaf]
            jac = [[moved(transposed[j][i], x, run.nested) for j, x in enumerate(run.leaves)]
                   for i in range(len(outs))]
        return unflatten(out_def, [run.packed(row) for row in jac])
    return functools.wraps(f)(jacfwd_f)


def hessian(f: Callable[..., Any], argnums: Argnums = 0) -> Callable[..., Any]:
    """The function returning the Hessian of scalar-valued f in args[argnums]: the Jacobian of
    its gradient (reverse over reverse, the cheapest composition here)."""
    return functools.wraps(f)(jacobian(grad(f, argnums), argnums))


def vjp(f: Callable[..., Any], *primals: Any,
        has_aux: bool = False) -> tuple[Any, ...]:
    """(f(*primals), vjp_fn), where vjp_fn(cotangent) is the tuple of cotangent^T df/dprimal,
    one per primal; the cotangent has the structure of f's output. With has_aux, f returns
    (output, aux), and vjp returns (output, vjp_fn, aux)."""
    run = _Run("vjp", f, primals, {}, tuple(range(len(primals))))
    out, aux = _split_aux("vjp", run.out, has_aux)
    outs, out_def = _flat_outputs("vjp", out)

    def vjp_fn(cotangent: Any) -> tuple[Any, ...]:
        seeds = _matching("vjp: the cotangent", cotangent, out_def, outs)
        create = run.nested or _depth() > 0 or any(isinstance(s, Node) for s in seeds)
        return run.packed(pull(outs, seeds, run.leaves, create), whole=True)
    if has_aux:
        return run.returned(out), vjp_fn, run.returned(aux)
    return run.returned(out), vjp_fn


def jvp(f: Callable[..., Any], primals: Sequence[Any],
        tangents: Sequence[Any]) -> tuple[Any, Any]:
    """(f(*primals), J v): the output and its directional derivative along `tangents` (a
    sequence like primals), by the transpose of the vjp."""
    primals, tangents = _sequences("jvp", primals, tangents)
    run = _Run("jvp", f, primals, {}, tuple(range(len(primals))))
    outs, out_def = _flat_outputs("jvp", run.out)
    directions = _matching("jvp: tangents", tangents, flatten(primals)[1], run.leaves)
    us = [cotangent_leaf(o) for o in outs]
    pulled = pull(outs, us, run.leaves, True)  # J^T u, linear in the u's
    pushed = pull(pulled, directions, us, run.nested)  # d(v . J^T u)/du = J v
    return run.returned(run.out), unflatten(out_def, pushed)


def hvp(f: Callable[..., Any], primals: Sequence[Any], tangents: Sequence[Any]) -> tuple[Any, ...]:
    """H v for scalar-valued f: the Hessian in all of `primals` applied to `tangents` (one entry
    per primal), by reverse over reverse (H is symmetric, so H v is the vjp of the gradient)."""
    primals, tangents = _sequences("hvp", primals, tangents)
    gradient = grad(f, argnums=tuple(range(len(primals))))
    return vjp(gradient, *primals)[1](tangents)


# --- running f on nodes ---------------------------------------------------------------------


def _depth() -> int:
    return getattr(_STATE, "depth", 0)


class _Run:
    """f applied to fresh nodes for the differentiated arguments: what each transform starts
    from. `nested` (inside another transform, or given nodes): results stay nodes."""

    def __init__(self, name: str, f: Callable[..., Any], args: Sequence[Any],
                 kwargs: dict[str, Any], argnums: Argnums) -> None:
        if not callable(f):
            raise TypeError(f"{name}: f must be callable, got {type(f).__name__}")
        self.argnums = argnums
        depth = _depth()
        self.nested = depth > 0
        args = list(args)
        self.leaves: list[Node] = []
        self.defs: list[TreeDef] = []
        with enable_grad():  # a transform differentiates even inside no_grad()
            for p in _positions(name, argnums, len(args)):
                raw, treedef = flatten(args[p])
                self.nested = self.nested or any(isinstance(x, Node) for x in raw)
                nodes = [_input_leaf(name, x, p) for x in raw]
                self.leaves.extend(nodes)
                self.defs.append(treedef)
                args[p] = unflatten(treedef, nodes)
            _STATE.depth = depth + 1
            try:
                self.out = f(*args, **kwargs)
            finally:
                _STATE.depth = depth

    def packed(self, per_leaf: list[Any], whole: bool = False) -> Any:
        """Values per input leaf as the differentiated arguments' trees: one tree for an int
        argnums, else a tuple of them."""
        trees, start = [], 0
        for treedef in self.defs:
            trees.append(unflatten(treedef, per_leaf[start:start + treedef.count]))
            start += treedef.count
        return trees[0] if isinstance(self.argnums, int) and not whole else tuple(trees)

    def returned(self, tree: Any) -> Any:
        """f's output as the caller gets it: nodes stay nodes when nested, else raw copies."""
        return tree if self.nested else tree_map(_raw, tree)


# --- leaves, outputs, checks ------------------------------------------------------------------


def _input_leaf(name: str, x: Any, position: int) -> Node:
    """The node f sees for one leaf of a differentiated argument: a Value for a float, a Tensor
    for a float array, a node of its own depending on a node (see the module doc)."""
    if isinstance(x, Node):
        if getattr(x, "requires_grad", True):
            out = x * 1.0
            out.label = x.label
            return out
        return Tensor(x.data.copy(), requires_grad=True, label=x.label)
    if isinstance(x, np.ndarray):
        if not np.issubdtype(x.dtype, np.floating):
            raise TypeError(f"{name}: argument {position} holds an array of dtype {x.dtype}; "
                            f"differentiate float arrays (cast it with .astype(float))")
        return Tensor(np.array(x), requires_grad=True)
    if isinstance(x, (float, int, np.floating)) and not isinstance(x, bool):
        return Value(float(x))
    raise TypeError(f"{name}: argument {position} holds a {type(x).__name__}; differentiate "
                    f"floats, float arrays, and tuples, lists and dicts of them")


def _flat_outputs(name: str, out: Any) -> tuple[list[Any], TreeDef]:
    outs, out_def = flatten(out)
    for x in outs:
        if not isinstance(x, (Node, np.ndarray, float, int)) or isinstance(x, bool):
            raise TypeError(f"{name}: f returned a {type(x).__name__} in its output; return "
                            f"Values, Tensors, numbers or arrays (in tuples, lists or dicts)")
    return outs, out_def


def _matching(what: str, tree: Any, treedef: TreeDef, like: list[Any]) -> list[Any]:
    """The leaves of `tree`, checked to have treedef's structure and like's shapes."""
    leaves, given = flatten(tree)
    if given != treedef:
        raise ValueError(f"{what} must have the structure {treedef}, got {given}")
    for i, (x, ref) in enumerate(zip(leaves, like)):
        if np.shape(data_of(x)) != np.shape(data_of(ref)):
            raise ValueError(f"{what}: leaf {i} has shape {np.shape(data_of(x))}, where "
                             f"{np.shape(data_of(ref))} is expected")
    return leaves


def _sequences(name: str, primals: Any, tangents: Any) -> tuple[tuple[Any, ...], tuple[Any, ...]]:
    for what, x in (("primals", primals), ("tangents", tangents)):
        if not isinstance(x, (tuple, list)):
            raise TypeError(f"{name}: {what} must be a tuple or list (one entry per argument "
                            f"of f), got {type(x).__name__}")
    return tuple(primals), tuple(tangents)


def _positions(name: str, argnums: Argnums, count: int) -> list[int]:
    """argnums as a list of argument positions, checked."""
    many = not isinstance(argnums, int)
    given = list(argnums) if many and isinstance(argnums, (tuple, list)) else [argnums]
    for p in given:
        if not isinstance(p, int) or isinstance(p, bool):
            raise TypeError(f"{name}: argnums must be an int or a tuple of ints, got {argnums!r}")
        if not -count <= p < count:
            raise ValueError(f"{name}: argnums {argnums!r} is out of range for {count} "
                             f"argument{'s' * (count != 1)}")
    positions = [p % count for p in given]
    if not positions:
        raise ValueError(f"{name}: nothing to differentiate: give f at least one argument "
                         f"(argnums {argnums!r})")
    if len(set(positions)) < len(positions):
        raise ValueError(f"{name}: argnums {argnums!r} must name distinct arguments")
    return positions


def _split_aux(name: str, out: Any, has_aux: bool) -> tuple[Any, Any]:
    if not has_aux:
        return out, None
    if not isinstance(out, (tuple, list)) or len(out) != 2:
        raise TypeError(f"{name}(has_aux=True): f must return a pair (output, aux), "
                        f"got {_describe(out)}")
    return out[0], out[1]


def _is_scalar(x: Any) -> bool:
    return is_float(x) or isinstance(x, (Tensor, np.ndarray)) and np.shape(data_of(x)) == ()


def _describe(x: Any) -> str:
    if isinstance(x, Tensor):
        return f"a Tensor of shape {x.shape}"
    if isinstance(x, np.ndarray):
        return f"an array of shape {x.shape}"
    return f"a {type(x).__name__}"


def _raw(x: Any) -> Any:
    """A node as a plain float or a copy of its array; anything else as it is."""
    if isinstance(x, Value):
        return x.data
    if isinstance(x, Tensor):
        return x.data.copy()
    return x
