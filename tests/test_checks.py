"""Unit tests of cnncourse.checks: every check passes on the right value and fails, with a useful
message, on each kind of wrong one."""

from __future__ import annotations

import subprocess
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
    with pytest.raises(checks.CheckFailure, match=r"relative error 15.6%.*index \(0, 1\)"):  # 0.37 / 2.37
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


def test_relative_error_is_the_stated_formula():
    """max_k |a_k - b_k| / max(|a_k| + |b_k|, 1e-8), as its docstring, the book and exercise 03 state it."""
    rel = checks.relative_error
    assert rel(np.array([1.0, 2.0]), np.array([1.0, 2.0])) == 0.0
    assert rel(np.array([1.0, 100.0]), np.array([3.0, 100.0])) == 0.5          # elementwise, then the maximum
    assert rel(np.array([1.0, 1000.0]), np.array([1.1, 1000.1])) == pytest.approx(0.1 / 2.1)
    assert rel(np.array([[1e-3]]), np.array([[3e-3]])) == pytest.approx(0.5)  # scale-free
    assert rel(np.zeros(3), np.zeros(3)) == 0.0                               # 0 / eps, not 0 / 0
    assert rel(np.array([1e-9]), np.array([0.0])) == pytest.approx(1e-9 / checks.RELATIVE_ERROR_EPS)
    assert rel(np.array([2.0, 0.0]), np.array([0.0, 0.0])) == 1.0
    assert rel(np.array([1.0, 3.0]), np.array([3.0, 1.0])) == rel(np.array([3.0, 1.0]), np.array([1.0, 3.0]))
    assert type(rel(np.ones(2), np.ones(2))) is float
    assert rel(np.zeros(0), np.zeros(0)) == 0.0
    assert np.isnan(rel(np.array([np.nan]), np.array([1.0])))
    with pytest.raises(ValueError, match="shapes differ"):
        rel(np.zeros((2, 3)), np.zeros(3))
    rng = np.random.default_rng(0)
    a, b = rng.standard_normal((4, 5)), rng.standard_normal((4, 5))
    expected = max(abs(p - q) / max(abs(p) + abs(q), 1e-8) for p, q in zip(a.ravel(), b.ravel(), strict=True))
    assert rel(a, b) == expected


def test_relative_error_takes_tensors():
    torch = pytest.importorskip("torch")
    a = torch.tensor([1.0, 100.0], requires_grad=True)
    assert checks.relative_error(a, torch.tensor([3.0, 100.0])) == 0.5
    assert checks.relative_error(a, np.array([3.0, 100.0])) == 0.5


def test_checks_import_without_torch():
    """The NumPy exercises import cnncourse.checks; torch is imported by the tensor checks only."""
    code = ("import sys; import cnncourse.checks as c; c.check_close(c.np.ones(2), c.np.ones(2), 'f'); "
            "c.relative_error(c.np.ones(2), c.np.ones(2)); c.check_float(1.0, 1.0, 'f'); "
            "assert 'torch' not in sys.modules, 'cnncourse.checks imported torch'")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_fail():
    with pytest.raises(checks.CheckFailure) as err:
        checks.fail("train_one_epoch", "the model was not in training mode.", "Call model.train() first.")
    assert str(err.value) == "train_one_epoch: the model was not in training mode.\nHint: Call model.train() first."
    assert isinstance(err.value, AssertionError)


def test_check_float():
    checks.check_float(0.5, 0.5, "acc")
    checks.check_float(1.0 + 1e-7, 1.0, "loss")                      # within rtol=1e-5
    checks.check_float(float("inf"), float("inf"), "x")
    checks.check_float(2.0, 1.0, "x", rtol=0.0, atol=1.0)

    class FloatSub(float):
        def __eq__(self, other):
            return True

    for bad, fragment in [(np.float64(0.5), "numpy.float64; expected a Python float. Convert a NumPy number"),
                          (np.float32(0.5), "numpy.float32; expected a Python float"),
                          (np.array(0.5), "numpy.ndarray; expected a Python float"),
                          (1, "type int; expected a Python float. Divide with /"),
                          (True, "type bool; expected a Python float"),
                          ("0.5", "type str; expected a Python float"),
                          (AlwaysEqual(), "AlwaysEqual; expected a Python float"),
                          (FloatSub(0.5), "FloatSub; expected a Python float"),
                          (float("nan"), "returned nan; expected a number"),
                          (0.6, "returned 0.6; expected 0.5"),
                          (float("inf"), "returned inf; expected 0.5"),
                          (0.5 + 1e-4, "returned 0.5001; expected 0.5")]:
        with pytest.raises(checks.CheckFailure) as err:
            checks.check_float(bad, 0.5, "acc", hint="look here")
        assert str(err.value).startswith("acc: ") and fragment in str(err.value), str(err.value)
        assert str(err.value).endswith("\nHint: look here")


def test_check_float_names_tensors():
    torch = pytest.importorskip("torch")
    with pytest.raises(checks.CheckFailure, match=r"torch.Tensor; expected a Python float. Use .item\(\)"):
        checks.check_float(torch.tensor(0.5), 0.5, "loss")


@pytest.fixture
def torch():
    return pytest.importorskip("torch")


def test_check_tensor_accepts(torch):
    x = torch.zeros(2, 3)
    checks.check_tensor(x, "f")
    checks.check_tensor(x, "f", shape=(2, 3), dtype=torch.float32, device="cpu")
    checks.check_tensor(x, "f", shape=torch.Size([2, 3]), device=torch.device("cpu"))
    checks.check_tensor(torch.zeros(2, requires_grad=True) * 2, "f", shape=(2,))
    checks.check_tensor(torch.tensor(1.0), "loss", shape=(), dtype=torch.float32)


def test_check_tensor_rejects(torch):
    class SubTensor(torch.Tensor):
        pass

    x = torch.zeros(2, 3)
    cases = [
        (x.as_subclass(SubTensor), {}, "SubTensor; expected a torch.Tensor. It is a subclass of torch.Tensor"),
        (torch.nn.Parameter(x), {}, "Parameter; expected a torch.Tensor. It is a subclass"),
        (AlwaysEqual(), {}, "AlwaysEqual; expected a torch.Tensor."),
        (x.numpy(), {}, "numpy.ndarray; expected a torch.Tensor. This exercise is solved in PyTorch"),
        (0.5, {}, "type float; expected a torch.Tensor. Return the tensor itself"),
        ([[0.0] * 3] * 2, {}, "type list; expected a torch.Tensor."),
        (torch.zeros(3, 2), {"shape": (2, 3)}, "output has shape (3, 2); expected (2, 3)."),
        (torch.zeros(2, 3, dtype=torch.float64), {"dtype": torch.float32},
         "output has dtype torch.float64; expected torch.float32."),
        (torch.zeros(2, 3, dtype=torch.int64), {"dtype": torch.float32}, "dtype torch.int64; expected torch.float32"),
        (torch.zeros(2, 3, device="meta"), {"device": "cpu"}, "output is on the device meta; expected cpu."),
        (x, {"device": "meta"}, "output is on the device cpu; expected meta."),
    ]
    for value, kwargs, fragment in cases:
        with pytest.raises(checks.CheckFailure) as err:
            checks.check_tensor(value, "f(x)", **kwargs, hint="look here")
        assert str(err.value).startswith("f(x): ") and fragment in str(err.value), str(err.value)
        assert str(err.value).endswith("\nHint: look here")
    with pytest.raises(checks.CheckFailure, match="Hint: Keep the floating-point type"):  # the default hint
        checks.check_tensor(torch.zeros(2, dtype=torch.float64), "f", dtype=torch.float32)


def test_check_tensor_close_accepts(torch):
    ref = torch.arange(6.0).reshape(2, 3)
    checks.check_tensor_close(ref.clone(), ref, "f")
    checks.check_tensor_close(ref + 1e-6, ref, "f", atol=1e-5)
    checks.check_tensor_close(ref * (1 + 1e-6), ref, "f")                      # rtol 1e-5 by default
    checks.check_tensor_close(ref.clone().requires_grad_(), ref, "f")
    checks.check_tensor_close(ref.t().contiguous().t(), ref, "f")               # layout does not matter
    inf = torch.tensor([float("inf"), -float("inf"), 1.0])
    checks.check_tensor_close(inf.clone(), inf, "f")                            # the same infinities
    checks.check_tensor_close(torch.tensor(2.0), torch.tensor(2.0), "loss")     # 0-dim


def test_check_tensor_close_rejects(torch):
    class SubTensor(torch.Tensor):
        def __eq__(self, other):
            return torch.ones(self.shape, dtype=torch.bool)

    ref = torch.arange(6.0).reshape(2, 3)
    off = ref.clone()
    off[1, 2] += 1
    nan = ref.clone()
    nan[0, 1] = float("nan")
    cases = [
        (ref.clone().as_subclass(SubTensor), "SubTensor; expected a torch.Tensor"),
        (AlwaysEqual(), "AlwaysEqual; expected a torch.Tensor"),
        (ref.numpy(), "numpy.ndarray; expected a torch.Tensor"),
        (ref.reshape(3, 2), "output has shape (3, 2); expected (2, 3)."),
        (ref.double(), "output has dtype torch.float64; expected torch.float32."),
        (ref.to("meta"), "output is on the device meta; expected cpu."),
        # relative error 1 / (6 + 5)
        (off, "1 of 6 values differ from the reference (relative error 9.09%); first at index (1, 2): got 6, "
              "expected 5."),
        (ref + 1e-3, "6 of 6 values differ"),
        (nan, "output contains NaN or inf (1 of 6 values; first at index (0, 1): got nan, expected 1)."),
        (ref.masked_fill(ref == 4, float("inf")), "output contains NaN or inf (1 of 6 values; first at index (1, 1)"),
    ]
    for value, fragment in cases:
        with pytest.raises(checks.CheckFailure) as err:
            checks.check_tensor_close(value, ref, "f(x)", hint="look here")
        assert str(err.value).startswith("f(x): ") and fragment in str(err.value), str(err.value)
        assert str(err.value).endswith("\nHint: look here")
    with pytest.raises(checks.CheckFailure, match="values differ"):
        checks.check_tensor_close(torch.tensor(1.0), torch.tensor(2.0), "loss")
    with pytest.raises(checks.CheckFailure, match="values differ"):                # NaN in the reference
        checks.check_tensor_close(torch.tensor([1.0]), torch.tensor([float("nan")]), "f")
    with pytest.raises(checks.CheckFailure, match="the reference to compare with is of type numpy.ndarray"):
        checks.check_tensor_close(ref, ref.numpy(), "f")
    with pytest.raises(checks.CheckFailure, match="values differ"):              # tolerances are the caller's
        checks.check_tensor_close(ref + 1e-4, ref, "f", rtol=0, atol=1e-5)


def test_check_tensor_equal(torch):
    ref = torch.arange(6).reshape(2, 3)
    checks.check_tensor_equal(ref.clone(), ref, "f")
    checks.check_tensor_equal(ref.float().flip(1).flip(1), ref.float(), "f")
    off = ref.clone()
    off[0, 2] = 7
    for value, fragment in [(off, "1 of 6 values differ from the expected ones; first at index (0, 2): got 7, "
                                  "expected 2."),
                            (ref.float(), "output has dtype torch.float32; expected torch.int64."),
                            (ref.reshape(3, 2), "output has shape (3, 2); expected (2, 3)."),
                            (ref.to("meta"), "output is on the device meta; expected cpu."),
                            (AlwaysEqual(), "AlwaysEqual; expected a torch.Tensor"),
                            (torch.nn.Parameter(ref.float()), "Parameter; expected a torch.Tensor")]:
        expected = ref.float() if "Parameter" in fragment else ref
        with pytest.raises(checks.CheckFailure) as err:
            checks.check_tensor_equal(value, expected, "random_crop(x, 0)", hint="look here")
        assert fragment in str(err.value) and str(err.value).endswith("\nHint: look here"), str(err.value)
    nan = torch.tensor([float("nan")])
    with pytest.raises(checks.CheckFailure, match="1 of 1 values differ"):   # as torch.equal: NaN equals nothing
        checks.check_tensor_equal(nan.clone(), nan, "f")
    with pytest.raises(checks.CheckFailure, match="differ"):
        checks.check_tensor_equal(ref.float() + 1e-6, ref.float(), "f")


def test_check_module(torch):
    checks.check_module(torch.nn.Linear(2, 2), "vgg_block(3, 8, 2)")
    checks.check_module(torch.nn.Sequential(), "vgg_block(3, 8, 2)")

    class Pretender:  # isinstance() would believe its __class__
        __class__ = torch.nn.Module

    assert isinstance(Pretender(), torch.nn.Module)
    for bad in (Pretender(), [torch.nn.Linear(2, 2)], torch.nn.Linear, AlwaysEqual()):
        with pytest.raises(checks.CheckFailure, match=r"vgg_block\(3, 8, 2\): returned an object of type .*; "
                                                      r"expected a torch.nn.Module"):
            checks.check_module(bad, "vgg_block(3, 8, 2)")


def test_forbid_module_several_prefixes_and_not_itself():
    """Exercise 03 forbids torch and cnncourse (whose relative_error is the reference) in the student's function."""
    with checks.forbid_module(("torch", "cnncourse"), "relative_error"):
        np.abs(np.ones(3)).max()
    with pytest.raises(checks.CheckFailure, match=r"called into cnncourse \(cnncourse.checks\); .*NumPy alone"):
        with checks.forbid_module(("torch", "cnncourse"), "relative_error"):
            checks.relative_error(np.ones(2), np.ones(2))
    with checks.forbid_module("cnncourse", "f"):
        pass
