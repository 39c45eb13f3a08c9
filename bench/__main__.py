"""Command line: python -m bench [--quick] [--only S1,T2] [--rounds N] [--out DIR]."""

from __future__ import annotations

import argparse
from pathlib import Path

from bench import report
from bench.case import log
from bench.harness import run


def main(argv: list[str] | None = None) -> None:
    """Run the benchmarks, write results.json and results.md, print the table."""
    parser = argparse.ArgumentParser(
        prog="python -m bench", description="Time autodiff against micrograd, PyTorch and hand-written floors.")
    parser.add_argument("--quick", action="store_true", help="few rounds, smaller sizes (smoke test)")
    parser.add_argument("--only", help="comma-separated workloads, e.g. S1,T2 (S2 selects every S2-*)")
    parser.add_argument("--rounds", type=int, help="rounds per workload instead of the defaults")
    parser.add_argument("--out", type=Path, default=report.HERE, help="directory for results.json/.md")
    args = parser.parse_args(argv)
    try:
        results = run(quick=args.quick, only=args.only, rounds=args.rounds)
    except ValueError as error:
        parser.error(str(error))
    json_path, md_path = report.write(results, args.out)
    print(report.markdown(results))
    log(f"wrote {json_path} and {md_path} in {results['meta']['duration_s']} s")


if __name__ == "__main__":
    main()
