"""examples/tour.ipynb runs: every cell executes without an error or a warning, the outputs saved
in it are what its code prints now, and its cells tagged `readme` are the README's own blocks.

The notebook runs in a fresh kernel (nbclient and ipykernel, from the test extra) that imports
this checkout's packages, in a temporary folder (the tour writes files). After editing the
notebook, refresh its saved outputs with `python tests/test_notebook.py`.
"""
from __future__ import annotations

import os
import re
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pytest

nbformat = pytest.importorskip("nbformat", reason="the notebook test needs the test extra")
nbclient = pytest.importorskip("nbclient", reason="the notebook test needs the test extra")
pytest.importorskip("ipykernel", reason="the notebook test needs the test extra")

ROOT = Path(__file__).resolve().parent.parent
NOTEBOOK = ROOT / "examples" / "tour.ipynb"
CELL_TIMEOUT = 120  # seconds; the whole tour takes a few

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="the tour draws graphs: Graphviz's dot is not installed")


def execute(notebook: Any, folder: Path) -> Any:
    """notebook with its cells run in order in a fresh kernel working in folder; a
    CellExecutionError names the first cell that raises."""
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    client = nbclient.NotebookClient(notebook, timeout=CELL_TIMEOUT, kernel_name="python3",
                                     record_timing=False,
                                     resources={"metadata": {"path": str(folder)}})
    return client.execute(env={**os.environ, "PYTHONPATH": path})


def code_cells(notebook: Any) -> list[Any]:
    return [cell for cell in notebook.cells if cell.cell_type == "code"]


def printed(cell: Any) -> list[str]:
    """A code cell's outputs as text: its streams, each joined, its text results, and for a
    picture only its kind (the bytes depend on the matplotlib and Graphviz versions)."""
    streams: dict[str, str] = {}
    results = []
    for output in cell.outputs:
        if output.output_type == "stream":
            streams[output.name] = streams.get(output.name, "") + output.text
        elif output.output_type == "error":
            results.append(f"error: {output.ename}: {output.evalue}")
        else:
            pictures = sorted(kind for kind in output.data if kind.startswith("image/"))
            results.append(" ".join(pictures) if pictures else output.data["text/plain"])
    return [f"{name}: {text}" for name, text in sorted(streams.items())] + results


@pytest.fixture(scope="module")
def saved() -> Any:
    return nbformat.read(NOTEBOOK, as_version=4)


@pytest.fixture(scope="module")
def run(saved: Any, tmp_path_factory: pytest.TempPathFactory) -> Any:
    return execute(nbformat.from_dict(saved), tmp_path_factory.mktemp("tour"))


@needs_dot
def test_every_cell_runs_quietly_and_prints_what_is_saved(saved: Any, run: Any) -> None:
    fresh, stored = code_cells(run), code_cells(saved)
    for number, cell in enumerate(fresh, 1):
        assert not any(o.output_type == "error" or o.get("name") == "stderr"
                       for o in cell.outputs), f"code cell {number} wrote an error or warning"
    assert [printed(cell) for cell in fresh] == [printed(cell) for cell in stored], (
        "the saved outputs are stale: run `python tests/test_notebook.py`")
    assert [cell.execution_count for cell in stored] == list(range(1, len(stored) + 1))


@needs_dot
def test_the_tour_shows_what_the_readme_promises(run: Any) -> None:
    outputs = [printed(cell) for cell in code_cells(run)]
    assert ["stdout: 6.0 -4.0\n"] in outputs  # the Value expression's gradients
    assert sum(out == ["image/svg+xml"] for out in outputs) == 2  # the two graphs drawn
    assert ["image/png"] in outputs  # the loss curve
    (summary,) = [out[0] for out in outputs if out and out[0].startswith("History(")]
    assert re.search(r"History\(200 epochs: .*, metric [\d.]+ -> 1\)$", summary)
    assert outputs[-1] == ["stdout: test_cube passed\n"]


def test_the_readme_cells_are_the_readmes_own_blocks(saved: Any) -> None:
    blocks = re.findall(r"```python\n(.*?)```", (ROOT / "README.md").read_text(), re.DOTALL)
    tagged = [cell.source for cell in saved.cells if "readme" in cell.metadata.get("tags", [])]
    assert len(tagged) == 3
    for source in tagged:
        assert source + "\n" in blocks, (
            f"this cell tagged readme is no longer a README block; copy the README's block "
            f"into it and run `python tests/test_notebook.py`:\n{source}")


def test_a_cell_that_raises_fails_the_run(tmp_path: Path) -> None:
    cells = [nbformat.v4.new_code_cell(source) for source in ("x = 1", "x / 0", "print(x)")]
    with pytest.raises(nbclient.exceptions.CellExecutionError, match="ZeroDivisionError"):
        execute(nbformat.v4.new_notebook(cells=cells), tmp_path)


if __name__ == "__main__":
    with tempfile.TemporaryDirectory() as folder:
        notebook = execute(nbformat.read(NOTEBOOK, as_version=4), Path(folder))
    for output in (o for cell in code_cells(notebook) for o in cell.outputs):
        if any(kind.startswith("image/") for kind in output.get("data", {})):
            output.data.pop("text/plain", None)  # `<Digraph at 0x...>`: new on every run
    nbformat.write(notebook, NOTEBOOK)
    print(f"wrote {NOTEBOOK.relative_to(ROOT)} with fresh outputs", file=sys.stderr)
