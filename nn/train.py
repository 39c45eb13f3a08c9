"""The training loop every example would otherwise write: `fit`, its `History`, `accuracy`.

Progress: a tqdm bar when tqdm is installed, else one plain line rewritten in place on stderr,
and nothing at all with progress=False. tqdm is imported only when a bar is asked for.
"""
from __future__ import annotations

import sys
import time
from dataclasses import dataclass, field
from typing import Any, Callable, Optional

import numpy as np

from autodiff import Tensor

from .data import batches
from .seeding import Seed, rng_from
from .module import Module
from .optim import Optimizer


@dataclass
class History:
    """Per-epoch records of a `fit`: mean loss, and the metric when one was given."""

    loss: list[float] = field(default_factory=list)
    metric: list[float] = field(default_factory=list)


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
