"""Grading one submission as a function of data, and recording its result in the gradebook.

``grade_submission(release, submission) -> result`` is all a grading machine does. It needs no shared
folder and never sees the real gradebook:

- ``release`` (``release_bundle``, made once per batch by the coordinating process): what nbgrader
  needs to autograde the assignment. ``files`` maps paths under a course root to bytes: the release
  (``exercises/ASSIGNMENT/``), the source folder's other files (``solutions/ASSIGNMENT/``, no notebook:
  nbgrader copies those into every autograded folder), the grading code and nbgrader's configuration
  (``autograder/*.py``, ``autograder/templates/``) and ``autograder/gradebook.db``, a fresh SQLite
  gradebook holding this assignment only (its notebooks, test and solution cells, the tests' sources,
  the due date), copied from the real gradebook with nbgrader's API. ``settings`` are the grading limits
  of the coordinator's environment (``CNN_GRADE_*``, ``CNN_FEEDBACK_*``); ``hash`` is a content hash
  of what decides a grade: the release, the gradebook's copy, the grading code and those settings;
  ``hide``: the coordinator's course folder, which the sandbox also hides where it exists.
- ``submission``: ``student``, ``files`` (the student's submitted folder: path -> bytes), ``hash``.

The function lays out a course in a temporary folder of its own, runs ``nbgrader autograde`` and
``nbgrader generate_feedback`` for that student there (each in a fresh process forked from runner.py's
server: one process per command, never reused), and returns plain data: the autograded folder's files
(the graded notebook), the feedback folder's files (the HTML), the score of every graded cell as
nbgrader saved it in the temporary gradebook, the submission's timestamp, nbgrader's log and where it ran.

``record(course, assignment, result)`` is the other half, in the coordinating process: it writes the
files into ``autograder/autograded/`` and ``autograder/feedback/`` and puts the grades into the real
gradebook (SQLite or PostgreSQL) the way ``nbgrader autograde`` does, through nbgrader itself and
without running anything again: the student and the submission (with its timestamp) by the gradebook
API, then nbgrader's own ``SaveAutoGrades`` and ``AssignLatePenalties`` preprocessors on the returned
notebook, the very notebook those preprocessors saw on the grading machine (they read each test cell's
outputs). It then reads the grades back and checks that they are the ones the grading machine saved.
"""

from __future__ import annotations

import fnmatch
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import warnings
from pathlib import Path

# The course's files that nbgrader_config.py loads (checked by tests/test_engine.py); a change to any of
# them changes the release's hash, so every submission is graded again.
GRADING_CODE = ["nbgrader_config.py", "cells.py", "checker.py", "feedback.py", "guard.py", "sandbox.py",
                "validate.py"]
SETTINGS_PREFIXES = ("CNN_GRADE_", "CNN_FEEDBACK_")  # the grading limits, passed to every grading machine
NOT_HASHED = {"CNN_GRADE_LAUNCH", "CNN_GRADE_MAX_SUBMISSION_MB"}  # how nbgrader starts; collect's limit
# How each nbgrader command starts (CNN_GRADE_LAUNCH): course.LAUNCHES, repeated here because this file
# travels to the grading machines without course.py.
LAUNCHES = ("forkserver", "subprocess")
IGNORE = [".ipynb_checkpoints", "*.pyc", "__pycache__", "feedback", ".DS_Store"]  # nbgrader_config.py's ignore
SNAPSHOT = "autograder/gradebook.db"


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def files_hash(files: dict[str, bytes]) -> str:
    """A content hash of a folder given as {path: bytes}: the paths and the bytes, in path order."""
    h = hashlib.sha256()
    for rel in sorted(files):
        h.update(rel.encode() + b"\0" + sha256(files[rel]).encode() + b"\0")
    return h.hexdigest()


def read_tree(folder: Path, ignore: list[str] | None = None) -> dict[str, bytes]:
    """{path relative to FOLDER: bytes} of every file under FOLDER (none of whose parts match IGNORE)."""
    folder = Path(folder)
    out = {}
    if not folder.is_dir():
        return out
    for path in sorted(folder.rglob("*")):
        rel = path.relative_to(folder)
        if ignore and any(fnmatch.fnmatch(part, pattern) for part in rel.parts for pattern in ignore):
            continue
        if path.is_file() and not path.is_symlink():
            out[rel.as_posix()] = path.read_bytes()
    return out


def _safe_rel(rel: str) -> Path:
    path = Path(rel)
    if path.is_absolute() or ".." in path.parts or not path.parts:
        raise ValueError(f"refusing to write {rel!r}: not a path inside the folder")
    return path


def write_tree(folder: Path, files: dict[str, bytes]) -> None:
    for rel, data in files.items():
        target = Path(folder) / _safe_rel(rel)
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)


# -- the release, made by the coordinating process ---------------------------------------------------
def gradebook_dump(db_url: str, assignment: str) -> dict:
    """What the gradebook holds of ASSIGNMENT's release, as JSON data (no submissions, no database ids)."""
    from nbgrader.api import Gradebook
    from sqlalchemy import text

    with Gradebook(db_url) as gb:
        a = gb.find_assignment(assignment)
        notebooks = []
        for nb in a.notebooks:
            notebooks.append({
                "name": nb.name, "kernelspec": nb.kernelspec,
                "grade_cells": sorted([c.name, c.max_score, c.cell_type] for c in nb.grade_cells),
                "solution_cells": sorted(c.name for c in nb.solution_cells),
                "task_cells": sorted([c.name, c.max_score, c.cell_type] for c in nb.task_cells),
                "source_cells": sorted([c.name, c.cell_type, c.locked, c.source, c.checksum] for c in nb.source_cells),
            })
        version = gb.db.execute(text("SELECT version_num FROM alembic_version")).scalar()
        return {"name": a.name, "course_id": a.course_id, "notebooks": notebooks, "alembic_version": version,
                "duedate": a.duedate.isoformat() if a.duedate else None}


def gradebook_snapshot(dump: dict, path: Path) -> None:
    """A new SQLite gradebook at PATH holding only the assignment of DUMP (gradebook_dump): nbgrader's
    schema and its records (nbgrader.api's models), stamped with the real gradebook's schema version."""
    from nbgrader import api, utils
    from sqlalchemy import create_engine, text
    from sqlalchemy.orm import Session

    engine = create_engine("sqlite:///" + str(path))
    try:
        api.Base.metadata.create_all(bind=engine)
        with Session(engine) as db:
            db.execute(text("CREATE TABLE alembic_version (version_num VARCHAR(32) NOT NULL)"))
            db.execute(text("INSERT INTO alembic_version (version_num) VALUES (:v)"),
                       {"v": dump["alembic_version"] or api.get_alembic_version()})
            db.add(api.Course(id=dump["course_id"]))
            a = api.Assignment(name=dump["name"], course_id=dump["course_id"],
                               duedate=utils.parse_utc(dump["duedate"]) if dump["duedate"] else None)
            db.add(a)
            for nb in dump["notebooks"]:
                n = api.Notebook(name=nb["name"], assignment=a, kernelspec=nb["kernelspec"])
                db.add(n)
                for cell, max_score, cell_type in nb["grade_cells"]:
                    db.add(api.GradeCell(name=cell, notebook=n, max_score=max_score, cell_type=cell_type))
                for cell in nb["solution_cells"]:
                    db.add(api.SolutionCell(name=cell, notebook=n))
                for cell, max_score, cell_type in nb["task_cells"]:
                    db.add(api.TaskCell(name=cell, notebook=n, max_score=max_score, cell_type=cell_type))
                for cell, cell_type, locked, source, checksum in nb["source_cells"]:
                    db.add(api.SourceCell(name=cell, notebook=n, cell_type=cell_type, locked=locked, source=source,
                                          checksum=checksum))
            db.commit()
    finally:
        engine.dispose()


def release_bundle(course, assignment: str, environ: dict[str, str] | None = None) -> dict:
    """Everything a grading machine needs to autograde ASSIGNMENT of COURSE (a course.Course): see the module."""
    environ = os.environ if environ is None else environ
    launch_of(environ)  # refused here, before any work is sent
    files = {f"autograder/{p.name}": p.read_bytes() for p in sorted(course.autograder.glob("*.py"))}
    for rel, data in read_tree(course.autograder / "templates").items():
        files[f"autograder/templates/{rel}"] = data
    for rel, data in read_tree(course.root / "exercises" / assignment, IGNORE).items():
        files[f"exercises/{assignment}/{rel}"] = data
    for rel, data in read_tree(course.root / "solutions" / assignment, IGNORE + ["*.ipynb"]).items():
        files[f"solutions/{assignment}/{rel}"] = data  # not the solutions: nbgrader copies these files only
    dump = gradebook_dump(course.db_url, assignment)
    with tempfile.TemporaryDirectory(prefix="cnn-snapshot-") as tmp:
        gradebook_snapshot(dump, Path(tmp) / "gradebook.db")
        files[SNAPSHOT] = (Path(tmp) / "gradebook.db").read_bytes()
    settings = {k: v for k, v in environ.items() if k.startswith(SETTINGS_PREFIXES)}
    decisive = {rel: data for rel, data in files.items() if rel != SNAPSHOT and not (
        rel.startswith("autograder/") and rel.count("/") == 1 and rel.split("/")[1] not in GRADING_CODE)}
    digest = sha256(json.dumps({"files": files_hash(decisive), "gradebook": dump,
                                "settings": {k: v for k, v in settings.items() if k not in NOT_HASHED}},
                               sort_keys=True).encode())
    return {"assignment": assignment, "files": files, "settings": settings, "hash": digest,
            "notebooks": [nb["name"] for nb in dump["notebooks"]], "hide": [str(course.root)]}


def submission_of(course, assignment: str, student: str) -> dict:
    """STUDENT's submitted folder (autograder/submitted/STUDENT/ASSIGNMENT) as a submission."""
    files = read_tree(course.autograder / "submitted" / student / assignment, IGNORE)
    return {"student": student, "files": files, "hash": files_hash(files)}


# -- on the grading machine ------------------------------------------------------------------------
def _where() -> tuple[str, str]:
    """(this Dask worker's address, or 'local process PID'; the host name)."""
    try:
        from distributed import get_worker

        return get_worker().address, socket.gethostname()
    except (ImportError, ValueError):
        return f"local process {os.getpid()}", socket.gethostname()


def _scratch() -> str | None:
    """The Dask worker's own folder (Dask removes those of dead workers), else the system's temporary folder."""
    try:
        from distributed import get_worker

        return get_worker().local_directory
    except (ImportError, ValueError):
        return None


def _check_student(student: str) -> None:
    if not student or student.startswith(".") or any(c in student for c in "/\\*?[]\0"):
        raise ValueError(f"{student!r} cannot be a student id")


def launch_of(environ) -> str:
    """CNN_GRADE_LAUNCH (default forkserver), as Course.nbgrader reads it; an unknown value is refused."""
    launch = environ.get("CNN_GRADE_LAUNCH", "forkserver")
    if launch not in LAUNCHES:
        raise ValueError(f"CNN_GRADE_LAUNCH={launch!r}: expected one of {', '.join(LAUNCHES)}")
    return launch


def _nbgrader(args: list[str], cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    if launch_of(env) == "subprocess":  # `python -m nbgrader` each time (benchmarks/grade_speed.py compares)
        return subprocess.run([sys.executable, "-m", "nbgrader", *args], cwd=cwd, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    import multiprocessing

    if multiprocessing.current_process().daemon:
        raise RuntimeError("this Dask worker is a daemonic process, which cannot start the grading process: start "
                           "the workers with DASK_DISTRIBUTED__WORKER__DAEMON=False (autograder/README.md)")
    import runner  # a process of its own, forked from a server that imported nbgrader once

    return runner.run(args, cwd, env)


def _saved_grades(db_url: str, assignment: str, student: str) -> dict | None:
    """The submission as nbgrader saved it: timestamp, and per notebook its late penalty and every graded
    cell's auto_score and max_score, every commented cell's auto_comment; None if there is no submission."""
    from nbgrader.api import Gradebook, MissingEntry

    with Gradebook(db_url) as gb:
        try:
            sub = gb.find_submission(assignment, student)
        except MissingEntry:
            return None
        notebooks = {}
        for nb in sub.notebooks:
            notebooks[nb.name] = {
                "late_penalty": nb.late_submission_penalty,
                "grades": {g.name: {"auto_score": g.auto_score, "max_score": g.max_score, "cell_type": g.cell_type}
                           for g in nb.grades},
                "comments": {c.name: c.auto_comment for c in nb.comments},
            }
        return {"timestamp": sub.timestamp.isoformat() if sub.timestamp else None, "notebooks": notebooks}


def grade_submission(release: dict, submission: dict) -> dict:
    """Autograde one submission in a temporary course of its own (see the module); returns plain data."""
    start = time.monotonic()
    worker, host = _where()
    assignment, student = release["assignment"], submission["student"]
    _check_student(student)
    with tempfile.TemporaryDirectory(prefix=f"grade-{student}-", dir=_scratch()) as tmp:
        root = Path(tmp)
        write_tree(root, release["files"])
        (root / "solutions" / assignment).mkdir(parents=True, exist_ok=True)
        autograder = root / "autograder"
        submitted = autograder / "submitted" / student / assignment
        submitted.mkdir(parents=True)
        write_tree(submitted, submission["files"])
        db_url = "sqlite:///" + str(autograder / "gradebook.db")
        env = {**os.environ, **release["settings"], "GRADEBOOK": db_url}  # never the real gradebook
        env["PATH"] = os.path.dirname(sys.executable) + os.pathsep + env.get("PATH", "")
        # the coordinator's course folder (its gradebook, solutions/) is hidden from student code as well, where
        # it exists on this machine: the sandbox hides this temporary course, the checkout and the home folder
        hide = [f"--SandboxedExecute.hide={path}" for path in release.get("hide", [])]
        proc = _nbgrader(["autograde", assignment, "--force", f"--student={student}", *hide], autograder, env)
        log, feedback, feedback_error = proc.stdout, {}, None
        if proc.returncode == 0:
            fb = _nbgrader(["generate_feedback", assignment, "--force", f"--student={student}"], autograder, env)
            log += fb.stdout
            feedback = read_tree(autograder / "feedback" / student / assignment)
            if fb.returncode != 0:
                feedback_error = fb.stdout[-3000:]
        saved = _saved_grades(db_url, assignment, student)
        missing = [nb for nb in release["notebooks"] if not (submitted / f"{nb}.ipynb").exists()]
        autograded = read_tree(autograder / "autograded" / student / assignment) if proc.returncode == 0 else {}
    return {"assignment": assignment, "student": student, "ok": proc.returncode == 0, "returncode": proc.returncode,
            "log": log, "autograded": autograded, "feedback": feedback, "feedback_error": feedback_error,
            "saved": saved, "missing_notebooks": missing, "release": release["hash"], "submission": submission["hash"],
            "worker": worker, "host": host, "seconds": round(time.monotonic() - start, 1)}


# -- back in the coordinating process -------------------------------------------------------------
def _replace_tree(folder: Path, files: dict[str, bytes] | None) -> None:
    """FOLDER holds exactly FILES afterwards (None: FOLDER is removed); the new folder is written beside it
    and renamed into place, so a reader (or a killed coordinator) never leaves half a folder."""
    folder = Path(folder)
    old = folder.with_name(f".{folder.name}.old")
    shutil.rmtree(old, ignore_errors=True)
    if files is None:
        if folder.exists():
            folder.rename(old)
            shutil.rmtree(old)
        return
    new = folder.with_name(f".{folder.name}.new")
    shutil.rmtree(new, ignore_errors=True)
    new.mkdir(parents=True)
    write_tree(new, files)
    if folder.exists():
        folder.rename(old)
    new.rename(folder)
    shutil.rmtree(old, ignore_errors=True)


def nbgrader_config(autograder: Path):
    """The course's nbgrader configuration (for the late-penalty plugin AssignLatePenalties uses)."""
    from traitlets.config.loader import PyFileConfigLoader

    return PyFileConfigLoader("nbgrader_config.py", path=str(autograder)).load_config()


class RecordMismatch(RuntimeError):
    """The gradebook holds other grades than the grading machine saved (this should never happen)."""


def record(course, assignment: str, result: dict, config=None) -> None:
    """Put RESULT (grade_submission's) into COURSE's autograded/ and feedback/ folders and its gradebook,
    as ``nbgrader autograde --force --student=STUDENT`` would have left them; see the module."""
    import nbformat
    from nbgrader.api import Gradebook
    from nbgrader.preprocessors import AssignLatePenalties, SaveAutoGrades
    from sqlalchemy.exc import SAWarning

    student = result["student"]
    _check_student(student)
    # nbgrader removes the autograded folder of a submission it could not grade
    _replace_tree(course.autograder / "autograded" / student / assignment,
                  result["autograded"] if result["ok"] else None)
    if result["ok"] and result["feedback"]:
        _replace_tree(course.autograder / "feedback" / student / assignment, result["feedback"])
    saved = result["saved"]
    with warnings.catch_warnings(), Gradebook(course.db_url) as gb:  # what Autograde.init_assignment does
        # (nbgrader's update_or_create_submission makes SQLAlchemy warn about its autoflush; as in nbgrader)
        warnings.simplefilter("ignore", category=SAWarning)
        gb.update_or_create_student(student)
        if saved is not None:
            if saved["timestamp"]:
                gb.update_or_create_submission(assignment, student, timestamp=saved["timestamp"])
            else:
                gb.update_or_create_submission(assignment, student)
            for name in result["missing_notebooks"]:
                for grade in gb.find_submission_notebook(name, assignment, student).grades:
                    grade.auto_score = 0
                    grade.needs_manual_grade = False
                gb.db.commit()
    if not result["ok"]:
        return
    config = nbgrader_config(course.autograder) if config is None else config
    for rel, data in sorted(result["autograded"].items()):
        if "/" in rel or not rel.endswith(".ipynb"):
            continue
        nb = nbformat.reads(data.decode("utf-8"), as_version=4)
        resources = {"nbgrader": {"notebook": rel[:-len(".ipynb")], "assignment": assignment, "student": student,
                                  "db_url": course.db_url}}
        nb, resources = SaveAutoGrades(config=config).preprocess(nb, resources)
        AssignLatePenalties(config=config).preprocess(nb, resources)
    recorded = _saved_grades(course.db_url, assignment, student)
    for name, notebook in (saved or {}).get("notebooks", {}).items():
        for cell, grade in notebook["grades"].items():
            got = recorded["notebooks"][name]["grades"][cell]["auto_score"]
            if got != grade["auto_score"]:
                raise RecordMismatch(f"{student}/{name}/{cell}: the gradebook holds auto_score {got}, the grading "
                                     f"machine saved {grade['auto_score']}")
