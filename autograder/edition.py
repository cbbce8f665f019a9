"""The students' edition: what an instructor publishes as the students' repository.

This repository holds the solutions (solutions/), the hidden tests and the graded answers
(tests/answers/): keep it private. `make student-edition` writes a folder and a zip archive of it
with only what students use:

    book/                the built book (book/_build/html; `make book` first)
    exercises/           the released notebooks (no solution, no hidden test: nbgrader removed them)
    src/cnncourse/       the helper package the notebooks import, and pyproject.toml to install it
    jupyter/student/     JupyterLab's configuration for students (the Validate button, no instructor tools)
    tools/validate.py    `make validate NOTEBOOK=...`
    Makefile, README.md  the students' commands and instructions (autograder/templates/student-edition/)
    requirements.txt     the course's requirements without the instructors' and developers' tools,
    constraints.txt      pinned to requirements.lock's versions

    python autograder/edition.py [OUT]    # default: dist/student-edition (and dist/student-edition.zip)

Before writing anything, the edition is checked: no file may hold nbgrader's solution or hidden-test
markers, and tests/test_edition.py proves that no line of a solution or hidden test is in it.
"""

from __future__ import annotations

import argparse
import re
import shutil
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
TEMPLATES = REPO / "autograder" / "templates" / "student-edition"
# Packages students do not need: the grading pipeline's, the book build's and the developers' tools.
NOT_FOR_STUDENTS = {"jupyter-book", "sphinx-exercise", "sphinxcontrib-bibtex", "jupytext", "django-static-mathjax",
                    "psycopg", "copydetect", "dask", "distributed", "pytest", "pytest-xdist", "filelock", "ruff",
                    "uv"}
# nbgrader's markers: a released notebook has none; a file that holds one holds a solution or hidden test.
MARKERS = re.compile(r"#+ *(BEGIN|END) (SOLUTION|HIDDEN TESTS)")
SKIP = shutil.ignore_patterns("__pycache__", "*.pyc", ".ipynb_checkpoints", "*.egg-info", ".DS_Store")


def _package(line: str) -> str | None:
    """The package name of one requirements line (None for comments, blank lines and options)."""
    line = line.split("#", 1)[0].strip()
    if not line or line.startswith("-"):
        return None
    return re.split(r"[\s<>=!~;\[]", line, maxsplit=1)[0].lower()


def student_requirements(text: str) -> str:
    """requirements.txt without the packages students do not need (comments kept)."""
    kept = [line for line in text.splitlines() if _package(line) not in NOT_FOR_STUDENTS]
    return "\n".join(kept) + "\n"


def constraints(lock: str) -> str:
    """requirements.lock as a pip constraints file (pip refuses editable lines there)."""
    return "\n".join(line for line in lock.splitlines() if not line.strip().startswith("-e ")) + "\n"


def leaks(folder: Path) -> list[str]:
    """Files of FOLDER that hold nbgrader's solution or hidden-test markers."""
    found = []
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        if MARKERS.search(text):
            found.append(str(path.relative_to(folder)))
    return found


def build(out: Path, book: Path | None = None) -> Path:
    """Write the edition into OUT (replaced if it exists) and OUT.zip; returns the archive's path."""
    out = out.resolve()
    own = [REPO / name for name in ("book", "exercises", "solutions", "src", "tests", "autograder", "jupyter")]
    if out == REPO or out in REPO.parents or any(out == p or p in out.parents for p in own):
        raise SystemExit(f"refusing to replace {out}: choose a new folder (default: dist/student-edition)")
    book = book or REPO / "book" / "_build" / "html"
    if not (book / "index.html").is_file():
        raise SystemExit(f"no built book in {book}: run `make book` first")
    if out.exists():
        shutil.rmtree(out)
    out.mkdir(parents=True)
    shutil.copytree(book, out / "book", ignore=shutil.ignore_patterns(".buildinfo", ".doctrees"))
    shutil.copytree(REPO / "exercises", out / "exercises", ignore=SKIP)
    shutil.copytree(REPO / "src" / "cnncourse", out / "src" / "cnncourse", ignore=SKIP)
    shutil.copytree(REPO / "jupyter" / "student", out / "jupyter" / "student", ignore=SKIP)
    (out / "tools").mkdir()
    shutil.copy2(REPO / "autograder" / "validate.py", out / "tools" / "validate.py")
    shutil.copy2(REPO / "pyproject.toml", out / "pyproject.toml")
    for name in ("Makefile", "README.md"):
        shutil.copy2(TEMPLATES / name, out / name)
    (out / "requirements.txt").write_text(student_requirements((REPO / "requirements.txt").read_text()))
    (out / "constraints.txt").write_text(constraints((REPO / "requirements.lock").read_text()))
    (out / ".gitignore").write_text(".venv/\n__pycache__/\n*.egg-info/\n.ipynb_checkpoints/\ndata/\n")
    bad = leaks(out)
    if bad:
        shutil.rmtree(out)
        raise SystemExit(f"not written: these files hold solutions or hidden tests: {bad}")
    archive = shutil.make_archive(str(out), "zip", root_dir=out.parent, base_dir=out.name)
    return Path(archive)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("out", nargs="?", default=str(REPO / "dist" / "student-edition"),
                        help="the folder to write (default: dist/student-edition)")
    args = parser.parse_args(argv)
    archive = build(Path(args.out))
    print(f"the students' edition: {Path(args.out).resolve()} and {archive}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
