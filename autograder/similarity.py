"""Similar submissions of one assignment, for a person to judge: copydetect's winnowing on the answer cells.

Only what students wrote counts: the code of each solution cell (nbgrader's ``solution: true`` code
cells), compared cell by cell with the same cell of the other submissions. The release's own code in
those cells (the signature, the docstring, ``raise NotImplementedError()``) is boilerplate: its
fingerprints are removed, so an answer left as released has nothing to compare.

copydetect (an implementation of winnowing: Schleimer, Wilkerson and Aiken, "Winnowing: local algorithms
for document fingerprinting", SIGMOD 2003, the algorithm of MOSS) normalises the code first: every
variable becomes ``V``, every function ``F``, every string ``S``, comments and white space go. So a
copy with renamed variables, new comments and another layout is the same text. Of the normalised code
every substring ``K`` characters long is a fingerprint (copydetect's noise and guarantee thresholds
both 25: a match of 25 characters is always found, a shorter one never). The similarity of A to B is
the part of A's fingerprinted code that B also has; a pair is listed when either direction reaches
``threshold`` and the shared code is at least ``min_shared`` characters of normalised code (a
one-line answer has few ways to be written).

Independently written answers of exercise 01 (the solution and the correct and wrong answers of
tests/answers/, which do not copy each other's cells) share at most 0.51 of their code under this
measure; a copy of the solution with every variable renamed and the comments removed shares 1.0
(tests/test_similarity.py). ``THRESHOLD`` (0.6, or CNN_SIMILARITY_THRESHOLD) lies between them. A
high similarity is a reason to read the two submissions, not a verdict: the report shows the matching
lines side by side.

For a large class the pairs to compare exactly are chosen first by the fingerprints they share (a
sparse product of the students x fingerprints matrix): a pair sharing less than ``PREFILTER`` x
``threshold`` (0.3) of the fingerprints of the smaller submission is not compared. A copied passage
matches as a run of consecutive fingerprints, so the shared fraction is close to the similarity: on
exercise 01's answers every pair similar at 0.6 or more shares at least 0.5 of its fingerprints.
"""

from __future__ import annotations

import io
import os
from dataclasses import dataclass, field
from pathlib import Path

import nbformat
import numpy as np

K = 25                # characters of normalised code per fingerprint (copydetect's default noise threshold)
THRESHOLD = float(os.environ.get("CNN_SIMILARITY_THRESHOLD", "0.6"))
MIN_SHARED = 100      # normalised characters two submissions must share to be listed
PREFILTER = 0.5       # of THRESHOLD: the fraction of shared fingerprints a pair needs to be compared
MAX_LINES = 40        # matching lines shown per cell and student


def answer_cells(notebooks: list[Path]) -> dict[str, str]:
    """grade_id -> source of each solution code cell of a submission's notebooks (the student's code)."""
    out: dict[str, str] = {}
    for path in notebooks:
        try:
            nb = nbformat.read(path, as_version=4)
        except Exception:  # noqa: BLE001 - an unreadable notebook has no answers to compare
            continue
        for i, cell in enumerate(nb.cells):
            meta = cell.get("metadata", {}).get("nbgrader", {})
            if cell.get("cell_type") == "code" and meta.get("solution"):
                cell_id = str(meta.get("grade_id") or f"cell {i + 1}")
                out[cell_id if len(notebooks) == 1 else f"{path.name}: {cell_id}"] = str(cell.get("source", ""))
    return out


@dataclass
class CellMatch:
    cell: str                         # grade_id
    lines_a: list[tuple[int, str]]    # (line number, line) of A's cell that match B's
    lines_b: list[tuple[int, str]]


@dataclass
class Pair:
    a: str
    b: str
    similarity_a: float               # part of A's answer code that B also has
    similarity_b: float
    shared: int                       # normalised characters in common (A's side)
    cells: list[CellMatch] = field(default_factory=list)

    @property
    def similarity(self) -> float:
        return max(self.similarity_a, self.similarity_b)


def _fingerprint(code: str, boilerplate: np.ndarray):
    from copydetect import CodeFingerprint

    return CodeFingerprint("answer.py", K, 1, boilerplate=boilerplate, language="python", fp=io.StringIO(code))


def _lines(code: str, slices: np.ndarray) -> list[tuple[int, str]]:
    """The lines of CODE that the character ranges SLICES (2 x N, start and end) touch, numbered from 1."""
    starts = np.cumsum([0] + [len(line) + 1 for line in code.split("\n")])
    lines = code.split("\n")
    hit: set[int] = set()
    for start, end in zip(*np.asarray(slices, dtype=int), strict=True):
        first = int(np.searchsorted(starts, start, side="right")) - 1
        last = int(np.searchsorted(starts, max(start, end - 1), side="right")) - 1
        hit.update(range(first, min(last, len(lines) - 1) + 1))
    return [(i + 1, lines[i]) for i in sorted(hit) if lines[i].strip()][:MAX_LINES]


def similar_pairs(submissions: dict[str, dict[str, str]], release: dict[str, str],
                  threshold: float = THRESHOLD, min_shared: int = MIN_SHARED) -> list[Pair]:
    """The pairs of SUBMISSIONS (student -> grade_id -> answer code) whose answers are similar, most
    similar first. RELEASE: grade_id -> the released code of that cell (boilerplate)."""
    from copydetect import compare_files
    from scipy import sparse

    boiler = {cell: np.array(sorted(_fingerprint(code, np.array([])).hashes))
              for cell, code in release.items()}
    prints: dict[str, dict[str, object]] = {}
    for student, cells in submissions.items():
        fps = {}
        for cell, code in cells.items():
            fp = _fingerprint(code, boiler.get(cell, np.array([])))
            if fp.hashes:
                fps[cell] = fp
        if fps:
            prints[student] = fps
    students = sorted(prints)
    if len(students) < 2:
        return []
    # the students x (cell, fingerprint) matrix; its product with itself counts the fingerprints shared
    columns: dict[tuple[str, int], int] = {}
    rows, cols = [], []
    for r, student in enumerate(students):
        for cell, fp in prints[student].items():
            for h in fp.hashes:
                rows.append(r)
                cols.append(columns.setdefault((cell, h), len(columns)))
    m = sparse.csr_matrix((np.ones(len(rows), dtype=np.int32), (rows, cols)), shape=(len(students), len(columns)))
    sizes = np.asarray(m.sum(axis=1)).ravel()
    candidates = []
    for start in range(0, len(students), 256):  # blocks of rows: memory stays bounded for a large class
        shared = (m[start:start + 256] @ m.T).tocoo()
        for i, j, n in zip(shared.row + start, shared.col, shared.data, strict=True):
            if i < j and n >= PREFILTER * threshold * min(sizes[i], sizes[j]):
                candidates.append((i, j))
    order = {cell: n for n, cell in enumerate(release)}  # the cells in the notebook's order
    pairs = []
    for i, j in candidates:
        a, b = students[i], students[j]
        over_a = over_b = cover_a = cover_b = 0.0
        cells = []
        for cell in sorted(set(prints[a]) | set(prints[b]), key=lambda c: (order.get(c, len(order)), c)):
            fa, fb = prints[a].get(cell), prints[b].get(cell)
            cover_a += fa.token_coverage if fa else 0
            cover_b += fb.token_coverage if fb else 0
            if not (fa and fb):
                continue
            overlap, (sa, sb), (slices_a, slices_b) = compare_files(fa, fb)
            if overlap == 0:
                continue
            over_a += sa * fa.token_coverage
            over_b += sb * fb.token_coverage
            cells.append(CellMatch(cell, _lines(fa.raw_code, slices_a), _lines(fb.raw_code, slices_b)))
        sim_a, sim_b = over_a / max(cover_a, 1), over_b / max(cover_b, 1)
        if max(sim_a, sim_b) >= threshold and min(over_a, over_b) >= min_shared:
            pairs.append(Pair(a, b, round(sim_a, 3), round(sim_b, 3), int(over_a), cells))
    return sorted(pairs, key=lambda p: (-p.similarity, p.a, p.b))


def release_cells(course, assignment: str) -> dict[str, str]:
    return answer_cells(sorted((course.root / "exercises" / assignment).glob("*.ipynb")))


def course_pairs(course, assignment: str, threshold: float = THRESHOLD) -> list[Pair]:
    """The similar pairs among the submissions of ASSIGNMENT in autograder/submitted/ (every student
    graded so far, as handed in)."""
    base = course.autograder / "submitted"
    submissions = {}
    for student in course.submitted_students(assignment):
        submissions[student] = answer_cells(sorted((base / student / assignment).glob("*.ipynb")))
    return similar_pairs(submissions, release_cells(course, assignment), threshold)
