"""The node contract every part of the engine relies on, and the grad mode.

A node (`Value`, `Tensor`, or a kind of your own) is raw data and the edges that made it. Its
slots, all declared here:

    data    the raw value: a Python float (Value) or an ndarray (Tensor)
    grad    after backward(): d(root)/d(node), accumulated on leaves, latest pass on the rest
    label   a name for drawings and messages ("" when unset)
    _op     the Op that made the node; None for a leaf
    _a, _b  the first two arguments of a unary or binary op when they are nodes that need a
            gradient, else None; the one raw argument of a binary op (a number, an array that
            needs no gradient, a parameter such as an axis) is kept in `_k`. So "is this input
            a node" is an `is None` test on the engine's hottest loops.
    _k      that raw argument; or, for an op of three or more arguments (and for one given a
            node where no gradient flows), the whole argument tuple, with `_a` and `_b` None:
            an op node whose input slots are both empty is a "wide" node.
    _g      the engine's scratch slot: the pass's mark, then the gradient being summed; what
            it holds outside a pass means nothing
    _meta   None, or a dict of annotations that debugging and drawing tools attach (hooks,
            the place the node was made, the module call that made it), each under a key of
            its own: "hooks" (register_hook), "site" (anomaly mode)

The methods below are the hooks the engine and `Op.__call__` call; each node kind defines them.
"""
from __future__ import annotations

import itertools
import threading
from typing import Any, Callable, Optional, TypeVar

F = TypeVar("F", bound=Callable[..., Any])


class Node:
    """Base class of graph nodes: the declared slots and the hooks the engine calls."""

    __slots__ = ("data", "grad", "label", "_op", "_a", "_b", "_k", "_g", "_meta")

    data: Any
    grad: Any
    label: str

    @property
    def op(self) -> str:
        """Name of the op that produced this node ('' for a leaf)."""
        return "" if self._op is None else self._op.name

    @property
    def parents(self) -> tuple["Node", ...]:
        """The nodes this one was computed from that receive a gradient, in argument order."""
        return tuple(inputs(self))

    def register_hook(self, fn: Callable[[Any], Any]) -> "HookHandle":
        """Call fn(grad) when this node's gradient is complete in a backward pass (`backward()`
        or `grad()`); a value it returns (not None) replaces the gradient. `.remove()` on the
        returned handle takes the hook off."""
        if not callable(fn):
            raise TypeError(f"register_hook: fn must be callable, got {type(fn).__name__}")
        if not getattr(self, "requires_grad", True):
            raise ValueError("register_hook: this Tensor does not require grad, so no gradient "
                             "reaches it; create it with requires_grad=True")
        if self._meta is None:
            self._meta = {}
        hooks = self._meta.get("hooks")
        if hooks is None:
            hooks = self._meta["hooks"] = _NodeHooks()
        handle = _NodeHookHandle(hooks, fn)
        _count_hooks(1)
        return handle

    # --- hooks the engine calls ---------------------------------------------------------------

    def _seed(self, grad: Any) -> Any:
        """The raw gradient that starts backpropagation from this node (validated)."""
        raise NotImplementedError

    def _constant(self, raw: Any) -> "Node":
        """A leaf of this node's kind holding `raw`, with no history."""
        raise NotImplementedError

    def _owned(self, grad: Any) -> Any:
        """A leaf's first gradient as the leaf will keep it (its own buffer, its own dtype)."""
        return grad

    def _accumulated(self, total: Any, grad: Any) -> Any:
        """A leaf's gradient `total` plus this pass's `grad`, in the leaf's own dtype."""
        return total + grad

    @classmethod
    def _record(cls, op: Any, args: tuple[Any, ...]) -> "Node":
        """The node made by applying `op` to fully bound `args`, one of which is of this kind."""
        raise NotImplementedError


def arguments(node: Node) -> tuple[Any, ...]:
    """The arguments `node`'s op was applied to, in order: nodes where recorded, raw values
    elsewhere (see the slot layout above)."""
    a, b, op = node._a, node._b, node._op
    if op is None:
        return ()
    if a is None and b is None:  # a wide node
        return node._k
    if op.unary:
        return (a,)
    return (node._k if a is None else a, node._k if b is None else b)


def inputs(node: Node) -> list[Node]:
    """The argument nodes that receive a gradient from `node`, in argument order."""
    a, b = node._a, node._b
    if a is not None or b is not None:
        return [x for x in (a, b) if x is not None]
    if node._op is None:
        return []
    return [x for x, _ in wide_edges(node)]


def wide_edges(node: Node) -> list[tuple[Node, int]]:
    """(argument node, its position) for each argument of a wide node that gets a gradient:
    a node in a position with a derivative formula (for a variadic op, any of its inputs)."""
    args, op = node._k, node._op
    if op.variadic:
        count = len(args) - op.nparams
        return [(x, i) for i, x in enumerate(args[:count]) if isinstance(x, Node)]
    return [(x, i) for i, (x, formula) in enumerate(zip(args, op.derivatives))
            if formula is not None and isinstance(x, Node)]


def raw_data(x: Any) -> Any:
    """The data of a node, or x itself when it is already raw (a number, an array, a mask)."""
    return x.data if isinstance(x, Node) else x


# --- hooks ---------------------------------------------------------------------------------


class HookHandle:
    """What a `register_hook` returns: `.remove()` takes the hook off (again: nothing)."""

    __slots__ = ("_hooks", "_key")

    def __init__(self, hooks: dict[int, Any], fn: Callable[..., Any]) -> None:
        """Add fn to `hooks` (a table of hooks in the order registered), under a new key."""
        self._hooks, self._key = hooks, next(_hook_keys)
        hooks[self._key] = fn

    def remove(self) -> None:
        """Take the hook off; removing it a second time does nothing."""
        if self._hooks.pop(self._key, None) is not None:
            self._removed()

    def _removed(self) -> None:
        pass


class _NodeHookHandle(HookHandle):
    __slots__ = ()

    def _removed(self) -> None:
        _count_hooks(-1)


class _NodeHooks(dict):  # type: ignore[type-arg]
    """A node's hooks by key. Those still in it when it is dropped (with its node and every
    handle to it) stop counting as live: hooks on a graph's nodes go when the graph goes."""

    __slots__ = ()

    def __del__(self) -> None:
        if self:
            _count_hooks(-len(self))


# Node hooks registered, not removed, on nodes still alive. While it is 0 a backward pass never
# looks for hooks (it reads this once per pass).
live_hooks = 0
_hook_keys = itertools.count()


def _count_hooks(change: int) -> None:
    global live_hooks
    with _COUNT_LOCK:
        live_hooks += change


# --- modes: grad recording, anomaly detection and tracing, per thread -----------------------


class _Mode(threading.local):
    enabled = True
    anomaly = False
    # While `compile` traces a function in this thread: the list the leaves made meanwhile are
    # added to (they are the trace's constants); None otherwise.
    tracing: Optional[list["Node"]] = None


MODE = _Mode()
# How many threads are in an unusual mode (inside no_grad(), detecting anomalies, or tracing),
# counted once per reason. While it is 0, as it almost always is, the hot path need not read the
# thread-local flags, which cost several times a global look-up.
unusual_threads = 0
_COUNT_LOCK = threading.RLock()  # re-entrant: a hook table dropped while it is held


class TraceError(RuntimeError):
    """A function being compiled did something the generated code cannot replay: it read a
    traced value (to branch on it, or as a plain number), or recorded outside the graph."""


def trace_error(what: str) -> TraceError:
    """The one message for each thing tracing refuses; `what` names it."""
    return TraceError(
        f"{what} while compiling: the generated code replays only the recorded ops, so a "
        f"compiled function must not branch on values or read them as plain numbers. Select "
        f"with autodiff.where(cond, a, b) and masks made by ops (step, sign), or compile only "
        f"the part of the function that does not branch")


def set_tracing(created: Optional[list["Node"]]) -> Optional[list["Node"]]:
    """Start (a list to collect the leaves made while tracing) or stop (None) tracing in this
    thread; returns the previous setting (for restoring it)."""
    global unusual_threads
    before = MODE.tracing
    with _COUNT_LOCK:
        unusual_threads += (created is not None) - (before is not None)
    MODE.tracing = created
    return before


def refuse_while_tracing(what: str) -> None:
    """Raise TraceError if this thread is tracing (see `trace_error`)."""
    if unusual_threads and MODE.tracing is not None:
        raise trace_error(what)


def note_leaf(leaf: "Node") -> None:
    """Remember a leaf made while tracing: a constant of the trace, not an outside value."""
    if unusual_threads and MODE.tracing is not None:
        MODE.tracing.append(leaf)


def is_grad_enabled() -> bool:
    """True unless inside `no_grad()` (per thread)."""
    return MODE.enabled


def set_mode(enabled: bool, anomaly: bool) -> tuple[bool, bool]:
    """Set this thread's mode; returns the previous one (for restoring it)."""
    global unusual_threads
    before = (MODE.enabled, MODE.anomaly)
    with _COUNT_LOCK:
        unusual_threads += (not enabled or anomaly) - (not before[0] or before[1])
    MODE.enabled, MODE.anomaly = enabled, anomaly
    return before


class ModeSwitch:
    """A context manager that is also a decorator, with or without parentheses."""

    enabled: Optional[bool] = None   # None: leave the flag as it is
    anomaly: Optional[bool] = None

    def __new__(cls, func: Optional[Callable[..., Any]] = None) -> Any:
        self = super().__new__(cls)
        return self if func is None else self(func)

    def __init__(self, func: Optional[Callable[..., Any]] = None) -> None:
        self._saved: list[tuple[bool, bool]] = []

    def __enter__(self) -> None:
        enabled = MODE.enabled if self.enabled is None else self.enabled
        anomaly = MODE.anomaly if self.anomaly is None else self.anomaly
        self._saved.append(set_mode(enabled, anomaly))

    def __exit__(self, *exc: Any) -> None:
        set_mode(*self._saved.pop())

    def __call__(self, func: F) -> F:
        import functools
        switch = type(self)

        @functools.wraps(func)
        def switched(*args: Any, **kwargs: Any) -> Any:
            with switch():
                return func(*args, **kwargs)
        return switched  # type: ignore[return-value]


class no_grad(ModeSwitch):
    """Record no graph inside (per thread): `with no_grad():`, `@no_grad` or `@no_grad()`."""

    enabled = False


class enable_grad(ModeSwitch):
    """Record graphs again inside a `no_grad()` block; also a decorator."""

    enabled = True
