"""Expensive steps (grading a batch, building the book) run once per test session, whatever the scheduler.

pytest-xdist gives no guarantee that the tests sharing a module-scoped fixture run on one worker (with
pytest 9.2 and xdist 3.8, `--dist loadgroup` sent one group's tests to both workers, and both graded the
same batch). So an expensive step is not a fixture: it is a function registered here with ``@step``,
which returns JSON data, and runs once per session under a file lock in the session's shared temporary
folder. Its result (or its error) is stored there, and every test on every worker reads the same one.

- ``@step(name, cost)`` registers a step; ``cost`` (rough seconds) orders the queue, longest first.
- A test that needs a step is marked ``@pytest.mark.step(name)``; ``result(name)`` returns its data.
- On each worker, before its first test, ``run_queue`` computes the needed steps that no other worker
  has claimed (a non-blocking lock per step), so two workers share the steps between them; a test then
  waits only for a step the other worker is still computing.
- Every computation appends a line to ``steps.log``; conftest.py fails the session when a step ran twice
  (tests/test_steps.py proves this happens, and that the lock prevents it, under ``-n 2``).
"""

from __future__ import annotations

import json
import os
import time
import traceback
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Callable

from filelock import FileLock, Timeout

LOG = "steps.log"


@dataclass
class Step:
    name: str
    cost: float
    compute: Callable[[Path], Any]  # called with the step's own empty folder; returns JSON data


STEPS: dict[str, Step] = {}
_shared: Path | None = None


class StepFailed(RuntimeError):
    """The step raised; every test that needs it fails with the step's traceback."""


def step(name: str, cost: float) -> Callable:
    """Register ``compute(folder) -> JSON data`` as the expensive step ``name``."""
    def register(compute: Callable[[Path], Any]) -> Callable[[Path], Any]:
        if name in STEPS:
            raise ValueError(f"two expensive steps named {name!r}")
        STEPS[name] = Step(name, cost, compute)
        return compute
    return register


def set_shared(folder: Path) -> None:
    """The session's folder that every worker sees (conftest.py sets it)."""
    global _shared
    _shared = Path(folder)
    _shared.mkdir(parents=True, exist_ok=True)


def shared() -> Path:
    if _shared is None:
        raise RuntimeError("steps.set_shared() was not called (tests/conftest.py does it)")
    return _shared


def _files(name: str) -> tuple[FileLock, Path]:
    return FileLock(str(shared() / f"{name}.lock")), shared() / f"{name}.json"


def _compute(name: str, out: Path) -> None:
    """Run the step (the caller holds its lock) and store its result or its error."""
    folder = shared() / name
    folder.mkdir(exist_ok=True)
    start = time.monotonic()
    with open(shared() / LOG, "a") as log:
        log.write(f"{name} {os.environ.get('PYTEST_XDIST_WORKER', 'main')} {os.getpid()}\n")
    try:
        record = {"ok": True, "data": STEPS[name].compute(folder)}
    except BaseException as err:  # noqa: BLE001 - stored, then raised in every test that needs it
        record = {"ok": False, "error": "".join(traceback.format_exception(err))}
        if not isinstance(err, Exception):
            out.write_text(json.dumps(record))
            raise
    record["seconds"] = round(time.monotonic() - start, 1)
    tmp = out.with_suffix(".tmp")
    tmp.write_text(json.dumps(record))
    tmp.replace(out)


def result(name: str) -> Any:
    """The data of step ``name``: computed here if nobody has, else waited for and read."""
    if name not in STEPS:
        raise KeyError(f"no expensive step {name!r}; known: {sorted(STEPS)}")
    lock, out = _files(name)
    with lock:
        if not out.exists():
            _compute(name, out)
    record = json.loads(out.read_text())
    if not record["ok"]:
        raise StepFailed(f"the expensive step {name!r} failed:\n{record['error']}")
    return record["data"]


def run_queue(names: set[str]) -> None:
    """Compute, longest first, each of ``names`` that no other worker has claimed or finished."""
    for name in sorted(names, key=lambda n: (-STEPS[n].cost, n)):
        lock, out = _files(name)
        try:
            lock.acquire(timeout=0)
        except Timeout:
            continue  # another worker is computing it
        try:
            if not out.exists():
                _compute(name, out)
        finally:
            lock.release()


def _logged() -> list[tuple[str, str]]:
    """(step, worker) of each computation in this session's steps.log, in order."""
    log = shared() / LOG
    return [tuple(line.split()[:2]) for line in log.read_text().splitlines()] if log.exists() else []


def timings() -> list[tuple[str, str, float | None]]:
    """(step, worker, seconds) of each step computed in this session."""
    rows = []
    for name, worker in _logged():
        out = shared() / f"{name}.json"
        rows.append((name, worker, json.loads(out.read_text()).get("seconds") if out.exists() else None))
    return rows


def computations() -> list[str]:
    """The names of the steps computed so far in this session, once per computation."""
    return [name for name, _ in _logged()]
