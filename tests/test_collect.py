"""Course.collect: a renamed, missing or extra notebook gets a clear message, and the batch goes on
(fast: no grading; tests/test_grade_command.py grades a renamed notebook end to end)."""

from __future__ import annotations

import zipfile

import pytest

from grading import Course

A = "01-convolution"
NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


@pytest.fixture
def course(tmp_path):
    (tmp_path / "course" / "solutions" / A).mkdir(parents=True)
    (tmp_path / "course" / "solutions" / A / f"{A}.ipynb").write_bytes(NOTEBOOK)
    (tmp_path / "course" / "autograder").mkdir()
    return Course(tmp_path / "course")


def hand_in(base, student, files):
    (base / student).mkdir(parents=True)
    for name, data in files.items():
        (base / student / name).write_bytes(data)


def test_renamed_missing_and_extra_notebooks(course, tmp_path, capsys):
    subs = tmp_path / "downloads"
    hand_in(subs, "alice", {f"{A}.ipynb": NOTEBOOK})
    hand_in(subs, "bob", {f"{A} (1).ipynb": NOTEBOOK})                       # renamed by the browser
    hand_in(subs, "carol", {"notes.txt": b"I forgot the notebook"})          # missing
    hand_in(subs, "dave", {f"{A}.ipynb": NOTEBOOK, "scratch.ipynb": b"{}"})  # an extra notebook beside it
    with zipfile.ZipFile(subs / "erin_4711.zip", "w") as z:                  # renamed inside a zip
        z.writestr("work/convolution-final.ipynb", NOTEBOOK)
    students, problems = course.collect(A, subs)

    assert students == ["alice", "dave"]
    assert problems["bob"] == f"no {A}.ipynb in the submission (found {A} (1).ipynb: the notebook must keep its name)"
    assert problems["carol"] == f"no {A}.ipynb in the submission"
    assert problems["erin"].startswith(f"no {A}.ipynb") and "convolution-final.ipynb" in problems["erin"]
    assert set(problems) == {"bob", "carol", "erin"}
    # the extra notebook is ignored, with a warning; only the expected one is graded
    assert "dave: ignoring extra notebooks scratch.ipynb" in capsys.readouterr().err
    assert sorted(p.name for p in (course.autograder / "submitted" / "dave" / A).iterdir()) == [f"{A}.ipynb"]
    assert not (course.autograder / "submitted" / "bob").exists()


def test_a_student_handing_in_again_replaces_the_old_notebooks(course, tmp_path):
    first, second = tmp_path / "first", tmp_path / "second"
    hand_in(first, "alice", {f"{A}.ipynb": NOTEBOOK})
    course.collect(A, first)
    stale = course.autograder / "submitted" / "alice" / A / "old.ipynb"
    stale.write_bytes(NOTEBOOK)
    hand_in(second, "alice", {f"{A}.ipynb": NOTEBOOK.replace(b"[]", b"[ ]")})
    assert course.collect(A, second) == (["alice"], {})
    assert not stale.exists()
    assert (course.autograder / "submitted" / "alice" / A / f"{A}.ipynb").read_bytes().count(b"[ ]") == 1
