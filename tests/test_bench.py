"""bench/ runs in --quick mode and every system that runs agrees with the hand-written floors.

No timing is asserted here: the numbers live in bench/results.md, made by `python -m bench`.
"""
import bench


def test_quick_bench_runs_and_agrees_with_the_floors() -> None:
    results = bench.run(quick=True, only="S1,S2,S4,T1,T2,T4", rounds=1)
    assert bench.problems(results) == []
    for record in results["workloads"]:
        assert record["systems"]["autodiff"]["status"] == "ok", record["name"]
