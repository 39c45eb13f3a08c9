"""Smoke tests of the examples: each script runs (with small settings) as a user would run it,
exits 0, prints its key result and writes its pictures.

Each runs in a subprocess with the examples folder as its script directory, as
`python examples/NAME.py` does, and imports this checkout's packages whatever the environment
has installed. Needs the `examples` extra: matplotlib, and scikit-learn for digits (which fails
without it, as the example itself does).
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

import autodiff

pytest.importorskip("matplotlib", reason="the examples need the examples extra (matplotlib)")

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"
NAMES = sorted(path.stem for path in EXAMPLES.glob("[!_]*.py"))


def launch(name: str, *args: str, first: Path | None = None) -> subprocess.CompletedProcess[str]:
    """`python examples/NAME.py ARGS`, importing from first (if given), then from the checkout."""
    path = [str(first), str(ROOT)] if first else [str(ROOT)]
    return subprocess.run([sys.executable, str(EXAMPLES / f"{name}.py"), *args],
                          capture_output=True, text=True, timeout=120, cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": os.pathsep.join(path)})


def run(name: str, tmp_path: Path, *args: str) -> tuple[str, Path]:
    """Run examples/NAME.py with --out in tmp_path; return its stdout and the output folder."""
    out = tmp_path / name
    done = launch(name, "--out", str(out), *args)
    assert done.returncode == 0, f"{name} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout, out


def pictures(folder: Path) -> set[str]:
    """The names (without .png) of the PNG files in folder."""
    return {path.stem for path in folder.glob("*.png")}


def test_and_gate_learns_the_truth_table(tmp_path: Path) -> None:
    stdout, out = run("and_gate", tmp_path)
    assert "accuracy 100%" in stdout
    assert stdout.count(" ok") == 4
    assert pictures(out) == {"and_gate"}


def test_activations_draws_every_elementwise_op(tmp_path: Path) -> None:
    stdout, out = run("activations", tmp_path)
    ops = {name for name, op in autodiff.REGISTRY.items()  # the package's: the example's own
           if name in autodiff.ops.BUILT_IN and op.elementwise
           and (op.unary or name in ("leaky_relu", "elu"))}
    assert pictures(out) == ops | {"overview"}
    for name in ops:
        assert re.search(rf"^\s+{name}\b", stdout, re.MULTILINE), name


def test_moons_reaches_full_training_accuracy(tmp_path: Path) -> None:
    stdout, out = run("moons", tmp_path)
    assert "training accuracy 100%" in stdout
    assert len(re.findall(r"step +\d+ +lr", stdout)) == 11  # every 10 steps and the last
    assert pictures(out) == {"moons", "training"}


def test_moons_on_scalar_values_learns_too(tmp_path: Path) -> None:
    stdout, out = run("moons", tmp_path, "--scalar", "--steps", "60")  # 100% from step 60
    assert "337 parameters, on scalar Values (nn.scalar)" in stdout
    assert "training accuracy 100%" in stdout
    gap = float(re.search(r"its scores match the Values' to (\S+)", stdout).group(1))
    assert gap < 1e-12
    assert pictures(out) == {"moons", "training"}


def test_compiled_trains_the_moons_mlp_and_shows_its_backward(tmp_path: Path) -> None:
    stdout, out = run("compiled", tmp_path, "--steps", "60", "--lines", "5")
    assert "compiled: training accuracy 100%" in stdout
    backward = stdout.split("lines of the backward pass:\n")[1].splitlines()[:5]
    assert all(re.fullmatch(r" +\w+ = .+", line) for line in backward), backward
    assert re.search(r"one step: compiled [\d.]+ ms, interpreted [\d.]+ ms", stdout)
    assert (out / "loss_and_grads.py").read_text().startswith("def loss_and_grads(xs, ys")


def test_newton_converges_in_a_handful_of_steps(tmp_path: Path) -> None:
    stdout, out = run("newton", tmp_path)
    newton = int(re.search(r"Newton converged in (\d+) steps", stdout).group(1))
    descent = int(re.search(r"gradient descent in (\d+)", stdout).group(1))
    assert newton < 15 < descent
    assert pictures(out) == {"convergence"}


def test_lbfgs_fits_the_moons_through_scipy(tmp_path: Path) -> None:
    pytest.importorskip("scipy", reason="lbfgs needs SciPy (the examples extra)")
    stdout, out = run("lbfgs", tmp_path)
    assert "training accuracy 100.0%" in stdout
    gap = float(re.search(r"central differences at the solution: max gap (\S+)", stdout).group(1))
    assert gap < 1e-6
    assert pictures(out) == {"lbfgs"}


def test_gradient_norms_sees_sigmoid_gradients_vanish(tmp_path: Path) -> None:
    stdout, out = run("gradient_norms", tmp_path, "--steps", "30")
    shares = re.search(r"gets ([\d.]+) of the gradient .* with sigmoid, ([\d.]+) with tanh",
                       stdout)
    assert float(shares.group(1)) < 0.01 < float(shares.group(2))
    assert len(re.findall(r"median \|dL/dh\| per layer( \S+){6}$", stdout, re.M)) == 2
    assert pictures(out) == {"gradient_norms"}


def test_custom_activation_registers_tests_and_trains(tmp_path: Path) -> None:
    stdout, out = run("custom_activation", tmp_path, "--examples", "20")
    assert "check_op(mish) passed on 20 hypothesis inputs" in stdout
    accuracy = float(re.search(r"training accuracy ([\d.]+)%", stdout).group(1))
    assert accuracy >= 95.0
    assert "mish" in pictures(out)


def test_digits_trains_a_classifier(tmp_path: Path) -> None:
    stdout, out = run("digits", tmp_path, "--epochs", "2", "--target", "0.8")
    assert re.search(r"test accuracy \d+\.\d%", stdout)
    assert pictures(out) == {"digits", "mistakes"}


def test_beans_matches_the_hand_derived_gradients(tmp_path: Path) -> None:
    stdout, _ = run("beans", tmp_path, "--epochs", "50")
    assert "accuracy" in stdout


def test_graph_writes_the_dot_text(tmp_path: Path) -> None:
    _, out = run("graph", tmp_path)
    assert {path.name for path in out.glob("*.dot")} == {"expression.dot", "neuron.dot"}


def test_digits_without_scikit_learn_says_so_and_fails(tmp_path: Path) -> None:
    hiding = tmp_path / "hiding" / "sklearn"
    hiding.mkdir(parents=True)
    (hiding / "__init__.py").write_text("raise ImportError('scikit-learn is not installed')\n")
    done = launch("digits", "--out", str(tmp_path / "digits"), first=hiding.parent)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "pip install scikit-learn" in done.stderr
    assert not (tmp_path / "digits").exists()


@pytest.mark.parametrize("name", NAMES)
def test_help_shows_the_default_of_every_option(name: str) -> None:
    done = launch(name, "--help")
    assert done.returncode == 0, done.stderr
    listed = re.split(r"^(?:options|optional arguments):$", done.stdout, flags=re.MULTILINE)[1]
    options = [" ".join(entry.split()) for entry in re.split(r"\n  (?=-)", listed)[1:]]
    assert options and options[0].startswith("-h, --help")
    for option in options[1:]:
        assert re.search(r"\(default: \S+\)$", option), f"{name}: {option}"
