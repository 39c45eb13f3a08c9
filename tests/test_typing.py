"""The public API type-checks: a small user program passes `mypy --strict`.

The package is found through PYTHONPATH, which mypy searches as it searches site-packages: as an
installed package, read only because it has a `py.typed` marker, its own errors not reported.
Every type the program gets from it is checked, so an untyped public function or an `Any`
leaking out of one fails here. A second program with misuses proves the library's types are read.
"""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("mypy", reason="mypy not installed (it is in the test extra)")

ROOT = Path(__file__).resolve().parent.parent

USER_PROGRAM = '''
import numpy as np

import nn
from autodiff import Tensor, Value


def neuron(x: Value, w: Value, b: Value) -> Value:
    return (x * w + b).tanh()


def scalar_gradients() -> tuple[float, float, float]:
    a, b = Value(2.0, label="a"), Value(-3.0)
    loss = neuron(a, b, Value(0.5)) + (a - b).relu() * 2 / b ** 2 - 1.5
    loss.backward()
    return loss.data, a.grad, b.grad


def tensor_loss(x: Tensor, w: Tensor) -> Tensor:
    return (x @ w * 2.0 - 1.0).sum()


def train(steps: int) -> nn.MLP:
    X = np.linspace(-1.0, 1.0, 20).reshape(10, 2)
    y = X.sum(axis=1, keepdims=True)
    model = nn.MLP(2, [8, 1], activation="tanh", rng=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1)
    for _ in range(steps):
        optimizer.zero_grad()
        loss: Tensor = nn.mse_loss(model(X), y)
        loss.backward()
        optimizer.step()
    return model


w = Tensor(np.full((2, 4), 0.5), requires_grad=True)
tensor_loss(Tensor(np.ones((3, 2))), w).backward()
print(scalar_gradients(), w.grad, train(3))
'''

MISUSES = '''
import numpy as np

import nn

model = nn.MLP("two", [8, 1])  # error: arg-type
optimizer = nn.SGD(model.parameters(), lr="fast")  # error: arg-type
loss: str = nn.mse_loss(model(np.ones((4, 2))), np.ones((4, 1)))  # error: assignment
'''


def test_a_user_program_passes_mypy_strict(tmp_path: Path) -> None:
    (tmp_path / "program.py").write_text(USER_PROGRAM)
    (tmp_path / "misuses.py").write_text(MISUSES)
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    ran = subprocess.run([sys.executable, "program.py"], capture_output=True, text=True,
                         cwd=tmp_path, env=env, timeout=60)
    assert ran.returncode == 0, ran.stderr  # the program is a real one
    done = subprocess.run([sys.executable, "-m", "mypy", "--strict", "program.py", "misuses.py"],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=300)
    errors = re.findall(r"^(\w+)\.py:(\d+): error: .*\[([\w-]+)\]$", done.stdout, re.MULTILINE)
    assert [file for file, _, _ in errors if file != "misuses"] == [], done.stdout
    expected = [("misuses", str(number), line.split("# error: ")[1])
                for number, line in enumerate(MISUSES.splitlines(), 1) if "# error: " in line]
    assert errors == expected, done.stdout
