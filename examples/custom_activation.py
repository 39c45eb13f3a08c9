"""Add your own activation: register mish, property-test it, draw it, and train with it.

mish(x) = x tanh(softplus(x)) (Misra, 2019) is not built in. One call to `autodiff.register`
adds it: a forward on numpy arrays, a fast forward on floats, and one derivative formula,
    mish'(x) = t + x (1 - t^2) sigmoid(x),   t = tanh(softplus(x)),
written with registry ops (tanh, softplus, sigmoid), so it runs on floats, arrays and graph
nodes alike, and therefore gives second derivatives too. Nothing else changes anywhere: the op
is then a method of `Value` and `Tensor` (`x.mish()`), a function (`mish(x)`), a node in the
drawn graph, and an activation of `nn` layers by name (`activation="mish"`). The script

1. runs a hypothesis property test, as in a test suite: `autodiff.testing.check_op` at inputs
   drawn from the op's domain, comparing float and array forwards and first and second
   derivatives against central differences (fixed, derandomised profile);
2. shows the op on a `Value` and a `Tensor` (same numbers) and draws the graph of a neuron;
3. trains `nn.MLP(2, [16, 16, 1], activation="mish")` on two moons and prints its accuracy.

    python examples/custom_activation.py [--epochs 300] [--out out/custom_activation]
"""
from __future__ import annotations

import argparse
import math
import pathlib
import sys

import numpy as np

import _plots
import autodiff
import nn
from _plots import BLUE, GREY, ORANGE, plt
from autodiff import Tensor, Value, no_grad, sigmoid, softplus, tanh

try:
    from hypothesis import given

    from autodiff.testing import check_op, load_profile, op_inputs
except ImportError:  # hypothesis comes with the test extra
    given = None


def _mish_grad(g, y, x):  # type: ignore[no-untyped-def]
    t = tanh(softplus(x))
    return g * (t + x * (1 - t * t) * sigmoid(x))


mish = autodiff.register(
    "mish", lambda x: x * np.tanh(softplus(x)), _mish_grad,
    scalar=lambda x: x * math.tanh(softplus(x)),
    doc="mish(x) = x tanh(softplus(x)); mish' = t + x (1 - t^2) sigmoid(x), t = tanh(softplus x)")


def property_test(examples: int) -> str:
    """Run the hypothesis test of mish; returns what it did."""
    if given is None:
        return 'skipped: it needs hypothesis (pip install -e ".[test]")'
    load_profile(max_examples=examples)
    tried = []

    @given(op_inputs(mish, bound=8.0))
    def test_mish(xs: tuple[float]) -> None:
        tried.append(xs)
        check_op(mish, *xs, order=2)  # forwards agree; 1st and 2nd derivatives are right
        (x,) = xs
        assert mish(x) >= -0.31  # mish is bounded below (by about -0.3088)
        assert abs(mish(x) - x * tanh(softplus(x))) <= 1e-12

    test_mish()  # a @given test is a plain function: calling it runs every example
    return (f"check_op(mish) passed on {len(tried)} hypothesis inputs (float and array "
            f"forwards, 1st and 2nd derivatives)")


def on_nodes() -> bool:
    """mish on a Value, a Tensor and an array, printed; True when Value and Tensor agree."""
    v = Value(1.0)
    y = v.mish()
    y.backward()
    t = Tensor([-2.0, 0.0, 1.0], requires_grad=True)
    ty = t.mish()
    ty.sum().backward()
    print(f"  Value : mish(1.0) = {y.data:.6f}, grad {v.grad:.6f}")
    print(f"  Tensor: mish([-2, 0, 1]) = {np.round(ty.data, 6)}, grad {np.round(t.grad, 6)}")
    print(f"  function on an array: {np.round(mish(np.array([-2.0, 0.0, 1.0])), 6)}")
    return abs(ty.data[2] - y.data) < 1e-12 and abs(t.grad[2] - v.grad) < 1e-12


def neuron_graph(out: pathlib.Path) -> str:
    """y = mish(w x + b) on Values, after backward, drawn; returns the file written (only the
    DOT text, with the reason, without graphviz)."""
    x, w, b = Value(0.5, label="x"), Value(-1.5, label="w"), Value(0.8, label="b")
    z = w * x + b
    z.label = "z"
    y = z.mish()
    y.label = "y"
    y.backward()
    (out / "graph.dot").write_text(autodiff.to_dot(y))
    try:
        return str(autodiff.save_graph(y, out / "graph.png"))
    except RuntimeError as error:  # no `dot` program
        return f"{out / 'graph.dot'} ({error})"


def logit_accuracy(logits: Tensor, y: np.ndarray) -> float:
    """Accuracy of the prediction logit > 0 against labels in {0, 1}."""
    return nn.accuracy(logits.data > 0, y > 0.5)


def plot(path: pathlib.Path, model: nn.MLP, X: np.ndarray, labels: np.ndarray,
         losses: list[float], accuracy: float) -> None:
    """mish and its derivative (by backward), the trained MLP's decision map, its loss."""
    fig, (f_ax, map_ax, loss_ax) = plt.subplots(1, 3, figsize=(16, 4.6),
                                                gridspec_kw={"width_ratios": [1, 1.2, 1]})
    x = Tensor(np.linspace(-5, 5, 401), requires_grad=True)
    y = x.mish()
    y.sum().backward()
    f_ax.plot(x.data, y.data, color=BLUE, lw=2.2, label="mish(x)")
    f_ax.plot(x.data, x.grad, color=ORANGE, lw=1.8, ls="--", label="mish'(x) by backward")
    f_ax.plot(x.data, np.maximum(x.data, 0), color=GREY, lw=1, ls=":", label="relu(x)")
    f_ax.set_xlabel("x")
    f_ax.set_title("the new op and its derivative")
    f_ax.legend()
    with no_grad():
        _plots.decision_map(map_ax, lambda p: model(p).data[:, 0], X, labels, margin=0.5,
                            title=f"MLP with mish: training accuracy {accuracy:.1%}",
                            colorbar_label="logit", size=22)
    _plots.loss_curve(loss_ax, losses, log=True, title="binary cross-entropy per epoch")
    fig.suptitle('a user-registered activation: nn.MLP(2, [16, 16, 1], activation="mish")',
                 x=0.01, ha="left")
    fig.tight_layout()
    _plots.save(fig, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--epochs", type=int, default=300, help="full-batch Adam steps")
    parser.add_argument("--examples", type=int, default=100,
                        help="hypothesis examples in the property test")
    parser.add_argument("--seed", type=int, default=0, help="seed of the data and the weights")
    parser.add_argument("--out", default="out/custom_activation", help="folder for the pictures")
    args = parser.parse_args(argv)
    timer = _plots.Timer()
    out = _plots.output_dir(args.out)

    print(f"custom_activation: registered {mish!r}: {mish.__doc__}")
    print(f"  property test: {property_test(args.examples)}")
    agree = on_nodes()
    print(f"  graph of y = mish(w x + b): {neuron_graph(out)}")

    X, labels = nn.data.moons(200, noise=0.15, seed=args.seed)
    targets = labels[:, None]  # the model's output has shape (n, 1)
    model = nn.MLP(2, [16, 16, 1], activation="mish", rng=args.seed)
    print(f"  training MLP 2 -> 16 -> 16 -> 1 with activation='mish' on {len(X)} moons: "
          f"Adam, BCE with logits, {args.epochs} full-batch epochs")
    history = nn.fit(model, nn.binary_cross_entropy_with_logits, X, targets,
                     nn.Adam(model.parameters(), lr=0.01), epochs=args.epochs, progress=False,
                     metric=logit_accuracy)
    with no_grad():
        accuracy = logit_accuracy(model(X), targets)
    print(f"  final loss {history.loss[-1]:.4f}, training accuracy {accuracy:.1%}")
    plot(out / "mish.png", model, X, labels, history.loss, accuracy)
    print(f"custom_activation: training accuracy {accuracy:.1%}, run time {timer}")
    return 0 if agree and accuracy >= 0.95 else 1


if __name__ == "__main__":
    sys.exit(main())
