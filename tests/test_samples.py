"""`make samples`: real sample submissions an instructor can grade to try the pipeline."""

from __future__ import annotations

import subprocess
import sys

import nbformat

from grading import ANSWERS, REPO, solution_cells

A = "01-convolution"
SCRIPT = REPO / "autograder" / "samples.py"


def solution_sources_of(notebook):
    return {c.metadata["nbgrader"]["grade_id"]: c.source for c in nbformat.read(notebook, as_version=4).cells
            if c.cell_type == "code" and c.metadata.get("nbgrader", {}).get("solution")}


def test_samples_are_the_release_with_answers_filled_in(tmp_path):
    out = subprocess.run([sys.executable, str(SCRIPT), A, str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    expected = {"solution", "untouched"} | {p.stem for p in (ANSWERS / A).glob("*.py")
                                            if p.stem.startswith(("correct_", "wrong_"))}
    assert {p.name for p in tmp_path.iterdir()} == expected
    assert solution_sources_of(tmp_path / "solution" / f"{A}.ipynb") == solution_cells(REPO / "solutions" / A)
    untouched = solution_sources_of(tmp_path / "untouched" / f"{A}.ipynb")
    assert all("raise NotImplementedError()" in src for src in untouched.values())
    # everything but the solution cells is the release as handed out
    release = nbformat.read(REPO / "exercises" / A / f"{A}.ipynb", as_version=4)
    wrong = nbformat.read(tmp_path / "wrong_flipped_kernel" / f"{A}.ipynb", as_version=4)
    for a, b in zip(release.cells, wrong.cells, strict=True):
        if not (a.cell_type == "code" and a.metadata.get("nbgrader", {}).get("solution")):
            assert a.source == b.source


def test_an_unknown_assignment_is_a_clear_error(tmp_path):
    out = subprocess.run([sys.executable, str(SCRIPT), "99-nothing", str(tmp_path)], capture_output=True, text=True)
    assert out.returncode == 2 and "no assignment '99-nothing'" in out.stderr and A in out.stderr
