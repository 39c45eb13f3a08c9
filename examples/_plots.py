"""Shared helpers for the examples: matplotlib (Agg, no window), the output folder, a timer,
and the pictures several examples draw (loss and accuracy curves, a 2-D decision map).

matplotlib is an optional extra (`pip install -e ".[examples]"`); it is imported here only.
"""
from __future__ import annotations

import pathlib
import sys
import time
from typing import Any, Callable, Optional, Sequence

import numpy as np

try:
    import matplotlib

    matplotlib.use("Agg")  # files only: works without a display
    import matplotlib.pyplot as plt
    from matplotlib.colors import LinearSegmentedColormap
    from matplotlib.ticker import MaxNLocator
except ImportError:  # pragma: no cover - the examples extra installs it
    sys.exit('the examples need matplotlib: pip install -e ".[examples]" (or pip install '
             'matplotlib)')

# Two classes, everywhere: class 0 / -1 in blue, class 1 / +1 in orange.
BLUE, ORANGE, GREY = "#2563eb", "#ea580c", "#6b7280"
# Background of a decision map: pale blue below the threshold, white at it, pale orange above.
REGION_COLORS = LinearSegmentedColormap.from_list(
    "regions", ["#93c5fd", "#dbeafe", "#ffffff", "#ffedd5", "#fdba74"])

plt.rcParams.update({
    "figure.dpi": 110, "savefig.dpi": 110, "savefig.bbox": "tight", "font.size": 10,
    "axes.titlesize": 11, "axes.spines.top": False, "axes.spines.right": False,
    "axes.grid": True, "grid.alpha": 0.25, "legend.frameon": False,
})


def output_dir(path: str | pathlib.Path) -> pathlib.Path:
    """The folder for an example's pictures, created if needed."""
    out = pathlib.Path(path)
    out.mkdir(parents=True, exist_ok=True)
    return out


def save(fig: Any, path: pathlib.Path, tight: bool = True) -> pathlib.Path:
    """Write `fig` to `path`, close it, and say so. tight=False keeps the figure's own margins
    and saves one layout pass (twice as fast: for many small figures)."""
    fig.savefig(path, bbox_inches="tight" if tight else None)
    plt.close(fig)
    print(f"  wrote {path}")
    return path


class Timer:
    """Wall-clock seconds since construction: `f"{timer}"` reads like `1.23 s`."""

    def __init__(self) -> None:
        self.start = time.perf_counter()

    @property
    def seconds(self) -> float:
        """Seconds elapsed so far."""
        return time.perf_counter() - self.start

    def __format__(self, spec: str) -> str:
        return f"{self.seconds:.2f} s"


def loss_curve(ax: Any, losses: Sequence[float], *, log: bool = False, xlabel: str = "epoch",
               title: str = "training loss") -> None:
    """The loss per step or epoch on `ax` (log scale on request)."""
    ax.plot(np.arange(1, len(losses) + 1), losses, color=BLUE, lw=2)
    if log:
        ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("loss")
    ax.set_title(title)
    ax.set_xlim(1, max(len(losses), 2))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))


def accuracy_axis(ax: Any, curves: dict[str, Sequence[float]], bottom: float = 40.0) -> Any:
    """Accuracy curves (fractions, drawn in %) on a second y axis at the right of `ax`: the
    first solid, the others dashed; a legend when there are several. Returns that axis."""
    twin = ax.twinx()
    for (label, values), style in zip(curves.items(), ("-", "--", ":")):
        twin.plot(np.arange(1, len(values) + 1), 100 * np.asarray(values), color=ORANGE, lw=2,
                  ls=style, label=label)
    twin.set_ylabel("accuracy (%)", color=ORANGE)
    twin.set_ylim(bottom, 101.5)
    twin.grid(False)
    twin.spines["right"].set_visible(True)
    if len(curves) > 1:
        twin.legend(loc="center right")
    return twin


def grid_over(X: np.ndarray, margin: float = 0.5,
              steps: int = 200) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (steps, steps) mesh covering the 2-D points X plus a margin: (xx, yy, points)."""
    (x0, y0), (x1, y1) = X.min(axis=0) - margin, X.max(axis=0) + margin
    xx, yy = np.meshgrid(np.linspace(x0, x1, steps), np.linspace(y0, y1, steps))
    return xx, yy, np.column_stack([xx.ravel(), yy.ravel()])


def decision_map(ax: Any, score: Callable[[np.ndarray], np.ndarray], X: np.ndarray,
                 y: np.ndarray, *, threshold: float = 0.0, margins: Sequence[float] = (),
                 margin: float = 0.5, title: str = "decision boundary",
                 colorbar_label: Optional[str] = "score",
                 names: tuple[str, str] = ("class 0", "class 1"), size: float = 40) -> None:
    """Filled contours of `score` over the plane, the boundary score == threshold in black
    (dashed lines at threshold +- each of `margins`), and the points X coloured by their label
    y (two classes). No colour bar when colorbar_label is None."""
    xx, yy, points = grid_over(X, margin)
    zz = np.asarray(score(points), dtype=np.float64).reshape(xx.shape)
    # Colours saturate at the 90th percentile of |score|: far-away extremes would wash out
    # the region near the boundary, which is where the interest is.
    spread = max(float(np.percentile(np.abs(zz - threshold), 90)), 1e-9)
    low, high = threshold - spread, threshold + spread
    levels = np.linspace(low, high, 41)
    filled = ax.contourf(xx, yy, np.clip(zz, low, high), levels=levels, cmap=REGION_COLORS)
    ax.contour(xx, yy, zz, levels=[threshold], colors="#111827", linewidths=2)
    offsets = sorted({threshold + sign * m for m in margins for sign in (-1, 1)})
    if offsets:
        ax.contour(xx, yy, zz, levels=offsets, colors="#374151", linewidths=1,
                   linestyles="--")
    positive = y > (y.min() + y.max()) / 2
    for mask, color, name in ((~positive, BLUE, names[0]), (positive, ORANGE, names[1])):
        ax.scatter(X[mask, 0], X[mask, 1], c=color, s=size, edgecolors="#111827",
                   linewidths=0.7, label=name, zorder=3)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_aspect("equal")
    ax.grid(False)
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title)
    if colorbar_label is not None:
        bar = ax.figure.colorbar(filled, ax=ax, shrink=0.8, pad=0.02)
        bar.set_label(colorbar_label)
        ticks = MaxNLocator(nbins=6).tick_values(low, high)
        bar.set_ticks(ticks[(ticks >= low) & (ticks <= high)])
