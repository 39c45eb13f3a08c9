"""The chain rule made visible: explain() rows, local derivatives on edges, gradient colours,
highlighted nodes; on Value and Tensor graphs."""
from __future__ import annotations

import re
from typing import Any

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import autodiff as ad
from autodiff.viz import colors


def micrograd_expression(backward: bool = True) -> tuple[ad.Value, dict[str, ad.Value]]:
    """L = (a * b + c) * f, labelled."""
    v = {n: ad.Value(x, label=n) for n, x in (("a", 2.0), ("b", -3.0), ("c", 10.0), ("f", -2.0))}
    e = v["a"] * v["b"]
    e.label = "e"
    d = e + v["c"]
    d.label = "d"
    L = d * v["f"]
    L.label = "L"
    if backward:
        L.backward()
    return L, v


@st.composite
def expressions(draw: Any) -> tuple[ad.Value, list[ad.Value]]:
    """A random scalar expression over three leaves, nodes reused at random."""
    leaves = [ad.Value(draw(st.floats(-2, 2)), label=n) for n in "xyz"]
    nodes = list(leaves)
    for kind, i, j in draw(st.lists(st.tuples(st.integers(0, 4), st.integers(0, 99),
                                               st.integers(0, 99)), min_size=1, max_size=20)):
        a, b = nodes[i % len(nodes)], nodes[j % len(nodes)]
        nodes.append([a + b, a * b, a.tanh(), a.sigmoid() * 3.0, a - b * 0.5][kind])
    return nodes[-1], leaves


# --- explain ----------------------------------------------------------------------------------


def test_explain_tells_the_backward_pass_edge_by_edge() -> None:
    L, v = micrograd_expression(backward=False)
    rows = ad.explain(L).rows
    assert [(r["node"], r["op"], r["input"], r["argument"]) for r in rows] == [
        ("L", "mul", "d", "a"), ("L", "mul", "f", "b"), ("d", "add", "e", "a"),
        ("d", "add", "c", "b"), ("e", "mul", "a", "a"), ("e", "mul", "b", "b")]
    a_row = rows[4]
    assert (a_row["upstream"], a_row["local"], a_row["contribution"], a_row["total"]) == \
        (-2.0, -3.0, 6.0, 6.0)
    assert rows[2]["total"] is None  # e is not a leaf
    assert [(leaf["leaf"], leaf["grad"]) for leaf in ad.explain(L).leaves] == [
        ("a", 6.0), ("b", -4.0), ("c", -2.0), ("f", 4.0)]


def test_explain_changes_no_grad_and_needs_no_backward() -> None:
    L, v = micrograd_expression(backward=False)
    ad.explain(L)
    assert all(node.grad == 0.0 for node in ad.topological_order(L))
    L.backward()
    before = {id(n): n.grad for n in ad.topological_order(L)}
    ad.explain(L)
    assert {id(n): n.grad for n in ad.topological_order(L)} == before


@given(expressions())
def test_each_leaf_gradient_is_the_sum_of_its_contributions(case: Any) -> None:
    root, leaves = case
    explained = ad.explain(root)
    for row in explained.rows:
        assert row["contribution"] == pytest.approx(row["upstream"] * row["local"], nan_ok=True)
    wanted = ad.grad(root, leaves)
    by_name = {leaf["leaf"]: leaf for leaf in explained.leaves}
    for leaf, g in zip(leaves, wanted):
        if leaf.label in by_name:
            entry = by_name[leaf.label]
            assert entry["grad"] == pytest.approx(g, rel=1e-12, abs=1e-300)
            assert sum(c for _, c in entry["contributions"]) == pytest.approx(g, rel=1e-9,
                                                                                abs=1e-12)


def test_explain_prints_a_table_and_the_sums() -> None:
    L, _ = micrograd_expression()
    text = str(ad.explain(L))
    assert text.splitlines()[1].split() == ["step", "node", "op", "input", "upstream", "local",
                                            "d(op)/d(input)", "contribution", "leaf", "total"]
    assert "a.grad = 6.0000 (from e)" in text
    x = ad.Value(3.0, label="x")
    y = x * x + x
    assert "x.grad = 1.0000 (from add#2) + 3.0000 (from mul#1) + 3.0000 (from mul#1) = 7.0000" \
        in str(ad.explain(y))


def test_explain_renders_as_html_in_jupyter() -> None:
    L, _ = micrograd_expression()
    html = ad.explain(L)._repr_html_()
    assert html.count("<tr>") == 7 and "<th>contribution</th>" in html
    label = ad.Value(1.0, label="<script>")
    assert "<script>" not in ad.explain(label * 2)._repr_html_()


def test_explain_works_on_tensors() -> None:
    W = ad.Tensor(np.full((3, 2), 0.5), requires_grad=True, label="W")
    x = ad.Tensor(np.arange(6.0).reshape(2, 3), label="x")
    loss = (x @ W).tanh().sum()
    explained = ad.explain(loss)
    (w_row,) = [row for row in explained.rows if row["input"] == "W"]
    assert w_row["contribution"].shape == (3, 2) and w_row["local"].shape == (3, 2)
    np.testing.assert_allclose(w_row["local"], x.data.T @ np.ones((2, 2)))  # J^T 1
    loss.backward()
    np.testing.assert_allclose(explained.leaves[0]["grad"], W.grad)
    assert "(3, 2) [[" in str(explained)
    with pytest.raises(RuntimeError, match="scalar outputs"):
        ad.explain(x @ W)  # as backward() would: a non-scalar root needs a seed
    seeded = ad.explain(x @ W, grad=np.ones((2, 2)))
    np.testing.assert_allclose(seeded.leaves[0]["grad"], x.data.T @ np.ones((2, 2)))


def test_a_long_explanation_prints_shortened_but_keeps_every_row() -> None:
    y = ad.Value(0.1, label="x")
    for _ in range(200):
        y = y.tanh()
    explained = ad.explain(y)
    assert len(explained.rows) == 200
    assert "... 141 more rows" in str(explained) and len(str(explained).splitlines()) < 70


# --- local derivatives on the picture ---------------------------------------------------------


def test_edges_carry_the_local_derivative_and_the_chain_rule_checks_out() -> None:
    """On the picture: each node's grad = sum over its uses of (the op output's grad) times
    (the number on the edge)."""
    L, v = micrograd_expression()
    dot = ad.to_dot(L, local_derivatives=True, rankdir="LR")
    grad = {name: float(g) for name, g in
            re.findall(r'\t(v\d+) \[label="\{ \w+ \| data \S+ \| grad (\S+) \}"', dot)}
    output = dict(re.findall(r"\t(op\d+) -> (v\d+)\n", dot))  # op node -> its result
    uses: dict[str, list[tuple[str, float]]] = {}
    for record, op, local in re.findall(r'\t(v\d+) -> (op\d+) \[label=" (\S+)"\]', dot):
        uses.setdefault(record, []).append((op, float(local)))
    assert len(grad) == 7 and sum(map(len, uses.values())) == 6
    for record, used in uses.items():
        assert sum(grad[output[op]] * local for op, local in used) == \
            pytest.approx(grad[record], abs=1e-4)
    assert "edge labels: the local derivative" in dot


def test_tensor_edges_show_the_shape_and_a_summary_of_the_local_derivative() -> None:
    x = ad.Tensor(np.array([0.0, 1.0, -1.0]), requires_grad=True, label="x")
    dot = ad.to_dot(x.tanh().sum(), local_derivatives=True)
    assert 'label=" (3,) [1, 0.42, 0.42]"' in dot  # tanh' = 1 - tanh^2, element by element


# --- colours and highlights -------------------------------------------------------------------


def fill_of(dot: str, text: str) -> str:
    (line,) = [line for line in dot.splitlines() if text in line and "record" in line]
    return re.search(r'fillcolor="([^"]+)"', line)[1]


def test_color_grad_fills_by_gradient_size_on_a_log_scale() -> None:
    xs = [ad.Value(1.0, label=f"x{k}") for k in range(5)]
    root = sum(x * 10.0 ** k for k, x in enumerate(xs))  # x_k.grad = 10^k
    root.backward()
    dot = ad.to_dot(root, color="grad")
    steps = [colors.STEPS.index(fill_of(dot, f"x{k} |")) for k in range(5)]
    assert steps == sorted(steps) and steps[0] == 0 and steps[-1] == len(colors.STEPS) - 1
    assert "log scale" in dot and "legend [" in dot


def test_nan_inf_and_zero_gradients_have_colours_of_their_own() -> None:
    for make in (ad.Value, lambda v: ad.Tensor([v, 1.0], requires_grad=True)):
        x, y, z, w = make(0.0), make(0.0), make(2.0), make(1.0)
        x.label, y.label, z.label, w.label = "x", "y", "z", "w"
        root = (x.sqrt() * 0.0 + y.log() * 1.0) + z * 0.0 + w * 3.0  # nan, -inf, 0, 3
        if isinstance(root, ad.Tensor):
            root = root.sum()
        root.backward()
        dot = ad.to_dot(root, color="grad")
        assert fill_of(dot, "x |") == colors.NAN
        assert fill_of(dot, "y |") == colors.INF
        assert fill_of(dot, "z |") == colors.ZERO
        assert fill_of(dot, "w |") in colors.STEPS
        legend = dot[dot.index("legend ["):]
        assert ">nan<" in legend and ">inf<" in legend and ">0<" in legend


def test_highlight_marks_the_nodes_given() -> None:
    L, v = micrograd_expression()
    dot = ad.to_dot(L, highlight=[v["a"], v["f"]])
    marked = [line for line in dot.splitlines() if 'penwidth="3"' in line]
    assert len(marked) == 2 and all(re.search(r"\{ [af] \|", line) for line in marked)
    assert 'penwidth="3"' in ad.to_dot(L, highlight=v["b"])
    with pytest.raises(TypeError, match="highlight must hold Values or Tensors, got float"):
        ad.to_dot(L, highlight=[1.0])
    with pytest.raises(TypeError, match="iterable of nodes, got int"):
        ad.to_dot(L, highlight=3)


def test_a_highlighted_node_hidden_in_a_fold_marks_the_fold() -> None:
    x = ad.Value(0.5, label="x")
    y, middle = x, None
    for k in range(300):
        y = y.tanh()
        middle = y if k == 150 else middle
    dot = ad.to_dot(y, highlight=middle)
    (line,) = [line for line in dot.splitlines() if 'penwidth="3"' in line]
    assert "more of" in line


def test_bad_colour_and_depth_are_named() -> None:
    with pytest.raises(ValueError, match="color must be None or 'grad', got 'red'"):
        ad.to_dot(ad.Value(1.0), color="red")
    with pytest.raises(ValueError, match="depth must be an int >= 0 or None, got -1"):
        ad.to_dot(ad.Value(1.0), depth=-1)
    with pytest.raises(TypeError, match="explain: expected a Value or Tensor, got list"):
        ad.explain([1.0])  # type: ignore[arg-type]
