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
import gc
import inspect
import linecache
import re
from typing import Any, Callable, Optional, Sequence

import numpy as np

from . import codegen
from .node import MODE, Node, set_tracing
from .tensor import Tensor
from .value import Value

FLOAT = "float"
STATIC = "static"
FLOATS = {float}
FLOAT_DTYPES = frozenset(map(np.dtype, (np.float16, np.float32, np.float64, np.longdouble)))
WIDTH = 96  # where the lines unpacking long argument lists wrap


def compile(f: Callable[..., Any]) -> Callable[..., Any]:
    """f traced once per input structure and run as generated straight-line Python: floats
    and arrays in, floats and arrays out, called as f is called.

    The function returned has f's signature; its `source` is the generated Python of the
    latest trace (one line per op, named after the op or the node's label, constants written
    as literals) and `traces` counts the traces so far.
    """
    if not callable(f):
        raise TypeError(f"compile: expected a function, got {type(f).__name__}")
    return _Tracer(f).entry


class _Tracer:
    """The traces of one function, by input structure, and the entry that dispatches to them.

    The entry is generated with f's own parameters, so Python binds each call's arguments
    (keywords and defaults too) into values in parameter order, and passes them to `run`: at
    first this object's `dispatch`, which looks the call's structure up (tracing it if new);
    once a call of floats only is traced, that program itself, which checks the types first.
    """

    def __init__(self, f: Callable[..., Any]) -> None:
        self.f = f
        self.name = _identifier(getattr(f, "__name__", "compiled"), "compiled")
        self.programs: dict[Any, Callable[..., Any]] = {}
        try:
            self.signature: Optional[inspect.Signature] = inspect.signature(f)
        except (TypeError, ValueError):
            self.signature = None
        self.params = list(self.signature.parameters) if self.signature else ["args"]
        source, self.namespace = _entry(self.name, self.signature, self.dispatch)
        exec(builtins.compile(source, f"<compiled {self.name}>", "exec"), self.namespace)
        self.entry = functools.wraps(f)(self.namespace[self.name])
        self.entry.source = ""  # type: ignore[attr-defined]
        self.entry.traces = 0  # type: ignore[attr-defined]

    def dispatch(self, *values: Any) -> Any:
        """The program for the structure of values (traced now if it is new), run on them."""
        if MODE.tracing is not None:  # called while an outer function is traced: inline it
            return self.invoke(values)
        key = tuple(map(structure, values))
        run = self.programs.get(key)
        if run is None:
            run = self.trace(values, key)
        self.namespace[_RUN] = run  # the next call of this structure goes straight to it
        return run(*values, _checked=True)

    def invoke(self, values: Sequence[Any]) -> Any:
        """f applied to values given in parameter order."""
        if self.signature is None:
            return self.f(*values[0])
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for p, value in zip(self.signature.parameters.values(), values):
            if p.kind == p.VAR_POSITIONAL:
                args.extend(value)
            elif p.kind == p.VAR_KEYWORD:
                kwargs.update(value)
            elif p.kind == p.KEYWORD_ONLY:
                kwargs[p.name] = value
            else:
                args.append(value)
        return self.f(*args, **kwargs)

    def trace(self, values: tuple[Any, ...], key: Any) -> Callable[..., Any]:
        """Trace f on leaves made from values, generate its code, and cache it under key."""
        # Tracing and writing the code make hundreds of thousands of objects for a large
        # function (nodes, lists, lines) and no garbage cycles: collections meanwhile would only
        # scan live objects again and again (a third of the time), so the collector waits.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._trace(values, key)
        finally:
            if collecting:
                gc.enable()

    def _trace(self, values: tuple[Any, ...], key: Any) -> Callable[..., Any]:
        params = _distinct([p if p not in codegen.RESERVED else p + "_" for p in self.params])
        inputs: dict[int, str] = {}
        unpack: list[str] = []
        leaves = [_leaves(v, p, p, inputs, unpack) for v, p in zip(values, params)]
        made: list[Node] = []
        before = set_tracing(made)
        try:
            with np.errstate(all="ignore"):  # IEEE values, silently, as the generated code
                result = self.invoke(leaves)
        finally:
            set_tracing(before)
        checks = _Checks(set(params))
        for value, param in zip(values, params):
            checks.add(param, value)
        source, namespace = codegen.generate(
            self.name, params, unpack, result, inputs, {id(n) for n in made},
            fallback=self.interpreted, dispatch=self.dispatch, guard=checks.conditions)
        namespace.update(checks.namespace)
        self.entry.traces += 1  # type: ignore[attr-defined]
        filename = f"<compiled {self.name}, trace {self.entry.traces}>"  # type: ignore
        exec(builtins.compile(source, filename, "exec"), namespace)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        run = self.programs[key] = namespace[self.name]
        self.entry.source = source  # type: ignore[attr-defined]
        return run

    def interpreted(self, *values: Any) -> Any:
        """f run on nodes, as without compile: for the rare call where the generated code's
        `math` raises (an overflow, a pole) and the ops give IEEE values instead."""
        leaves = [_leaves(v, "x", "x", {}, []) for v in values]
        with np.errstate(all="ignore"):
            return _raw(self.invoke(leaves))


_RUN = "_compiled_run"


def _entry(name: str, signature: Optional[inspect.Signature],
           dispatch: Callable[..., Any]) -> tuple[str, dict[str, Any]]:
    """`def name(<f's parameters>): return run(<each parameter>)`, and its namespace."""
    namespace: dict[str, Any] = {_RUN: dispatch}
    if signature is None:
        return f"def {name}(*args):\n    return {_RUN}(args)\n", namespace
    parts: list[str] = []
    previous = None
    for i, p in enumerate(signature.parameters.values()):
        if previous == p.POSITIONAL_ONLY and p.kind != p.POSITIONAL_ONLY:
            parts.append("/")
        if p.kind == p.KEYWORD_ONLY and previous not in (p.KEYWORD_ONLY, p.VAR_POSITIONAL):
            parts.append("*")
        text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if p.default is not p.empty:
            namespace[f"_default_{i}"] = p.default
            text += f"=_default_{i}"
        parts.append(text)
        previous = p.kind
    if previous == inspect.Parameter.POSITIONAL_ONLY:
        parts.append("/")
    call = ", ".join(signature.parameters)
    return f"def {name}({', '.join(parts)}):\n    return {_RUN}({call})\n", namespace


def structure(x: Any) -> Any:
    """What a trace is specialised to: types, lengths, shapes and dtypes, and the value of
    anything that is neither a float nor a float array (nor a container of them)."""
    kind = type(x)
    if kind is float:
        return FLOAT
    if kind is np.ndarray:
        dtype = x.dtype
        if dtype in FLOAT_DTYPES or dtype.kind == "f":
            return (x.shape, dtype)
        return (STATIC, x.shape, dtype, x.tobytes())
    if kind is list or isinstance(x, tuple):
        if len(x) > 8 and set(map(type, x)) == FLOATS:  # quicker for a long list of floats
            return (kind, len(x))
        return (kind, *map(structure, x))
    if kind is dict:
        return (dict, *((k, structure(v)) for k, v in x.items()))
    if isinstance(x, Node):
        raise TypeError(f"compile: arguments are raw floats and arrays (or containers of them), "
                        f"got a {kind.__name__}; pass its .data")
    if isinstance(x, np.floating):
        return ((), x.dtype, "scalar")
    return (STATIC, kind, x) if x.__hash__ is not None else (STATIC, kind, id(x))


class _Checks:
    """The conditions under which a call does NOT have the structure traced, as source: each
    float's type, each array's type, shape and dtype, each container's type and length, and
    anything else's value. A program starts with them: true, the call goes to `dispatch`."""

    def __init__(self, taken: set[str]) -> None:
        self.conditions: list[str] = []
        self.namespace: dict[str, Any] = {}
        self.taken = taken

    def name(self, value: Any, base: str) -> str:
        """A namespace name for value (a type, a dtype, a constant) in the conditions."""
        if getattr(builtins, base, None) is value:  # list, dict, tuple: their own names
            return base
        for name, held in self.namespace.items():
            if held is value:
                return name
        name = _identifier(base, "value")
        while name in self.taken or name in self.namespace or name in codegen.RESERVED - {base}:
            name += "_"
        self.namespace[name] = value
        return name

    def add(self, expr: str, x: Any) -> None:
        """The conditions for the value at expr (a parameter, or a part of one)."""
        kind, fail = type(x), self.conditions.append
        if kind is float:
            return fail(f"type({expr}) is not float")
        if kind is list or isinstance(x, tuple) or kind is dict:
            fail(f"type({expr}) is not {self.name(kind, kind.__name__)} or len({expr}) != {len(x)}")
            if kind is dict:
                fail(f"list({expr}) != {self.name(list(x), 'keys')}")
            for k, v in (x.items() if kind is dict else enumerate(x)):
                self.add(f"{expr}[{k!r}]", v)
            return
        if kind is np.ndarray or isinstance(x, np.floating):
            fail(f"type({expr}) is not {self.name(kind, kind.__name__)} or {expr}.shape != "
                 f"{x.shape!r} or {expr}.dtype is not {self.name(x.dtype, str(x.dtype))}")
            if structure(x)[0] == STATIC:  # an array of ints or bools: part of the structure
                fail(f"{expr}.tobytes() != {self.name(x.tobytes(), 'data')}")
            return
        value = self.name(x, "value")
        same = f"{expr} != {value}" if x.__hash__ is not None else f"{expr} is not {value}"
        fail(f"type({expr}) is not {self.name(kind, kind.__name__)} or {same}")


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


def _distinct(names: list[str]) -> list[str]:
    """names, each one that repeats an earlier one given a suffix."""
    out: list[str] = []
    for name in names:
        while name in out:
            name += "_"
        out.append(name)
    return out


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


def _raw(result: Any) -> Any:
    """An output structure with each node replaced by its data (arrays copied)."""
    if isinstance(result, Node):
        return np.array(result.data) if isinstance(result.data, np.ndarray) else result.data
    if isinstance(result, dict):
        return {k: _raw(v) for k, v in result.items()}
    if type(result) is list or isinstance(result, tuple):
        return _rebuilt(result, [_raw(v) for v in result])
    return result
