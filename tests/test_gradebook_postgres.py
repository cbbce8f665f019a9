"""The gradebook on a real PostgreSQL server, end to end: `course.py --gradebook postgresql://...` releases,
grades, writes feedback, the exports and the class report, and the formgrader shows the submissions,
all from PostgreSQL (no SQLite gradebook is created). The scores are exactly those the SQLite run of
test_grading gives the same students (its grade-01-convolution step, not graded again here).

The server is a throwaway cluster (tests/postgres.py); without PostgreSQL's binaries the tests skip
and say how to install them."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys

import pytest

import postgres
import steps
import test_grading  # noqa: F401  (registers the grade-ASSIGNMENT steps whose SQLite scores we compare with)
from grading import Course, answers, make_course, scores_to_json, solution_sources, write_submission

pytestmark = [pytest.mark.slow, pytest.mark.step("grade-postgres")]
A = "01-convolution"
WRONG = "wrong_bias_forgotten"
STUDENTS = ["solution", "release", WRONG]


def _course_py(course, url, *args):
    env = {k: v for k, v in os.environ.items() if k != "GRADEBOOK"}  # the URL comes from --gradebook only
    return subprocess.run([sys.executable, str(course.autograder / "course.py"), "--root", str(course.root),
                           "--gradebook", url, *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                          text=True, timeout=1200)


@steps.step("grade-postgres", cost=200)
def _grade_in_postgres(tmp):
    if postgres.binaries() is None:
        return {"skipped": postgres.MISSING}
    from test_jupyter import free_port, get, server

    course = make_course(tmp / "course")
    solution = solution_sources(course, A)
    (wrong,) = [a for a in answers(A, "wrong_") if a.name == WRONG]
    downloads = tmp / "downloads"  # one folder per student, as an LMS download unpacks
    for student, cells in {"solution": solution, "release": None, WRONG: {**solution, **wrong.cells}}.items():
        write_submission(course.root / "exercises" / A, downloads / student, cells)
    with postgres.server("cnn") as url:
        graded = _course_py(course, url, "grade", A, str(downloads), "--jobs", "2")
        assert graded.returncode == 0, graded.stdout[-4000:]
        exported = _course_py(course, url, "export", "--canvas-id", f"{A}=4711")
        assert exported.returncode == 0, exported.stdout[-4000:]
        old = os.environ.get("GRADEBOOK")
        os.environ["GRADEBOOK"] = url
        try:
            scores = scores_to_json(Course(course.root).scores(A))
        finally:
            os.environ.pop("GRADEBOOK") if old is None else os.environ.__setitem__("GRADEBOOK", old)
        from sqlalchemy import create_engine, text
        engine = create_engine(url)
        with engine.connect() as c:
            in_postgres = sorted(c.execute(text("SELECT student_id FROM submitted_assignment")).scalars())
        engine.dispose()
        # the formgrader (formgrader.py --gradebook URL) lists the submissions from PostgreSQL
        port, token = free_port(), "postgres-token-0123456789"
        argv = [sys.executable, str(course.autograder / "formgrader.py"), "--root", str(course.root),
                "--port", str(port), "--token", token, "--gradebook", url]
        env = {k: v for k, v in os.environ.items() if k != "GRADEBOOK"}
        with server(argv, port, token, tmp / "formgrader.log", env=env, cwd="/"):
            status, body = get(f"http://127.0.0.1:{port}/formgrader/api/submissions/{A}", token)
        assert status == 200, body
        formgrader = sorted(s["student"] for s in json.loads(body))
    report = course.autograder / "reports" / A
    return {"root": str(course.root), "stdout": graded.stdout, "export_stdout": exported.stdout, "scores": scores,
            "in_postgres": in_postgres, "formgrader": formgrader, "url": url,
            "sqlite_gradebook": (course.autograder / "gradebook.db").exists(),
            "files": {name: (course.autograder / name).read_text()
                      for name in ("grades.csv", "grades-canvas.csv", "grades-by-student.csv")},
            "report": (report / "report.md").read_text(), "report_html": (report / "report.html").read_text()}


@pytest.fixture
def graded():
    data = steps.result("grade-postgres")
    if "skipped" in data:
        pytest.skip(data["skipped"])
    return data


def test_grading_wrote_to_postgres_only(graded):
    assert graded["in_postgres"] == sorted(STUDENTS)
    assert not graded["sqlite_gradebook"], "an SQLite gradebook was created beside the PostgreSQL one"
    assert "graded 3 of 3 submissions" in graded["stdout"]
    assert "gradebook: postgresql://grader@/cnn" in graded["export_stdout"]


@pytest.mark.step("grade-01-convolution")
def test_scores_equal_the_sqlite_run(graded):
    sqlite = steps.result("grade-01-convolution")["scores"]
    assert set(graded["scores"]) == set(STUDENTS)
    for student in STUDENTS:
        assert graded["scores"][student] == sqlite[student], student
    assert graded["scores"]["solution"]["auto_score"] == graded["scores"]["solution"]["auto_max"] > 0
    assert graded["scores"]["release"]["auto_score"] == 0
    assert 0 < graded["scores"][WRONG]["auto_score"] < graded["scores"][WRONG]["auto_max"]


def test_exports_read_postgres(graded):
    scores = graded["scores"]
    rows = list(csv.DictReader(io.StringIO(graded["files"]["grades.csv"])))
    assert {r["student_id"]: float(r["raw_score"]) for r in rows} == {s: scores[s]["auto_score"] for s in STUDENTS}
    canvas = list(csv.reader(io.StringIO(graded["files"]["grades-canvas.csv"])))
    assert canvas[0] == Course.CANVAS_COLUMNS + [f"{A} (4711)"]
    total = scores["solution"]["auto_max"] + scores["solution"]["manual_max"]
    assert canvas[1] == ["Points Possible", "", "", "", "", f"{total:g}"]
    assert {r[3]: float(r[5]) for r in canvas[2:]} == {s: scores[s]["auto_score"] for s in STUDENTS}
    by_student = list(csv.reader(io.StringIO(graded["files"]["grades-by-student.csv"])))
    assert {r[0]: float(r[1]) for r in by_student[1:]} == {s: scores[s]["auto_score"] for s in STUDENTS}


def test_report_reads_postgres(graded):
    text, scores = graded["report"], graded["scores"]
    assert "3 submissions graded, 0 could not be graded." in text
    for student in STUDENTS:
        assert f"| {student} | {scores[student]['auto_score']:g} |" in text, student
    # the wrong answer is the solution with one cell rewritten: the two are listed as similar
    assert "## Similar submissions" in text and f"### solution and {WRONG}: " in text
    similar = text.split("## Similar submissions")[1]
    assert "| release |" not in similar and "release and" not in similar and "and release" not in similar
    assert "<h2>Similar submissions</h2>" in graded["report_html"]


def test_formgrader_lists_postgres_submissions(graded):
    assert graded["formgrader"] == sorted(STUDENTS)
