"""The graph behind a root, traced once with an explicit stack: what every drawing reads.

`Graph` holds the nodes in one topological order (inputs before the nodes that use them, the
root last) as positions in a list, each node's node arguments as positions, and how many times
each node is used. The walk follows every argument that is a node, including ones that receive
no gradient (where's condition), so the drawing shows all of an op's inputs. It is iterative,
so a chain of a million ops traces in about a second and never reaches the recursion limit.
"""
from __future__ import annotations

from typing import Any

from ..node import Node

_DONE = object()  # stack marker: the node below it has all its inputs placed


class Graph:
    """The nodes behind `root` in topological order, with their inputs and use counts."""

    __slots__ = ("nodes", "index", "inputs", "users", "annotated")

    def __init__(self, root: Node) -> None:
        if not isinstance(root, Node):
            raise TypeError(f"expected a Value or Tensor to draw, got {type(root).__name__}")
        index: dict[int, int] = {}
        nodes: list[Node] = []
        inputs: list[tuple[int, ...]] = []
        annotated: list[int] = []
        stack: list[Any] = [root]
        push, pop = stack.append, stack.pop
        placed, place, found = index.__contains__, nodes.append, inputs.append
        while stack:
            node = pop()
            if node is _DONE:
                node = pop()
                index[id(node)] = len(nodes)
                if node._meta is not None:
                    annotated.append(len(nodes))
                place(node)
                a, b = node._a, node._b
                if a is not None:
                    found((index[id(a)],) if b is None else (index[id(a)], index[id(b)]))
                elif b is not None:
                    found((index[id(b)],))
                elif node._op is None:
                    found(())
                else:  # a wide node: its nodes sit among the arguments in `_k`
                    found(tuple(index[id(x)] for x in node._k if isinstance(x, Node)))
                continue
            if placed(id(node)):  # pushed by two users: placed already
                continue
            push(node)
            push(_DONE)
            # Inputs pushed last first, so the first is placed first: dot keeps that order
            # within a rank, and `a * b` draws a above b.
            a, b = node._a, node._b
            if b is not None and not placed(id(b)):
                push(b)
            if a is not None and not placed(id(a)):
                push(a)
            if a is None and b is None and node._op is not None:
                for x in reversed(node._k):
                    if isinstance(x, Node) and not placed(id(x)):
                        push(x)
        users = [0] * len(nodes)
        for used in inputs:
            for j in used:
                users[j] += 1
        self.nodes, self.index, self.inputs = nodes, index, inputs
        self.users, self.annotated = users, annotated

    def __len__(self) -> int:
        return len(self.nodes)

    @property
    def root(self) -> int:
        """The position of the root (the last node)."""
        return len(self.nodes) - 1

    def position(self, node: Any) -> int:
        """The position of `node` in the graph, or -1 when it is not in it."""
        return self.index.get(id(node), -1)
