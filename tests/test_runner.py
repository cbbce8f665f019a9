"""autograder/runner.py: each nbgrader command in a process of its own, forked from a server that imported
nbgrader once; exactly the folder and environment it is given; a crash ends only that command."""

from __future__ import annotations

import os
import signal
import sys

from grading import REPO

sys.path.insert(0, str(REPO / "autograder"))
import runner  # noqa: E402


def report(args):
    """In the child: where it runs and what it has."""
    import json

    print(json.dumps({"pid": os.getpid(), "ppid": os.getppid(), "cwd": os.getcwd(), "env": dict(os.environ),
                      "nbgrader_preloaded": "nbgrader.apps.nbgraderapp" in sys.modules,
                      "course_modules": sorted(m for m in ("checker", "sandbox", "guard") if m in sys.modules),
                      "args": args}))
    print("to stderr", file=sys.stderr)
    return int(args[0])


def die(args):
    os.kill(os.getpid(), signal.SIGKILL)


def leave_state(args):
    sys.modules["runner_test_state"] = object()  # would leak into the next command if processes were reused
    return 0


def see_state(args):
    return 3 if "runner_test_state" in sys.modules else 0


def test_a_command_runs_in_its_own_process_with_exactly_its_folder_and_environment(tmp_path):
    import json

    env = {"PATH": os.environ["PATH"], "ONLY_THIS": "1"}
    first = runner.call(report, ["0"], tmp_path, env)
    second = runner.call(report, ["5"], tmp_path, env)
    assert first.returncode == 0 and second.returncode == 5
    a, b = (json.loads(p.stdout.splitlines()[0]) for p in (first, second))
    assert "to stderr" in first.stdout  # stdout and stderr together, as nbgrader's log is read
    assert a["pid"] != b["pid"] and a["pid"] != os.getpid()
    assert a["ppid"] == b["ppid"] != os.getpid()  # both forked by the server, not by this process
    assert a["cwd"] == str(tmp_path) and a["env"] == env and a["args"] == ["0"]
    assert a["nbgrader_preloaded"], "the server should have imported nbgrader once"
    assert a["course_modules"] == [], "the course's own modules must come from each course's folder"


def test_a_killed_command_reports_its_signal_and_the_next_one_runs(tmp_path):
    env = {"PATH": os.environ["PATH"]}
    dead = runner.call(die, [], tmp_path, env)
    assert dead.returncode == -signal.SIGKILL and "killed by signal 9" in dead.stdout
    assert runner.call(report, ["0"], tmp_path, env).returncode == 0


def test_no_state_passes_from_one_command_to_the_next(tmp_path):
    env = {"PATH": os.environ["PATH"]}
    assert runner.call(leave_state, [], tmp_path, env).returncode == 0
    assert runner.call(see_state, [], tmp_path, env).returncode == 0


def test_nbgrader_runs_through_the_runner(tmp_path):
    """nbgrader itself, as Course.nbgrader calls it (its speed-up is measured by benchmarks/grade_speed.py)."""
    env = {**os.environ, "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"]}
    forked = runner.run(["--version"], tmp_path, env)
    assert forked.returncode == 0 and "nbgrader version" in forked.stdout
    assert forked.args == ["nbgrader", "--version"]
    failed = runner.run(["autograde", "no-such-assignment"], tmp_path, env)
    assert failed.returncode != 0 and "no-such-assignment" in failed.stdout


def test_a_command_ends_when_the_process_that_started_it_is_killed(tmp_path):
    """A grading worker (or coordinator) killed mid-command leaves no command grading for nobody: the
    server exits with the process that started it, and each command with its server (PR_SET_PDEATHSIG)."""
    import subprocess
    import time

    import psutil

    pidfile = tmp_path / "pid"
    (tmp_path / "sleeper_mod.py").write_text(
        "import os, time\n\ndef sleeper(args):\n    open(args[0], 'w').write(str(os.getpid()))\n"
        "    time.sleep(600)\n    return 0\n")
    starter = tmp_path / "starter.py"
    starter.write_text(f"import os, sys\nsys.path[:0] = [{str(tmp_path)!r}, {str(REPO / 'autograder')!r}]\n"
                       "import runner, sleeper_mod\nif __name__ == '__main__':\n"
                       f"    runner.call(sleeper_mod.sleeper, [{str(pidfile)!r}], {str(tmp_path)!r},\n"
                       "                dict(os.environ))\n")
    proc = subprocess.Popen([sys.executable, str(starter)])
    try:
        deadline = time.monotonic() + 600
        while not (pidfile.exists() and pidfile.read_text()) and time.monotonic() < deadline:
            assert proc.poll() is None, "the starter ended before its command ran"
            time.sleep(0.5)
        child = psutil.Process(int(pidfile.read_text()))
        assert child.is_running() and child.ppid() != proc.pid  # forked by the server, not by the starter
    finally:
        proc.kill()
        proc.wait()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if child.status() == psutil.STATUS_ZOMBIE:
                break
        except psutil.NoSuchProcess:
            break
        time.sleep(0.5)
    else:
        child.kill()
        raise AssertionError("the command went on after the process that started it was killed")


def test_the_course_launches_through_the_runner_unless_told_otherwise(tmp_path, monkeypatch):
    """Course.nbgrader forks from the server by default, runs `python -m nbgrader` with
    CNN_GRADE_LAUNCH=subprocess, and refuses a launch it does not know (rather than guessing)."""
    from course import Course

    course = Course(REPO)
    calls = []
    monkeypatch.setattr(runner, "run", lambda *a: calls.append(a) or runner.call(report, ["0"], tmp_path, {}))
    monkeypatch.delenv("CNN_GRADE_LAUNCH", raising=False)
    course.nbgrader("--version")
    assert len(calls) == 1 and calls[0][0] == ["--version"]
    monkeypatch.setenv("CNN_GRADE_LAUNCH", "subprocess")
    assert "nbgrader version" in course.nbgrader("--version").stdout and len(calls) == 1
    monkeypatch.setenv("CNN_GRADE_LAUNCH", "threads")
    try:
        course.nbgrader("--version")
    except ValueError as exc:
        assert "CNN_GRADE_LAUNCH='threads'" in str(exc)
    else:
        raise AssertionError("an unknown launch was accepted")


def test_a_script_without_a_main_guard_is_not_run_again_in_each_command(tmp_path):
    """multiprocessing would run the caller's script again in every child; a grading script that calls
    Course at its top level would then grade again, recursively. The script runs once; the command too."""
    import subprocess

    marks = tmp_path / "marks"
    script = tmp_path / "script.py"
    script.write_text(
        "import sys\n"
        f"sys.path[:0] = [{str(REPO / 'autograder')!r}, {str(REPO / 'tests')!r}]\n"
        "import runner, test_runner\n"
        f"open({str(marks)!r}, 'a').write('script\\n')\n"
        f"proc = runner.call(test_runner.report, ['0'], {str(tmp_path)!r}, {{}})\n"
        "print(proc.returncode)\n")
    done = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=300)
    assert done.returncode == 0 and done.stdout.strip() == "0", done.stderr[-3000:]
    assert marks.read_text() == "script\n"
