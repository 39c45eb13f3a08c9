"""Drawing a graph: trace it with an explicit queue, write DOT text, render it with graphviz.

`to_dot` needs nothing but numpy: it writes the DOT text itself. `draw_graph` and `save_graph`
hand the same statements to the graphviz package (imported lazily), which needs the `dot` program.
Each `Value`/`Tensor` is a record `label | data | grad`; each op is one small node between its
inputs and its output; raw constants are small dashed nodes; op parameters (an axis, a shape)
are written inside the op node, as in `sum(axis=1)`.
"""
from __future__ import annotations

import numbers
import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from .node import Node, arguments
from .ops import MISSING

if TYPE_CHECKING:
    import graphviz

INSTALL_DOT = ("rendering needs the Graphviz program 'dot', which is not on PATH. Install it "
               "with `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) "
               "or `conda install -c conda-forge graphviz`; to_dot() works without it.")

_RANKDIRS = ("LR", "RL", "TB", "BT")
_FONT = "Helvetica,Arial,sans-serif"
# Fill colours: the output, leaves that receive a gradient, leaves that do not, the rest.
_ROOT, _PARAMETER, _FROZEN, _PLAIN = "#fde68a", "#bfdbfe", "#e5e7eb", "#ffffff"
_HEADER = [
    f'\tgraph [fontname="{_FONT}" bgcolor="white" nodesep="0.25" ranksep="0.4"]\n',
    f'\tnode [fontname="{_FONT}" fontsize="11" style="filled" color="#374151" '
    f'fillcolor="{_PLAIN}" height="0.3"]\n',
    '\tedge [color="#6b7280" arrowsize="0.6"]\n',
]


def to_dot(root: Node, *, rankdir: str = "LR", max_nodes: Optional[int] = 500) -> str:
    """The graph behind `root` as DOT text, drawing at most `max_nodes` nodes (None: all)."""
    return "digraph autodiff {\n" + "".join(_statements(root, rankdir, max_nodes)) + "}\n"


def draw_graph(root: Node, format: str = "svg", *, rankdir: str = "LR",
               max_nodes: Optional[int] = 500) -> "graphviz.Digraph":
    """The graph behind `root` as a `graphviz.Digraph`: shown by Jupyter, saved by `.render()`."""
    try:
        import graphviz
    except ImportError:
        raise ImportError("draw_graph needs the graphviz package: pip install graphviz") from None
    if shutil.which("dot") is None:
        raise RuntimeError(INSTALL_DOT)
    graph = graphviz.Digraph("autodiff", format=format)
    graph.body.extend(_statements(root, rankdir, max_nodes))
    return graph


def save_graph(root: Node, path: str | Path, format: Optional[str] = None, *,
               rankdir: str = "LR", max_nodes: Optional[int] = 500) -> Path:
    """Render the graph behind `root` to `path` (format: given, else the suffix, else svg)."""
    path = Path(path)
    format = format or path.suffix.lstrip(".") or "svg"
    if not path.suffix:
        path = path.with_suffix("." + format)
    graph = draw_graph(root, format, rankdir=rankdir, max_nodes=max_nodes)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(graph.pipe())
    return path


# --- tracing ----------------------------------------------------------------------------------


def _trace(root: Node, max_nodes: Optional[int]) -> tuple[list[Node], int]:
    """(the nodes nearest `root`, breadth-first, at most `max_nodes`; the number of all nodes)."""
    queue = [root]
    seen = {id(root)}
    append, add = queue.append, seen.add
    for node in queue:  # the queue grows while we walk it
        b = node._b  # pushed before `_a`: emitted in reverse, first inputs are drawn first
        if isinstance(b, Node) and id(b) not in seen:
            add(id(b))
            append(b)
        a = node._a
        if isinstance(a, Node) and id(a) not in seen:
            add(id(a))
            append(a)
    return queue[:max_nodes], len(queue)


def _statements(root: Node, rankdir: str, max_nodes: Optional[int]) -> list[str]:
    """The DOT statements (one per line) drawing the graph behind `root`."""
    if not isinstance(root, Node):
        raise TypeError(f"expected a Value or Tensor to draw, got {type(root).__name__}")
    if rankdir not in _RANKDIRS:
        raise ValueError(f"rankdir must be one of {', '.join(_RANKDIRS)}, got {rankdir!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int) or max_nodes < 1):
        raise ValueError(f"max_nodes must be a positive int or None, got {max_nodes!r}")
    nodes, total = _trace(root, max_nodes)
    ids = {id(node): f"v{i}" for i, node in enumerate(nodes)}
    horizontal = rankdir in ("LR", "RL")
    lines = [f'\tgraph [rankdir="{rankdir}"]\n', *_HEADER]
    if total > len(nodes):
        note = f"... {total - len(nodes):,} more nodes not drawn (max_nodes={max_nodes})"
        lines.append(_node("cut", _escape(note), shape="note", fillcolor="#fef3c7",
                           fontsize="10"))
    constants = 0
    for node in reversed(nodes):  # leaves first: dot keeps that order within a rank
        name = ids[id(node)]
        lines.append(_node(name, _record(node, horizontal), shape="record",
                           fillcolor=_fill(node, node is root)))
        op = node._op
        if op is None:
            continue
        op_id = "op" + name[1:]
        named = []  # parameters, and raw inputs that have a default: written in the op node
        for i, x in enumerate(arguments(node)):
            position = _position(op, i, node)
            if isinstance(x, Node):
                source = ids.get(id(x))
                lines.append(_edge("cut", op_id, style="dashed") if source is None
                             else _edge(source, op_id))
            elif position >= op.ninputs or op.defaults[position] is not MISSING:
                if position < op.ninputs or _differs(x, op.defaults[position]):
                    named.append(f"{op.params[position]}={_param_text(x)}")
            else:
                const_id = f"c{constants}"
                constants += 1
                lines.append(_node(const_id, _escape(_constant_text(x)), shape="box",
                                   style="rounded,dashed", fontsize="10", fontcolor="#4b5563"))
                lines.append(_edge(const_id, op_id))
        label = f"{op.name}({', '.join(named)})" if named else op.name
        lines.append(_node(op_id, _escape(label), shape="ellipse", fillcolor="#f1f5f9",
                           fontsize="10", margin="0.05,0.02"))
        lines.append(_edge(op_id, name))
    return lines


# --- labels -----------------------------------------------------------------------------------


def _record(node: Node, horizontal: bool) -> str:
    """The escaped record label `label | data | grad` (Tensor: `label | shape dtype | ...`)."""
    fields = [getattr(node, "label", "") or ""]
    grad = node.grad.data if isinstance(node.grad, Node) else node.grad
    if isinstance(node.data, np.ndarray):
        fields.append(f"{node.data.shape} {node.data.dtype}")
        fields.append("data " + _array_summary(node.data))
        fields.append("grad None" if grad is None else "grad " + _array_summary(np.asarray(grad)))
    else:
        fields.append("data " + _float_text(node.data))
        fields.append("grad None" if grad is None else "grad " + _float_text(grad))
    body = " | ".join(_escape_field(f) for f in fields if f)
    # Scalars read best as one row (micrograd's look); tensor summaries are long, so their
    # fields stack across the direction of the graph, keeping an MLP's graph narrow.
    across = horizontal != isinstance(node.data, np.ndarray)
    return "{ " + body + " }" if across else body


def _fill(node: Node, is_root: bool) -> str:
    if is_root:
        return _ROOT
    if node._op is not None:
        return _PLAIN
    return _PARAMETER if getattr(node, "requires_grad", True) else _FROZEN


def _float_text(x: Any) -> str:
    """micrograd's `%.4f`, switching to `%.4e` where that would hide the digits."""
    x = float(x)
    return f"{x:.4f}" if x == 0 or 1e-4 <= abs(x) < 1e6 else f"{x:.4e}"


def _array_summary(a: np.ndarray) -> str:
    """The values of a small array; min, mean and max of a larger one."""
    if a.size == 0:
        return "[]"
    if a.size <= 6:
        text = np.array2string(a, separator=", ", formatter={"all": _number_text},
                               max_line_width=10**6)
        return text.replace("\n", "")
    with np.errstate(all="ignore"):
        return (f"min {_number_text(a.min())} mean {_number_text(a.mean())} "
                f"max {_number_text(a.max())}")


def _number_text(x: Any) -> str:
    if isinstance(x, (numbers.Integral, np.bool_)):
        return str(x)
    return f"{x:.4g}"


def _differs(x: Any, default: Any) -> bool:
    """True unless x is the parameter's default (a required parameter is always shown)."""
    if default is MISSING:
        return True
    try:
        return bool(x != default)
    except (TypeError, ValueError):  # an array against a default: not the default
        return True


def _constant_text(x: Any) -> str:
    if isinstance(x, np.ndarray):
        return f"{x.shape} {x.dtype}\n{_array_summary(x)}"
    return _number_text(x)


def _position(op: Any, i: int, node: Node) -> int:
    """The position in the op's declared signature of argument i (a variadic op's inputs all
    stand at position 0)."""
    if not op.variadic:
        return i
    count = len(node._k) - op.nparams
    return 0 if i < count else i - count + op.ninputs


def _param_text(x: Any) -> str:
    if isinstance(x, tuple):
        inner = ", ".join(_param_text(item) for item in x)
        return f"({inner},)" if len(x) == 1 else f"({inner})"
    if isinstance(x, slice):
        parts = ["" if v is None else str(v) for v in (x.start, x.stop, x.step)]
        return ":".join(parts if x.step is not None else parts[:2])
    if x is Ellipsis:
        return "..."
    if isinstance(x, np.ndarray):
        return f"{x.dtype}{list(x.shape)}"
    return repr(x) if isinstance(x, str) else str(x)


# --- DOT syntax -------------------------------------------------------------------------------


def _escape(text: str) -> str:
    """Text safe inside a quoted DOT label."""
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _escape_field(text: str) -> str:
    """Text safe inside one field of a record label (braces, bars and angles are syntax)."""
    text = _escape(text)
    for special in "{}|<>":
        text = text.replace(special, "\\" + special)
    return text


def _node(name: str, label: str, **attrs: str) -> str:
    return f'\t{name} [label="{label}"{_attrs(attrs)}]\n'


def _edge(tail: str, head: str, **attrs: str) -> str:
    return f"\t{tail} -> {head}" + (f" [{_attrs(attrs).lstrip()}]" if attrs else "") + "\n"


def _attrs(attrs: dict[str, str]) -> str:
    return "".join(f' {key}="{value}"' for key, value in attrs.items())
