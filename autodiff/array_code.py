"""The array ops of a generated function: folded and simplified, then the live ones written
one line each, each result written into a dead buffer where one fits.

1. Each op is resolved as it is found: an op on constants only is its traced value; `x * 1`,
   `x / 1` and `x - 0` are `x`; an `expand` that an elementwise op would broadcast anyway is
   skipped, and a constant array of one repeated value becomes that number.
2. What the outputs need is marked live (a skipped expand is dead code, never written), and
   for each buffer (the new array an op made) the last op reading it, or a view of it.
3. One line per live op. An op computed by a correctly rounded ufunc (arithmetic, abs, sqrt,
   relu's maximum) writes its result into an argument's buffer that nothing reads afterwards,
   of the result's shape and dtype: `mul_4 = np.multiply(matmul_1, sub_2, out=matmul_1)`,
   sparing an allocation, as a hand-written numpy step does.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

import numpy as np

from .kernels import Kernel, array_kernel, broadcasts, is_built_in
from .node import Node, arguments

ALWAYS = float("inf")


class Const:
    """An argument known when the code is written: a literal, or a value in the namespace."""

    __slots__ = ("value",)

    def __init__(self, value: Any) -> None:
        self.value = value


Ref = Any  # the id of a node computed by the code (an int), or a Const


class Step:
    """One op to write: its node, argument refs, kernel (over {0}, {1}, ...), and the ids of
    the steps whose buffers its value may live in (itself, for a new array)."""

    __slots__ = ("node", "refs", "kernel", "owners")

    def __init__(self, node: Node, refs: list[Ref], kernel: Kernel,
                 owners: frozenset[int]) -> None:
        self.node, self.refs, self.kernel, self.owners = node, refs, kernel, owners


class ArrayCode:
    """Array ops as lines; `names` (a codegen.Names) makes the identifiers and literals."""

    def __init__(self, names: Any) -> None:
        self.names = names
        self.text: dict[int, str] = {}  # node id -> the name the code uses for it
        self.data: dict[int, Any] = {}  # node id -> its traced data (shapes, dtypes)
        self.alias: dict[int, Ref] = {}
        self.steps: dict[int, Step] = {}
        self.marks: dict[int, str] = {}  # step index -> the comment above it

    def mark(self, label: Optional[str]) -> None:
        """The ops recorded from now on compute the part of the result named label."""
        if label is not None:
            self.marks[len(self.steps)] = label

    def leaf(self, node: Node, text: Optional[str]) -> None:
        """An input's or outside node's leaf (its name), or a constant made while tracing."""
        self.data[id(node)] = node.data
        if text is None:
            self.alias[id(node)] = Const(node.data)
        else:
            self.text[id(node)] = text

    def op(self, node: Node) -> None:
        op, key = node._op, id(node)
        self.data[key] = node.data
        refs = [self.ref(x) for x in arguments(node)]
        count = len(refs) - op.nparams
        if all(isinstance(r, Const) for r in refs[:count]):
            self.alias[key] = Const(node.data)  # an op on constants: its traced value
            return
        if broadcasts(op):  # another op gets its inputs as the interpreter gives them
            self.simplify(node, refs, count)
        same = self.identity(node, refs)
        if same is not None:
            self.alias[key] = same
            return
        literal = self.names.literal
        args = [f"{{{i}}}" if isinstance(r, int) else
                literal(r.value, op.name == "getitem").replace("{", "{{").replace("}", "}}")
                for i, r in enumerate(refs)]
        values = [r.value if isinstance(r, Const) else None for r in refs]
        data = [r.value if isinstance(r, Const) else self.data[r] for r in refs]
        kernel = array_kernel(op, args, values, data, node.data, self.names.bind)
        if kernel.expr == "{0}":  # the op gives its input back (sum_to to the same shape)
            self.alias[key] = refs[0]
            return
        owners = frozenset([key]) if kernel.fresh else frozenset().union(
            *(self.owners(r) for r in refs if isinstance(r, int)))
        self.steps[key] = Step(node, refs, kernel, owners)

    def ref(self, x: Any) -> Ref:
        """An argument as a ref: a node's (after folding), or a raw value as a Const."""
        return self.alias.get(id(x), id(x)) if isinstance(x, Node) else Const(x)

    def simplify(self, node: Node, refs: list[Ref], count: int) -> None:
        """For numpy arithmetic or a ufunc (in place, on refs): skip the expands that its
        broadcasting redoes, and write a constant array of one repeated value as that number."""
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
                    and isinstance(x, int) and self.shape(x) == node.data.shape
                    and self.dtype(x) == node.data.dtype):
                return x
        return None

    # --- passes 2 and 3: liveness, then the lines -------------------------------------------

    def lines(self, roots: Sequence[Node]) -> list[str]:
        """The live ops' lines, results written into dead buffers where they fit."""
        final = {r for r in map(self.ref, roots) if isinstance(r, int)}
        needed = set(final)
        for key in reversed(list(self.steps)):
            if key in needed:
                needed.update(r for r in self.steps[key].refs if isinstance(r, int))
        live, heads, label = [], {}, None  # heads: live index -> the comment above it
        for j, (key, step) in enumerate(self.steps.items()):
            label = self.marks.get(j, label)
            if key in needed:
                if label is not None:
                    heads[len(live)], label = label, None
                live.append(step)
        until: dict[int, float] = {}  # buffer -> the last step reading it or a view of it
        for i, step in enumerate(live):
            for r in step.refs:
                if isinstance(r, int):
                    for owner in self.owners(r):
                        until[owner] = i
        for r in final:
            for owner in self.owners(r):
                until[owner] = ALWAYS
        lines = []
        for i, step in enumerate(live):
            if i in heads:
                lines.append(f"# {heads[i]}")
            lines.append(self.line(i, step, until))
        return lines

    def line(self, i: int, step: Step, until: dict[int, float]) -> str:
        node = step.node
        name = self.names.of(node)
        buffer = self.buffer(i, step, until)
        texts = [self.text[r] if isinstance(r, int) else "" for r in step.refs]
        self.text[id(node)] = name
        if buffer is not None:
            args = [t if isinstance(r, int) else self.names.literal(r.value)
                    for t, r in zip(texts, step.refs)]
            args += ["0"] if node._op.name == "relu" else []  # relu(x) = maximum(x, 0)
            return f"{name} = np.{step.kernel.ufunc}({', '.join(args)}, out={buffer})"
        expr = step.kernel.expr.format(*texts)
        if node.data.ndim == 0:
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

    def output(self, node: Node, returned: set[int]) -> Optional[str]:
        """How the return expression gives node: the caller's own array (a copy of anything the
        function holds, shares, or returns twice); None for a constant (see `constant`)."""
        ref = self.ref(node)
        if isinstance(ref, Const):
            return None
        owned = self.owners(ref) == {ref} and ref not in returned
        returned.add(ref)
        return self.text[ref] + ("" if owned else ".copy()")

    def constant(self, node: Node) -> Any:
        """The value of an output node that folded to a constant."""
        return self.ref(node).value

    def shape(self, ref: Ref) -> tuple[int, ...]:
        return np.shape(ref.value if isinstance(ref, Const) else self.data[ref])

    def dtype(self, ref: Ref) -> Any:
        value = ref.value if isinstance(ref, Const) else self.data[ref]
        return value.dtype if isinstance(value, np.ndarray) else type(value)


def _broadcast(shapes: list[tuple[int, ...]]) -> Optional[tuple[int, ...]]:
    try:
        return np.broadcast_shapes(*shapes)
    except ValueError:
        return None
