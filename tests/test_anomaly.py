"""Anomaly mode: the first op to make a nan or an inf from finite inputs is named, forward or
backward, with where it was made; nothing changes outside the mode."""
from __future__ import annotations

import math
import threading
from typing import Any, Callable

import numpy as np
import pytest
from hypothesis import given

import autodiff
from autodiff import AnomalyError, Tensor, Value, detect_anomaly, grad
from autodiff.testing import graphs

HERE = "tests/test_anomaly.py"


def _line_of(marker: str) -> int:
    """The line number of the line in this file that ends with `# marker`."""
    with open(__file__) as source:
        return next(i for i, line in enumerate(source, 1) if line.rstrip().endswith(f"# {marker}"))


def test_the_forward_pass_names_the_op_its_site_and_inputs() -> None:
    x = Value(0.0, label="x")
    with detect_anomaly():
        y = x * 3.0
        with pytest.raises(AnomalyError) as caught:
            y.log()  # the log
    error = caught.value
    assert (error.op, error.phase) == ("log", "forward")
    assert error.node._op.name == "log" and error.node.data == -math.inf
    assert error.site.startswith(f"at {HERE}:{_line_of('the log')} in ")
    message = str(error)
    assert message.startswith("log: the forward pass produced inf from finite inputs")
    assert "inputs: x = 0.0" in message


def test_the_backward_pass_names_the_formula_that_made_the_inf() -> None:
    t = Tensor(np.linspace(0.0, 1.0, 8), requires_grad=True)
    with detect_anomaly():
        loss = t.sqrt().sum()  # sqrt'(0) is inf
        with pytest.raises(AnomalyError) as caught:
            loss.backward()
    error = caught.value
    assert (error.op, error.phase) == ("sqrt", "backward")
    assert f"{HERE}:{_line_of('sqrt' + chr(39) + '(0) is inf')}" in error.site
    assert "gave inf in the gradient for x" in str(error)
    assert "array of shape (8,), float64, in [0, 1]" in str(error)
    assert t.grad is None  # a failed pass leaves .grad as it was


def test_a_create_graph_pass_blames_the_op_differentiated_not_its_formula() -> None:
    x = Value(0.0)
    with detect_anomaly():
        y = x.sqrt()
        with pytest.raises(AnomalyError) as caught:
            grad(y, x, create_graph=True)
    assert (caught.value.op, caught.value.phase) == ("sqrt", "backward")


def test_non_finite_inputs_are_not_an_anomaly_of_the_op_they_reach() -> None:
    with detect_anomaly():
        assert math.isnan((Value(math.inf) * 0.0).data)
        assert np.isnan(Tensor([math.nan, 1.0]).exp().data[0])
        x = Tensor([math.inf, 1.0], requires_grad=True)
        (x * 2.0).sum().backward()  # finite gradients from an inf input
    np.testing.assert_array_equal(x.grad, [2.0, 2.0])


def test_in_a_chain_the_first_op_to_make_one_is_blamed() -> None:
    with detect_anomaly():
        x = Value(0.5)
        with pytest.raises(AnomalyError) as caught:
            ((x - 1.0).log() * 2.0).exp()  # log(-0.5) is nan; mul and exp never run
    assert caught.value.op == "log"


@given(graph=graphs())
def test_nothing_changes_for_finite_graphs(graph: tuple[list[Value], Value]) -> None:
    leaves, root = graph
    want = grad(root, leaves)
    with detect_anomaly():
        got = grad(root, leaves)
    assert got == want


def test_decorator_with_and_without_parentheses() -> None:
    @detect_anomaly
    def bare(x: Value) -> Value:
        return x.log()

    @detect_anomaly()
    def called(x: Value) -> Value:
        return x.log()

    for f in (bare, called):
        with pytest.raises(AnomalyError):
            f(Value(0.0))
        assert f(Value(1.0)).data == 0.0
    assert Value(0.0).log().data == -math.inf  # outside: IEEE values, silently


def test_the_mode_is_per_thread_and_restored_after_an_error() -> None:
    found = []

    def other() -> None:
        found.append(Value(0.0).log().data)

    with pytest.raises(AnomalyError):
        with detect_anomaly():
            thread = threading.Thread(target=other)
            thread.start()
            thread.join()
            Value(0.0).log()
    assert found == [-math.inf]
    assert Value(0.0).log().data == -math.inf
    assert autodiff.node.unusual_threads == 0


def test_sites_are_recorded_only_inside_the_mode() -> None:
    with detect_anomaly():
        inside = Value(1.0) * 2.0
    outside = Value(1.0) * 2.0
    assert inside._meta["site"][0][0].endswith("test_anomaly.py")
    assert outside._meta is None


def test_an_anomaly_is_not_an_arithmetic_or_value_error() -> None:
    # Formulas that raise those are recomputed with IEEE values; an anomaly must get out.
    assert not issubclass(AnomalyError, (ArithmeticError, ValueError))
    assert issubclass(AnomalyError, RuntimeError)
