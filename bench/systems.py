"""The compared systems: optional imports, versions and the fixed torch thread count."""

from __future__ import annotations

import importlib
from types import ModuleType

from bench.threads import THREADS

FLOOR = "floor"
AUTODIFF = "autodiff"
COMPILED = "compiled"  # autodiff.compile: the same package, its graphs run as generated code
SYSTEMS = (FLOOR, "micrograd", "torch", AUTODIFF, COMPILED)
MODULES = {COMPILED: "autodiff"}


class Unavailable(Exception):
    """A system cannot run a workload (not installed, or missing an API); reported as n/a."""


def require(module: str) -> ModuleType:
    """Import a module by name, or raise Unavailable with the import error as the reason."""
    try:
        loaded = importlib.import_module(module)
    except Exception as error:  # any import failure (syntax error in a half-written engine too)
        raise Unavailable(f"import {module} failed: {type(error).__name__}: {error}") from error
    if module == "torch":
        _fix_torch_threads(loaded)
    return loaded


def require_attr(module: str, name: str) -> object:
    """An attribute of an optional module, or Unavailable naming what is missing."""
    loaded = require(module)
    if not hasattr(loaded, name):
        raise Unavailable(f"{module} has no {name}")
    return getattr(loaded, name)


def _fix_torch_threads(torch: ModuleType) -> None:
    """Pin torch to the benchmark's thread count (inter-op may only be set once per process)."""
    torch.set_num_threads(THREADS)
    try:
        torch.set_num_interop_threads(THREADS)
    except RuntimeError:
        pass


def versions() -> dict[str, str]:
    """Version string per system, or 'n/a: reason' when it cannot be imported."""
    found = {FLOOR: "python floats / numpy"}
    for name in SYSTEMS[1:]:
        try:
            module = require(MODULES.get(name, name))
        except Unavailable as reason:
            found[name] = f"n/a: {reason}"
            continue
        found[name] = str(getattr(module, "__version__", "installed"))
    if not found["micrograd"].startswith("n/a"):
        from importlib.metadata import version
        found["micrograd"] = version("micrograd")
    return found
