"""`make grade`'s command end to end: a folder of LMS zip downloads and folders in, grades.csv,
feedback without hidden tests, and a class report out; running it twice changes nothing."""

from __future__ import annotations

import csv
import shutil
import subprocess
import sys
import zipfile

import nbformat
import pytest

import steps
from grading import Course, make_course, solution_sources, submit

pytestmark = [pytest.mark.slow, pytest.mark.step("grade-command")]
A = "01-convolution"


def run_grade(course, submissions):
    return subprocess.run([sys.executable, str(course.autograder / "course.py"), "--root", str(course.root),
                           "grade", A, str(submissions), "--jobs", "2"],
                          stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


@steps.step("grade-command", cost=150)
def _grade_twice(tmp):
    course = make_course(tmp / "course")
    course.release([A])
    # build the submissions as students hand them in, then move them out of nbgrader's folders
    submit(course, A, "alice", solution_sources(course, A))
    submit(course, A, "bob", None)
    subs = tmp / "downloads"
    subs.mkdir()
    with zipfile.ZipFile(subs / "alice_12345_attempt.zip", "w") as z:
        z.write(course.autograder / "submitted" / "alice" / A / f"{A}.ipynb", f"work/{A}.ipynb")
    with zipfile.ZipFile(subs / "carol.zip", "w") as z:  # renamed notebook
        z.write(course.autograder / "submitted" / "bob" / A / f"{A}.ipynb", "my-convolution.ipynb")
    # two zips whose names share the part before the first underscore (no LMS id to tell them apart):
    # refused, both named, the others graded
    for attempt in ("111", "222"):
        with zipfile.ZipFile(subs / f"dave_{attempt}_attempt.zip", "w") as z:
            z.write(course.autograder / "submitted" / "alice" / A / f"{A}.ipynb", f"{A}.ipynb")
    (subs / "bob").mkdir()
    (course.autograder / "submitted" / "bob" / A / f"{A}.ipynb").rename(subs / "bob" / f"{A}.ipynb")
    shutil.rmtree(course.autograder / "submitted")
    first = run_grade(course, subs)
    assert first.returncode == 0, first.stdout[-4000:]
    grades_first = (course.autograder / "grades.csv").read_text()
    second = run_grade(course, subs)
    assert second.returncode == 0, second.stdout[-4000:]
    return {"root": str(course.root), "stdout": first.stdout, "grades": grades_first}


@pytest.fixture
def graded():
    data = steps.result("grade-command")
    return Course(data["root"]), data["stdout"], data["grades"]


def test_grades_csv_has_every_student(graded):
    course, out, _ = graded
    rows = {r["student_id"]: r for r in csv.DictReader((course.autograder / "grades.csv").open())}
    assert float(rows["alice"]["raw_score"]) == 23.0
    assert float(rows["bob"]["raw_score"]) == 0.0
    assert "NOT GRADED carol: no 01-convolution.ipynb" in out and "my-convolution.ipynb" in out
    assert ("NOT GRADED dave: 2 submissions map to the student id dave: dave_111_attempt.zip, "
            "dave_222_attempt.zip" in out) and "dave" not in rows
    assert "graded 2 of 4 submissions" in out


def test_grades_csv_has_nbgrader_exports_rows(graded, tmp_path):
    """grades.csv is written with csv.writer, with the rows and columns `nbgrader export` writes."""
    course, _, _ = graded
    course.nbgrader("export", "--to", str(tmp_path / "nbgrader.csv"))
    ours = (course.autograder / "grades.csv").read_text()
    assert ours.splitlines()[0] == (tmp_path / "nbgrader.csv").read_text().splitlines()[0]
    assert list(csv.DictReader(ours.splitlines())) == list(csv.DictReader((tmp_path / "nbgrader.csv").open()))


def test_rerunning_changes_nothing(graded):
    course, _, grades_first = graded
    assert (course.autograder / "grades.csv").read_text() == grades_first


def test_feedback_shows_failures_but_not_hidden_tests(graded):
    course, _, _ = graded
    html = (course.autograder / "feedback" / "bob" / A / f"{A}.html").read_text()
    assert "NotImplementedError" in html
    source = nbformat.read(course.root / "solutions" / A / f"{A}.ipynb", as_version=4)
    hidden = [line.strip() for c in source.cells for line in
              c.source.split("### BEGIN HIDDEN TESTS")[-1].split("### END HIDDEN TESTS")[0].splitlines()
              if "### BEGIN HIDDEN TESTS" in c.source and len(line.strip()) > 30]
    assert hidden
    leaked = [line for line in hidden if line in html]
    assert not leaked, f"hidden test code shown in feedback: {leaked[:3]}"
    assert (course.autograder / "feedback" / "alice" / A / f"{A}.html").is_file()


def test_class_report(graded):
    course, out, _ = graded
    report_dir = course.autograder / "reports" / A
    text = (report_dir / "report.md").read_text()
    assert (report_dir / "scores.png").stat().st_size > 1000
    assert "| test_conv2d_bias | 1 / 2 | 50% |" in text
    assert "NotImplementedError" in text and "carol" in text
