"""Module calls on a graph: recorded when a module is called, found again when it is drawn.

Calling an `nn.Module` notes on its output node (in `_meta`, see node.py) the module and the
inputs it was given: one small entry per call, nothing per node, so a graph that is never drawn
pays nothing measurable. A call may take and return several nodes (a layer of scalar neurons
returns a list of Values): every output carries the same entry, which is the call's identity.
Drawing infers the rest. The nodes a call made are those its outputs depend on without going
through its inputs (its ops and its parameters); nested calls nest; a node that two sibling
calls share (a weight used by both) belongs to their common parent. Dotted names come from the
outermost module's `named_modules()` and `named_parameters()`.
"""
from __future__ import annotations

from typing import Any, Optional, Sequence

from ..node import Node
from .trace import Graph

CALLS = "calls"  # the `_meta` key: the calls whose output the node is, innermost first


def record_call(output: Any, module: Any, inputs: Sequence[Any]) -> None:
    """Note on `output` (a node, or a list or tuple of them) that calling `module` on `inputs`
    (nodes, or lists of them) made it, so drawings show the call as a cluster named by the
    module's dotted path (nn.Module.__call__ calls this)."""
    if isinstance(output, Node) and type(inputs) is tuple and len(inputs) == 1 \
            and isinstance(inputs[0], Node):
        # The common call, one node in and one out, the short way: this runs on every call of
        # every module, drawn or not (a few hundred nanoseconds).
        if output._op is None or output is inputs[0]:
            return  # nothing made (no_grad, an output that needs no gradient, the input)
        meta = output._meta
        if meta is None:
            output._meta = {CALLS: [(module, inputs)]}
        else:
            meta.setdefault(CALLS, []).append((module, inputs))
        return
    given = tuple(_nodes(inputs))
    made = [x for x in _nodes((output,)) if x._op is not None
            and not any(x is y for y in given)]
    call = (module, given)  # one entry on every output: the call's identity
    for out in made:
        meta = out._meta
        if meta is None:
            out._meta = {CALLS: [call]}
        else:
            meta.setdefault(CALLS, []).append(call)


def _nodes(items: Sequence[Any]) -> list[Node]:
    """The nodes among items and inside the lists and tuples among them (one level)."""
    found = []
    for x in items:
        if isinstance(x, Node):
            found.append(x)
        elif isinstance(x, (list, tuple)):
            found.extend(y for y in x if isinstance(y, Node))
    return found


class Call:
    """One module call in a graph: its outputs' positions, the positions it made, its nesting."""

    __slots__ = ("module", "inputs", "outputs", "output", "body", "parent", "level", "name")

    def __init__(self, module: Any, inputs: tuple[Any, ...], outputs: list[int],
                 body: set[int]) -> None:
        self.module, self.inputs, self.body = module, inputs, body
        self.outputs = sorted(outputs)
        self.output = self.outputs[-1]  # the last made: where the call sits in the order
        self.parent = -1   # the index of the enclosing call, -1 at the top
        self.level = 1     # 1 for an outermost call
        self.name = type(module).__name__

    @property
    def class_name(self) -> str:
        """The module's class name."""
        return type(self.module).__name__


class Modules:
    """The module calls behind a root: outermost first, which call owns each node (the
    innermost containing it), and the dotted names of parameters."""

    def __init__(self, graph: Graph) -> None:
        entries: dict[int, tuple[int, Any, list[int]]] = {}  # id(entry) -> (order, entry, outputs)
        for at in graph.annotated:
            for order, entry in enumerate(graph.nodes[at]._meta.get(CALLS, ())):
                entries.setdefault(id(entry), (order, entry, []))[2].append(at)
        found = [(order, Call(entry[0], entry[1], outputs, _body(graph, outputs, entry[1])))
                 for order, entry, outputs in entries.values()]
        # Outer calls first: a call's body contains the bodies of the calls nested in it; calls
        # sharing an output were recorded innermost first.
        found.sort(key=lambda item: (-len(item[1].body), -item[0]))
        self.calls: list[Call] = [call for _, call in found]
        self.owner: dict[int, int] = {}
        for k, call in enumerate(self.calls):
            self._claim(k, call)
        self.children: dict[int, list[int]] = {}
        for k, call in enumerate(self.calls):
            self.children.setdefault(call.parent, []).append(k)
        self.parameters: dict[int, str] = {}
        self._own: dict[int, list[int]] = {}
        self._name(graph)

    def _claim(self, k: int, call: Call) -> None:
        """Make call k the owner of its body, except where a sibling's claim makes the owner
        their common ancestor."""
        owner = self.owner
        call.parent = owner.get(call.output, -1)
        if call.parent >= 0:
            call.level = self.calls[call.parent].level + 1
        above = set(self.ancestors(k))
        for i in call.body:
            o = owner.get(i, -1)
            if o < 0 or o in above:
                owner[i] = k
            else:  # already claimed by a sibling or cousin: the nearest common ancestor
                common = next((a for a in self.ancestors(o) if a in above), -1)
                if common < 0:
                    del owner[i]
                else:
                    owner[i] = common

    def parameters_of(self, graph: Graph, call: Call) -> list[int]:
        """The positions of the call's module's own parameters (its `named_parameters()`)."""
        found = self._own.get(id(call.module))
        if found is None:
            found = [graph.position(p) for _, p in _named(call.module, "named_parameters")]
            found = self._own[id(call.module)] = [at for at in found if at >= 0]
        return found

    def below(self, k: int) -> list[int]:
        """Call k and every call nested in it, at any depth."""
        out, stack = [], [k]
        while stack:
            k = stack.pop()
            out.append(k)
            stack.extend(self.children.get(k, ()))
        return out

    def ancestors(self, k: int) -> list[int]:
        """The calls enclosing call k, innermost first (k excluded)."""
        out = []
        k = self.calls[k].parent
        while k >= 0:
            out.append(k)
            k = self.calls[k].parent
        return out

    def _name(self, graph: Graph) -> None:
        """Dotted names for nested calls and parameters, from the outermost modules; a module
        called more than once gets its calls numbered in the order they ran."""
        paths: dict[int, dict[int, str]] = {}
        for k, call in enumerate(self.calls):
            top = self.calls[([k] + self.ancestors(k))[-1]].module
            if id(top) not in paths:
                paths[id(top)] = _paths(top)
                for name, p in _named(top, "named_parameters"):
                    at = graph.position(p)
                    if at >= 0:
                        self.parameters.setdefault(at, name)
            path = paths[id(top)].get(id(call.module), "")
            call.name = f"{path} ({call.class_name})" if path else call.class_name
        calls_of: dict[int, list[Call]] = {}
        for call in sorted(self.calls, key=lambda c: c.output):  # outputs in the order made
            calls_of.setdefault(id(call.module), []).append(call)
        for same in calls_of.values():
            if len(same) > 1:
                for number, call in enumerate(same, 1):
                    call.name += f" #{number}"


def _body(graph: Graph, outputs: list[int], inputs: tuple[Any, ...]) -> set[int]:
    """The positions behind `outputs` reached without passing through `inputs`."""
    stop = {graph.position(x) for x in inputs}
    body = set(outputs)
    stack = list(outputs)
    while stack:
        for j in graph.inputs[stack.pop()]:
            if j not in body and j not in stop:
                body.add(j)
                stack.append(j)
    return body


def _named(module: Any, method: str) -> list[tuple[str, Any]]:
    """module.named_modules() or .named_parameters() if it has them (any object may be
    recorded as a module), else nothing."""
    named = getattr(module, method, None)
    return list(named()) if callable(named) else []


def _paths(module: Any) -> dict[int, str]:
    """id(sub-module) -> its dotted path below `module` ("" for the module itself)."""
    paths = {id(m): name for name, m in _named(module, "named_modules")}
    paths[id(module)] = ""
    return paths


def parameter_name(modules: Optional[Modules], i: int) -> Optional[str]:
    """The dotted parameter name of node i, if a module call's module owns it."""
    return None if modules is None else modules.parameters.get(i)
