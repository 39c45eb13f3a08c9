"""micrograd's demo, on autodiff: an MLP separates two interleaving moons.

100 points in two half-moons (`nn.data.moons(100, noise=0.1)`), labels -1 and +1. The model is
`nn.MLP(2, [16, 16, 1], activation="relu")`: two hidden layers of 16 relu units and one linear
output, the score s(x), 337 parameters. The loss is micrograd's: the SVM hinge loss
mean(relu(1 - y s)) plus 1e-4 times the sum of the squared parameters (L2). Training is
full-batch SGD for 100 steps with micrograd's decaying learning rate lr_k = 1.0 - 0.9 k / 100.
It reaches 100% training accuracy. The pictures: the score over the plane with the decision
boundary s = 0 and the margins s = +-1, the loss and accuracy per step, and the boundary as it
forms during training.

With --scalar the network is micrograd's own, on scalar Values: `nn.scalar.MLP(2, [16, 16, 1])`
after `random.seed(seed)` (micrograd's initialisation), trained with micrograd's loop (one
sample at a time, every multiply a graph node, `p.data -= lr * p.grad`). It computes what
micrograd's classes compute on this data, a few hundred times slower than the Tensor model;
its pictures are drawn by an `nn.MLP` given the same weights.

    python examples/moons.py [--steps 100] [--seed 0] [--scalar] [--out out/moons]
"""
from __future__ import annotations

import argparse
import random
import sys
from typing import Callable, Union

import numpy as np

import _plots
import nn
from _plots import BLUE, plt
from autodiff import Tensor, Value, no_grad

ALPHA = 1e-4  # the L2 penalty's weight
SIZES = [16, 16, 1]
SNAPSHOTS = (0, 10, 25)  # steps at which the boundary is drawn, besides the last

Model = Union[nn.MLP, nn.scalar.MLP]


def loss_and_accuracy(model: nn.MLP, X: np.ndarray, y: np.ndarray) -> tuple[Tensor, float]:
    """micrograd's loss: hinge loss + ALPHA * sum of squared parameters; and the accuracy."""
    scores = model(X).squeeze(1)  # (n, 1) -> (n,): losses never broadcast
    l2 = sum((p * p).sum() for p in model.parameters())
    accuracy = nn.accuracy(scores.data > 0, y > 0)
    return nn.hinge_loss(scores, y) + ALPHA * l2, accuracy


def scalar_loss_and_accuracy(model: nn.scalar.MLP, X: np.ndarray,
                             y: np.ndarray) -> tuple[Value, float]:
    """The same loss as micrograd's demo writes it: one Value graph over every sample."""
    scores = [model(row) for row in X.tolist()]
    hinge = sum((1 + -t * s).relu() for t, s in zip(y.tolist(), scores)) * (1.0 / len(scores))
    l2 = sum(p * p for p in model.parameters())
    accuracy = nn.accuracy(np.array([s.data for s in scores]) > 0, y > 0)
    return hinge + ALPHA * l2, accuracy


def tensor_state(model: Model) -> dict[str, np.ndarray]:
    """The state of an nn.MLP computing what model computes: a scalar MLP's neuron j of layer
    i, w and b, is column j of layers.i.weight and element j of layers.i.bias."""
    if isinstance(model, nn.MLP):
        return model.state_dict()
    state = {}
    for i, layer in enumerate(model.layers):
        state[f"layers.{i}.weight"] = np.array([[w.data for w in n.w] for n in layer.neurons]).T
        state[f"layers.{i}.bias"] = np.array([n.b.data for n in layer.neurons])
    return state


def scorer(state: dict[str, np.ndarray]) -> Callable[[np.ndarray], np.ndarray]:
    """The score s(x) of the nn.MLP with this state on an array of points, recording no graph."""
    model = nn.MLP(2, SIZES, activation="relu")
    model.load_state_dict(state)

    def score(points: np.ndarray) -> np.ndarray:
        with no_grad():
            return model(points).data[:, 0]
    return score


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--steps", type=int, default=100, help="full-batch SGD steps")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and the weights")
    parser.add_argument("--scalar", action="store_true",
                        help="micrograd's MLP on scalar Values (nn.scalar), micrograd's loop")
    parser.add_argument("--out", default="out/moons", help="folder for the pictures")
    args = parser.parse_args(argv)
    timer = _plots.Timer()
    out = _plots.output_dir(args.out)

    X, labels = nn.data.moons(100, noise=0.1, seed=args.seed)
    y = 2.0 * labels - 1.0  # {0, 1} -> {-1, +1}
    model: Model
    if args.scalar:
        random.seed(args.seed)  # micrograd's weights come from Python's random
        model, evaluate = nn.scalar.MLP(2, SIZES), scalar_loss_and_accuracy
        kind = "scalar Values (nn.scalar)"
    else:
        model, evaluate = nn.MLP(2, SIZES, activation="relu", rng=args.seed), loss_and_accuracy
        optimizer = nn.SGD(model.parameters(), lr=1.0)
        kind = "Tensors (nn)"
    count = sum(np.size(p.data) for p in model.parameters())
    print(f"moons: {len(X)} points, MLP 2 -> 16 -> 16 -> 1 (relu), {count} parameters, on "
          f"{kind}")
    print(f"  loss: hinge + {ALPHA:g} * L2; full-batch SGD, lr = 1.0 - 0.9 k / {args.steps}")

    losses, accuracies, snapshots = [], [], {}
    for k in range(args.steps):
        loss, accuracy = evaluate(model, X, y)
        if k in SNAPSHOTS:
            snapshots[k] = tensor_state(model)
        model.zero_grad()
        loss.backward()
        lr = 1.0 - 0.9 * k / args.steps
        if args.scalar:
            for p in model.parameters():  # micrograd's update
                p.data -= lr * p.grad
        else:
            optimizer.lr = lr
            optimizer.step()
        losses.append(loss.item())
        accuracies.append(accuracy)
        if k % 10 == 0 or k == args.steps - 1:
            print(f"  step {k:3d}  lr {lr:.3f}  loss {loss.item():.4f}  accuracy {accuracy:6.1%}")
    final_loss, final_accuracy = evaluate(model, X, y)
    snapshots[args.steps] = tensor_state(model)
    train_seconds = timer.seconds
    if args.scalar:
        gap = np.max(np.abs(scorer(snapshots[args.steps])(X) - [model(row).data for row in X]))
        print(f"  the pictures are drawn by an nn.MLP given these weights: its scores match the "
              f"Values' to {gap:.1g}")
    print(f"  trained: loss {final_loss.item():.4f}, training accuracy {final_accuracy:.0%} "
          f"({train_seconds:.2f} s, {1e3 * train_seconds / args.steps:.1f} ms per step)")

    fig, (map_ax, loss_ax) = plt.subplots(1, 2, figsize=(13, 5),
                                          gridspec_kw={"width_ratios": [1.25, 1]})
    _plots.decision_map(map_ax, scorer(snapshots[args.steps]), X, y, margins=[1.0], margin=0.6,
                        title=f"decision boundary s(x) = 0 and margins s(x) = \u00b11\n"
                              f"training accuracy {final_accuracy:.0%}",
                        colorbar_label="score s(x)", names=("y = -1", "y = +1"))
    map_ax.legend(loc="lower left", framealpha=0.9, frameon=True)
    _plots.loss_curve(loss_ax, losses, xlabel="step", title="loss and accuracy per step")
    loss_ax.set_ylim(bottom=0)
    _plots.accuracy_axis(loss_ax, {"training accuracy": accuracies})
    loss_ax.set_ylabel("loss: hinge + L2", color=BLUE)
    fig.suptitle(f"micrograd's two-moons demo on autodiff: MLP 2-16-16-1 on {kind}, hinge "
                 f"loss, SGD", x=0.01, ha="left")
    fig.tight_layout()
    _plots.save(fig, out / "moons.png")

    accuracies_at = {**dict(enumerate(accuracies)), args.steps: final_accuracy}
    fig, axes = plt.subplots(1, len(snapshots), figsize=(4 * len(snapshots), 3.9))
    for ax, (step, state) in zip(axes, snapshots.items()):
        _plots.decision_map(ax, scorer(state), X, y, margin=0.6, colorbar_label=None,
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
