"""The op record with its declared signature, the registry, and the one dispatch point.

Every differentiable operation is an `Op`: a forward function on arrays (and optionally a fast
one on floats), one vector-Jacobian formula per input, and a declared signature: every
argument's name and default, and which arguments carry a derivative. A formula receives the
upstream gradient `g`, the op's output `y` and all the arguments, and returns the gradient for
its input. Formulas use only arithmetic operators and registry ops, so the same formula runs on
floats and arrays (first-order backward) and on `Value`/`Tensor` nodes (where it records a graph
of its own: higher derivatives).

The arguments of an op are its inputs (one formula each; `None` for an input that takes nodes
but passes no gradient, such as `where`'s condition) followed by its parameters (settings such
as an axis or elu's alpha: never nodes, never differentiated). `inspect.signature(op)` and
`help(op)` show them: `leaky_relu(x, slope=0.01)`, `sum(x, axis=None, keepdims=False)`.

An op is also a function: `exp(2.0)`, `exp(np.ones(3))`, `exp(Value(2.0))` and
`exp(Tensor([1.0]))` all work, because `Op.__call__` dispatches on the arguments' types.
"""
from __future__ import annotations

import ast
import difflib
import inspect
import math
from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .node import Node
from .numerics import ieee, number, scalar_from_array
from .operands import parameter_node_error

Formula = Callable[..., Any]
MISSING = inspect.Parameter.empty


@dataclass(frozen=True)
class Domain:
    """Where an input is valid: the open interval (low, high), minus the points in `kinks`."""

    low: float = -math.inf
    high: float = math.inf
    kinks: tuple[float, ...] = ()

    def __post_init__(self) -> None:
        for name in ("low", "high"):
            if not isinstance(getattr(self, name), (int, float)):
                raise TypeError(f"Domain: {name} must be a number, got "
                                f"{type(getattr(self, name)).__name__}")
        if not self.low < self.high:
            raise ValueError(f"Domain: low must be below high, got low={self.low}, "
                             f"high={self.high}")
        if not (isinstance(self.kinks, tuple)
                and all(isinstance(k, (int, float)) for k in self.kinks)):
            raise TypeError(f"Domain: kinks must be a tuple of numbers, got {self.kinks!r}")

    def contains(self, x: float) -> bool:
        """True when x lies inside the interval and is not a kink."""
        return self.low < x < self.high and x not in self.kinks


REALS = Domain()
POSITIVE = Domain(low=0.0)
KINK_AT_ZERO = Domain(kinks=(0.0,))
NONZERO = KINK_AT_ZERO  # a pole at 0 (div's divisor) is avoided like a kink


class UnknownOpError(ValueError, KeyError, AttributeError):
    """No op of that name is registered. One error from every route: a ValueError for a bad
    argument (an activation name), a KeyError for a look-up, an AttributeError for a method."""

    def __str__(self) -> str:
        return str(self.args[0]) if self.args else ""


class Op:
    """A registered operation: forwards, one derivative formula per input, a declared signature.

    `derivatives` has one entry per argument: a formula, or None where no gradient flows (an
    input without a derivative, and every parameter). `params` are the argument names,
    `defaults` their defaults (`MISSING` where required), `differentiable` the names that carry
    a derivative. A `variadic` op takes any number of inputs (`*xs`) and its one formula returns
    the gradients of all of them. `elementwise` ops broadcast their inputs and work on floats
    and on arrays; the others (reductions, shapes) only on arrays.
    """

    def __init__(self, name: str, array: Callable[..., Any], derivatives: Sequence[Optional[Formula]],
                 params: Sequence[str], defaults: Sequence[Any], *, ninputs: int,
                 scalar: Optional[Callable[..., Any]] = None,
                 domain: Sequence[Optional[Domain]] = (), elementwise: bool = True,
                 variadic: bool = False, doc: str = "") -> None:
        self.name = name
        self.array = array
        self.scalar = scalar if scalar is not None else scalar_from_array(array)
        self.derivatives = tuple(derivatives)
        self.params = tuple(params)
        self.defaults = tuple(defaults)
        self.ninputs = ninputs
        self.nparams = len(self.params) - ninputs
        self.nargs = -1 if variadic else len(self.params)
        self.variadic = variadic
        self.unary = self.nargs == 1
        self.elementwise = elementwise
        self.domain = tuple(domain)
        self.differentiable = tuple(p for p, d in zip(self.params, self.derivatives)
                                    if d is not None)
        # The formulas of the first two arguments, read by the engine's binary fast path.
        self.da = self.derivatives[0] if self.derivatives else None
        self.db = self.derivatives[1] if len(self.derivatives) > 1 else None
        self.param_b = self.nargs == 2 and ninputs == 1  # binary, second argument a parameter
        # Recorded in the two input slots (see node.py): one argument, or two whose second is
        # a parameter or which both carry a derivative. Any other op is recorded "wide".
        self.slots = self.unary or self.param_b or (
            self.nargs == 2 and None not in self.derivatives)
        self._index = {p: i for i, p in enumerate(self.params)}
        self.__signature__ = _signature(self.params, self.defaults, ninputs, variadic)
        self.__doc__ = f"{name}{self.__signature__}\n\n{doc or 'A registered op.'}"
        self.doc = doc

    def __repr__(self) -> str:
        return f"<op {self.name}{self.__signature__}>"

    def __str__(self) -> str:
        return self.name

    def bind(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        """The arguments as one positional tuple with defaults filled in, or a TypeError as
        Python gives for a function of this signature."""
        if self.variadic:
            params = self.params[self.ninputs:]
            inputs = args
            bound = [MISSING] * len(params)
            offset = self.ninputs
        else:
            if len(args) > self.nargs:
                raise TypeError(f"{self.name}{self.__signature__} takes {self.nargs} "
                                f"argument{'s' * (self.nargs != 1)} but {len(args)} were given")
            inputs = ()
            bound = list(args) + [MISSING] * (self.nargs - len(args))
            offset = 0
        for key, value in kwargs.items():
            i = self._index.get(key, -1) - offset
            if i < 0:
                raise TypeError(f"{self.name}{self.__signature__} got an unexpected keyword "
                                f"argument {key!r}")
            if bound[i] is not MISSING:
                raise TypeError(f"{self.name}{self.__signature__} got multiple values for "
                                f"argument {key!r}")
            bound[i] = value
        for i, value in enumerate(bound):
            if value is MISSING:
                default = self.defaults[offset + i]
                if default is MISSING:
                    raise TypeError(f"{self.name}{self.__signature__} missing required "
                                    f"argument {self.params[offset + i]!r}")
                bound[i] = default
        return (*inputs, *bound)

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        """Apply the op to numbers, arrays, `Value`s or `Tensor`s."""
        if kwargs or len(args) != self.nargs:
            args = self.bind(args, kwargs)
        # The common cases inside first-order derivative formulas: raw floats and arrays.
        if self.unary:
            a = args[0]
            if type(a) is float:
                try:
                    return self.scalar(a)
                except (ArithmeticError, ValueError):
                    return ieee(self.array, a)
            if type(a) is np.ndarray:
                return self.array(a)
        elif self.nargs == 2:
            a, b = args
            if type(a) is float and (type(b) is float or type(b) is int) and self.elementwise:
                try:
                    return self.scalar(a, b)
                except (ArithmeticError, ValueError):
                    return ieee(self.array, a, b)
            if type(a) is np.ndarray and not isinstance(b, Node):
                return self.array(a, b)
        count = len(args) - self.nparams
        for i in range(count, len(args)):
            if isinstance(args[i], Node):
                raise parameter_node_error(self.name, self.params[i - count + self.ninputs],
                                           args[i])
        for i in range(count):
            if isinstance(args[i], Node):
                return type(args[i])._record(self, args)
        if self.elementwise and not any(isinstance(x, np.ndarray) for x in args[:count]):
            values = [number(x, self.name) for x in args[:count]]
            try:
                return self.scalar(*values, *args[count:])
            except (ArithmeticError, ValueError):
                return ieee(self.array, *values, *args[count:])
        return self.array(*(x if isinstance(x, np.ndarray) else np.asarray(x)
                            for x in args[:count]), *args[count:])


def _signature(params: Sequence[str], defaults: Sequence[Any], ninputs: int,
               variadic: bool) -> inspect.Signature:
    """The inspect.Signature an op shows: positional arguments, or *inputs and keywords."""
    if variadic:
        kinds = [inspect.Parameter.VAR_POSITIONAL] + [inspect.Parameter.KEYWORD_ONLY] * (
            len(params) - 1)
    else:
        kinds = [inspect.Parameter.POSITIONAL_OR_KEYWORD] * len(params)
    return inspect.Signature([inspect.Parameter(p, kind, default=d)
                              for p, kind, d in zip(params, kinds, defaults)])


class _Registry(dict):  # type: ignore[type-arg]
    """Every op by name. A name not in it is an UnknownOpError, as from `lookup`."""

    def __missing__(self, name: str) -> Op:
        return lookup(name)


REGISTRY: dict[str, Op] = _Registry()
BUILT_IN: set[str] = set()  # names registered by the package itself: never replaced or removed
RESERVED: set[str] = set()  # attributes of Value and Tensor that an op name would be hidden by


def register(name: str, forward: Callable[..., Any], *derivatives: Optional[Formula],
             signature: Optional[str] = None, scalar: Optional[Callable[..., Any]] = None,
             domain: Optional[Domain | Sequence[Optional[Domain]]] = None,
             elementwise: bool = True, replace: bool = False, doc: str = "") -> Op:
    """Register an op and return it: a forward on arrays and one derivative formula per input.

    `signature` declares the arguments, as in a `def`: "x, slope=0.01" or "*xs, axis=0" (the
    default is x for one formula, a, b for two). Formulas match the leading arguments in order
    (None: that input passes no gradient); arguments after the last formula are parameters.
    A formula is `d(g, y, *args)`. `scalar` is an optional fast forward on Python floats;
    `domain` is one `Domain` for every input or one per argument (None: drawn from the default).
    `replace=True` replaces an op registered earlier under the same name.
    """
    _check_name(name, replace)
    for i, f in enumerate((forward, scalar, *derivatives)):
        if f is not None and not callable(f):
            what = ("forward", "scalar")[i] if i < 2 else f"derivative {i - 2}"
            raise TypeError(f"register({name!r}): the {what} must be callable, got "
                            f"{type(f).__name__}")
    if forward is None:
        raise TypeError(f"register({name!r}): the forward must be callable, got NoneType")
    if not derivatives or all(d is None for d in derivatives):
        raise TypeError(f"register({name!r}): give at least one derivative formula (one per "
                        f"input, None for an input without one)")
    params, defaults, variadic = _parse_signature(name, signature, len(derivatives))
    if variadic and len(derivatives) != 1:
        raise TypeError(f"register({name!r}): a variadic op (*{params[0]}) takes one formula "
                        f"returning the gradients of all its inputs, got {len(derivatives)}")
    if len(derivatives) > len(params):
        raise TypeError(f"register({name!r}): {len(derivatives)} derivative formulas for the "
                        f"{len(params)} arguments of {name}({', '.join(params)})")
    padded = tuple(derivatives) + (None,) * (len(params) - len(derivatives))
    op = Op(name, forward, padded, params, defaults, ninputs=len(derivatives), scalar=scalar,
            domain=_domains(name, domain, params, padded), elementwise=elementwise,
            variadic=variadic, doc=doc)
    REGISTRY[name] = op
    if BUILT_IN and not variadic:  # the package's own methods are spelled out in methods.py
        _install(op)
    return op


def unregister(name: str) -> None:
    """Remove an op registered by the user (built-in ops are refused)."""
    if name in BUILT_IN:
        raise ValueError(f"unregister: {name!r} is a built-in op and cannot be removed")
    lookup(name)
    del REGISTRY[name]
    if name in vars(Node):
        delattr(Node, name)


def lookup(name: str) -> Op:
    """The op registered as `name`, or an UnknownOpError that suggests close names."""
    op = REGISTRY.get(name) if isinstance(name, str) else None
    if op is None:
        if not isinstance(name, str):
            raise TypeError(f"an op name must be a string, got {type(name).__name__}")
        close = difflib.get_close_matches(name, list(REGISTRY), n=3)
        hint = (f"; did you mean {' or '.join(map(repr, close))}?" if close
                else "; autodiff.REGISTRY lists the registered names")
        raise UnknownOpError(f"no op named {name!r} is registered{hint}")
    return op


def freeze_built_ins() -> None:
    """Mark every op registered so far as the package's own: never replaced or unregistered.
    Ops registered after this (the user's) become methods of Value and Tensor as well."""
    BUILT_IN.update(REGISTRY)


def _install(op: Op) -> None:
    """The user's op as a method of every node kind: `Value(1.0).mish()`.

    It is set on the base class `Node` here, once, rather than found by a `__getattr__` on
    Value and Tensor: a class with `__getattr__` gets none of CPython's attribute-access
    specialisation, which made every slot read on the engine's hot loops 4-5 times slower.
    """
    def method(self: Node, *args: Any, **kwargs: Any) -> Any:
        return op(self, *args, **kwargs)

    params = list(op.__signature__.parameters.values())
    first = inspect.Parameter("self", inspect.Parameter.POSITIONAL_OR_KEYWORD)
    method.__signature__ = inspect.Signature([first, *params[1:]])  # type: ignore[attr-defined]
    method.__name__ = method.__qualname__ = op.name
    method.__doc__ = op.__doc__
    setattr(Node, op.name, method)


def _check_name(name: Any, replace: bool) -> None:
    if not isinstance(name, str):
        raise TypeError(f"register: the op name must be a string, got {type(name).__name__}")
    if not name.isidentifier() or name.startswith("_"):
        raise ValueError(f"register: op name must be a Python identifier not starting with _, "
                         f"got {name!r}")
    if name in BUILT_IN:
        raise ValueError(f"register: {name!r} is a built-in op and cannot be replaced")
    if name in REGISTRY and not replace:
        raise ValueError(f"register: an op named {name!r} is already registered; pass "
                         f"replace=True to replace it (e.g. when re-running a notebook cell)")
    if name in RESERVED:
        raise ValueError(f"register: {name!r} would be hidden by the attribute of that name "
                         f"on Value or Tensor; choose another name")


def _parse_signature(name: str, text: Optional[str],
                     count: int) -> tuple[list[str], list[Any], bool]:
    """(argument names, defaults, variadic) from a signature such as "x, slope=0.01"."""
    if text is None:
        names = ["x"] if count == 1 else ["a", "b"] if count == 2 else [f"x{i}" for i in range(count)]
        return names, [MISSING] * count, False
    try:
        spec = ast.parse(f"def f({text}): pass").body[0].args  # type: ignore[attr-defined]
        positional = [a.arg for a in spec.args]
        defaults = [MISSING] * (len(spec.args) - len(spec.defaults))
        defaults += [ast.literal_eval(d) for d in spec.defaults]
        keywords = [a.arg for a in spec.kwonlyargs]
        defaults += [MISSING if d is None else ast.literal_eval(d) for d in spec.kw_defaults]
        if spec.posonlyargs or spec.kwarg or (keywords and not spec.vararg):
            raise ValueError("only plain arguments, or *inputs followed by keywords")
        if spec.vararg and positional:
            raise ValueError("a variadic op starts with its *inputs")
    except (SyntaxError, ValueError) as error:
        raise ValueError(f"register({name!r}): signature {text!r} is not understood "
                         f"({error}); write it as in a def, e.g. 'x, slope=0.01'") from None
    if spec.vararg:
        return [spec.vararg.arg, *keywords], [MISSING] + defaults[len(positional):], True
    return positional, defaults, False


def _domains(name: str, domain: Any, params: Sequence[str],
             derivatives: Sequence[Optional[Formula]]) -> tuple[Optional[Domain], ...]:
    """One Domain (or None) per argument: a differentiable input defaults to all reals."""
    if domain is None or isinstance(domain, Domain):
        each = REALS if domain is None else domain
        return tuple(each if d is not None else None for d in derivatives)
    if not isinstance(domain, (tuple, list)):
        raise TypeError(f"register({name!r}): domain must be a Domain or a tuple of them, got "
                        f"{type(domain).__name__}")
    domain = tuple(domain) + (None,) * (len(params) - len(domain))
    if len(domain) != len(params):
        raise ValueError(f"register({name!r}): {len(domain)} domains for the {len(params)} "
                         f"arguments {', '.join(params)}")
    for d in domain:
        if d is not None and not isinstance(d, Domain):
            raise TypeError(f"register({name!r}): each domain must be a Domain or None, got "
                            f"{type(d).__name__}")
    return domain
