"""Run one bench function in a fresh Python process and get its JSON result back."""

from __future__ import annotations

import importlib
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
MARKER = "BENCH-RESULT "


def call(target: str, *args: Any, timeout: float = 600.0) -> dict[str, Any]:
    """Call `module:function(*args)` in a subprocess; its dict result, or {'error': ...}."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(ROOT), os.environ.get("PYTHONPATH", "")]))
    command = [sys.executable, "-m", "bench.isolated", target, json.dumps(list(args))]
    try:
        done = subprocess.run(command, capture_output=True, text=True, timeout=timeout, cwd=ROOT, env=env)
    except subprocess.TimeoutExpired:
        return {"error": f"timed out after {timeout:.0f} s"}
    for line in reversed(done.stdout.splitlines()):
        if line.startswith(MARKER):
            return json.loads(line[len(MARKER):])
    tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
    return {"error": f"subprocess exited with code {done.returncode}: {tail}"}


def main() -> None:
    """Subprocess side: run the target, print its result (or the exception) after the marker."""
    target, raw_args = sys.argv[1], sys.argv[2]
    module_name, function_name = target.split(":")
    try:
        function = getattr(importlib.import_module(module_name), function_name)
        result = function(*json.loads(raw_args))
    except Exception as error:  # RecursionError included: reporting it is the point
        result = {"error": f"{type(error).__name__}: {error}"}
    print(MARKER + json.dumps(result), flush=True)


if __name__ == "__main__":
    main()
