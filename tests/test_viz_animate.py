"""animate(): one self-contained HTML page that steps through the forward and backward passes,
checked in a real headless browser (Debian's chromium; CI installs it)."""
from __future__ import annotations

import importlib.util
import json
import os
import re
import shutil
import subprocess
import tempfile
from pathlib import Path

import numpy as np
import pytest

import autodiff as ad
import nn

_spec = importlib.util.spec_from_file_location(
    "graph_example", Path(__file__).resolve().parent.parent / "examples" / "graph.py")
example = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(example)
micrograd_expression = example.expression  # L = (a * b + c) * f, after backward

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="the Graphviz 'dot' program is not installed")
BROWSER = next((shutil.which(name) for name in ("chromium", "chromium-browser",
                                                "google-chrome") if shutil.which(name)), None)
# CI sets this, so a missing browser fails there instead of skipping the test.
REQUIRED = os.environ.get("AUTODIFF_REQUIRE_BROWSER") == "1"


def page_data(path: Path) -> dict:
    text = path.read_text()
    found = re.search(r'<script type="application/json" id="frames">(.*?)</script>', text, re.S)
    assert found
    return json.loads(found[1])


@needs_dot
def test_the_page_is_self_contained(tmp_path: Path) -> None:
    path = ad.animate(micrograd_expression(), tmp_path / "backprop.html")
    text = path.read_text()
    assert text.startswith("<!DOCTYPE html>") and "<svg" in text
    assert not re.search(r"<script[^>]+src=|<link|@import|url\(|https?://(?!www\.w3\.org/)",
                         text)  # nothing fetched: only SVG's namespace names appear
    assert 'id="slider"' in text and 'id="play"' in text


@needs_dot
def test_one_frame_per_node_forward_then_backward(tmp_path: Path) -> None:
    L = micrograd_expression()
    data = page_data(ad.animate(L, tmp_path / "page.html"))
    frames = data["frames"]
    assert len(frames) == 2 * 7 and len(data["nodes"]) == 7
    assert [f["phase"] for f in frames] == ["forward"] * 7 + ["backward"] * 7
    assert [f["node"] for f in frames[7:]] == [f["node"] for f in frames[:7]][::-1]
    texts = [f["text"] for f in frames]
    assert "forward: e = mul(a, b) = -6.0000" in texts
    assert any(t.startswith("backward: a.grad = -2.0000 × -3.0000 (from e)   (upstream")
               for t in texts)
    grads = {n["record"]: n["grad"] for n in data["nodes"]}
    assert "grad 6.0000" in grads.values() and "grad 1.0000" in grads.values()


@needs_dot
def test_animate_changes_no_grad_and_draws_tensors(tmp_path: Path) -> None:
    L = micrograd_expression()
    grads = [node.grad for node in ad.topological_order(L)]
    ad.animate(L, tmp_path / "scalar.html")
    assert [node.grad for node in ad.topological_order(L)] == grads
    model = nn.MLP(2, [3, 1], rng=0)
    loss = nn.mse_loss(model(np.ones((4, 2))), np.zeros((4, 1)))
    data = page_data(ad.animate(loss, tmp_path / "tensor.html"))
    assert any("layers.0.weight" in f["text"] for f in data["frames"])
    assert all(p.grad is None for p in model.parameters())


def test_a_graph_too_big_to_animate_is_refused() -> None:
    y = ad.Value(0.5)
    for _ in range(200):
        y = y.tanh()
    with pytest.raises(ValueError, match="201 nodes, more than max_nodes=150"):
        ad.animate(y, "never.html")
    with pytest.raises(TypeError, match="animate: expected a Value or Tensor, got float"):
        ad.animate(1.0, "never.html")  # type: ignore[arg-type]


# --- in a real browser ------------------------------------------------------------------------


def run_browser(url: str) -> str:
    """The DOM of the page at `url` after its scripts ran, from headless chromium."""
    with tempfile.TemporaryDirectory() as profile:
        done = subprocess.run(
            [BROWSER, "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
             "--disable-background-networking", "--disable-component-update", "--disable-sync",
             "--no-first-run", f"--user-data-dir={profile}", "--dump-dom", url],
            capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    return done.stdout


@needs_dot
@pytest.mark.skipif(BROWSER is None and not REQUIRED,
                    reason="no headless browser: install Debian's chromium "
                           "(apt-get install chromium) to run the animation in one")
@pytest.mark.parametrize("kind", ["value", "tensor"])
def test_every_frame_renders_in_a_browser(tmp_path: Path, kind: str) -> None:
    assert BROWSER is not None, "AUTODIFF_REQUIRE_BROWSER=1 but no chromium on PATH"
    if kind == "value":
        root = micrograd_expression()
    else:
        model = nn.MLP(2, [3, 1], rng=0)
        root = nn.mse_loss(model(np.ones((4, 2))), np.zeros((4, 1)))
    path = ad.animate(root, tmp_path / "page.html")
    frames = len(page_data(path)["frames"])
    dom = run_browser(path.resolve().as_uri() + "#check")
    check = re.search(r'data-check="([^"]*)"', dom)
    assert check and check[1] == f"ok {frames}", check[1] if check else dom[-2000:]
    opened = run_browser(path.resolve().as_uri() + "#frame=3")  # a frame given in the address
    assert f"4 / {frames} (forward)" in opened
