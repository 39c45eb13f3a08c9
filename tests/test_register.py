"""Registering your own op works the first time: the README's mish passes the registry-wide
checks, a failing check says what to do, and registration refuses what cannot work."""
from __future__ import annotations

import inspect
import math
import re
import warnings
from pathlib import Path
from typing import Any, Callable, Iterator

import numpy as np
import pytest

import autodiff
from autodiff import (REGISTRY, Domain, GradcheckError, Tensor, Value, gradcheck, gradgradcheck,
                      register, step, unregister)
from autodiff.ops import BUILT_IN, RESERVED

import conftest

README = Path(__file__).resolve().parent.parent / "README.md"
EXTREMES = (1e308, -1e308, 1000.0, -1000.0, 0.0, -0.0, math.inf, -math.inf, math.nan)


@pytest.fixture
def scratch() -> Iterator[list[str]]:
    """Names registered by a test, unregistered after it."""
    names: list[str] = []
    yield names
    for name in names:
        if name in REGISTRY:
            unregister(name)


# --- the README's mish --------------------------------------------------------------------------


def test_the_readme_registers_the_mish_that_the_suite_checks() -> None:
    text = README.read_text()
    for function in (conftest.mish_forward, conftest.mish_derivative):
        assert inspect.getsource(function).strip() in text
    assert REGISTRY["mish"] is conftest.mish and "mish" not in BUILT_IN


def test_the_readme_mish_is_quiet_and_ieee_at_the_extremes_on_value_and_tensor() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a RuntimeWarning fails the test
        for x in EXTREMES:
            v = Value(x)
            y = v.mish()
            y.backward()
            t = Tensor([x, x], requires_grad=True)
            ty = t.mish()
            ty.backward(np.ones(2))
            assert type(y.data) is float and type(v.grad) is float
            np.testing.assert_array_equal(ty.data, [y.data, y.data])
            np.testing.assert_array_equal(t.grad, [v.grad, v.grad])
    assert Value(math.inf).mish().data == math.inf and Value(-1000.0).mish().data == 0.0
    assert math.isnan(Value(-math.inf).mish().data)  # -inf * 0, as torch's mish gives


# --- messages that say what to do ---------------------------------------------------------------


def test_a_second_derivative_that_jumps_is_blamed_on_a_kink_with_the_domain_to_declare(
        scratch: list[str]) -> None:
    # softsign, with |x| written as x (2 step(x) - 1): the second derivative jumps at 0
    soft = register("softsign_jump", lambda x: x / (1 + np.abs(x)),
                    lambda g, y, x: g / (1 + x * (2 * step(x) - 1)) ** 2)
    scratch.append("softsign_jump")
    assert gradcheck(soft, Value(0.0)) and gradgradcheck(soft, Value(0.5))
    for at in (Value(0.0), Tensor([0.0, 1.5], requires_grad=True)):
        with pytest.raises(GradcheckError, match=r"not smooth here \(one-sided differences "
                                                 r".*Domain\(kinks=") as failure:
            gradgradcheck(soft, at)
        assert "autodiff ops" not in str(failure.value)  # not blamed on the formula


def test_a_wrong_smooth_derivative_is_not_blamed_on_a_kink(scratch: list[str]) -> None:
    doubled = register("doubled_wrong", np.sin, lambda g, y, x: 2 * g * autodiff.cos(x))
    scratch.append("doubled_wrong")
    for at in (Value(0.4), Tensor([0.4, 0.0], requires_grad=True)):
        with pytest.raises(GradcheckError, match="analytic") as failure:
            gradcheck(doubled, at)
        assert "not smooth" not in str(failure.value)


def test_a_formula_on_raw_numbers_fails_at_second_order_saying_to_use_autodiff_ops(
        scratch: list[str]) -> None:
    raw = register("sin_math", np.sin, lambda g, y, x: g * math.cos(x))
    scratch.append("sin_math")
    assert gradcheck(raw, Value(0.4))
    hint = r"formulas with autodiff ops, e\.g\. autodiff\.cos\(x\) or np\.cos\(x\), not math"
    with pytest.raises(GradcheckError, match=hint) as failure:
        gradgradcheck(raw, Value(0.4))
    assert "not smooth" not in str(failure.value)


@pytest.mark.parametrize("node", [lambda: Value(0.4), lambda: Tensor([0.4, -2.0],
                                                                      requires_grad=True)])
def test_a_formula_with_a_numpy_function_without_an_op_says_to_use_autodiff_ops(
        scratch: list[str], node: Callable[[], Any]) -> None:
    op = register("sin_square", lambda x: np.sin(x),
                  lambda g, y, x: g * np.sqrt(1 - np.square(y)) * np.sign(np.cos(x)))
    scratch.append("sin_square")
    assert gradcheck(op, node())
    with pytest.raises(TypeError, match="np.square has no registered op.*derivative formula "
                                        "must use autodiff ops"):
        gradgradcheck(op, node())


# --- registration refuses what cannot work --------------------------------------------------


def test_registering_an_existing_name_again_needs_replace_true_which_the_error_names(
        scratch: list[str]) -> None:
    first = register("twice_over", lambda x: 2 * x, lambda g, y, x: 2 * g)
    scratch.append("twice_over")
    with pytest.raises(ValueError, match="already registered; pass replace=True"):
        register("twice_over", lambda x: 3 * x, lambda g, y, x: 3 * g)
    assert REGISTRY["twice_over"] is first and Value(1.0).twice_over().data == 2.0
    second = register("twice_over", lambda x: 3 * x, lambda g, y, x: 3 * g,
                      signature="x", replace=True)
    assert REGISTRY["twice_over"] is second and second is not first
    v = Value(1.0)
    y = v.twice_over()  # the method follows the new record
    y.backward()
    assert (y.data, v.grad) == (3.0, 3.0)
    assert Tensor([1.0]).twice_over().tolist() == [3.0]


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_a_built_in_can_be_neither_replaced_nor_unregistered(name: str) -> None:
    op = REGISTRY[name]
    with pytest.raises(ValueError, match=f"'{name}' is a built-in op and cannot be replaced"):
        register(name, np.tanh, lambda g, y, x: g, replace=True)
    with pytest.raises(ValueError, match=f"'{name}' is a built-in op and cannot be removed"):
        unregister(name)
    assert REGISTRY[name] is op


def test_unregistering_an_unknown_name_is_an_unknown_op_error() -> None:
    with pytest.raises(autodiff.UnknownOpError, match="no op named 'never_registered'"):
        unregister("never_registered")


@pytest.mark.parametrize("name", [1, None, b"mish", ("a",)])
def test_a_non_string_name_is_a_type_error_naming_its_type(name: Any) -> None:
    with pytest.raises(TypeError, match=f"op name must be a string, got {type(name).__name__}"):
        register(name, np.tanh, lambda g, y, x: g)


@pytest.mark.parametrize("name", ["", "two words", "1st", "_private", "a-b"])
def test_a_name_that_is_no_public_identifier_is_refused(name: str) -> None:
    with pytest.raises(ValueError, match="Python identifier not starting with _"):
        register(name, np.tanh, lambda g, y, x: g)


SHADOWED = ["data", "grad", "label", "backward", "shape", "item", "dtype", "detach", "apply",
            "zero_grad", "numpy", "parents", "op", "requires_grad", "tolist", "astype", "clone",
            "argmax", "view", "T"]


@pytest.mark.parametrize("name", SHADOWED)
def test_a_name_hidden_by_a_value_or_tensor_attribute_is_refused(name: str) -> None:
    assert name in RESERVED
    with pytest.raises(ValueError, match=f"'{name}' would be hidden by the attribute"):
        register(name, np.tanh, lambda g, y, x: g)
    assert name not in REGISTRY


def test_every_public_attribute_of_value_and_tensor_is_reserved() -> None:
    public = {n for cls in (Value, Tensor) for n in dir(cls) if not n.startswith("_")}
    assert public - set(REGISTRY) <= RESERVED


@pytest.mark.parametrize("call, message", [
    (lambda: register("bad_op", "tanh", lambda g, y, x: g), "the forward must be callable, "
                                                            "got str"),
    (lambda: register("bad_op", None, lambda g, y, x: g), "the forward must be callable"),
    (lambda: register("bad_op", np.tanh, 1.0), "derivative 0 must be callable, got float"),
    (lambda: register("bad_op", np.add, lambda g, y, a, b: g, "db"),
     "derivative 1 must be callable, got str"),
    (lambda: register("bad_op", np.tanh, lambda g, y, x: g, scalar=3),
     "the scalar must be callable, got int"),
    (lambda: register("bad_op", np.tanh), "at least one derivative formula"),
    (lambda: register("bad_op", np.tanh, None), "at least one derivative formula"),
])
def test_a_forward_or_formula_that_is_not_callable_is_a_type_error(call: Callable[[], Any],
                                                                   message: str) -> None:
    with pytest.raises(TypeError, match=message):
        call()
    assert "bad_op" not in REGISTRY


@pytest.mark.parametrize("domain, error, message", [
    ("positive", TypeError, "domain must be a Domain or a tuple of them, got str"),
    (Domain, TypeError, "domain must be a Domain or a tuple of them, got type"),
    ((Domain(), "x"), TypeError, "each domain must be a Domain or None, got str"),
    ((Domain(), Domain(), Domain()), ValueError, "3 domains for the 2 arguments a, b"),
])
def test_a_malformed_domain_is_refused_at_registration(domain: Any, error: type,
                                                       message: str) -> None:
    with pytest.raises(error, match=re.escape(message)):
        register("bad_domain", np.add, lambda g, y, a, b: g, lambda g, y, a, b: g,
                 domain=domain)
    assert "bad_domain" not in REGISTRY


@pytest.mark.parametrize("make, error, message", [
    (lambda: Domain(low=1.0, high=0.0), ValueError, "low must be below high"),
    (lambda: Domain(low=0.0, high=0.0), ValueError, "low must be below high"),
    (lambda: Domain(low="0"), TypeError, "low must be a number, got str"),
    (lambda: Domain(high=None), TypeError, "high must be a number, got NoneType"),
    (lambda: Domain(kinks=[0.0]), TypeError, "kinks must be a tuple of numbers"),
    (lambda: Domain(kinks=("0",)), TypeError, "kinks must be a tuple of numbers"),
])
def test_a_malformed_domain_cannot_be_made(make: Callable[[], Domain], error: type,
                                           message: str) -> None:
    with pytest.raises(error, match=message):
        make()


def test_an_unregistered_op_is_gone_from_registry_and_methods_but_its_record_works(
        scratch: list[str]) -> None:
    op = register("thrice", lambda x: 3 * x, lambda g, y, x: 3 * g)
    assert Value(1.0).thrice().data == 3.0 and Tensor([1.0]).thrice().tolist() == [3.0]
    unregister("thrice")
    assert "thrice" not in REGISTRY
    for node in (Value(1.0), Tensor([1.0])):
        with pytest.raises(AttributeError, match="thrice"):
            node.thrice()
    assert op(1.5) == 4.5
    op_again = register("thrice", lambda x: 3 * x, lambda g, y, x: 3 * g)  # free again
    scratch.append("thrice")
    assert op_again is not op and Value(2.0).thrice().data == 6.0

