"""The units a drawing is made of, besides single nodes: boxes, folds and the summary.

A plan numbers its units as the graph numbers its nodes (0..n-1 are the nodes, each drawn as a
record and its op) and these after them.
"""
from __future__ import annotations

from typing import Optional

from .modules import Call

BOX, FOLD, SUMMARY = "box", "fold", "summary"


class Unit:
    """Something drawn as one node: a box, a fold or the summary (nodes are plain ints)."""

    __slots__ = ("kind", "members", "count", "owner", "entry", "call", "pattern", "repeats",
                 "ops", "output")

    def __init__(self, kind: str, members: list[int], owner: int = -1) -> None:
        self.kind = kind
        self.members = members      # node positions (a fold: its chain links, a box: its body)
        self.count = len(members)   # how many nodes it stands for
        self.owner = owner          # the module call whose cluster it sits in
        self.entry: Optional[int] = None  # a fold's chain input, outside it
        self.call: Optional[Call] = None
        self.pattern: list[str] = []      # a fold's repeated step, as op names
        self.repeats = 0                  # how many repetitions it folds (0: a plain stretch)
        self.output = -1                  # a box's output node
