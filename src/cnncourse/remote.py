"""Plain data between the grader's checker and a student's kernel (autograder/checker.py).

At grading time the test cells of some exercises do not run in the student's kernel: they run in the
grading process, and every name of the student's (``conv2d_forward``) is a proxy there. A call of a proxy
reaches the kernel as one silent execute request, ``serve(REQUEST)``, and :func:`serve` calls the
student's function and publishes the outcome as a display_data message of type :data:`MIME`.

Both sides speak one format (:func:`encode` / :func:`decode`), JSON with these values:

- ``None``, ``bool``, ``int``, ``float``, ``str``: themselves (exact types only, no subclasses);
- ``{"t": "tuple" | "list", "v": [...]}``, ``{"t": "dict", "v": [[key, value], ...]}``;
- ``{"t": "ndarray", "npy": BASE64}``: ``np.save`` bytes, never pickled (``allow_pickle=False``);
- ``{"t": "npscalar", "npy": ...}``: a NumPy scalar (``np.float32(1.5)``), as a 0-d array;
- ``{"t": "tensor", "npy": ..., "dtype": "torch.float32", "device": "cpu", "requires_grad": false}``;
- ``{"t": "generator", "bit_generator": "PCG64", "state": {...}}``: a ``np.random.Generator`` (exactly)
  over one of NumPy's bit generators, as its state: the other side gets a generator that draws the same
  numbers (a copy: drawing from it does not advance the sender's);
- ``{"t": "handle", "id": N, "type": "module.Class", "callable": bool}``: anything else stays in the
  kernel, where :data:`_objects` holds it; the other side names it by its id;
- ``{"t": "callback", "id": N}`` (from the checker to the kernel only): a function of the test's, which
  the kernel calls back during that one request (:class:`Callback`: an ``input_request`` on the stdin
  channel, answered by the checker, which runs the function on plain data and replies plain data).

A call request may also carry ``"forbid": [PREFIX, ...]``: the kernel then runs the student's function
under a profiler (the one of ``cnncourse.checks.forbid_module``) and reports the first call into one of
those packages as ``"forbidden"``. That report can only cost the student marks, never earn them.

This module runs on the student's side and holds no secret: student code can change it, but all it
can change is what a call of its own functions returns, which is the student's to decide anyway.
"""

from __future__ import annotations

import base64
import builtins
import io
import json
import sys
from typing import Any, Callable

import numpy as np

MIME = "application/vnd.cnncourse.reply"
CALLBACK_PROMPT = "cnncourse.remote.callback:"  # an input_request whose prompt starts so is a callback
BIT_GENERATORS = ("PCG64", "PCG64DXSM", "MT19937", "Philox", "SFC64")
_objects: dict[int, Any] = {}


class Handle:
    """On the decoding side: an object that stayed on the other side (its id, type and callability).
    :func:`decode` turns each into what ``make_handle`` (its argument) makes of it."""

    __slots__ = ("id", "type", "callable")

    def __init__(self, id: int, type: str, callable: bool):
        self.id, self.type, self.callable = id, type, callable


def _npy(array: np.ndarray) -> str:
    buffer = io.BytesIO()
    np.save(buffer, array, allow_pickle=False)
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _from_npy(text: str) -> np.ndarray:
    array = np.load(io.BytesIO(base64.b64decode(text.encode("ascii"), validate=True)), allow_pickle=False)
    if type(array) is not np.ndarray or array.dtype.hasobject:
        raise ValueError("not a plain array")
    return array


def type_name(value: Any) -> str:
    t = type(value)
    module = getattr(t, "__module__", "") or ""
    return t.__qualname__ if module == "builtins" else f"{module}.{t.__qualname__}"


def encode(value: Any, keep: Callable[[Any], int] | None = None, depth: int = 0) -> Any:
    """VALUE as JSON-able plain data; what is not plain data becomes a handle, ``keep(value)`` its id
    (None: refuse, raise TypeError)."""
    t = type(value)
    if depth > 50:
        raise ValueError("the value is nested too deeply")
    if value is None or t in (bool, int, float, str):
        return value
    if t in (tuple, list):
        return {"t": t.__name__, "v": [encode(v, keep, depth + 1) for v in value]}
    if t is dict:
        return {"t": "dict", "v": [[encode(k, keep, depth + 1), encode(v, keep, depth + 1)] for k, v in value.items()]}
    if t is np.ndarray and not value.dtype.hasobject:
        return {"t": "ndarray", "npy": _npy(value)}
    if isinstance(value, np.generic) and t.__module__ == "numpy" and not np.dtype(t).hasobject \
            and np.dtype(t).type is t:
        return {"t": "npscalar", "npy": _npy(np.asarray(value))}
    try:  # only where torch is imported (a broken or fake module in sys.modules: not a tensor)
        tensor_type = getattr(sys.modules.get("torch"), "Tensor", None)
    except Exception:  # noqa: BLE001
        tensor_type = None
    if tensor_type is not None and t is tensor_type:
        torch = sys.modules["torch"]
        tensor = value.detach()
        as_numpy = tensor.to("cpu")
        if tensor.dtype == torch.bfloat16:
            as_numpy = as_numpy.float()
        return {"t": "tensor", "npy": _npy(as_numpy.numpy()), "dtype": str(tensor.dtype),
                "device": str(tensor.device), "requires_grad": bool(value.requires_grad)}
    if t is np.random.Generator:
        bit = value.bit_generator
        name = type(bit).__name__
        if type(bit) is getattr(np.random, name, None) and name in BIT_GENERATORS:
            return {"t": "generator", "bit_generator": name, "state": encode(bit.state, None, depth + 1)}
    if t is Handle:
        return {"t": "handle", "id": value.id, "type": value.type, "callable": value.callable}
    if keep is None:
        raise TypeError(f"cannot send an object of type {type_name(value)} to the student's kernel")
    return {"t": "handle", "id": keep(value), "type": type_name(value), "callable": callable(value)}


def decode(data: Any, make_handle: Callable[[Handle], Any], depth: int = 0,
           make_callback: Callable[[int], Any] | None = None) -> Any:
    """The value that DATA (from :func:`encode`) stands for, in this process's own exact types.
    Callbacks are refused unless ``make_callback`` says what to make of their ids (the kernel's side)."""
    t = type(data)
    if depth > 60:
        raise ValueError("the value is nested too deeply")
    if data is None or t in (bool, int, float, str):
        return data
    if t is not dict or type(data.get("t")) is not str:
        raise ValueError(f"not plain data: {type_name(data)}")
    kind = data["t"]
    if kind in ("tuple", "list"):
        items = [decode(v, make_handle, depth + 1, make_callback) for v in data["v"]]
        return tuple(items) if kind == "tuple" else items
    if kind == "dict":
        return {decode(k, make_handle, depth + 1, make_callback): decode(v, make_handle, depth + 1, make_callback)
                for k, v in data["v"]}
    if kind == "generator":
        name = str(data["bit_generator"])
        if name not in BIT_GENERATORS:
            raise ValueError(f"unknown bit generator {name!r}")
        bit = getattr(np.random, name)()
        bit.state = decode(data["state"], _no_handle, depth + 1)
        return np.random.Generator(bit)
    if kind == "callback":
        if make_callback is None:
            raise ValueError("a callback is not plain data here")
        return make_callback(int(data["id"]))
    if kind == "ndarray":
        return _from_npy(data["npy"])
    if kind == "npscalar":
        array = _from_npy(data["npy"])
        if array.ndim != 0:
            raise ValueError("not a scalar")
        return array[()]
    if kind == "tensor":
        import torch
        dtype = getattr(torch, str(data["dtype"]).removeprefix("torch."), None)
        if not isinstance(dtype, torch.dtype):
            raise ValueError(f"unknown tensor dtype {data['dtype']!r}")
        tensor = torch.from_numpy(_from_npy(data["npy"]).copy()).to(dtype)
        device = str(data["device"])
        if device != "cpu":
            try:
                tensor = tensor.to(device)
            except (RuntimeError, AssertionError):
                pass  # no such device on this side: the values are what matters
        return tensor.requires_grad_(bool(data["requires_grad"])) if tensor.is_floating_point() else tensor
    if kind == "handle":
        return make_handle(Handle(int(data["id"]), str(data["type"]), bool(data["callable"])))
    raise ValueError(f"unknown kind of value {kind!r}")


def _no_handle(handle: Handle) -> Any:
    raise ValueError("not plain data: a handle")


# ------------------------------------------------------------------------------------------------
# The kernel's side.
# ------------------------------------------------------------------------------------------------
class CallbackError(Exception):
    """A function of the test's, called back from the kernel, failed in the checker (or was refused)."""


class Callback:
    """A function of the test's (a callback), as the student's code in the kernel sees it: calling it
    sends the arguments, as plain data, to the checker, which runs the function there and sends back its
    value (plain data). Valid during the request that passed it; afterwards the checker refuses it."""

    __slots__ = ("_id",)

    def __init__(self, id: int):
        self._id = id

    def __repr__(self) -> str:
        return "<a function of the test's (it runs in the grader)>"

    def __call__(self, *args, **kwargs):
        ip = sys.modules.get("IPython")
        shell = ip.get_ipython() if ip is not None else None
        kernel = getattr(shell, "kernel", None)
        if kernel is None:
            raise CallbackError("this function of the test's can only be called while the test calls yours")
        watching = sys.getprofile()  # a forbid_module watch (_watched) does not look into the test's function
        sys.setprofile(None)
        try:
            request = {"callback": self._id, "args": encode(list(args), _keep),
                       "kwargs": encode(dict(kwargs), _keep)}
            reply = json.loads(kernel.raw_input(CALLBACK_PROMPT + json.dumps(request)))
        finally:
            sys.setprofile(watching)
        if not isinstance(reply, dict):
            raise CallbackError("no reply")
        if "error" in reply:
            error = reply["error"] if isinstance(reply["error"], dict) else {}
            name, message = str(error.get("type", "")), str(error.get("message", ""))
            cls = getattr(builtins, name, None)
            if not (isinstance(cls, type) and issubclass(cls, Exception)):
                cls = CallbackError
            try:
                err = cls(message)
            except Exception:  # noqa: BLE001 - a builtin with another signature
                err = CallbackError(f"{name}: {message}")
            raise err
        return decode(reply.get("value"), _local)


def _keep(value: Any) -> int:
    key = id(value)
    _objects[key] = value
    return key


def _local(handle: Handle) -> Any:
    return _objects[handle.id]


def _error(err: BaseException) -> dict:
    try:
        message = str(err)
    except BaseException:  # noqa: BLE001 - student code in __str__
        message = "(the exception's message could not be read)"
    mro = [[getattr(c, "__module__", "") or "", getattr(c, "__qualname__", "?")] for c in type(err).__mro__]
    return {"error": {"type": type(err).__qualname__, "module": type(err).__module__, "message": message[:5000],
                      "mro": mro}}


def _outcome(func: Callable[[], Any]) -> dict:
    try:
        value = func()
    except BaseException as err:  # noqa: BLE001 - every failure of student code is reported
        out = _error(err)
        del err  # drop the traceback: it may hold what filled the memory
        return out
    try:
        return {"value": encode(value, _keep)}
    except BaseException as err:  # noqa: BLE001
        return {"error": {"type": "ReplyError", "module": "cnncourse.remote",
                          "message": f"the returned value could not be sent back: {err}", "mro": []}}


def _namespace() -> dict:
    ip = sys.modules.get("IPython")
    shell = ip.get_ipython() if ip is not None else None
    return shell.user_ns if shell is not None else sys.modules["__main__"].__dict__


_CALLBACK_CODE = Callback.__call__.__code__


def _watched(func: Callable, args, kwargs, prefixes: tuple[str, ...], seen: list[str]) -> Any:
    """``func(*args, **kwargs)`` under the profiler of ``checks.forbid_module``: the first call into one
    of PREFIXES (a package) is appended to SEEN. The profiler sees the student's code only (its first
    event is the call of FUNC)."""
    from cnncourse.checks import _forbidden_call

    def profiler(frame, event, arg):
        if not seen and event in ("call", "c_call") and frame.f_code is not _CALLBACK_CODE:
            found = _forbidden_call(frame, event, arg, prefixes)
            if found is not None:
                seen.append(found)

    previous = sys.getprofile()
    sys.setprofile(profiler)
    try:
        return func(*args, **kwargs)
    finally:
        sys.setprofile(previous)


def _call(request: dict) -> dict:
    func = decode(request["target"], _local)
    args = decode(request["args"], _local, make_callback=Callback)
    kwargs = decode(request["kwargs"], _local, make_callback=Callback)
    prefixes = tuple(str(p) for p in request.get("forbid") or ())
    seen: list[str] = []
    if prefixes:
        out = _outcome(lambda: _watched(func, args, kwargs, prefixes, seen))
    else:
        out = _outcome(lambda: func(*args, **kwargs))
    if seen:
        out["forbidden"] = seen[0]
    if request.get("inputs"):
        out["inputs"] = encode([list(args), kwargs], _keep)
    return out


def _repeat(request: dict) -> dict:
    """Call the target ``number`` times on the same decoded arguments (a timed run: the checker measures
    the whole request). The value is the seconds the calls took by this process's clock, which the
    checker uses only to choose how many calls to time (claiming less makes its runs longer, not faster)."""
    import time

    func = decode(request["target"], _local)
    args = decode(request["args"], _local, make_callback=Callback)
    kwargs = decode(request["kwargs"], _local, make_callback=Callback)
    number = int(request["number"])

    def run():
        start = time.perf_counter()
        for _ in range(number):
            func(*args, **kwargs)
        return time.perf_counter() - start
    return _outcome(run)


def handle_request(request: dict) -> dict:
    """Do what REQUEST asks (a dict decoded from JSON) and return the reply (a dict)."""
    op = request["op"]
    if op == "names":
        namespace = _namespace()
        missing = object()
        found = {}
        for name in request["names"]:
            value = namespace.get(name, missing)
            if value is not missing:
                found[name] = _outcome(lambda value=value: value)
        return {"names": found}
    if op == "call":
        return _call(request)
    if op == "map":
        return {"results": [_call({"target": request["target"], **call}) for call in request["calls"]]}
    if op == "repeat":
        return _repeat(request)
    if op == "getattr":
        obj = decode(request["target"], _local)
        return _outcome(lambda: getattr(obj, request["name"]))
    raise ValueError(f"unknown request {op!r}")


def serve(request_json: str) -> None:
    """Run one request from the checker and publish the reply (a display_data of type MIME)."""
    request = json.loads(request_json)
    try:
        reply = handle_request(request)
    except BaseException as err:  # noqa: BLE001
        reply = _error(err)
        del err
    from IPython.display import publish_display_data
    publish_display_data({MIME: json.dumps({"nonce": request.get("nonce"), "reply": reply})})
