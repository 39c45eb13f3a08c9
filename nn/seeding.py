"""Seeds: every random choice in nn takes an int seed or a numpy Generator, never global state."""
from __future__ import annotations

from typing import Union

import numpy as np

Seed = Union[int, np.random.Generator, None]


def rng_from(seed: Seed) -> np.random.Generator:
    """A numpy Generator from an int seed, an existing Generator, or None (seed 0)."""
    if isinstance(seed, np.random.Generator):
        return seed
    return np.random.default_rng(0 if seed is None else seed)
