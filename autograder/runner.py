"""Run nbgrader commands in fresh processes that do not pay nbgrader's start-up each time.

``python -m nbgrader`` spends about 5 s importing (nbgrader imports Jupyter Server for its extensions),
and the grading process imports PyTorch for the references of the hidden tests: on two cores that was
a third of the time it takes to grade a submission of exercise 01. Here each command still runs in a
process of its own, as ``subprocess.run`` did (one submission's grading process is never reused for
another: its state, a crash, its memory), but that process is *forked* from a server that imported
those packages once: Python's ``multiprocessing`` forkserver with a preload list. The server is
single-threaded when it forks (it only imported modules), so forking it is safe; the course's own
modules (nbgrader_config.py, checker.py, sandbox.py...) are not preloaded: each command imports them
from its course folder, as before.

``run(args, cwd, env)`` (and ``call`` for any function) returns a ``subprocess.CompletedProcess``
(returncode, stdout with stderr) like the ``subprocess.run`` it replaces (Course.nbgrader's default;
``CNN_GRADE_LAUNCH=subprocess`` goes back to ``python -m nbgrader`` per command); a process that dies
(a signal, out of memory) returns a negative code and what it wrote, and does not affect other commands.
"""

from __future__ import annotations

import io
import multiprocessing
import os
import signal
import subprocess
import sys
import tempfile
import threading
from multiprocessing import context, forkserver, popen_forkserver, spawn, util

# Imported once by the server and shared by every forked command (copy-on-write).
PRELOAD = [
    "nbgrader.apps.nbgraderapp", "nbgrader.apps.autogradeapp", "nbgrader.preprocessors", "nbgrader.api",
    "nbclient", "jupyter_client", "nbconvert", "sqlalchemy", "numpy", "torch",
]
_lock = threading.Lock()
_context: multiprocessing.context.BaseContext | None = None


def _get_context() -> multiprocessing.context.BaseContext:
    global _context
    with _lock:
        if _context is None:
            ctx = multiprocessing.get_context("forkserver")
            ctx.set_forkserver_preload(PRELOAD)
            _context = ctx
        return _context


class _Popen(popen_forkserver.Popen):
    """The forkserver's Popen, except that the child does not run the parent's ``__main__`` again.

    multiprocessing re-imports the parent's main script in every child (as ``__mp_main__``) so that
    functions defined there can be unpickled. A command here only runs this module's functions, and
    re-running the caller's script would run whatever it does at the top level (a grading script
    without an ``if __name__ == "__main__"`` guard would grade again in each child, recursively).
    This is CPython 3.11's ``popen_forkserver.Popen._launch`` with those two keys left out.
    """

    def _launch(self, process_obj):
        prep_data = spawn.get_preparation_data(process_obj._name)
        prep_data.pop("init_main_from_path", None)
        prep_data.pop("init_main_from_name", None)
        buf = io.BytesIO()
        context.set_spawning_popen(self)
        try:
            context.reduction.dump(prep_data, buf)
            context.reduction.dump(process_obj, buf)
        finally:
            context.set_spawning_popen(None)
        self.sentinel, w = forkserver.connect_to_new_process(self._fds)
        _parent_w = os.dup(w)
        self.finalizer = util.Finalize(self, util.close_fds, (_parent_w, self.sentinel))
        with open(w, "wb", closefd=True) as f:
            f.write(buf.getbuffer())
        self.pid = forkserver.read_signed(self.sentinel)


class _Process(context.ForkServerProcess):
    @staticmethod
    def _Popen(process_obj):
        return _Popen(process_obj)


def nbgrader_main(args: list[str]) -> int:
    """``nbgrader ARGS`` in this process; its exit code."""
    from nbgrader.apps.nbgraderapp import NbGraderApp

    sys.argv = ["nbgrader", *args]
    NbGraderApp.launch_instance(argv=list(args))
    return 0


def _die_with_parent() -> None:
    """SIGTERM when the server that forked this process exits: the server exits with the process that
    started it (a grading worker that was killed, a coordinator stopped with Ctrl-C), and a command left
    running would grade for nobody. SIGTERM, not SIGKILL: nbgrader then shuts its kernel down.

    multiprocessing gives every forked process the write end of the pipe by which the server learns that
    its starter is gone (the server stays while a process holds it): this process lets go of it, so that
    the server exits when its starter does, whatever commands are still running."""
    from multiprocessing import forkserver

    server = getattr(forkserver, "_forkserver", None)
    alive = getattr(server, "_forkserver_alive_fd", None)
    if alive is not None:
        os.close(alive)
        server._forkserver_alive_fd = None
    parent = os.getppid()
    try:
        import ctypes

        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM, 0, 0, 0)  # PR_SET_PDEATHSIG
    except (OSError, AttributeError):  # not Linux: the command runs to its end
        return
    signal.signal(signal.SIGTERM, _terminated)
    if os.getppid() != parent:  # the server was gone before the prctl
        os._exit(128 + signal.SIGTERM)


def _terminated(signum, frame):
    raise SystemExit(128 + signum)


def _child(target, args: list[str], cwd: str, env: dict[str, str], log_path: str) -> None:
    """In the forked process: the command's folder and environment, its output into the log file."""
    _die_with_parent()
    log_fd = os.open(log_path, os.O_WRONLY | os.O_APPEND)
    os.chdir(cwd)
    os.environ.clear()
    os.environ.update(env)
    sys.stdout.flush()
    sys.stderr.flush()
    os.dup2(log_fd, 1)
    os.dup2(log_fd, 2)
    os.close(log_fd)
    code = 1
    try:
        code = target(args) or 0
    except SystemExit as exc:  # nbgrader exits with 1 when a command fails
        code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    except BaseException:  # noqa: B036 - anything else is the command's failure, with its traceback
        import traceback

        traceback.print_exc()
        code = 1
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        import atexit

        atexit._run_exitfuncs()  # nbclient's kernel clean-up is an atexit handler, as in `python -m nbgrader`
        os._exit(code)


def call(target, args: list[str], cwd: str | os.PathLike, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``target(args)`` (a module-level function returning an exit code) in a process of its own forked from
    the server, in ``cwd`` with exactly ``env``; its stdout and stderr together, as ``subprocess.run`` gives."""
    _get_context()  # the server's preload list
    fd, log_path = tempfile.mkstemp(prefix="cnn-runner-", suffix=".log")
    os.close(fd)
    try:
        proc = _Process(target=_child, args=(target, list(args), str(cwd), dict(env), log_path),
                           name=" ".join(map(str, args[:2])), daemon=False)
        proc.start()
        proc.join()
        with open(log_path, "rb") as log:
            out = log.read().decode("utf-8", errors="replace")
    finally:
        os.unlink(log_path)
    if proc.exitcode is not None and proc.exitcode < 0:
        out += f"\n{' '.join(map(str, args))}: the process was killed by signal {-proc.exitcode}\n"
    return subprocess.CompletedProcess(list(args), proc.exitcode, out, None)


def run(args: list[str], cwd: str | os.PathLike, env: dict[str, str]) -> subprocess.CompletedProcess:
    """``nbgrader ARGS`` in ``cwd`` with exactly ``env``, in a process of its own (see the module)."""
    proc = call(nbgrader_main, args, cwd, env)
    proc.args = ["nbgrader", *args]
    return proc
