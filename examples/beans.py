"""The logistic neuron that started it all: separating toxic beans by their size.

100 beans, size x in [0, 1), toxic when 0.7 x + noise + 0.5 > 0.8. One neuron a = sigmoid(w x + b)
learns them by per-sample gradient descent on the squared error (y - a)^2, lr 0.05. autodiff
computes the gradients (no derivative is written by hand); the same training with the
hand-derived chain rule de/dw = -2 (y - a) a (1 - a) x runs beside it, and both end at the same
w and b. The graph of one step is drawn.

    python examples/beans.py [--epochs 500] [--out out/beans]
"""
from __future__ import annotations

import argparse
import math
import pathlib
import sys

import autodiff
from autodiff import Value
from nn.data import beans


def train_autodiff(xs, ys, epochs: int, lr: float) -> tuple[float, float]:
    """Per-sample gradient descent where autodiff computes de/dw and de/db."""
    w, b = Value(0.0, label="w"), Value(0.0, label="b")
    for _ in range(epochs):
        for x, y in zip(xs, ys):
            a = (w * x + b).sigmoid()
            error = (y - a) ** 2
            w.grad = b.grad = 0.0
            error.backward()
            w.data -= lr * w.grad
            b.data -= lr * b.grad
    return w.data, b.data


def train_by_hand(xs, ys, epochs: int, lr: float) -> tuple[float, float]:
    """The same training with the chain rule written out by hand."""
    w = b = 0.0
    for _ in range(epochs):
        for x, y in zip(xs, ys):
            a = 1.0 / (1.0 + math.exp(-(w * x + b)))
            delta = -2.0 * (y - a) * a * (1.0 - a)  # de/dz
            w -= lr * delta * x
            b -= lr * delta
    return w, b


def one_step_graph(x: float, y: float, w: float, b: float) -> Value:
    """The labelled graph of one training step, after its backward pass."""
    wv, bv, xv = Value(w, label="w"), Value(b, label="b"), Value(x, label="x")
    z = wv * xv
    z.label = "w*x"
    z = z + bv
    z.label = "z"
    a = z.sigmoid()
    a.label = "a"
    diff = y - a
    diff.label = "y - a"
    error = diff ** 2
    error.label = "e"
    error.backward()
    return error


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=500, help="passes over the 100 beans")
    parser.add_argument("--lr", type=float, default=0.05, help="learning rate")
    parser.add_argument("--out", default="out/beans", help="folder for the pictures")
    args = parser.parse_args(argv)

    xs, ys = beans(100, seed=0)
    xs, ys = xs.tolist(), ys.tolist()
    w_ad, b_ad = train_autodiff(xs, ys, args.epochs, args.lr)
    w_hand, b_hand = train_by_hand(xs, ys, args.epochs, args.lr)
    correct = sum((1.0 / (1.0 + math.exp(-(w_ad * x + b_ad))) > 0.5) == (y == 1.0)
                  for x, y in zip(xs, ys))
    print(f"beans: {len(xs)} samples, {sum(ys):.0f} toxic, {args.epochs} epochs, lr {args.lr}")
    print(f"  autodiff    : w = {w_ad:+.10f}  b = {b_ad:+.10f}")
    print(f"  by hand     : w = {w_hand:+.10f}  b = {b_hand:+.10f}")
    print(f"  difference  : {abs(w_ad - w_hand):.2e} (w), {abs(b_ad - b_hand):.2e} (b)")
    print(f"  boundary    : toxic when size > {-b_ad / w_ad:.3f}")
    print(f"  accuracy    : {correct}/{len(xs)} = {correct / len(xs):.0%}")

    out = pathlib.Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    graph = one_step_graph(xs[0], ys[0], w_ad, b_ad)
    (out / "step.dot").write_text(autodiff.to_dot(graph))
    try:
        for fmt in ("svg", "png"):
            autodiff.save_graph(graph, out / f"step.{fmt}")
        print(f"  graph of one step: {out / 'step.svg'}, {out / 'step.png'}")
    except RuntimeError as error:  # no `dot` program: the DOT text is still written
        print(f"  graph of one step: {out / 'step.dot'} ({error})")
    return 0 if abs(w_ad - w_hand) < 1e-9 and abs(b_ad - b_hand) < 1e-9 else 1


if __name__ == "__main__":
    sys.exit(main())
