"""Drawing and explaining graphs: what a computation did, and how its gradients came about.

One job per file:

    trace.py      the graph behind a root, traced with an explicit stack
    modules.py    module calls: recorded by nn.Module, found again as clusters with dotted names
    collapse.py   what is drawn: boxes for calls below a depth, repeated steps rolled up, the
                  rest summarised, so any graph draws small and stays connected
    units.py      the units drawn besides single nodes: boxes, folds, the summary
    chains.py     the chains of single-use nodes, and their repeated steps
    labels.py     numbers, summaries, op labels, names, and escaping for DOT, HTML and SVG
    colors.py     fills by role or by gradient size (log scale, legend, nan and inf)
    gradients.py  the backward pass computed on the side: local derivatives, contributions
    dot.py        DOT statements for a plan
    render.py     to_dot, draw_graph, save_graph
    explain.py    explain(): the backward pass as a table
    animate.py    animate(): the forward and backward passes as one HTML page
"""
from .animate import animate
from .explain import Explanation, explain
from .modules import record_call
from .render import FORMATS, INSTALL_DOT, draw_graph, save_graph, to_dot

__all__ = ["to_dot", "draw_graph", "save_graph", "explain", "Explanation", "animate",
           "record_call", "FORMATS", "INSTALL_DOT"]
