import sys
from collections import Counter
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import steps  # noqa: E402  (tests/steps.py)


def _session_folder(config: pytest.Config) -> Path:
    """The session's temporary folder: the controller's basetemp, of which each xdist worker's is a child."""
    base = config._tmp_path_factory.getbasetemp()
    return base.parent if hasattr(config, "workerinput") else base


def pytest_configure(config):
    config.addinivalue_line("markers", "step(name): the test reads the expensive step NAME (tests/steps.py)")


def pytest_sessionstart(session):
    steps.set_shared(_session_folder(session.config) / "steps")


@pytest.fixture(scope="session", autouse=True)
def _expensive_steps(request):
    """Before this worker's first test: compute its share of the expensive steps the session needs."""
    needed = {m.args[0] for item in request.session.items for m in item.iter_markers("step")}
    steps.run_queue(needed)


def pytest_sessionfinish(session, exitstatus):
    """Fail the session when an expensive step was computed more than once (on the controller only)."""
    if hasattr(session.config, "workerinput"):
        return
    twice = {name: n for name, n in Counter(steps.computations()).items() if n > 1}
    if twice:
        session.config.get_terminal_writer().line(
            f"ERROR: expensive steps computed more than once: {twice} (see tests/steps.py)", red=True)
        session.exitstatus = pytest.ExitCode.TESTS_FAILED


def pytest_terminal_summary(terminalreporter):
    """How long each expensive step took (seconds, and the worker that computed it): where CI time goes."""
    if hasattr(terminalreporter.config, "workerinput"):
        return
    rows = steps.timings()
    if rows:
        terminalreporter.section("expensive steps (tests/steps.py)")
        for name, worker, seconds in sorted(rows, key=lambda r: -(r[2] or 0)):
            terminalreporter.line(f"{seconds if seconds is not None else '?':>8} s  {name}  ({worker})")
