"""Anomaly mode: where a nan or an inf first appears, forward or backward.

Ops never raise on nan or inf (IEEE semantics), so a nan loss carries no clue to its origin.
Inside `detect_anomaly()` (per thread) every op node records where it was made (`_meta["site"]`:
the innermost frames outside autodiff and nn), and the first op whose output holds a nan or an
inf where all its inputs were finite raises `AnomalyError`: in the forward pass, as the node is
made; in the backward pass, as a derivative formula returns. The error names the op, the pass,
the creation site and the inputs (a summary for arrays).

Outside the mode nothing here runs: the recording hot paths reach `observe` only from their
slow branch (`node.unusual_threads`), and a backward pass picks its checking loop once.
"""
from __future__ import annotations

import math
import os
import sys
from typing import Any, Optional, Sequence

import numpy as np

from .node import ModeSwitch, Node

# Frames in these folders are the library's (this package and nn, next to it); a site is
# where the user's code called into them.
_LIBRARY = tuple(os.path.join(os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
                              name) + os.sep for name in ("autodiff", "nn"))
SITE_FRAMES = 2  # frames kept per node: the user's line that made it, and its caller


class AnomalyError(RuntimeError):
    """An op made a nan or an inf from finite inputs inside `detect_anomaly()`. `op` is the
    op's name, `phase` "forward" or "backward", `node` the node, `site` where it was made."""

    def __init__(self, message: str, op: str, phase: str, node: Node,
                 site: Optional[str]) -> None:
        super().__init__(message)
        self.op, self.phase, self.node, self.site = op, phase, node, site


class detect_anomaly(ModeSwitch):
    """Inside, record where each op node is made and raise `AnomalyError` at the first op whose
    output is nan or inf from finite inputs, forward or backward (per thread). A context manager
    and a decorator, with or without parentheses: `@detect_anomaly`."""

    anomaly = True


class formulas_unchecked(ModeSwitch):
    """Record graphs without anomaly checks: a create_graph backward pass checks what each
    formula returns instead."""

    enabled = True
    anomaly = False


def observe(out: Node, inputs: Sequence[Any]) -> None:
    """In anomaly mode, for each op node as it is made: record its site, check its output."""
    if out._op is not None:
        site = creation_site()
        if out._meta is None:
            out._meta = {"site": site}
        else:
            out._meta["site"] = site
    if not finite(out.data) and all(finite(x) for x in inputs):
        raise anomaly(out, "forward", inputs, f"produced {_bad(out.data)} from finite inputs")


def check_backward(node: Node, position: int, grad: Any, upstream: Any,
                   inputs: Sequence[Any]) -> None:
    """The gradient a formula of `node`'s op gave its input `position`: nan or inf from
    finite values (the upstream gradient, the output, the inputs) raises `AnomalyError`."""
    if not finite(grad) and finite(upstream) and finite(node.data) and all(
            finite(x) for x in inputs):
        params = node._op.params
        name = params[min(position, len(params) - 1)]
        raise anomaly(node, "backward", inputs,
                      f"gave {_bad(grad)} in the gradient for {name} from finite values",
                      f"\n  upstream gradient {summary(upstream)}, output {summary(node.data)}")


def anomaly(node: Node, phase: str, inputs: Sequence[Any], what: str,
            more: str = "") -> AnomalyError:
    """The AnomalyError for `node`, its message naming the op, the pass, the site, the inputs."""
    op = node._op
    name = op.name if op is not None else "a leaf"
    params = op.params if op is not None else ()
    shown = ", ".join(f"{params[i] if i < len(params) else i} = {summary(x)}"
                      for i, x in enumerate(inputs))
    site = site_text(node)
    return AnomalyError(f"{name}: the {phase} pass {what}\n  made {site or 'outside anomaly mode'}"
                        f"\n  inputs: {shown}{more}", name, phase, node, site)


def creation_site() -> tuple[tuple[str, int, str], ...]:
    """(file, line, function) of the innermost frames outside the library, innermost first."""
    frames = []
    frame = sys._getframe(1)
    while frame is not None and len(frames) < SITE_FRAMES:
        code = frame.f_code
        if not code.co_filename.startswith(_LIBRARY):
            frames.append((code.co_filename, frame.f_lineno, code.co_name))
        frame = frame.f_back
    return tuple(frames)


def site_text(node: Node) -> Optional[str]:
    """'at FILE:LINE in FUNCTION (called from ...)' for a node made in anomaly mode, else None."""
    frames = (node._meta or {}).get("site")
    if not frames:
        return None
    first, *callers = [f"{os.path.relpath(f) if not f.startswith('<') else f}:{line} in {name}"
                       for f, line, name in frames]
    return f"at {first}" + (f" (called from {', '.join(callers)})" if callers else "")


def finite(x: Any) -> bool:
    """True for a finite number, an array of finite numbers, or anything not numeric."""
    if isinstance(x, Node):
        x = x.data
    if isinstance(x, float):
        return math.isfinite(x)
    if isinstance(x, (np.ndarray, np.floating)) and np.issubdtype(np.asarray(x).dtype,
                                                                  np.inexact):
        return bool(np.isfinite(x).all())
    return True


def summary(x: Any) -> str:
    """A number as it is; a small array in full, a larger one by shape, dtype and range."""
    if isinstance(x, Node):
        x = x.data
    if not isinstance(x, np.ndarray):
        return repr(x)
    if x.size <= 4:
        return np.array2string(x, separator=", ")
    text = f"array of shape {x.shape}, {x.dtype}"
    if not np.issubdtype(x.dtype, np.inexact):
        return text
    good = x[np.isfinite(x)]
    if good.size:
        text += f", in [{good.min():.4g}, {good.max():.4g}]"
    counts = [f"{n} {name}" for name, n in (("nan", int(np.isnan(x).sum())),
                                           ("inf", int(np.isinf(x).sum()))) if n]
    return text + (f" with {' and '.join(counts)}" if counts else "")


def _bad(x: Any) -> str:
    """'nan', 'inf' or both, as found in x."""
    data = np.asarray(x.data if isinstance(x, Node) else x, dtype=np.float64)
    kinds = [name for name, found in (("nan", np.isnan(data).any()),
                                      ("inf", np.isinf(data).any())) if found]
    return " and ".join(kinds)
