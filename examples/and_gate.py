"""One logistic neuron learns the AND gate.

Four inputs (0, 0), (0, 1), (1, 0), (1, 1) and the targets 0, 0, 0, 1. The neuron is
p = sigmoid(w1 x1 + w2 x2 + b) (`nn.Neuron(2)`), trained by `nn.fit` with full-batch SGD on the
binary cross-entropy of p. AND is linearly separable, so a single neuron suffices: the line
w1 x1 + w2 x2 + b = 0 ends up between (1, 1) and the other three corners. The script prints the
truth table with the neuron's probabilities, and draws the decision line and the loss curve.

    python examples/and_gate.py [--epochs 2000] [--lr 1.0] [--out out/and_gate]
"""
from __future__ import annotations

import argparse
import sys

import numpy as np

import _plots
import nn
from _plots import plt


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=2000, help="full-batch SGD steps")
    parser.add_argument("--lr", type=float, default=1.0, help="learning rate")
    parser.add_argument("--seed", type=int, default=0, help="seed of the initial weights")
    parser.add_argument("--out", default="out/and_gate", help="folder for the pictures")
    args = parser.parse_args(argv)
    timer = _plots.Timer()
    out = _plots.output_dir(args.out)

    X, y = nn.data.and_gate()
    neuron = nn.Neuron(2, activation="sigmoid", rng=args.seed)
    history = nn.fit(neuron, nn.binary_cross_entropy, X, y, nn.SGD(neuron.parameters(), args.lr),
                     epochs=args.epochs, progress=False)
    probs = neuron(X).data
    predicted = (probs > 0.5).astype(float)
    accuracy = nn.accuracy(predicted, y)
    (w1, w2), b = neuron.weight.data[:, 0], neuron.bias.item()

    print(f"and_gate: {neuron!r}, {args.epochs} epochs of full-batch SGD (lr {args.lr}) on "
          f"binary cross-entropy")
    print(f"  learned: p = sigmoid({w1:.3f} x1 {w2:+.3f} x2 {b:+.3f})")
    print("  x1 x2 | AND | p(x)   | rounded")
    for (x1, x2), target, p, guess in zip(X, y, probs, predicted):
        mark = "ok" if guess == target else "WRONG"
        print(f"   {x1:.0f}  {x2:.0f} |  {target:.0f}  | {p:.4f} |    {guess:.0f}  {mark}")

    fig, (map_ax, loss_ax) = plt.subplots(1, 2, figsize=(11, 4.5),
                                          gridspec_kw={"width_ratios": [1.1, 1]})
    _plots.decision_map(map_ax, lambda points: neuron(points).data, X, y, threshold=0.5,
                        margin=0.4, title="the neuron's decision line (p = 0.5)",
                        colorbar_label="p = sigmoid(w . x + b)", names=("AND = 0", "AND = 1"),
                        size=120)
    for (x1, x2), p in zip(X, probs):
        map_ax.annotate(f"p = {p:.3f}", (x1, x2), textcoords="offset points", xytext=(0, 12),
                        ha="center", fontsize=9)
    map_ax.legend(loc="upper left", bbox_to_anchor=(0.0, -0.12), ncol=2)
    _plots.loss_curve(loss_ax, history.loss, log=True, title="binary cross-entropy per epoch")
    fig.suptitle("a logistic neuron learns AND", x=0.01, ha="left")
    fig.tight_layout()
    _plots.save(fig, out / "and_gate.png")
    print(f"and_gate: accuracy {accuracy:.0%}, final loss {history.loss[-1]:.4f}, "
          f"run time {timer}")
    return 0 if accuracy == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
