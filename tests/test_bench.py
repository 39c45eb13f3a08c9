"""bench/ runs in --quick mode and every system that runs agrees with the hand-written floors;
its modules import each other in layers, without circles.

No timing is asserted here: the numbers live in bench/results.md, made by `python -m bench`.
"""
import ast
from pathlib import Path

import bench

BENCH = Path(bench.__file__).resolve().parent
SHARED = {"threads", "data", "case", "isolated", "systems", "models"}
SYSTEM_FILES = {"scalar", "scalar_floor", "tensor", "tensor_floor", "pytorch", "compiled"}


def bench_imports() -> dict[str, set[str]]:
    """For each bench module (the package's __init__ and __main__ aside), the bench modules
    it imports, read from its source."""
    found: dict[str, set[str]] = {}
    for path in BENCH.glob("*.py"):
        if path.stem.startswith("__"):
            continue
        names: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module == "bench":
                names.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and (node.module or "").startswith("bench."):
                names.add(node.module.split(".")[1])
            elif isinstance(node, ast.Import):
                names.update(a.name.split(".")[1] for a in node.names if a.name.startswith("bench."))
        found[path.stem] = names
    return found


def test_bench_modules_import_each_other_without_circles() -> None:
    graph = bench_imports()
    state: dict[str, str] = {}
    for start in graph:  # depth-first with an explicit stack; "open" on the stack = a circle
        stack = [(start, iter(sorted(graph[start])))]
        state.setdefault(start, "open")
        while stack:
            name, pending = stack[-1]
            following = next(pending, None)
            if following is None:
                state[name] = "done"
                stack.pop()
                continue
            assert state.get(following) != "open", f"import circle through {name} -> {following}"
            if following not in state:
                state[following] = "open"
                stack.append((following, iter(sorted(graph.get(following, ())))))


def test_system_files_import_only_the_shared_pieces() -> None:
    graph = bench_imports()
    assert SYSTEM_FILES <= set(graph)
    for name in SYSTEM_FILES:
        assert graph[name] <= SHARED, (name, graph[name] - SHARED)
    for name in SHARED:
        assert graph[name] <= SHARED, (name, graph[name] - SHARED)


def test_quick_bench_runs_and_agrees_with_the_floors() -> None:
    results = bench.run(quick=True, only="S1,S2,S4,T1,T2,T4", rounds=1)
    assert bench.problems(results) == []
    for record in results["workloads"]:
        assert record["systems"]["autodiff"]["status"] == "ok", record["name"]
