"""From a traced graph to the source of one straight-line Python function (used by `compile`).

The nodes the outputs depend on are walked with a stack, arguments before users. Leaves are the
function's inputs (named after their place in the arguments and unpacked by the caller's
lines), constants made while tracing, or nodes from outside the function, whose `.data` is read
at every call. Float ops go to float_code.py and array ops to array_code.py (Value and Tensor
never meet in one op, so the float lines can all come first); kernels.py says how each op is
written. `Names` makes every identifier and literal, so that none collides with another.
"""
from __future__ import annotations

import builtins
import keyword
import re
from typing import Any, Callable, Optional, Sequence

import numpy as np

from .array_code import ArrayCode
from .float_code import FloatCode
from .kernels import MATH
from .node import Node, arguments
from .numerics import errors_off, errors_on

_INF = float("inf")
RESERVED = set(dir(builtins)) | set(keyword.kwlist) | set(MATH) | {
    "np", "asarray", "errors_off", "errors_on", "_quiet", "_interpreted", "_dispatch",
    "_retrace", "_checked"}


def generate(name: str, params: Sequence[str], unpack: Sequence[str], result: Any,
             inputs: dict[int, str], made: set[int],
             fallback: Callable[..., Any], dispatch: Callable[..., Any],
             retrace: Callable[..., Any], guard: Sequence[str]) -> tuple[str, dict]:
    """The source of `def name(*params)` returning `result` (a structure holding the traced
    nodes to compute), and the namespace it runs in. `inputs` names the input leaves (bound by
    the `unpack` lines); `made` holds the ids of the leaves made while tracing (constants).

    The code first checks the call's structure (unless called with `_checked=True`): if any
    condition in `guard` holds it hands the call to `dispatch(*params)`. Where `math` raises
    (an overflow, a pole) it calls `fallback(*params)`, which gives the ops' IEEE values;
    where an array read from an outside node has changed shape or dtype, `retrace(*params)`.
    """
    names = Names([name, *params, *inputs.values()])
    floats, arrays = FloatCode(names), ArrayCode(names)
    reads, stale = [], []  # outside nodes' data, and how to see that an array of it changed
    seen: set[int] = set()
    for label, part in _sections(result):  # each part of the result under a comment
        floats.mark(label)
        arrays.mark(label)
        for node in _order(_nodes(part), seen):
            code = arrays if type(node.data) is np.ndarray else floats
            if node._op is not None:
                code.op(node)
            elif id(node) in made or not getattr(node, "requires_grad", True):
                code.leaf(node, None)  # made while tracing, or a Tensor without a gradient
            elif id(node) in inputs:
                code.leaf(node, inputs[id(node)])
            else:
                text = names.variable(node.label or "captured")
                reads.append(f"{text} = {names.bind(node, text + '_node')}.data")
                if type(node.data) is np.ndarray:
                    stale.append(f"{text}.shape != {node.data.shape!r} or {text}.dtype is not "
                                 f"{names.bind(node.data.dtype, str(node.data.dtype))}")
                code.leaf(node, text)
    roots = _nodes(result)
    if stale:  # an outside array changed shape or dtype since tracing: trace again
        reads += [f"if {_wrapped(stale)}:", f"    return _retrace({', '.join(params)})"]
    body = [*unpack, *reads, *floats.lines(roots)]
    array_lines = arrays.lines(roots)
    if array_lines:  # IEEE values without numpy's warnings, as the ops' own forwards give them
        body += ["_quiet = errors_off()  # numpy's floating-point warnings off", "try:",
                 *("    " + line for line in array_lines), "finally:", "    errors_on(_quiet)"]
    body.append(f"return {_render(result, floats, arrays, names, set())}")
    call = f"({', '.join(params)})"
    names.namespace.update(_interpreted=fallback, _dispatch=dispatch, _retrace=retrace)
    head = [f"if not _checked and ({_wrapped(guard)}):",
            f"    return _dispatch{call}"] if guard else []
    lines = [*head, "try:", *("    " + line for line in body),
             "except (ArithmeticError, ValueError):  # math raised: the ops give IEEE values",
             f"    return _interpreted{call}"]
    signature = ", ".join([*params, "_checked=False"])  # dispatch has checked the structure
    source = f"def {name}({signature}):\n" + "".join(f"    {line}\n" for line in lines)
    return source, names.namespace


def _wrapped(conditions: Sequence[str]) -> str:
    """Conditions joined by `or`, as many to a line as fit in about 90 characters."""
    rows = [conditions[0]]
    for condition in conditions[1:]:
        if len(rows[-1]) + len(condition) > 80:
            rows.append(condition)
        else:
            rows[-1] += " or " + condition
    return "\n            or ".join(rows)


def _sections(result: Any) -> list[tuple[Optional[str], Any]]:
    """The parts of a result that the code computes under a comment of their own: the values
    of a dict by key, the items of a tuple or list by position; else the result, uncommented."""
    if type(result) is dict:
        return [(str(key), value) for key, value in result.items()]
    if isinstance(result, (list, tuple)):
        return [(f"result[{i}]", value) for i, value in enumerate(result)]
    return [(None, result)]


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


def _order(roots: Sequence[Node], seen: set[int]) -> list[Node]:
    """Every node the roots depend on that is not in seen, arguments before users, by an
    explicit stack (a node is listed when the marker pushed above its arguments comes back
    up); seen gets them all."""
    order: list[Node] = []
    stack: list[Any] = list(reversed(roots))
    push, pop, listed = stack.append, stack.pop, order.append
    while stack:
        node = pop()
        if node is _DONE:
            listed(pop())
            continue
        key = id(node)
        if key in seen:
            continue
        seen.add(key)
        push(node)
        push(_DONE)
        a, b = node._a, node._b
        if a is None and b is None:
            for x in reversed(arguments(node)):
                if isinstance(x, Node) and id(x) not in seen:
                    push(x)
            continue
        if b is not None and id(b) not in seen:
            push(b)
        if a is not None and id(a) not in seen:
            push(a)
    return order


_DONE = object()


def _render(result: Any, floats: FloatCode, arrays: ArrayCode, names: "Names",
            returned: set[int]) -> str:
    """The return expression for the output structure; every array is the caller's own."""
    if isinstance(result, Node):
        if type(result.data) is not np.ndarray:
            return floats.text(result)
        text = arrays.output(result, returned)
        if text is not None:
            return text
        result = arrays.constant(result)
    if isinstance(result, dict):
        return "{" + ", ".join(f"{k!r}: {_render(v, floats, arrays, names, returned)}"
                               for k, v in result.items()) + "}"
    if isinstance(result, (list, tuple)):
        items = [_render(v, floats, arrays, names, returned) for v in result]
        if type(result) is list:
            return "[" + ", ".join(items) + "]"
        if type(result) is tuple:
            return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
        return f"{names.bind(type(result), type(result).__name__)}({', '.join(items)})"
    if literal(result) is None and not isinstance(result, (np.ndarray, np.generic)):
        raise TypeError(f"compile: the function returned a {type(result).__name__}; return "
                        f"floats, arrays or nodes, in tuples, lists and dicts")
    return names.literal(result) + (".copy()" if isinstance(result, np.ndarray) else "")


class Names:
    """The identifiers and literals of one generated function, and its namespace."""

    def __init__(self, taken: Sequence[str]) -> None:
        self.namespace: dict[str, Any] = {"np": np, "asarray": np.asarray,
                                          "errors_off": errors_off, "errors_on": errors_on,
                                          **MATH}
        self.taken = RESERVED | set(taken)
        self.counts: dict[tuple[str, bool], int] = {}
        self.bound: dict[int, str] = {}  # id of a namespace value -> its name
        self.bases: dict[str, str] = {}  # op name -> its identifier

    def variable(self, base: str, numbered: bool = False) -> str:
        """A new identifier from base (a label, an op's name): base, base_2, ... or, numbered,
        base_1, base_2, ..."""
        base = re.sub(r"\W", "_", base) or "v"
        base = "_" + base if base[0].isdigit() else base
        count = self.counts.get((base, numbered), 0)
        while True:
            count += 1
            name = f"{base}_{count}" if numbered or count > 1 else base
            if name not in self.taken:
                self.counts[base, numbered] = count
                self.taken.add(name)
                return name

    def base(self, node: Node) -> Optional[str]:
        """What an op node's variable is named after: its op (None for a labelled node)."""
        if node.label:
            return None
        op = node._op.name
        base = self.bases.get(op)
        if base is None:
            base = self.bases[op] = re.sub(r"\W", "_", op)
        return base

    def of(self, node: Node) -> str:
        """A new variable for an op node: its label, or its op's name numbered (mul_3)."""
        base = self.base(node)
        return self.variable(node.label) if base is None else self.variable(base, True)

    def bind(self, value: Any, base: str) -> str:
        """The namespace name holding value (a function, an array, a node), bound once."""
        name = self.bound.get(id(value))
        if name is None:
            name = self.variable(base, numbered=base == "const")
            self.namespace[name] = value
            self.bound[id(value)] = name
        return name

    def literal(self, value: Any, index: bool = False) -> str:
        """value as source: a literal where one gives exactly value, else a namespace name
        (`index`: written as inside brackets, `1:, None`)."""
        text = index_literal(value) if index else None
        text = text if text is not None else literal(value)
        return text if text is not None else self.bind(value, "const")


def literal(value: Any) -> Optional[str]:
    """Python source that evaluates to exactly value, or None where there is none."""
    kind = type(value)
    if kind is float:
        if value != value or value in (_INF, -_INF):
            return "nan" if value != value else ("inf" if value > 0 else "-inf")
        return repr(value)
    if kind in (int, bool, str) or value is None:
        return repr(value)
    if value is Ellipsis:
        return "..."
    parts = [literal(x) for x in ((value.start, value.stop, value.step) if kind is slice
                                  else value if kind is tuple else ())]
    if kind not in (slice, tuple) or None in parts:
        return None
    if kind is slice:
        return f"slice({', '.join(parts)})"  # type: ignore[arg-type]
    return "(" + ", ".join(parts) + ("," if len(parts) == 1 else "") + ")"  # type: ignore


def index_literal(index: Any) -> Optional[str]:
    """An index as written inside brackets (`1:, None, ...`), or None if it holds arrays."""
    parts = index if type(index) is tuple else (index,)
    out = []
    for part in parts:
        if type(part) is slice:
            ends = [literal(p) if p is not None else "" for p in (part.start, part.stop, part.step)]
            if None in ends:
                return None
            out.append(":".join(ends[:2]) + (f":{ends[2]}" if ends[2] else ""))  # type: ignore
        else:
            text = literal(part) if type(part) is not str else None
            if text is None:
                return None
            out.append(text)
    if type(index) is tuple and len(parts) == 1:
        return out[0] + ","
    return ", ".join(out) if out else "()"

