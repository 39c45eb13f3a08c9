"""micrograd's two-moons MLP on scalar Values, trained with a compiled step.

The model is micrograd's: an MLP 2 -> 16 -> 16 -> 1 of scalar `Value`s (337 parameters), the
loss its hinge loss mean(relu(1 - y s)) + 1e-4 sum p^2 over 100 points, full-batch SGD with the
learning rate 1.0 - 0.9 k / steps. `autodiff.compile` traces the step once (the forward pass and
`autodiff.grad(..., create_graph=True)`, about 190,000 float operations) and generates one
straight-line Python function from the points to the loss and the gradients; every later step
runs only that code, on the model's current `.data`. The example prints the first lines of the
generated backward pass, writes the whole function to OUT/loss_and_grads.py, and times the
compiled step against the same step run by the interpreter (`loss.backward()`).

    python examples/compiled.py [--steps 100] [--seed 0] [--lines 12] [--out out/compiled]
"""
from __future__ import annotations

import argparse
import sys
import time
from typing import Any, Callable

import numpy as np

import _plots
import autodiff
import nn
from autodiff import Value

ALPHA = 1e-4  # the L2 penalty's weight


class MLP:
    """micrograd's MLP on scalar Values: hidden relu neurons, a linear output neuron."""

    def __init__(self, sizes: list[int], rng: np.random.Generator) -> None:
        # The labels (w1_3_0: layer 1, neuron 3, input 0) name the variables of the compiled code.
        self.layers = [[([Value(w, label=f"w{k}_{j}_{i}")
                          for i, w in enumerate(rng.uniform(-1, 1, n_in))],
                         Value(0.0, label=f"b{k}_{j}")) for j in range(n_out)]
                       for k, (n_in, n_out) in enumerate(zip(sizes, sizes[1:]))]

    def __call__(self, x: list[Any]) -> Any:
        for k, layer in enumerate(self.layers):
            outs = [sum((w * xi for w, xi in zip(ws, x)), b) for ws, b in layer]
            x = outs if k == len(self.layers) - 1 else [out.relu() for out in outs]
        return x[0]

    def parameters(self) -> list[Value]:
        return [p for layer in self.layers for ws, b in layer for p in (*ws, b)]


def hinge(model: MLP, xs: list[list[Any]], ys: list[Any]) -> tuple[Any, list[Any]]:
    """micrograd's loss (hinge + ALPHA * L2) and the scores."""
    scores = [model(x) for x in xs]
    data = sum((1 + -y * s).relu() for y, s in zip(ys, scores)) * (1.0 / len(xs))
    return data + ALPHA * sum(p * p for p in model.parameters()), scores


def seconds_per_step(step: Callable[[], object], repeats: int) -> float:
    """The fastest of `repeats` timed runs of step."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        step()
        best = min(best, time.perf_counter() - start)
    return best


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--steps", type=int, default=100, help="full-batch SGD steps")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and the weights")
    parser.add_argument("--lines", type=int, default=12, help="lines of the backward to print")
    parser.add_argument("--out", default="out/compiled", help="folder for the generated code")
    args = parser.parse_args(argv)
    out = _plots.output_dir(args.out)
    X, labels = nn.data.moons(100, noise=0.1, seed=args.seed)
    xs, ys = X.tolist(), (2.0 * labels - 1.0).tolist()  # labels {0, 1} -> {-1, +1}
    model = MLP([2, 16, 16, 1], np.random.default_rng(args.seed))
    params = model.parameters()

    @autodiff.compile
    def loss_and_grads(xs: list[list[Any]], ys: list[Any]) -> dict[str, Any]:
        loss, scores = hinge(model, xs, ys)
        return {"loss": loss, "scores": scores,
                "gradients": autodiff.grad(loss, params, create_graph=True)}

    start = time.perf_counter()
    loss_and_grads(xs, ys)  # the first call traces and generates the code
    first = time.perf_counter() - start
    source = loss_and_grads.source
    (out / "loss_and_grads.py").write_text(source)
    lines = source.splitlines()
    print(f"compiled: {len(params)} parameters, one step is {len(lines):,} lines of Python, "
          f"traced and compiled in {first:.2f} s (written to {out / 'loss_and_grads.py'})")
    backward = lines.index("        # gradients") + 1
    print(f"the first {args.lines} lines of the backward pass:")
    print("\n".join(lines[backward:backward + args.lines]))

    for k in range(args.steps):
        result = loss_and_grads(xs, ys)
        accuracy = np.mean([(s > 0) == (y > 0) for s, y in zip(result["scores"], ys)])
        lr = 1.0 - 0.9 * k / args.steps
        for p, g in zip(params, result["gradients"]):
            p.data -= lr * g
        if k % 10 == 0 or k == args.steps - 1:
            print(f"  step {k:3d}  loss {result['loss']:.4f}  accuracy {accuracy:6.1%}")

    def interpreted_step() -> None:
        loss, _ = hinge(model, xs, ys)
        for p in params:
            p.grad = 0.0
        loss.backward()

    compiled = seconds_per_step(lambda: loss_and_grads(xs, ys), 5)
    interpreted = seconds_per_step(interpreted_step, 3)
    print(f"one step: compiled {1e3 * compiled:.1f} ms, interpreted {1e3 * interpreted:.1f} ms: "
          f"{interpreted / compiled:.1f}x faster")
    print(f"compiled: training accuracy {accuracy:.0%}")
    return 0 if accuracy == 1.0 else 1


if __name__ == "__main__":
    sys.exit(main())
