"""From a traced graph to the source of one straight-line Python function (used by `compile`).

Three passes over the nodes the outputs depend on, arguments before the ops that use them:

1. each op node is resolved: an op on constants only is a constant (its traced value); `x * 1`,
   `x / 1` and `x - 0` are `x`; an `expand` that an elementwise op would broadcast anyway is
   skipped, and a constant array of one repeated value becomes that number;
2. what the outputs need is marked live (the rest is dead code and never written), and the last
   step that reads each array buffer, or a view of it, is found;
3. one line is written per live op (kernels.py says how), and an array op writes its result into
   an argument's buffer when nothing reads that buffer afterwards: `tanh_4 = tanh(add_3,
   out=add_3)`.

Leaves are the function's inputs (unpacked from its parameters by the caller's lines), constants
made while tracing (written as literals, or named in the namespace), or nodes from outside the
function, whose `.data` is read at every call.
"""
from __future__ import annotations

import builtins
import keyword
import re
from typing import Any, Optional, Sequence

import numpy as np

from .kernels import MATH, Kernel, array_kernel, is_built_in, scalar_template
from .node import Node, arguments
from .ops import Op

RESERVED = set(dir(builtins)) | set(keyword.kwlist) | set(MATH) | {"np", "asarray", "errstate"}
ALWAYS = float("inf")


class Const:
    """An argument known when the code is written: a literal, or a value in the namespace."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


Ref = Any  # the id of a node computed by the code (an int), or a Const


class Step:
    """One op to write: its node, argument refs, kernel (over {0}, {1}, ...) and, for an array,
    the ids of the steps whose buffers its value may live in."""

    __slots__ = ("node", "refs", "kernel", "owners")

    def __init__(self, node: Node, refs: list[Ref], kernel: Kernel, owners: frozenset[int]) -> None:
        self.node, self.refs, self.kernel, self.owners = node, refs, kernel, owners


def generate(name: str, params: Sequence[str], unpack: Sequence[str], result: Any,
             roots: Sequence[Node], inputs: dict[int, str], made: set[int]) -> tuple[str, dict]:
    """The source of `def name(*params)` returning `result` (a structure holding the traced
    `roots`), and the namespace it runs in. `inputs` names the input leaves (bound by the
    `unpack` lines); `made` holds the ids of the leaves made while tracing (constants)."""
    writer = _Writer([name, *params], inputs, made)
    for node in _order(roots):
        if node._op is None:
            writer.leaf(node)
        elif type(node.data) is np.ndarray:
            writer.op_node(node)
        else:
            writer.float_node(node)
    return writer.write(name, params, unpack, result, roots), writer.namespace


def _order(roots: Sequence[Node]) -> list[Node]:
    """Every node the roots depend on, arguments before users, by an explicit stack (a node is
    listed when the marker pushed under its arguments comes back up)."""
    seen: set[int] = set()
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


class _Writer:
    def __init__(self, params: Sequence[str], inputs: dict[int, str], made: set[int]) -> None:
        self.inputs, self.made = inputs, made
        self.namespace: dict[str, Any] = {"np": np, "asarray": np.asarray, "errstate": np.errstate,
                                          **MATH}
        self.taken = RESERVED | set(params) | set(inputs.values())
        self.counts: dict[tuple[str, bool], int] = {}
        self.bound: dict[int, str] = {}  # id of a namespace value -> its name
        self.text: dict[int, str] = dict(inputs)  # node id -> the name the code uses for it
        self.data: dict[int, Any] = {}  # node id -> its traced data (shapes, dtypes)
        self.alias: dict[int, Ref] = {}
        self.steps: dict[int, Step] = {}
        self.reads: list[str] = []  # the lines reading outside nodes' data
        self.floats: list[str] = []  # the lines of the float ops, in order
        self.consts: dict[int, Any] = {}  # float node id -> its value, for a constant
        self.templates: dict[tuple[Op, int], str] = {}
        self.prefixes: dict[str, str] = {}

    # --- pass 1: resolve -------------------------------------------------------------------

    def leaf(self, node: Node) -> None:
        key = id(node)
        self.data[key] = node.data
        if key in self.made:
            self.alias[key] = Const(node.data)
            if type(node.data) is not np.ndarray:
                self.consts[key] = node.data
                self.text[key] = self.literal(node.data)
        elif key not in self.inputs:
            name = self.variable(node.label or "captured")
            self.reads.append(f"{name} = {self.bind(node, name + '_node')}.data")
            self.text[key] = name

    def op_node(self, node: Node) -> None:
        """An array op: folded, or kept as a step for the passes that follow."""
        op, key = node._op, id(node)
        self.data[key] = node.data
        refs = [self.ref(x) for x in arguments(node)]
        count = len(refs) - op.nparams
        if all(isinstance(r, Const) for r in refs[:count]):
            self.alias[key] = Const(node.data)  # an op on constants: its traced value
            return
        if op.elementwise:
            self.simplify(node, refs, count)
        same = self.identity(node, refs)
        if same is not None:
            self.alias[key] = same
            return
        args = [f"{{{i}}}" if isinstance(r, int) else self.literal(r.value, op.name == "getitem")
                .replace("{", "{{").replace("}", "}}") for i, r in enumerate(refs)]
        values = [r.value if isinstance(r, Const) else None for r in refs]
        kernel = array_kernel(op, args, values, [self.shape(r) for r in refs], node.data.shape,
                              self.bind)
        if kernel.expr == "{0}":  # the op gives its input back (sum_to to the same shape)
            self.alias[key] = refs[0]
            return
        owners = frozenset([key]) if kernel.fresh else frozenset().union(
            *(self.owners(r) for r in refs if isinstance(r, int)))
        self.steps[key] = Step(node, refs, kernel, owners)

    def float_node(self, node: Node) -> None:
        """A float op: folded, or written as its line at once (floats need no buffers, and
        every float op the outputs reach is live: only array ops are ever skipped)."""
        op, key = node._op, id(node)
        a, b = node._a, node._b
        if op.unary:
            args: Sequence[Any] = (a,)
        elif a is not None or b is not None:
            args = (node._k if a is None else a, node._k if b is None else b)
        else:
            args = node._k
        consts, texts, constant = self.consts, [], True
        for x in args:
            if isinstance(x, Node):
                k = id(x)
                texts.append(self.text[k])
                constant = constant and k in consts
            else:
                texts.append(self.literal(x))
        if constant:
            self.consts[key] = node.data  # an op on constants: its traced value
            self.text[key] = self.literal(node.data)
            self.alias[key] = Const(node.data)
            return
        if op.name in ("mul", "div", "sub") and len(args) == 2:
            same = self.float_identity(op, args)
            if same is not None:
                self.text[key] = self.text[id(same)]
                self.alias[key] = self.ref(same)
                return
        template = self.templates.get((op, len(args)))
        if template is None:
            template = self.templates[op, len(args)] = scalar_template(op, len(args), self.bind)
        name = self.name(node)
        self.floats.append(f"{name} = {template.format(*texts)}")
        self.text[key] = name

    def float_identity(self, op: Op, args: Sequence[Any]) -> Optional[Node]:
        """The argument a float op equals bit for bit (x * 1, 1 * x, x / 1, x - 0), or None."""
        if not is_built_in(op):
            return None
        unit = 0.0 if op.name == "sub" else 1.0
        for c, x in ((args[1], args[0]), (args[0], args[1]))[:2 if op.name == "mul" else 1]:
            value = self.consts.get(id(c), c) if isinstance(c, Node) else c
            if (type(value) in (float, int) and value == unit and isinstance(x, Node)
                    and id(x) not in self.consts):
                return x
        return None

    def name(self, node: Node) -> str:
        """The variable for an op node: its label, or its op's name numbered."""
        if node.label:
            return self.variable(node.label)
        op = node._op.name
        base = self.prefixes.get(op)
        if base is None:
            base = self.prefixes[op] = re.sub(r"\W", "_", op)
        count = self.counts.get((base, True), 0)
        while True:
            count += 1
            name = f"{base}_{count}"
            if name not in self.taken:
                self.counts[base, True] = count
                self.taken.add(name)
                return name

    def ref(self, x: Any) -> Ref:
        """An argument as a ref: a node's (after folding), or a raw value as a Const."""
        return self.alias.get(id(x), id(x)) if isinstance(x, Node) else Const(x)

    def simplify(self, node: Node, refs: list[Ref], count: int) -> None:
        """For an elementwise array op (in place, on refs): skip the expands that broadcasting
        redoes, and write a constant array of one repeated value as that number."""
        shape = node.data.shape
        for i in range(count):
            r, others = refs[i], refs[:i] + refs[i + 1:count]
            step = self.steps.get(r) if isinstance(r, int) else None
            if step is not None and is_built_in(step.node._op, "expand"):
                if _broadcast([self.shape(step.refs[0]), *map(self.shape, others)]) == shape:
                    refs[i] = step.refs[0]
            elif isinstance(r, Const) and isinstance(r.value, np.ndarray) and r.value.size:
                value, first = r.value, r.value.flat[0]
                if (value.dtype == node.data.dtype and first == first and (value == first).all()
                        and _broadcast([self.shape(t) for t in others]) == shape
                        and any(isinstance(t, int) and self.dtype(t) == value.dtype
                                for t in others)):
                    refs[i] = Const(float(first))

    def identity(self, node: Node, refs: list[Ref]) -> Optional[Ref]:
        """The ref that node equals bit for bit (x * 1, 1 * x, x / 1, x - 0), or None."""
        name = node._op.name
        if name not in ("mul", "div", "sub") or not is_built_in(node._op, name):
            return None
        unit = 0.0 if name == "sub" else 1.0
        for c, x in ((refs[1], refs[0]), (refs[0], refs[1]))[:2 if name == "mul" else 1]:
            if (isinstance(c, Const) and type(c.value) in (float, int) and c.value == unit
                    and isinstance(x, int) and self.shape(x) == np.shape(node.data)
                    and self.dtype(x) == _dtype(node.data)):
                return x
        return None

    # --- passes 2 and 3: liveness, then the lines -------------------------------------------

    def write(self, name: str, params: Sequence[str], unpack: Sequence[str], result: Any,
              roots: Sequence[Node]) -> str:
        final = {r for r in map(self.ref, roots) if isinstance(r, int)}
        needed = set(final)
        for key in reversed(list(self.steps)):
            if key in needed:
                needed.update(r for r in self.steps[key].refs if isinstance(r, int))
        live = [step for key, step in self.steps.items() if key in needed]
        until: dict[int, float] = {}  # buffer -> the last step reading it or a view of it
        for i, step in enumerate(live):
            for r in step.refs:
                if isinstance(r, int):
                    for owner in self.owners(r):
                        until[owner] = i
        for r in final:
            for owner in self.owners(r):
                until[owner] = ALWAYS
        lines = [self.line(i, step, until) for i, step in enumerate(live)]
        lines.append(f"return {self.render(result, set())}")
        if live:  # IEEE values without numpy's warnings, as the ops' own forwards give them
            lines = ['with errstate(all="ignore"):', *("    " + line for line in lines)]
        # Float ops and array ops never share a node (Value and Tensor do not mix), so the
        # float lines can all come first.
        body = [*unpack, *self.reads, *self.floats, *lines]
        return f"def {name}({', '.join(params)}):\n" + "".join(f"    {line}\n" for line in body)

    def line(self, i: int, step: Step, until: dict[int, float]) -> str:
        node = step.node
        texts = [self.text[r] if isinstance(r, int) else "" for r in step.refs]
        name = self.name(node)
        buffer = self.buffer(i, step, until)
        self.text[id(node)] = name
        if buffer is not None:
            args = [self.text[r] if isinstance(r, int) else self.literal(r.value)
                    for r in step.refs] + (["0"] if node._op.name == "relu" else [])
            return f"{name} = np.{step.kernel.ufunc}({', '.join(args)}, out={buffer})"
        expr = step.kernel.expr.format(*texts)
        if isinstance(node.data, np.ndarray) and node.data.ndim == 0:
            expr = f"asarray({expr})"  # numpy computes a 0-d result as a scalar
        return f"{name} = {expr}"

    def buffer(self, i: int, step: Step, until: dict[int, float]) -> Optional[str]:
        """An argument whose array the result may be written into: made by an earlier step as
        a new array of the result's shape and dtype, and read by nothing after this step."""
        if step.kernel.ufunc is None:
            return None
        data = step.node.data
        for r in step.refs:
            source = self.steps.get(r) if isinstance(r, int) else None
            if (source is not None and source.owners == {r} and until.get(r) == i
                    and source.node.data.shape == data.shape
                    and source.node.data.dtype == data.dtype
                    and not any(isinstance(o, int) and o != r and r in self.owners(o)
                                for o in step.refs)):
                return self.text[r]
        return None

    def owners(self, key: int) -> frozenset[int]:
        step = self.steps.get(key)
        return step.owners if step is not None else frozenset()

    # --- names, literals and the result ------------------------------------------------------

    def variable(self, base: str, numbered: bool = False) -> str:
        """A new identifier from base (a label or an op name): base, base_2, ... or, numbered,
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

    def bind(self, value: Any, base: str) -> str:
        """The namespace name holding value (a function, an array, a node), bound once."""
        name = self.bound.get(id(value))
        if name is None:
            name = self.variable(base, numbered=base == "const")
            self.namespace[name] = value
            self.bound[id(value)] = name
        return name

    def literal(self, value: Any, index: bool = False) -> str:
        """value as source: a literal where one gives exactly value, else a namespace name."""
        text = index_literal(value) if index else None
        text = text if text is not None else literal(value)
        return text if text is not None else self.bind(value, "const")

    def render(self, result: Any, returned: set[int]) -> str:
        """The return expression for the output structure; every array is the caller's own."""
        if isinstance(result, Node):
            ref = self.ref(result)
            if isinstance(ref, Const):
                result = ref.value
            else:
                owned = self.owners(ref) == {ref} and ref not in returned
                returned.add(ref)
                array = type(self.data.get(ref)) is np.ndarray
                return self.text[ref] + (".copy()" if array and not owned else "")
        if isinstance(result, dict):
            return "{" + ", ".join(f"{k!r}: {self.render(v, returned)}"
                                   for k, v in result.items()) + "}"
        if isinstance(result, (list, tuple)):
            items = [self.render(v, returned) for v in result]
            if type(result) is list:
                return "[" + ", ".join(items) + "]"
            if type(result) is tuple:
                return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"
            return f"{self.bind(type(result), type(result).__name__)}({', '.join(items)})"
        return self.literal(result) + (".copy()" if isinstance(result, np.ndarray) else "")

    def shape(self, ref: Ref) -> tuple[int, ...]:
        return np.shape(ref.value if isinstance(ref, Const) else self.data[ref])

    def dtype(self, ref: Ref) -> Any:
        return _dtype(ref.value if isinstance(ref, Const) else self.data[ref])


def _dtype(x: Any) -> Any:
    return x.dtype if isinstance(x, np.ndarray) else type(x)


def _broadcast(shapes: list[tuple[int, ...]]) -> Optional[tuple[int, ...]]:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None


def literal(value: Any) -> Optional[str]:
    """Python source that evaluates to exactly value, or None where there is none."""
    kind = type(value)
    if kind is float:
        if value != value or value in (ALWAYS, -ALWAYS):
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
            bounds = [literal(p) if p is not None else "" for p in (part.start, part.stop, part.step)]
            if None in bounds:
                return None
            out.append(":".join(bounds[:2]) + (f":{bounds[2]}" if bounds[2] else ""))
        else:
            text = literal(part) if type(part) is not str else None
            if text is None:
                return None
            out.append(text)
    if type(index) is tuple and len(parts) == 1:
        return out[0] + ","
    return ", ".join(out) if out else "()"
