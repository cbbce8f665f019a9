"""The grade exports (Course.export): grades.csv, grades-canvas.csv (Canvas's gradebook import) and
grades-by-student.csv, parsed back, from a gradebook in SQLite and in a real PostgreSQL server.

The gradebook is filled through nbgrader's API (no grading: fast), with ids and names that a CSV
written by hand would break: a comma, a quote, a newline."""

from __future__ import annotations

import csv
import os
import sys

import pytest

import postgres
from grading import Course

ODD_ID = 'o"neil,bob'  # a comma and a quote in one id: one field, parsed back unchanged
STUDENTS = [("12345", "Jane", "Doe, Jr."), (ODD_ID, "Bob", "O'Neil\nSmith"), ("carol", "", "")]
# (assignment, [(test, max_score)], {student: [points per test]}); carol has no submission of 02
GRADES = [("01-convolution", [("test_a", 3.0), ("test_b", 2.0)], {"12345": [3, 2], ODD_ID: [1.5, 0], "carol": [0, 0]}),
          ("02-pooling-activations", [("test_c", 4.0)], {"12345": [4], ODD_ID: [2]})]


def fill(url: str) -> None:
    from nbgrader.api import Gradebook

    with Gradebook(url) as gb:
        for student, first, last in STUDENTS:
            gb.add_student(student, first_name=first or None, last_name=last or None)
        for assignment, tests, scores in GRADES:
            gb.add_assignment(assignment)
            gb.add_notebook(assignment, assignment)
            for test, points in tests:
                gb.add_grade_cell(test, assignment, assignment, max_score=points, cell_type="code")
            for student, points in scores.items():
                gb.add_submission(assignment, student)
                for (test, _), p in zip(tests, points, strict=True):
                    gb.find_grade(test, assignment, assignment, student).auto_score = p
            gb.db.commit()


@pytest.fixture(scope="module")
def postgres_url():
    if postgres.binaries() is None:
        pytest.skip(postgres.MISSING)
    with postgres.server("exports") as url:
        yield url


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def course(request, tmp_path_factory):
    """A course whose gradebook (filled once per backend: a new gradebook takes seconds) holds GRADES."""
    root = tmp_path_factory.mktemp(request.param)
    (root / "autograder").mkdir()
    with pytest.MonkeyPatch.context() as mp:
        # nbgrader stamps a new gradebook by running `alembic`, which is this environment's
        mp.setenv("PATH", os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
        if request.param == "postgresql":
            mp.setenv("GRADEBOOK", request.getfixturevalue("postgres_url"))
        else:
            mp.delenv("GRADEBOOK", raising=False)
        course = Course(root)
        assert course.db_url.startswith(request.param)
        fill(course.db_url)
        yield course
    assert (root / "autograder" / "gradebook.db").is_file() == (request.param == "sqlite")


def read(path):
    with open(path, newline="", encoding="utf-8") as fh:
        return list(csv.reader(fh))


def test_grades_csv(course):
    rows = read(course.export())
    header, rows = rows[0], [dict(zip(rows[0], r, strict=True)) for r in rows[1:]]
    assert header == Course.EXPORT_COLUMNS
    got = {(r["assignment"], r["student_id"]): (float(r["score"]), float(r["max_score"]), r["last_name"]) for r in rows}
    assert got == {("01-convolution", "12345"): (5.0, 5.0, "Doe, Jr."),
                   ("01-convolution", ODD_ID): (1.5, 5.0, "O'Neil\nSmith"),
                   ("01-convolution", "carol"): (0.0, 5.0, ""),
                   ("02-pooling-activations", "12345"): (4.0, 4.0, "Doe, Jr."),
                   ("02-pooling-activations", ODD_ID): (2.0, 4.0, "O'Neil\nSmith"),
                   ("02-pooling-activations", "carol"): (0.0, 4.0, "")}  # no submission: 0, as nbgrader exports
    assert next(r for r in rows if r["student_id"] == "carol" and r["assignment"].startswith("02"))["timestamp"] == ""


def test_canvas_import_file(course):
    """Canvas's gradebook CSV: the five student columns, 'NAME (ID)' per assignment with a Canvas id,
    a 'Points Possible' row; numeric ids (Canvas user ids) in ID, others in SIS Login ID."""
    course.export(canvas_ids={"01-convolution": "4711"})
    rows = read(course.autograder / "grades-canvas.csv")
    assert rows[0] == ["Student", "ID", "SIS User ID", "SIS Login ID", "Section",
                       "01-convolution (4711)", "02-pooling-activations"]
    assert rows[1] == ["Points Possible", "", "", "", "", "5", "4"]
    by_name = {r[0]: r for r in rows[2:]}
    assert by_name == {"Doe, Jr., Jane": ["Doe, Jr., Jane", "12345", "", "", "", "5", "4"],
                       "O'Neil\nSmith, Bob": ["O'Neil\nSmith, Bob", "", "", ODD_ID, "", "1.5", "2"],
                       "carol": ["carol", "", "", "carol", "", "0", ""]}  # no submission of 02: left empty
    assert all(len(r) == len(rows[0]) for r in rows)


def test_grades_by_student(course):
    rows = read(course.export(course.autograder / "grades.csv").with_name("grades-by-student.csv"))
    assert rows[0] == ["student_id", "01-convolution", "02-pooling-activations", "total"]
    assert {r[0]: r[1:] for r in rows[1:]} == {"12345": ["5", "4", "9"], ODD_ID: ["1.5", "2", "3.5"],
                                               "carol": ["0", "", "0"]}
