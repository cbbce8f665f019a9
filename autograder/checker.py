"""Test cells that run outside the student's process: one verdict that student code cannot touch.

With ``SandboxedExecute`` alone, the test cells run in the student's kernel, so student code can change
anything the checks compare with (the checks' code, numpy, the test's own variables and inputs, IPython's
machinery) and can print the hidden tests. ``CheckedExecute`` (a subclass) runs the notebook's other
cells in the sandboxed kernel as before, but for the assignments of its table it never sends a test cell
(nbgrader ``grade=True, solution=False``) there:

- The test cell runs here, in the grading process (the ``nbgrader autograde`` process of one
  submission, which student code cannot reach: the kernel is another user in its own namespaces), in a
  namespace of its own. That namespace starts with the release's locked cells that are not tests (the
  setup imports, ``rng``, helpers such as ``as_pair``), run here from the *release* notebook
  (exercises/ASSIGNMENT), once, in notebook order, so ``rng`` advances as it would in the kernel.
- Every other name a test cell reads (``conv2d_forward``) resolves to what the kernel holds under that
  name: plain data (arrays, numbers, strings, tuples...) is copied here; anything else becomes a
  :class:`Remote`, a proxy. Calling a proxy sends the arguments to the kernel as plain data
  (``cnncourse.remote``: ``.npy`` bytes, JSON), where the student's function runs on fresh copies; the
  result comes back as plain data, decoded here into exact types (``np.ndarray`` exactly, ``int``
  exactly), or as another proxy. Exceptions of student code come back by name and are raised here as
  the builtin class of that name (or a class derived from the first builtin of its MRO), else
  :class:`StudentError`.
- Each call is one silent execute request (no history) of ``cnncourse.remote.serve(...)``; the reply is
  a display_data of type ``cnncourse.remote.MIME`` carrying the call's nonce. What student code prints
  during the call is kept (capped) as the test cell's output. Each call may take the cell timeout; a
  call that exceeds it interrupts the kernel and fails the cell; a dead kernel ends the notebook's
  tests (``TestDidNotRun``).
- The test cell's outputs are written here: its own prints, the student's prints during its calls,
  and, on failure, an ``error`` output with the check's message (no hidden source lines). Nothing the
  kernel displays or returns decides a grade beyond the values the checks compare. Hidden tests never
  enter the student's process.

The table (``CheckedExecute.assignments``) also says which packages each kernel may not import: they are
hidden in its mount namespace (``SandboxedExecute.blocked_modules``), so a NumPy-only exercise is
NumPy-only by construction. Assignments not in the table grade as before (tests in the kernel, under
the guard of guard.py). Threat model and limits: autograder/README.md.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import functools
import itertools
import json
import os
import secrets
import time
import traceback
import types
from pathlib import Path

import nbformat
from nbformat import NotebookNode

from sandbox import SandboxedExecute

from cnncourse import checks, remote

MAX_STREAM = 100_000  # characters of student output kept per test cell
_EXCEPTIONS = {name: obj for name, obj in vars(builtins).items()
               if isinstance(obj, type) and issubclass(obj, Exception)
               and not issubclass(obj, (StopIteration, StopAsyncIteration, Warning))}


class StudentError(Exception):
    """Student code raised an exception that has no builtin class of that name here."""


class CallTimeout(BaseException):
    """A call into the kernel took longer than the cell timeout (not an Exception: no check catches it)."""


class KernelGone(BaseException):
    """The kernel died during a call."""


def _derived_classes():
    cache: dict[tuple[str, type], type] = {}

    def derived(name: str, base: type) -> type:
        key = (name, base)
        if key not in cache:
            bases = (base,) if base is StudentError else (StudentError, base) if base is Exception else (base,)
            cache[key] = type(name, bases, {"__module__": "student"})
        return cache[key]
    return derived


_derived = _derived_classes()


def student_exception(error: dict) -> BaseException:
    """The exception to raise here for an error reported by the kernel ({type, module, message, mro})."""
    name, module, message = str(error.get("type", "Error")), str(error.get("module", "")), str(error.get("message", ""))
    if module == "builtins" and name in _EXCEPTIONS:
        cls = _EXCEPTIONS[name]
    else:
        base = next((_EXCEPTIONS[q] for m, q in error.get("mro", []) if m == "builtins" and q in _EXCEPTIONS),
                    StudentError)
        cls = _derived(name.rpartition(".")[2] or "Error", base)
    try:
        err = cls(message)
    except Exception:  # noqa: BLE001 - a builtin with another signature (UnicodeDecodeError)
        err = _derived(name, StudentError)(message)
    return err


class Remote:
    """A proxy of an object that stays in the student's kernel. Calling it calls the object there; its
    public attributes are read there; nothing else (no dunders: numpy must never see an
    ``__array_interface__`` pointing into another process)."""

    __slots__ = ("_cnn_link", "_cnn_handle")

    def __init__(self, link: "KernelLink", handle: remote.Handle):
        object.__setattr__(self, "_cnn_link", link)
        object.__setattr__(self, "_cnn_handle", handle)

    def __call__(self, *args, **kwargs):
        return self._cnn_link.call(self, args, kwargs)

    def __getattr__(self, name: str):
        if name.startswith("_"):
            raise AttributeError(name)
        return self._cnn_link.getattr(self, name)

    def __setattr__(self, name, value):
        raise AttributeError("objects in the student's kernel are read-only here")

    def __repr__(self) -> str:
        return f"<{self._cnn_handle.type} object in the student's kernel>"

    # cnncourse.checks: messages name the kernel's type; call_each / call_with_inputs use these
    def _cnn_type_name(self) -> str:
        return self._cnn_handle.type

    def _cnn_call_each(self, calls):
        return self._cnn_link.map(self, calls)

    def _cnn_call_with_inputs(self, args, kwargs):
        return self._cnn_link.call(self, args, kwargs, inputs=True)

    def _cnn_time_call(self, args, kwargs, number: int | None, repeat: int, min_time: float) -> float:
        return self._cnn_link.time(self, args, kwargs, number, repeat, min_time)


class KernelLink:
    """Requests to the kernel through the preprocessor's client; outputs go to ``self.streams``."""

    def __init__(self, preprocessor: "CheckedExecute"):
        self.pp = preprocessor
        self.streams: list[tuple[str, str]] = []  # (name, text) of the current test cell
        self.kept = 0
        self.timed_out = False
        self.dead = False
        self.requests = 0
        self.callbacks: dict[int, object] = {}  # the test's functions passed in the request being made
        self.in_callback = False

    def forbidden(self) -> list[str]:
        """The packages the open ``checks.forbid_module`` blocks forbid, less those the kernel cannot import
        at all: the kernel is asked to watch the call for them."""
        blocked = set(self.pp.blocked_modules)
        return [p for p in checks.forbidden_packages() if p.split(".")[0] not in blocked]

    # -- encoding ----------------------------------------------------------------------------------
    def _handle(self, handle: remote.Handle) -> Remote:
        return Remote(self, handle)

    def _encode(self, value):
        if type(value) is Remote:
            return remote.encode(value._cnn_handle)
        t = type(value)
        if t in (tuple, list):
            return {"t": t.__name__, "v": [self._encode(v) for v in value]}
        if t is dict:
            return {"t": "dict", "v": [[self._encode(k), self._encode(v)] for k, v in value.items()]}
        if t in CALLBACK_TYPES:  # a function of the test's: the kernel calls it back (remote.Callback)
            key = next(_callback_ids)  # never reused: a callback kept from an earlier call is refused
            self.callbacks[key] = value
            return {"t": "callback", "id": key}
        return remote.encode(value)  # plain data, or TypeError

    def _value(self, outcome: dict):
        if "error" in outcome:
            raise student_exception(outcome["error"])
        try:
            return remote.decode(outcome["value"], self._handle)
        except Exception as err:  # noqa: BLE001 - a malformed reply is the student's failure
            raise StudentError(f"the kernel's reply could not be read: {err}") from None

    # -- requests ------------------------------------------------------------------------------------
    def request(self, request: dict) -> dict:
        try:
            if self.in_callback:
                raise StudentError("the test's function, called back from your code, cannot call your code")
            if self.dead:
                raise KernelGone("the kernel died")
            if self.timed_out:
                raise CallTimeout("an earlier call of this test cell timed out")
            self.pp._flush_checker_output()
            self.requests += 1
            reply = self.pp._run_request(request, self)
        finally:
            self.callbacks = {}  # valid during their request only
        if not isinstance(reply, dict):
            raise StudentError("the kernel's reply could not be read")
        return reply

    def callback(self, prompt: str) -> str:
        """The reply to the kernel's call of one of the test's functions (an input_request's PROMPT)."""
        try:
            data = json.loads(prompt[len(remote.CALLBACK_PROMPT):])
            func = self.callbacks[int(data["callback"])]
            args = remote.decode(data["args"], self._handle)
            kwargs = remote.decode(data["kwargs"], self._handle)
        except Exception as err:  # noqa: BLE001 - a malformed or stale request from the kernel
            return json.dumps({"error": {"type": "ValueError", "message": f"not a call of the test's function: {err}"}})
        self.in_callback = True
        try:
            return json.dumps({"value": remote.encode(func(*args, **dict(kwargs)))})
        except Exception as err:  # noqa: BLE001 - reported to the kernel, raised there
            return json.dumps({"error": {"type": type(err).__name__, "message": str(err)[:2000]}})
        finally:
            self.in_callback = False

    def _forbidden(self, reply: dict) -> None:
        """A call the kernel saw into a package an open forbid_module block forbids: that block fails."""
        seen = reply.get("forbidden") if isinstance(reply, dict) else None
        if isinstance(seen, str):
            checks.report_forbidden_call(seen[:200])

    def names(self, names: list[str]) -> dict:
        reply = self.request({"op": "names", "names": names})
        found = {}
        for name, outcome in dict(reply.get("names", {})).items():
            if name in names:
                try:
                    found[name] = self._value(outcome)
                except Exception:  # noqa: BLE001 - not a value we can use: the test sees a NameError
                    pass
        return found

    def call(self, target: Remote, args, kwargs, inputs: bool = False):
        reply = self.request({"op": "call", "target": self._encode(target), "args": self._encode(list(args)),
                              "kwargs": self._encode(dict(kwargs)), "inputs": inputs, "forbid": self.forbidden()})
        self._forbidden(reply)
        value = self._value(reply)
        if not inputs:
            return value
        try:
            after = remote.decode(reply["inputs"], self._handle)
            after_args, after_kwargs = tuple(after[0]), dict(after[1])
        except Exception as err:  # noqa: BLE001
            raise StudentError(f"the kernel's reply could not be read: {err}") from None
        return value, after_args, after_kwargs

    def map(self, target: Remote, calls) -> list:
        calls = [(tuple(a), dict(k)) for a, k in calls]
        forbid = self.forbidden()
        reply = self.request({"op": "map", "target": self._encode(target), "calls": [
            {"args": self._encode(list(a)), "kwargs": self._encode(k), "forbid": forbid} for a, k in calls]})
        results = reply.get("results")
        for result in results if isinstance(results, list) else ():
            self._forbidden(result)
        if "error" in reply or not isinstance(results, list) or len(results) != len(calls):
            if "error" in reply:
                raise student_exception(reply["error"])
            raise StudentError("the kernel's reply could not be read")
        return [Outcome(self, r) for r in results]

    def time(self, target: Remote, args, kwargs, number: int | None, repeat: int, min_time: float) -> float:
        """Seconds per call: the fastest of REPEAT requests that each call TARGET NUMBER times in the kernel,
        timed here around the whole request (the kernel can make it longer, never shorter). NUMBER=None:
        as many calls as take MIN_TIME seconds by the kernel's account of one call (which decides only how
        many calls are timed: a kernel that claims to be faster than it is makes the runs longer)."""
        if (number is not None and number < 1) or repeat < 1:
            raise ValueError(f"time_call needs number >= 1 and repeat >= 1, got number={number}, repeat={repeat}")

        def run(n: int):
            request = {"op": "repeat", "target": self._encode(target), "args": self._encode(list(args)),
                       "kwargs": self._encode(dict(kwargs)), "number": n}
            started = time.perf_counter()
            reply = self.request(request)
            elapsed = time.perf_counter() - started
            return elapsed, self._value(reply)  # an error of the student's function is raised here

        if number is None:
            _, claimed = run(1)
            claimed = float(claimed) if type(claimed) is float and claimed == claimed else 0.0
            number = checks.calls_to_time(claimed, min_time)
        best = min(run(number)[0] for _ in range(repeat))
        return best / number

    def getattr(self, target: Remote, name: str):
        return self._value(self.request({"op": "getattr", "target": self._encode(target), "name": name}))


class Outcome:
    """The outcome of one call of a batch (``cnncourse.checks.call_each``): ``get()`` returns its value
    or raises its exception, here."""

    __slots__ = ("_link", "_reply")

    def __init__(self, link: KernelLink, reply):
        self._link, self._reply = link, reply if isinstance(reply, dict) else {"error": {"type": "ReplyError"}}

    def get(self):
        return self._link._value(self._reply)


class _Collector:
    """A text stream that files what is written into the link's outputs (the checker's own prints)."""

    def __init__(self, link: KernelLink, name: str):
        self.link, self.name, self.buffer = link, name, []

    def write(self, text):
        self.buffer.append(str(text))
        return len(text)

    def flush(self):
        text = "".join(self.buffer)
        self.buffer.clear()
        if text:
            self.link.streams.append((self.name, text))

    def isatty(self):
        return False


# The test's own functions that a call may pass to the student's (numerical_gradient(f, x)): the kernel calls
# them back during that call (remote.Callback), and they run here on plain data. Classes (np.float32 as
# a dtype) are not among them: those are not plain data and are refused.
_callback_ids = itertools.count(1)
CALLBACK_TYPES = (types.FunctionType, types.BuiltinFunctionType, types.MethodType, functools.partial)


def free_names(source: str) -> list[str]:
    """Names SOURCE reads and never binds (anywhere in it), other than builtins."""
    tree = ast.parse(source)
    loaded, stored = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            (loaded if isinstance(node.ctx, ast.Load) else stored).add(node.id)
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            stored.add(node.name)
        elif isinstance(node, ast.arg):
            stored.add(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            stored.update((a.asname or a.name).split(".")[0] for a in node.names)
        elif isinstance(node, ast.ExceptHandler) and node.name:
            stored.add(node.name)
    return sorted(n for n in loaded - stored if not hasattr(builtins, n))


def _is_test(cell) -> bool:
    meta = cell.get("metadata", {}).get("nbgrader", {})
    return cell.cell_type == "code" and bool(meta.get("grade")) and not meta.get("solution")


def _make_preprocessor():
    from nbclient.exceptions import DeadKernelError
    from nbclient.util import ensure_async, run_sync
    from traitlets import Dict, List, Unicode

    class CheckedExecute(SandboxedExecute):
        """SandboxedExecute, with the test cells of the assignments in ``assignments`` run here (this
        module's docstring)."""

        assignments = Dict(value_trait=List(Unicode()), default_value={},
                           help="assignment -> packages its kernel cannot import; its test cells run in the "
                                "checker").tag(config=True)
        release_directory = Unicode("exercises", help="the release folder, under course_root").tag(config=True)

        def preprocess(self, nb, resources, *args, **kwargs):
            info = (resources or {}).get("nbgrader", {})
            assignment = info.get("assignment")
            self._checked = assignment in self.assignments
            # forbid_module blocks in this process watch nothing here: the kernel watches its calls
            checks.CALLS_RUN_ELSEWHERE = self._checked
            if not self._checked:
                self.blocked_modules = []
                return super().preprocess(nb, resources, *args, **kwargs)
            self.blocked_modules = list(self.assignments[assignment])
            root = Path(self.course_root or os.getcwd())
            release = root / self.release_directory / assignment / f"{info.get('notebook')}.ipynb"
            self._setup_cells = self._release_setup_cells(release)
            self._namespace = {"__name__": "__cnn_checker__", "__builtins__": builtins}
            self._remote_names: set[str] = set()
            self._link = None
            self._torch_threads_set = False
            return super().preprocess(nb, resources, *args, **kwargs)

        @staticmethod
        def _release_setup_cells(release: Path) -> list[tuple[str, str, bool]]:
            """(grade_id, source, is_test) of the release's locked cells and test cells, in order."""
            nb = nbformat.read(release, as_version=4)
            cells = []
            for cell in nb.cells:
                meta = cell.metadata.get("nbgrader", {})
                if cell.cell_type != "code" or not meta.get("grade_id"):
                    continue
                if _is_test(cell):
                    cells.append((meta["grade_id"], "", True))
                elif meta.get("locked") and not meta.get("solution"):
                    cells.append((meta["grade_id"], cell.source, False))
            return cells

        def preprocess_cell(self, cell, resources, index):
            if not getattr(self, "_checked", False) or not _is_test(cell):
                return super().preprocess_cell(cell, resources, index)
            self._run_test_cell(cell, index)
            return cell, self.resources

        # -- the checker ---------------------------------------------------------------------------
        def _run_setup_until(self, grade_id: str) -> None:
            """Run the release's locked cells before the test GRADE_ID that have not run yet."""
            while self._setup_cells:
                gid, source, is_test = self._setup_cells[0]
                if is_test and gid == grade_id:
                    self._setup_cells.pop(0)
                    return
                if is_test and not any(g == grade_id for g, _, _ in self._setup_cells):
                    return  # a test the release does not have (cells.py gives it no marks)
                self._setup_cells.pop(0)
                if is_test:
                    continue
                sink = _Collector(KernelLink(self), "stdout")
                try:
                    with contextlib.redirect_stdout(sink), contextlib.redirect_stderr(sink):
                        exec(compile(source, f"<release cell {gid}>", "exec"), self._namespace)
                except Exception as err:  # noqa: BLE001 - the release's own code; the tests will show it
                    self.log.error("checker: the release's cell %s failed: %s: %s", gid, type(err).__name__, err)

        def _run_test_cell(self, cell, index: int) -> None:
            grade_id = cell.metadata["nbgrader"].get("grade_id", "")
            self._run_setup_until(grade_id)
            if "torch" in cell.source and not self._torch_threads_set:
                # The references are small: one thread. OpenMP threads that spin after each operation
                # would take the cores the student's kernel needs between two calls (3-10x slower).
                import torch
                torch.set_num_threads(1)
                self._torch_threads_set = True
            link = self._link = KernelLink(self)
            ns = self._namespace
            out, err_out = _Collector(link, "stdout"), _Collector(link, "stderr")
            self._collectors = (out, err_out)
            error = None
            filename = f"<test cell {grade_id}>"
            started = time.monotonic()
            try:
                code = compile(cell.source, filename, "exec")
                wanted = [n for n in free_names(cell.source) if n not in ns or n in self._remote_names]
                for name in self._remote_names & set(wanted):
                    ns.pop(name, None)
                if wanted:
                    found = link.names(wanted)
                    ns.update(found)
                    self._remote_names.update(found)
                with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err_out):
                    exec(code, ns)
            except KernelGone:
                error = None
            except BaseException as exc:  # noqa: BLE001 - the test failed; its outputs say why
                if isinstance(exc, (SystemExit, KeyboardInterrupt)) and not isinstance(exc, CallTimeout):
                    raise
                error = exc
            finally:
                self._collectors = None
                out.flush()
                err_out.flush()
            cell.outputs = self._outputs(link.streams)
            cell.execution_count = None
            self.log.info("checker: %s ran in %.2f s, %d calls to the kernel", grade_id, time.monotonic() - started,
                          link.requests)
            if link.dead:
                raise DeadKernelError("Kernel died")
            if link.timed_out:
                cell.outputs.append(NotebookNode(
                    output_type="error", ename="CellTimeoutError", evalue=f"a call took more than {self.timeout} s",
                    traceback=[f"CellTimeoutError: a call of your code took more than {self.timeout} seconds."]))
            elif error is not None:
                cell.outputs.append(self._error_output(error, cell.source, filename))
            self._completed.add(index)

        @staticmethod
        def _outputs(streams) -> list:
            outputs, kept = [], 0
            for name, text in streams:
                if kept >= MAX_STREAM:
                    break
                text = text[: MAX_STREAM - kept] + ("\n[output cut]\n" if len(text) > MAX_STREAM - kept else "")
                kept += len(text)
                if outputs and outputs[-1]["name"] == name:
                    outputs[-1]["text"] += text
                else:
                    outputs.append(NotebookNode(output_type="stream", name=name, text=text))
            return outputs

        @staticmethod
        def _error_output(error: BaseException, source: str, filename: str) -> NotebookNode:
            ename, evalue = type(error).__name__, str(error)
            lines = [f"{ename}: {evalue}"]
            visible = source.split("### BEGIN HIDDEN TESTS")[0].count("\n")
            frames = [f for f in traceback.extract_tb(error.__traceback__) if f.filename == filename]
            if frames and frames[-1].lineno is not None and frames[-1].lineno <= visible:
                line = source.splitlines()[frames[-1].lineno - 1].strip()
                lines.insert(0, f"In the test cell, line {frames[-1].lineno}: {line}")
            elif frames:
                lines.insert(0, "In a hidden test:")
            return NotebookNode(output_type="error", ename=ename, evalue=evalue, traceback=lines)

        def _flush_checker_output(self) -> None:
            for collector in getattr(self, "_collectors", None) or ():
                collector.flush()

        # -- transport --------------------------------------------------------------------------------
        def _run_request(self, request: dict, link: KernelLink) -> dict:
            nonce = secrets.token_hex(16)
            request = {**request, "nonce": nonce}
            code = f"__import__('cnncourse.remote').remote.serve({json.dumps(request)!r})"
            return run_sync(self._async_request)(code, nonce, link)

        async def _async_request(self, code: str, nonce: str, link: KernelLink) -> dict:
            import zmq
            import zmq.asyncio

            kc = self.kc
            # allow_stdin: the kernel may call the test's functions back (remote.Callback), as input requests
            msg_id = await ensure_async(kc.execute(code, silent=True, store_history=False, allow_stdin=True))
            poller = zmq.asyncio.Poller()
            poller.register(kc.iopub_channel.socket, zmq.POLLIN)
            poller.register(kc.stdin_channel.socket, zmq.POLLIN)
            deadline = time.monotonic() + (self.timeout or 300)
            reply, idle, replied = None, False, False
            interrupted_at = None
            while not (idle and replied):
                now = time.monotonic()
                if interrupted_at is None and now > deadline:
                    link.timed_out = True
                    await ensure_async(self.km.interrupt_kernel())
                    interrupted_at = now
                if interrupted_at is not None and now > interrupted_at + 10:
                    break  # no answer even to the interrupt: the later cells will see
                ready = dict(await poller.poll(500 if idle or replied else 1000))
                if kc.stdin_channel.socket in ready:
                    await self._answer_input(link, msg_id, interrupted_at is None)
                if kc.iopub_channel.socket not in ready:
                    if not await ensure_async(kc.is_alive()):
                        link.dead = True
                        raise KernelGone("the kernel died")
                    if idle and not replied:
                        replied = await self._shell_reply(msg_id, wait=0)
                    continue
                try:
                    msg = await ensure_async(kc.iopub_channel.get_msg(timeout=0))
                except Exception:  # noqa: BLE001 - queue.Empty
                    continue
                if msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                kind, content = msg["msg_type"], msg["content"]
                if kind == "status" and content.get("execution_state") == "idle":
                    idle = True
                    replied = replied or await self._shell_reply(msg_id, wait=5)
                    if not replied:
                        replied = True  # the reply is not needed: the result travels on iopub
                elif kind == "stream":
                    if link.kept < MAX_STREAM:
                        text = str(content.get("text", ""))[: MAX_STREAM - link.kept]
                        link.kept += len(text)
                        link.streams.append((str(content.get("name")) if content.get("name") == "stderr"
                                             else "stdout", text))
                elif kind == "display_data" and reply is None:
                    data = content.get("data", {}).get(remote.MIME)
                    if isinstance(data, str):
                        try:
                            parsed = json.loads(data)
                        except ValueError:
                            parsed = None
                        if isinstance(parsed, dict) and parsed.get("nonce") == nonce:
                            reply = parsed.get("reply")
            if link.timed_out:
                raise CallTimeout(f"a call took more than {self.timeout} s")
            if reply is None:
                raise StudentError("the kernel gave no reply to the call (was the grader's dispatcher changed?)")
            return reply

        async def _answer_input(self, link: KernelLink, msg_id: str, running: bool) -> None:
            """Answer the kernel's input requests: a callback of the test's function (remote.Callback) gets
            its value; anything else (the student's own input()) gets end of file (EOFError there)."""
            kc = self.kc
            while True:
                try:
                    msg = await ensure_async(kc.stdin_channel.get_msg(timeout=0))
                except Exception:  # noqa: BLE001 - queue.Empty
                    return
                if msg.get("msg_type") != "input_request" or msg.get("parent_header", {}).get("msg_id") != msg_id:
                    continue
                prompt = str(msg.get("content", {}).get("prompt", ""))
                answer = "\x04"
                if running and prompt.startswith(remote.CALLBACK_PROMPT):
                    answer = link.callback(prompt)
                kc.input(answer)

        async def _shell_reply(self, msg_id: str, wait: float) -> bool:
            end = time.monotonic() + wait
            while True:
                try:
                    msg = await ensure_async(self.kc.shell_channel.get_msg(timeout=max(0.01, end - time.monotonic())))
                except Exception:  # noqa: BLE001 - queue.Empty
                    return False
                if msg.get("parent_header", {}).get("msg_id") == msg_id:
                    return True

    return CheckedExecute


try:
    CheckedExecute = _make_preprocessor()
except ImportError:  # nbgrader not installed
    pass
