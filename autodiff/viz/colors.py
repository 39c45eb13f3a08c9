"""Fill colours: a node's role (leaf, root, op), or the size of its gradient on a log scale.

`GradScale` spreads the gradient sizes of the nodes drawn (|g| for a number, max |g| for an
array) over seven steps of one hue, equal steps of log10, light for small and dark for large;
a zero gradient is white, and nan and inf gradients each have a colour outside the scale, so an
exploding or broken gradient stands out. `legend()` draws the scale as a Graphviz HTML table.
"""
from __future__ import annotations

import math
from typing import Optional, Sequence

from .labels import html_text

ROOT, PARAMETER, FROZEN, PLAIN = "#fde68a", "#bfdbfe", "#e5e7eb", "#ffffff"
OP, BOX, FOLD, SUMMARY = "#f1f5f9", "#dcfce7", "#ede9fe", "#fef3c7"
HIGHLIGHT = "#dc2626"
# ColorBrewer's OrRd, light to dark; text turns white on the two darkest.
STEPS = ("#fff7ec", "#fee8c8", "#fdd49e", "#fdbb84", "#fc8d59", "#e34a33", "#b30000")
ZERO, NO_GRAD, NAN, INF = "#ffffff", "#e5e7eb", "#e879f9", "#22d3ee"


class GradScale:
    """Colours for gradient sizes: `fill(size)` gives (fill, font colour)."""

    def __init__(self, sizes: Sequence[Optional[float]]) -> None:
        logs = [math.log10(s) for s in sizes if s is not None and 0 < s < math.inf]
        self.low = min(logs, default=0.0)
        self.high = max(logs, default=0.0)
        self.kinds = {self._kind(s) for s in sizes}

    def _kind(self, size: Optional[float]) -> str:
        if size is None:
            return "none"
        if size != size:
            return "nan"
        if size == math.inf:
            return "inf"
        return "zero" if size == 0 else "scale"

    def step(self, size: float) -> int:
        """The step (0..6) of a finite positive size."""
        if self.high <= self.low:
            return len(STEPS) // 2
        t = (math.log10(size) - self.low) / (self.high - self.low)
        return min(int(t * len(STEPS)), len(STEPS) - 1)

    def fill(self, size: Optional[float]) -> tuple[str, str]:
        """(fill colour, font colour) for a gradient of this size (None: no gradient)."""
        kind = self._kind(size)
        if kind == "scale":
            k = self.step(size)  # type: ignore[arg-type]
            return STEPS[k], "#ffffff" if k >= len(STEPS) - 2 else "#111827"
        return {"none": NO_GRAD, "nan": NAN, "inf": INF, "zero": ZERO}[kind], "#111827"

    def legend(self) -> str:
        """The scale as a Graphviz HTML-like label: one cell per step, then nan, inf, 0."""
        cells = []
        if "scale" in self.kinds:
            width = (self.high - self.low) / len(STEPS)
            for k, colour in enumerate(STEPS if width > 0 else STEPS[3:4]):
                low = 10 ** (self.low + k * width)
                text = f"{low:.2g}" if width > 0 else f"{10 ** self.low:.2g}"
                font = "#ffffff" if width > 0 and k >= len(STEPS) - 2 else "#111827"
                cells.append(f'<td bgcolor="{colour}"><font color="{font}">{text}</font></td>')
        for kind, colour, text in (("zero", ZERO, "0"), ("nan", NAN, "nan"), ("inf", INF, "inf"),
                                   ("none", NO_GRAD, "no grad")):
            if kind in self.kinds:
                cells.append(f'<td bgcolor="{colour}">{html_text(text)}</td>')
        title = "gradient size |g| (max over elements), log scale"
        return (f'<<table border="0" cellborder="1" cellspacing="0" cellpadding="4">'
                f'<tr><td colspan="{max(len(cells), 1)}">{html_text(title)}</td></tr>'
                f'<tr>{"".join(cells)}</tr></table>>')
