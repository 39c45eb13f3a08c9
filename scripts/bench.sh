#!/usr/bin/env bash
# Set up (see setup.sh) with micrograd and PyTorch CPU, then run the benchmarks.
# Writes bench/results.json and bench/results.md. Pass --quick for a one-minute smoke run.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test,examples,bench
# PyTorch is optional: without it the torch column reads n/a.
.venv/bin/python -m pip install -q --disable-pip-version-check "torch==2.13.0" \
    || echo "bench: torch==2.13.0 could not be installed; its column will read n/a" >&2
exec .venv/bin/python -m bench "$@"
