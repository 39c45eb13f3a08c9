"""The float ops of a generated function: folded, then written one line each.

An op on constants only is its traced value, written as a literal; `x * 1`, `1 * x`, `x / 1`,
`x - 0` and `x ** 1` are `x`. Every other op becomes one line, `mul_3 = w_1 * xs_0_0`, with the
expression kernels.py gives its op. Once a value is read for the last time its variable is
free, and the next op of the same kind reuses it: a program of 190,000 ops (S1 in bench/) then
needs 10,000 names, which CPython compiles a third faster, and runs over twice as fast, as one
name per op (a smaller frame). Programs of up to REUSE_PAST ops keep one name per value.

Every float op the outputs reach is needed (only array ops are ever skipped by a later op), so
the ops are written in the order they are found, with no liveness pass.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from .kernels import SCALAR, is_built_in, scalar_template
from .node import Node
from .ops import Op

UNITS = (0.0, 1.0)  # the constants an identity (x * 1, x - 0) may involve
# Past this many ops the variables of dead values are reused; smaller programs keep one name
# per value, which reads more easily.
REUSE_PAST = 1000
Ref = Any  # a str (the final text: a literal, an input's or an outside node's name) or an int
           # (the index of the op whose value it is)


class FloatCode:
    """Float ops as lines; `names` (a codegen.Names) makes the identifiers and literals."""

    def __init__(self, names: Any) -> None:
        self.names = names
        self.refs: dict[int, Ref] = {}  # node id -> ref
        self.consts: dict[int, Any] = {}  # node id -> value, for a constant
        self.ops: list[tuple[str, list[Ref], Optional[str], Node]] = []  # (template, argument
        # refs, what its variable is named after (None for a label), node)
        self.templates: dict[tuple[Op, int], str] = {}
        self.written: list[str] = []  # op index -> its variable, once written
        self.marks: dict[int, str] = {}  # op index -> the comment above it

    def mark(self, label: Optional[str]) -> None:
        """The ops recorded from now on compute the part of the result named label."""
        if label is not None:
            self.marks[len(self.ops)] = label

    def leaf(self, node: Node, text: Optional[str]) -> None:
        """An input's or outside node's leaf (its name), or a constant made while tracing."""
        if text is None:
            self.consts[id(node)] = node.data
            text = self.names.literal(node.data)
        self.refs[id(node)] = text

    def op(self, node: Node) -> None:
        a, b, known, consts = node._a, node._b, self.refs, self.consts
        # The common case first (inputs that are computed values only), in as few steps as
        # possible: a large function has a few hundred thousand ops.
        if a is not None and b is not None and id(a) not in consts and id(b) not in consts:
            self.write(node, [known[id(a)], known[id(b)]])
        elif a is not None and node._op.unary and id(a) not in consts:
            self.write(node, [known[id(a)]])
        else:
            self.folded(node)

    def write(self, node: Node, refs: list[Ref]) -> None:
        """Record node's op as a line to write, over refs."""
        op = node._op
        template = self.templates.get((op, len(refs)))
        if template is None:
            template = self.templates[op, len(refs)] = scalar_template(op, len(refs),
                                                                       self.names.bind)
        self.refs[id(node)] = len(self.ops)
        self.ops.append((template, refs, self.names.base(node), node))

    def folded(self, node: Node) -> None:
        """An op with constants among its arguments: a constant itself if it has no other
        argument, the argument it equals (x * 1), or a line with the constants as literals."""
        op, key, a, b = node._op, id(node), node._a, node._b
        known, consts = self.refs, self.consts
        if op.unary:
            args: Sequence[Any] = (a,)
        elif a is not None or b is not None:
            args = (node._k if a is None else a, node._k if b is None else b)
        else:
            args = node._k
        refs, constant, unit = [], True, False
        inline = op.name in SCALAR and is_built_in(op)
        for x in args:
            if isinstance(x, Node):
                refs.append(known[id(x)])
                if id(x) in consts:
                    unit = unit or consts[id(x)] in UNITS
                else:
                    constant = False
            else:
                if inline and type(x) is int and -2**53 <= x <= 2**53:
                    x = float(x)  # the same number, but float arithmetic is quicker
                refs.append(self.names.literal(x))
                unit = unit or (type(x) in (float, int) and x in UNITS)
        if constant:  # an op on constants: its traced value
            consts[key] = node.data
            known[key] = self.names.literal(node.data)
            return
        same = self.identity(op, args, refs) if unit and len(args) == 2 else None
        if same is not None:
            known[key] = same
        else:
            self.write(node, refs)

    def identity(self, op: Op, args: Sequence[Any], refs: list[Ref]) -> Optional[Ref]:
        """The ref of the argument a float op equals bit for bit (x * 1, 1 * x, x / 1, x - 0,
        and x ** 1, which a power's derivative makes of a square: pow's error is below one
        unit in the last place, so where the answer is x itself it gives x)."""
        if op.name not in ("mul", "div", "sub", "power") or not is_built_in(op):
            return None
        unit = 0.0 if op.name == "sub" else 1.0
        for c, x in ((1, 0), (0, 1))[:2 if op.name == "mul" else 1]:  # (constant, other)
            value = self.consts.get(id(args[c]), args[c]) if isinstance(args[c], Node) else args[c]
            if (type(value) in (float, int) and value == unit and isinstance(args[x], Node)
                    and id(args[x]) not in self.consts):
                return refs[x]
        return None

    def lines(self, roots: Sequence[Node]) -> list[str]:
        """One line per op; a variable is reused, by an op of the same kind, once dead."""
        ops = self.ops
        last = [-1] * len(ops)
        for i, (_, refs, _, _) in enumerate(ops):
            for r in refs:
                if type(r) is int:
                    last[r] = i
        for node in roots:
            r = self.refs.get(id(node))
            if type(r) is int:
                last[r] = len(ops)  # returned: never reused
        reuse = len(ops) > REUSE_PAST
        free: dict[Optional[str], list[str]] = {None: []}  # labels (base None) are not reused
        written, new, out = self.written, self.names.of, []
        for i, (template, refs, base, node) in enumerate(ops):
            if i in self.marks:
                out.append(f"# {self.marks[i]}")
            texts = []
            for r in refs:
                if type(r) is int:
                    texts.append(written[r])
                    if last[r] == i and reuse:
                        last[r] = -2  # freed once, even if read twice here
                        free.setdefault(ops[r][2], []).append(written[r])
                else:
                    texts.append(r)
            pool = free.get(base)
            name = pool.pop() if pool and base is not None else new(node)
            written.append(name)
            out.append(f"{name} = {template.format(*texts)}")
        return out

    def text(self, node: Node) -> str:
        """How the code refers to a float node (after `lines`)."""
        r = self.refs[id(node)]
        return self.written[r] if type(r) is int else r
