"""explain(): the backward pass told edge by edge, as a table to read or data to use.

Each row is one edge, in the order the backward pass takes them (a node's users before the
node): the node whose gradient is passed on, its op, the input it goes to, the upstream
gradient (the node's own), the local derivative of the op's output by that input, and the
contribution the input receives; for a leaf also its running total. It ends with each leaf's
gradient as the sum of its contributions. For a scalar edge the contribution is upstream times
local; for a Tensor edge cells show shapes and summaries, the local derivative is J^T 1 (the
derivative of the sum of the op's outputs) and the contribution J^T g.

The pass is computed on the side (see gradients.py): no prior `backward()` is needed, and no
`.grad` changes.
"""
from __future__ import annotations

from typing import Any, Optional

from ..node import Node
from .gradients import BackwardPass
from .labels import html_text, node_name, op_parts, quantity
from .modules import Modules, parameter_name
from .trace import Graph

COLUMNS = ("step", "node", "op", "input", "upstream", "local", "contribution", "total")
SHOWN = 60  # rows printed before the table is shortened (all of them stay in `.rows`)


class Explanation:
    """The backward pass of a root, one row per edge (`.rows`, a list of dicts with keys
    step, node, op, input, argument, upstream, local, contribution, total) and each leaf's
    gradient as the sum of its contributions (`.leaves`: leaf, grad, contributions)."""

    def __init__(self, root: Node, grad: Any = None) -> None:
        graph = Graph(root)
        modules = Modules(graph) if graph.annotated else None
        seed = root._seed(grad)
        passed = BackwardPass(graph, seed)
        nodes = graph.nodes
        names = names_of(graph, modules)
        totals: dict[int, Any] = {}
        terms: dict[int, list[tuple[str, Any]]] = {}
        self.rows: list[dict[str, Any]] = []
        for k, step in enumerate(passed.steps):
            out = nodes[step.output]
            total = None
            if nodes[step.input]._op is None:
                before = totals.get(step.input)
                total = step.contribution if before is None else before + step.contribution
                totals[step.input] = total
                terms.setdefault(step.input, []).append((names[step.output],
                                                         step.contribution))
            op = out._op
            self.rows.append({
                "step": k + 1, "node": names[step.output], "op": op_parts(out)[0],
                "input": names[step.input], "argument": _argument(op, step.argument, out),
                "upstream": step.upstream, "local": step.local,
                "contribution": step.contribution, "total": total})
        self.leaves: list[dict[str, Any]] = [
            {"leaf": names[i], "grad": passed.grads[i], "contributions": terms.get(i, [])}
            for i, node in enumerate(nodes) if node._op is None]
        self.root = names[graph.root]

    # --- text ------------------------------------------------------------------------------

    def _cells(self) -> list[list[str]]:
        """Each row's cells as text (shortened to the first and last rows of a long pass)."""
        rows = self.rows
        if len(rows) > SHOWN:
            rows = rows[:SHOWN - 10] + [{}] + rows[-10:]
        cells = []
        for row in rows:
            if not row:
                cells.append([f"... {len(self.rows) - SHOWN + 1:,} more rows"] + [""] * 7)
                continue
            cells.append([str(row["step"]), row["node"], row["op"],
                          row["input"], quantity(row["upstream"]),
                          quantity(row["local"]), quantity(row["contribution"]),
                          "" if row["total"] is None else quantity(row["total"])])
        return cells

    def _sums(self) -> list[str]:
        """Each leaf's gradient as the sum of its contributions."""
        lines = []
        for leaf in self.leaves:
            parts = [f"{quantity(c)} (from {name})" for name, c in leaf["contributions"]]
            total = quantity(leaf["grad"]) if leaf["grad"] is not None else "None (not reached)"
            if len(parts) == 1:
                text = parts[0]
            else:
                text = " + ".join(parts) + " = " + total if parts else total
            lines.append(f"{leaf['leaf']}.grad = {text}")
        return lines

    def __str__(self) -> str:
        header = ["step", "node", "op", "input", "upstream", "local d(op)/d(input)",
                  "contribution", "leaf total"]
        table = [header] + self._cells()
        widths = [max(len(row[c]) for row in table) for c in range(len(header))]
        lines = [f"backward pass from {self.root}: {len(self.rows):,} edges"]
        for r, row in enumerate(table):
            lines.append("  ".join(cell.ljust(w) for cell, w in zip(row, widths)).rstrip())
            if r == 0:
                lines.append("  ".join("-" * w for w in widths))
        return "\n".join(lines + [""] + self._sums())

    def __repr__(self) -> str:
        return f"<Explanation of the backward pass from {self.root}: {len(self.rows)} edges>"

    def _repr_html_(self) -> str:
        """The table as HTML, for Jupyter."""
        head = "".join(f"<th>{html_text(h)}</th>" for h in
                       ("step", "node", "op", "input", "upstream", "local d(op)/d(input)",
                        "contribution", "leaf total"))
        body = "".join("<tr>" + "".join(f"<td>{html_text(c)}</td>" for c in row) + "</tr>"
                       for row in self._cells())
        sums = "".join(f"<li><code>{html_text(s)}</code></li>" for s in self._sums())
        return (f"<p>backward pass from <b>{html_text(self.root)}</b>: {len(self.rows):,} "
                f"edges</p><table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"
                f"<ul>{sums}</ul>")


def explain(root: Node, grad: Any = None) -> Explanation:
    """The backward pass from `root` as a table, edge by edge (see `Explanation`); `grad` seeds
    a non-scalar root as in `backward(grad)`. Needs no prior backward(); changes no `.grad`."""
    if not isinstance(root, Node):
        raise TypeError(f"explain: expected a Value or Tensor, got {type(root).__name__}")
    return Explanation(root, grad)


def _argument(op: Any, i: int, node: Node) -> str:
    """The declared name of argument i (a variadic op's inputs are `xs[i]`)."""
    if op.variadic:
        return f"{op.params[0]}[{i}]"
    return op.params[i]


def names_of(graph: Graph, modules: Optional[Modules]) -> list[str]:
    """What each node of the graph is called in tables and captions."""
    return [node_name(node, i, parameter_name(modules, i)) for i, node in enumerate(graph.nodes)]
