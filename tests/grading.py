"""Test-side helpers: temporary course copies, submissions built from answer files, autograding."""

from __future__ import annotations

import dataclasses
import shutil
import sys
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
ANSWERS = Path(__file__).resolve().parent / "answers"
sys.path.insert(0, str(REPO / "autograder"))

from course import Course, StudentScore, TestResult  # noqa: E402  (autograder/course.py)
from samples import Answer, read_answer, solution_cells, write_submission  # noqa: E402,F401
from samples import answers as _answers  # noqa: E402


def answers(assignment: str, prefix: str) -> list[Answer]:
    return _answers(ANSWERS / assignment, prefix)


def make_course(tmp: Path) -> Course:
    """A temporary copy of the course: solutions/, exercises/ and the autograder's configuration."""
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "solutions", tmp / "solutions")
    shutil.copytree(REPO / "exercises", tmp / "exercises")
    (tmp / "autograder").mkdir()
    for path in (REPO / "autograder").glob("*.py"):
        shutil.copy2(path, tmp / "autograder" / path.name)
    shutil.copytree(REPO / "autograder" / "templates", tmp / "autograder" / "templates")
    shutil.copytree(REPO / "jupyter", tmp / "jupyter")  # the student's and the instructor's Jupyter settings
    return Course(tmp)


def solution_sources(course: Course, assignment: str) -> dict[str, str]:
    """grade_id -> source of every solution cell in the instructor's notebook."""
    return solution_cells(course.root / "solutions" / assignment)


def submit(course: Course, assignment: str, student: str, cells: dict[str, str] | None) -> Path:
    """Write STUDENT's submission: the released notebook with its solution cells replaced by ``cells``
    (None: the release untouched). Returns the notebook's path under autograder/submitted/."""
    return write_submission(course.root / "exercises" / assignment,
                            course.autograder / "submitted" / student / assignment, cells)


def error_names(notebook: Path, grade_ids: list[str] | None = None) -> dict[str, list[str]]:
    """grade_id -> names of the exceptions its outputs show (for the test cells of a graded notebook)."""
    nb = nbformat.read(notebook, as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and (grade_ids is None or meta["grade_id"] in grade_ids):
            out[meta["grade_id"]] = [o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    return out


def scores_to_json(scores: dict[str, StudentScore]) -> dict:
    """Course.scores as JSON data (an expensive step's result, tests/steps.py)."""
    return {student: dataclasses.asdict(s) for student, s in scores.items()}


def scores_from_json(data: dict) -> dict[str, StudentScore]:
    return {student: StudentScore(**{**s, "tests": [TestResult(**t) for t in s["tests"]]})
            for student, s in data.items()}
