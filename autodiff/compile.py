"""compile(f): trace a function once per input structure, then run it as straight-line Python.

The first call traces: each float argument becomes a `Value` leaf and each float array a
`Tensor` leaf (requires_grad=True), through nested tuples, lists and dicts; `f` runs on them and
every op it performs is recorded, including the backward passes it asks for with
`autodiff.grad(..., create_graph=True)`, whose formulas run on nodes. From the recorded graph
codegen.py writes one Python function from raw floats and arrays to raw floats and arrays, and
later calls with arguments of the same structure (types, lengths, shapes, dtypes, and the value
of anything else, such as an int) run only that function. A new structure traces again.

Tracing cannot see a decision made on a value: `if x > 0` runs once, at tracing, and the code
would keep that branch for every later call. So while tracing, comparisons, `bool()`, `float()`,
`.item()`, `.numpy()` and `detach()` of a node raise `TraceError`, as do ops under `no_grad()`
and `backward()`; select with `where` and masks made by ops (`step`, `sign`) instead.

Nodes from outside `f` (a model's parameters, say) are read at every call: the code uses their
current `.data`. Leaves made inside `f` are constants.
"""
from __future__ import annotations

import builtins
import functools
import gc
import inspect
import linecache
from typing import Any, Callable, Optional, Sequence

import numpy as np

from . import codegen
from .node import MODE, Node, set_tracing
from .structure import Checks, distinct, identifier, make_leaves, raw, structure


def compile(f: Callable[..., Any]) -> Callable[..., Any]:
    """f traced once per input structure and run as generated straight-line Python: floats
    and arrays in, floats and arrays out, called as f is called.

    The function returned has f's signature; its `source` is the generated Python of the
    latest trace (one line per op, named after the op or the node's label, constants written
    as literals) and `traces` counts the traces so far.
    """
    if not callable(f):
        raise TypeError(f"compile: expected a function, got {type(f).__name__}")
    return _Tracer(f).entry


class _Tracer:
    """The traces of one function, by input structure, and the entry that dispatches to them.

    The entry is generated with f's own parameters, so Python binds each call's arguments
    (keywords and defaults too) into values in parameter order, and passes them on: at first to
    this object's `dispatch`, which looks the call's structure up (tracing it if it is new);
    then straight to the program of the structure used last, which checks the call's structure
    first and hands any other to `dispatch`.
    """

    def __init__(self, f: Callable[..., Any]) -> None:
        self.f = f
        self.name = identifier(getattr(f, "__name__", "compiled"), "compiled")
        self.programs: dict[Any, Callable[..., Any]] = {}
        try:
            self.signature: Optional[inspect.Signature] = inspect.signature(f)
        except (TypeError, ValueError):
            self.signature = None
        self.params = list(self.signature.parameters) if self.signature else ["args"]
        source, self.namespace = _entry(self.name, self.signature, self.dispatch)
        exec(builtins.compile(source, f"<compiled {self.name}>", "exec"), self.namespace)
        self.entry = functools.wraps(f)(self.namespace[self.name])
        self.entry.source = ""  # type: ignore[attr-defined]
        self.entry.traces = 0  # type: ignore[attr-defined]

    def dispatch(self, *values: Any) -> Any:
        """The program for the structure of values (traced now if it is new), run on them."""
        if MODE.tracing is not None:  # called while an outer function is traced: inline it
            return self.invoke(values)
        key = tuple(map(structure, values))
        run = self.programs.get(key)
        if run is None:
            run = self.trace(values, key)
        self.namespace[_RUN] = run  # the next call of this structure goes straight to it
        return run(*values, _checked=True)

    def invoke(self, values: Sequence[Any]) -> Any:
        """f applied to values given in parameter order."""
        if self.signature is None:
            return self.f(*values[0])
        args: list[Any] = []
        kwargs: dict[str, Any] = {}
        for p, value in zip(self.signature.parameters.values(), values):
            if p.kind == p.VAR_POSITIONAL:
                args.extend(value)
            elif p.kind == p.VAR_KEYWORD:
                kwargs.update(value)
            elif p.kind == p.KEYWORD_ONLY:
                kwargs[p.name] = value
            else:
                args.append(value)
        return self.f(*args, **kwargs)

    def trace(self, values: tuple[Any, ...], key: Any) -> Callable[..., Any]:
        """Trace f on leaves made from values, generate its code, and cache it under key."""
        # Tracing and writing the code make hundreds of thousands of objects for a large
        # function (nodes, lists, lines) and no garbage cycles: collections meanwhile would only
        # scan live objects again and again (a third of the time), so the collector waits.
        collecting = gc.isenabled()
        gc.disable()
        try:
            return self._trace(values, key)
        finally:
            if collecting:
                gc.enable()

    def _trace(self, values: tuple[Any, ...], key: Any) -> Callable[..., Any]:
        params = distinct([p if p not in codegen.RESERVED else p + "_" for p in self.params])
        inputs: dict[int, str] = {}
        unpack: list[str] = []
        leaves = [make_leaves(v, p, p, inputs, unpack) for v, p in zip(values, params)]
        made: list[Node] = []
        before = set_tracing(made)
        try:
            with np.errstate(all="ignore"):  # IEEE values, silently, as the generated code
                result = self.invoke(leaves)
        finally:
            set_tracing(before)
        checks = Checks(set(params))
        for value, param in zip(values, params):
            checks.add(param, value)
        source, namespace = codegen.generate(
            self.name, params, unpack, result, inputs, {id(n) for n in made},
            fallback=self.interpreted, dispatch=self.dispatch, retrace=self.retrace,
            guard=checks.conditions)
        namespace.update(checks.namespace)
        self.entry.traces += 1  # type: ignore[attr-defined]
        filename = f"<compiled {self.name}, trace {self.entry.traces}>"  # type: ignore
        exec(builtins.compile(source, filename, "exec"), namespace)
        linecache.cache[filename] = (len(source), None, source.splitlines(True), filename)
        run = self.programs[key] = namespace[self.name]
        self.entry.source = source  # type: ignore[attr-defined]
        return run

    def retrace(self, *values: Any) -> Any:
        """Trace the structure of values again (an outside array it reads has changed shape or
        dtype since its trace), and run the new code."""
        key = tuple(map(structure, values))
        run = self.namespace[_RUN] = self.trace(values, key)
        return run(*values, _checked=True)

    def interpreted(self, *values: Any) -> Any:
        """f run on nodes, as without compile: for the rare call where the generated code's
        `math` raises (an overflow, a pole) and the ops give IEEE values instead."""
        leaves = [make_leaves(v, "x", "x", {}, []) for v in values]
        with np.errstate(all="ignore"):
            return raw(self.invoke(leaves))


_RUN = "_compiled_run"


def _entry(name: str, signature: Optional[inspect.Signature],
           dispatch: Callable[..., Any]) -> tuple[str, dict[str, Any]]:
    """`def name(<f's parameters>): return run(<each parameter>)`, and its namespace."""
    namespace: dict[str, Any] = {_RUN: dispatch}
    if signature is None:
        return f"def {name}(*args):\n    return {_RUN}(args)\n", namespace
    parts: list[str] = []
    previous = None
    for i, p in enumerate(signature.parameters.values()):
        if previous == p.POSITIONAL_ONLY and p.kind != p.POSITIONAL_ONLY:
            parts.append("/")
        if p.kind == p.KEYWORD_ONLY and previous not in (p.KEYWORD_ONLY, p.VAR_POSITIONAL):
            parts.append("*")
        text = {p.VAR_POSITIONAL: "*", p.VAR_KEYWORD: "**"}.get(p.kind, "") + p.name
        if p.default is not p.empty:
            namespace[f"_default_{i}"] = p.default
            text += f"=_default_{i}"
        parts.append(text)
        previous = p.kind
    if previous == inspect.Parameter.POSITIONAL_ONLY:
        parts.append("/")
    call = ", ".join(signature.parameters)
    return f"def {name}({', '.join(parts)}):\n    return {_RUN}({call})\n", namespace
