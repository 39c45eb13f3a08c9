"""DOT text for a plan: records, op nodes, constants, boxes, folds, clusters, colours, edges.

Each `Value`/`Tensor` drawn is a record `name | data | grad` (a Tensor: shape and dtype, and
summaries), each op one small node between its inputs and its output, each raw constant a
small dashed node; op parameters are written in the op node (`sum(axis=1)`). Module calls are
clusters labelled with their dotted path and class; a collapsed call is a box showing its input
and output shapes, a fold says how many repetitions and nodes it stands for, the summary what
the budget left out. The direction (left to right or top to bottom) is chosen from the shape
of what is drawn, unless given.
"""
from __future__ import annotations

from typing import Any, Optional

import numpy as np

from ..node import Node, arguments
from . import colors
from .collapse import Plan
from .gradients import local_derivative, magnitude
from .labels import (constant_text, dot_text, field_value, op_parts, printable, quantity,
                     record_text, shape_text)
from .modules import Modules
from .trace import Graph
from .units import BOX, FOLD, SUMMARY

RANKDIRS = ("LR", "RL", "TB", "BT")
COLORS = (None, "grad")
FONT = "Helvetica,Arial,sans-serif"
HEADER = [
    f'\tgraph [fontname="{FONT}" bgcolor="white" nodesep="0.25" ranksep="0.4"]\n',
    f'\tnode [fontname="{FONT}" fontsize="11" style="filled" color="#374151" '
    f'fillcolor="{colors.PLAIN}" height="0.3"]\n',
    f'\tedge [color="#6b7280" arrowsize="0.6" fontname="{FONT}" fontsize="9" '
    f'fontcolor="#374151"]\n',
]


def statements(root: Node, *, rankdir: Optional[str], max_nodes: Optional[int],
               depth: Optional[int], color: Optional[str], local_derivatives: bool,
               highlight: Any) -> list[str]:
    """The DOT statements (one per line, without the `digraph {}` around them)."""
    if not isinstance(root, Node):
        raise TypeError(f"expected a Value or Tensor to draw, got {type(root).__name__}")
    if rankdir is not None and rankdir not in RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(RANKDIRS)} or None, "
                         f"got {rankdir!r}")
    if max_nodes is not None and (type(max_nodes) is not int or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    if depth is not None and (type(depth) is not int or depth < 0):
        raise ValueError(f"depth must be an int >= 0 or None, got {depth!r}")
    if color not in COLORS:
        raise ValueError(f"color must be None or 'grad', got {color!r}")
    graph = Graph(root)
    marked = _highlighted(graph, highlight)
    modules = Modules(graph) if graph.annotated else None
    plan = Plan(graph, modules, depth, max_nodes)
    return Writer(plan, color, local_derivatives, marked).lines(rankdir)


def _highlighted(graph: Graph, highlight: Any) -> set[int]:
    """The positions of the nodes to emphasise (a node, or an iterable of nodes)."""
    if highlight is None:
        return set()
    items = [highlight] if isinstance(highlight, Node) else highlight
    try:
        items = list(items)
    except TypeError:
        raise TypeError(f"highlight must be a node or an iterable of nodes, got "
                        f"{type(highlight).__name__}") from None
    for x in items:
        if not isinstance(x, Node):
            raise TypeError(f"highlight must hold Values or Tensors, got {type(x).__name__}")
    return {graph.position(x) for x in items} - {-1}


class Writer:
    """Writes the statements of one plan (`grads`: gradients to show instead of `.grad`)."""

    def __init__(self, plan: Plan, color: Optional[str], local: bool, marked: set[int],
                 grads: Optional[list[Any]] = None) -> None:
        self.plan, self.graph = plan, plan.graph
        self.grads = grads
        self.local = local
        self.modules: Optional[Modules] = plan.modules
        n = len(self.graph)
        self.marked = {plan.rep[i] for i in marked}
        self.scale = None
        if color == "grad":  # over what shows a gradient: nodes, and boxes (their outputs')
            self.scale = colors.GradScale([magnitude(self._grad(u)) for u in plan.drawn
                                           if u < n or plan.unit(u).kind == BOX])
        self.constants = 0
        self.order = sorted(plan.drawn, key=lambda u: u if u < n else self._place(u))

    # --- the whole text --------------------------------------------------------------------

    def lines(self, rankdir: Optional[str]) -> list[str]:
        """Every statement: attributes, clusters with their nodes, the edges, the legend."""
        edge_lines = [line for *_, line in self._edge_lines()]
        self.rankdir = rankdir or self._direction()
        blocks: dict[int, list[str]] = {}
        for u in self.order:
            blocks.setdefault(self.plan.owner_of(u), []).extend(self._unit(u))
        head = [f'\tgraph [rankdir="{self.rankdir}"]\n', *HEADER]
        if self.scale is not None:
            head.append(f'\tlegend [shape="plaintext" style="" label={self.scale.legend()}]\n')
        if self.local:
            note = ("edge labels: the local derivative d(op output)/d(input); for a Tensor op "
                    "its sum over the op's outputs, J^T 1")
            head.append(f'\tgraph [label="{dot_text(note)}" labelloc="b" fontsize="10"]\n')
        return head + self._clusters(blocks) + edge_lines

    def _clusters(self, blocks: dict[int, list[str]]) -> list[str]:
        """The nodes inside nested `subgraph cluster_k` blocks, one per module call drawn."""
        modules = self.modules
        out = list(blocks.get(-1, []))
        if modules is None:
            return out
        children: dict[int, list[int]] = {}
        needed = set()
        for k in blocks:
            while k >= 0 and k not in needed:
                needed.add(k)
                children.setdefault(modules.calls[k].parent, []).append(k)
                k = modules.calls[k].parent
        stack: list[Any] = [(k, 0) for k in sorted(children.get(-1, []), reverse=True)]
        while stack:
            item = stack.pop()
            if isinstance(item, str):
                out.append(item)
                continue
            k, level = item
            call = modules.calls[k]
            indent = "\t" * (level + 1)
            out.append(f'{indent}subgraph cluster_{k} {{\n')
            out.append(f'{indent}\tgraph [label="{dot_text(call.name)}" style="rounded" '
                       f'color="#94a3b8" fontsize="10" labeljust="l"]\n')
            out.extend(indent + line for line in blocks.get(k, []))
            stack.append(f"{indent}}}\n")
            stack.extend((c, level + 1) for c in sorted(children.get(k, []), reverse=True))
        return out

    # --- units -------------------------------------------------------------------------------

    def _name(self, u: int) -> str:
        n = len(self.graph)
        return f"v{u}" if u < n else f"u{u - n}"

    def _place(self, u: int) -> int:
        """Where a box, fold or summary sits in the topological order (for a stable layout)."""
        unit = self.plan.unit(u)
        if unit.kind == BOX:
            return unit.output
        return max(unit.members) if unit.kind == FOLD and unit.members else -1

    def _grad(self, u: int) -> Any:
        """The gradient shown for unit u (a box: its output's)."""
        unit = self.plan.unit(u)
        if unit is not None:
            if unit.kind != BOX:
                return None
            u = unit.output
        return self.graph.nodes[u].grad if self.grads is None else self.grads[u]

    def _fill(self, u: int, default: str) -> dict[str, str]:
        attrs = {"fillcolor": default}
        if self.scale is not None and (u < len(self.graph) or self.plan.unit(u).kind == BOX):
            attrs["fillcolor"], attrs["fontcolor"] = self.scale.fill(magnitude(self._grad(u)))
        if u in self.marked:
            attrs.update(color=colors.HIGHLIGHT, penwidth="3")
        return attrs

    def _unit(self, u: int) -> list[str]:
        """The node statements of unit u (a node also draws its op and constants)."""
        unit = self.plan.unit(u)
        if unit is None:
            return self._node(u)
        name = self._name(u)
        if unit.kind == BOX:
            call = unit.call
            outs = [self.graph.nodes[i] for i in call.outputs]
            text = (f"{call.name}\nin {_shapes(call.inputs)} → out {_shapes(outs)}"
                    f"\n{unit.count:,} nodes: {_histogram(self.plan.ops(unit))}")
            return [_node(name, dot_text(text), shape="box3d",
                          **self._fill(u, colors.BOX))]
        if unit.kind == FOLD:
            if unit.repeats:
                text = (f"× {unit.repeats:,} more of\n{' → '.join(unit.pattern)}\n"
                        f"({unit.count:,} nodes)")
            else:
                text = f"{unit.count:,} nodes folded\n{_histogram(self.plan.ops(unit))}"
            return [_node(name, dot_text(text), shape="box", style="rounded,filled,dashed",
                          peripheries="2", fontsize="10", **self._fill(u, colors.FOLD))]
        text = f"{unit.count:,} more nodes not drawn\n{_histogram(self.plan.ops(unit))}"
        return [_node(name, dot_text(text), shape="note", fontsize="10",
                      **self._fill(u, colors.SUMMARY))]

    def _node(self, v: int) -> list[str]:
        """A record, and for an op node its op node and the small nodes of its constants."""
        node = self.graph.nodes[v]
        root = v == self.graph.root
        default = (colors.ROOT if root else colors.PLAIN if node._op is not None else
                   colors.PARAMETER if getattr(node, "requires_grad", True) else colors.FROZEN)
        lines = [_node(f"v{v}", self._record(v), shape="record", **self._fill(v, default))]
        if node._op is None:
            return lines
        label, constants = op_parts(node)
        op_id = f"op{v}"
        for _, x in constants:
            const_id = f"c{self.constants}"
            self.constants += 1
            lines.append(_node(const_id, dot_text(constant_text(x)), shape="box",
                               style="rounded,dashed", fontsize="10", fontcolor="#4b5563"))
            lines.append(_edge(const_id, op_id))
        lines.append(_node(op_id, dot_text(label), shape="ellipse", fillcolor=colors.OP,
                           fontsize="10", margin="0.05,0.02"))
        lines.append(_edge(op_id, f"v{v}"))
        return lines

    def _record(self, v: int) -> str:
        """The escaped record label `name | data | grad` (Tensor: `name | shape dtype | ...`)."""
        node = self.graph.nodes[v]
        parameter = None if self.modules is None else self.modules.parameters.get(v)
        name = parameter or printable(node.label)
        fields = [name] if name else []
        if isinstance(node.data, np.ndarray):
            fields.append(f"{node.data.shape} {node.data.dtype}")
        fields += ["data " + field_value(node.data), "grad " + field_value(self._grad(v))]
        body = " | ".join(record_text(f) for f in fields)
        # Scalars read best as one row (micrograd's look); tensor summaries are long, so their
        # fields stack across the direction of the graph, keeping an MLP's graph narrow.
        horizontal = self.rankdir in ("LR", "RL")
        return "{ " + body + " }" if horizontal != isinstance(node.data, np.ndarray) else body

    # --- edges -------------------------------------------------------------------------------

    def _edge_lines(self) -> list[tuple[int, int, str]]:
        """(tail unit, head unit, statement) for every edge between drawn units."""
        plan, g = self.plan, self.graph
        rep, n = plan.rep, len(g)
        out = []
        for u in self.order:
            unit = plan.unit(u)
            if unit is None:
                node = g.nodes[u]
                if node._op is None:
                    continue
                for i, x in enumerate(arguments(node)):
                    if isinstance(x, Node):
                        out.append(self._input_edge(rep[g.index[id(x)]], u, node, i))
            elif unit.kind == BOX:
                inside = set(unit.members)
                sources = dict.fromkeys(rep[j] for i in unit.members for j in g.inputs[i]
                                        if j not in inside)
                out.extend((s, u, _edge(self._name(s), self._name(u))) for s in sources)
            elif unit.kind == FOLD and unit.entry is not None and rep[unit.entry] != u:
                s = rep[unit.entry]
                out.append((s, u, _edge(self._name(s), self._name(u))))
        self.unit_edges = [(s, t) for s, t, _ in out]
        return out

    def _input_edge(self, s: int, v: int, node: Node, i: int) -> tuple[int, int, str]:
        """The edge from unit s (drawing argument i of node v) into v's op node."""
        attrs: dict[str, str] = {}
        source = self.plan.unit(s)
        if source is not None and source.kind == SUMMARY:
            attrs["style"] = "dashed"
        elif self.local:
            d = local_derivative(node, i)
            if d is not None:
                attrs["label"] = dot_text(" " + quantity(d))
        return s, v, _edge(self._name(s), f"op{v}", **attrs)

    # --- direction -----------------------------------------------------------------------

    def _direction(self) -> str:
        """LR unless the drawing would be too wide for a screen and TB fits one better."""
        n, nodes = len(self.graph), self.graph.nodes
        users: dict[int, list[int]] = {}
        waiting = dict.fromkeys(self.order, 0)
        for s, t in self.unit_edges:
            users.setdefault(s, []).append(t)
            waiting[t] += 1
        # (records, op nodes) on the longest path into each unit, in Kahn's order (a unit on
        # a cycle, which contracting a fold can make, keeps what it has: this is an estimate).
        into: dict[int, tuple[int, int]] = {}
        ready = [u for u, k in waiting.items() if k == 0]
        for u in ready:  # the list grows while it is read
            records, ops = into.get(u, (0, 0))
            out = (records + 1, ops + (u < n and nodes[u]._op is not None))
            for t in users.get(u, []):
                if sum(into.get(t, (0, 0))) < sum(out):
                    into[t] = out
                waiting[t] -= 1
                if waiting[t] == 0:
                    ready.append(t)
        per_rank: dict[int, int] = {}
        for u in self.order:
            rank = sum(into.get(u, (0, 0)))
            per_rank[rank] = per_rank.get(rank, 0) + 1
        records, ops = max(into.values(), key=sum, default=(0, 0))
        records, wide = records + 1, max(per_rank.values(), default=1)
        tall = any(isinstance(nodes[u].data, np.ndarray) for u in self.order if u < n)
        h = 75 if tall else 40  # a record's height in pixels; its width is about 220
        lr = (records * 250 + ops * 90, wide * (h + 18))
        tb = (wide * 240, records * (h + 29) + ops * 60)
        if lr[0] <= 2000 and lr[1] <= 1200:
            return "LR"
        return "LR" if max(lr[0] / 1.6, lr[1]) <= max(tb[0] / 1.6, tb[1]) else "TB"


def _shapes(nodes: Any) -> str:
    """The shapes of a call's inputs or outputs: `(8, 2)`, or `16 × ()` for many alike."""
    shapes = [shape_text(x) for x in nodes]
    if len(shapes) > 1 and len(set(shapes)) == 1:
        return f"{len(shapes)} × {shapes[0]}"
    return ", ".join(shapes) or "nothing"


def _histogram(ops: Any) -> str:
    """The commonest ops in a collection, `mul 600, add 590, tanh 300, ...`."""
    common = ops.most_common(4)
    text = ", ".join(f"{name} {count:,}" for name, count in common)
    return text + (", ..." if len(ops) > len(common) else "")


def _node(name: str, label: str, **attrs: str) -> str:
    return f'\t{name} [label="{label}"{_attrs(attrs)}]\n'


def _edge(tail: str, head: str, **attrs: str) -> str:
    return f"\t{tail} -> {head}" + (f" [{_attrs(attrs).lstrip()}]" if attrs else "") + "\n"


def _attrs(attrs: dict[str, str]) -> str:
    return "".join(f' {key}="{value}"' for key, value in attrs.items())
