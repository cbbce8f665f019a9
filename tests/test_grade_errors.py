"""`make grade` given a submissions folder it cannot use says so in sentences, with the layouts it reads,
not with a traceback (nothing is graded, nothing written)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from grading import REPO

A = "01-convolution"


def grade(submissions) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(REPO / "autograder" / "course.py"), "grade", A, str(submissions)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.parametrize("case", ["missing", "empty", "stray files", "a file", "a zip"])
def test_unusable_submissions_folder(tmp_path, case):
    folder = tmp_path / "downloads"
    if case == "empty":
        folder.mkdir()
    elif case == "stray files":
        folder.mkdir()
        (folder / "readme.txt").write_text("not a submission")
    elif case == "a file":
        folder = tmp_path / f"{A}.ipynb"
        folder.write_text("{}")
    elif case == "a zip":
        folder = tmp_path / "submissions.zip"
        folder.write_bytes(b"PK\x05\x06" + b"\0" * 18)
    proc = grade(folder)
    assert proc.returncode == 2, proc.stdout + proc.stderr
    assert "Traceback" not in proc.stderr and proc.stdout == ""
    first = next(line for line in proc.stderr.splitlines() if line.startswith(f"Cannot grade {A}: "))
    expected = {"missing": f"there is no folder {folder}.", "empty": f"no submissions in {folder} (it is empty).",
                "stray files": "(it holds 1 entry, none of them a submission: readme.txt).",
                "a file": "is a file, not a folder of submissions.", "a zip": "unzip the LMS's download"}[case]
    assert expected in first, first
    for layout in (f"alice/{A}/{A}.ipynb", "alice_12345_attempt.zip", f"doejane_12345_67890_{A}.ipynb",
                   "Moodle", "Blackboard"):
        assert layout in proc.stderr
