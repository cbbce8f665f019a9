"""Run the visible part of an exercise's test cells in this process, with an answer's cells substituted.

A released notebook holds only the visible part of each test cell (generate_assignment removes the hidden
tests), so running the release's cells in order is what a student sees when running the notebook, or
`make validate`. For the exercises that autograder/checker.py checks (CHECKED in nbgrader_config.py), the
test cells run as the checker runs them: in a namespace of their own, holding the release's locked cells,
where the student's functions are proxies that get copies of their arguments; the student's code runs in
another namespace, which cannot import the packages the exercise blocks (torch...). Cells without nbgrader
metadata (demonstrations, plots) are not run: no test reads what they compute.
"""

from __future__ import annotations

import ast
import builtins
import contextlib
import copy
import io
import os
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent


def checked_assignments() -> dict[str, list[str]]:
    """nbgrader_config.py's CHECKED table (assignment -> blocked packages), read without running the file."""
    tree = ast.parse((REPO / "autograder" / "nbgrader_config.py").read_text())
    wanted = [node for node in tree.body if isinstance(node, ast.Assign)
              and any(isinstance(t, ast.Name) and t.id in ("NO_TORCH", "CHECKED") for t in node.targets)]
    scope: dict = {}
    exec(compile(ast.Module(body=wanted, type_ignores=[]), "nbgrader_config.py", "exec"), scope)  # literals only
    return scope["CHECKED"]


@dataclass
class Outcome:
    """What a visible test cell did: error is None when it passed, else 'ExceptionName: message'."""
    grade_id: str
    error: str | None
    seconds: float


class _Proxy:
    """A student's function seen from the checker's side: it runs on copies of its arguments."""

    def __init__(self, func):
        self._func = func

    def __call__(self, *args, **kwargs):
        return self._func(*copy.deepcopy(args), **copy.deepcopy(kwargs))

    @staticmethod
    def _cnn_call_with_inputs(proxy, args, kwargs):  # checks.call_with_inputs: the copies after the call
        args, kwargs = copy.deepcopy(tuple(args)), copy.deepcopy(dict(kwargs))
        return proxy._func(*args, **kwargs), args, kwargs


def _blocking_builtins(blocked: list[str]) -> dict:
    real_import = builtins.__import__

    def guarded(name, *args, **kwargs):
        if name.split(".")[0] in blocked:
            raise ImportError(f"{name.split('.')[0]} is not available in this exercise (NumPy only)")
        return real_import(name, *args, **kwargs)

    return {**builtins.__dict__, "__import__": guarded}


def run_visible(assignment: str, cells: dict[str, str], skip: frozenset[str] = frozenset()) -> dict[str, Outcome]:
    """Run the release of ASSIGNMENT with its solution cells replaced by CELLS (grade_id -> source); return
    each test cell's outcome (grade_ids in SKIP are not run). A locked cell that fails raises RuntimeError."""
    import time

    os.environ.setdefault("MPLBACKEND", "Agg")
    blocked = checked_assignments().get(assignment)
    notebook = REPO / "exercises" / assignment / f"{assignment}.ipynb"
    nb = nbformat.read(notebook, as_version=4)
    kernel: dict = {"__name__": "__main__"}
    if blocked is not None:
        kernel["__builtins__"] = _blocking_builtins(blocked)
    tests: dict = {"__name__": "__main__"} if blocked is not None else kernel
    outcomes: dict[str, Outcome] = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta:
            continue
        grade_id = meta["grade_id"]
        if meta.get("grade"):
            if grade_id in skip:
                continue
            if tests is not kernel:  # the checker: names the test reads from the student's kernel are proxies
                for name, value in kernel.items():
                    if not name.startswith("__") and name not in tests:
                        tests[name] = _Proxy(value) if callable(value) else copy.deepcopy(value)
            start = time.perf_counter()
            error = _run(cell.source, grade_id, tests)
            outcomes[grade_id] = Outcome(grade_id, error, time.perf_counter() - start)
            if tests is not kernel:
                for name in [n for n, v in tests.items() if isinstance(v, _Proxy)]:
                    del tests[name]  # looked up afresh for the next test cell
            continue
        if meta.get("solution"):
            _run(cells.get(grade_id, cell.source), grade_id, kernel)  # a student's cell may fail: its tests say so
            continue
        for namespace in {id(kernel): kernel, id(tests): tests}.values():  # locked setup and helper cells
            error = _run(cell.source, grade_id, namespace)
            if error is not None:
                raise RuntimeError(f"{assignment}: the locked cell {grade_id} failed: {error}")
    return outcomes


def _run(source: str, name: str, namespace: dict) -> str | None:
    try:
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            exec(compile(source, f"<cell {name}>", "exec"), namespace)
    except Exception as err:  # noqa: BLE001 - the outcome of a cell, reported by the caller
        return f"{type(err).__name__}: {err}"
    return None
