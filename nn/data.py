"""Small built-in datasets (beans, logic gates, two moons, spirals) and mini-batching.

Every generator is deterministic: it takes a seed or a `numpy.random.Generator`.
"""
from __future__ import annotations

from typing import Iterator, Optional

import numpy as np

from .seeding import Seed, rng_from


def beans(n: int = 100, seed: Seed = 0, noise: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Bean sizes x in [0, 1) and labels y: toxic (1) when 0.7 x + noise + 0.5 > 0.8.

    The noise is Gaussian with standard deviation `noise`. Returns x of shape (n,), y of (n,).
    """
    rng = rng_from(seed)
    x = rng.random(n)
    y = (0.7 * x + rng.normal(0.0, noise, n) + 0.5 > 0.8).astype(np.float64)
    return x, y


def and_gate() -> tuple[np.ndarray, np.ndarray]:
    """The AND truth table: X of shape (4, 2), y of shape (4,)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0.0, 0.0, 0.0, 1.0])


def xor() -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table: X of shape (4, 2), y of shape (4,)."""
    X = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    return X, np.array([0.0, 1.0, 1.0, 0.0])


def moons(n: int = 100, noise: float = 0.1, seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles (scikit-learn's make_moons): X (n, 2), y (n,) in {0, 1}."""
    rng = rng_from(seed)
    n_upper = n // 2
    n_lower = n - n_upper
    t_upper = np.linspace(0.0, np.pi, n_upper)
    t_lower = np.linspace(0.0, np.pi, n_lower)
    upper = np.stack([np.cos(t_upper), np.sin(t_upper)], axis=1)
    lower = np.stack([1.0 - np.cos(t_lower), 0.5 - np.sin(t_lower)], axis=1)
    X = np.concatenate([upper, lower]) + rng.normal(0.0, noise, (n, 2))
    y = np.concatenate([np.zeros(n_upper), np.ones(n_lower)])
    order = rng.permutation(n)
    return X[order], y[order]


def spiral(n_per_class: int = 100, classes: int = 3, noise: float = 0.2,
           seed: Seed = 0) -> tuple[np.ndarray, np.ndarray]:
    """Interleaved spiral arms (CS231n's toy data): X (n, 2), integer labels y (n,)."""
    rng = rng_from(seed)
    X = np.empty((n_per_class * classes, 2))
    y = np.empty(n_per_class * classes, dtype=np.int64)
    for k in range(classes):
        rows = slice(k * n_per_class, (k + 1) * n_per_class)
        radius = np.linspace(0.0, 1.0, n_per_class)
        theta = (np.linspace(k * 4.0, (k + 1) * 4.0, n_per_class)
                 + rng.normal(0.0, noise, n_per_class))
        X[rows] = np.stack([radius * np.sin(theta), radius * np.cos(theta)], axis=1)
        y[rows] = k
    return X, y


def batches(X: np.ndarray, y: np.ndarray, batch_size: int = 32, shuffle: bool = True,
            rng: Seed = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield (X_batch, y_batch) pairs covering the data once; the last batch may be smaller."""
    if len(X) != len(y):
        raise ValueError(f"batches: X has {len(X)} rows but y has {len(y)}")
    if batch_size < 1:
        raise ValueError(f"batches: batch_size must be >= 1, got {batch_size}")
    order = rng_from(rng).permutation(len(X)) if shuffle else np.arange(len(X))
    for start in range(0, len(X), batch_size):
        rows = order[start:start + batch_size]
        yield X[rows], y[rows]


def one_hot(labels: np.ndarray, classes: Optional[int] = None) -> np.ndarray:
    """Integer labels of shape (n,) as a float64 one-hot matrix of shape (n, classes)."""
    labels = np.asarray(labels, dtype=np.int64)
    classes = int(labels.max()) + 1 if classes is None else classes
    out = np.zeros((labels.size, classes))
    out[np.arange(labels.size), labels] = 1.0
    return out
