"""The book builds with no warning and no cell error, and a cell error or a warning fails the build."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from grading import REPO

BOOK = REPO / "book"
pytestmark = pytest.mark.slow


def build(book: Path) -> subprocess.CompletedProcess:
    """The command `make book` runs: warnings are errors, nitpicky references, keep going to list them all."""
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "jupyter-book"), "build", str(book),
                           "--warningiserror", "--nitpick", "--keep-going"],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)


def toc_files() -> list[str]:
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [ch["file"] for ch in part["chapters"]]
    return files


@pytest.fixture(scope="module")
def built():
    proc = build(BOOK)
    assert proc.returncode == 0, f"the book does not build cleanly:\n{proc.stdout[-6000:]}"
    return proc


def test_book_builds_without_warnings(built):
    warnings = [line for line in built.stdout.splitlines() if re.search(r"(: WARNING:|: ERROR:|^WARNING:|^ERROR:)", line)]
    assert not warnings, "\n".join(warnings)


def test_every_page_is_rendered_with_its_figures(built):
    html_dir = BOOK / "_build" / "html"
    for page in toc_files():
        html = html_dir / (page + ".html")
        assert html.is_file(), f"{page} was not rendered"
        text = html.read_text()
        assert not re.search(r'class="[^"]*\b(traceback|error)\b', text), f"{page} shows a cell error"
        for src in re.findall(r'<img [^>]*src="([^"]+)"', text):
            if not src.startswith(("http:", "https:", "data:")):
                assert (html.parent / src).is_file(), f"{page}: missing image {src}"
    chapter = (html_dir / "chapters" / "convolution.html").read_text()
    assert chapter.count("<img") >= 3, "the convolution chapter should show its figures"


def test_a_failing_cell_fails_the_build(tmp_path):
    """The build's configuration turns a cell error into a failed build (not a page with a traceback)."""
    book = tmp_path / "book"
    book.mkdir()
    shutil.copy2(BOOK / "_config.yml", book / "_config.yml")
    for bib in BOOK.glob("*.bib"):
        shutil.copy2(bib, book / bib.name)
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    header = (BOOK / "chapters" / "convolution.md").read_text().split("---", 2)[1]
    (book / "intro.md").write_text(f"---{header}---\n# Broken\n\n```{{code-cell}} ipython3\n"
                                   "raise ValueError('this cell fails')\n```\n")
    proc = build(book)
    assert proc.returncode != 0, "a cell error did not fail the build"
    assert "Executing notebook failed" in proc.stdout
    assert "this cell fails" in proc.stdout, "the build log should show the failing cell's traceback"
