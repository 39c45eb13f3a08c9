"""The drawing functions: DOT text, a `graphviz.Digraph`, a picture file.

`to_dot` needs nothing but numpy. `draw_graph` and `save_graph` hand the same statements to the
graphviz package (imported here, lazily), which needs the Graphviz program `dot`.
"""
from __future__ import annotations

import shutil
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Optional, Union

from ..node import Node
from .dot import statements

if TYPE_CHECKING:
    import graphviz

INSTALL_DOT = ("rendering needs the Graphviz program 'dot', which is not on PATH. Install it "
               "with `apt-get install graphviz` (Debian/Ubuntu), `brew install graphviz` (macOS) "
               "or `conda install -c conda-forge graphviz`; to_dot() works without it.")
# The suffixes save_graph knows: pictures rendered by `dot`, and DOT text (no `dot` needed).
# Any other Graphviz output format can still be asked for with format=.
FORMATS = ("svg", "png", "pdf", "jpg", "jpeg", "gif", "webp", "bmp", "tif", "tiff", "svgz",
           "ps", "eps", "dot", "gv")
MAX_NODES = 200

Highlight = Union[Node, Iterable[Node], None]


def to_dot(root: Node, *, rankdir: Optional[str] = None, max_nodes: Optional[int] = MAX_NODES,
           depth: Optional[int] = None, color: Optional[str] = None,
           local_derivatives: bool = False, highlight: Highlight = None) -> str:
    """The graph behind `root` as DOT text.

    rankdir: "LR", "TB", "RL", "BT", or None to choose from the graph's shape. max_nodes: the
    most units drawn; a larger graph has its repeated steps rolled up and the rest summarised
    (None: draw every node). depth: draw module calls nested deeper than this as one box each
    (0: the whole model as one box). color="grad": fill by gradient size, with a legend.
    local_derivatives: label each edge with d(op output)/d(input). highlight: nodes to mark.
    """
    body = statements(root, rankdir=rankdir, max_nodes=max_nodes, depth=depth, color=color,
                      local_derivatives=local_derivatives, highlight=highlight)
    return "digraph autodiff {\n" + "".join(body) + "}\n"


def draw_graph(root: Node, format: str = "svg", *, rankdir: Optional[str] = None,
               max_nodes: Optional[int] = MAX_NODES, depth: Optional[int] = None,
               color: Optional[str] = None, local_derivatives: bool = False,
               highlight: Highlight = None) -> "graphviz.Digraph":
    """The graph behind `root` as a `graphviz.Digraph`: shown by Jupyter, saved by `.render()`
    (the options are to_dot's)."""
    graphviz = _graphviz("draw_graph")
    graph = graphviz.Digraph("autodiff", format=format)  # which refuses an unknown format
    graph.body.extend(statements(root, rankdir=rankdir, max_nodes=max_nodes, depth=depth,
                                 color=color, local_derivatives=local_derivatives,
                                 highlight=highlight))
    return graph


def save_graph(root: Node, path: Union[str, Path], format: Optional[str] = None, *,
               rankdir: Optional[str] = None, max_nodes: Optional[int] = MAX_NODES,
               depth: Optional[int] = None, color: Optional[str] = None,
               local_derivatives: bool = False, highlight: Highlight = None) -> Path:
    """Render the graph behind `root` to `path`, in `format` (any Graphviz output format) or
    else the one its suffix names: a path without a known suffix and no format is a ValueError
    listing them. `.dot` and `.gv` write DOT text. Returns the path written."""
    path = Path(path)
    suffix = path.suffix.lstrip(".").lower()
    if format is None:
        if suffix not in FORMATS:
            raise ValueError(f"save_graph({str(path)!r}): no picture format known by that "
                             f"suffix; the formats are {', '.join(FORMATS)} (or pass format=)")
        format = suffix
    elif not suffix:
        path = path.with_suffix("." + format)
    options: dict[str, Any] = dict(rankdir=rankdir, max_nodes=max_nodes, depth=depth,
                                   color=color, local_derivatives=local_derivatives,
                                   highlight=highlight)
    if format in ("dot", "gv"):
        data = to_dot(root, **options).encode()
    else:
        data = draw_graph(root, format, **options).pipe()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def _graphviz(where: str) -> Any:
    """The graphviz package, with the `dot` program it drives; else how to install them."""
    try:
        import graphviz
    except ImportError:
        raise ImportError(f"{where} needs the graphviz package: pip install graphviz") from None
    if shutil.which("dot") is None:
        raise RuntimeError(INSTALL_DOT)
    return graphviz
