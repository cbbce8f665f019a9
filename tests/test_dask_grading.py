"""Grading with Dask (autograder/engine.py, grader.py), end to end with real components: a LocalCluster of
two worker processes, nbgrader and the sandboxed kernel, `course.py grade` as `make grade` runs it.

One batch of exercise 01 (the solution, the untouched release, a correct answer in another style, two wrong
answers, a hostile one whose kernel exits) is graded in phases:

1. three of them on a cluster of our own (``--scheduler``'s path), one worker killed with SIGKILL while its
   grading process runs: its task runs again elsewhere;
2. ``course.py grade`` (the default: a LocalCluster of ``--jobs 2``), killed with SIGKILL once it has
   recorded one more submission;
3. ``course.py grade`` again: it grades only what is missing, and says so;
4. one student hands in another notebook: only that one is graded again.

The scores are exactly those of the one-process SQLite runs of test_grading and test_hostile (their steps,
not graded again here), and every submission is recorded once.
"""

from __future__ import annotations

import contextlib
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

import steps
import test_grading  # noqa: F401  (registers the grade-ASSIGNMENT steps whose scores we compare with)
import test_hostile  # noqa: F401  (registers the hostile step)
from grading import Course, answers, make_course, scores_to_json, solution_sources, write_submission

pytestmark = [pytest.mark.slow, pytest.mark.step("dask")]
A = "01-convolution"
CORRECT, WRONG, HOSTILE = "correct_loops", ["wrong_bias_forgotten", "wrong_stride_ignored"], "os_exit"
STUDENTS = ["solution", "release", CORRECT, *WRONG, HOSTILE]
FIRST = ["release", "wrong_bias_forgotten", HOSTILE]  # phase 1's


def _processes_under(folder: str) -> list:
    """The processes whose working folder is under FOLDER (a grading process runs in its temporary course)."""
    import psutil

    found = []
    for p in psutil.process_iter(["cwd"]):
        cwd = p.info.get("cwd") or ""
        if cwd == folder or cwd.startswith(folder + os.sep):
            found.append(p)
    return found


def _wait_gone(procs, seconds: float) -> list[str]:
    """Wait until PROCS have ended; the command lines of those still running after SECONDS."""
    import psutil

    deadline = time.monotonic() + seconds
    while True:
        alive = []
        for p in procs:
            try:
                if p.status() != psutil.STATUS_ZOMBIE:
                    alive.append(p)
            except psutil.NoSuchProcess:
                pass
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.5)
    out = []
    for p in alive:
        try:
            out.append(" ".join(p.cmdline())[:300])
            p.kill()
        except psutil.NoSuchProcess:
            pass
    return out


def _ledger(course) -> dict:
    folder = course.autograder / "ledger" / A
    return {p.stem: json.loads(p.read_text()) for p in sorted(folder.glob("*.json"))} if folder.is_dir() else {}


def _course_py(course, downloads, log):
    return subprocess.Popen([sys.executable, str(course.autograder / "course.py"), "--root", str(course.root),
                             "grade", A, str(downloads), "--jobs", "2"], stdout=log, stderr=subprocess.STDOUT)


def _phase1_killed_worker(course) -> dict:
    """Grade FIRST on a LocalCluster of our own, reached by its address; kill a worker mid-grading."""
    import dask
    from dask.distributed import Client, LocalCluster

    dask.config.set({"distributed.worker.daemon": False})
    killed = {}
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None,
                      memory_limit=0) as cluster, Client(cluster) as client:
        pids = client.run(os.getpid)
        folders = client.run(lambda dask_worker: dask_worker.local_directory)
        stop = threading.Event()

        def killer():
            while not stop.is_set():
                for address, keys in client.processing().items():
                    grading = [k for k in keys if str(k).startswith("grade-")]
                    running = _processes_under(folders[address]) if grading and address in folders else []
                    if running:  # the grading process is under way in the worker's temporary course
                        students = set()
                        for p in running:  # its folder: WORKER_DIR/grade-STUDENT-RANDOM/autograder
                            with contextlib.suppress(Exception):
                                top = Path(p.cwd()).relative_to(folders[address]).parts[0]
                                students.add(top.removeprefix("grade-").rsplit("-", 1)[0])
                        killed.update(address=address, keys=[str(k) for k in grading], folder=folders[address],
                                      students=sorted(students))
                        os.kill(pids[address], signal.SIGKILL)
                        killed["left"] = _wait_gone(running, 120)
                        return
                time.sleep(0.5)

        thread = threading.Thread(target=killer, daemon=True)
        thread.start()
        try:
            failures = course.autograde(A, FIRST, scheduler=cluster.scheduler_address)
        finally:
            stop.set()
            thread.join(timeout=180)
    batch = course.last_batch
    return {"killed": killed, "failures": failures, "graded": batch.graded, "engine": batch.engine,
            "workers": dict(batch.workers)}


def _phase2_killed_coordinator(course, downloads, tmp) -> dict:
    """course.py grade, killed once it has recorded one submission more than phase 1."""
    import psutil

    before = set(_ledger(course))
    with open(tmp / "killed.log", "w") as log:
        proc = _course_py(course, downloads, log)
        deadline = time.monotonic() + 1800
        while len(_ledger(course)) <= len(before) and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        family = psutil.Process(proc.pid).children(recursive=True) if proc.poll() is None else []
        ended_by_itself = proc.poll() is not None
        proc.kill()
        proc.wait()
    left = _wait_gone(family, 180)
    return {"ended_by_itself": ended_by_itself, "descendants": len(family), "left": left,
            "ledger": _ledger(course), "stdout": (tmp / "killed.log").read_text()[-4000:]}


@steps.step("dask", cost=500)
def _grade_with_dask(tmp):
    course = make_course(tmp / "course")
    course.release([A])
    solution = solution_sources(course, A)
    by_name = {a.name: a for a in answers(A, "correct_") + answers(A, "wrong_") + answers(A, "hostile_")}
    cells = {"solution": solution, "release": None, CORRECT: {**solution, **by_name[CORRECT].cells},
             HOSTILE: {**solution, **by_name[f"hostile_{HOSTILE}"].cells},
             **{w: {**solution, **by_name[w].cells} for w in WRONG}}
    downloads = tmp / "downloads"  # one folder per student, as an LMS download unpacks
    for student in STUDENTS:
        write_submission(course.root / "exercises" / A, downloads / student, cells[student])
    students, problems = course.collect(A, downloads)
    assert sorted(students) == sorted(STUDENTS) and not problems, problems

    phase1 = _phase1_killed_worker(course)
    phase2 = _phase2_killed_coordinator(course, downloads, tmp)
    third = subprocess.run([sys.executable, str(course.autograder / "course.py"), "--root", str(course.root),
                            "grade", A, str(downloads), "--jobs", "2"], stdout=subprocess.PIPE,
                           stderr=subprocess.STDOUT, text=True, timeout=3600)
    ledger3 = _ledger(course)
    scores = scores_to_json(course.scores(A))
    from sqlalchemy import create_engine, text
    engine = create_engine(course.db_url)
    with engine.connect() as c:
        submissions = dict(c.execute(text("SELECT student_id, count(*) FROM submitted_assignment "
                                          "GROUP BY student_id")).all())
    engine.dispose()
    # the feedback each grading machine wrote, then nbgrader's own from the real gradebook
    feedback_dir = course.autograder / "feedback"
    from_workers = {s: (feedback_dir / s / A / f"{A}.html").read_text() for s in STUDENTS
                    if (feedback_dir / s / A / f"{A}.html").exists()}
    course.feedback(A)
    from_gradebook = {s: (feedback_dir / s / A / f"{A}.html").read_text() for s in from_workers}

    # phase 4: the student who handed in the release hands in the solution
    write_submission(course.root / "exercises" / A, downloads / "release", solution)
    fourth = subprocess.run([sys.executable, str(course.autograder / "course.py"), "--root", str(course.root),
                             "grade", A, str(downloads), "--jobs", "2"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, timeout=3600)
    return {"root": str(course.root), "phase1": phase1, "phase2": phase2,
            "third": {"returncode": third.returncode, "stdout": third.stdout, "ledger": ledger3},
            "scores": scores, "submissions": submissions, "feedback_workers": from_workers,
            "feedback_gradebook": from_gradebook,
            "fourth": {"returncode": fourth.returncode, "stdout": fourth.stdout, "ledger": _ledger(course),
                       "scores": scores_to_json(Course(course.root).scores(A))}}


@pytest.fixture
def graded():
    return steps.result("dask")


@pytest.mark.step("grade-01-convolution")
@pytest.mark.step("hostile")
def test_scores_equal_the_one_process_runs(graded):
    """Right, wrong and hostile submissions graded on Dask earn exactly what one nbgrader process gave them."""
    one_process = steps.result("grade-01-convolution")["scores"]
    hostile = steps.result("hostile")["scores"]
    assert set(graded["scores"]) == set(STUDENTS)
    for student in STUDENTS:
        expected = hostile[student] if student == HOSTILE else one_process[student]
        assert graded["scores"][student] == expected, student
    assert graded["scores"]["solution"]["auto_score"] == graded["scores"]["solution"]["auto_max"] == 23
    assert graded["scores"]["release"]["auto_score"] == 0 and graded["scores"][HOSTILE]["auto_score"] == 6


def test_a_killed_worker_loses_no_submission(graded):
    phase1 = graded["phase1"]
    killed = phase1["killed"]
    assert killed, "no worker was killed: the killer never saw a grading process"
    assert phase1["engine"].startswith("the Dask cluster at tcp://")
    assert phase1["failures"] == {} and sorted(phase1["graded"]) == sorted(FIRST)
    # the killed worker's task ran again on another worker (or on its successor, at a new address)
    (student,) = killed["students"]  # whose grading process was running when its worker was killed
    assert student in FIRST and any(k.startswith(f"grade-{A}-{student}-") for k in killed["keys"])
    entry = graded["third"]["ledger"][student]
    assert entry["outcome"] == "graded" and entry["worker"] != killed["address"]
    assert killed["address"] not in phase1["workers"]
    assert killed["left"] == [], f"grading processes left behind by the killed worker: {killed['left']}"


def test_a_killed_coordinator_leaves_nothing_running_and_loses_nothing(graded):
    phase2 = graded["phase2"]
    assert not phase2["ended_by_itself"], phase2["stdout"]
    assert phase2["descendants"] > 0 and phase2["left"] == [], phase2["left"]
    recorded = phase2["ledger"]
    assert len(FIRST) < len(recorded) < len(STUDENTS), sorted(recorded)
    # what was recorded before the kill stays as it was: the next run grades only the others
    assert {s: graded["third"]["ledger"][s] for s in recorded} == recorded


def test_the_rerun_grades_only_what_is_missing_and_says_so(graded):
    third, recorded = graded["third"], graded["phase2"]["ledger"]
    assert third["returncode"] == 0, third["stdout"][-4000:]
    missing = len(STUDENTS) - len(recorded)
    assert f"{A}: {len(recorded)} already graded, {missing} to grade" in third["stdout"], third["stdout"][-3000:]
    assert f"graded {len(STUDENTS)} of {len(STUDENTS)} submissions ({missing} in this run on a LocalCluster of 2 " \
           f"workers, {len(recorded)} already graded)" in third["stdout"]
    runs = {entry["run"] for s, entry in third["ledger"].items() if s not in recorded}
    assert len(runs) == 1 and not runs & {entry["run"] for entry in recorded.values()}
    assert "submissions/min" in third["stdout"]  # the progress bar's rate


def test_each_submission_is_recorded_once(graded):
    assert graded["submissions"] == {s: 1 for s in STUDENTS}
    assert sorted(graded["third"]["ledger"]) == sorted(STUDENTS)
    assert all(e["outcome"] == "graded" for e in graded["third"]["ledger"].values())


def test_the_feedback_is_what_nbgrader_writes_from_the_gradebook(graded):
    """Each grading machine's feedback (from its snapshot) is byte for byte nbgrader's from the real gradebook."""
    assert sorted(graded["feedback_workers"]) == sorted(STUDENTS)
    for student in STUDENTS:
        assert graded["feedback_workers"][student] == graded["feedback_gradebook"][student], student


def test_a_changed_submission_is_graded_again_and_only_it(graded):
    fourth, third = graded["fourth"], graded["third"]
    assert fourth["returncode"] == 0, fourth["stdout"][-4000:]
    assert f"{A}: {len(STUDENTS) - 1} already graded, 1 to grade" in fourth["stdout"], fourth["stdout"][-3000:]
    assert fourth["ledger"]["release"]["run"] != third["ledger"]["release"]["run"]
    assert {s: e for s, e in fourth["ledger"].items() if s != "release"} == \
        {s: e for s, e in third["ledger"].items() if s != "release"}
    assert fourth["scores"]["release"]["auto_score"] == 23
    assert {s: v for s, v in fourth["scores"].items() if s != "release"} == \
        {s: v for s, v in graded["scores"].items() if s != "release"}
