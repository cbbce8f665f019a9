"""Unit tests of cnncourse.checks: every check passes on the right value and fails, with a useful
message, on each kind of wrong one."""

from __future__ import annotations

import sys

import numpy as np
import pytest

from cnncourse import checks


class AlwaysEqual:
    def __eq__(self, other):
        return True


class SubArray(np.ndarray):
    def __eq__(self, other):
        return np.ones(np.shape(self), bool)


def test_check_close_accepts_equal_arrays():
    a = np.arange(6.0).reshape(2, 3)
    checks.check_close(a.copy(), a, "f")


@pytest.mark.parametrize("value, fragment", [
    (AlwaysEqual(), "expected a numpy.ndarray"),
    (np.arange(6.0).reshape(2, 3).view(SubArray), "expected a numpy.ndarray"),
    ([[0.0, 1.0, 2.0], [3.0, 4.0, 5.0]], "expected a numpy.ndarray"),
    (np.arange(6.0).reshape(3, 2), "shape (3, 2); expected (2, 3)"),
    (np.arange(6, dtype=np.float32).reshape(2, 3), "dtype float32; expected float64"),
    (np.arange(6.0).reshape(2, 3) + [[0, 0, 0], [0, 0, 1]], "1 of 6 values differ"),
    (np.full((2, 3), np.nan), "NaN or inf"),
])
def test_check_close_rejects(value, fragment):
    with pytest.raises(checks.CheckFailure) as err:
        checks.check_close(value, np.arange(6.0).reshape(2, 3), "f", hint="look here")
    assert fragment in str(err.value)
    assert str(err.value).startswith("f: ") and "Hint: look here" in str(err.value)


def test_check_close_reports_relative_error_and_index():
    ref = np.ones((2, 2))
    with pytest.raises(checks.CheckFailure, match=r"relative error 37%.*index \(0, 1\)"):
        checks.check_close(np.array([[1.0, 1.37], [1.0, 1.0]]), ref, "dw")


def test_check_int():
    checks.check_int(5, 5, "n")
    checks.check_int(np.int64(5), 5, "n")
    class PeekingInt(int):  # int() answers the value the check expects, read from its frame
        def __int__(self):
            return int(sys._getframe(1).f_locals.get("expected", 0))

    for bad in (5.0, True, np.bool_(True), "5", AlwaysEqual(), PeekingInt(0)):
        with pytest.raises(checks.CheckFailure, match="expected an int"):
            checks.check_int(bad, 5, "n")
    with pytest.raises(checks.CheckFailure, match="returned 6; expected 5"):
        checks.check_int(6, 5, "n")


def test_check_raises():
    def raises_value_error():
        raise ValueError("x")

    assert checks.check_raises(ValueError, raises_value_error, name="f") is None
    with pytest.raises(checks.CheckFailure, match="returned normally"):
        checks.check_raises(ValueError, lambda: 1, name="f")
    with pytest.raises(checks.CheckFailure, match="raised NotImplementedError"):
        checks.check_raises(ValueError, lambda: (_ for _ in ()).throw(NotImplementedError()), name="f")


def test_forbid_module_catches_torch_but_not_numpy():
    torch = pytest.importorskip("torch")
    with checks.forbid_module("torch", "f"):
        np.ones(3).sum()
    with pytest.raises(checks.CheckFailure, match="NumPy alone"):
        with checks.forbid_module("torch", "f"):
            torch.zeros(2).sum()
    with pytest.raises(checks.CheckFailure):
        with checks.forbid_module("torch", "f"):
            torch.nn.functional.relu(torch.zeros(2))


def test_relative_error():
    assert checks._relative_error(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0
    assert checks._relative_error(np.array([1.0, 3.0]), np.array([1.0, 2.0])) == pytest.approx(0.5)
