"""The text of a drawing: numbers, array summaries, op labels with their named parameters, the
names of nodes, and the escaping that keeps any label valid DOT, HTML and SVG.

A label is text a user chose, so it may hold anything: quotes, braces, a NUL byte. Control
characters (which DOT, XML and HTML cannot carry) are written as visible escapes such as `\\x00`
before the syntax of each format is escaped; a label that is not a str is drawn as its str().
"""
from __future__ import annotations

import html
import numbers
import re
from typing import Any, Optional

import numpy as np

from ..node import Node, arguments
from ..ops import MISSING, Op

# C0 and C1 control characters except the newline, which labels may use to break a line, and
# the unpaired surrogates that no UTF-8 file can hold.
_CONTROL = re.compile("[\x00-\x09\x0b-\x1f\x7f-\x9f\ud800-\udfff]")


def printable(text: Any) -> str:
    """`text` (its str() if not a str) with each control character as a visible escape."""
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    return _CONTROL.sub(lambda m: f"\\x{ord(m[0]):02x}" if ord(m[0]) < 256
                        else f"\\u{ord(m[0]):04x}", text)


def dot_text(text: Any) -> str:
    """Text safe inside a quoted DOT string (a newline becomes DOT's centred line break)."""
    text = printable(text)
    return text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def record_text(text: Any) -> str:
    """Text safe inside one field of a DOT record label (braces, bars and angles are syntax)."""
    text = dot_text(text)
    for special in "{}|<>":
        text = text.replace(special, "\\" + special)
    return text


def html_text(text: Any) -> str:
    """Text safe inside HTML, SVG and Graphviz's HTML-like labels."""
    return html.escape(printable(text), quote=True)


# --- numbers ----------------------------------------------------------------------------------


def float_text(x: Any) -> str:
    """micrograd's `%.4f`, switching to `%.4e` where that would hide the digits."""
    x = float(x)
    return f"{x:.4f}" if x == 0 or 1e-4 <= abs(x) < 1e6 or x != x else f"{x:.4e}"


def number_text(x: Any) -> str:
    """A short number: ints as they are, floats to four significant digits."""
    if isinstance(x, (numbers.Integral, np.bool_)):
        return str(x)
    return f"{x:.4g}"


def array_summary(a: np.ndarray) -> str:
    """The values of a small array; min, mean and max of a larger one."""
    if a.size == 0:
        return "[]"
    if a.size <= 6:
        text = np.array2string(a, separator=", ", formatter={"all": number_text},
                               max_line_width=10**6)
        return text.replace("\n", "")
    with np.errstate(all="ignore"):
        return (f"min {number_text(a.min())} mean {number_text(a.mean())} "
                f"max {number_text(a.max())}")


def quantity(x: Any) -> str:
    """A number as `float_text`, an array as its shape and `array_summary`, None as None."""
    if x is None:
        return "None"
    if isinstance(x, Node):
        x = x.data
    if isinstance(x, np.ndarray) and x.ndim > 0:
        return f"{x.shape} {array_summary(x)}"
    return float_text(x)


def shape_text(x: Any) -> str:
    """The shape of a node's data, `()` for a scalar."""
    data = x.data if isinstance(x, Node) else x
    return str(tuple(np.shape(data)))


def param_text(x: Any) -> str:
    """An op parameter as it would be written in a call: `(1:, ..., None, 2)`, `axis=1`."""
    if isinstance(x, tuple):
        inner = ", ".join(param_text(item) for item in x)
        return f"({inner},)" if len(x) == 1 else f"({inner})"
    if isinstance(x, slice):
        parts = ["" if v is None else str(v) for v in (x.start, x.stop, x.step)]
        return ":".join(parts if x.step is not None else parts[:2])
    if x is Ellipsis:
        return "..."
    if isinstance(x, np.ndarray):
        return f"{x.dtype}{list(x.shape)}"
    return repr(x) if isinstance(x, str) else str(x)


def constant_text(x: Any) -> str:
    """A raw argument (a number or an array that needs no gradient), drawn as a small node."""
    if isinstance(x, np.ndarray):
        return f"{x.shape} {x.dtype}\n{array_summary(x)}"
    return number_text(x)


# --- op labels --------------------------------------------------------------------------------


def position(op: Op, i: int, node: Node) -> int:
    """The position in the op's declared signature of argument i (a variadic op's inputs all
    stand at position 0)."""
    if not op.variadic:
        return i
    count = len(node._k) - op.nparams
    return 0 if i < count else i - count + op.ninputs


def _shown(x: Any, default: Any) -> bool:
    """Whether a setting is named in the op's label: unless it is its default and that
    default means "not set" (None or False), as `sum`'s axis=None and keepdims=False."""
    if default is MISSING or (default is not None and default is not False):
        return True
    try:
        return bool(x != default)
    except (TypeError, ValueError):  # an array against a default: not the default
        return True


def op_parts(node: Node) -> tuple[str, list[tuple[int, Any]]]:
    """(the op's label with its named parameters, as `sum(axis=1)` or `leaky_relu(slope=0.01)`;
    the raw arguments drawn as constants, as (argument index, value))."""
    settings, constants = op_arguments(node)
    name = node._op.name
    return (f"{name}({', '.join(settings)})" if settings else name), constants


def op_arguments(node: Node) -> tuple[list[str], list[tuple[int, Any]]]:
    """(the settings named in the op's label, `axis=1`; the raw arguments that are constants,
    as (argument index, value)). A raw argument that has a default is a setting, named unless
    `_shown` says it is not set."""
    op = node._op
    settings = []
    constants = []
    for i, x in enumerate(arguments(node)):
        if isinstance(x, Node):
            continue
        at = position(op, i, node)
        if at >= op.ninputs or op.defaults[at] is not MISSING:
            if at < op.ninputs or _shown(x, op.defaults[at]):
                settings.append(f"{op.params[at]}={param_text(x)}")
        else:
            constants.append((i, x))
    return settings, constants


def field_value(x: Any) -> str:
    """A value as a record's data or grad field shows it: a number, an array's summary, None."""
    if x is None:
        return "None"
    if isinstance(x, Node):
        x = x.data
    if isinstance(x, (np.ndarray, np.generic)):  # a Tensor's gradient may be a numpy scalar
        return array_summary(np.asarray(x))
    return float_text(x)


def node_name(node: Node, i: int, parameter: Optional[str] = None) -> str:
    """What a node is called in tables and captions: its parameter name, its label, or its op
    and position (`mul#4`, `leaf#0`)."""
    if parameter:
        return parameter
    label = printable(getattr(node, "label", "")).replace("\n", "\\n")  # one line in tables
    if label:
        return label
    return f"{node._op.name if node._op is not None else 'leaf'}#{i}"
