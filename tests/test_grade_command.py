"""`make grade`'s command end to end: a folder of LMS zip downloads and folders in, grades.csv,
feedback without hidden tests, and a class report out; running it twice changes nothing."""

from __future__ import annotations

import csv
import html
import re
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
    alice = submit(course, A, "alice", solution_sources(course, A)) / f"{A}.ipynb"
    nb = nbformat.read(alice, as_version=4)  # alice also answers the written question (graded by hand)
    (written,) = [c for c in nb.cells if c.cell_type == "markdown" and c.metadata.get("nbgrader", {}).get("grade")]
    written.source = "Flipping the kernel turns the cross-correlation into a true convolution."
    nbformat.write(nb, alice)
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


def test_feedback_names_tests_and_pending_written_answers(graded):
    course, _, _ = graded
    alice = (course.autograder / "feedback" / "alice" / A / f"{A}.html").read_text()
    bob = (course.autograder / "feedback" / "bob" / A / f"{A}.html").read_text()
    titles = {c.metadata.nbgrader["grade_id"]: c.source.split('"""')[1].splitlines()[0]
              for c in nbformat.read(course.root / "exercises" / A / f"{A}.ipynb", as_version=4).cells
              if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("grade")}
    for grade_id, title in titles.items():
        named = f"<code>{grade_id}</code>: {html.escape(title, quote=False)}"
        assert named in alice and named in bob, named
    assert "written answer: not graded yet (2.0 points)" in alice
    assert "written answers worth 2.0 points are not graded yet" in alice
    assert "no answer written: Score: 0 / 2.0" in bob and "not graded yet" not in bob
    assert "white-space: pre-wrap" in alice  # long messages wrap


def test_class_report(graded):
    course, out, _ = graded
    report_dir = course.autograder / "reports" / A
    text = (report_dir / "report.md").read_text()
    assert (report_dir / "scores.png").stat().st_size > 1000
    assert ("| test_conv2d_bias | conv2d_forward adds one bias per output channel to every position; b=None means "
            "no bias. | 1 / 2 | 50% |") in text
    # autograded and hand-graded points apart; grades.csv's max_score is their sum
    # (carol and dave, not graded, count as 0)
    assert "| autograded (the code tests) | 23 | mean 5.75, median 0; full marks: 1 of 4 |" in text
    assert "| graded by hand (written answers, in the formgrader) | 2 |" in text
    assert "| total (grades.csv's max_score) | 25 |" in text
    rows = {r["student_id"]: r for r in csv.DictReader((course.autograder / "grades.csv").open())}
    assert float(rows["alice"]["max_score"]) == 25.0
    assert "| alice | 23 | not graded yet | 23 |" in text and "| bob | 0 | 0 | 0 |" in text
    # bob's seven NotImplementedErrors are one message, its tests listed
    (row,) = [line for line in text.splitlines() if line.startswith("| NotImplementedError")]
    assert row.count("test_") == 7 and row.endswith("| 1 |"), row
    assert "carol" in text and "## Not graded" in text


def test_class_report_in_chromium(graded, tmp_path):
    """report.html opened in headless Chromium: the tables, the histogram loaded, a screenshot of it."""
    course, _, _ = graded
    report_dir = course.autograder / "reports" / A
    page = (report_dir / "report.html").read_text()
    # a copy that records, once loaded, each image's width (0: not loaded) in the DOM Chromium dumps
    probe = report_dir / "probe.html"
    probe.write_text(page.replace("</body>", '<script>addEventListener("load", () => document.body.dataset.images'
                                  ' = [...document.images].map(i => i.complete && i.naturalWidth).join(","))'
                                  "</script></body>"))
    chromium = ["chromium", "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars"]
    try:
        dom = subprocess.run([*chromium, "--virtual-time-budget=5000", "--dump-dom", probe.as_uri()],
                             capture_output=True, text=True, timeout=120).stdout
        shot = tmp_path / "report.png"
        subprocess.run([*chromium, "--window-size=1200,2000", f"--screenshot={shot}",
                        (report_dir / "report.html").as_uri()], capture_output=True, text=True, timeout=120)
    finally:
        probe.unlink()
    assert 'data-images="700"' in dom, re.search(r"<body[^>]*>", dom)
    assert dom.count("<table>") == 4 and "<td>test_conv2d_bias</td>" in dom
    assert "<h2>Most common failure messages</h2>" in dom and "<strong>carol</strong>" in dom
    assert shot.stat().st_size > 20_000
