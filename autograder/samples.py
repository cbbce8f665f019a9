"""Sample submissions for trying the grading pipeline (and for the course's own tests).

A submission is the released notebook with its solution cells replaced. The samples are real student
notebooks, built from the instructor's solution and from the graded answers in `tests/answers/` (typical
correct and wrong answers, each file a set of replacement cells):

    python autograder/samples.py 01-convolution samples/     # or: make samples ASSIGNMENT=01-convolution
    python autograder/course.py grade 01-convolution samples/

writes samples/STUDENT/01-convolution.ipynb for the students `solution`, `untouched` (the release as
handed out), and one per answer file (`correct_loops`, `wrong_flipped_kernel`, ...).

Answer file format: `# %% [grade_id]` starts the code of the solution cell with that grade_id; a
`# expect-fail: test_a test_b` line before the first cell names exactly the test cells the answer loses
points on (tests/test_grading.py checks it). The samples are the `correct_*` and `wrong_*` answers; the
`hostile_*` ones (attacks on the grader, tests/test_hostile.py) are not samples.
"""

from __future__ import annotations

import argparse
import re
import sys
from dataclasses import dataclass
from pathlib import Path

import nbformat

REPO = Path(__file__).resolve().parent.parent
_CELL = re.compile(r"^# %% \[(?P<id>[\w-]+)\]\s*$", re.M)


@dataclass
class Answer:
    """One student answer: replacement sources for solution cells, and the tests it must fail."""
    name: str
    cells: dict[str, str]
    expect_fail: list[str]


def read_answer(path: Path) -> Answer:
    """Parse an answer file (see the module's docstring)."""
    text = Path(path).read_text()
    parts = _CELL.split(text)
    header, rest = parts[0], parts[1:]
    cells = {rest[i]: rest[i + 1].strip("\n") + "\n" for i in range(0, len(rest), 2)}
    m = re.search(r"^# expect-fail:(.*)$", header, re.M)
    return Answer(Path(path).stem, cells, m.group(1).split() if m else [])


def answers(answers_dir: Path, prefix: str = "") -> list[Answer]:
    """Every answer file in ANSWERS_DIR whose name starts with PREFIX, sorted by name."""
    return [read_answer(p) for p in sorted(Path(answers_dir).glob(prefix + "*.py"))]


def sample_answers(answers_dir: Path) -> list[Answer]:
    """The typical answers a student hands in: the `correct_*` and `wrong_*` files (not the `hostile_*` and
    `sandbox_*` attacks on the grader)."""
    return answers(answers_dir, "correct_") + answers(answers_dir, "wrong_")


def solution_cells(source_dir: Path) -> dict[str, str]:
    """grade_id -> source of every solution cell in the instructor's notebooks in SOURCE_DIR."""
    out = {}
    for nb_path in sorted(Path(source_dir).glob("*.ipynb")):
        for cell in nbformat.read(nb_path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("solution") and cell.cell_type == "code":
                out[meta["grade_id"]] = cell.source
    return out


def write_submission(release_dir: Path, target: Path, cells: dict[str, str] | None) -> Path:
    """Copy the released notebooks of RELEASE_DIR into TARGET with their solution cells replaced by
    CELLS (None: untouched). Every grade_id in CELLS must exist in the release."""
    release = sorted(Path(release_dir).glob("*.ipynb"))
    if not release:
        raise FileNotFoundError(f"no released notebook in {release_dir}: run `make release` first")
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
            if missing:
                raise ValueError(f"the answer names cells that {nb_path.name} does not have: {sorted(missing)}")
        nbformat.write(nb, target / nb_path.name)
    return target


def write_samples(assignment: str, out: Path, root: Path = REPO) -> list[str]:
    """Write the sample submissions of ASSIGNMENT into OUT/STUDENT/; returns the students' names."""
    release = root / "exercises" / assignment
    solution = solution_cells(root / "solutions" / assignment)
    students = {"solution": solution, "untouched": None}
    for answer in sample_answers(root / "tests" / "answers" / assignment):
        students[answer.name] = {**solution, **answer.cells}
    for student, cells in students.items():
        write_submission(release, Path(out) / student, cells)
    return list(students)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("assignment", help="for example 01-convolution")
    parser.add_argument("out", type=Path, help="folder to write STUDENT/NOTEBOOK.ipynb into")
    args = parser.parse_args(argv)
    if not (REPO / "solutions" / args.assignment).is_dir():
        known = sorted(p.name for p in (REPO / "solutions").iterdir() if p.is_dir())
        print(f"no assignment {args.assignment!r}; known: {', '.join(known)}", file=sys.stderr)
        return 2
    students = write_samples(args.assignment, args.out)
    print(f"{len(students)} sample submissions of {args.assignment} in {args.out}: {', '.join(students)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
