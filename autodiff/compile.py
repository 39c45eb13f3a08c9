"""compile(f): trace a function once per input structure, then run it as straight-line Python.

The first call traces: each float argument becomes a `Value` leaf and each float array a
`Tensor` leaf (requires_grad=True), through nested tuples, lists and dicts; `f` runs on them and
every op it performs is recorded, including the backward passes it asks for with
`autodiff.grad(..., create_graph=True)`, whose formulas run on nodes. From the recorded graph
codegen.py writes one Python function from raw floats and arrays to raw floats and arrays, and
later calls with arguments of the same structure (types, lengths, shapes, dtypes, and the value
of anything else, such as an int) run only that function. A new structure traces again.

Tracing cannot see a decision made on a value: `if x > 0` runs once, at tracing, and the code
would keep that branch for every later call. So while tracing, comparisons, `bool()`, `float()`,
`.item()`, `.numpy()` and `detach()` of a node raise `TraceError`, as do ops under `no_grad()`
and `backward()`; select with `where` and masks made by ops (`step`, `sign`) instead.

Nodes from outside `f` (a model's parameters, say) are read at every call: the code uses their
current `.data`. Leaves made inside `f` are constants.
"""
from __future__ import annotations

import builtins
import functools
import inspect
import linecache
import re
from typing import Any, Callable, Optional

import numpy as np

from . import codegen
from .node import MODE, Node, set_tracing
from .tensor import Tensor
from .value import Value

FLOAT = "float"
ARRAY = "array"
STATIC = "static"
FLOATS = {float}
WIDTH = 96  # where the lines unpacking long argument lists wrap


def compile(f: Callable[..., Any]) -> "Compiled":
    """f traced once per input structure and run as generated straight-line Python: floats
    and arrays in, floats and arrays out (see `Compiled`)."""
    return Compiled(f)


class Compiled:
    """A function compiled by `autodiff.compile`; call it as you would call f.

    `source` is the generated Python of the latest trace: one line per op, named after the op
    (or the node's label), constants written as literals. `traces` counts the traces so far.
    """

    def __init__(self, f: Callable[..., Any]) -> None:
        if not callable(f):
            raise TypeError(f"compile: expected a function, got {type(f).__name__}")
        functools.update_wrapper(self, f)
        self.f = f
        self.source = ""
        self.traces = 0
        self._programs: dict[Any, Callable[..., Any]] = {}
        self._flat: dict[tuple[type, ...], Callable[..., Any]] = {}  # all-float calls
        self._name = _identifier(getattr(f, "__name__", "compiled"), "compiled")
        try:
            self._signature: Optional[inspect.Signature] = inspect.signature(f)
        except (TypeError, ValueError):
            self._signature = None
        kinds = [p.kind for p in self._signature.parameters.values()] if self._signature else []
        plain = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
        self._simple = len(kinds) if self._signature and all(
            k in plain for k in kinds) else None

    def __repr__(self) -> str:
        return f"<compiled {self._name}: {self.traces} trace{'s' * (self.traces != 1)}>"

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if not kwargs:
            run = self._flat.get(tuple(map(type, args)))
            if run is not None:
                try:
                    return run(*args)
                except (ArithmeticError, ValueError):  # math raised where IEEE gives inf/nan
                    return self._interpreted(args)
        return self._call(args, kwargs)

    def _call(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Any:
        if MODE.tracing is not None:  # called while an outer function is traced: inline it
            return self.f(*args, **kwargs)
        values = self._values(args, kwargs)
        key = tuple(map(structure, values))
        run = self._programs.get(key)
        if run is None:
            run = self._trace(values, key)
        try:
            return run(*values)
        except (ArithmeticError, ValueError):
            return self._interpreted(values)

    def _values(self, args: tuple[Any, ...], kwargs: dict[str, Any]) -> tuple[Any, ...]:
        """The arguments in parameter order, defaults filled in."""
        if not kwargs and len(args) == self._simple:
            return args
        if self._signature is None:
            if kwargs:
                raise TypeError(f"compile: {self._name} has no signature to bind keywords to")
            return args
        bound = self._signature.bind(*args, **kwargs)
        bound.apply_defaults()
        return tuple(bound.arguments.values())

    def _invoke(self, values: list[Any]) -> Any:
        """f applied to values given in parameter order."""
        if self._signature is None or len(values) == self._simple:
            return self.f(*values)
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for p, value in zip(self._signature.parameters.values(), values):
            if p.kind == p.VAR_POSITIONAL:
                args.extend(value)
            elif p.kind == p.VAR_KEYWORD:
                kwargs.update(value)
            elif p.kind == p.KEYWORD_ONLY:
                kwargs[p.name] = value
            else:
                args.append(value)
        return self.f(*args, **kwargs)

    def _parameters(self, count: int) -> list[str]:
        names = list(self._signature.parameters) if self._signature else []
        names += [f"arg{i}" for i in range(len(names), count)]
        return [name if name not in codegen.RESERVED else name + "_" for name in names[:count]]

    def _trace(self, values: tuple[Any, ...], key: Any) -> Callable[..., Any]:
        """Trace f on leaves made from values, generate its code, and cache it under key."""
        params = self._parameters(len(values))
        inputs: dict[int, str] = {}
        unpack: list[str] = []
        leaves = [_leaves(v, p, p, inputs, unpack) for v, p in zip(values, params)]
        made: list[Node] = []
        before = set_tracing(made)
        try:
            with np.errstate(all="ignore"):  # IEEE values, silently, as the generated code
                result = self._invoke(leaves)
        finally:
            set_tracing(before)
        source, namespace = codegen.generate(self._name, params, unpack, result,
                                             _nodes(result), inputs, {id(n) for n in made})
        self.traces += 1
        filename = f"<compiled {self._name}, trace {self.traces}>"
        exec(builtins.compile(source, filename, "exec"), namespace)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        run = namespace[self._name]
        self._programs[key] = run
        self.source = source
        if len(values) == self._simple and all(k == FLOAT for k in key):
            self._flat[(float,) * len(values)] = run
        return run

    def _interpreted(self, values: tuple[Any, ...]) -> Any:
        """f run on nodes, as without compile: for the rare call where the generated code's
        `math` raises (an overflow, a pole) and the ops give IEEE values instead."""
        leaves = [_leaves(v, "x", "x", {}, []) for v in values]
        with np.errstate(all="ignore"):
            return _raw(self._invoke(leaves))


def structure(x: Any) -> Any:
    """What a trace is specialised to: types, lengths, shapes and dtypes, and the value of
    anything that is neither a float nor a float array (nor a container of them)."""
    kind = type(x)
    if kind is float:
        return FLOAT
    if kind is np.ndarray:
        if x.dtype.kind == "f":
            return (ARRAY, x.shape, x.dtype.str)
        return (STATIC, x.shape, x.dtype.str, x.tobytes())
    if kind is list or isinstance(x, tuple):
        return (kind, len(x)) if set(map(type, x)) == FLOATS else (kind, tuple(map(structure, x)))
    if kind is dict:
        return (dict, tuple((k, structure(v)) for k, v in x.items()))
    if isinstance(x, Node):
        raise TypeError(f"compile: arguments are raw floats and arrays (or containers of them), "
                        f"got a {kind.__name__}; pass its .data")
    if isinstance(x, np.floating):
        return (ARRAY, (), x.dtype.str)
    return (STATIC, kind, x) if x.__hash__ is not None else (STATIC, kind, id(x))


def _leaves(x: Any, expr: str, path: str, inputs: dict[int, str], lines: list[str]) -> Any:
    """x with a leaf in place of each float and float array; names each leaf after its place
    (`xs_3_1`) and adds the lines binding those names from `expr` to `lines`."""
    kind = type(x)
    if kind is float or (kind is np.ndarray and x.dtype.kind == "f") or isinstance(x, np.floating):
        leaf: Node = Value(x, label=path) if kind is float else Tensor(
            np.asarray(x), requires_grad=True, label=path)
        inputs[id(leaf)] = path
        if expr != path:
            lines.append(f"{path} = {expr}")
        return leaf
    if kind is dict:
        names = _keys(x, path)
        return {k: _leaves(v, f"{expr}[{k!r}]", names[k], inputs, lines) for k, v in x.items()}
    if kind is not list and not isinstance(x, tuple):
        return x
    if not _holds_dict(x):
        targets: list[str] = []
        items = [_target(v, f"{path}_{i}", inputs, targets) for i, v in enumerate(x)]
        lines.append(_wrapped(targets, f"{expr}"))
        return _rebuilt(x, items)
    return _rebuilt(x, [_leaves(v, f"{expr}[{i}]", f"{path}_{i}", inputs, lines)
                        for i, v in enumerate(x)])


def _target(x: Any, path: str, inputs: dict[int, str], targets: list[str]) -> Any:
    """The unpacking target for x inside a list or tuple (appended to targets); x mirrored."""
    if type(x) is list or isinstance(x, tuple):
        inner: list[str] = []
        items = [_target(v, f"{path}_{i}", inputs, inner) for i, v in enumerate(x)]
        targets.append("[" + ", ".join(inner) + "]")
        return _rebuilt(x, items)
    leaf = _leaves(x, path, path, inputs, [])
    targets.append(path if leaf is not x else "_")
    return leaf


def _wrapped(targets: list[str], expr: str) -> str:
    """`[a, b, ...] = expr`, wrapped into lines of about WIDTH characters."""
    lines, line = [], "["
    for i, t in enumerate(targets):
        piece = t + (", " if i + 1 < len(targets) else "")
        if len(line) + len(piece) > WIDTH and line.strip("[ "):
            lines.append(line.rstrip())
            line = " "
        line += piece
    return "\n     ".join(lines + [line + f"] = {expr}"])


def _holds_dict(x: Any) -> bool:
    stack = [x]
    while stack:
        item = stack.pop()
        if type(item) is dict:
            return True
        if type(item) is list or isinstance(item, tuple):
            stack.extend(item)
    return False


def _keys(d: dict, path: str) -> dict[Any, str]:
    """A distinct identifier for each key's leaf: path_key (or path_index)."""
    names: dict[Any, str] = {}
    for i, k in enumerate(d):
        base = f"{path}_{_identifier(str(k), str(i))}"
        name, n = base, 1
        while name in names.values():
            n += 1
            name = f"{base}_{n}"
        names[k] = name
    return names


def _rebuilt(like: Any, items: list[Any]) -> Any:
    if type(like) is list:
        return items
    return type(like)(items) if type(like) is tuple else type(like)(*items)


def _identifier(text: str, fallback: str) -> str:
    """text as a Python identifier (a function's name for the generated one), else fallback."""
    name = re.sub(r"\W", "_", text).strip("_") if text != "<lambda>" else ""
    return name if name.isidentifier() and name not in codegen.RESERVED else fallback


def _nodes(result: Any) -> list[Node]:
    """The nodes in an output structure, in order."""
    found: list[Node] = []
    stack = [result]
    while stack:
        item = stack.pop()
        if isinstance(item, Node):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(reversed(list(item.values())))
        elif type(item) is list or isinstance(item, tuple):
            stack.extend(reversed(item))
    return found


def _raw(result: Any) -> Any:
    """An output structure with each node replaced by its data (arrays copied)."""
    if isinstance(result, Node):
        return np.array(result.data) if isinstance(result.data, np.ndarray) else result.data
    if isinstance(result, dict):
        return {k: _raw(v) for k, v in result.items()}
    if type(result) is list or isinstance(result, tuple):
        return _rebuilt(result, [_raw(v) for v in result])
    return result
