"""What a system hands the harness (a Case per workload), what a workload is, and progress.

These are the shared pieces every system file builds on; this module imports no other part
of bench, so the system files never depend on the harness that times them.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np


@dataclass
class Case:
    """One system set up for one workload: a step to time and its state to compare."""

    step: Callable[[], object]
    state: Callable[[], dict[str, Any]]


@dataclass
class Workload:
    """A timed workload: a Case maker per system, tolerances for agreement, target ratios (to
    the floor) for autodiff and for its compiled system."""

    name: str
    title: str
    makers: dict[str, Callable[[], Case]]
    rounds: int
    target: float | None = None
    compiled_target: float | None = None
    must_work: bool = False
    rtol: float = 1e-9
    atol: float = 1e-12
    notes: dict[str, str] = field(default_factory=dict)


def log(message: str) -> None:
    """Progress on stderr, so stdout stays clean for whoever calls us."""
    print(message, file=sys.stderr, flush=True)


def sgd_case(params: list[Any], loss_of: Callable[[], Any], update: Callable[[], None],
             to_numpy: Callable[[Any], np.ndarray]) -> Case:
    """One step: clear grads, loss, backward, update; state is loss, params and grads."""
    result: dict[str, float] = {}

    def step() -> None:
        for p in params:
            p.grad = None
        loss = loss_of()
        loss.backward()
        update()
        result["loss"] = float(loss.data)

    def state() -> dict[str, Any]:
        return {"loss": result["loss"], "params": [to_numpy(p.data) for p in params],
                "grads": [to_numpy(p.grad) for p in params]}

    return Case(step=step, state=state)
