"""Assertions for graded tests.

Every check looks at the *type* first, then the dtype, then the shape, and only then at the values, so
that an object which claims to equal anything (a custom ``__eq__``, an ``ndarray`` subclass) earns
nothing. Every failure raises :class:`AssertionError` with a message that says what is wrong and where
to look, for example::

    conv2d_forward: output has shape (2, 4, 5, 5); expected (2, 4, 6, 6).
    Check the padding term of the output size.

The NumPy checks (:func:`check_array`, :func:`check_close`, :func:`check_int`) and the PyTorch ones
(:func:`check_tensor`, :func:`check_tensor_close`, :func:`check_tensor_equal`, :func:`check_float`,
:func:`check_module`) follow the same rules and write their messages the same way.
:func:`load_reference_weights` and :func:`check_module_matches` compare what a student's module computes
with a reference module's: same weights, same inputs, same outputs and gradients in both modes. This module imports
torch lazily, inside the PyTorch checks: the NumPy exercises do not need it. :func:`fail` raises the same
:class:`CheckFailure` for a condition that no check covers, and :func:`relative_error` is the course's one
definition of the relative error (the book's gradient checks and the failure messages use it).

The expression statement ``(_ for _ in ()).gi_frame`` at the start of each check is a *restore point*
for the grader: it raises an audit event, on which autograder/guard.py puts back everything a student's
code may have monkeypatched (numpy, builtins, torch, this module...). Outside grading it does nothing.
"""

from __future__ import annotations

import contextlib
import math
import sys
import time
from typing import Any, Iterator

import numpy as np

__all__ = [
    "CheckFailure",
    "fail",
    "relative_error",
    "check_type",
    "check_int",
    "check_float",
    "check_array",
    "check_close",
    "check_tensor",
    "check_tensor_close",
    "check_tensor_equal",
    "check_module",
    "load_reference_weights",
    "check_module_matches",
    "check_raises",
    "forbid_module",
    "call_each",
    "call_with_inputs",
    "time_call",
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


def fail(name: str, message: str, hint: str | None = None) -> None:
    """Raise :class:`CheckFailure` with the message ``"NAME: MESSAGE"`` (and ``"Hint: HINT"`` on a new line).

    For a condition that no check covers (a count, a training flag, a statistic over many calls)::

        if not recorder.modes or not all(recorder.modes):
            checks.fail("train_one_epoch", "the model was not in training mode.", "Call model.train() first.")
    """
    (_ for _ in ()).gi_frame  # restore point (see the module docstring)
    _fail(name, message, hint)


RELATIVE_ERROR_EPS = 1e-8


def relative_error(a: Any, b: Any) -> float:
    """The largest elementwise relative error of two arrays of the same shape (CS231n's ``rel_error``)::

        relative_error(a, b) = max_k |a_k - b_k| / max(|a_k| + |b_k|, eps),   eps = 1e-8

    The denominator is the sum of the two magnitudes, element by element, so the measure is symmetric in
    ``a`` and ``b`` and does not depend on their scale; the floor ``eps`` (``RELATIVE_ERROR_EPS``) makes
    two zeros give 0 rather than 0/0. The values are compared in float64; NumPy arrays, numbers and
    torch tensors (on any device, with or without grad) are accepted. Returns a Python float: 0.0 for
    empty arrays, nan if either holds a nan. Raises ValueError if the shapes differ (no broadcasting).

    Exercise 03 asks students to write this same function; its hidden tests compare with this one.
    """
    (_ for _ in ()).gi_frame  # restore point (see the module docstring)
    a, b = _as_float64(a), _as_float64(b)
    if a.shape != b.shape:
        raise ValueError(f"relative_error: shapes differ: {a.shape} and {b.shape}")
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / np.maximum(np.abs(a) + np.abs(b), RELATIVE_ERROR_EPS)))


def _as_float64(value: Any) -> np.ndarray:
    if type(value).__module__.split(".")[0] == "torch":  # a tensor, without importing torch here
        value = value.detach().cpu().double().numpy()
    return np.asarray(value, dtype=np.float64)


def _type_name(value: Any) -> str:
    t = type(value)
    remote = getattr(t, "_cnn_type_name", None)  # a proxy of the grader's checker (autograder/checker.py)
    if remote is not None:
        try:
            return str(remote(value))
        except Exception:  # noqa: BLE001
            pass
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


def check_float(value: Any, expected: float, name: str, *, rtol: float = 1e-5, atol: float = 1e-8,
                hint: str | None = None) -> None:
    """Fail unless ``value`` is exactly a Python ``float`` (not a NumPy float, a one-element tensor, an
    int or a subclass) with ``|value - expected| <= atol + rtol * |expected|``; NaN always fails, an
    infinity only matches the same infinity."""
    (_ for _ in ()).gi_frame  # restore point (see the module docstring)
    if type(value) is not float:
        if isinstance(value, np.generic) or type(value) is np.ndarray:
            advice = " Convert a NumPy number with float(...)."
        elif type(value).__module__.split(".")[0] == "torch":
            advice = " Use .item() to turn a one-element tensor into a Python float."
        elif type(value) is int:
            advice = " Divide with / (not //), or convert with float(...)."
        else:
            advice = ""
        _fail(name, f"returned an object of type {_type_name(value)}; expected a Python float.{advice}", hint)
    expected = float(expected)
    if value != value:
        _fail(name, "returned nan; expected a number.", hint)
    if value == expected:
        return None
    if value in (float("inf"), float("-inf")) or not abs(value - expected) <= atol + rtol * abs(expected):
        _fail(name, f"returned {value:.6g}; expected {expected:.6g} (tolerance {atol:.2g} + {rtol:.2g} * |expected|).",
              hint)
    return None


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
              f"the reference (relative error {100 * relative_error(got, ref):.3g}%); first at index {index}: "
              f"got {got[index]:.6g}, expected {ref[index]:.6g}.", hint)


def _torch():
    """torch, imported on first use: the NumPy exercises import this module without torch."""
    import torch

    return torch


def _device_matches(actual, expected) -> bool:
    """``cuda:0`` matches ``cuda`` (no index: any) and ``cuda:0``, not ``cuda:1`` or ``cpu``."""
    return actual.type == expected.type and (expected.index is None or actual.index == expected.index)


def check_tensor(value: Any, name: str, *, shape: tuple[int, ...] | None = None, dtype: Any = None,
                 device: Any = None, hint: str | None = None) -> None:
    """Fail unless ``value`` is exactly a ``torch.Tensor`` (not a subclass such as ``nn.Parameter``, not
    a NumPy array) with the given dtype, shape and device (each checked only when given, in that order).

    ``device`` is a ``torch.device`` or a string; without an index (``"cuda"``) any index matches.
    """
    (_ for _ in ()).gi_frame  # restore point (see the module docstring)
    torch = _torch()
    if type(value) is not torch.Tensor:
        if isinstance(value, torch.Tensor):
            extra = (" It is a subclass of torch.Tensor; return a plain tensor (the result of a tensor operation, "
                     "or .detach() of a parameter).")
        elif type(value) is np.ndarray or isinstance(value, np.generic):
            extra = " This exercise is solved in PyTorch: return a tensor (torch.from_numpy converts an array)."
        elif isinstance(value, (float, int)):
            extra = " Return the tensor itself, not a number (.item() makes a number)."
        else:
            extra = ""
        _fail(name, f"returned an object of type {_type_name(value)}; expected a torch.Tensor.{extra}", hint)
    if dtype is not None and value.dtype != dtype:
        _fail(name, f"output has dtype {value.dtype}; expected {dtype}.",
              hint or "Keep the floating-point type of the inputs; avoid creating tensors with another dtype.")
    if shape is not None and tuple(value.shape) != tuple(shape):
        _fail(name, f"output has shape {tuple(value.shape)}; expected {tuple(shape)}.", hint)
    if device is not None and not _device_matches(value.device, torch.device(device)):
        _fail(name, f"output is on the device {value.device}; expected {torch.device(device)}.",
              hint or "Create tensors on the input's device (device=x.device) or move them with .to(device).")


def _reference(expected: Any, name: str):
    torch = _torch()
    if type(expected) is not torch.Tensor:  # the reference comes from the test, or from a student's function
        _fail(name, f"the reference to compare with is of type {_type_name(expected)}, not a torch.Tensor.")
    return expected.detach()


def _first_index(mask) -> tuple[int, ...]:
    return tuple(int(i) for i in mask.nonzero()[0])


def check_tensor_close(value: Any, expected: Any, name: str, *, rtol: float = 1e-5, atol: float = 1e-8,
                       hint: str | None = None) -> None:
    """Fail unless ``value`` is a torch.Tensor of ``expected``'s dtype, shape and device whose values match.

    Values are compared in float64 with ``|value - expected| <= atol + rtol * |expected|`` elementwise
    (the rule of ``torch.allclose``, whose defaults these are); NaN always fails, an infinity only
    matches the same infinity. ``value`` may require grad.
    """
    (_ for _ in ()).gi_frame  # restore point (see the module docstring)
    torch = _torch()
    ref = _reference(expected, name)
    check_tensor(value, name, shape=ref.shape, dtype=ref.dtype, device=ref.device, hint=hint)
    got = value.detach().to("cpu", torch.float64)
    ref = ref.to("cpu", torch.float64)
    nonfinite = ~torch.isfinite(got) & (got != ref)
    if bool(nonfinite.any()):
        index = _first_index(nonfinite)
        _fail(name, f"output contains NaN or inf ({int(nonfinite.sum())} of {got.numel()} values; first at index "
                    f"{index}: got {got[index].item():.6g}, expected {ref[index].item():.6g}).", hint)
    bad = ~((got - ref).abs() <= atol + rtol * ref.abs()) & (got != ref)
    if bool(bad.any()):
        index = _first_index(bad)
        _fail(name,
              f"output has the right shape and dtype but {int(bad.sum())} of {bad.numel()} values differ from "
              f"the reference (relative error {100 * relative_error(got, ref):.3g}%); first at index {index}: "
              f"got {got[index].item():.6g}, expected {ref[index].item():.6g}.", hint)


def check_tensor_equal(value: Any, expected: Any, name: str, *, hint: str | None = None) -> None:
    """Fail unless ``value`` is a torch.Tensor of ``expected``'s dtype, shape and device with exactly its
    values (as ``torch.equal``: NaN equals nothing)."""
    (_ for _ in ()).gi_frame  # restore point (see the module docstring)
    ref = _reference(expected, name)
    check_tensor(value, name, shape=ref.shape, dtype=ref.dtype, device=ref.device, hint=hint)
    got, ref = value.detach().cpu(), ref.cpu()
    bad = got != ref
    if bool(bad.any()):
        index = _first_index(bad)
        _fail(name, f"output has the right shape and dtype but {int(bad.sum())} of {bad.numel()} values differ from "
                    f"the expected ones; first at index {index}: got {got[index].item():.6g}, "
                    f"expected {ref[index].item():.6g}.", hint)


def check_module(value: Any, name: str, hint: str | None = None) -> None:
    """Fail unless ``value`` is an instance of ``torch.nn.Module`` (a subclass, as every model is).

    The class is read with ``type()``, not ``isinstance``, which an object could answer through a
    ``__class__`` property."""
    (_ for _ in ()).gi_frame  # restore point (see the module docstring)
    torch = _torch()
    if not issubclass(type(value), torch.nn.Module):
        _fail(name, f"returned an object of type {_type_name(value)}; expected a torch.nn.Module.", hint)


def _shapes(state: dict) -> list[tuple[str, tuple[int, ...], Any]]:
    return [(key, tuple(value.shape), value.dtype) for key, value in state.items()]


def _describe(entries: list[tuple[str, tuple[int, ...], Any]], limit: int = 6) -> str:
    shown = ", ".join(f"'{key}'" for key, _, _ in entries[:limit])
    return shown + (f" and {len(entries) - limit} more" if len(entries) > limit else "")


def load_reference_weights(module: Any, reference: Any, name: str, hint: str | None = None) -> list[tuple[str, str]]:
    """Copy the weights and buffers of ``reference`` (an ``nn.Module``) into ``module``; return the pairs
    ``(module's key, reference's key)`` of their ``state_dict`` entries.

    The entries are matched by key when the two state_dicts have the same keys; otherwise, in the order of
    definition, when they hold as many tensors of the same shapes and dtypes in the same order (so that
    a student may name the layers as they like, but must define them in the order they are applied).
    When neither matches, fails with a message naming the missing and unexpected keys and the first entry
    whose shape differs.
    """
    (_ for _ in ()).gi_frame  # restore point (see the module docstring)
    torch = _torch()
    check_module(module, name, hint)
    ref_state = reference.state_dict()
    try:
        state = module.state_dict()
        (_ for _ in ()).gi_frame  # restore point: state_dict() ran the student's code
        entries = _shapes(state)
    except Exception as err:  # noqa: BLE001 - reported to the student (a lazy module, a broken state_dict)
        (_ for _ in ()).gi_frame  # restore point
        _fail(name, f"its state_dict() cannot be read ({type(err).__name__}: {err}).",
              hint or "Create every layer in __init__ with its sizes (no lazy layers).")
    if type(state) is not type(ref_state) or any(type(v) is not torch.Tensor for v in state.values()):
        _fail(name, "state_dict() did not return the tensors of the module.", "Do not override state_dict().")
    ref_entries = _shapes(ref_state)
    if list(state) == list(ref_state) or set(state) == set(ref_state):
        pairs = [(key, key) for key in ref_state]
        wrong = [(key, tuple(state[key].shape), tuple(ref_state[key].shape)) for key in ref_state
                 if tuple(state[key].shape) != tuple(ref_state[key].shape) or state[key].dtype != ref_state[key].dtype]
        if wrong:
            key, got, want = wrong[0]
            _fail(name, f"the state_dict entry '{key}' has shape {got}; the reference's has shape {want} "
                        f"({len(wrong)} entries differ).", hint)
    elif [e[1:] for e in entries] == [e[1:] for e in ref_entries]:
        pairs = [(mine[0], ref[0]) for mine, ref in zip(entries, ref_entries, strict=True)]
    else:
        missing = [e for e in ref_entries if e[0] not in state]
        unexpected = [e for e in entries if e[0] not in ref_state]
        message = "its state_dict does not have the structure the exercise prescribes"
        parts = []
        if missing:
            parts.append(f"missing keys: {_describe(missing)}")
        if unexpected:
            parts.append(f"unexpected keys: {_describe(unexpected)}")
        message += " (" + "; ".join(parts) + ")" if parts else ""
        diff = next((i for i, (a, b) in enumerate(zip(entries, ref_entries, strict=False)) if a[1:] != b[1:]), None)
        if diff is not None:
            message += (f"; in the order of definition, entry {diff} is '{entries[diff][0]}' of shape "
                        f"{entries[diff][1]}, where the reference has '{ref_entries[diff][0]}' of shape "
                        f"{ref_entries[diff][1]}")
        else:
            message += f"; it holds {len(entries)} tensors, the reference {len(ref_entries)}"
        _fail(name, message + ".", hint or "Create the layers the docstring names, with those names, in the "
                                           "order they are applied, and no others.")
    try:
        with torch.no_grad():
            module.load_state_dict({mine: ref_state[ref].clone() for mine, ref in pairs})
    except Exception as err:  # noqa: BLE001 - reported to the student
        (_ for _ in ()).gi_frame  # restore point
        _fail(name, f"load_state_dict() of the reference's weights failed ({type(err).__name__}: {err}).", hint)
    (_ for _ in ()).gi_frame  # restore point: load_state_dict() ran the student's code
    return pairs


def check_module_matches(module: Any, reference: Any, name: str, inputs: list, *, rtol: float = 1e-4,
                         atol: float = 1e-5, hint: str | None = None) -> None:
    """Fail unless ``module`` computes what ``reference`` computes once it holds the reference's weights
    (:func:`load_reference_weights`): for every input of ``inputs`` (tensors, the batch first), in training
    mode and in eval mode, the outputs, the gradients with respect to the input and those of every
    parameter after a backward pass of a random weighting of the outputs must match (``rtol``, ``atol`` as
    :func:`check_tensor_close`). The weights are copied afresh before each input; the inputs are not
    modified. Messages read ``"NAME in eval mode, batch 3 (x of shape (3, 3, 40, 48)): the output ..."``.
    """
    (_ for _ in ()).gi_frame  # restore point (see the module docstring)
    torch = _torch()
    generator = torch.Generator().manual_seed(0)
    for mode in ("train", "eval"):
        for x in inputs:
            where = f"{name} in {mode} mode, batch {x.shape[0]} (x of shape {tuple(x.shape)})"
            pairs = load_reference_weights(module, reference, name, hint)
            (_ for _ in ()).gi_frame  # restore point
            reference.train(mode == "train")
            reference.zero_grad(set_to_none=True)
            x_ref = x.detach().clone().requires_grad_(True)
            out_ref = reference(x_ref)
            weights = torch.randn(out_ref.shape, generator=generator, dtype=out_ref.dtype)
            (out_ref * weights).sum().backward()
            module.train(mode == "train")
            module.zero_grad(set_to_none=True)
            x_mine = x.detach().clone().requires_grad_(True)
            out = module(x_mine)
            (_ for _ in ()).gi_frame  # restore point: forward ran the student's code
            check_tensor_close(out, out_ref, f"{where}: the output", rtol=rtol, atol=atol, hint=hint)
            if not out.requires_grad:
                _fail(where, "the output does not require grad: it is not computed from the input and the "
                             "parameters by differentiable operations.", "Do not detach, use .data or torch.no_grad().")
            try:
                (out * weights).sum().backward()
            except Exception as err:  # noqa: BLE001 - reported to the student
                (_ for _ in ()).gi_frame  # restore point
                _fail(where, f"the backward pass failed ({type(err).__name__}: {err}).", hint)
            (_ for _ in ()).gi_frame  # restore point: backward ran the student's code
            if x_mine.grad is None:
                _fail(where, "the input received no gradient.", hint)
            check_tensor_close(x_mine.grad, x_ref.grad, f"{where}: the gradient with respect to the input",
                               rtol=rtol, atol=atol, hint=hint)
            params, ref_params = dict(module.named_parameters()), dict(reference.named_parameters())
            for mine_key, ref_key in pairs:
                if ref_key not in ref_params:
                    continue  # a buffer (BatchNorm's running statistics)
                param = params.get(mine_key)
                if param is None or param.grad is None:
                    _fail(where, f"the parameter '{mine_key}' received no gradient.", hint)
                check_tensor_close(param.grad, ref_params[ref_key].grad,
                                   f"{where}: the gradient of the parameter '{mine_key}'", rtol=rtol, atol=atol,
                                   hint=hint)


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


def _forbidden_call(frame, event: str, arg, prefixes: tuple[str, ...]) -> str | None:
    """``"torch (torch.nn.functional)"`` if this profiler event is a call into one of PREFIXES, else None."""
    module = _module_of_call(frame, event, arg)
    for part in module.split():
        match = next((p for p in prefixes if part == p or part.startswith(p + ".")), None)
        if match is not None:
            return f"{match} ({module.split()[0] or match})"
    return None


# The forbid_module blocks open now (innermost last): their packages, and the calls seen into them.
_open_blocks: list[tuple[tuple[str, ...], list[str]]] = []
# True in the grader's checker (autograder/checker.py), where the tests run apart from the student's code:
# a block then watches nothing in this process (only the test's own code runs here); the checker asks the
# student's kernel to watch each call of the student's functions made inside the block instead
# (forbidden_packages) and reports what it saw (report_forbidden_call).
CALLS_RUN_ELSEWHERE = False


def forbidden_packages() -> tuple[str, ...]:
    """The packages that the forbid_module blocks open now forbid (none outside a block)."""
    return tuple(dict.fromkeys(p for prefixes, _ in _open_blocks for p in prefixes))


def report_forbidden_call(description: str) -> None:
    """Record a forbidden call seen elsewhere (``"torch (torch.nn.functional)"``, from the student's kernel)
    in the open blocks that forbid its package: each fails when it ends, as if it had seen it itself."""
    package = description.split(" ", 1)[0]
    for prefixes, seen in _open_blocks:
        if package in prefixes and not seen:
            seen.append(description)


@contextlib.contextmanager
def forbid_module(prefix: str | tuple[str, ...], name: str, hint: str | None = None) -> Iterator[None]:
    """Fail if any function of the package ``prefix`` (say ``"torch"``), or of any of several packages
    (``("torch", "cnncourse")``), is called inside the block.

    Used to check that a NumPy exercise is solved in NumPy: calling ``torch`` inside a graded
    function earns no marks for it (nor calling this package's :func:`relative_error`, in exercise 03).
    At grading time (autograder/checker.py) the student's functions run in their own kernel, which
    watches the calls made there inside the block.
    """
    prefixes = (prefix,) if isinstance(prefix, str) else tuple(prefix)
    seen: list[str] = []
    own_code = sys._getframe().f_code  # this generator, resumed when the block ends: not the block's call

    def profiler(frame, event, arg):
        if event in ("call", "c_call") and not seen and frame.f_code is not own_code:
            found = _forbidden_call(frame, event, arg, prefixes)
            if found is not None:
                seen.append(found)

    block = (prefixes, seen)
    _open_blocks.append(block)
    watch = not CALLS_RUN_ELSEWHERE
    previous = sys.getprofile() if watch else None
    if watch:
        sys.setprofile(profiler)
    try:
        yield
    finally:
        if watch:
            sys.setprofile(previous)
        if block in _open_blocks:
            _open_blocks.remove(block)
    (_ for _ in ()).gi_frame  # restore point: the block ran student code
    if seen:
        _fail(name, f"called into {seen[0]}; this exercise must be solved with NumPy alone.", hint)


class _Outcome:
    """What one call returned or raised; ``get()`` returns the value or raises the exception again."""

    __slots__ = ("_value", "_error")

    def __init__(self, func, args, kwargs):
        self._value = self._error = None
        try:
            self._value = func(*args, **kwargs)
        except Exception as err:  # noqa: BLE001 - raised again by get()
            self._error = err

    def get(self):
        if self._error is not None:
            raise self._error
        return self._value


def call_each(func, calls) -> list:
    """Call ``func(*args, **kwargs)`` for each ``(args, kwargs)`` of CALLS, in order; one outcome per
    call, whose ``get()`` returns what the call returned or raises what it raised.

    At grading time the tests run apart from the student's code (autograder/checker.py) and every call
    of a student's function is a round trip to the student's kernel: this makes thousands of calls in
    one (``check_raises(ValueError, outcome.get, ...)`` checks a call that should raise).
    """
    calls = [(tuple(args), dict(kwargs)) for args, kwargs in calls]
    batch = getattr(type(func), "_cnn_call_each", None)
    if batch is not None:
        return batch(func, calls)
    return [_Outcome(func, args, kwargs) for args, kwargs in calls]


def call_with_inputs(func, *args, **kwargs) -> tuple:
    """``(func(*args, **kwargs), args_after, kwargs_after)``: the value, and the arguments as they are
    after the call, to check that a function left its inputs unchanged (compare them with copies made
    before). In a notebook these are the argument objects themselves; at grading time, where the
    function runs in the student's kernel on copies, they are the kernel's copies after the call."""
    remote = getattr(type(func), "_cnn_call_with_inputs", None)
    if remote is not None:
        return remote(func, args, kwargs)
    return func(*args, **kwargs), args, kwargs


MAX_TIMED_CALLS = 10_000


def calls_to_time(seconds_per_call: float, min_time: float) -> int:
    """How many calls :func:`time_call` times in each run: enough for ``min_time`` seconds at
    ``seconds_per_call`` (one call measured first), at least 1 and at most ``MAX_TIMED_CALLS``."""
    if not seconds_per_call > 0:
        return MAX_TIMED_CALLS
    return int(min(MAX_TIMED_CALLS, max(1, math.ceil(min_time / seconds_per_call))))


def time_call(func, args: tuple = (), kwargs: dict | None = None, *, number: int | None = None, repeat: int = 3,
              min_time: float = 0.2) -> float:
    """Seconds one call ``func(*args, **kwargs)`` takes: the fastest of ``repeat`` runs of ``number`` calls,
    divided by ``number`` (as ``cnncourse.timing.best_time``). ``number=None``: as many calls as take
    ``min_time`` seconds, judged from one call timed first.

    At grading time (autograder/checker.py) each run is one request to the student's kernel, which makes
    the ``number`` calls on one copy of the arguments; the time is measured here, in the grader, around
    the whole request, so it includes a round trip to the kernel (tens of milliseconds on a loaded
    machine), which ``min_time`` makes a small share of the run. Student code can make a run longer,
    never shorter than it is.
    """
    kwargs = dict(kwargs or {})
    remote = getattr(type(func), "_cnn_time_call", None)
    if remote is not None:
        return remote(func, tuple(args), kwargs, number, int(repeat), float(min_time))
    from cnncourse.timing import best_time

    if number is None:
        start = time.perf_counter()
        func(*args, **kwargs)
        number = calls_to_time(time.perf_counter() - start, min_time)
    return best_time(lambda: func(*args, **kwargs), number=number, repeat=repeat)
