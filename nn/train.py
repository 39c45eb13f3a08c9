"""The training loop every example would otherwise write: `fit`, its `History`, `accuracy`.

Before the first epoch, `fit` runs the model, the loss and the metric once on the first rows of
X, recording no graph, so that a mismatch (outputs of shape (n, 1) against targets of shape
(n,), the most common) is reported before any training, with the fix.

Progress: a tqdm bar when tqdm is installed, else one plain line rewritten in place on stderr,
and nothing at all with progress=False. tqdm, and matplotlib for `History.plot`, are imported
only when asked for.
"""
from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from autodiff import Tensor, no_grad

from .data import batches
from .seeding import Seed, rng_from
from .module import Module
from .optim import Optimizer


TRIAL_ROWS = 8  # rows of X the model, loss and metric are tried on before training


@dataclass(repr=False)
class History:
    """Per-epoch records of a `fit`: mean loss, and the metric when one was given."""

    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)

    def __repr__(self) -> str:
        """A summary: History(100 epochs: loss 0.693 -> 0.0121 (lowest 0.012 at epoch 97))."""
        if not self.loss:
            return "History(no epochs)"
        lowest = int(np.argmin(self.loss))
        text = (f"History({len(self.loss)} epochs: loss {self.loss[0]:.4g} -> "
                f"{self.loss[-1]:.4g} (lowest {self.loss[lowest]:.4g} at epoch {lowest + 1})")
        if self.metric:
            text += f", metric {self.metric[0]:.4g} -> {self.metric[-1]:.4g}"
        return text + ")"

    def plot(self, ax: Any = None, *, log: bool = False, metric_label: str = "metric") -> Any:
        """Draw the loss per epoch (log scale if asked) and the metric, if any, on a second
        y axis at the right, with matplotlib; on ax, else on a new figure. Returns the axes."""
        try:
            import matplotlib.pyplot as plt  # optional: the examples extra
        except ImportError:
            raise ImportError("History.plot needs matplotlib: pip install matplotlib") from None
        if ax is None:
            _, ax = plt.subplots(figsize=(6.0, 3.5))
        epochs = np.arange(1, len(self.loss) + 1)
        ax.plot(epochs, self.loss, color="C0", label="loss")
        ax.set_xlabel("epoch")
        ax.set_ylabel("loss", color="C0")
        if log:
            ax.set_yscale("log")
        if self.metric:
            twin = ax.twinx()
            twin.plot(epochs, self.metric, color="C1", label=metric_label)
            twin.set_ylabel(metric_label, color="C1")
        return ax


def accuracy(pred_labels: Any, labels: Any) -> float:
    """The fraction of predicted labels equal to the true labels (same shapes required)."""
    pred, true = np.asarray(pred_labels), np.asarray(labels)
    if pred.shape != true.shape:  # (n, 1) == (n,) would broadcast to (n, n)
        raise ValueError(f"accuracy: predictions have shape {pred.shape} but labels have "
                         f"shape {true.shape}; they must match")
    return float(np.mean(pred == true)) if pred.size else float("nan")


def fit(model: Module, loss_fn: Callable[[Tensor, np.ndarray], Tensor], X: Any, y: Any,
        optimizer: Optimizer, epochs: int = 100, batch_size: Optional[int] = None,
        shuffle: bool = True, rng: Seed = None, progress: bool = True,
        metric: Optional[Callable[[Tensor, np.ndarray], float]] = None) -> History:
    """Train model by minimising loss_fn(model(X_batch), y_batch) with optimizer for epochs.

    batch_size None is full batch. An epoch's loss (and metric(output, y_batch)) is the mean
    over its batches, weighted by batch size, each taken before that batch's update.
    """
    X, y = np.asarray(X), np.asarray(y)
    if len(X) == 0:
        raise ValueError("fit: X is empty")
    if len(X) != len(y):
        raise ValueError(f"fit: X has {len(X)} rows but y has {len(y)}")
    _try_first_rows(model, loss_fn, metric, X, y)
    rng = rng_from(rng)
    history = History()
    bar = _progress_bar(epochs) if progress else None
    try:
        for _ in range(epochs):
            loss_sum = metric_sum = 0.0
            for X_batch, y_batch in batches(X, y, batch_size or len(X), shuffle, rng):
                optimizer.zero_grad()
                out = model(X_batch)
                loss = loss_fn(out, y_batch)
                loss.backward()
                optimizer.step()
                loss_sum += loss.item() * len(X_batch)
                if metric is not None:
                    metric_sum += metric(out, y_batch) * len(X_batch)
            history.loss.append(loss_sum / len(X))
            if metric is not None:
                history.metric.append(metric_sum / len(X))
            if bar is not None:
                bar.update(history)
    finally:
        if bar is not None:
            bar.close()
    return history


def _try_first_rows(model: Module, loss_fn: Callable[[Tensor, np.ndarray], Tensor],
                    metric: Optional[Callable[[Tensor, np.ndarray], float]], X: np.ndarray,
                    y: np.ndarray) -> None:
    """Run model, loss_fn and metric on the first rows of X and y, recording no graph: the
    error a mismatch will raise, raised now, before any training."""
    X_rows, y_rows = X[:TRIAL_ROWS], y[:TRIAL_ROWS]
    with no_grad():
        out = model(X_rows)
        loss = _tried("loss_fn", loss_fn, out, y_rows, len(X), loss_fn)
        if metric is not None:
            _tried("metric", metric, out, y_rows, len(X), loss_fn)
    if not isinstance(loss, Tensor):
        raise TypeError(f"fit: loss_fn must return a Tensor, got a {type(loss).__name__}")
    if loss.size != 1:
        raise ValueError(f"fit: loss_fn must return one number, got shape {loss.shape}; use "
                         f"reduction='mean' (the default) or 'sum'")


def _tried(name: str, function: Callable[[Tensor, np.ndarray], Any], out: Tensor,
           y_rows: np.ndarray, rows: int, loss_fn: Callable[..., Any]) -> Any:
    """function(out, y_rows); its ValueError, when out's and y's shapes differ, replaced by
    one that names both (for all `rows` rows) and says how to make them agree."""
    try:
        return function(out, y_rows)
    except ValueError as error:
        shape = getattr(out, "shape", y_rows.shape)
        if shape == y_rows.shape:
            raise
        raise ValueError(_mismatch(name, loss_fn, (rows, *shape[1:]),
                                   (rows, *y_rows.shape[1:]))) from error


def _mismatch(refuser: str, loss_fn: Callable[..., Any], out: tuple[int, ...],
              y: tuple[int, ...]) -> str:
    """Why refuser failed when the model's outputs (shape out) and targets (shape y) differ,
    and the fix."""
    text = f"fit: {refuser} refuses the model's output of shape {out} with y of shape {y}"
    if math.prod(out) != math.prod(y):
        return text
    fix = "y.reshape(-1)" if len(out) == 1 else f"y.reshape(-1, {', '.join(map(str, out[1:]))})"
    text += f". Give y the output's shape: {fix}"
    if out == (*y, 1):
        name = getattr(loss_fn, "__name__", "")
        loss = f"nn.{name}" if getattr(loss_fn, "__module__", "") == "nn.losses" else "loss"
        text += (f", or compare an output of shape {y}: "
                 f"loss_fn=lambda out, t: {loss}(out[:, 0], t)")
    return text


def _summary(history: History) -> str:
    text = f"loss {history.loss[-1]:.4g}"
    return text + (f", metric {history.metric[-1]:.4g}" if history.metric else "")


class _TqdmBar:
    """A tqdm bar over epochs with the latest loss (and metric) as its postfix."""

    def __init__(self, bar: Any) -> None:
        self.bar = bar

    def update(self, history: History) -> None:
        self.bar.set_postfix_str(_summary(history), refresh=False)
        self.bar.update(1)

    def close(self) -> None:
        self.bar.close()


class _PlainBar:
    """One line on stderr, rewritten at most ten times a second (and at the last epoch)."""

    def __init__(self, epochs: int) -> None:
        self.epochs = epochs
        self.shown_at = -1.0

    def update(self, history: History) -> None:
        epoch, now = len(history.loss), time.monotonic()
        if epoch == self.epochs or now - self.shown_at >= 0.1:
            self.shown_at = now
            sys.stderr.write(f"\rfit: epoch {epoch}/{self.epochs}, {_summary(history)}")
            sys.stderr.flush()

    def close(self) -> None:
        if self.shown_at >= 0:
            sys.stderr.write("\n")
            sys.stderr.flush()


def _progress_bar(epochs: int) -> Any:
    """A tqdm bar if tqdm can be imported, else the plain one-line fallback."""
    try:
        from tqdm import tqdm  # optional: the examples extra
    except ImportError:
        return _PlainBar(epochs)
    return _TqdmBar(tqdm(total=epochs, desc="fit", unit="epoch"))
