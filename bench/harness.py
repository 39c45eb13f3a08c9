"""Check each system against the floor, then time all of them interleaved round by round."""

from __future__ import annotations

import gc
import time
from statistics import median
from typing import Any, Callable

import numpy as np

from bench import memory, report, workloads
from bench.case import Case, Workload, log
from bench.systems import AUTODIFF, COMPILED, FLOOR, SYSTEMS, Unavailable


def as_vector(value: Any) -> np.ndarray:
    """A number, an array or a list of arrays (parameters) as one float64 array."""
    if isinstance(value, (list, tuple)):
        return np.concatenate([np.asarray(part, dtype=np.float64).ravel() for part in value])
    return np.asarray(value, dtype=np.float64)


def disagreement(state: dict[str, Any], reference: dict[str, Any], rtol: float, atol: float) -> str | None:
    """None if every entry of state matches the floor's reference, else which one is off."""
    for key, expected in reference.items():
        if key not in state:
            return f"no '{key}' in result"
        got, want = as_vector(state[key]), as_vector(expected)
        if got.shape != want.shape:
            return f"'{key}' has shape {got.shape}, floor has {want.shape}"
        if not np.allclose(got, want, rtol=rtol, atol=atol):
            worst = float(np.max(np.abs(got - want) / (atol + rtol * np.abs(want))))
            return f"'{key}' differs from floor (max error {worst:.3g}x the tolerance)"
    return None


def prepare(workload: Workload) -> tuple[dict[str, Case], dict[str, dict], dict[str, float]]:
    """Make each system's case, run one step and compare it with the floor's result."""
    cases: dict[str, Case] = {}
    entries: dict[str, dict] = {}
    first_call: dict[str, float] = {}
    reference = None
    for system in SYSTEMS:
        if system not in workload.makers:
            entries[system] = {"status": "n/a", "reason": "not part of this workload"}
            continue
        if system != FLOOR and reference is None:
            entries[system] = {"status": "n/a", "reason": "floor failed, nothing to check against"}
            continue
        try:
            case = workload.makers[system]()
            start = time.perf_counter()
            case.step()
            first_call[system] = time.perf_counter() - start
            state = case.state()
        except Unavailable as reason:
            entries[system] = {"status": "n/a", "reason": str(reason)}
            continue
        except Exception as error:  # a failing system is a result, not a crash
            entries[system] = {"status": "failed", "reason": f"{type(error).__name__}: {error}"}
            continue
        if system == FLOOR:
            reference = state
        else:
            problem = disagreement(state, reference, workload.rtol, workload.atol)
            if problem:
                entries[system] = {"status": "failed", "reason": f"disagrees with floor: {problem}"}
                continue
        cases[system] = case
    return cases, entries, first_call


def repetitions(step: Callable[[], object], first_call: float, warmup: float, min_time: float) -> int:
    """Warm a step up for about `warmup` seconds; return how many calls make one timing."""
    fastest, spent = first_call, first_call
    while spent < warmup:
        start = time.perf_counter()
        step()
        took = time.perf_counter() - start
        fastest, spent = min(fastest, took), spent + took
    return max(1, round(min_time / max(fastest, 1e-9)))


def interleave(cases: dict[str, Case], first_call: dict[str, float], rounds: int, quick: bool) -> dict[str, Any]:
    """Seconds per step for each system and round; the order rotates every round."""
    warmup, min_time = (0.05, 0.02) if quick else (0.5, 0.1)
    reps = {name: repetitions(case.step, first_call[name], warmup, min_time) for name, case in cases.items()}
    times: dict[str, list[float]] = {name: [] for name in cases}
    errors: dict[str, str] = {}
    names = list(cases)
    for round_index in range(rounds):
        shift = round_index % len(names)
        for name in names[shift:] + names[:shift]:
            if name in errors:
                continue
            gc.collect()  # garbage of the previous system is not charged to this one
            start = time.perf_counter()
            try:
                for _ in range(reps[name]):
                    cases[name].step()
            except Exception as error:
                errors[name] = f"{type(error).__name__} while timing: {error}"
                continue
            times[name].append((time.perf_counter() - start) / reps[name])
    return {"times": times, "reps": reps, "errors": errors}


def time_workload(workload: Workload, quick: bool, rounds: int | None = None) -> dict[str, Any]:
    """The full record of one workload: per system status, median time and ratio to floor."""
    log(f"[{workload.name}] {workload.title}")
    start = time.perf_counter()
    cases, entries, first_call = prepare(workload)
    # Freeze what exists now (imported modules, models): collections during timing then cost
    # what they would in a process running one system, not one that imported all of them.
    gc.collect()
    gc.freeze()
    try:
        timed = interleave(cases, first_call, rounds or workload.rounds, quick) if cases else None
    finally:
        gc.unfreeze()
    floor_times = timed["times"].get(FLOOR) if timed else None
    for name in cases:
        if name in timed["errors"]:
            entries[name] = {"status": "failed", "reason": timed["errors"][name]}
            continue
        times = timed["times"][name]
        entry = {"status": "ok", "median_s": median(times), "times_s": times, "reps": timed["reps"][name],
                 "first_call_s": first_call[name]}
        if floor_times and FLOOR not in timed["errors"]:
            ratios = [mine / floor for mine, floor in zip(times, floor_times)]
            entry.update(ratio=median(ratios), ratios=ratios)
        entries[name] = entry
    for name in SYSTEMS:
        log(f"  {name:10s} {report.describe(entries[name])}")
    log(f"  ({time.perf_counter() - start:.1f} s)")
    record = {"name": workload.name, "title": workload.title, "target": workload.target,
              "compiled_target": workload.compiled_target, "must_work": workload.must_work,
              "notes": workload.notes, "systems": {name: entries[name] for name in SYSTEMS}}
    record["met"] = target_met(record["systems"][AUTODIFF], workload.target, workload.must_work)
    record["compiled_met"] = target_met(record["systems"][COMPILED], workload.compiled_target, False)
    return record


def target_met(ours: dict[str, Any], target: float | None, must_work: bool) -> bool | None:
    """Whether a system's entry meets a target ratio; None when there is no target or no result."""
    if must_work and ours["status"] == "failed":
        return False
    if ours["status"] != "ok":
        return None
    if target is None:
        return True if must_work else None
    return "ratio" in ours and ours["ratio"] <= target


def run(quick: bool = True, only: str | list[str] | None = None, rounds: int | None = None) -> dict[str, Any]:
    """Run the selected workloads (all by default) and return the results as a dict."""
    wanted = only.split(",") if isinstance(only, str) else only
    selected = [name.strip().upper() for name in wanted] if wanted else None
    chosen = [w for w in workloads.all_workloads(quick) if workloads.selected(w.name, selected)]
    unknown = [name for name in selected or [] if name != "S3" and not any(
        workloads.selected(w.name, [name]) for w in chosen)]
    if unknown:
        raise ValueError(f"unknown workload(s) {', '.join(unknown)}; known: S1, S2, S3, S4, T1, T2, T3, T4")
    start = time.perf_counter()
    results: dict[str, Any] = {"meta": report.machine(quick), "workloads": [], "memory": None}
    for workload in chosen:
        results["workloads"].append(time_workload(workload, quick, rounds))
    if workloads.selected("S3", selected):
        results["memory"] = memory.measure_all(quick)
    results["meta"]["duration_s"] = round(time.perf_counter() - start, 1)
    results["meta"]["load_average_at_end"] = report.load_average()
    return results

