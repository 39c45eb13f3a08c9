"""The README's Python blocks run as written, each on its own, and print what their comments say.

Each ```python block runs in a fresh interpreter in an empty folder (so a block that relies on an
earlier one fails here, as it would for a reader). In a line `print(...)  # text` whose comment
reads as output (it starts like a number, a bracket, a quote, a repr, or with the first word
printed) the print must give exactly `text`; a comment ending in "..." need only match its
beginning. Other comments on print lines are prose (`# in Jupyter it renders as HTML`).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
README = ROOT / "README.md"
PRINTED = re.compile(r"^(\s*)print\((.*)\)\s+#\s?(.*)$")

CHECK = textwrap.dedent('''
    import io as _io, contextlib as _contextlib

    def _check(line, expected, *values):
        buffer = _io.StringIO()
        with _contextlib.redirect_stdout(buffer):
            print(*values)
        got = buffer.getvalue().rstrip("\\n")
        print(got)
        first = (expected.split() or [""])[0]
        output_like = expected[:1] in "0123456789-+[({'\\"<" or first in (got.split() or [""])[:1] \\
            or first.startswith(("True", "False", "None", "nan", "inf", "Value(", "Tensor("))
        if not output_like:
            return
        if expected.endswith("...") and got.startswith(expected[:-3].rstrip()):
            return
        if got != expected:
            raise AssertionError(f"README line {line}: printed {got!r}, its comment says "
                                 f"{expected!r}")
''')


def blocks() -> list[tuple[int, str]]:
    """(first line number, source) of every ```python block in the README."""
    found, lines = [], README.read_text().splitlines()
    start = None
    for number, line in enumerate(lines, 1):
        if line.strip() == "```python":
            start = number + 1
        elif line.strip() == "```" and start is not None:
            found.append((start, "\n".join(lines[start - 1:number - 1])))
            start = None
    return found


def checked(first: int, source: str) -> str:
    """The block with each commented print turned into a check of what it prints."""
    out = [CHECK]
    for offset, line in enumerate(source.splitlines()):
        match = PRINTED.match(line)
        if match and not match.group(3).startswith(("noqa", "type:")):
            indent, args, expected = match.groups()
            out.append(f"{indent}_check({first + offset}, {expected.strip()!r}, {args})")
        else:
            out.append(line)
    return "\n".join(out)


@pytest.mark.parametrize("first, source", blocks(), ids=lambda x: str(x)[:12])
def test_readme_block_runs_on_its_own(first: int, source: str, tmp_path: Path) -> None:
    script = tmp_path / "block.py"
    script.write_text(checked(first, source))
    env = {**os.environ, "PYTHONPATH": str(ROOT), "MPLBACKEND": "Agg"}
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True,
                          cwd=tmp_path, env=env, timeout=300)
    assert done.returncode == 0, (f"README block at line {first} failed:\n{done.stdout}\n"
                                  f"{done.stderr}")


def test_the_readme_has_blocks_to_run() -> None:
    assert len(blocks()) >= 5
