"""Machine description and the two outputs: results.json and a Markdown table."""

from __future__ import annotations

import datetime
import json
import os
import platform
from pathlib import Path
from typing import Any

from bench.systems import COMPILED, SYSTEMS, versions
from bench.threads import NUMPY_PRELOADED, THREADS

HERE = Path(__file__).resolve().parent
METHOD = ("one process; systems interleaved round by round (order rotated each round) after a warm-up; "
          "time = median over rounds of the mean step time in that round; ratio = median over rounds of "
          "(system time / floor time in the same round); gc stays enabled, but what exists before timing "
          "(every system's imports, the models) is gc.freeze()d so it does not inflate collections, and "
          "gc.collect() runs before each timing")


def cpu_model() -> str:
    """The CPU model name from /proc/cpuinfo (or platform's guess elsewhere)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def load_average() -> float | None:
    """1-minute load average: above ~0.5 here, something else competes for the cores."""
    try:
        return round(os.getloadavg()[0], 2)
    except OSError:
        return None


def machine(quick: bool) -> dict[str, Any]:
    """Date, hardware, versions and the fixed thread settings of this run."""
    import numpy

    found = versions()
    names = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "OMP_WAIT_POLICY")
    threads = {name: os.environ.get(name) for name in names}
    if not found["torch"].startswith("n/a"):
        import torch
        threads["torch.get_num_threads()"] = str(torch.get_num_threads())
    return {"date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
            "mode": "quick" if quick else "full", "cpu": cpu_model(), "cores": os.cpu_count(),
            "python": platform.python_version(), "numpy": numpy.__version__, "systems": found,
            "threads": threads, "threads_fixed_before_numpy": not NUMPY_PRELOADED, "thread_count": THREADS,
            "method": METHOD, "load_average_at_start": load_average()}


def seconds(value: float) -> str:
    """A duration with a readable unit and three significant digits."""
    for unit, scale in (("s", 1.0), ("ms", 1e-3), ("µs", 1e-6)):
        if value >= scale or unit == "µs":
            return f"{value / scale:.3g} {unit}"
    return str(value)


def cell(entry: dict[str, Any]) -> str:
    """One system's table cell: time and ratio, or the short reason it has none."""
    if entry["status"] == "ok":
        ratio = f" ({entry['ratio']:.3g}x)" if "ratio" in entry else ""
        return seconds(entry["median_s"]) + ratio
    if entry["status"] == "failed":
        return "failed: " + entry["reason"].split(":")[0].split(" ")[0]
    return "n/a"


def describe(entry: dict[str, Any]) -> str:
    """A short human-readable summary of one system's entry."""
    if entry["status"] != "ok":
        return f"{entry['status']}: {entry['reason']}"
    ratio = f"  ({entry['ratio']:.2f}x floor)" if "ratio" in entry else ""
    return f"{entry['median_s'] * 1e3:.3f} ms{ratio}"


def verdict(met: bool | None) -> str:
    """met / not met / n/a."""
    return "n/a" if met is None else ("met" if met else "**not met**")


def target_text(target: float | None, must_work: bool) -> str:
    """A target as written next to the row."""
    parts = [f"<= {target:g}x"] if target is not None else []
    return ", ".join(parts + (["must work"] if must_work else []))


def first_call(entry: dict[str, Any]) -> str:
    """How long a system's first call took (for the compiled system: tracing and compiling)."""
    return seconds(entry["first_call_s"]) if "first_call_s" in entry else "n/a"


def header(meta: dict[str, Any]) -> list[str]:
    """Date, machine, versions, threads, method and load."""
    threads = ", ".join(f"{key}={value}" for key, value in meta["threads"].items())
    if not meta["threads_fixed_before_numpy"]:
        threads += " (numpy was imported before bench: its BLAS pool may differ)"
    loads = [meta["load_average_at_start"], meta.get("load_average_at_end")]
    busy = max(load or 0.0 for load in loads) > 0.5
    return ["# autodiff benchmarks", "",
            f"- date: {meta['date']}; mode: {meta['mode']}; run time: {meta.get('duration_s', '?')} s",
            f"- machine: {meta['cpu']}, {meta['cores']} cores; Python {meta['python']}, numpy {meta['numpy']}",
            "- systems: " + "; ".join(f"{name} {meta['systems'][name]}" for name in SYSTEMS),
            f"- threads: {threads}",
            f"- method: {meta['method']}",
            f"- load average (1 min) at start / end: {loads[0]} / {loads[1]}"
            + (" (other work was running: absolute times are noisy, ratios less so)" if busy else ""), ""]


def time_table(records: list[dict[str, Any]]) -> list[str]:
    """One row per timed workload: each system's median time (ratio to floor), the compiled
    system's first call, and autodiff's and the compiled system's targets and verdicts."""
    lines = ["| workload | " + " | ".join(SYSTEMS) + " | compiled: first call | target: autodiff | met "
             "| target: compiled | met |", "|---" * (len(SYSTEMS) + 6) + "|"]
    for record in records:
        cells = [record["name"], *(cell(record["systems"][name]) for name in SYSTEMS),
                 first_call(record["systems"][COMPILED]),
                 target_text(record["target"], record["must_work"]), verdict(record["met"]),
                 target_text(record.get("compiled_target"), False), verdict(record.get("compiled_met"))]
        lines.append("| " + " | ".join(cells) + " |")
    return lines


def memory_table(memory: dict[str, Any]) -> list[str]:
    """S3: nodes and bytes per node by tracemalloc (retained, peak) and RSS, per system."""
    lines = ["", f"## S3: bytes per node of the S1 graph on {memory['points']} points", "",
             f"Target: autodiff <= {memory['target_bytes']} B/node retained (tracemalloc): {verdict(memory['met'])}",
             "", "| system | nodes | tracemalloc retained B/node | tracemalloc peak B/node | RSS delta B/node |",
             "|---|---|---|---|---|"]
    for name, entry in memory["systems"].items():
        if entry["status"] == "ok":
            numbers = [entry[key] for key in ("current_per_node", "peak_per_node", "rss_per_node")]
            lines.append(f"| {name} | {entry['nodes']} | " + " | ".join(f"{n:.0f}" for n in numbers) + " |")
        else:
            lines.append(f"| {name} | {entry['status']}: {entry['reason']} | | | |")
    return lines


def notes(records: list[dict[str, Any]]) -> list[str]:
    """What each workload does, how each system runs it, and every reason for n/a or failure."""
    lines = ["", "## Workloads and notes", ""]
    for record in records:
        said = "; ".join(f"{name}: {text}" for name, text in record["notes"].items())
        lines.append(f"- **{record['name']}**: {record['title']}" + (f". {said}" if said else ""))
        for name, entry in record["systems"].items():
            if entry["status"] != "ok" and entry["reason"] != "not part of this workload":
                lines.append(f"  - {name} {entry['status']}: {entry['reason']}")
    return lines


def markdown(results: dict[str, Any]) -> str:
    """The whole Markdown report."""
    memory = memory_table(results["memory"]) if results.get("memory") else []
    lines = header(results["meta"]) + time_table(results["workloads"]) + memory + notes(results["workloads"])
    return "\n".join(lines) + "\n"


def write(results: dict[str, Any], directory: Path = HERE) -> tuple[Path, Path]:
    """Write results.json and results.md into directory; return their paths."""
    directory.mkdir(parents=True, exist_ok=True)
    json_path, md_path = directory / "results.json", directory / "results.md"
    json_path.write_text(json.dumps(results, indent=2) + "\n")
    md_path.write_text(markdown(results))
    return json_path, md_path


def problems(results: dict[str, Any]) -> list[str]:
    """Every failure in a run's results except the expected one (micrograd's RecursionError)."""
    found = []
    for record in results["workloads"] + ([results["memory"]] if results["memory"] else []):
        for system, entry in record["systems"].items():
            if entry["status"] != "failed":
                continue
            if system == "micrograd" and entry["reason"].startswith("RecursionError"):
                continue
            found.append(f"{record['name']} {system}: {entry['reason']}")
    return found
