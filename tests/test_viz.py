"""Drawing: the DOT text shows every node, op, constant and parameter, escapes any label, picks
a direction, and renders to the formats it lists (big graphs: test_viz_collapse.py)."""
from __future__ import annotations

import re
import shutil
import subprocess
import sys
from typing import Any
from xml.etree import ElementTree

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autodiff as ad
from autodiff import viz
from autodiff.engine import Node

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="the Graphviz 'dot' program is not installed")


def records(dot: str) -> list[str]:
    return [line for line in dot.splitlines() if 'shape="record"' in line]


def op_nodes(dot: str) -> list[str]:
    return [line for line in dot.splitlines() if 'shape="ellipse"' in line]


def edges(dot: str) -> list[str]:
    return [line for line in dot.splitlines() if " -> " in line]


def line_with(dot: str, text: str) -> str:
    (line,) = [line for line in dot.splitlines() if text in line]
    return line


def micrograd_expression() -> ad.Value:
    """micrograd's example: L = (a * b + c) * f, labelled, after backward."""
    a, b, c, f = (ad.Value(x, label=n) for x, n in ((2.0, "a"), (-3.0, "b"), (10.0, "c"),
                                                     (-2.0, "f")))
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    L = d * f
    L.label = "L"
    L.backward()
    return L


def chain(n: int) -> ad.Value:
    y = ad.Value(1.0, label="x")
    for _ in range(n):
        y = y + 1.0
    return y


# --- what is drawn ----------------------------------------------------------------------------


def test_each_value_shows_label_data_and_grad() -> None:
    dot = ad.to_dot(micrograd_expression())
    for label, data, grad in [("a", "2.0000", "6.0000"), ("b", "-3.0000", "-4.0000"),
                              ("c", "10.0000", "-2.0000"), ("e", "-6.0000", "-2.0000"),
                              ("d", "4.0000", "-2.0000"), ("f", "-2.0000", "4.0000"),
                              ("L", "-8.0000", "1.0000")]:
        assert f"{{ {label} | data {data} | grad {grad} }}" in dot
    assert len(records(dot)) == 7


def test_one_op_node_per_op_and_the_right_edges() -> None:
    dot = ad.to_dot(micrograd_expression())
    assert sorted(re.search(r'label="(\w+)"', line)[1] for line in op_nodes(dot)) == \
        ["add", "mul", "mul"]
    assert len(edges(dot)) == 3 * (2 + 1)  # each binary op: two inputs in, one output out


def test_an_input_used_twice_gets_two_edges() -> None:
    a = ad.Value(3.0, label="a")
    dot = ad.to_dot(a + a)
    op = re.search(r"\t(op\d+) \[", dot)[1]
    assert len([e for e in edges(dot) if e.endswith(f"-> {op}")]) == 2


@given(st.lists(st.tuples(st.sampled_from(["add", "mul", "sub", "tanh"]),
                          st.integers(0, 100), st.integers(0, 100)), min_size=1, max_size=25))
def test_counts_match_the_graph(steps: list[tuple[str, int, int]]) -> None:
    """One record per node, one op node per non-leaf, one edge per input and per output."""
    values = [ad.Value(0.5, label="x"), ad.Value(-1.5, label="y")]
    for name, i, j in steps:
        op = ad.REGISTRY[name]
        a, b = values[i % len(values)], values[j % len(values)]
        values.append(op(a) if len(op.params) == 1 else op(a, b))
    root = values[-1]
    order = ad.topological_order(root)
    inner = [node for node in order if node._op is not None]
    dot = ad.to_dot(root, max_nodes=None)
    assert len(records(dot)) == len(order)
    assert len(op_nodes(dot)) == len(inner)
    assert len(edges(dot)) == sum(len(node._op.params) for node in inner) + len(inner)


def test_constants_are_small_nodes_and_parameters_sit_in_the_op() -> None:
    x = ad.Value(1.5, label="x")
    dot = ad.to_dot((2.5 - x * 4).elu(0.5))
    constants = [line for line in dot.splitlines() if 'style="rounded,dashed"' in line]
    assert sorted(re.search(r'label="([^"]+)"', line)[1] for line in constants) == ["2.5", "4"]
    assert 'label="elu(alpha=0.5)"' in dot
    assert len(records(dot)) == 4


def test_leaves_root_and_intermediates_are_told_apart() -> None:
    dot = ad.to_dot(micrograd_expression())
    fill = {name: re.search(r'fillcolor="([^"]+)"', line_with(dot, f"{{ {name} |"))[1]
            for name in "abcdefL"}
    assert fill["a"] == fill["b"] == fill["c"] == fill["f"]
    assert fill["e"] == fill["d"]
    assert len({fill["a"], fill["e"], fill["L"]}) == 3


def test_labels_are_escaped() -> None:
    x = ad.Value(1.0, label='w<1>|{2} "q" \\')
    dot = ad.to_dot(x * 2, rankdir="LR")
    assert r'{ w\<1\>\|\{2\} \"q\" \\ | data 1.0000' in dot


CONTROL = "nul\x00 bell\x07 esc\x1b[31m del\x7f c1\x85 lone\ud800 tab\t"


def test_control_characters_are_written_as_visible_escapes() -> None:
    x = ad.Value(1.0, label=CONTROL + "\nsecond line")
    dot = ad.to_dot(x * 2)
    assert not re.search("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]", dot)
    assert r"nul\\x00 bell\\x07 esc\\x1b[31m del\\x7f c1\\x85 lone\\ud800 tab\\x09\nsecond" in dot


@pytest.mark.parametrize("label", [5, 2.5, None, b"bytes", ("a", 1)])
def test_a_label_that_is_not_a_str_is_drawn_as_its_str(label: Any) -> None:
    x = ad.Value(1.0)
    y = x * 2
    x.label = y.label = label  # slots accept anything after construction
    dot = ad.to_dot(y)
    assert len(records(dot)) == 2
    if label is not None:
        assert viz.labels.record_text(str(label)) in dot
    assert ad.explain(y).rows[0]["input"] == (str(label) if label is not None else "leaf#0")


def test_a_label_that_is_not_a_str_is_refused_at_construction() -> None:
    with pytest.raises(TypeError, match="label must be a str, got int"):
        ad.Value(1.0, label=5)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="label must be a str, got bytes"):
        ad.Tensor([1.0], label=b"x")  # type: ignore[arg-type]


@needs_dot
@pytest.mark.parametrize("fmt", ["svg", "png"])
def test_a_label_with_control_characters_renders(tmp_path: Any, fmt: str) -> None:
    x = ad.Tensor([1.0, 2.0], requires_grad=True, label=CONTROL)
    y = ad.Value(1.0, label=CONTROL + '"{|}<>')
    for root in ((x * 2).sum(), y.tanh()):
        path = tmp_path / f"graph.{fmt}"
        done = subprocess.run(["dot", f"-T{fmt}", "-o", str(path)], input=ad.to_dot(root),
                              capture_output=True, text=True)
        assert done.returncode == 0 and done.stderr == "", done.stderr
        if fmt == "svg":
            ElementTree.parse(path)  # well-formed XML: no control character got through
            assert "nul\\x00" in path.read_text()


def test_rankdir_top_to_bottom_keeps_fields_in_a_row() -> None:
    dot = ad.to_dot(micrograd_expression(), rankdir="TB")
    assert 'rankdir="TB"' in dot
    assert 'label="L | data -8.0000 | grad 1.0000"' in dot


def test_a_user_registered_op_shows_its_name() -> None:
    cube = ad.register("cube_for_viz", lambda x: x ** 3, lambda g, y, a: g * 3 * a * a)
    try:
        dot = ad.to_dot(cube(ad.Value(2.0, label="x")))
    finally:
        ad.unregister("cube_for_viz")
    assert 'label="cube_for_viz"' in dot
    assert "data 8.0000" in dot


def test_bad_arguments_are_named() -> None:
    with pytest.raises(TypeError, match="float"):
        ad.to_dot(1.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="'up'"):
        ad.to_dot(ad.Value(1.0), rankdir="up")
    with pytest.raises(ValueError, match="max_nodes"):
        ad.to_dot(ad.Value(1.0), max_nodes=0)


# --- arrays: any Node whose data is an ndarray (a stand-in, then the real Tensor) ---------------


class ArrayNode(Node):
    """The least a Tensor has, so drawing is tested against `Node` alone."""

    __slots__ = ("requires_grad",)  # the rest is declared by the node contract, Node

    def __init__(self, data: Any, requires_grad: bool = False, op: Any = None, a: Any = None,
                 b: Any = None) -> None:
        self.data, self.grad, self.label = np.asarray(data), None, ""
        self._g = self._meta = None
        # The declared layout: nodes in the input slots, the one raw argument in `_k`.
        self.requires_grad, self._op, self._k = requires_grad, op, (b if isinstance(a, Node) else a)
        self._a = a if isinstance(a, Node) else None
        self._b = b if isinstance(b, Node) else None


def test_array_nodes_show_shape_dtype_and_a_summary() -> None:
    x = ArrayNode(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x.label = "x"
    x.grad = np.ones((2, 3))
    big = ArrayNode(np.linspace(-1, 3, 10, dtype=np.float32), op=ad.mul, a=x, b=np.ones(10))
    dot = ad.to_dot(big, rankdir="LR")
    # Tensor fields stack across the graph's direction: no braces in a left-to-right drawing.
    assert '"x | (2, 3) float64 | data [[0, 1, 2], [3, 4, 5]] | grad [[1, 1, 1], [1, 1, 1]]"' \
        in dot
    assert '"(10,) float32 | data min -1 mean 1 max 3 | grad None"' in dot
    assert "{ (10,) float32 | data min -1 mean 1 max 3 | grad None }" in \
        ad.to_dot(big, rankdir="TB")
    assert 'label="(10,) float64\\n' in dot  # the raw array constant: shape and dtype


@pytest.mark.parametrize("formula", [lambda g, y, x, index: g, lambda g, y, a, p: g])
def test_array_parameters_appear_in_the_op_label_by_their_declared_name(formula: Any) -> None:
    # The name comes from the declared signature, whatever the formula calls its arguments.
    take = ad.register("take_for_viz", lambda x, index: x[index], formula,
                       signature="x, index", elementwise=False)
    try:
        x = ArrayNode(np.zeros((3, 4)), requires_grad=True)
        dot = ad.to_dot(ArrayNode(0.0, op=take, a=x, b=(slice(1, None), Ellipsis, None, 2)))
    finally:
        ad.unregister("take_for_viz")
    assert 'label="take_for_viz(index=(1:, ..., None, 2))"' in dot
    assert 'style="rounded,dashed"' not in dot


def test_leaves_without_grad_differ_from_leaves_with_grad() -> None:
    w = ArrayNode(np.ones(2), requires_grad=True)
    x = ArrayNode(np.ones(2))
    dot = ad.to_dot(ArrayNode(np.ones(2), op=ad.mul, a=w, b=x), rankdir="TB")
    fills = [re.search(r'fillcolor="([^"]+)"', line)[1] for line in records(dot)]
    assert len(set(fills)) == 3


def test_real_tensors_are_drawn() -> None:
    x = ad.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    x.label = "x"
    dot = ad.to_dot(x * 2.0, rankdir="LR")
    assert '"x | (2, 3) float64 | data [[0, 1, 2], [3, 4, 5]] | grad None"' in dot
    assert len(op_nodes(dot)) == 1 and dot.count('style="rounded,dashed"') == 1
    assert 'label="sum(axis=1)"' in ad.to_dot(x.sum(axis=1))
    total = x.sum() * 0.5
    total.backward()
    assert type(total._a.grad) is np.float64  # numpy's scalar, from the 0-d product's formula
    # Every Tensor field reads the same way, whether numpy gave an array or a numpy scalar.
    assert "() float64 | data 15 | grad 0.5 " in ad.to_dot(total, rankdir="TB")


# --- rendering --------------------------------------------------------------------------------


@needs_dot
def test_draw_graph_is_a_digraph_that_renders(tmp_path: Any) -> None:
    graphviz = pytest.importorskip("graphviz")
    root = micrograd_expression()
    graph = ad.draw_graph(root)
    assert isinstance(graph, graphviz.Digraph)
    assert graph.source == ad.to_dot(root)  # one code path for text and picture
    assert "<svg" in graph._repr_mimebundle_()["image/svg+xml"]
    assert graph.render(tmp_path / "graph").endswith("graph.svg")
    assert (tmp_path / "graph.svg").read_text().count("data ") == 7


@needs_dot
def test_save_graph_writes_svg_and_png(tmp_path: Any) -> None:
    root = micrograd_expression()
    png = ad.save_graph(root, tmp_path / "out" / "L.png")
    assert png.read_bytes().startswith(b"\x89PNG")
    svg = ad.save_graph(root, tmp_path / "L", format="svg")
    assert svg.name == "L.svg" and "<svg" in svg.read_text()


def test_a_missing_dot_program_says_how_to_install_it(monkeypatch: Any, tmp_path: Any) -> None:
    pytest.importorskip("graphviz")
    monkeypatch.setenv("PATH", str(tmp_path))
    root = micrograd_expression()
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        ad.draw_graph(root)
    with pytest.raises(RuntimeError, match="brew install graphviz"):
        ad.save_graph(root, tmp_path / "L.svg")
    assert "data -8.0000" in ad.to_dot(root)


def test_a_missing_graphviz_package_says_pip_install(monkeypatch: Any) -> None:
    monkeypatch.setitem(sys.modules, "graphviz", None)  # makes `import graphviz` fail
    with pytest.raises(ImportError, match="pip install graphviz"):
        ad.draw_graph(ad.Value(1.0))
    assert viz.to_dot(ad.Value(1.0))


def test_save_graph_refuses_a_path_without_a_known_format(tmp_path: Any) -> None:
    root = micrograd_expression()
    for name in ("noext", "graph.xyz", "archive.tar"):
        with pytest.raises(ValueError, match="svg, png, pdf.*dot, gv.*format="):
            ad.save_graph(root, tmp_path / name)
    assert not list(tmp_path.iterdir())  # nothing written
    if shutil.which("dot") is not None:
        pytest.importorskip("graphviz")
        with pytest.raises(ValueError, match="unknown format: 'bmpx'"):
            ad.save_graph(root, tmp_path / "x.svg", format="bmpx")


def test_save_graph_writes_dot_text_without_graphviz(monkeypatch: Any, tmp_path: Any) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` program
    root = micrograd_expression()
    path = ad.save_graph(root, tmp_path / "L.gv")
    assert path.read_text() == ad.to_dot(root)
    assert ad.save_graph(root, tmp_path / "L", format="dot").name == "L.dot"


# --- op labels and every kind of op node --------------------------------------------------------


def test_op_labels_name_their_parameters() -> None:
    x = ad.Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert 'label="sum(axis=1)"' in ad.to_dot(x.sum(axis=1))
    total = x.sum() * 0.5
    total.backward()
    assert type(total._a.grad) is np.float64  # numpy's scalar, from the 0-d product's formula
    # Every Tensor field reads the same way, whether numpy gave an array or a numpy scalar.
    assert "() float64 | data 15 | grad 0.5 " in ad.to_dot(total, rankdir="TB")
    assert 'label="sum"' in ad.to_dot(x.sum())  # axis=None, keepdims=False: nothing set
    assert 'label="sum(axis=0, keepdims=True)"' in ad.to_dot(x.sum(axis=0, keepdims=True))
    assert 'label="log_softmax(axis=-1)"' in ad.to_dot(x.log_softmax())
    for node in (x, ad.Value(1.0)):
        assert 'label="leaky_relu(slope=0.01)"' in ad.to_dot(node.leaky_relu())
        assert 'label="leaky_relu(slope=0.2)"' in ad.to_dot(node.leaky_relu(0.2))
    assert "(None, False)" not in ad.to_dot(x.sum())


def test_every_input_of_a_wide_op_is_traced() -> None:
    lerp = ad.lookup("lerp")  # three inputs, registered by conftest.py
    a, b, t = (ad.Value(v, label=n) for v, n in ((0.0, "a"), (10.0, "b"), (0.25, "t")))
    dot = ad.to_dot(lerp(a, b, t).tanh())
    assert len(records(dot)) == 5
    assert {e.split(" -> ")[0].strip() for e in edges(dot) if e.endswith("-> op3")} == \
        {"v0", "v1", "v2"}
    mask = ad.Tensor([1.0, 0.0], requires_grad=True)  # a node where no gradient flows
    where = ad.where(mask, ad.Tensor([1.0, 2.0], requires_grad=True), 3.0)
    assert len(records(ad.to_dot(where))) == 3


# --- direction ------------------------------------------------------------------------------


def test_a_small_graph_reads_left_to_right_and_a_deep_one_top_to_bottom() -> None:
    assert 'rankdir="LR"' in ad.to_dot(micrograd_expression())
    y = ad.Value(0.5, label="x")
    for name in "tanh mul add sin tanh sin mul add sin tanh add mul".split():
        y = y * 2.0 if name == "mul" else y + 1.0 if name == "add" else y.apply(name)
    assert 'rankdir="TB"' in ad.to_dot(y)  # 12 ops in a row: too wide from left to right
    assert 'rankdir="LR"' in ad.to_dot(y, rankdir="LR")  # an explicit direction is kept
