"""Deterministic data and initial weights shared by every system in a workload."""

from __future__ import annotations

import numpy as np

SEED = 1337
Layers = list[tuple[np.ndarray, np.ndarray]]  # per layer: W of shape (n_in, n_out), b of shape (n_out,)


def two_moons(n: int = 100, noise: float = 0.1, seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles: points (n, 2) float64 and labels (n,) in {-1, +1}."""
    rng = np.random.default_rng(seed)
    n_top = n // 2
    angles = np.concatenate([np.linspace(0.0, np.pi, n_top), np.linspace(0.0, np.pi, n - n_top)])
    top = np.stack([np.cos(angles[:n_top]), np.sin(angles[:n_top])], axis=1)
    bottom = np.stack([1.0 - np.cos(angles[n_top:]), 0.5 - np.sin(angles[n_top:])], axis=1)
    points = np.concatenate([top, bottom]) + rng.normal(0.0, noise, size=(n, 2))
    labels = np.concatenate([np.ones(n_top), -np.ones(n - n_top)])
    order = rng.permutation(n)
    return points[order], labels[order]


def beans(n: int = 100, seed: int = SEED) -> tuple[list[float], list[float]]:
    """Beans: x in [0, 1), y = 1 if 0.7 x + noise + 0.5 > 0.8 (noise ~ N(0, 0.1)) else 0."""
    rng = np.random.default_rng(seed)
    x = rng.random(n)
    noise = rng.normal(0.0, 0.1, size=n)
    y = (0.7 * x + noise + 0.5 > 0.8).astype(np.float64)
    return x.tolist(), y.tolist()


def mlp_weights(sizes: list[int], dtype: type = np.float64, seed: int = SEED) -> Layers:
    """Layers (W of shape (n_in, n_out), b of shape (n_out,)), uniform in +-1/sqrt(n_in)."""
    rng = np.random.default_rng(seed)
    layers = []
    for n_in, n_out in zip(sizes[:-1], sizes[1:]):
        bound = 1.0 / np.sqrt(n_in)
        weight = rng.uniform(-bound, bound, size=(n_in, n_out)).astype(dtype)
        bias = rng.uniform(-bound, bound, size=n_out).astype(dtype)
        layers.append((weight, bias))
    return layers


def classification_batch(n: int, n_in: int, n_classes: int, dtype: type,
                         seed: int = SEED) -> tuple[np.ndarray, np.ndarray]:
    """A random batch: inputs (n, n_in) of the given dtype and integer labels (n,)."""
    rng = np.random.default_rng(seed + 1)
    inputs = rng.standard_normal((n, n_in)).astype(dtype)
    labels = rng.integers(0, n_classes, size=n)
    return inputs, labels

