"""S3: bytes per graph node of the S1 graph, each measurement in a fresh subprocess."""

from __future__ import annotations

import gc
import os
import tracemalloc
from typing import Any, Iterator

from bench import data, isolated, scalar
from bench.case import log
from bench.models import hinge_loss
from bench.systems import SYSTEMS
from bench.workloads import ALPHA

TARGET_BYTES = 200
GRAPH_SYSTEMS = ("micrograd", "autodiff")
NOT_MEASURED = {"floor": "no graph: floats and hand-written backward",
                "torch": "S1 is batched in torch (a few large tensors), so bytes per node means little",
                "compiled": "no graph: the generated code holds floats"}


def rss_bytes() -> int:
    """Resident set size of this process, from /proc/self/statm."""
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def attributes(obj: object) -> Iterator[object]:
    """Instance attribute values (from __dict__ and __slots__ along the MRO), except grad."""
    names = list(getattr(obj, "__dict__", {}))
    for klass in type(obj).__mro__:
        slots = klass.__dict__.get("__slots__", ())
        names += [slots] if isinstance(slots, str) else list(slots)
    for name in names:
        if name not in ("__dict__", "__weakref__", "grad"):
            yield getattr(obj, name, None)


def parents(node: object, kind: type, depth: int = 2) -> Iterator[object]:
    """Nodes of type `kind` a node refers to: directly, in containers, or inside an op record."""
    for value in attributes(node):
        if isinstance(value, kind):
            yield value
        elif isinstance(value, (tuple, list, set, frozenset)):
            yield from (item for item in value if isinstance(item, kind))
        elif depth > 1 and not isinstance(value, (int, float, str, bytes, type(None))) and not callable(value):
            yield from parents(value, kind, depth - 1)


def count_nodes(root: object) -> int:
    """Number of nodes reachable from root, found with an explicit stack."""
    kind, seen, stack = type(root), {id(root)}, [root]
    while stack:
        for parent in parents(stack.pop(), kind):
            if id(parent) not in seen:
                seen.add(id(parent))
                stack.append(parent)
    return len(seen)


def measure(system: str, mode: str, n_points: int) -> dict[str, Any]:
    """Build the S1 graph and backpropagate; memory by 'tracemalloc' or 'rss', per node."""
    points, labels = data.two_moons(n_points)
    model, params, _, inputs = scalar.mlp_parts(system, data.mlp_weights([2, 16, 16, 1]), points)
    ys = labels.tolist()
    gc.collect()
    if mode == "tracemalloc":
        tracemalloc.start()
        root = hinge_loss(model, params, inputs(), ys, ALPHA)
        root.backward()
        current, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
        nodes = count_nodes(root)
        return {"nodes": nodes, "current_per_node": current / nodes, "peak_per_node": peak / nodes}
    before = rss_bytes()
    root = hinge_loss(model, params, inputs(), ys, ALPHA)
    root.backward()
    after = rss_bytes()
    nodes = count_nodes(root)
    return {"nodes": nodes, "rss_per_node": (after - before) / nodes}


def measure_all(quick: bool) -> dict[str, Any]:
    """S3 for every system: tracemalloc and RSS, each in its own fresh process."""
    n_points = 30 if quick else 100
    log(f"[S3] bytes per node of the S1 graph on {n_points} points (fresh subprocess per system and method)")
    results: dict[str, Any] = {name: {"status": "n/a", "reason": why} for name, why in NOT_MEASURED.items()}
    for system in GRAPH_SYSTEMS:
        traced = isolated.call("bench.memory:measure", system, "tracemalloc", n_points)
        resident = isolated.call("bench.memory:measure", system, "rss", n_points)
        error = traced.get("error") or resident.get("error")
        if error:
            status = "n/a" if "import" in error or "Unavailable" in error else "failed"
            results[system] = {"status": status, "reason": error}
        else:
            results[system] = {"status": "ok", **traced, **resident}
        log(f"  {system:10s} {results[system]}")
    ours = results["autodiff"]
    met = ours["current_per_node"] <= TARGET_BYTES if ours["status"] == "ok" else None
    return {"name": "S3", "points": n_points, "target_bytes": TARGET_BYTES, "met": met,
            "systems": {name: results[name] for name in SYSTEMS}}
