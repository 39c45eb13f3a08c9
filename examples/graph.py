"""Draw two computation graphs after backward: micrograd's expression and a sigmoid neuron.

    python examples/graph.py [--out DIR]

Writes expression.{dot,svg,png} and neuron.{dot,svg,png} to DIR (default out/graph/). The DOT
text is written always; the pictures need the Graphviz program `dot`.
"""
from __future__ import annotations

import argparse
from pathlib import Path

import autodiff as ad


def expression() -> ad.Value:
    """L = (a * b + c) * f, micrograd's first example."""
    a = ad.Value(2.0, label="a")
    b = ad.Value(-3.0, label="b")
    c = ad.Value(10.0, label="c")
    e = a * b
    e.label = "e"
    d = e + c
    d.label = "d"
    f = ad.Value(-2.0, label="f")
    L = d * f
    L.label = "L"
    L.backward()
    return L


def neuron() -> ad.Value:
    """o = sigmoid(x1 w1 + x2 w2 + b): one logistic neuron with two inputs."""
    x1 = ad.Value(2.0, label="x1")
    x2 = ad.Value(0.0, label="x2")
    w1 = ad.Value(-3.0, label="w1")
    w2 = ad.Value(1.0, label="w2")
    b = ad.Value(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    o = n.sigmoid()
    o.label = "o"
    o.backward()
    return o


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", type=Path, default=Path("out/graph"),
                        help="folder for the pictures, made if missing")
    out = parser.parse_args().out
    out.mkdir(parents=True, exist_ok=True)
    roots = {"expression": expression(), "neuron": neuron()}
    for name, root in roots.items():
        (out / f"{name}.dot").write_text(ad.to_dot(root))
        print(f"{name}: {root.label} = {root.data:.4f}; wrote {out / name}.dot")
    try:
        for name, root in roots.items():
            for suffix in ("svg", "png"):
                print(f"wrote {ad.save_graph(root, out / f'{name}.{suffix}')}")
    except RuntimeError as err:  # no `dot` program: the DOT text is still there
        print(f"no pictures: {err}")

if __name__ == "__main__":
    main()
