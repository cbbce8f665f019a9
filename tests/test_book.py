"""The book builds with no warning and no cell error, and a cell error or a warning fails the build."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

import steps
from bookbuild import BOOK, build  # noqa: F401  (registers the expensive step "book")
pytestmark = pytest.mark.slow


def toc_files() -> list[str]:
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    files = [toc["root"]]
    for part in toc.get("parts", []):
        files += [ch["file"] for ch in part["chapters"]]
    return files


@pytest.fixture
def built():
    proc = subprocess.CompletedProcess(["jupyter-book"], **steps.result("book"))
    assert proc.returncode == 0, f"the book does not build cleanly:\n{proc.stdout[-6000:]}"
    return proc


@pytest.mark.step("book")
def test_book_builds_without_warnings(built):
    warnings = [line for line in built.stdout.splitlines()
                if re.search(r"(: WARNING:|: ERROR:|^WARNING:|^ERROR:)", line)]
    assert not warnings, "\n".join(warnings)


@pytest.mark.step("book")
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
    shutil.copytree(BOOK / "_ext", book / "_ext")
    (book / "_toc.yml").write_text("format: jb-book\nroot: intro\n")
    header = (BOOK / "chapters" / "convolution.md").read_text().split("---", 2)[1]
    (book / "intro.md").write_text(f"---{header}---\n# Broken\n\n```{{code-cell}} ipython3\n"
                                   "raise ValueError('this cell fails')\n```\n")
    proc = build(book)
    assert proc.returncode != 0, "a cell error did not fail the build"
    assert "Executing notebook failed" in proc.stdout
    assert "this cell fails" in proc.stdout, "the build log should show the failing cell's traceback"


# -- the pages in a real browser ---------------------------------------------------------------------
CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser") or shutil.which("google-chrome")
CHROMIUM_FLAGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
                  "--disable-background-networking", "--disable-component-update", "--disable-sync",
                  "--hide-scrollbars", "--virtual-time-budget=20000"]


@pytest.fixture(scope="module")
def served():
    """The built HTML on a loopback HTTP server that records every request and its status."""
    import functools
    import http.server
    import threading

    proc = steps.result("book")
    assert proc["returncode"] == 0, f"the book does not build cleanly:\n{proc['stdout'][-6000:]}"
    log: list[tuple[str, int]] = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_request(self, code="-", size="-"):
            log.append((self.path.split("?")[0], int(code) if str(code).isdigit() else 0))

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Handler, directory=str(BOOK / "_build" / "html")))
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}", log
    server.shutdown()


def chromium(*args: str, tmp: Path) -> subprocess.CompletedProcess:
    return subprocess.run([CHROMIUM, *CHROMIUM_FLAGS, f"--user-data-dir={tmp / 'profile'}", *args],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, timeout=180)


@pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"),
                    reason="Chromium is not installed (apt-get install chromium); CI installs it")
@pytest.mark.step("book")
@pytest.mark.parametrize("page", toc_files())
def test_page_renders_in_a_browser_offline(page, served, tmp_path):
    """Headless Chromium opens the page with no network: every image and script it asks for is served
    from the book, MathJax typesets every formula without an error, and a screenshot is taken."""
    assert CHROMIUM, "Chromium is needed for this test: apt-get install chromium"
    base, log = served
    html_text = (BOOK / "_build" / "html" / f"{page}.html").read_text()
    external = re.findall(r'<(?:script|link)[^>]+(?:src|href)="(https?://[^"]+)"', html_text)
    external = [u for u in external if not u.startswith(base)]
    assert not external, f"{page} loads resources from the network: {external}"

    start = len(log)
    shots = BOOK / "_build" / "screenshots"
    shots.mkdir(exist_ok=True)
    shot = shots / (page.replace("/", "__") + ".png")
    url = f"{base}/{page}.html"
    proc = chromium("--window-size=1300,4000", f"--screenshot={shot}", url, tmp=tmp_path)
    assert shot.is_file() and shot.stat().st_size > 20_000, f"no screenshot of {page}: {proc.stderr[-2000:]}"
    dom = chromium("--dump-dom", url, tmp=tmp_path).stdout

    requests = log[start:]
    failed = [(path, code) for path, code in requests if code >= 400 and path != "/favicon.ico"]
    assert not failed, f"{page}: the browser could not load {failed}"
    fetched = {path for path, code in requests if code == 200}
    page_dir = Path(f"/{page}").parent
    for src in re.findall(r'<img [^>]*src="([^"]+)"', html_text):
        if not src.startswith(("http:", "https:", "data:")):
            wanted = os.path.normpath(str(page_dir / src))
            assert wanted in fetched, f"{page}: image {src} was never loaded by the browser"

    n_math = len(re.findall(r'class="math notranslate nohighlight"', html_text))
    n_rendered = dom.count("<mjx-container")
    assert n_rendered >= n_math, f"{page}: {n_math} formulas but only {n_rendered} typeset by MathJax"
    assert "<mjx-merror" not in dom, f"{page}: MathJax reports a TeX error"
    if n_math:
        assert "/_static/mathjax/tex-mml-chtml.js" in fetched, "MathJax was not served from the book"
