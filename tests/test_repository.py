"""Repository hygiene: committed notebooks hold no outputs; the helper package holds no solution."""

from __future__ import annotations

import subprocess

import nbformat

from grading import REPO, solution_sources, make_course


def tracked(pattern: str) -> list[str]:
    out = subprocess.run(["git", "ls-files", pattern], cwd=REPO, stdout=subprocess.PIPE, text=True, check=True)
    files = out.stdout.split()
    if not files:  # not a git checkout (an exported tree): look at the files themselves
        files = [str(p.relative_to(REPO)) for p in REPO.rglob(pattern.lstrip("*/"))
                 if ".venv" not in p.parts and "_build" not in p.parts]
    return files


def test_committed_notebooks_hold_no_outputs():
    notebooks = tracked("*.ipynb")
    assert notebooks, "no notebooks found"
    dirty = []
    for path in notebooks:
        nb = nbformat.read(REPO / path, as_version=4)
        for cell in nb.cells:
            if cell.cell_type == "code" and (cell.get("outputs") or cell.get("execution_count") is not None):
                dirty.append(path)
                break
    assert not dirty, f"notebooks committed with outputs (clear them): {dirty}"


def test_helper_package_contains_no_solution(tmp_path):
    """No graded function of any exercise is defined in the helper package."""
    course = make_course(tmp_path / "course")
    graded_names = set()
    for assignment in course.assignments():
        for source in solution_sources(course, assignment).values():
            for line in source.splitlines():
                if line.startswith("def "):
                    graded_names.add(line[4:].split("(")[0])
    assert graded_names
    package = (REPO / "src" / "cnncourse")
    for path in package.rglob("*.py"):
        text = path.read_text()
        found = [name for name in graded_names if f"def {name}(" in text]
        assert not found, f"{path.relative_to(REPO)} defines graded functions {found}"
