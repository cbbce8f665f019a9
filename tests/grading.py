"""Test-side helpers: temporary course copies, submissions built from answer files, autograding."""

from __future__ import annotations

import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
ANSWERS = Path(__file__).resolve().parent / "answers"
sys.path.insert(0, str(REPO / "autograder"))

from course import Course  # noqa: E402  (autograder/course.py)

_CELL = re.compile(r"^# %% \[(?P<id>[\w-]+)\]\s*$", re.M)


@dataclass
class Answer:
    """One student answer: replacement sources for solution cells, and the tests it must fail."""
    name: str
    cells: dict[str, str]
    expect_fail: list[str]


def read_answer(path: Path) -> Answer:
    """Parse an answer file: `# %% [grade_id]` starts the code of that solution cell;
    a `# expect-fail: test_a test_b` line names the test cells this answer must lose points on."""
    text = path.read_text()
    parts = _CELL.split(text)
    header, rest = parts[0], parts[1:]
    cells = {rest[i]: rest[i + 1].strip("\n") + "\n" for i in range(0, len(rest), 2)}
    m = re.search(r"^# expect-fail:(.*)$", header, re.M)
    return Answer(path.stem, cells, m.group(1).split() if m else [])


def answers(assignment: str, prefix: str) -> list[Answer]:
    return [read_answer(p) for p in sorted((ANSWERS / assignment).glob(prefix + "*.py"))]


def make_course(tmp: Path) -> Course:
    """A temporary copy of the course: solutions/, exercises/ and the autograder's configuration."""
    tmp.mkdir(parents=True, exist_ok=True)
    shutil.copytree(REPO / "solutions", tmp / "solutions")
    shutil.copytree(REPO / "exercises", tmp / "exercises")
    (tmp / "autograder").mkdir()
    for path in (REPO / "autograder").glob("*.py"):
        shutil.copy2(path, tmp / "autograder" / path.name)
    return Course(tmp)


def solution_sources(course: Course, assignment: str) -> dict[str, str]:
    """grade_id -> source of every solution cell in the instructor's notebook."""
    out = {}
    for nb_path in (course.root / "solutions" / assignment).glob("*.ipynb"):
        for cell in nbformat.read(nb_path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and cell.cell_type == "code":
                out[meta["grade_id"]] = cell.source
    return out


def submit(course: Course, assignment: str, student: str, cells: dict[str, str] | None) -> Path:
    """Write STUDENT's submission: the released notebook with its solution cells replaced by ``cells``
    (None: the release untouched). Returns the notebook's path under autograder/submitted/."""
    release = sorted((course.root / "exercises" / assignment).glob("*.ipynb"))
    assert release, f"nothing released for {assignment}"
    target = course.autograder / "submitted" / student / assignment
    target.mkdir(parents=True, exist_ok=True)
    for nb_path in release:
        nb = nbformat.read(nb_path, as_version=4)
        if cells is not None:
            used = set()
            for cell in nb.cells:
                gid = cell.metadata.get("nbgrader", {}).get("grade_id")
                if gid in cells:
                    cell.source = cells[gid]
                    used.add(gid)
            missing = set(cells) - used
            assert not missing, f"answer names cells that {nb_path.name} does not have: {missing}"
        nbformat.write(nb, target / nb_path.name)
    return target


def error_names(notebook: Path, grade_ids: list[str] | None = None) -> dict[str, list[str]]:
    """grade_id -> names of the exceptions its outputs show (for the test cells of a graded notebook)."""
    nb = nbformat.read(notebook, as_version=4)
    out = {}
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type == "code" and meta.get("grade") and (grade_ids is None or meta["grade_id"] in grade_ids):
            out[meta["grade_id"]] = [o.get("ename") for o in cell.get("outputs", []) if o.get("output_type") == "error"]
    return out
