"""Chains of single-use units, and the repeated steps along them, rolled up into folds.

A chain link is the one input of a unit that nothing else uses (preferring an input with the
same op, so in `acc = acc + w * x` the chain runs through the accumulator). Along a chain each
link gets a step code: its op, parameters, the position the chain enters at, and the op at each
other position (a module call: its class and shapes). Walking from the chain's end, a run of at
least three repetitions of a step of up to eight links keeps its last repetition and becomes a
fold; a repetition whose first link has no chain input (the chain's start, as `0 + x` starting
Python's `sum`, or `1.0001 * x` on a leaf) counts as one more; a long stretch of links with no
repetition keeps its ends and folds its middle. The codes cost a few tuple look-ups a link: a
million-link chain folds in about a second.
"""
from __future__ import annotations

from typing import TYPE_CHECKING, Any, Optional

import numpy as np

from ..node import Node
from .units import FOLD, Unit

if TYPE_CHECKING:
    from .collapse import Plan

PERIOD = 8        # the longest repeated step looked for, in links
REPEATS = 3       # repetitions needed to roll a run up
HIDDEN = 6        # links a fold must hide to be worth drawing, unless each hides a side input
STRETCH = 12      # a stretch without repetition longer than this has its middle folded
KEEP = 3          # links kept at each end of a folded stretch


def fold_chains(plan: "Plan") -> None:
    """Roll up the repeated runs and long stretches of every chain of single-use units."""
    g, rep = plan.graph, plan.rep
    nodes, inputs = g.nodes, g.inputs
    n = len(nodes)
    total = n + len(plan.units)
    users = _unit_users(plan)
    after = [-1] * total   # u -> the unit whose chain link u is
    before = [-1] * total
    owned = bool(plan.owner)
    for v in range(n):
        u_v = rep[v]
        if u_v == v:
            op = nodes[v]._op
            if op is None:
                continue
            ins = [rep[j] for j in inputs[v]] if plan.units else inputs[v]
        elif u_v >= n and plan.units[u_v - n].output == v:
            op = None  # a box, taken at its output's place
            ins = plan.inputs(u_v)
        else:
            continue
        link = -1
        for u in ins:
            if users[u] != 1 or after[u] >= 0 or (u < n and nodes[u]._op is None):
                continue
            if owned and plan.owner_of(u) != plan.owner_of(u_v):
                continue
            if link < 0 or (op is not None and u < n and nodes[u]._op is op
                            and (link >= n or nodes[link]._op is not op)):
                link = u
        if link >= 0:
            after[link] = u_v
            before[u_v] = link
    for head in range(total):
        if after[head] < 0 or before[head] >= 0:
            continue
        chain = [head]
        while after[chain[-1]] >= 0:
            chain.append(after[chain[-1]])
        if len(chain) >= REPEATS:
            _fold_chain(plan, chain, before)


def _unit_users(plan: "Plan") -> list[int]:
    """How many uses each unit has from other units."""
    g, rep = plan.graph, plan.rep
    if not plan.units:
        return g.users
    users = [0] * (len(g) + len(plan.units))
    for v in range(len(g)):
        for j in g.inputs[v]:
            if rep[j] != rep[v]:
                users[rep[j]] += 1
    return users


def _fold_chain(plan: "Plan", chain: list[int], before: list[int]) -> None:
    """Fold the repeated runs and long plain stretches of one chain (inputs first)."""
    keys = _Keys(plan, before)
    codes = [keys.code(v) for v in chain]
    plain: list[int] = []  # positions kept since the last fold
    end = len(chain) - 1
    while end >= 0:
        period, reps = _period(codes, end)
        if reps < REPEATS or ((reps - 1) * period < HIDDEN and not keys.has_sides(chain[end])):
            plain.append(end)
            end -= 1
            continue
        _stretch(plan, chain, plain)
        plain = []
        first = end - reps * period + 1
        head = first - period  # one more repetition whose first link starts the chain?
        if head >= 0 and codes[head + 1:first] == codes[first + 1:first + period] and \
                keys.same_step(chain[head], chain[first]):
            first, reps = head, reps + 1
        unit = Unit(FOLD, _members(plan, chain[first:end - period + 1]),
                    plan.owner_of(chain[first]))
        unit.entry = keys.entry(chain[first], chain[end - period + 1])
        unit.pattern = [keys.step_text(v) for v in chain[end - period + 1:end + 1]]
        unit.repeats = reps - 1
        plan.new(unit)
        end = first - 1
    _stretch(plan, chain, plain)


def _members(plan: "Plan", links: list[int]) -> list[int]:
    """The nodes of chain links (a box link brings its whole body)."""
    n = len(plan.graph)
    if all(u < n for u in links):
        return links
    out: list[int] = []
    for u in links:
        out.extend([u] if u < n else plan.units[u - n].members)
    return out


def _stretch(plan: "Plan", chain: list[int], plain: list[int]) -> None:
    """Fold the middle of a long stretch of chain links kept without repetition."""
    if len(plain) <= STRETCH:
        return
    positions = sorted(plain)
    links = [chain[p] for p in positions[KEEP:-KEEP]]
    unit = Unit(FOLD, _members(plan, links), plan.owner_of(links[0]))
    entry = chain[positions[KEEP] - 1]  # the kept link before the folded ones
    unit.entry = entry if entry < len(plan.graph) else plan.units[entry - len(plan.graph)].output
    plan.new(unit)


def _period(codes: list[int], end: int) -> tuple[int, int]:
    """(period, repetitions) of the longest run of whole repetitions ending at `end`."""
    best, best_reps, found = 1, 0, []
    for p in range(1, PERIOD + 1):
        if end + 1 < REPEATS * p:
            break
        if any(p % q == 0 for q in found):  # a multiple of a period found covers no more
            continue
        j = end
        while j - p >= 0 and codes[j] == codes[j - p]:
            j -= 1
        reps = (end - j + p) // p
        if reps >= REPEATS:
            found.append(p)
            if reps * p > best_reps * best:
                best, best_reps = p, reps
    return best, best_reps


class _Keys:
    """What one chain link does, as a small int: equal codes are the same step."""

    def __init__(self, plan: "Plan", before: list[int]) -> None:
        self.plan, self.graph, self.before = plan, plan.graph, before
        self.n = len(plan.graph)
        self.codes: dict[Any, int] = {}

    def _positions(self, v: int) -> tuple[int, ...]:
        """The argument positions of node v's node inputs (aligned with graph.inputs[v])."""
        node = self.graph.nodes[v]
        a, b = node._a, node._b
        if a is not None:
            return (0,) if b is None else (0, 1)
        if b is not None:
            return (1,)
        return tuple(i for i, x in enumerate(node._k or ()) if isinstance(x, Node))

    def _key(self, v: int, spine: int) -> Any:
        """(op, the chain's argument position, the op at each other position, parameters,
        shape): what makes two links the same step. A box: its class and shapes."""
        g = self.graph
        if v >= self.n:
            call = self.plan.units[v - self.n].call
            return ("box", call.class_name, tuple(np.shape(x.data) for x in call.inputs),
                    tuple(np.shape(g.nodes[i].data) for i in call.outputs))
        node = g.nodes[v]
        sides = []
        for at, j in zip(self._positions(v), g.inputs[v]):
            if at != spine:
                op = g.nodes[j]._op
                sides.append((at, None if op is None else op.name))
        op = node._op
        params: Any = None
        if op.param_b:
            params = node._k
        elif node._a is None and node._b is None:
            params = node._k[len(node._k) - op.nparams:]
        data = node.data
        key = (op.name, spine, tuple(sides), params,
               data.shape if isinstance(data, np.ndarray) else None)
        try:
            hash(key)
        except TypeError:  # an unhashable parameter (an index array): its type stands in
            key = (op.name, spine, tuple(sides), type(params).__name__, key[4])
        return key

    def spine(self, v: int) -> int:
        """The argument position of v's chain input (-1 for a chain's first link)."""
        u = self.before[v]
        if u < 0 or v >= self.n:
            return -1 if u < 0 else 0
        rep = self.plan.rep
        for at, j in zip(self._positions(v), self.graph.inputs[v]):
            if rep[j] == u:
                return at
        return -1

    def code(self, v: int) -> int:
        """A small int naming v's step."""
        before = self.before[v]
        if v < self.n and before >= 0 and type(self.graph.nodes[v].data) is float:
            # A scalar link has its inputs in the two slots: its key is made here without the
            # general walk over its arguments, so a million-link chain folds in a second.
            node = self.graph.nodes[v]
            a, b, op = node._a, node._b, node._op
            link = self.graph.nodes[before] if before < self.n else None
            key: Any = None
            if b is None and a is not None:
                key = (op.name, 0, (), node._k if op.param_b else None, None)
            elif a is None and b is not None:
                key = (op.name, 1, (), None, None)
            elif a is not None and link is a:
                key = (op.name, 0, ((1, None if b._op is None else b._op.name),), None, None)
            elif b is not None and link is b:
                key = (op.name, 1, ((0, None if a._op is None else a._op.name),), None, None)
            if key is not None:
                return self.codes.setdefault(key, len(self.codes))
        return self.codes.setdefault(self._key(v, self.spine(v)), len(self.codes))

    def same_step(self, first: int, second: int) -> bool:
        """Whether `first` does what `second` does, taking its input at second's chain position
        as its chain input (its real chain input then being one more side input)."""
        if first >= self.n or second >= self.n:
            return False
        spine = self.spine(second)
        return self._key(first, spine) == self._key(second, spine)

    def entry(self, first: int, next_link: int) -> Optional[int]:
        """The node a fold starting at `first` continues from: its chain input, or, for a
        first link, its input at the position the chain uses (None if that is raw)."""
        u = self.before[first]
        plan = self.plan
        if first >= self.n:  # a box: its chain input, else its first input drawn on its own
            if u < 0:  # (not a parameter held by another box: that would draw a loop)
                u = next((w for w in plan.inputs(first) if w < self.n), -1)
                return None if u < 0 else u
            return u if u < self.n else plan.units[u - self.n].output
        spine = self.spine(next_link)
        if u >= 0 and self.spine(first) == spine:
            return u if u < self.n else plan.units[u - self.n].output
        for at, j in zip(self._positions(first), self.graph.inputs[first]):
            if at == spine:
                return j
        return None

    def has_sides(self, v: int) -> bool:
        """Whether link v has a side input made by an op (folding it hides that too)."""
        return v < self.n and any(name is not None for _, name in
                                  self._key(v, self.spine(v))[2])

    def step_text(self, v: int) -> str:
        """A link as its op, with the ops of its side inputs: `add(·, relu)`; a box: its class."""
        if v >= self.n:
            return self.plan.units[v - self.n].call.class_name
        key = self._key(v, self.spine(v))
        sides = [name for _, name in key[2] if name is not None]
        return f"{key[0]}(·, {', '.join(sides)})" if sides else key[0]
