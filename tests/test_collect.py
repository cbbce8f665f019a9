"""Course.collect: a renamed, missing or extra notebook gets a clear message, and the batch goes on
(fast: no grading; tests/test_grade_command.py grades a renamed notebook end to end)."""

from __future__ import annotations

import csv
import os
import shutil
import stat
import subprocess
import sys
import zipfile

import pytest

from grading import REPO, Course

A = "01-convolution"
NOTEBOOK = b'{"cells": [], "metadata": {}, "nbformat": 4, "nbformat_minor": 5}'


@pytest.fixture
def course(tmp_path):
    (tmp_path / "course" / "solutions" / A).mkdir(parents=True)
    (tmp_path / "course" / "solutions" / A / f"{A}.ipynb").write_bytes(NOTEBOOK)
    (tmp_path / "course" / "autograder").mkdir()
    return Course(tmp_path / "course")


def hand_in(base, student, files):
    (base / student).mkdir(parents=True, exist_ok=True)
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


# -- LMS downloads, collisions, broken and hostile input --------------------------------------------
# Each test builds real folders and zip archives as Canvas, Moodle and Blackboard name them (their
# naming schemes are in autograder/collect.py) and checks which notebook reached which student.


def nb(tag: str) -> bytes:
    """A notebook whose bytes say whose it is."""
    return NOTEBOOK.replace(b'"metadata": {}', b'"metadata": {"who": "%s"}' % tag.encode())


def collected(course, student):
    folder = course.autograder / "submitted" / student / A
    return {p.name: p.read_bytes() for p in folder.iterdir()} if folder.is_dir() else None


def write_zip(path, members: dict[str, bytes], compression=zipfile.ZIP_DEFLATED):
    with zipfile.ZipFile(path, "w", compression) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return path


def test_two_zips_of_one_name_are_both_refused_and_named(course, tmp_path):
    """alice_111_attempt.zip and alice_222_attempt.zip used to become one student 'alice' (one dropped)."""
    subs = tmp_path / "downloads"
    subs.mkdir()
    write_zip(subs / "alice_111_attempt.zip", {f"{A}.ipynb": nb("alice 111")})
    write_zip(subs / "alice_222_attempt.zip", {f"work/{A}.ipynb": nb("alice 222")})
    hand_in(subs, "bob", {f"{A}.ipynb": nb("bob")})
    students, problems = course.collect(A, subs)
    assert students == ["bob"]
    assert set(problems) == {"alice"}
    assert "alice_111_attempt.zip" in problems["alice"] and "alice_222_attempt.zip" in problems["alice"]
    assert "2 submissions map to the student id alice" in problems["alice"]
    assert collected(course, "alice") is None


def test_a_whole_lms_download_zip_is_refused_with_what_to_do(course, tmp_path):
    download = write_zip(tmp_path / "submissions.zip", {f"doejane_12345_67890_{A}.ipynb": nb("jane")})
    with pytest.raises(FileNotFoundError, match="is a zip archive: unzip the LMS's download into a folder first"):
        course.collect(A, download)


def test_existing_layouts_still_work(course, tmp_path):
    subs = tmp_path / "downloads"
    hand_in(subs, "ann", {})
    hand_in(subs / "ann", A, {f"{A}.ipynb": nb("ann"), "scratch.ipynb": nb("x")})  # STUDENT/ASSIGNMENT/NB
    hand_in(subs, "ben", {f"{A}.ipynb": nb("ben")})                                   # STUDENT/NB
    write_zip(subs / "cat.zip", {f"deep/er/{A}.ipynb": nb("cat"), f"__MACOSX/deep/er/._{A}.ipynb": b"\0",
                                 f"deep/.ipynb_checkpoints/{A}.ipynb": nb("old")})  # STUDENT.zip
    write_zip(subs / "dan_4711_whatever.zip", {f"{A}.ipynb": nb("dan")})            # STUDENT_anything.zip
    (subs / "notes.txt").write_text("the TA's notes")                               # not a submission
    assert course.collect(A, subs) == (["ann", "ben", "cat", "dan"], {})
    for student in ("ann", "ben", "cat", "dan"):
        assert collected(course, student) == {f"{A}.ipynb": nb(student)}


def test_canvas_download(course, tmp_path):
    """Canvas: name[_LATE]_USERID_FILEID_file; the user id is the student, two Alice Smiths stay apart."""
    subs = tmp_path / "submissions"
    subs.mkdir()
    (subs / f"doejane_12345_67890_{A}.ipynb").write_bytes(nb("jane"))
    (subs / "doejane_12345_67891_notes.pdf").write_bytes(b"%PDF-1.4")             # same submission
    (subs / f"doejohn_LATE_23456_67892_{A}.ipynb").write_bytes(nb("john, late"))
    (subs / f"smithalice_111_5001_{A}-1.ipynb").write_bytes(nb("alice 111"))      # handed in again: -1
    write_zip(subs / "smithalice_222_5002_work.zip", {f"work/{A}.ipynb": nb("alice 222")})
    students, problems = course.collect(A, subs)
    assert (students, problems) == (["111", "12345", "222", "23456"], {})
    assert collected(course, "12345") == {f"{A}.ipynb": nb("jane")}
    assert collected(course, "23456") == {f"{A}.ipynb": nb("john, late")}
    assert collected(course, "111") == {f"{A}.ipynb": nb("alice 111")}
    assert collected(course, "222") == {f"{A}.ipynb": nb("alice 222")}
    assert course.collected["12345"] == [f"doejane_12345_67890_{A}.ipynb", "doejane_12345_67891_notes.pdf"]


def test_moodle_download(course, tmp_path):
    """Moodle: 'Full Name_PARTICIPANT_assignsubmission_file_' folders (or flat files); the id is the student."""
    subs = tmp_path / "moodle"
    hand_in(subs, "Jane Doe_123456_assignsubmission_file_", {f"{A}.ipynb": nb("jane 1")})
    hand_in(subs, "Jane Doe_654321_assignsubmission_file_", {})
    hand_in(subs / "Jane Doe_654321_assignsubmission_file_", "ex1", {f"{A}.ipynb": nb("jane 2")})
    hand_in(subs, "Jane Doe_123456_assignsubmission_onlinetext_", {"onlinetext.html": b"<p>done</p>"})
    (subs / f"Bob Ray_777_assignsubmission_file_{A}.ipynb").write_bytes(nb("bob"))  # before Moodle 3.1
    hand_in(subs, "Participant_888_assignsubmission_file_", {})                     # blind marking, a zip
    write_zip(subs / "Participant_888_assignsubmission_file_" / "handin.zip", {f"x/{A}.ipynb": nb("anon")})
    students, problems = course.collect(A, subs)
    assert (students, problems) == (["123456", "654321", "777", "888"], {})
    assert collected(course, "888") == {f"{A}.ipynb": nb("anon")}
    assert collected(course, "123456") == {f"{A}.ipynb": nb("jane 1")}
    assert collected(course, "654321") == {f"{A}.ipynb": nb("jane 2")}
    assert collected(course, "777") == {f"{A}.ipynb": nb("bob")}


def receipt(user, time, original, name="Jane Doe"):
    return (f"Name: {name} ({user})\nAssignment: Exercise 1\nDate Submitted: {time}\nCurrent Grade: Needs Grading\n\n"
            f"Files:\n\tOriginal filename: {original}\n\tFilename: Exercise 1_{user}_attempt_{time}_{original}\n")


def test_blackboard_download(course, tmp_path):
    """Blackboard: ASSIGNMENT_USER_attempt_TIME_file beside ASSIGNMENT_USER_attempt_TIME.txt; two attempts
    of one user are refused, naming both (download the last attempt only)."""
    subs = tmp_path / "gradebook_CNN101_Exercise 1_2026-12-01-09-00-00"
    subs.mkdir()
    for user, time, tag in [("jdoe", "2026-11-30-10-15-00", "jdoe"), ("j_smith", "2026-11-30-11-00-00", "smith"),
                            ("kim", "2026-11-29-08-00-00", "kim 1"), ("kim", "2026-11-30-08-00-00", "kim 2")]:
        (subs / f"Exercise 1_{user}_attempt_{time}_{A}.ipynb").write_bytes(nb(tag))
        (subs / f"Exercise 1_{user}_attempt_{time}.txt").write_text(receipt(user, time, f"{A}.ipynb"))
    students, problems = course.collect(A, subs)
    assert students == ["j_smith", "jdoe"]          # the receipt says the username is j_smith, not smith
    assert collected(course, "j_smith") == {f"{A}.ipynb": nb("smith")}
    assert set(problems) == {"kim"}
    assert (f"Exercise 1_kim_attempt_2026-11-29-08-00-00_{A}.ipynb" in problems["kim"]
            and f"Exercise 1_kim_attempt_2026-11-30-08-00-00_{A}.ipynb" in problems["kim"]
            and "last attempt" in problems["kim"])


def test_loose_notebooks(course, tmp_path):
    subs = tmp_path / "loose"
    subs.mkdir()
    (subs / "alice.ipynb").write_bytes(nb("alice"))
    (subs / "bob.ipynb").write_bytes(nb("bob loose"))
    hand_in(subs, "bob", {f"{A}.ipynb": nb("bob folder")})
    (subs / f"{A}.ipynb").write_bytes(nb("whose?"))
    students, problems = course.collect(A, subs)
    assert students == ["alice"]
    assert collected(course, "alice") == {f"{A}.ipynb": nb("alice")}
    assert problems["bob"] == ("2 submissions map to the student id bob: bob, bob.ipynb; none is graded until all "
                               "but one are removed")
    assert problems[A].startswith(f"{A}.ipynb has the assignment's own name")
    # with two notebooks in the assignment, a loose notebook is ambiguous
    (course.root / "solutions" / A / "part2.ipynb").write_bytes(NOTEBOOK)
    students, problems = course.collect(A, subs)
    assert "alice" not in students and "can only be graded when the assignment has one notebook" in problems["alice"]


def test_broken_submissions_do_not_stop_the_batch(course, tmp_path):
    subs = tmp_path / "downloads"
    hand_in(subs, "alice", {f"{A}.ipynb": nb("alice")})
    # encrypted with a password (a real ZipCrypto archive, made by Info-ZIP's zip)
    if shutil.which("zip") is None:
        pytest.skip("needs the zip command to make an encrypted archive")
    (tmp_path / A).mkdir()
    (tmp_path / A / f"{A}.ipynb").write_bytes(nb("bob"))
    subprocess.run(["zip", "-q", "-P", "secret", str(subs / "bob.zip"), f"{A}/{A}.ipynb"], cwd=tmp_path, check=True)
    # truncated in the middle, and one with a byte of the notebook changed (bad CRC)
    whole = write_zip(tmp_path / "whole.zip", {f"{A}.ipynb": nb("carol") * 50}).read_bytes()
    (subs / "carol.zip").write_bytes(whole[: len(whole) // 2])
    stored = write_zip(tmp_path / "stored.zip", {f"{A}.ipynb": nb("dave")}, zipfile.ZIP_STORED).read_bytes()
    at = stored.index(b'"who"')
    (subs / "dave_1.zip").write_bytes(stored[:at] + b"X" + stored[at + 1:])
    # folders named like a zip or a notebook, inside and outside a student's folder
    hand_in(subs, "erin.zip", {f"{A}.ipynb": nb("erin")})
    hand_in(subs, "frank.ipynb", {})
    hand_in(subs, "gina", {})
    (subs / "gina" / f"{A}.ipynb").mkdir()
    hand_in(subs, "hugo", {f"{A}.ipynb": nb("hugo").replace(b'"hugo"', '"Hügo"'.encode("latin-1"))})  # not UTF-8
    write_zip(subs / "ivy.zip", {f"a/{A}.ipynb": nb("ivy a"), f"b/{A}.ipynb": nb("ivy b")})  # which one?

    students, problems = course.collect(A, subs)
    assert students == ["alice"] and collected(course, "alice") == {f"{A}.ipynb": nb("alice")}
    assert set(problems) == {"bob", "carol", "dave", "erin", "frank", "gina", "hugo", "ivy"}
    assert problems["bob"].startswith("bob.zip is encrypted (password-protected)")
    assert problems["carol"].startswith("carol.zip is not a valid zip archive")
    assert problems["dave"].startswith("dave_1.zip is damaged") and "CRC" in problems["dave"]
    assert problems["erin"] == "erin.zip is a folder, not a zip archive"
    assert problems["frank"] == "frank.ipynb is a folder, not a notebook"
    assert problems["gina"] == f"no {A}.ipynb in the submission (gina/{A}.ipynb is a folder, not a notebook)"
    assert problems["hugo"].startswith(f"hugo/{A}.ipynb is not UTF-8 text")
    assert f"ivy.zip:a/{A}.ipynb" in problems["ivy"] and f"ivy.zip:b/{A}.ipynb" in problems["ivy"]


@pytest.fixture(scope="module")
def empty_gradebook(tmp_path_factory):
    """An empty nbgrader gradebook, made once (nbgrader runs `alembic` to create one: seconds)."""
    from nbgrader.api import Gradebook
    path = tmp_path_factory.mktemp("gradebook") / "gradebook.db"
    old = os.environ.get("PATH", "")
    os.environ["PATH"] = os.path.dirname(sys.executable) + os.pathsep + old
    try:
        with Gradebook("sqlite:///" + str(path)):
            pass
    finally:
        os.environ["PATH"] = old
    return path


@pytest.fixture
def alembic_on_path(course, empty_gradebook):
    """The course starts with a copy of the empty gradebook."""
    shutil.copy(empty_gradebook, course.autograder / "gradebook.db")


def link_member(name, target):
    info = zipfile.ZipInfo(name)
    info.create_system = 3
    info.external_attr = (stat.S_IFLNK | 0o777) << 16
    return info, target


def test_unsafe_zip_members_are_refused(course, tmp_path, monkeypatch):
    subs = tmp_path / "downloads"
    subs.mkdir()
    for student, member in [("alice", link_member(f"{A}.ipynb", "../../solutions/01-convolution/01-convolution.ipynb")),
                            ("bob", link_member("data", "/etc")),
                            ("carol", (zipfile.ZipInfo(f"/tmp/{A}.ipynb"), nb("carol"))),
                            ("dave", (zipfile.ZipInfo(f"../../{A}.ipynb"), nb("dave"))),
                            ("erin", (zipfile.ZipInfo(f"..\\{A}.ipynb"), nb("erin")))]:
        with zipfile.ZipFile(subs / f"{student}.zip", "w") as z:
            z.writestr(f"{A}.ipynb", nb(student)) if student == "bob" else None
            z.writestr(*member)
    device = zipfile.ZipInfo("tty")
    device.create_system, device.external_attr = 3, (stat.S_IFCHR | 0o666) << 16
    with zipfile.ZipFile(subs / "frank.zip", "w") as z:
        z.writestr(f"{A}.ipynb", nb("frank"))
        z.writestr(device, b"")
    # a zip bomb: megabytes of zeros that compress to a few kilobytes, over a 1 MB cap
    write_zip(subs / "gina.zip", {f"{A}.ipynb": nb("gina"), "weights.bin": bytes(3_000_000)})
    write_zip(subs / "hugo.zip", {f"{A}.ipynb": nb("hugo"), "a.bin": bytes(600_000), "b.bin": bytes(600_000)})
    write_zip(subs / "ivy.zip", {f"{A}.ipynb": nb("ivy")})
    write_zip(subs / "jan.zip", {f"{A}.ipynb": nb("jan"), **{f"f/{i}": b"" for i in range(10_001)}})
    monkeypatch.setenv("CNN_GRADE_MAX_SUBMISSION_MB", "1")

    students, problems = course.collect(A, subs)
    assert students == ["ivy"]
    assert "is a symbolic link" in problems["alice"] and "is a symbolic link" in problems["bob"]
    for student in ("carol", "dave", "erin"):
        assert "absolute path or '..'" in problems[student], problems[student]
    assert problems["frank"] == "frank.zip is refused: its member tty is a device, pipe or socket"
    assert "weights.bin unpacks to 3.0 MB, over 1 MB (CNN_GRADE_MAX_SUBMISSION_MB)" in problems["gina"]
    assert "hugo.zip unpacks to 1.2 MB, over the limit of 1 MB per submission" in problems["hugo"]
    assert problems["jan"] == "jan.zip has 10002 members, over 10000: refused"
    assert not any((tmp_path / p).exists() for p in (f"tmp/{A}.ipynb", f"{A}.ipynb"))
    assert sorted(p.name for p in (course.autograder / "submitted").iterdir()) == ["ivy"]


def test_links_in_submission_folders_are_not_followed(course, tmp_path):
    subs = tmp_path / "downloads"
    hand_in(subs, "bob", {f"{A}.ipynb": nb("bob")})
    hand_in(subs, "alice", {})
    (subs / "alice" / f"{A}.ipynb").symlink_to(subs / "bob" / f"{A}.ipynb")          # another student's work
    hand_in(subs, "mallory", {})
    (subs / "mallory" / A).symlink_to(course.root / "solutions" / A)                  # the solutions
    (subs / "eve").symlink_to(subs / "bob")                                           # a whole folder
    (subs / "trent.zip").symlink_to(tmp_path / "elsewhere.zip")
    write_zip(tmp_path / "elsewhere.zip", {f"{A}.ipynb": nb("trent")})
    hand_in(subs, "Jo Ng_42_assignsubmission_file_", {})
    (subs / "Jo Ng_42_assignsubmission_file_" / "sub").symlink_to(course.root / "solutions" / A)

    students, problems = course.collect(A, subs)
    assert students == ["bob"]
    assert problems["alice"] == (f"no {A}.ipynb in the submission "
                                 f"(alice/{A}.ipynb is a symbolic link: links are not followed)")
    assert problems["mallory"] == f"mallory/{A} is a symbolic link: links are not followed"
    assert problems["eve"] == "eve is a symbolic link: links are not followed"
    assert problems["trent.zip"] == "trent.zip is a symbolic link: links are not followed"
    assert "Jo Ng_42_assignsubmission_file_/sub is a symbolic link" in problems["42"]


def test_unusable_student_ids_never_reach_nbgrader(course, tmp_path, alembic_on_path):
    """nbgrader globs --student=ID: a folder named * would re-grade every student."""
    subs = tmp_path / "downloads"
    for name in ["*", "a,b", 'x"y', "-rf", "new\nline", "a b", "ünï"]:
        hand_in(subs, name, {f"{A}.ipynb": nb("bad")})
    write_zip(subs / "?_1.zip", {f"{A}.ipynb": nb("bad")})
    (subs / "[ab].ipynb").write_bytes(nb("bad"))
    hand_in(subs, "bob", {f"{A}.ipynb": nb("bob")})
    students, problems = course.collect(A, subs)
    assert students == ["bob"]
    assert sorted(p.name for p in (course.autograder / "submitted").iterdir()) == ["bob"]
    assert len(problems) == 9 and all("cannot be a student id" in m for m in problems.values())
    assert "new\\nline" in problems and "\n" not in "".join(problems)          # shown escaped
    # and past collect: autograde refuses them before the gradebook, nbgrader() before the command runs
    from nbgrader.api import Gradebook
    assert course.autograde(A, ["*"]) == {"*": "'*' cannot be a student id; not graded"}
    with Gradebook(course.db_url) as gb:
        assert [s.id for s in gb.students] == []
    with pytest.raises(ValueError, match="refusing to run nbgrader with '--student=\\*'"):
        course.nbgrader("autograde", A, "--student=*")


def test_a_batch_with_nothing_to_grade_grades_nobody(course, alembic_on_path):
    """autograde(A, []) used to mean "everyone in autograder/submitted", the students of earlier runs."""
    (course.autograder / "submitted" / "earlier" / A).mkdir(parents=True)
    (course.autograder / "submitted" / "earlier" / A / f"{A}.ipynb").write_bytes(NOTEBOOK)
    from nbgrader.api import Gradebook
    assert course.autograde(A, []) == {}
    with Gradebook(course.db_url) as gb:
        assert [s.id for s in gb.students] == []


def test_grades_csv_quotes_every_field(course, alembic_on_path):
    """nbgrader's CSV exporter joins fields with bare commas: a name with a comma or newline forged rows."""
    from nbgrader.api import Gradebook
    with Gradebook(course.db_url) as gb:
        gb.add_assignment(A)
        gb.add_student("alice", last_name='Doe, "Jr"\nbob,,,,,,,100.0', first_name="Ann")
        gb.add_student("bob")
        gb.add_submission(A, "alice")
    rows = list(csv.reader(course.export().open(newline="")))
    assert rows[0] == course.EXPORT_COLUMNS
    assert sorted(r[3] for r in rows[1:]) == ["alice", "bob"] and all(len(r) == len(rows[0]) for r in rows)
    by_id = {r[3]: r for r in rows[1:]}
    assert by_id["alice"][4] == 'Doe, "Jr"\nbob,,,,,,,100.0' and by_id["bob"][7] == "0.0"
    # the same from the command line (after grading by hand), not nbgrader's unquoted export
    written = (course.autograder / "grades.csv").read_text()
    (course.autograder / "grades.csv").unlink()
    cli = subprocess.run([sys.executable, str(REPO / "autograder" / "course.py"), "--root", str(course.root), "export"],
                         capture_output=True, text=True)
    assert cli.returncode == 0, cli.stderr
    assert (course.autograder / "grades.csv").read_text() == written


def test_report_names_students_of_earlier_runs(course, alembic_on_path):
    """A trial run on the samples and a real class end in one gradebook: the report says so."""
    from nbgrader.api import Gradebook

    from report import write_report
    with Gradebook(course.db_url) as gb:
        gb.add_assignment(A)
        for student in ("solution", "untouched", "alice"):
            gb.add_student(student)
            gb.add_submission(A, student)
    text = write_report(course, A, {"bob": "no notebook"}, batch={"alice", "bob"}).read_text()
    assert "Also in the gradebook from earlier runs: solution, untouched" in text
    assert "earlier runs" not in write_report(course, A, {}, batch={"alice", "solution", "untouched"}).read_text()


def test_make_clean_grades(tmp_path):
    work = tmp_path / "checkout"
    grading = ["autograder/submitted/alice/01-convolution", "autograder/autograded/alice", "autograder/feedback/alice",
               "autograder/reports/01-convolution"]
    for folder in grading:
        (work / folder).mkdir(parents=True)
    for name in ("gradebook.db", "grades.csv", "nbgrader_config.py"):
        (work / "autograder" / name).write_text("x")
    make = ["make", "-s", "-C", str(work), "-f", str(REPO / "Makefile"), "clean-grades"]
    no = subprocess.run(make, input="n\n", text=True, capture_output=True)
    assert no.returncode != 0 and "nothing removed" in no.stdout
    assert (work / "autograder" / "gradebook.db").exists()
    yes = subprocess.run(make + ["YES=1"], text=True, capture_output=True, stdin=subprocess.DEVNULL)
    assert yes.returncode == 0, yes.stderr
    assert sorted(p.name for p in (work / "autograder").iterdir()) == ["nbgrader_config.py"]
