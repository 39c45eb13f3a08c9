"""The structure of a call's arguments, for `compile`: the key a trace is cached under, the
checks a generated function starts with, the leaves a trace runs on, and raw results.

A call's structure is everything the generated code is specialised to: the types of its
arguments and of what they hold (tuples, lists and dicts are walked), each list's length, each
float array's shape and dtype, and the value of anything that is neither a float nor a float
array (an int, a string, an integer array). Floats and float arrays are the inputs: a `Value`
leaf or a `Tensor` leaf (requires_grad=True) each while tracing, named after its place in the
arguments (`xs_3_1` is xs[3][1]).
"""
from __future__ import annotations

import builtins
import re
from typing import Any

import numpy as np

from . import codegen
from .node import Node
from .tensor import Tensor
from .value import Value

FLOAT = "float"
STATIC = "static"
FLOATS = {float}
FLOAT_DTYPES = frozenset(map(np.dtype, (np.float16, np.float32, np.float64, np.longdouble)))
WIDTH = 96  # where the lines unpacking long argument lists wrap


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


class Checks:
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
        name = identifier(base, "value")
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


def make_leaves(x: Any, expr: str, path: str, inputs: dict[int, str], lines: list[str]) -> Any:
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
        return {k: make_leaves(v, f"{expr}[{k!r}]", names[k], inputs, lines) for k, v in x.items()}
    if kind is not list and not isinstance(x, tuple):
        return x
    if not _holds_dict(x):
        targets: list[str] = []
        items = [_target(v, f"{path}_{i}", inputs, targets) for i, v in enumerate(x)]
        lines.append(_wrapped(targets, f"{expr}"))
        return _rebuilt(x, items)
    return _rebuilt(x, [make_leaves(v, f"{expr}[{i}]", f"{path}_{i}", inputs, lines)
                        for i, v in enumerate(x)])


def _target(x: Any, path: str, inputs: dict[int, str], targets: list[str]) -> Any:
    """The unpacking target for x inside a list or tuple (appended to targets); x mirrored."""
    if type(x) is list or isinstance(x, tuple):
        inner: list[str] = []
        items = [_target(v, f"{path}_{i}", inputs, inner) for i, v in enumerate(x)]
        targets.append("[" + ", ".join(inner) + "]")
        return _rebuilt(x, items)
    leaf = make_leaves(x, path, path, inputs, [])
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


def distinct(names: list[str]) -> list[str]:
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
        base = f"{path}_{identifier(str(k), str(i))}"
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


def identifier(text: str, fallback: str) -> str:
    """text as a Python identifier (a function's name for the generated one), else fallback."""
    name = re.sub(r"\W", "_", text).strip("_") if text != "<lambda>" else ""
    return name if name.isidentifier() and name not in codegen.RESERVED else fallback


def raw(result: Any) -> Any:
    """An output structure with each node replaced by its data (arrays copied)."""
    if isinstance(result, Node):
        return np.array(result.data) if isinstance(result.data, np.ndarray) else result.data
    if isinstance(result, dict):
        return {k: raw(v) for k, v in result.items()}
    if type(result) is list or isinstance(result, tuple):
        return _rebuilt(result, [raw(v) for v in result])
    return result
