"""Draw, colour, explain and animate computation graphs: an expression, a neuron and MLPs.

    python examples/graph.py [--out DIR]

Writes to DIR (default out/graph/):

    expression.{dot,svg,png}   micrograd's L = (a * b + c) * f, after backward
    neuron.{dot,svg,png}       a sigmoid neuron
    neuron_chain_rule.png      the neuron filled by gradient size, local derivatives on edges
    mlp.png, mlp_depth0.png    an nn.MLP's loss: module clusters, then the model as one box
    micrograd_demo.png         micrograd's demo step on scalar Values (65,000 nodes), rolled up
    explain.txt                the neuron's backward pass, edge by edge (also printed)
    backprop.html              the neuron's forward and backward passes, animated

The DOT text is written always; the pictures and the animation need the Graphviz program `dot`.
"""
from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

import numpy as np

import autodiff as ad
import nn


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


def neuron(backward: bool = True) -> ad.Value:
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
    if backward:
        o.backward()
    return o


def mlp_loss() -> ad.Tensor:
    """The mean squared error of nn.MLP(2, [4, 4, 1]) on 8 points, after backward."""
    model = nn.MLP(2, [4, 4, 1], rng=0)
    X = np.random.default_rng(0).normal(size=(8, 2))
    loss = nn.mse_loss(model(X), np.ones((8, 1)))
    loss.backward()
    return loss


def micrograd_demo(points: int = 100) -> ad.Value:
    """micrograd's demo step on scalar Values: MLP(2, [16, 16, 1]) on `points` points, hinge
    loss plus L2 regularisation, after backward (about 650 nodes a point)."""
    rng = np.random.default_rng(0)
    sizes = [2, 16, 16, 1]
    layers = [([[ad.Value(w) for w in rng.uniform(-1, 1, nin)] for _ in range(nout)],
               [ad.Value(0.0) for _ in range(nout)]) for nin, nout in zip(sizes, sizes[1:])]
    params = [p for rows, bias in layers for p in [w for row in rows for w in row] + bias]

    def score(x: list[Any]) -> Any:
        for k, (rows, bias) in enumerate(layers):
            out = []
            for row, b in zip(rows, bias):
                act = b
                for w, xi in zip(row, x):
                    act = act + w * xi
                out.append(act if k == len(layers) - 1 else act.relu())
            x = out
        return x[0]

    X, y = nn.data.moons(points, seed=0)
    signs = (2.0 * y - 1.0).tolist()  # labels -1 and 1, for the hinge loss
    losses = [(1 + -yi * score(xi)).relu() for xi, yi in zip(X.tolist(), signs)]
    loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
    loss.backward()
    return loss


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
    explained = ad.explain(neuron(backward=False))  # no backward needed, no .grad changed
    (out / "explain.txt").write_text(str(explained) + "\n")
    print(explained)
    try:
        for name, root in roots.items():
            for suffix in ("svg", "png"):
                print(f"wrote {ad.save_graph(root, out / f'{name}.{suffix}')}")
        o = roots["neuron"]
        weight = next(n for n in ad.topological_order(o) if n.label == "w1")
        pictures = {
            "neuron_chain_rule": (o, dict(color="grad", local_derivatives=True,
                                          highlight=weight)),
            "mlp": (mlp_loss(), {}),
            "mlp_depth0": (mlp_loss(), dict(depth=0)),
            "micrograd_demo": (micrograd_demo(), {}),
        }
        for name, (root, options) in pictures.items():
            print(f"wrote {ad.save_graph(root, out / f'{name}.png', **options)} "
                  f"({len(ad.topological_order(root)):,} nodes)")
        print(f"wrote {ad.animate(neuron(backward=False), out / 'backprop.html')}")
    except RuntimeError as err:  # no `dot` program: the DOT text is still there
        print(f"no pictures: {err}")


if __name__ == "__main__":
    main()
