"""Every elementwise function in the op registry, and its derivative as the engine computes it.

No derivative here is written by hand. For each registered elementwise op f with one input (and
leaky_relu and elu with their default parameter) x is a Tensor of 601 points on [-6, 6], then
y = f(x); y.sum().backward(), and x.grad is f'(x) at every point: each output depends on its own
input only, and the sum passes a gradient of one to each. The curves are checked against central
differences (away from kinks), then drawn: one figure per op and an overview grid. The loop runs
over `autodiff.REGISTRY`, so an op you register yourself is drawn too.

    python examples/activations.py [--out out/activations]
"""
from __future__ import annotations

import argparse
import inspect
import pathlib
import sys
from typing import Any

import numpy as np

import _plots
import autodiff
from _plots import BLUE, ORANGE, plt
from autodiff import Tensor, activations

LOW, HIGH, POINTS = -6.0, 6.0, 601
Y_CAP = 10.0  # log' and sqrt' blow up at 0, exp reaches 403: the y axis stops at +-Y_CAP
FROM_ACTIVATIONS = {op.name for op in vars(activations).values() if isinstance(op, autodiff.Op)}


def default_parameter(name: str) -> float | None:
    """The default of the Tensor method's second argument (leaky_relu's slope, elu's alpha)."""
    method = getattr(Tensor, name, None)
    if method is None:
        return None
    defaults = [p.default for p in inspect.signature(method).parameters.values()
                if p.default is not inspect.Parameter.empty]
    return defaults[0] if len(defaults) == 1 else None


def curves() -> dict[str, tuple[autodiff.Op, float | None]]:
    """The ops to draw: every elementwise unary op, and binary ones with a default parameter."""
    chosen = {}
    for name, op in autodiff.REGISTRY.items():
        if not op.elementwise:
            continue
        parameter = None if op.unary else default_parameter(name)
        if op.unary or parameter is not None:
            chosen[name] = (op, parameter)
    return chosen


def evaluate(op: autodiff.Op, parameter: float | None) -> tuple[np.ndarray, ...]:
    """(x, f(x), f'(x)) on the grid, restricted to the op's domain; f' from backward."""
    domain = op.domain[0]
    grid = np.linspace(LOW, HIGH, POINTS)
    x = Tensor(grid[(domain.low < grid) & (grid < domain.high)], requires_grad=True)
    y = x.apply(op) if parameter is None else x.apply(op, parameter)
    y.sum().backward()
    return x.data, y.data, x.grad


def numeric_error(op: autodiff.Op, parameter: float | None, x: np.ndarray,
                  slope: np.ndarray, h: float = 1e-6) -> float:
    """The largest relative gap between f' and a central difference, away from kinks."""
    args = () if parameter is None else (parameter,)
    central = (op.array(x + h, *args) - op.array(x - h, *args)) / (2 * h)
    smooth = np.all([np.abs(x - k) > 10 * h for k in op.domain[0].kinks], axis=0)
    return float(np.max(np.abs(slope - central)[smooth] / (1 + np.abs(central[smooth]))))


def title(name: str, parameter: float | None) -> str:
    """`name`, or `name(x, parameter)` for an op drawn with its default parameter."""
    return name if parameter is None else f"{name}(x, {parameter:g})"


def draw(ax: Any, name: str, x: np.ndarray, y: np.ndarray, slope: np.ndarray,
         legend: bool = True) -> None:
    """f and the engine's f' on one axes."""
    ax.axhline(0, color="black", lw=0.6)
    ax.axvline(0, color="black", lw=0.6)
    ax.plot(x, y, color=BLUE, lw=2.2, label="f(x)")
    ax.plot(x, slope, color=ORANGE, lw=1.8, ls="--", label="f'(x)  (backward)")
    ax.set_xlim(LOW, HIGH)
    low = max(min(y.min(), slope.min()), -Y_CAP)
    high = min(max(y.max(), slope.max()), Y_CAP)
    pad = 0.05 * (high - low)
    ax.set_ylim(low - pad, high + pad)
    ax.set_title(name)
    if legend:
        ax.legend(loc="best")


def draw_each(out: pathlib.Path, chosen: dict[str, tuple[autodiff.Op, float | None]],
              results: dict[str, tuple[np.ndarray, ...]]) -> None:
    """One picture per op, its formula written below."""
    for name, (op, parameter) in chosen.items():
        fig, ax = plt.subplots(figsize=(6, 4.2))
        fig.subplots_adjust(left=0.1, right=0.97, top=0.92, bottom=0.2)
        draw(ax, title(name, parameter), *results[name])
        ax.set_xlabel("x")
        formula = (op.__doc__ or "").split(";")[0]
        fig.text(0.5, 0.02, formula, ha="center", fontsize=9, color="#4b5563")
        _plots.save(fig, out / f"{name}.png", tight=False)  # fixed margins: twice as fast


def draw_overview(path: pathlib.Path, chosen: dict[str, tuple[autodiff.Op, float | None]],
                  results: dict[str, tuple[np.ndarray, ...]], columns: int = 5) -> None:
    """All ops in one grid, the activations first."""
    ordered = sorted(chosen, key=lambda name: name not in FROM_ACTIVATIONS)  # a stable sort
    rows = -(-len(ordered) // columns)
    fig, axes = plt.subplots(rows, columns, figsize=(3.1 * columns, 2.5 * rows), squeeze=False)
    for ax, name in zip(axes.flat, ordered):
        draw(ax, title(name, chosen[name][1]), *results[name], legend=False)
        ax.tick_params(labelsize=8)
    for ax in axes.flat[len(ordered):]:
        ax.axis("off")
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles, labels, loc="upper right", ncol=2, bbox_to_anchor=(1.0, 1.0))
    fig.suptitle("every elementwise op in the registry: f (solid) and f' computed by "
                 "backward (dashed)", x=0.02, ha="left")
    fig.tight_layout()
    _plots.save(fig, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    parser.add_argument("--out", default="out/activations", help="folder for the pictures")
    args = parser.parse_args(argv)
    timer = _plots.Timer()
    out = _plots.output_dir(args.out)

    chosen = curves()
    results = {name: evaluate(op, parameter) for name, (op, parameter) in chosen.items()}
    print(f"activations: {len(chosen)} registered elementwise ops, f' by backward on "
          f"{POINTS} points in [{LOW:g}, {HIGH:g}]")
    print("  op                   kind             f(1)     f'(1)  vs central diff")
    worst = 0.0
    for name, (op, parameter) in chosen.items():
        x, y, slope = results[name]
        error = numeric_error(op, parameter, x, slope)
        worst = max(worst, error)
        one = np.argmin(np.abs(x - 1.0))
        kind = "activation" if name in FROM_ACTIVATIONS else "elementary"
        print(f"  {title(name, parameter):<20} {kind:<11} {y[one]:>9.4f} {slope[one]:>9.4f}  "
              f"{error:>15.1e}")
    draw_each(out, chosen, results)
    draw_overview(out / "overview.png", chosen, results)
    print(f"activations: {len(chosen)} ops, largest gap to central differences {worst:.1e}, "
          f"{len(chosen) + 1} pictures in {out}, run time {timer}")
    return 0 if worst < 1e-5 else 1


if __name__ == "__main__":
    sys.exit(main())
