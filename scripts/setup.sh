#!/usr/bin/env bash
# Set up a fresh machine for autodiff: a virtual environment with the package and its extras,
# and Debian's graphviz for the `dot` program that renders graph pictures.
# Usage: bash scripts/setup.sh [EXTRAS]   (default extras: test,examples)
# Installs only what changed: extras already installed, with pyproject.toml unchanged since,
# are not installed again (the package is installed editable, so edits to the code need none).
set -euo pipefail
cd "$(dirname "$0")/.."
extras="${1:-test,examples}"

# apt_install PACKAGE WHY: install a Debian package (apt-get's package lists are read once).
apt_updated=""
apt_install() {
    local sudo=""
    [ "$(id -u)" -eq 0 ] || sudo="sudo"
    echo "setup: installing Debian's $1 ($2) ..."
    [ -n "$apt_updated" ] || $sudo apt-get update -qq >/dev/null
    apt_updated=1
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "$1" >/dev/null
}

if ! command -v dot >/dev/null 2>&1; then
    if command -v apt-get >/dev/null 2>&1; then
        apt_install graphviz "the dot program that renders graph pictures"
    else
        echo "setup: 'dot' not found and no apt-get; install graphviz to render pictures" >&2
    fi
fi

# A venv without pip is what a failed `python3 -m venv` leaves behind: make it again.
if [ ! -x .venv/bin/pip ]; then
    echo "setup: creating .venv ..."
    rm -rf .venv
    if ! made=$(python3 -m venv .venv 2>&1); then
        # Debian's own python3 has no ensurepip until its python3-venv package is installed.
        if [[ "$made" != *"ensurepip is not"* ]] || ! command -v apt-get >/dev/null; then
            echo "$made" >&2
            exit 1
        fi
        rm -rf .venv
        apt_install python3-venv "python3 -m venv needs its ensurepip"
        python3 -m venv .venv
    fi
fi

# The stamp holds pyproject.toml's hash, then the extras installed with it.
stamp=.venv/autodiff-setup.stamp
hash=$(sha256sum pyproject.toml | cut -d" " -f1)
installed=""
if [ -f "$stamp" ] && [ "$(sed -n 1p "$stamp")" = "$hash" ]; then
    installed=$(sed -n 2p "$stamp")
fi
missing=0
for extra in ${extras//,/ }; do
    if [[ ",$installed," != *",$extra,"* ]]; then
        installed="${installed:+$installed,}$extra"
        missing=1
    fi
done
if [ "$missing" -eq 0 ]; then
    echo "setup: autodiff[$installed] is installed and pyproject.toml is unchanged"
    exit 0
fi
echo "setup: installing autodiff[$installed] into .venv ..."
.venv/bin/python -m pip install -q --disable-pip-version-check -e ".[$installed]"
printf '%s\n%s\n' "$hash" "$installed" > "$stamp"
