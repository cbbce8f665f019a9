"""Grading a batch with Dask: which submissions need grading, where they are graded, what was recorded.

``grade_batch(course, assignment, students, jobs, scheduler)`` (what ``Course.autograde`` and so
``make grade`` run):

1. The release is made into one bundle of data (grader.release_bundle) and each student's submitted
   folder into another (grader.submission_of), each with a content hash.
2. The ledger, ``autograder/ledger/ASSIGNMENT/STUDENT.json``, says for each student which submission
   (hash) of which release (hash) was last recorded, and how it ended. A student whose submission and
   release are those of the ledger, and whose submission the gradebook holds (with its autograded
   notebook, if it was graded), is not graded again: "12 already graded, 3 to grade".
3. The others are sent to Dask, one task ``grader.grade_submission(release, submission)`` each: by
   default on a ``LocalCluster`` of ``jobs`` worker processes of one thread each, started here and
   stopped at the end; with ``scheduler`` (``tcp://HOST:8786``) on an existing cluster, whose workers
   need the course's environment only (the grading code is uploaded to them, the release is data).
   A task grades in a temporary folder of the worker and returns data; when a worker is lost, the
   scheduler runs its task again on another (up to ``distributed.scheduler.allowed-failures`` times).
4. Each result is recorded as it comes (grader.record: the folders, then the gradebook), and only then
   written to the ledger. A coordinator killed at any point loses only the submissions not yet recorded;
   the next run grades those, and a submission half recorded when it was killed is recorded again in
   full (nbgrader's gradebook updates the submission's rows: a student has one submission per
   assignment, never two).

A tqdm bar shows submissions per minute and the time left; every failure names the worker it happened on.
"""

from __future__ import annotations

import datetime
import json
import os
import sys
import time
import uuid
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import grader

HERE = Path(__file__).resolve().parent


@dataclass
class BatchReport:
    """What one grade_batch did: who was graded where, who was skipped, what failed (and on which worker)."""
    run: str
    engine: str = ""                                     # "LocalCluster of 2 workers", "tcp://host:8786"
    skipped: list[str] = field(default_factory=list)     # already graded: same submission, same release
    graded: list[str] = field(default_factory=list)      # recorded in this run, in the order they came
    failures: dict[str, str] = field(default_factory=dict)  # student -> message (first line names the worker)
    workers: Counter = field(default_factory=Counter)    # worker -> submissions recorded from it
    failed_on: defaultdict = field(default_factory=lambda: defaultdict(list))  # worker -> students not graded
    seconds: float = 0.0

    def rate(self) -> float:
        """Submissions per minute over this run's grading."""
        done = len(self.graded)
        return done / (self.seconds / 60) if self.seconds > 0 and done else 0.0


# -- the ledger ------------------------------------------------------------------------------------
def ledger_path(course, assignment: str, student: str) -> Path:
    return course.autograder / "ledger" / assignment / f"{student}.json"


def read_ledger(course, assignment: str, student: str) -> dict | None:
    try:
        return json.loads(ledger_path(course, assignment, student).read_text())
    except (OSError, ValueError):
        return None


def write_ledger(course, assignment: str, student: str, entry: dict) -> None:
    path = ledger_path(course, assignment, student)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(entry, indent=1, sort_keys=True))
    os.replace(tmp, path)


def _up_to_date(course, assignment: str, student: str, entry: dict | None, sub_hash: str, rel_hash: str,
                in_gradebook: set[str]) -> bool:
    if not entry or entry.get("submission") != sub_hash or entry.get("release") != rel_hash:
        return False
    if student not in in_gradebook:  # the gradebook was replaced (or the database dropped) since
        return False
    if entry.get("outcome") == "graded":
        return any((course.autograder / "autograded" / student / assignment).glob("*.ipynb"))
    return True


# -- the cluster ---------------------------------------------------------------------------------------
class Cluster:
    """A Dask client: on a LocalCluster of JOBS single-threaded worker processes started (and closed) here,
    or on the existing cluster at SCHEDULER."""

    def __init__(self, jobs: int = 1, scheduler: str | None = None):
        import dask
        from dask.distributed import Client, LocalCluster

        # The workers start the grading processes (runner.py), so they must not be daemonic; a worker the
        # nanny restarts after a crash reads the setting again, so it stays set for this process.
        dask.config.set({"distributed.worker.daemon": False})
        self.cluster = None
        if scheduler:
            self.client = Client(scheduler, timeout="30s")
            # the grading code goes with the work (and to workers that join later): the workers need the
            # course's environment only
            for name in ("runner.py", "grader.py"):
                self.client.upload_file(str(HERE / name))
            self.engine = f"the Dask cluster at {scheduler}"
        else:
            self.cluster = LocalCluster(n_workers=max(1, jobs), threads_per_worker=1, processes=True,
                                        dashboard_address=None, memory_limit=0)
            self.client = Client(self.cluster)
            self.engine = f"a LocalCluster of {max(1, jobs)} worker{'s' if jobs > 1 else ''}"

    def close(self) -> None:
        self.client.close()
        if self.cluster is not None:
            self.cluster.close()

    def __enter__(self) -> Cluster:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _first_line(text: str) -> str:
    return (text.strip().splitlines() or [""])[0]


def grade_batch(course, assignment: str, students: list[str], jobs: int = 1, scheduler: str | None = None,
                progress: bool = False, regrade: bool = False, on_cluster=None) -> BatchReport:
    """Grade STUDENTS' submitted folders of ASSIGNMENT (see the module); the students must exist in the
    gradebook. ``regrade``: grade everyone again, whatever the ledger says. ``on_cluster(cluster, futures)``
    is called once the work is submitted (the tests use it to kill a worker in the middle)."""
    from course import _nbgrader_errors

    report = BatchReport(run=uuid.uuid4().hex[:12])
    say = (lambda text: print(text, flush=True)) if progress else (lambda text: None)
    release = grader.release_bundle(course, assignment)
    submissions = {s: grader.submission_of(course, assignment, s) for s in students}
    from nbgrader.api import Gradebook

    with Gradebook(course.db_url) as gb:
        in_gradebook = {sub.student_id for sub in gb.find_assignment(assignment).submissions}
    todo = []
    for student in students:
        entry = read_ledger(course, assignment, student)
        if not regrade and _up_to_date(course, assignment, student, entry, submissions[student]["hash"],
                                       release["hash"], in_gradebook):
            report.skipped.append(student)
            if entry.get("outcome") != "graded":
                report.failures[student] = entry.get("message") or "not graded"
        else:
            todo.append(student)
    say(f"{assignment}: {len(report.skipped)} already graded, {len(todo)} to grade"
        + (" (same submission, same release: autograder/ledger)" if report.skipped else ""))
    if not todo:
        return report

    config = grader.nbgrader_config(course.autograder)
    start = time.monotonic()
    bar = None
    with Cluster(jobs, scheduler) as cluster:
        report.engine = cluster.engine
        say(f"grading on {cluster.engine}")
        client = cluster.client
        # the release once, as a task whose result the scheduler can compute again if its worker is lost
        rel = client.submit(_same, release, key=f"release-{assignment}-{release['hash'][:16]}", pure=False)
        futures = {client.submit(grader.grade_submission, rel, submissions[s],
                                 key=f"grade-{assignment}-{s}-{submissions[s]['hash'][:12]}-{report.run}"): s
                   for s in todo}
        if progress:
            from tqdm import tqdm

            bar = tqdm(total=len(todo), desc=f"grading {assignment}", unit="submission", file=sys.stderr,
                       bar_format="{desc}: {percentage:3.0f}%|{bar}| {n}/{total} [{elapsed}<{remaining}{postfix}]")
            bar.set_postfix_str("0.0 submissions/min")
        if on_cluster is not None:
            on_cluster(cluster, futures)
        from dask.distributed import as_completed

        for future in as_completed(list(futures)):
            student = futures[future]
            message = None
            if future.status == "finished":
                result = future.result()
                try:
                    grader.record(course, assignment, result, config)
                except Exception as e:  # noqa: BLE001 - that student is not graded; the others go on
                    message = f"graded on worker {result['worker']} but not recorded: {type(e).__name__}: {e}"
                    report.failed_on[result["worker"]].append(student)
                else:
                    if not result["ok"]:  # nbgrader's verdict on the submission, and where it ran
                        message = f"{_nbgrader_errors(result['log'])}\n(on worker {result['worker']})"
                        report.failed_on[result["worker"]].append(student)
                    elif result["feedback_error"]:
                        print(f"warning: feedback for {student} incomplete:\n{result['feedback_error']}",
                              file=sys.stderr)
                    write_ledger(course, assignment, student, {
                        "assignment": assignment, "student": student, "submission": result["submission"],
                        "release": result["release"], "outcome": "graded" if result["ok"] else "failed",
                        "message": message, "run": report.run,
                        "worker": result["worker"], "host": result["host"], "seconds": result["seconds"],
                        "recorded": datetime.datetime.now(datetime.timezone.utc).isoformat(timespec="seconds")})
                    report.graded.append(student)
                    report.workers[result["worker"]] += 1
            else:  # the task raised, or killed its workers (KilledWorker): nothing is recorded
                exc = future.exception()
                where = getattr(exc, "last_worker", None)
                where = getattr(where, "address", where)
                message = (f"grading failed on worker {where or 'unknown'}: {type(exc).__name__}: "
                           f"{_first_line(str(exc))}")
                report.failed_on[str(where or "unknown")].append(student)
            if message:
                report.failures[student] = message
            if bar is not None:
                bar.update(1)
                elapsed = time.monotonic() - start
                bar.set_postfix_str(f"{len(report.graded) / (elapsed / 60):.1f} submissions/min")
                if message:
                    bar.write(f"{student}: not graded: {_first_line(message)}")
        report.seconds = time.monotonic() - start
        client.cancel([rel])
    if bar is not None:
        bar.close()
    return report


def _same(x):
    return x
