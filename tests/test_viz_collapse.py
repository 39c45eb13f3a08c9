"""Big graphs draw small: repeated steps roll up, long stretches fold, the budget summarises,
the drawing stays connected and accounts for every node, and the graphs people draw render
legibly (PNG and SVG, no Graphviz "too large" warning)."""
from __future__ import annotations

import importlib.util
import re
import shutil
import struct
import subprocess
import tempfile
from pathlib import Path
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff as ad
import nn

# examples/graph.py builds S1's graph (micrograd's demo step on scalar Values) as users would.
_spec = importlib.util.spec_from_file_location(
    "graph_example", Path(__file__).resolve().parent.parent / "examples" / "graph.py")
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="the Graphviz 'dot' program is not installed")
NODE_LINE = re.compile(r'^\t+(\w+) \[label="((?:[^"\\]|\\.)*)"(.*)\]$')
EDGE_LINE = re.compile(r"^\t+(\w+) -> (\w+)")
COUNTS = (r"\((\d[\d,]*) nodes\)", r"(\d[\d,]*) nodes folded", r"(\d[\d,]*) more nodes not drawn",
          r"(\d[\d,]*) nodes: ")


class Drawing:
    """The nodes and edges of DOT text written by to_dot."""

    def __init__(self, dot: str) -> None:
        self.labels: dict[str, str] = {}
        self.attrs: dict[str, str] = {}
        self.edges: list[tuple[str, str]] = []
        for line in dot.splitlines():
            node, edge = NODE_LINE.match(line), EDGE_LINE.match(line)
            if edge:
                self.edges.append((edge[1], edge[2]))
            elif node and node[1] not in ("graph", "node", "edge"):
                self.labels[node[1]] = node[2]
                self.attrs[node[1]] = node[3]

    def records(self) -> list[str]:
        return [n for n, a in self.attrs.items() if 'shape="record"' in a]

    def units(self) -> list[str]:
        """Records and the boxes, folds and summary: what max_nodes bounds."""
        return [n for n, a in self.attrs.items()
                if 'shape="record"' in a or n.startswith("u")]

    def folds(self) -> list[str]:
        return [self.labels[n] for n in self.units() if n.startswith("u")]

    def represented(self) -> int:
        """How many graph nodes the drawing stands for: records, and what each unit says."""
        total = len(self.records())
        for label in self.folds():
            found = [m for pattern in COUNTS for m in re.findall(pattern, label)]
            assert len(found) == 1, label
            total += int(found[0].replace(",", ""))
        return total

    def reaches_root(self) -> bool:
        """Whether every node drawn has a path to the root record (the drawing is connected)."""
        users: dict[str, list[str]] = {}
        for tail, head in self.edges:
            users.setdefault(tail, []).append(head)
        root = [n for n, a in self.attrs.items() if "#fde68a" in a]  # the root's fill
        assert len(root) == 1
        for start in self.attrs:
            seen, stack = {start}, [start]
            while stack:
                for head in users.get(stack.pop(), []):
                    if head not in seen:
                        seen.add(head)
                        stack.append(head)
            if root[0] not in seen:
                return False
        return True


def size(root: Any) -> int:
    return len(ad.topological_order(root))


def tanh_chain(n: int, x: Any = None) -> Any:
    """S2's chain: x -> tanh(1.0001 x + 0.1), n times (3 ops a step)."""
    y = ad.Value(0.5, label="x") if x is None else x
    for _ in range(n):
        y = (1.0001 * y + 0.1).tanh()
    return y


def mixed_chain(n: int, seed: int = 0) -> ad.Value:
    """A chain of n ops drawn at random: no step repeats for long."""
    rng = np.random.default_rng(seed)
    y = ad.Value(0.5, label="x")
    for k in rng.integers(0, 4, n):
        y = y + 0.5 if k == 0 else y * 0.9 if k == 1 else y.tanh() if k == 2 else y.sin()
    return y


def tensor_mlp_loss() -> ad.Tensor:
    """A 784-256-10 ReLU MLP's cross-entropy loss on a batch of 128 (T2's graph)."""
    rng = np.random.default_rng(0)
    model = nn.MLP(784, [256, 10], activation="relu", rng=0)
    loss = nn.cross_entropy(model(rng.normal(size=(128, 784))), rng.integers(0, 10, 128))
    loss.backward()
    return loss


# --- what is folded -------------------------------------------------------------------------


def test_a_graph_that_fits_is_drawn_whole() -> None:
    root = tanh_chain(60)  # 181 nodes: fits the default budget
    drawing = Drawing(ad.to_dot(root))
    assert len(drawing.records()) == size(root) and not drawing.folds()


def test_a_repeated_chain_keeps_its_first_input_and_its_last_step() -> None:
    root = tanh_chain(667)  # a 2,001-op chain
    drawing = Drawing(ad.to_dot(root))
    (fold,) = drawing.folds()
    assert "× 666 more of\\nmul → add → tanh\\n(1,998 nodes)" in fold
    labels = [drawing.labels[n] for n in drawing.records()]
    assert labels[0].startswith("{ x | data 0.5000")  # the chain's input
    assert len(labels) == 4 and drawing.represented() == size(root)
    assert drawing.reaches_root()


def test_pythons_sum_rolls_up_with_its_first_term() -> None:
    w = ad.Value(0.5, label="w")
    terms = [(w * float(x)).relu() for x in range(1, 301)]
    root = sum(terms)  # 0 + t0 + t1 + ...: the first add's chain input is the constant 0
    assert isinstance(root, ad.Value)
    drawing = Drawing(ad.to_dot(root, max_nodes=20))
    (fold,) = drawing.folds()
    assert "× 299 more of\\nadd(·, relu)" in fold
    assert drawing.represented() == size(root) and drawing.reaches_root()
    assert any(label.startswith("{ w |") for label in drawing.labels.values())


def test_a_chain_without_repetition_keeps_its_ends_and_folds_its_middle() -> None:
    root = mixed_chain(2000)
    drawing = Drawing(ad.to_dot(root))
    assert any("nodes folded" in fold for fold in drawing.folds())
    assert len(drawing.units()) <= 200 and drawing.represented() == size(root)
    assert drawing.reaches_root()
    labels = [drawing.labels[n] for n in drawing.records()]
    assert labels[0].startswith("x | data 0.5000")  # the input, drawn top to bottom


def test_tensor_chains_roll_up_too() -> None:
    x = ad.Tensor(np.linspace(-1, 1, 4), requires_grad=True, label="x")
    y = x
    for _ in range(333):  # T4's 999 ops
        y = (y * 1.0001 + 0.1).tanh()
    root = y.sum()
    drawing = Drawing(ad.to_dot(root))
    assert any("× 332 more of\\nmul → add → tanh" in fold for fold in drawing.folds())
    assert drawing.represented() == size(root) and drawing.reaches_root()


def test_a_chain_a_million_ops_long_folds_without_recursion() -> None:
    root = ad.Value(1.0, label="x")
    for _ in range(1_000_000):
        root = root + 1.0
    drawing = Drawing(ad.to_dot(root))
    assert drawing.folds() == ["× 999,999 more of\\nadd\\n(999,999 nodes)"]
    assert drawing.represented() == 1_000_001


def test_max_nodes_none_draws_every_node() -> None:
    root = tanh_chain(400)
    assert len(Drawing(ad.to_dot(root, max_nodes=None)).records()) == size(root)


# --- the budget: any graph, summarised and connected ------------------------------------------


@st.composite
def random_graphs(draw: Any) -> tuple[Any, int]:
    """A random DAG of Values or Tensors and a budget: blocks of random ops on recent nodes
    (sharing earlier ones at random), each block repeated a random number of times, so some
    graphs have repeated steps and some have none. Values stay finite."""
    tensors = draw(st.booleans())
    leaf = (lambda v: ad.Tensor([v, -v], requires_grad=True)) if tensors else ad.Value
    nodes = [leaf(0.5), leaf(-1.5)]
    step = st.tuples(st.integers(0, 4), st.integers(0, 10**6), st.integers(0, 10**6))
    blocks = draw(st.lists(st.tuples(st.lists(step, min_size=1, max_size=5),
                                     st.integers(1, 30)), min_size=1, max_size=6))
    for block, repeats in blocks:
        for _ in range(repeats):
            for kind, i, j in block:
                a, b = nodes[-1 - i % min(len(nodes), 3)], nodes[j % len(nodes)]
                nodes.append([a + b, (a * b).tanh(), a.tanh(), a * 0.5 + 1.0, a.sin() - b][kind])
    root = nodes[-1].sum() if tensors else nodes[-1]
    return root, draw(st.integers(1, 60))


@given(random_graphs())
def test_any_graph_is_drawn_within_the_budget_connected_and_complete(
        case: tuple[Any, int]) -> None:
    root, budget = case
    drawing = Drawing(ad.to_dot(root, max_nodes=budget))
    assert len(drawing.units()) <= budget + 1  # the summary may come on top
    assert drawing.represented() == size(root)
    assert drawing.reaches_root()


# --- readable at any size ---------------------------------------------------------------------


def render(dot: str, fmt: str, path: Path) -> str:
    """Render DOT text with `dot`; returns what it printed on stderr."""
    done = subprocess.run(["dot", f"-T{fmt}", "-o", str(path)], input=dot, text=True,
                          capture_output=True, timeout=120)
    assert done.returncode == 0, done.stderr
    return done.stderr


def png_size(path: Path) -> tuple[int, int]:
    """(width, height) from a PNG's IHDR chunk."""
    head = path.read_bytes()[:24]
    assert head[:8] == b"\x89PNG\r\n\x1a\n" and head[12:16] == b"IHDR"
    return struct.unpack(">II", head[16:24])


def layer_applied(times: int) -> ad.Tensor:
    """One nn.Layer applied `times` times in a row, as a recurrent cell is."""
    cell = nn.Layer(3, 3, rng=0)
    h: Any = np.ones((2, 3))
    for _ in range(times):
        h = cell(h)
    return h.sum()


GRAPHS = {"S1": example.micrograd_demo, "chain-2000": lambda: tanh_chain(667),
          "mixed-chain-2000": lambda: mixed_chain(2000), "784-256-10": tensor_mlp_loss,
          "layer-applied-150-times": lambda: layer_applied(150)}


@needs_dot
@pytest.mark.parametrize("name", sorted(GRAPHS))
def test_the_default_drawing_renders_legibly(name: str, tmp_path: Path) -> None:
    root = GRAPHS[name]()
    dot = ad.to_dot(root)
    assert not re.search(r"\bsize=", dot)  # no graph size attribute shrinks the text
    assert render(dot, "png", tmp_path / "g.png") == ""  # no "too large ... scaling" warning
    width, height = png_size(tmp_path / "g.png")
    assert width <= 4000 and height <= 4000, (width, height)
    assert render(dot, "svg", tmp_path / "g.svg") == ""
    svg = ElementTree.parse(tmp_path / "g.svg").getroot()
    assert "scale(1 1)" in svg[0].get("transform", "")  # drawn at full size
    sizes = [float(t.get("font-size", "0")) for t in svg.iter("{http://www.w3.org/2000/svg}text")]
    assert sizes and min(sizes) >= 9


@needs_dot
@settings(max_examples=15)
@given(random_graphs())
def test_any_drawing_renders(case: tuple[Any, int]) -> None:
    root, budget = case
    with tempfile.TemporaryDirectory() as folder:
        assert render(ad.to_dot(root, max_nodes=budget), "svg", Path(folder) / "g.svg") == ""
