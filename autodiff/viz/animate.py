"""animate(): the forward pass, then the backward pass, one frame per node, as one HTML page.

The page is self-contained (no network, no external scripts): the graph drawn by Graphviz as
inline SVG, the frames as JSON, and a short script with a slider and play/pause buttons. The
forward frames fill in each node's data in topological order; the backward frames then fill in
each gradient, users before the nodes they use, with a caption saying how it was summed. The
gradients are computed on the side (see gradients.py): no `.grad` changes.

Opened with `#frame=N` after its address, the page starts at frame N; with `#check`, it
renders every frame once and writes the outcome into `<body data-check="ok N">` (or the
error), which a headless browser can read.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional, Union

import numpy as np

from ..node import Node, arguments
from .collapse import Plan
from .dot import Writer
from .explain import names_of
from .gradients import BackwardPass
from .labels import field_value, html_text, op_arguments, quantity
from .modules import Modules
from .render import _graphviz
from .trace import Graph

MAX_NODES = 150


def animate(root: Node, path: Union[str, Path], *, grad: Any = None,
            rankdir: Optional[str] = None, max_nodes: int = MAX_NODES) -> Path:
    """Write an HTML page at `path` that steps through the forward and backward passes of
    the graph behind `root`, one frame per node (a graph of at most `max_nodes` nodes)."""
    if not isinstance(root, Node):
        raise TypeError(f"animate: expected a Value or Tensor, got {type(root).__name__}")
    graph = Graph(root)
    if len(graph) > max_nodes:
        raise ValueError(f"animate: the graph has {len(graph):,} nodes, more than max_nodes="
                         f"{max_nodes} (one frame each way per node); animate a smaller "
                         f"graph, or use explain() or draw_graph()")
    graphviz = _graphviz("animate")
    modules = Modules(graph) if graph.annotated else None
    passed = BackwardPass(graph, root._seed(grad))
    plan = Plan(graph, modules, None, None)
    digraph = graphviz.Digraph("autodiff")
    writer = Writer(plan, color=None, local=False, marked=set(), grads=passed.grads)
    digraph.body.extend(writer.lines(rankdir))
    svg = digraph.pipe(format="svg").decode()
    svg = svg[svg.index("<svg"):]
    page = _PAGE.replace("{title}", html_text(f"backpropagation: {names_of(graph, modules)[-1]}"))
    page = page.replace("{svg}", svg).replace("{frames}", _script_json(_frames(graph, modules,
                                                                                 passed)))
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(page, encoding="utf-8")
    return path


def _frames(graph: Graph, modules: Optional[Modules], passed: BackwardPass) -> dict[str, Any]:
    """The nodes (their SVG names and field texts) and the frames, with their captions."""
    names = names_of(graph, modules)
    nodes = []
    for i, node in enumerate(graph.nodes):
        nodes.append({"record": f"v{i}", "op": f"op{i}" if node._op is not None else None,
                      "data": "data " + field_value(node.data),
                      "grad": "grad " + field_value(passed.grads[i])})
    frames = [{"node": i, "phase": "forward", "text": _forward_text(graph, names, i)}
              for i in range(len(graph))]
    into: dict[int, list[Any]] = {}
    for step in passed.steps:
        into.setdefault(step.input, []).append(step)
    frames += [{"node": i, "phase": "backward",
                "text": _backward_text(graph, names, passed, into.get(i, []), i)}
               for i in range(len(graph) - 1, -1, -1)]
    return {"nodes": nodes, "frames": frames}


def _forward_text(graph: Graph, names: list[str], i: int) -> str:
    node = graph.nodes[i]
    if node._op is None:
        return f"forward: {names[i]} = {quantity(node.data)} is an input"
    settings, constants = op_arguments(node)
    raw = dict(constants)
    args = [names[graph.index[id(x)]] if isinstance(x, Node) else quantity(x)
            for k, x in enumerate(arguments(node)) if isinstance(x, Node) or k in raw]
    call = f"{node._op.name}({', '.join(args + settings)})"
    return f"forward: {names[i]} = {call} = {quantity(node.data)}"


def _backward_text(graph: Graph, names: list[str], passed: BackwardPass, steps: list[Any],
                   i: int) -> str:
    total = passed.grads[i]
    if i == graph.root:
        return f"backward: {names[i]}.grad = {quantity(total)}, the seed"
    if total is None:
        return f"backward: no gradient reaches {names[i]}"
    scalar = not isinstance(graph.nodes[i].data, np.ndarray)
    terms = [(f"{quantity(s.upstream)} × {quantity(s.local)}" if scalar
              else quantity(s.contribution)) + f" (from {names[s.output]})" for s in steps]
    how = "upstream × local derivative" if scalar else "J^T g"
    if len(terms) == 1:
        return f"backward: {names[i]}.grad = {terms[0]}   ({how})"
    return (f"backward: {names[i]}.grad = {' + '.join(terms)} = {quantity(total)}   ({how}, "
            f"summed over its {len(terms)} uses)")


def _script_json(data: Any) -> str:
    """JSON that is safe inside a <script> element."""
    return json.dumps(data).replace("<", "\\u003c").replace(">", "\\u003e")


_PAGE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>{title}</title>
<style>
body { font-family: Helvetica, Arial, sans-serif; margin: 16px; color: #111827; }
#controls { display: flex; gap: 8px; align-items: center; margin-bottom: 8px; }
#controls input[type=range] { flex: 1; }
#caption { font-family: Menlo, Consolas, monospace; font-size: 13px; min-height: 2.6em;
           white-space: pre-wrap; margin-bottom: 8px; }
#graph svg { max-width: 100%; height: auto; }
.pending { opacity: 0.3; }
.has-grad > polygon { fill: #fed7aa; }
.current > polygon, .current > ellipse { stroke: #dc2626; stroke-width: 3px; }
</style>
</head>
<body>
<h3>{title}</h3>
<div id="controls">
<button id="first" title="first frame">|&#x25C0;</button>
<button id="back" title="previous frame">&#x25C0;</button>
<button id="play" title="play or pause (space)">&#x25B6; play</button>
<button id="next" title="next frame">&#x25B6;&#xFE0E;</button>
<button id="last" title="last frame">&#x25B6;|</button>
<input id="slider" type="range" min="0" value="0" step="1">
<span id="counter"></span>
</div>
<div id="caption"></div>
<div id="graph">{svg}</div>
<script type="application/json" id="frames">{frames}</script>
<script>
(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("frames").textContent);
  var frames = data.frames, nodes = data.nodes, F = frames.length, N = nodes.length;
  var byTitle = {};
  document.querySelectorAll("#graph g.node").forEach(function (g) {
    var t = g.querySelector("title");
    if (t) { byTitle[t.textContent] = g; }
  });
  function field(g, prefix) {
    var texts = g.querySelectorAll("text");
    for (var k = 0; k < texts.length; k++) {
      if (texts[k].textContent.indexOf(prefix) === 0) { return texts[k]; }
    }
    throw new Error("no '" + prefix + "' field in " + g.querySelector("title").textContent);
  }
  var parts = nodes.map(function (n) {
    var g = byTitle[n.record];
    if (!g) { throw new Error("node " + n.record + " is not in the drawing"); }
    return { g: g, op: n.op ? byTitle[n.op] : null, data: field(g, "data "),
             grad: field(g, "grad ") };
  });
  var ahead = {}, back = {};  // each node's forward and backward frame
  frames.forEach(function (f, k) { (f.phase === "forward" ? ahead : back)[f.node] = k; });
  var slider = document.getElementById("slider"), caption = document.getElementById("caption");
  var counter = document.getElementById("counter"), play = document.getElementById("play");
  slider.max = F - 1;
  var frame = 0, timer = null;
  function render(f) {
    var current = frames[f].node;
    for (var i = 0; i < N; i++) {
      var p = parts[i], known = f >= ahead[i], graded = f >= back[i];
      p.data.textContent = known ? nodes[i].data : "data ?";
      p.grad.textContent = graded ? nodes[i].grad : "grad ?";
      p.g.classList.toggle("pending", !known);
      p.g.classList.toggle("has-grad", graded);
      p.g.classList.toggle("current", i === current);
      if (p.op) {
        p.op.classList.toggle("pending", !known);
        p.op.classList.toggle("current", i === current && frames[f].phase === "forward");
      }
    }
    caption.textContent = frames[f].text;
    counter.textContent = (f + 1) + " / " + F + " (" + frames[f].phase + ")";
    slider.value = f;
    frame = f;
  }
  function go(f) { render(Math.max(0, Math.min(F - 1, f))); }
  function stop() {
    if (timer) { clearInterval(timer); timer = null; }
    play.textContent = "\\u25B6 play";
  }
  function toggle() {
    if (timer) { stop(); return; }
    if (frame === F - 1) { go(0); }
    play.textContent = "\\u23F8 pause";
    timer = setInterval(function () {
      if (frame >= F - 1) { stop(); } else { go(frame + 1); }
    }, 700);
  }
  document.getElementById("first").onclick = function () { stop(); go(0); };
  document.getElementById("back").onclick = function () { stop(); go(frame - 1); };
  document.getElementById("next").onclick = function () { stop(); go(frame + 1); };
  document.getElementById("last").onclick = function () { stop(); go(F - 1); };
  play.onclick = toggle;
  slider.oninput = function () { stop(); go(parseInt(slider.value, 10)); };
  document.addEventListener("keydown", function (e) {
    if (e.key === "ArrowRight") { stop(); go(frame + 1); }
    else if (e.key === "ArrowLeft") { stop(); go(frame - 1); }
    else if (e.key === " ") { e.preventDefault(); toggle(); }
  });
  if (location.hash === "#check") {  // render every frame once; say how it went
    try {
      for (var f = 0; f < F; f++) {
        render(f);
        var p = parts[frames[f].node];
        if (!p.g.classList.contains("current")) {
          throw new Error("frame " + f + ": no highlight");
        }
        if (frames[f].phase === "backward" && p.grad.textContent !== nodes[frames[f].node].grad) {
          throw new Error("frame " + f + ": gradient not shown");
        }
      }
      document.body.setAttribute("data-check", "ok " + F);
    } catch (err) {
      document.body.setAttribute("data-check", "error: " + err.message);
    }
  }
  var start = /^#frame=([0-9]+)$/.exec(location.hash);  // #frame=N opens at frame N
  go(start ? parseInt(start[1], 10) : 0);
})();
</script>
</body>
</html>
"""
