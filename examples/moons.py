"""micrograd's demo, on autodiff: an MLP separates two interleaving moons.

100 points in two half-moons (`nn.data.moons(100, noise=0.1)`), labels -1 and +1. The model is
`nn.MLP(2, [16, 16, 1], activation="relu")`: two hidden layers of 16 relu units and one linear
output, the score s(x), 337 parameters. The loss is micrograd's: the SVM hinge loss
mean(relu(1 - y s)) plus 1e-4 times the sum of the squared parameters (L2). Training is
full-batch SGD for 100 steps with micrograd's decaying learning rate lr_k = 1.0 - 0.9 k / 100.
It reaches 100% training accuracy. The pictures: the score over the plane with the decision
boundary s = 0 and the margins s = +-1, the loss and accuracy per step, and the boundary as it
forms during training.

    python examples/moons.py [--steps 100] [--seed 0] [--out out/moons]
"""
from __future__ import annotations

import argparse
import sys
from typing import Callable

import numpy as np

import _plots
import nn
from _plots import BLUE, plt
from autodiff import Tensor, no_grad

ALPHA = 1e-4  # the L2 penalty's weight
SNAPSHOTS = (0, 10, 25)  # steps at which the boundary is drawn, besides the last


def loss_and_accuracy(model: nn.MLP, X: np.ndarray, y: np.ndarray) -> tuple[Tensor, float]:
    """micrograd's loss: hinge loss + ALPHA * sum of squared parameters; and the accuracy."""
    scores = model(X).squeeze(1)  # (n, 1) -> (n,): losses never broadcast
    l2 = sum((p * p).sum() for p in model.parameters())
    accuracy = nn.accuracy(scores.data > 0, y > 0)
    return nn.hinge_loss(scores, y) + ALPHA * l2, accuracy


def scorer(model: nn.MLP) -> Callable[[np.ndarray], np.ndarray]:
    """The model's score s(x) on an array of points, without recording a graph."""
    def score(points: np.ndarray) -> np.ndarray:
        with no_grad():
            return model(points).data[:, 0]
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--steps", type=int, default=100, help="full-batch SGD steps")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and the weights")
    parser.add_argument("--out", default="out/moons", help="folder for the pictures")
    args = parser.parse_args(argv)
    timer = _plots.Timer()
    out = _plots.output_dir(args.out)

    X, labels = nn.data.moons(100, noise=0.1, seed=args.seed)
    y = 2.0 * labels - 1.0  # {0, 1} -> {-1, +1}
    model = nn.MLP(2, [16, 16, 1], activation="relu", rng=args.seed)
    optimizer = nn.SGD(model.parameters(), lr=1.0)
    count = sum(p.size for p in model.parameters())
    print(f"moons: {len(X)} points, MLP 2 -> 16 -> 16 -> 1 (relu), {count} parameters")
    print(f"  loss: hinge + {ALPHA:g} * L2; full-batch SGD, lr = 1.0 - 0.9 k / {args.steps}")

    losses, accuracies, snapshots = [], [], {}
    for k in range(args.steps):
        loss, accuracy = loss_and_accuracy(model, X, y)
        if k in SNAPSHOTS:
            snapshots[k] = model.state_dict()
        optimizer.zero_grad()
        loss.backward()
        optimizer.lr = 1.0 - 0.9 * k / args.steps
        optimizer.step()
        losses.append(loss.item())
        accuracies.append(accuracy)
        if k % 10 == 0 or k == args.steps - 1:
            print(f"  step {k:3d}  lr {optimizer.lr:.3f}  loss {loss.item():.4f}  "
                  f"accuracy {accuracy:6.1%}")
    final_loss, final_accuracy = loss_and_accuracy(model, X, y)
    snapshots[args.steps] = model.state_dict()
    train_seconds = timer.seconds
    print(f"  trained: loss {final_loss.item():.4f}, training accuracy {final_accuracy:.0%} "
          f"({train_seconds:.2f} s, {1e3 * train_seconds / args.steps:.1f} ms per step)")

    fig, (map_ax, loss_ax) = plt.subplots(1, 2, figsize=(13, 5),
                                          gridspec_kw={"width_ratios": [1.25, 1]})
    _plots.decision_map(map_ax, scorer(model), X, y, margins=[1.0], margin=0.6,
                        title=f"decision boundary s(x) = 0 and margins s(x) = \u00b11\n"
                              f"training accuracy {final_accuracy:.0%}",
                        colorbar_label="score s(x)", names=("y = -1", "y = +1"))
    map_ax.legend(loc="lower left", framealpha=0.9, frameon=True)
    _plots.loss_curve(loss_ax, losses, xlabel="step", title="loss and accuracy per step")
    loss_ax.set_ylim(bottom=0)
    _plots.accuracy_axis(loss_ax, {"training accuracy": accuracies})
    loss_ax.set_ylabel("loss: hinge + L2", color=BLUE)
    fig.suptitle("micrograd's two-moons demo on autodiff: MLP 2-16-16-1, hinge loss, SGD",
                 x=0.01, ha="left")
    fig.tight_layout()
    _plots.save(fig, out / "moons.png")

    accuracies_at = {**dict(enumerate(accuracies)), args.steps: final_accuracy}
    fig, axes = plt.subplots(1, len(snapshots), figsize=(4 * len(snapshots), 3.9))
    for ax, (step, state) in zip(axes, snapshots.items()):
        model.load_state_dict(state)
        _plots.decision_map(ax, scorer(model), X, y, margin=0.6, colorbar_label=None,
                            title=f"after {step} steps: accuracy {accuracies_at[step]:.0%}",
                            names=("y = -1", "y = +1"), size=20)
    fig.suptitle("the decision boundary forming during training", x=0.01, ha="left")
    fig.tight_layout()
    _plots.save(fig, out / "training.png")
    print(f"moons: training accuracy {final_accuracy:.0%}, final loss {final_loss.item():.4f}, "
          f"run time {timer}")
    return 0 if final_accuracy == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
