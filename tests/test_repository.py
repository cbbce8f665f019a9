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


def test_lock_file_pins_every_requirement_within_its_range():
    """requirements.lock (what `make` installs) pins every package of requirements.txt, for this platform,
    to one exact version that requirements.txt allows: a stale lock fails here (run `make lock`)."""
    from packaging.requirements import Requirement
    from packaging.utils import canonicalize_name

    def lines(path):
        for raw in (REPO / path).read_text().splitlines():
            line = raw.split(" #")[0].strip()
            if line and not line.startswith(("#", "-")):
                yield line

    pins: dict[str, list[Requirement]] = {}
    for line in lines("requirements.lock"):
        req = Requirement(line)
        assert len(req.specifier) == 1 and next(iter(req.specifier)).operator == "==", f"not an exact pin: {line}"
        pins.setdefault(canonicalize_name(req.name), []).append(req)
    for line in lines("requirements.txt"):
        req = Requirement(line)
        if req.marker and not req.marker.evaluate():
            continue
        here = [p for p in pins.get(canonicalize_name(req.name), []) if not p.marker or p.marker.evaluate()]
        assert len(here) == 1, f"requirements.lock pins {req.name} {len(here)} times for this platform: run `make lock`"
        version = next(iter(here[0].specifier)).version
        assert req.specifier.contains(version, prereleases=True), \
            f"requirements.lock pins {req.name}=={version}, outside {req}: run `make lock`"
    assert "-e ." in (REPO / "requirements.lock").read_text().splitlines(), "the helper package, editable"
