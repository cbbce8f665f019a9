"""The students' edition (autograder/edition.py, `make student-edition`): everything students use and
nothing of the solutions or the hidden tests."""

from __future__ import annotations

import html
import json
import os
import re
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

import steps
from bookbuild import BOOK  # noqa: F401  (registers the expensive step "book")
from grading import REPO

sys.path.insert(0, str(REPO / "autograder"))
import edition  # noqa: E402

ASSIGNMENTS = sorted(p.name for p in (REPO / "solutions").iterdir() if p.is_dir())
REGION = re.compile(r"#+ *BEGIN (SOLUTION|HIDDEN TESTS)(.*?)#+ *END \1", re.S)


def _lines(text: str) -> set[str]:
    return {line.strip() for line in text.splitlines()}


def secret_lines() -> dict[str, str]:
    """Each line of a solution or hidden test (16 characters or more) that students are not shown anywhere
    else: not in the release, not in the book's sources. -> {line: where it comes from}."""
    shown = set()
    for nb in (REPO / "exercises").rglob("*.ipynb"):
        for cell in json.loads(nb.read_text())["cells"]:
            shown |= _lines("".join(cell["source"]))
    for page in (REPO / "book").rglob("*.md"):
        if "_build" not in page.parts:
            shown |= _lines(page.read_text())
    secrets = {}
    for nb in sorted((REPO / "solutions").rglob("*.ipynb")):
        for cell in json.loads(nb.read_text())["cells"]:
            for kind, body in REGION.findall("".join(cell["source"])):
                for line in _lines(body):
                    if len(line) >= 16 and line not in shown:
                        secrets.setdefault(line, f"{nb.parent.name}: {kind.lower()}")
    return secrets


def text_of(path: Path) -> str | None:
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None
    if path.suffix == ".html":  # code in the book's pages is split by highlighting tags
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


def found_secrets(folder: Path, secrets: dict[str, str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = text_of(path)
        if text is None:
            continue
        lines = _lines(text)
        hits = [f"{secrets[s]}: {s}" for s in secrets if s in lines]
        if hits:
            found[str(path.relative_to(folder))] = hits[:3]
    return found


@pytest.fixture(scope="module")
def small_edition(tmp_path_factory):
    """The edition with a one-page stand-in for the built book (the real book: test_real_book_...)."""
    tmp = tmp_path_factory.mktemp("edition")
    book = tmp / "html"
    book.mkdir()
    (book / "index.html").write_text("<html><body>the book</body></html>")
    archive = edition.build(tmp / "student-edition", book=book)
    return tmp / "student-edition", archive


def test_secret_lines_are_found_where_they_are():
    """The search itself works: the solutions hold secret lines, and they are found in solutions/."""
    secrets = secret_lines()
    kinds = {where.split(": ")[1] for where in secrets.values()}
    assert kinds == {"solution", "hidden tests"} and len(secrets) > 200
    assert found_secrets(REPO / "solutions", secrets)
    assert not found_secrets(REPO / "exercises", secrets), "the release itself holds a solution line"


def test_the_edition_holds_what_students_use(small_edition):
    out, archive = small_edition
    for path in ["Makefile", "README.md", "requirements.txt", "constraints.txt", "pyproject.toml",
                 "tools/validate.py", "src/cnncourse/__init__.py", "src/cnncourse/checks.py", "book/index.html",
                 "jupyter/student/jupyter_server_config.json", "jupyter/student/nbgrader_config.py"]:
        assert (out / path).is_file(), path
    for a in ASSIGNMENTS:
        assert (out / "exercises" / a / f"{a}.ipynb").read_bytes() == (REPO / "exercises" / a / f"{a}.ipynb").read_bytes()
    names = sorted(zipfile.ZipFile(archive).namelist())
    files = sorted(str(Path("student-edition") / p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert [n for n in names if not n.endswith("/")] == files


def test_the_edition_holds_no_solution_and_no_hidden_test(small_edition):
    out, archive = small_edition
    assert not any(part in ("solutions", "answers", "autograder", "tests", ".git")
                   for p in out.rglob("*") for part in p.relative_to(out).parts)
    assert edition.leaks(out) == []
    assert found_secrets(out, secret_lines()) == {}


def test_a_marker_anywhere_refuses_the_edition(tmp_path):
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "notes.py").write_text("x = 1\n### BEGIN HIDDEN TESTS\nassert x\n### END HIDDEN TESTS\n")
    (tmp_path / "ok.txt").write_text("nothing to hide\n")
    assert edition.leaks(tmp_path) == ["a/notes.py"]


def test_students_requirements_are_the_course_s_without_the_tools_and_pinned():
    req = edition.student_requirements((REPO / "requirements.txt").read_text())
    packages = {edition._package(line) for line in req.splitlines()} - {None}
    assert {"numpy", "torch", "torchvision", "nbgrader", "matplotlib", "scikit-learn", "tqdm"} <= packages
    assert not packages & edition.NOT_FOR_STUDENTS
    assert "-e ." in req.splitlines()  # the helper package, from the edition's src/
    cons = edition.constraints((REPO / "requirements.lock").read_text())
    assert not any(line.startswith("-e ") for line in cons.splitlines())
    pinned = {line.split("==")[0].strip().lower() for line in cons.splitlines() if "==" in line}
    assert packages <= pinned, f"not pinned: {packages - pinned}"


def test_validate_runs_from_the_edition_alone(small_edition):
    """The students' `make validate` (tools/validate.py) on the untouched release of exercise 02: it fails,
    naming the tests, with the edition's own helper package first on the path."""
    out, _ = small_edition
    a = "02-pooling-activations"
    env = dict(os.environ, PYTHONPATH=str(out / "src"),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ["PATH"])
    proc = subprocess.run([sys.executable, "tools/validate.py", f"exercises/{a}/{a}.ipynb"], cwd=out, env=env,
                          capture_output=True, text=True, timeout=600)
    assert proc.returncode == 1, proc.stdout + proc.stderr
    assert "visible tests fail" in proc.stdout and "NotImplementedError" not in proc.stderr


def test_the_edition_refuses_to_overwrite_the_course():
    for target in (REPO, REPO / "exercises", REPO / "solutions" / "x"):
        with pytest.raises(SystemExit, match="refusing"):
            edition.build(target, book=REPO)


@pytest.mark.slow
@pytest.mark.step("book")
def test_real_book_in_the_edition_holds_no_solution_and_no_hidden_test(tmp_path):
    built = steps.result("book")
    assert built["returncode"] == 0, built["stdout"][-3000:]
    edition.build(tmp_path / "student-edition")
    book = tmp_path / "student-edition" / "book"
    assert (book / "index.html").is_file() and len(list(book.rglob("*.html"))) >= 10
    assert edition.leaks(book) == []
    assert found_secrets(book, secret_lines()) == {}
