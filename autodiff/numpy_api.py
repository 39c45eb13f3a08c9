"""NumPy functions on nodes: a ufunc or function that has a registered op records it.

`np.exp(t)`, `np.add(t, 1)` and `ndarray * t` reach `__array_ufunc__`, which applies the op
registered for that ufunc, so the graph is the one the method would record (on Values too:
`np.cos(v)` is `v.cos()`). `np.sum(t)`, `np.concatenate([t, u])`, ... reach
`__array_function__` (Tensor only), which calls the op with numpy's arguments. A numpy function
without an op would compute on the bare data and silently lose the gradient, so it is a
TypeError saying what to use instead. Functions that only look at a tensor (its shape, a
comparison, `allclose`, `argmax`, ...) run on its data and return plain numpy results.

This is also what lets a derivative formula written with numpy ufuncs (`g * np.cos(x)`) be
differentiated again: on nodes the ufunc records the op.
"""
from __future__ import annotations

from typing import Any, Callable, Optional

import numpy as np

from . import activations as act
from . import arithmetic as ar
from . import linalg, reductions, selection, shapes
from .node import Node, raw_data
from .operands import axis_argument
from .ops import Op

UFUNC_OPS: dict[np.ufunc, Op] = {
    np.add: ar.add, np.subtract: ar.sub, np.multiply: ar.mul, np.true_divide: ar.div,
    np.power: ar.power, np.negative: ar.neg, np.exp: ar.exp, np.log: ar.log, np.sqrt: ar.sqrt,
    np.sign: ar.sign, np.absolute: ar.abs, np.sin: ar.sin, np.cos: ar.cos, np.tanh: act.tanh,
    np.matmul: linalg.matmul,
}
# Ufuncs whose results carry no gradient (bools): they run on the data.
UFUNC_INSPECTIONS = frozenset({
    np.equal, np.not_equal, np.less, np.less_equal, np.greater, np.greater_equal,
    np.isnan, np.isinf, np.isfinite, np.signbit,
})
UFUNC_HINTS = {
    "square": "x * x or x ** 2", "reciprocal": "1 / x", "float_power": "x ** y",
    "log1p": "(1 + x).log()", "expm1": "x.exp() - 1", "exp2": "2 ** x",
    "log2": "x.log() / math.log(2)", "log10": "x.log() / math.log(10)",
    "maximum": "autodiff.where(a > b, a, b), or x.clip(low, None)",
    "minimum": "autodiff.where(a < b, a, b), or x.clip(None, high)",
    "positive": "+x", "tan": "x.sin() / x.cos()",
}


def array_ufunc(self: Any, ufunc: np.ufunc, method: str, *inputs: Any, **kwargs: Any) -> Any:
    """`__array_ufunc__` of Value and Tensor: the registered op of the ufunc, applied."""
    op = UFUNC_OPS.get(ufunc)
    if op is not None and method == "__call__" and not kwargs and op.elementwise:
        # Straight to the node's recording hot path, as the operators go: `x * v` with x a
        # numpy float comes here, and Op.__call__'s dispatch would cost as much again.
        kind = type(self)
        return kind._unary(op, inputs[0]) if op.unary else kind._binary(op, *inputs)
    name = ufunc.__name__
    if method != "__call__":
        method_hint = {"reduce": {"add": ".sum()", "maximum": ".max()", "minimum": ".min()"}}
        hint = method_hint.get(method, {}).get(name)
        raise TypeError(f"np.{name}.{method} is not supported on a {type(self).__name__}"
                        + (f"; use {hint}" if hint else "; use the Tensor methods or autodiff "
                           "ops (autodiff.REGISTRY lists them)"))
    if kwargs.get("out") is not None:
        raise TypeError(f"np.{name}(..., out=...): the result of an op on a "
                        f"{type(self).__name__} is a new node, never written into an array; "
                        f"write `a = a + t`, not `a += t`")
    unsupported = sorted(k for k in kwargs if k != "out")
    if unsupported:
        raise TypeError(f"np.{name}: the argument {unsupported[0]}= is not supported on a "
                        f"{type(self).__name__}")
    if op is not None:
        return op(*inputs)  # matmul: its own checks, and Value's refusal of array ops
    if ufunc in UFUNC_INSPECTIONS:
        return ufunc(*(raw_data(x) for x in inputs))
    raise TypeError(_missing(name, UFUNC_HINTS.get(name)))


def array_function(self: Node, func: Callable[..., Any], types: tuple[type, ...],
                   args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
    """`__array_function__` of Tensor: np.sum, np.concatenate, ... as the registered ops."""
    if not all(issubclass(t, (Node, np.ndarray)) for t in types):
        return NotImplemented  # another library's array type: let it (or numpy) decide
    handler = FUNCTIONS.get(func)
    if handler is not None:
        return handler(*args, **kwargs)
    if func in INSPECTIONS:
        return func(*(raw_data(x) for x in args), **{k: raw_data(v) for k, v in kwargs.items()})
    name = getattr(func, "__name__", str(func))
    module = getattr(func, "__module__", None) or "numpy"
    if module.startswith("numpy.") and not module.startswith("numpy._"):
        name = f"{module[len('numpy.'):]}.{name}"  # np.linalg.norm, not np.norm
    raise TypeError(_missing(name, FUNCTION_HINTS.get(name)))


def _missing(name: str, hint: Optional[str]) -> str:
    """The message for a numpy function without an op."""
    use = hint or "a Tensor method or an autodiff op (autodiff.REGISTRY lists the ops)"
    return (f"np.{name} has no registered op, so on a node it would drop the gradient: use "
            f"{use} instead, or np.{name}(t.data) for a plain array without gradient. A "
            f"derivative formula must use autodiff ops (autodiff.cos, not math.cos), or the "
            f"numpy ufuncs that dispatch to them, to be differentiated again")


# --- numpy's functions, with numpy's argument names --------------------------------------------


def _no_extras(name: str, **given: Any) -> None:
    """Refuse numpy arguments that have no meaning for a node (out=, dtype=, ...)."""
    for key, value in given.items():
        if value is not None:
            raise TypeError(f"np.{name}: the argument {key}= is not supported on a Tensor "
                            f"(a result is a new Tensor; change its dtype with .astype)")


def _axis(name: str, a: Any, axis: Any) -> Any:
    """numpy's axis argument checked as the Tensor methods check it (lists become tuples)."""
    return axis_argument(f"np.{name}", axis, np.ndim(raw_data(a)))


def _sum(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
         keepdims: bool = False) -> Any:
    _no_extras("sum", dtype=dtype, out=out)
    return reductions.sum(a, _axis("sum", a, axis), keepdims)


def _mean(a: Any, axis: Any = None, dtype: Any = None, out: Any = None,
          keepdims: bool = False) -> Any:
    _no_extras("mean", dtype=dtype, out=out)
    return reductions.mean(a, _axis("mean", a, axis), keepdims)


def _var(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
         keepdims: bool = False) -> Any:
    _no_extras("var", dtype=dtype, out=out)
    return reductions.var(a, _axis("var", a, axis), keepdims, ddof)


def _std(a: Any, axis: Any = None, dtype: Any = None, out: Any = None, ddof: int = 0,
         keepdims: bool = False) -> Any:
    _no_extras("std", dtype=dtype, out=out)
    return reductions.std(a, _axis("std", a, axis), keepdims, ddof)


def _max(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
    _no_extras("max", out=out)
    return reductions.max(a, _axis("max", a, axis), keepdims)


def _min(a: Any, axis: Any = None, out: Any = None, keepdims: bool = False) -> Any:
    _no_extras("min", out=out)
    return reductions.min(a, _axis("min", a, axis), keepdims)


def _reshape(a: Any, shape: Any = None, order: str = "C", *, newshape: Any = None,
             copy: Any = None) -> Any:
    if order != "C" or copy is not None:
        raise TypeError("np.reshape: only order='C' and copy=None are supported on a Tensor")
    target = newshape if shape is None else shape
    return shapes.reshape(a, (target,) if isinstance(target, (int, np.integer)) else
                          tuple(target))


def _transpose(a: Any, axes: Any = None) -> Any:
    return shapes.transpose(a, None if axes is None else tuple(axes))


def _concatenate(arrays: Any, axis: Optional[int] = 0, out: Any = None, dtype: Any = None,
                 casting: Any = None) -> Any:
    _no_extras("concatenate", out=out, dtype=dtype, casting=casting)
    if axis is None:  # numpy flattens every input first
        return shapes.concatenate([shapes.reshape(x, (-1,)) for x in arrays], 0)
    return shapes.concatenate(list(arrays), axis)


def _stack(arrays: Any, axis: int = 0, out: Any = None, dtype: Any = None,
           casting: Any = None) -> Any:
    _no_extras("stack", out=out, dtype=dtype, casting=casting)
    return shapes.stack(list(arrays), axis)


def _where(condition: Any, *values: Any) -> Any:
    if not values:  # np.where(cond) is np.nonzero(cond): indices, no gradient
        return np.nonzero(raw_data(condition))
    if len(values) != 2:
        raise TypeError("np.where takes a condition alone, or a condition and two values")
    return selection.where(condition, *values)


def _clip(a: Any, a_min: Any = None, a_max: Any = None, out: Any = None, *, min: Any = None,
          max: Any = None) -> Any:
    _no_extras("clip", out=out)
    return selection.clip(a, min if a_min is None else a_min, max if a_max is None else a_max)


FUNCTIONS: dict[Callable[..., Any], Callable[..., Any]] = {
    np.sum: _sum, np.mean: _mean, np.var: _var, np.std: _std,
    np.max: _max, np.amax: _max, np.min: _min, np.amin: _min,
    np.reshape: _reshape, np.transpose: _transpose,
    np.concatenate: _concatenate, np.stack: _stack, np.where: _where, np.clip: _clip,
}
# Functions that only look at the data (shapes, comparisons, indices): they run on it.
INSPECTIONS = frozenset({
    np.shape, np.ndim, np.size, np.allclose, np.isclose, np.array_equal, np.array_equiv,
    np.argmax, np.argmin, np.argsort, np.nonzero, np.count_nonzero, np.any, np.all,
    np.may_share_memory, np.shares_memory, np.result_type,
    np.zeros_like, np.ones_like, np.empty_like, np.full_like,  # plain arrays of the same shape
})
FUNCTION_HINTS = {
    "dot": "a @ b (autodiff.matmul)", "squeeze": "t.squeeze(axis)",
    "expand_dims": "t.unsqueeze(axis)", "broadcast_to": "t.broadcast_to(shape)",
    "ravel": "t.flatten()", "linalg.norm": "(t * t).sum().sqrt()",
}
