"""tests/steps.py: an expensive step runs once per session under `-n 2`, where a module-scoped fixture
runs once per worker; a step that runs twice fails the session; a failing step fails its tests once.

Each case is a small pytest session of its own, run with the suite's real conftest.py and steps.py.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent

TESTS = '''
import os, time
from pathlib import Path
import pytest
import steps

LOG = Path(os.environ["STEPS_DEMO_LOG"])


@steps.step("slow-thing", cost=1)
def _slow_thing(folder):
    time.sleep(1)
    return {"answer": 42}


@steps.step("broken", cost=1)
def _broken(folder):
    raise ValueError("the batch could not be graded")


@pytest.fixture(scope="module")
def module_fixture():
    """The old way: one computation per worker that runs a test of this module."""
    with open(LOG, "a") as f:
        f.write(os.environ.get("PYTEST_XDIST_WORKER", "main") + "\\n")
    time.sleep(1)
    return 42


@pytest.mark.step("slow-thing")
@pytest.mark.parametrize("i", range(12))
def test_uses_the_step(i):
    time.sleep(0.1)
    assert steps.result("slow-thing") == {"answer": 42}


@pytest.mark.parametrize("i", range(12))
def test_uses_the_module_fixture(module_fixture, i):
    time.sleep(0.1)
    assert module_fixture == 42
'''

BROKEN = '''
@pytest.mark.step("broken")
@pytest.mark.parametrize("i", range(4))
def test_needs_the_broken_step(i):
    steps.result("broken")
'''

TWICE = '''
def test_computes_the_step_twice():
    steps.result("slow-thing")
    (steps.shared() / "slow-thing.json").unlink()   # as if the result had been lost
    steps.result("slow-thing")
'''


def session(tmp_path: Path, body: str, *args: str) -> tuple[subprocess.CompletedProcess, Path]:
    project = tmp_path / "project"
    project.mkdir()
    for name in ("conftest.py", "steps.py"):
        shutil.copy2(HERE / name, project / name)
    (project / "test_demo.py").write_text(body)
    log = tmp_path / "module-fixture.log"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", "--basetemp",
                           str(tmp_path / "base"), *args, str(project)], cwd=project,
                          env={**__import__("os").environ, "STEPS_DEMO_LOG": str(log)},
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    return proc, log


def step_log(tmp_path: Path) -> list[str]:
    return (tmp_path / "base" / "steps" / "steps.log").read_text().split("\n")[:-1]


def test_a_step_runs_once_under_two_workers_where_a_module_fixture_runs_twice(tmp_path):
    proc, log = session(tmp_path, TESTS, "-n", "2")
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert "24 passed" in proc.stdout, proc.stdout[-3000:]
    computed = [line.split()[0] for line in step_log(tmp_path)]
    assert computed == ["slow-thing"], computed
    # the reason for tests/steps.py: the same fixture, scoped to the module, ran on both workers
    assert sorted(log.read_text().split()) == ["gw0", "gw1"], log.read_text()


def test_a_step_that_runs_twice_fails_the_session(tmp_path):
    proc, _ = session(tmp_path, TESTS + TWICE, "-n", "2", "-k", "twice")
    assert "1 passed" in proc.stdout and proc.returncode == 1, proc.stdout[-3000:]
    assert "expensive steps computed more than once: {'slow-thing': 2}" in proc.stdout, proc.stdout[-3000:]


def test_a_failing_step_is_computed_once_and_fails_each_test_that_needs_it(tmp_path):
    proc, _ = session(tmp_path, TESTS + BROKEN, "-n", "2", "-k", "broken")
    assert proc.returncode == 1 and "4 failed" in proc.stdout, proc.stdout[-3000:]
    assert proc.stdout.count("the batch could not be graded") >= 4, proc.stdout[-3000:]
    assert [line.split()[0] for line in step_log(tmp_path)] == ["broken"]
