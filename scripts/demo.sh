#!/usr/bin/env bash
# Set up (see setup.sh) and run the main demo: micrograd's two-moons MLP, trained by autodiff,
# then the drawn computation graphs. Pictures go to out/.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test,examples
.venv/bin/python examples/moons.py --out out/moons
.venv/bin/python examples/graph.py --out out/graph
echo "demo: pictures written to out/moons and out/graph"
