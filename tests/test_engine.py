"""What a grading machine is given (autograder/grader.py): the release as data, with a gradebook snapshot
holding that assignment only, and content hashes that change exactly when a grade could change. Fast:
nothing is graded here (tests/test_dask_grading.py grades with a real Dask cluster)."""

from __future__ import annotations

import json
import sqlite3
import subprocess
import sys

import pytest

from grading import REPO, make_course, solution_sources, submit

sys.path.insert(0, str(REPO / "autograder"))
import grader  # noqa: E402

A, B = "01-convolution", "02-pooling-activations"


@pytest.fixture(scope="module")
def course(tmp_path_factory):
    course = make_course(tmp_path_factory.mktemp("engine") / "course")
    course.release([A, B])
    return course


def test_grading_code_is_what_nbgrader_config_loads():
    """GRADING_CODE (hashed into the release) lists exactly the course modules nbgrader_config.py imports."""
    probe = ("import os, sys, json\nfrom traitlets.config.loader import PyFileConfigLoader\n"
             "here = os.path.abspath('.')\nbefore = set(sys.modules)\n"
             "PyFileConfigLoader('nbgrader_config.py', path=here).load_config()\n"
             "print(json.dumps(sorted(os.path.basename(m.__file__) for n, m in sys.modules.items() if n not in before\n"
             "      and getattr(m, '__file__', None) and os.path.dirname(os.path.abspath(m.__file__)) == here)))")
    out = subprocess.run([sys.executable, "-c", probe], cwd=REPO / "autograder", capture_output=True, text=True,
                         check=True).stdout
    assert sorted(json.loads(out.splitlines()[-1]) + ["nbgrader_config.py"]) == sorted(grader.GRADING_CODE)


def test_the_snapshot_holds_this_assignment_only(course, tmp_path):
    bundle = grader.release_bundle(course, A)
    (tmp_path / "snapshot.db").write_bytes(bundle["files"][grader.SNAPSHOT])
    url = "sqlite:///" + str(tmp_path / "snapshot.db")
    assert grader.gradebook_dump(url, A) == grader.gradebook_dump(course.db_url, A)
    with sqlite3.connect(tmp_path / "snapshot.db") as db:
        assert [r[0] for r in db.execute("SELECT name FROM assignment")] == [A]
        assert db.execute("SELECT count(*) FROM student").fetchone()[0] == 0
        assert db.execute("SELECT count(*) FROM submitted_assignment").fetchone()[0] == 0
        hidden = db.execute("SELECT count(*) FROM source_cell WHERE source LIKE '%BEGIN HIDDEN TESTS%'").fetchone()[0]
    assert hidden > 0  # the hidden tests' sources, which nbgrader's OverwriteCells puts back
    # the release and the grading code go with it; the solutions never do
    assert f"exercises/{A}/{A}.ipynb" in bundle["files"]
    assert not [p for p in bundle["files"] if p.startswith("solutions/")]
    assert {f"autograder/{name}" for name in grader.GRADING_CODE} <= set(bundle["files"])
    assert bundle["notebooks"] == [A]


def test_the_grading_machines_launch_nbgrader_as_the_course_does(course, monkeypatch):
    """CNN_GRADE_LAUNCH means on a grading machine what it means to Course.nbgrader; an unknown value is
    refused before any work is sent."""
    from course import LAUNCHES

    assert grader.LAUNCHES == LAUNCHES
    monkeypatch.setenv("CNN_GRADE_LAUNCH", "threads")
    with pytest.raises(ValueError, match="CNN_GRADE_LAUNCH='threads'"):
        grader.release_bundle(course, A)


def test_the_release_hash_changes_with_what_decides_a_grade(course, monkeypatch):
    from nbgrader.api import Gradebook

    monkeypatch.delenv("CNN_GRADE_CELL_TIMEOUT", raising=False)
    first = grader.release_bundle(course, A)["hash"]
    assert grader.release_bundle(course, A)["hash"] == first, "the same release must hash the same"
    assert grader.release_bundle(course, B)["hash"] != first
    # not the way nbgrader is started, nor code that grading does not load
    monkeypatch.setenv("CNN_GRADE_LAUNCH", "subprocess")
    report = course.autograder / "report.py"
    report.write_text(report.read_text() + "\n# a change to the class report\n")
    assert grader.release_bundle(course, A)["hash"] == first
    monkeypatch.delenv("CNN_GRADE_LAUNCH")

    changes = []
    monkeypatch.setenv("CNN_GRADE_CELL_TIMEOUT", "30")  # a grading limit
    changes.append(grader.release_bundle(course, A)["hash"])
    monkeypatch.delenv("CNN_GRADE_CELL_TIMEOUT")
    checker = course.autograder / "checker.py"  # the grading code
    original = checker.read_text()
    checker.write_text(original + "\n# a change to the checker\n")
    changes.append(grader.release_bundle(course, A)["hash"])
    checker.write_text(original)
    assert grader.release_bundle(course, A)["hash"] == first
    with Gradebook(course.db_url) as gb:  # a hidden test, then the due date, in the gradebook
        cell = next(c for nb in gb.find_assignment(A).notebooks for c in nb.source_cells
                    if "BEGIN HIDDEN TESTS" in (c.source or ""))
        cell.source += "\nassert True"
        gb.db.commit()
    changes.append(grader.release_bundle(course, A)["hash"])
    with Gradebook(course.db_url) as gb:
        gb.update_or_create_assignment(A, duedate="2026-12-24 12:00:00 UTC")
    changes.append(grader.release_bundle(course, A)["hash"])
    course.release([A])  # released again: the gradebook's tests are those of solutions/ again
    with Gradebook(course.db_url) as gb:
        gb.find_assignment(A).duedate = None
        gb.db.commit()
    assert grader.release_bundle(course, A)["hash"] == first
    assert len({first, *changes}) == 1 + len(changes), changes


def test_a_submission_hash_is_its_files(course):
    submit(course, A, "alice", solution_sources(course, A))
    one = grader.submission_of(course, A, "alice")
    assert set(one["files"]) == {f"{A}.ipynb"}
    assert grader.submission_of(course, A, "alice")["hash"] == one["hash"]
    folder = course.autograder / "submitted" / "alice" / A
    (folder / "notes.txt").write_text("scratch")
    assert grader.submission_of(course, A, "alice")["hash"] != one["hash"]
    (folder / "notes.txt").unlink()
    nb = folder / f"{A}.ipynb"
    nb.write_bytes(nb.read_bytes() + b"\n")
    assert grader.submission_of(course, A, "alice")["hash"] != one["hash"]
