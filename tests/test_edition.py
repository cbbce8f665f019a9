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


def _significant(text: str) -> list[str]:
    """The lines of TEXT that say something (16 characters or more, stripped), in order."""
    return [line for line in (raw.strip() for raw in text.splitlines()) if len(line) >= 16]


def _pairs(text: str) -> set[tuple[str, str]]:
    lines = _significant(text)
    return set(zip(lines, lines[1:], strict=False))


def secret_lines() -> dict[tuple[str, str], str]:
    """Each two consecutive lines of a solution or hidden test of which one at least is shown to students
    nowhere else (not in the release, the book's sources or the public helper package): a single line such
    as ``n, c, h, w = x.shape`` is everybody's, two in a row are the solution's. -> {pair: where from}."""
    shown = set()
    for nb in (REPO / "exercises").rglob("*.ipynb"):
        shown |= _lines(cell_sources(nb))
    for page in [*(REPO / "book").rglob("*.md"), *(REPO / "src").rglob("*.py")]:
        if "_build" not in page.parts:
            shown |= _lines(page.read_text())
    secrets = {}
    for nb in sorted((REPO / "solutions").rglob("*.ipynb")):
        for kind, body in REGION.findall(cell_sources(nb)):
            for pair in _pairs(body):
                if not set(pair) <= shown:
                    secrets.setdefault(pair, f"{nb.parent.name}: {kind.lower()}")
    return secrets


def cell_sources(notebook: Path) -> str:
    return "\n".join("".join(cell["source"]) for cell in json.loads(notebook.read_text())["cells"])


def text_of(path: Path) -> str | None:
    if path.suffix == ".ipynb":
        return cell_sources(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (UnicodeDecodeError, OSError):
        return None
    if path.suffix == ".html":  # code in the book's pages is split by highlighting tags
        text = html.unescape(re.sub(r"<[^>]+>", "", text))
    return text


def found_secrets(folder: Path, secrets: dict[tuple[str, str], str]) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file()):
        text = text_of(path)
        if text is None:
            continue
        hits = [f"{secrets[pair]}: {' / '.join(pair)}" for pair in _pairs(text) & secrets.keys()]
        if hits:
            found[str(path.relative_to(folder))] = sorted(hits)[:3]
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
    assert {where.split(": ")[0] for where in secrets.values()} == set(ASSIGNMENTS)
    assert found_secrets(REPO / "solutions", secrets)
    assert not found_secrets(REPO / "exercises", secrets), "the release itself holds a solution line"


def test_the_edition_holds_what_students_use(small_edition):
    out, archive = small_edition
    for path in ["Makefile", "README.md", "requirements.txt", "constraints.txt", "pyproject.toml",
                 "tools/validate.py", "src/cnncourse/__init__.py", "src/cnncourse/checks.py", "book/index.html",
                 "jupyter/student/jupyter_server_config.json", "jupyter/student/nbgrader_config.py"]:
        assert (out / path).is_file(), path
    for a in ASSIGNMENTS:
        name = Path("exercises") / a / f"{a}.ipynb"
        assert (out / name).read_bytes() == (REPO / name).read_bytes()
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
    book = REPO / "exercises"  # any folder with an index.html would do; the check on OUT comes first
    for target in (REPO, REPO / "exercises", REPO / "solutions" / "x"):
        with pytest.raises(SystemExit, match="refusing"):
            edition.build(target, book=book)


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
