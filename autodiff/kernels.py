"""How each op is written in generated code: the expression `compile` emits for one op.

A built-in op on floats is an inline expression with `math` (`a * b`, `tanh(a)`, relu as a
conditional expression), the same operations its scalar forward performs, so the generated
code computes the same bits without a call. On arrays, arithmetic is numpy's operators and the
other built-ins call numpy (or an array method) directly, past the argument checks the op's
forward makes (settings such as an axis were checked while tracing). Any other op calls its
own forward: `mish(x)`.

An array kernel may also name the numpy ufunc that computes it, so the code generator can
write the result into a buffer that is no longer needed (`np.tanh(a, out=a)`), and says whether
its result is a new array (which may later be overwritten) or may share memory with its inputs.
"""
from __future__ import annotations

import math
import operator
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .operands import axis_argument
from .ops import BUILT_IN, REGISTRY, Op


@dataclass(frozen=True)
class Kernel:
    """One op as code: `expr` over the argument strings; for arrays, the numpy ufunc that can
    write it into a buffer (`ufunc`), and whether the result is a new array (`fresh`)."""

    expr: str
    ufunc: Optional[str] = None
    fresh: bool = False


Bind = Callable[[Any, str], str]  # names a callable in the generated code's namespace

# --- floats: the same operations as each scalar forward, written inline ----------------------

# Names the inline forms use, bound in every generated namespace.
MATH = {"exp": math.exp, "log": math.log, "sqrt": math.sqrt, "sin": math.sin, "cos": math.cos,
        "tanh": math.tanh, "fabs": math.fabs, "pow": math.pow, "expm1": math.expm1,
        "log1p": math.log1p, "inf": math.inf, "nan": math.nan}

SCALAR = {
    "add": "{0} + {1}", "sub": "{0} - {1}", "mul": "{0} * {1}", "div": "{0} / {1}",
    "neg": "-{0}", "power": "pow({0}, {1})", "exp": "exp({0})", "log": "log({0})",
    "sqrt": "sqrt({0})", "sin": "sin({0})", "cos": "cos({0})", "tanh": "tanh({0})",
    "abs": "fabs({0})",
    "sign": "(1.0 if {0} > 0 else (-1.0 if {0} < 0 else {0} * 0.0))",
    "step": "(1.0 if {0} > 0 else 0.0)",
    "relu": "(0.0 if {0} <= 0 else {0})",
    "leaky_relu": "({0} if {0} > 0 else {0} * {1})",
    "elu": "({0} if {0} > 0 else {1} * expm1({0}))",
    "sigmoid": "(1.0 / (1.0 + exp(-{0})) if {0} >= 0 else exp({0}) / (1.0 + exp({0})))",
    "softplus": "max({0}, 0.0) + log1p(exp(-fabs({0})))",
    "log_sigmoid": "min({0}, 0.0) - log1p(exp(-fabs({0})))",
}


def scalar_template(op: Op, count: int, bind: Bind) -> str:
    """The expression for op on `count` floats, over {0}, {1}, ...: inline for a built-in,
    else a call of the op's scalar forward."""
    template = SCALAR.get(op.name)
    if template is not None and is_built_in(op):
        return template
    call = f"{bind(op.scalar, op.name)}({', '.join(f'{{{i}}}' for i in range(count))})"
    return call if op.unary or op.slots else f"float({call})"  # as Value's _wide stores it


# --- arrays ------------------------------------------------------------------------------------

ARITHMETIC = {"add": ("{0} + {1}", "add"), "sub": ("{0} - {1}", "subtract"),
              "mul": ("{0} * {1}", "multiply"), "div": ("{0} / {1}", "true_divide"),
              "neg": ("-{0}", "negative")}
UFUNCS = {"exp": "exp", "log": "log", "sqrt": "sqrt", "sin": "sin", "cos": "cos",
          "tanh": "tanh", "abs": "absolute", "sign": "sign", "power": "power",
          "relu": "maximum"}
# The ufuncs that may write into an input's buffer: correctly rounded, so the same bits either
# way. numpy may compute exp, log, tanh, power, ... by another loop when the output is an
# input, which can differ in the last bit from the interpreter's.
EXACT = frozenset({"add", "subtract", "multiply", "true_divide", "negative", "absolute", "sign",
                   "sqrt", "maximum"})
# Built-ins whose array forward always returns a new array (never one of its inputs).
FRESH = frozenset({"step", "sigmoid", "leaky_relu", "elu", "softplus", "log_sigmoid",
                   "bent_identity", "silu", "gelu", "matmul", "linear", "logsumexp", "softmax",
                   "log_softmax", "where", "clip", "embed", "concatenate"})


def array_kernel(op: Op, args: Sequence[str], values: Sequence[Any], data: Sequence[Any],
                 result: np.ndarray, bind: Bind) -> Kernel:
    """The expression for op on arrays. `values` holds each argument's raw value where it is a
    constant (None where it is traced), `data` each argument's traced data or value, `result`
    the traced result."""
    shapes, shape = [np.shape(x) for x in data], result.shape
    name = op.name if is_built_in(op) else ""
    if name in ARITHMETIC:
        template, ufunc = ARITHMETIC[name]
        return Kernel(template.format(*args), ufunc, True)
    if name in UFUNCS:
        ufunc = UFUNCS[name]
        extra = ", 0" if name == "relu" else ""  # relu(x) = maximum(x, 0)
        return Kernel(f"np.{ufunc}({', '.join(args)}{extra})",
                      ufunc if ufunc in EXACT else None, True)
    if name in ("sum", "max", "min"):
        return Kernel(f"{args[0]}.{name}({_reduced(name, values, shapes[0])})", fresh=True)
    if name == "mean" and result.size and result.dtype != np.float16:  # as its forward computes it
        share = 1.0 / (int(np.prod(shapes[0])) // result.size or math.nan)
        return Kernel(f"{args[0]}.sum({_reduced(name, values, shapes[0])}) * {share!r}", fresh=True)
    if name == "matmul":
        return Kernel(f"{args[0]} @ {args[1]}", fresh=True)
    if name == "linear":  # as its forward: the bias added into the product where it fits
        bias = data[2]
        if type(bias) is np.ndarray and bias.shape == shape[-1:] and bias.dtype == result.dtype:
            return Kernel(f"{bind(operator.iadd, 'iadd')}({args[0]} @ {args[1]}, {args[2]})",
                          fresh=True)
        return Kernel(f"{args[0]} @ {args[1]} + {args[2]}", fresh=True)
    if name == "reshape":
        return Kernel(f"{args[0]}.reshape({args[1]})")
    if name == "transpose":
        return Kernel(f"{args[0]}.transpose({'' if values[1] is None else args[1]})")
    if name == "mT":
        return Kernel(f"{args[0]}.swapaxes(-1, -2)")
    if name == "getitem":
        return Kernel(f"{args[0]}[{args[1]}]")
    if name == "sum_to":
        return _sum_to(args[0], shape, shapes[0] or ())
    return Kernel(f"{bind(op.array, op.name)}({', '.join(args)})", fresh=name in FRESH)


def _reduced(name: str, values: Sequence[Any], shape: tuple[int, ...]) -> str:
    """A reduction's axis and keepdims as keyword arguments (none where they are the defaults)."""
    axis = axis_argument(name, values[1], len(shape))
    parts = [f"axis={axis!r}"] if axis is not None else []
    return ", ".join(parts + (["keepdims=True"] if values[2] else []))


def _sum_to(x: str, shape: tuple[int, ...], source: tuple[int, ...]) -> Kernel:
    """sum_to with its axes worked out once, from the traced shapes."""
    lead = len(source) - len(shape)
    stretched = tuple(lead + i for i, n in enumerate(shape) if n == 1 and source[lead + i] != 1)
    if stretched:
        axes = tuple(range(lead)) + stretched
        return Kernel(f"{x}.sum(axis={axes!r}, keepdims=True).reshape({shape!r})", fresh=True)
    if lead:
        return Kernel(f"{x}.sum(axis={tuple(range(lead))!r})", fresh=True)
    return Kernel(x)  # nothing to sum: the input itself, as the op's forward returns it


def broadcasts(op: Op) -> bool:
    """Whether op is written as numpy arithmetic or a ufunc, which broadcast their inputs and
    take a number for a constant array of one value, with the same result."""
    return (op.name in ARITHMETIC or op.name in UFUNCS) and is_built_in(op)


def is_built_in(op: Op, name: Optional[str] = None) -> bool:
    """Whether op is the package's own op (named `name`, if given), not a user's."""
    return (name is None or op.name == name) and op.name in BUILT_IN and REGISTRY.get(op.name) is op
