"""What a drawing shows: module calls collapsed to boxes, repeated steps rolled up, and what
still does not fit summarised, so any graph draws small and stays connected.

A plan works on units: a node (a record, with its op), a box (a module call below `depth`),
a fold (a run of repeated steps, or the middle of a long chain, rolled into one node that says
how many nodes it stands for) and at most one summary (whatever the budget left out, with
counts by op). Units are numbered as the nodes are (0..n-1 are nodes) and the others after.

A graph that fits in `max_nodes` is drawn whole. A bigger one has its repeated steps rolled up
(see chains.py), then, while it still does not fit and nobody chose a depth, its module calls
collapsed, deepest first. The units nearest the root, breadth first, then fill the budget, and
one summary node stands for the rest. A fold also stands for the side inputs of the steps it
hides (each sample's loss in a sum over samples) where nothing drawn holds them.
"""
from __future__ import annotations

from collections import Counter
from typing import Optional

from .chains import fold_chains
from .modules import Modules
from .trace import Graph
from .units import BOX, FOLD, SUMMARY, Unit


class Plan:
    """The units drawn for a graph and the unit each node is drawn as (`rep`)."""

    def __init__(self, graph: Graph, modules: Optional[Modules], depth: Optional[int],
                 max_nodes: Optional[int]) -> None:
        self.graph, self.modules = graph, modules
        self.owner: dict[int, int] = dict(modules.owner) if modules else {}
        levels = max((c.level for c in modules.calls), default=0) if modules else 0
        self._reset(depth)
        drawn, fits = self._select(max_nodes)
        if not fits:
            fold_chains(self)
            drawn, fits = self._select(max_nodes)
            while not fits and depth is None and levels > 0:  # collapse modules, deepest first
                levels -= 1
                self._reset(levels)
                fold_chains(self)
                drawn, fits = self._select(max_nodes)
        self.drawn = drawn
        self._assign()

    def _reset(self, depth: Optional[int]) -> None:
        """Every node its own unit, then the module calls below `depth` boxed."""
        self.units: list[Unit] = []  # unit n + k is units[k]
        self.rep: list[int] = list(range(len(self.graph)))
        if depth is not None:
            self._box(depth)

    # --- units ---------------------------------------------------------------------------------

    def unit(self, u: int) -> Optional[Unit]:
        """The box, fold or summary numbered u; None for a node."""
        n = len(self.graph)
        return self.units[u - n] if u >= n else None

    def new(self, unit: Unit) -> int:
        """Add a unit; its members are drawn as it from now on. Returns its number."""
        self.units.append(unit)
        u = len(self.graph) + len(self.units) - 1
        for i in unit.members:
            self.rep[i] = u
        return u

    def inputs(self, u: int) -> list[int]:
        """The units that unit u's edges come from, before the budget (a fold: its entry)."""
        rep, g = self.rep, self.graph
        unit = self.unit(u)
        if unit is None:
            return [rep[j] for j in g.inputs[u]]
        if unit.kind == FOLD:
            return [] if unit.entry is None else [rep[unit.entry]]
        if unit.kind == BOX:
            return [rep[j] for i in unit.members for j in g.inputs[i] if rep[j] != u]
        return []

    def owner_of(self, u: int) -> int:
        """The module call whose cluster unit u sits in (-1: none)."""
        unit = self.unit(u)
        return self.owner.get(u, -1) if unit is None else unit.owner

    # --- boxes: module calls below the depth --------------------------------------------------

    def _box(self, depth: int) -> None:
        """Draw each call at level depth + 1 as one box holding everything it made, and its
        module's own parameters even where other calls share them (a layer applied to every
        sample): those go to the last call's box, the one nearest the root."""
        modules = self.modules
        if modules is None:
            return
        level = [(k, call) for k, call in enumerate(modules.calls) if call.level == depth + 1]
        for k, call in sorted(level, key=lambda item: -item[1].output):
            mine = set(modules.below(k))
            members = {i for i in call.body if modules.owner.get(i, -1) in mine}
            members.update(i for i in modules.parameters_of(self.graph, call)
                           if i in call.body and self.rep[i] == i)
            if call.output not in members:
                continue
            unit = Unit(BOX, sorted(members), call.parent)
            unit.call, unit.output = call, call.output
            self.new(unit)

    # --- the budget ---------------------------------------------------------------------------

    def _select(self, budget: Optional[int]) -> tuple[list[int], bool]:
        """(the units drawn, breadth first from the root, at most `budget` of them; whether
        that is every unit the root reaches)."""
        start = self.rep[self.graph.root]
        drawn = [start]
        seen = {start}
        for u in drawn:  # the list grows while it is read
            for w in self.inputs(u):
                if w not in seen:
                    if budget is not None and len(drawn) >= budget:
                        return drawn, False
                    seen.add(w)
                    drawn.append(w)
        return drawn, True

    def _assign(self) -> None:
        """Make `rep` final: every node is drawn as a drawn unit (a fold claims the side inputs
        of its links that nothing drawn holds, the summary the rest); count what each holds.
        Only edges into drawn nodes are drawn: a node hidden in a fold that uses a node drawn
        elsewhere (a shared weight) adds no edge, which would only tangle the picture."""
        g, rep = self.graph, self.rep
        n = len(g)
        drawn = set(self.drawn)
        for i in range(n):
            if rep[i] not in drawn:
                rep[i] = -1
        for u in reversed(self.drawn):  # the farthest from the root first: nearest its nodes
            unit = self.unit(u)
            if unit is None or unit.kind != FOLD:
                continue
            # Its chain input stays out: it is drawn, or left to the summary (never a loop).
            stack = [j for i in unit.members for j in g.inputs[i] if rep[j] != u]
            while stack:
                x = stack.pop()
                if rep[x] >= 0 or x == unit.entry:  # drawn, or claimed already
                    continue
                rep[x] = u
                unit.members.append(x)
                stack.extend(g.inputs[x])
            unit.count = len(unit.members)
        left = [i for i in range(n) if rep[i] < 0]
        if left:
            summary = Unit(SUMMARY, left)
            self.units.append(summary)
            s = n + len(self.units) - 1
            for i in left:
                rep[i] = s
            self.drawn.append(s)

    def ops(self, unit: Unit) -> Counter[str]:
        """How many nodes of each op (leaves as "leaf") a unit holds."""
        nodes = self.graph.nodes
        return Counter("leaf" if nodes[i]._op is None else nodes[i]._op.name
                       for i in unit.members)
