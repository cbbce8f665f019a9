"""The Jupyter servers of `make formgrader` (instructors) and `make lab` (students), started for real
on 127.0.0.1 and queried over HTTP: the formgrader shows the graded course; students' JupyterLab has
nbgrader's validate button and none of the instructor's or exchange panels."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from contextlib import contextmanager

import pytest

import steps
from grading import REPO, Course

pytestmark = pytest.mark.slow
A = "01-convolution"


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def get(url: str, token: str, follow: bool = True) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": f"token {token}"})
    opener = urllib.request.build_opener() if follow else urllib.request.build_opener(_NoRedirect)
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as err:
        return err.code, err.read().decode(errors="replace")


@contextmanager
def server(argv: list[str], port: int, token: str, log_path, env: dict | None = None, cwd=None):
    """Start a Jupyter server (its own process group) logging to LOG_PATH, wait until it answers, stop it."""
    log = open(log_path, "w")
    proc = subprocess.Popen(argv, stdout=log, stderr=subprocess.STDOUT, text=True, env=env, cwd=cwd,
                            start_new_session=True)
    try:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"the server exited ({proc.returncode}):\n{log_path.read_text()[-4000:]}")
            try:
                if get(f"http://127.0.0.1:{port}/api/status", token)[0] == 200:
                    break
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                pass
            time.sleep(1)
        else:
            raise RuntimeError(f"the server did not answer within 240 s:\n{log_path.read_text()[-4000:]}")
        yield proc
    finally:
        try:
            os.killpg(proc.pid, signal.SIGTERM)
            proc.wait(timeout=30)
        except ProcessLookupError:  # it had exited
            pass
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        log.close()


def free_port() -> int:
    sys.path.insert(0, str(REPO / "autograder"))
    from formgrader import free_port as free
    return free()


@pytest.mark.step("grade-command")
def test_formgrader_shows_the_graded_course(tmp_path):
    """`make formgrader` (autograder/formgrader.py) on the course that test_grade_command graded."""
    course = Course(steps.result("grade-command")["root"])
    port, token = free_port(), "test-token-0123456789abcdef"
    argv = [sys.executable, str(course.autograder / "formgrader.py"), "--root", str(course.root),
            "--port", str(port), "--token", token]
    with server(argv, port, token, tmp_path / "server.log", cwd="/"):
        status, body = get(f"http://127.0.0.1:{port}/formgrader/api/assignments", token)
        assert status == 200, body
        assignments = {a["name"]: a for a in json.loads(body)}
        assert A in assignments and assignments[A]["num_submissions"] == 2, assignments
        status, body = get(f"http://127.0.0.1:{port}/formgrader/api/submissions/{A}", token)
        assert status == 200, body
        assert {s["student"] for s in json.loads(body)} == {"alice", "bob"}
        # the token is required
        assert get(f"http://127.0.0.1:{port}/formgrader/api/assignments", "wrong", follow=False)[0] in (302, 403)
        status, page = get(f"http://127.0.0.1:{port}/formgrader", token)
        assert status == 200 and "nbgrader" in page.lower()
        # the manual grading page of a submission: nbgrader's own template (the feedback's is not used here)
        status, body = get(f"http://127.0.0.1:{port}/formgrader/api/submitted_notebooks/{A}/{A}", token)
        (alice,) = [s for s in json.loads(body) if s["student"] == "alice"]
        status, page = get(f"http://127.0.0.1:{port}/formgrader/submissions/{alice['id']}/", token)
        assert status == 200 and "nbgrader_cell" in page and "not graded yet" not in page
    printed = (tmp_path / "server.log").read_text()
    assert f"http://127.0.0.1:{port}/formgrader?token={token}" in printed


def test_student_lab_has_validate_only(tmp_path):
    """`make lab`: nbgrader's formgrader, create-assignment, assignment and course lists are off."""
    port, token = free_port(), "student-token-0123456789"
    env = {**os.environ, "JUPYTER_CONFIG_PATH": str(REPO / "jupyter" / "student"), "JUPYTER_TOKEN": token,
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    argv = [sys.executable, "-m", "jupyterlab", "--no-browser", "--allow-root", "--ServerApp.ip=127.0.0.1",
            f"--ServerApp.port={port}", "--ServerApp.port_retries=0", f"--ServerApp.root_dir={REPO}"]
    with server(argv, port, token, tmp_path / "server.log", env=env, cwd=str(REPO)):
        status, page = get(f"http://127.0.0.1:{port}/lab", token)
        assert status == 200
        config = json.loads(re.search(r'<script id="jupyter-config-data" type="application/json">(.*?)</script>',
                                      page, re.S).group(1))
        disabled = set(config["disabledExtensions"])
        assert {"@jupyter/nbgrader:formgrader", "@jupyter/nbgrader:create-assignment",
                "@jupyter/nbgrader:assignment-list", "@jupyter/nbgrader:course-list"} <= disabled
        assert "@jupyter/nbgrader:validate-assignment" not in disabled
        assert get(f"http://127.0.0.1:{port}/formgrader", token)[0] == 404       # server extension off
        assert get(f"http://127.0.0.1:{port}/assignments", token)[0] == 404      # exchange's list off
        assert get(f"http://127.0.0.1:{port}/formgrader/api/assignments", token)[0] == 404
        # the Validate button's server extension runs the notebook, with jupyter/student/nbgrader_config.py
        request = urllib.request.Request(
            f"http://127.0.0.1:{port}/assignments/validate", method="POST",
            data=json.dumps({"path": f"exercises/{A}/{A}.ipynb"}).encode(),
            headers={"Authorization": f"token {token}", "Content-Type": "application/json"})
        with urllib.request.urlopen(request, timeout=300) as response:
            reply = json.loads(response.read())
        assert reply["success"], reply
        failed = reply["value"]["failed"]  # the 7 tests, and the written answer left as released
        assert len(failed) == 8 and "NotImplementedError" in failed[0]["raw_error"], failed
    listed = subprocess.run([os.path.join(os.path.dirname(sys.executable), "jupyter"), "labextension", "list"],
                            env=env, capture_output=True, text=True)
    assert "@jupyter/nbgrader:create-assignment" in listed.stdout + listed.stderr
