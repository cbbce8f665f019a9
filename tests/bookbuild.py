"""The book build, as `make book` runs it, and the expensive step "book" (tests/steps.py) that builds the
real book once per session for tests/test_book.py and tests/test_book_facts.py."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import steps
from grading import REPO

BOOK = REPO / "book"


def build(book: Path) -> subprocess.CompletedProcess:
    """The command `make book` runs: warnings are errors, nitpicky references, keep going to list them all."""
    env = dict(os.environ, PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    return subprocess.run([os.path.join(os.path.dirname(sys.executable), "jupyter-book"), "build", str(book),
                           "--warningiserror", "--nitpick", "--keep-going"],
                          env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)



@steps.step("book", cost=240)
def _build_the_book(folder):
    """The real book, built once per session into book/_build (its execution cache makes a rebuild fast)."""
    proc = build(BOOK)
    return {"returncode": proc.returncode, "stdout": proc.stdout}
