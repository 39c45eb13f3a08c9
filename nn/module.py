"""Module: the base class that finds parameters, zeroes gradients, and saves and loads them.

A parameter is any `Tensor` with requires_grad=True, or any `Value` (a Value has no such flag:
as in micrograd, every Value a module holds is trained), reachable from a module through its
attributes, lists, tuples and dicts (and through sub-modules, recursively). Nothing needs
registering: assigning `self.weight = Tensor(..., requires_grad=True)` is enough. A Value
parameter is saved as a 0-d float64 array.

Calling a module runs `forward(as_input(x))`: here `as_input` makes a Tensor of x; the modules of
Values (nn.scalar) make a list of Values instead.
"""
from __future__ import annotations

import os
from typing import Any, Callable, Iterable, Iterator, Optional

import numpy as np

from autodiff import HookHandle, Tensor, Value
from autodiff.viz import record_call

from .archive import NpzReader, PathLike, npz_path, write_npz


def as_tensor(x: Any) -> Tensor:
    """x as a Tensor: a Tensor as given, anything else (array, list, number) as float64 data."""
    return x if isinstance(x, Tensor) else Tensor(x, dtype=np.float64)


class Module:
    """Base class of models: subclasses define `forward(x)`; calling the module runs it."""

    def forward(self, x: Any) -> Any:
        """The module's output for input x (a Tensor; a list of Values in nn.scalar);
        subclasses define it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward(self, x)")

    _forward_hooks: Optional["_Hooks"] = None  # set by register_forward_hook

    def __call__(self, x: Any) -> Tensor:
        x = self.as_input(x)
        out = self.forward(x)
        record_call(out, self, (x,))  # drawings show the call as a cluster named by its path
        return out if self._forward_hooks is None else self._forward_hooks.run(self, x, out)

    def as_input(self, x: Any) -> Any:
        """x as `forward` takes it: a Tensor (arrays, lists and numbers as float64 data)."""
        return as_tensor(x)

    def register_forward_hook(self, fn: Callable[["Module", tuple[Any], Any], Any]
                              ) -> HookHandle:
        """Call fn(module, inputs, output) after each forward pass of this module (inputs: the
        tuple of its inputs); a value it returns (not None) replaces the output. `.remove()` on
        the returned handle takes the hook off."""
        if not callable(fn):
            raise TypeError(f"register_forward_hook: fn must be callable, got "
                            f"{type(fn).__name__}")
        if self._forward_hooks is None:
            self._forward_hooks = _Hooks()
        return HookHandle(self._forward_hooks.table, fn)

    # --- parameters ------------------------------------------------------------------------

    # Typed for the Tensor modules; nn.scalar.Module retypes them for its Values.
    def named_parameters(self) -> list[tuple[str, Tensor]]:
        """(dotted name, parameter) pairs, depth first in attribute order, each parameter once."""
        return [(name, member) for name, member in self._members()
                if isinstance(member, Value) or (isinstance(member, Tensor)
                                                 and member.requires_grad)]

    def named_modules(self) -> list[tuple[str, "Module"]]:
        """(dotted name, module) pairs, this module first (named ""), then its sub-modules depth
        first in attribute order, each module once."""
        return [(name, member) for name, member in self._members() if isinstance(member, Module)]

    def _members(self) -> Iterator[tuple[str, Any]]:
        """(dotted name, member) for this module and every module, Tensor and Value below it,
        depth first in attribute order, each object once (the first name it is found under)."""
        seen: set[int] = set()  # ids: a parameter shared by two layers is listed once
        stack: list[tuple[str, Any]] = [("", self)]
        while stack:
            name, member = stack.pop()
            if id(member) in seen:
                continue
            seen.add(id(member))
            yield name, member
            if isinstance(member, Module):
                prefix = f"{name}." if name else ""
                stack.extend(reversed([(prefix + n, m) for n, m in member._named_members()]))

    def parameters(self) -> list[Tensor]:
        """Every parameter (a Tensor with requires_grad=True, or a Value), in
        `named_parameters` order."""
        return [p for _, p in self.named_parameters()]

    def zero_grad(self) -> None:
        """Forget every parameter's accumulated gradient (a Tensor's grad = None, a Value's 0.0:
        what each has when created)."""
        for p in self.parameters():
            p.grad = 0.0 if isinstance(p, Value) else None

    def children(self) -> list[tuple[str, "Module"]]:
        """The direct sub-modules with their (dotted) names, in attribute order."""
        return [(name, m) for name, m in self._named_members() if isinstance(m, Module)]

    def _named_members(self) -> Iterator[tuple[str, Any]]:
        """(name, value) for each Module, Tensor or Value among the attributes, lists, tuples
        and dicts (flattened: "layers.0"), without entering sub-modules."""
        stack: list[tuple[str, Any]] = list(reversed(vars(self).items()))
        while stack:
            name, value = stack.pop()
            if isinstance(value, (Module, Tensor, Value)):
                yield name, value
            elif isinstance(value, (list, tuple)):
                stack.extend(reversed([(f"{name}.{i}", v) for i, v in enumerate(value)]))
            elif isinstance(value, dict):
                stack.extend(reversed([(f"{name}.{k}", v) for k, v in value.items()]))

    # --- saving and loading ------------------------------------------------------------------

    def state_dict(self) -> dict[str, np.ndarray]:
        """Copies of the parameters' data as arrays, by dotted name (a Value's: 0-d float64)."""
        return {name: np.array(p.data) for name, p in self.named_parameters()}

    def load_state_dict(self, state: dict[str, Any]) -> None:
        """Copy state into the parameters; every name, shape and dtype is checked first, and on
        any mismatch a ValueError lists all of them and nothing is changed."""
        self._refuse_mismatches("load_state_dict", state, lambda name: np.asarray(state[name]))
        for name, p in self.named_parameters():
            if isinstance(p, Value):
                p.data = float(state[name])
            else:
                p.copy_(state[name])  # in place (arrays held elsewhere stay current): a new version

    def save(self, path: PathLike) -> None:
        """Write the parameters to an .npz file (adding the suffix when it is missing)."""
        write_npz(path, self.state_dict())

    def load(self, path: PathLike) -> None:
        """Read parameters saved by `save` and load them, checking every entry's name, shape
        and dtype from its header before reading any data (see nn.archive)."""
        if not os.path.exists(path) and os.path.exists(npz_path(path)):
            path = npz_path(path)  # save() added the suffix
        with NpzReader(path) as archive:
            self._refuse_mismatches(f"load({os.fspath(path)!r})", archive.names, archive.header)
            state = {name: archive.read(name, layout.shape, layout.dtype)
                     for name, layout in self._layouts().items()}
        self.load_state_dict(state)

    def _refuse_mismatches(self, where: str, names: Iterable[str],
                           describe: Callable[[str], Any]) -> None:
        """A ValueError listing every missing, unexpected, wrongly shaped or typed entry among
        names, where describe(name) has the entry's .shape and .dtype (asked of shared names
        only, so an unexpected entry is never read)."""
        layouts = self._layouts()
        names = dict.fromkeys(names)  # ordered, with fast membership
        problems = [f"missing {name!r}" for name in layouts if name not in names]
        problems += [f"unexpected {name!r}" for name in names if name not in layouts]
        for name, have in layouts.items():
            if name not in names:
                continue
            given = describe(name)  # in order: the first bad entry is named
            if given.shape != have.shape:
                problems.append(f"{name!r} has shape {given.shape}, the model {have.shape}")
            elif given.dtype != have.dtype:
                problems.append(f"{name!r} has dtype {given.dtype}, the model {have.dtype}")
        if problems:
            raise ValueError(f"{type(self).__name__}.{where}: nothing loaded, because: "
                             + "; ".join(sorted(problems)))

    def _layouts(self) -> dict[str, np.ndarray]:
        """Each parameter's data as an array, by name: its shape and dtype are what a saved
        entry must have (a Value's float is a 0-d float64 array)."""
        return {name: np.asarray(p.data) for name, p in self.named_parameters()}

    # --- printing ----------------------------------------------------------------------------

    def extra_repr(self) -> str:
        """The text inside the parentheses of this module's repr (its settings)."""
        return ""

    def __repr__(self) -> str:
        head = f"{type(self).__name__}({self.extra_repr()}"
        children = self.children()
        if not children:
            return head + ")"
        lines = [head]
        for name, child in children:
            body = repr(child).replace("\n", "\n  ")
            lines.append(f"  ({name}): {body}")
        return "\n".join(lines) + "\n)"


class _Hooks:
    """A module's forward hooks: not a dict, so the search for parameters never looks inside."""

    __slots__ = ("table",)

    def __init__(self) -> None:
        self.table: dict[int, Callable[..., Any]] = {}

    def run(self, module: Module, x: Any, out: Any) -> Any:
        """out after each hook, in the order registered (a hook may replace it)."""
        for fn in list(self.table.values()):  # a hook may remove itself
            new = fn(module, (x,), out)
            if new is not None:
                out = new
        return out
