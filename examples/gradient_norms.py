"""Vanishing gradients, watched with hooks: each layer's gradient norm during training.

The same deep MLP, 2 -> 16 -> 16 -> 16 -> 16 -> 16 -> 1, is trained on the two moons (200
points, full-batch SGD on the binary cross-entropy of the logits) once with sigmoid hidden units
and once with tanh. Hooks watch it, and nothing in the training loop changes:

- `layer.register_forward_hook(fn)` on each layer: on every call fn gets the layer's output h
  and registers a hook on it, `h.register_hook(g)`, which the backward pass then calls with
  dL/dh, the gradient arriving at that layer; its norm is recorded;
- `layer.weight.register_hook(fn)` on each layer's weight: fn receives dL/dW once the backward
  pass has finished it, and records its norm.

Going back through a layer multiplies the gradient by the weights and by the activation's
derivative, at most 1/4 for sigmoid and 1 for tanh: with sigmoid it shrinks layer by layer, the
first layer gets about a thousandth of what the last hidden layer gets, and the network hardly
learns; with tanh it does not shrink. The picture shows |dL/dh| per layer and step for both;
the printout the medians, and the first layer's share of the last hidden layer's.

    python examples/gradient_norms.py [--steps 300] [--seed 0] [--out out/gradient_norms]
"""
from __future__ import annotations

import argparse
import sys
from typing import Any

import numpy as np

import _plots
import nn
from _plots import plt
from autodiff import HookHandle, Tensor

SIZES = [16, 16, 16, 16, 16, 1]
ACTIVATIONS = ("sigmoid", "tanh")
COLORS = ("#1e3a8a", "#1d4ed8", "#3b82f6", "#93c5fd", "#f59e0b", "#ea580c")
Norms = list[list[float]]  # per layer, per step


def watch(model: nn.MLP, outputs: Norms, weights: Norms) -> list[HookHandle]:
    """Hooks recording |dL/dh| at each layer's output h and |dL/dW| of each layer's weight."""
    handles = []
    for i, layer in enumerate(model.layers):
        def on_forward(module: nn.Module, inputs: tuple[Tensor], h: Tensor, i: int = i) -> None:
            if h.requires_grad:  # not in fit's first trial run, under no_grad()
                h.register_hook(lambda g: outputs[i].append(float(np.linalg.norm(g))))
        handles.append(layer.register_forward_hook(on_forward))
        handles.append(layer.weight.register_hook(
            lambda g, i=i: weights[i].append(float(np.linalg.norm(g)))))
    return handles


def train(activation: str, X: np.ndarray, y: np.ndarray, steps: int,
          seed: int) -> tuple[Norms, Norms, float]:
    """(|dL/dh| per layer per step, |dL/dW| per layer per step, training accuracy)."""
    model = nn.MLP(2, SIZES, activation=activation, rng=seed)
    outputs: Norms = [[] for _ in SIZES]
    weights: Norms = [[] for _ in SIZES]
    handles = watch(model, outputs, weights)

    def loss(out: Tensor, target: np.ndarray) -> Tensor:
        return nn.binary_cross_entropy_with_logits(out.squeeze(1), target)

    nn.fit(model, loss, X, y, nn.SGD(model.parameters(), lr=0.5), epochs=steps, progress=False)
    for handle in handles:  # unwatched from here on
        handle.remove()
    accuracy = nn.accuracy(model(X).data[:, 0] > 0, y > 0.5)
    return outputs, weights, accuracy


def plot(ax: Any, activation: str, norms: Norms) -> None:
    for i, (values, color) in enumerate(zip(norms, COLORS)):
        ax.plot(np.arange(1, len(values) + 1), values, color=color, lw=1.8,
                label=f"layer {i + 1}" + (" (output)" if i == len(norms) - 1 else ""))
    ax.set_yscale("log")
    ax.set_xlabel("SGD step")
    ax.set_ylabel("|dL/dh| at the layer's output h")
    ax.set_title(f"{activation} hidden units")
    ax.legend(loc="best", fontsize=8, ncol=2)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--steps", type=int, default=300, help="full-batch SGD steps")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and the weights")
    parser.add_argument("--out", default="out/gradient_norms", help="folder for the pictures")
    args = parser.parse_args(argv)
    timer = _plots.Timer()
    out = _plots.output_dir(args.out)

    X, y = nn.data.moons(200, noise=0.1, seed=args.seed)
    fig, axes = plt.subplots(1, 2, figsize=(11, 4.2), sharey=True)
    print(f"gradient_norms: MLP(2, {SIZES}) on {len(X)} moons points, {args.steps} SGD steps")
    shares = {}
    for ax, activation in zip(axes, ACTIVATIONS):
        outputs, weights, accuracy = train(activation, X, y, args.steps, args.seed)
        at_outputs = [float(np.median(n)) for n in outputs]
        at_weights = [float(np.median(n)) for n in weights]
        shares[activation] = at_outputs[0] / at_outputs[-2]
        print(f"  {activation:>7}: median |dL/dh| per layer "
              + " ".join(f"{m:.1e}" for m in at_outputs)
              + f"\n           median |dL/dW| per layer "
              + " ".join(f"{m:.1e}" for m in at_weights)
              + f"\n           training accuracy {100 * accuracy:.0f}%")
        plot(ax, activation, outputs)
    fig.suptitle("the gradient arriving at each layer during training, recorded by hooks",
                 x=0.01, ha="left")
    fig.tight_layout()
    _plots.save(fig, out / "gradient_norms.png")
    print(f"gradient_norms: the first layer gets {shares['sigmoid']:.3f} of the gradient the "
          f"last hidden layer gets with sigmoid, {shares['tanh']:.3f} with tanh; run time "
          f"{timer}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
