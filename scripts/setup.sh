#!/usr/bin/env bash
# Set up a fresh machine for autodiff: a virtual environment with the package and its extras,
# and Debian's graphviz for the `dot` program that renders graph pictures.
# Usage: bash scripts/setup.sh [EXTRAS]   (default extras: test,examples)
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-test,examples}"

if ! command -v dot >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        echo "setup: installing Debian's graphviz (the dot program) ..."
        $sudo apt-get update -qq >/dev/null
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq graphviz >/dev/null
    else
        echo "setup: 'dot' not found and no apt-get; install graphviz to render pictures" >&2
    fi
fi

if [ ! -x .venv/bin/python ]; then
    echo "setup: creating .venv ..."
    python3 -m venv .venv
fi
echo "setup: installing autodiff[$extras] into .venv ..."
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$extras]"
