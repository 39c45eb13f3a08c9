"""Nested containers of leaves ("pytrees", as JAX calls them): flattened and rebuilt.

A tree is a leaf, or a tuple, list, named tuple or dict of trees; None is an empty tree, as in
JAX. `flatten` lists the leaves depth first with a `TreeDef`, the structure alone, from which
`unflatten` rebuilds the same containers around new leaves. A dict's entries go in sorted key
order (insertion order where the keys do not sort), so two dicts with the same keys have the
same structure, as in JAX. Both walks use an explicit stack: a deep tree cannot overflow it.
"""
from __future__ import annotations

from typing import Any, Callable

_LEAF = "leaf"


class TreeDef:
    """The structure of a tree: (container type, length or keys) per container, depth first,
    with `_LEAF` entries where the leaves go."""

    __slots__ = ("nodes", "count")

    def __init__(self, nodes: tuple[tuple[Any, Any], ...], count: int) -> None:
        self.nodes = nodes
        self.count = count  # the number of leaves

    def __eq__(self, other: object) -> bool:
        return isinstance(other, TreeDef) and self.nodes == other.nodes

    def __hash__(self) -> int:
        return hash(self.nodes)

    def __repr__(self) -> str:
        return f"TreeDef({unflatten(self, ['*'] * self.count)!r})"


def flatten(tree: Any) -> tuple[list[Any], TreeDef]:
    """(the leaves of `tree` in order, its structure)."""
    leaves: list[Any] = []
    nodes: list[tuple[Any, Any]] = []
    stack = [tree]
    while stack:
        x = stack.pop()
        kind = type(x)
        if kind is tuple or kind is list or (isinstance(x, tuple) and hasattr(x, "_fields")):
            nodes.append((kind, len(x)))
            stack.extend(reversed(x))
        elif kind is dict:
            keys = _keys(x)
            nodes.append((dict, keys))
            stack.extend(x[k] for k in reversed(keys))
        elif x is None:
            nodes.append((None, 0))
        else:
            nodes.append((_LEAF, None))
            leaves.append(x)
    return leaves, TreeDef(tuple(nodes), len(leaves))


def unflatten(treedef: TreeDef, leaves: list[Any]) -> Any:
    """The tree of structure `treedef` holding `leaves`, in order."""
    if len(leaves) != treedef.count:
        raise ValueError(f"unflatten: the structure holds {treedef.count} leaves, "
                         f"got {len(leaves)}")
    # Built from the last entry back: a container's children are then the last ones built,
    # the first child on top.
    built: list[Any] = []
    remaining = len(leaves)
    for kind, extra in reversed(treedef.nodes):
        if kind is _LEAF:
            remaining -= 1
            built.append(leaves[remaining])
        elif kind is None:
            built.append(None)
        else:
            size = len(extra) if kind is dict else extra
            children = [built.pop() for _ in range(size)]
            if kind is dict:
                built.append(dict(zip(extra, children)))
            elif kind is tuple or kind is list:
                built.append(kind(children))
            else:  # a named tuple
                built.append(kind(*children))
    return built[0]


def tree_map(fn: Callable[[Any], Any], tree: Any) -> Any:
    """The tree of the same structure with fn(leaf) in place of each leaf."""
    leaves, treedef = flatten(tree)
    return unflatten(treedef, [fn(x) for x in leaves])


def _keys(d: dict[Any, Any]) -> tuple[Any, ...]:
    try:
        return tuple(sorted(d))
    except TypeError:  # keys of mixed types: insertion order
        return tuple(d)
