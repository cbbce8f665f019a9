"""Assertions for graded tests.

Every check looks at the *type* first, then the dtype, then the shape, and only then at the values, so
that an object which claims to equal anything (a custom ``__eq__``, an ``ndarray`` subclass) earns
nothing. Every failure raises :class:`AssertionError` with a message that says what is wrong and where
to look, for example::

    conv2d_forward: output has shape (2, 4, 5, 5); expected (2, 4, 6, 6).
    Check the padding term of the output size.

The expression statement ``(_ for _ in ()).gi_frame`` at the start of each check is a *restore point*
for the grader: it raises an audit event, on which autograder/guard.py puts back everything a student's
code may have monkeypatched (numpy, builtins, this module...). Outside grading it does nothing.
"""

from __future__ import annotations

import contextlib
import sys
from typing import Any, Iterator

import numpy as np

__all__ = [
    "CheckFailure",
    "check_type",
    "check_int",
    "check_array",
    "check_close",
    "check_raises",
    "forbid_module",
]


class CheckFailure(AssertionError):
    """A graded check failed; the message is written for the student."""

    def _render_traceback_(self) -> list[str]:
        """IPython and Jupyter show the message alone, not the frames of this module."""
        return [f"\x1b[0;31m{type(self).__name__}\x1b[0m: {self}"]


def _fail(name: str, message: str, hint: str | None = None) -> None:
    text = f"{name}: {message}"
    if hint:
        text += f"\nHint: {hint}"
    raise CheckFailure(text)


def _type_name(value: Any) -> str:
    t = type(value)
    return t.__name__ if t.__module__ == "builtins" else f"{t.__module__}.{t.__qualname__}"


def check_type(value: Any, expected_type: type, name: str, hint: str | None = None) -> None:
    """Fail unless ``type(value) is expected_type`` exactly (subclasses are rejected)."""
    (_ for _ in ()).gi_frame  # restore point (see the module docstring)
    if type(value) is not expected_type:
        _fail(name, f"returned an object of type {_type_name(value)}; expected {expected_type.__name__}.", hint)


_INT_TYPES = frozenset({int, np.int8, np.int16, np.int32, np.int64, np.uint8, np.uint16, np.uint32, np.uint64,
                        np.intc, np.uintc, np.intp, np.uintp, np.longlong, np.ulonglong})


def check_int(value: Any, expected: int, name: str, hint: str | None = None) -> None:
    """Fail unless ``value`` is exactly a Python or NumPy integer (not a bool, a float or a subclass,
    whose ``int()`` could run any code) equal to ``expected``."""
    (_ for _ in ()).gi_frame  # restore point (see the module docstring)
    if type(value) not in _INT_TYPES:
        _fail(name, f"returned {value!r} of type {_type_name(value)}; expected an int.",
              hint or "Use integer division // where the formula has a floor.")
    if int(value) != int(expected):
        _fail(name, f"returned {int(value)}; expected {int(expected)}.", hint)


def check_array(value: Any, name: str, *, shape: tuple[int, ...] | None = None,
                dtype: Any = None, hint: str | None = None) -> None:
    """Fail unless ``value`` is exactly an ``np.ndarray`` with the given shape and dtype."""
    (_ for _ in ()).gi_frame  # restore point (see the module docstring)
    if type(value) is not np.ndarray:
        extra = ""
        if "torch" in type(value).__module__:
            extra = " This exercise is solved in NumPy: return a NumPy array."
        _fail(name, f"returned an object of type {_type_name(value)}; expected a numpy.ndarray.{extra}", hint)
    if dtype is not None and value.dtype != np.dtype(dtype):
        _fail(name, f"output has dtype {value.dtype}; expected {np.dtype(dtype)}.",
              hint or "Keep the floating-point type of the inputs; avoid creating the output with another dtype.")
    if shape is not None and tuple(value.shape) != tuple(shape):
        _fail(name, f"output has shape {tuple(value.shape)}; expected {tuple(shape)}.", hint)


def _relative_error(actual: np.ndarray, expected: np.ndarray) -> float:
    """(Private: students implement their own relative_error in exercise 03.) max |a - e| / max(|e|), a scale-free measure of how far ``actual`` is from ``expected``."""
    actual = np.asarray(actual, dtype=np.float64)
    expected = np.asarray(expected, dtype=np.float64)
    scale = max(float(np.max(np.abs(expected), initial=0.0)), 1e-12)
    return float(np.max(np.abs(actual - expected), initial=0.0)) / scale


def check_close(value: Any, expected: np.ndarray, name: str, *, rtol: float = 1e-6, atol: float = 1e-8,
                hint: str | None = None) -> None:
    """Fail unless ``value`` is an ndarray of ``expected``'s shape and dtype whose values match it.

    Values are compared with ``|value - expected| <= atol + rtol * |expected|`` elementwise; NaN or inf
    in ``value`` always fails.
    """
    (_ for _ in ()).gi_frame  # restore point (see the module docstring)
    expected = np.asarray(expected)
    check_array(value, name, shape=expected.shape, dtype=expected.dtype, hint=hint)
    got = np.asarray(value, dtype=np.float64)
    ref = expected.astype(np.float64)
    if not np.all(np.isfinite(got)):
        _fail(name, "output contains NaN or inf.", hint)
    bad = np.abs(got - ref) > atol + rtol * np.abs(ref)
    if np.any(bad):
        index = tuple(int(i) for i in np.argwhere(bad)[0])
        _fail(name,
              f"output has the right shape and dtype but {int(bad.sum())} of {bad.size} values differ from "
              f"the reference (relative error {100 * _relative_error(got, ref):.3g}%); first at index {index}: "
              f"got {got[index]:.6g}, expected {ref[index]:.6g}.", hint)


def check_raises(exception: type[BaseException], func, *args, name: str, hint: str | None = None,
                 **kwargs) -> None:
    """Fail unless ``func(*args, **kwargs)`` raises ``exception`` (or a subclass).

    Returns None on purpose: a graded cell whose last line shows a value would be read by nbgrader as
    partial credit.
    """
    (_ for _ in ()).gi_frame  # restore point (see the module docstring)
    try:
        func(*args, **kwargs)
    except exception:  # the expected outcome
        return None
    except Exception as err:  # noqa: BLE001 - reported to the student
        (_ for _ in ()).gi_frame  # restore point: func may have patched what follows
        _fail(name, f"raised {type(err).__name__}({err}); expected {exception.__name__}.", hint)
    (_ for _ in ()).gi_frame  # restore point
    _fail(name, f"returned normally; expected it to raise {exception.__name__}.", hint)


def _module_of_call(frame, event: str, arg) -> str:
    if event == "call":
        return frame.f_globals.get("__name__", "") or ""
    # c_call: a builtin function or method
    module = getattr(arg, "__module__", None) or ""
    owner = getattr(arg, "__self__", None)
    if owner is not None and not isinstance(owner, type(sys)):
        module = module or type(owner).__module__
        module = f"{module} {type(owner).__module__}"
    elif isinstance(owner, type(sys)):
        module = f"{module} {owner.__name__}"
    return module


@contextlib.contextmanager
def forbid_module(prefix: str, name: str, hint: str | None = None) -> Iterator[None]:
    """Fail if any function of the package ``prefix`` (say ``"torch"``) is called inside the block.

    Used to check that a NumPy exercise is solved in NumPy: calling ``torch`` inside a graded
    function earns no marks for it.
    """
    seen: list[str] = []

    def profiler(frame, event, arg):
        if event in ("call", "c_call") and not seen:
            module = _module_of_call(frame, event, arg)
            if any(part == prefix or part.startswith(prefix + ".") for part in module.split()):
                seen.append(module.split()[0] or prefix)

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        yield
    finally:
        sys.setprofile(previous)
    (_ for _ in ()).gi_frame  # restore point: the block ran student code
    if seen:
        _fail(name, f"called into {prefix} ({seen[0]}); this exercise must be solved with NumPy alone.", hint)
