"""What a reader meets on the built pages (issue 13, second edition): exercise pointers are links to the
notebooks, no label name or build-machine path is printed, no author is named twice around a citation, no
"1 seconds", and the code cells left visible are short, with the bookkeeping (glue calls) in removed cells.

The fast tests read the chapters' MyST sources; the slow ones read the HTML of the session's one book build
(the expensive step "book" of tests/bookbuild.py).
"""

from __future__ import annotations

import html
import re
from pathlib import Path

import pytest
import yaml

import bookbuild  # noqa: F401  (registers the expensive step "book")
import steps

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
BUILT_HTML = BOOK / "_build" / "html"
EXERCISES = ROOT / "exercises"
MAX_VISIBLE_LINES = 30          # a visible code cell longer than this is split, or its bookkeeping hidden
HIDDEN_TAGS = ("hide-input", "hide-cell", "remove-input", "remove-cell")
EXERCISE_PATH = re.compile(r"exercises/(\d\d-[\w-]+)/\1\.ipynb")
BUILT = [pytest.mark.slow, pytest.mark.step("book")]


def pages() -> list[str]:
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    return [toc["root"]] + [ch["file"] for part in toc.get("parts", []) for ch in part["chapters"]]


CHAPTERS = [p for p in pages() if p.startswith("chapters/")]


def source(page: str) -> str:
    return (BOOK / f"{page}.md").read_text(encoding="utf-8")


def code_cells(text: str):
    """(tags, code) of each code cell of a MyST notebook."""
    for m in re.finditer(r"```\{code-cell\} ipython3\n(.*?)```", text, flags=re.S):
        options = re.match(r"((?::[^\n]*\n)*)", m.group(1)).group(1)
        tags = re.search(r":tags: \[(.*?)\]", options)
        yield (tags.group(1) if tags else ""), m.group(1)[len(options):].strip("\n")


def prose(text: str) -> str:
    """A MyST page without its code cells and fenced code blocks."""
    return re.sub(r"```.*?```", " ", text, flags=re.S)


def built(page: str) -> str:
    build = steps.result("book")
    assert build["returncode"] == 0, f"the book does not build:\n{build['stdout'][-3000:]}"
    return (BUILT_HTML / f"{page}.html").read_text(encoding="utf-8")


def text_of(page_html: str, *, code: bool = True) -> str:
    """What a reader sees: tags dropped, entities decoded, whitespace collapsed; without the cells'
    source code when ``code`` is false."""
    page_html = re.sub(r"<script.*?</script>|<style.*?</style>", " ", page_html, flags=re.S)
    if not code:
        page_html = re.sub(r'<div class="cell_input.*?</pre>', " ", page_html, flags=re.S)
    return re.sub(r"\s+", " ", html.unescape(re.sub(r"<[^>]+>", "", page_html)))


def labels() -> set[str]:
    """Every label the sources define: equations, figures, chapters, exercises."""
    found = set()
    for page in pages():
        text = source(page)
        found |= set(re.findall(r"^:(?:label|name): ([\w-]+)", text, flags=re.M))
        found |= set(re.findall(r"^\(([\w-]+)\)=", text, flags=re.M))
    return found


# -- the sources (fast) ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("page", CHAPTERS)
def test_visible_code_cells_are_short_and_hold_no_glue(page):
    for tags, code in code_cells(source(page)):
        if any(t in tags for t in HIDDEN_TAGS):
            continue
        first = code.splitlines()[0]
        assert "glue(" not in code, f"{page}: the visible cell starting {first!r} glues: move the glue calls into " \
                                    "a cell tagged remove-cell"
        n = len(code.splitlines())
        assert n <= MAX_VISIBLE_LINES, f"{page}: the visible cell starting {first!r} has {n} lines " \
                                       f"(at most {MAX_VISIBLE_LINES}): split it or hide its bookkeeping"


@pytest.mark.parametrize("page", CHAPTERS)
def test_exercise_pointers_are_download_links(page):
    text = prose(source(page))
    bare = [m.group() for m in re.finditer(r"(?<!<)(?<!\.\./)" + EXERCISE_PATH.pattern + r"`?", text)
            if not re.search(r"\{download\}`[^`]*$", text[:m.start()].rsplit("\n\n", 1)[-1])]
    assert not bare, f"{page}: exercise notebooks named but not linked: {bare}; use {{download}}`path <../../path>`"
    if "## Graded exercise" in text:
        assert re.search(r"\{download\}`[^`<]*<\.\./\.\./" + EXERCISE_PATH.pattern + ">`", text), \
            f"{page}: its graded exercise is not linked"


def test_no_label_name_in_code_comments_or_prints():
    names = labels()
    for page in pages():
        for _, code in code_cells(source(page)):
            for line in code.splitlines():
                shown = [n for n in names if re.search(rf"(?<![\w{{`-]){re.escape(n)}(?![\w-])", line)]
                assert not shown, f"{page}: a label name, {shown}, is printed in a visible line: {line.strip()}"


# -- the built pages (slow) -----------------------------------------------------------------------------------
@BUILT[0]
@BUILT[1]
@pytest.mark.parametrize("page", pages())
def test_every_exercise_link_resolves_to_the_notebook(page):
    page_html = built(page)
    here = (BUILT_HTML / page).parent
    links = re.findall(r'<a class="reference download internal"[^>]*href="([^"]+\.ipynb)"', page_html)
    for href in links:
        target = (here / href).resolve()
        assert target.is_file(), f"{page}: the link {href} leads nowhere"
        original = EXERCISES / target.stem / target.name
        assert original.is_file(), f"{page}: {href} is not one of the exercises"
        assert target.read_bytes() == original.read_bytes(), f"{page}: {href} differs from {original}"
    unlinked = re.sub(r'<a class="reference download internal".*?</a>|<pre.*?</pre>', " ", page_html, flags=re.S)
    bare = EXERCISE_PATH.findall(text_of(unlinked))
    assert not bare, f"{page}: exercise notebooks named without a link: {bare}"
    if page == "intro":
        assert {Path(h).name for h in links} == {f"{d.name}.ipynb" for d in EXERCISES.iterdir() if d.is_dir()}, \
            "the introduction's table should link every exercise"
    elif "Graded exercise" in page_html:
        assert links, f"{page}: the graded exercise has no link"


@BUILT[0]
@BUILT[1]
@pytest.mark.parametrize("page", pages())
def test_no_raw_label_name_anywhere_on_the_page(page):
    text = text_of(built(page))
    shown = sorted(n for n in labels() if re.search(rf"(?<![\w/#-]){re.escape(n)}(?![\w-])", text))
    assert not shown, f"{page} shows label names to the reader: {shown}"
    assert not re.search(r"\(eq-[\w-]+\)", text), f"{page}: a raw equation label"


@BUILT[0]
@BUILT[1]
@pytest.mark.parametrize("page", pages())
def test_no_author_named_twice_around_a_citation(page):
    text = text_of(built(page), code=False)
    for m in re.finditer(r"\[([^\[\]]*?\d{4}[a-z]?)\]", text):
        before = text[max(0, m.start() - 60):m.start()]
        for author in re.findall(r"(?:^|[;,] )([A-Z][\w'-]+)(?= et al\.|,| and )", m.group(1)):
            assert not re.search(rf"\b{re.escape(author)}\b", before), \
                f"{page}: {before.strip()!r} {m.group()}: the author is named, then cited as (author, year); " \
                "write {cite:t}"


@BUILT[0]
@BUILT[1]
@pytest.mark.parametrize("page", pages())
def test_no_build_machine_path_and_no_one_with_a_plural(page):
    page_html = built(page)
    text = text_of(page_html)
    assert str(ROOT) not in page_html, f"{page}: the build machine's path {ROOT} is on the page"
    path = re.search(r"(?<![\w:/.~-])/(?:home|work|tmp|root|Users|mnt|opt|var)/\S*", text)
    assert not path, f"{page}: an absolute path of the build machine is on the page: {path.group()}"
    one = re.search(r"(?<![\d.,])\b1 (seconds|minutes|hours|epochs|steps|images|parameters|pixels|layers|weights|"
                    r"kernels|values|times|digits)\b", text)
    assert not one, f"{page}: {text[one.start() - 40:one.end()]!r}"


@BUILT[0]
@BUILT[1]
@pytest.mark.parametrize("page", CHAPTERS)
def test_visible_code_cells_on_the_page_are_short_and_hold_no_glue(page):
    cells = re.split(r'<div class="cell(?=[ "])', built(page))[1:]
    for cell in cells:
        classes = cell[:cell.index('"', 1)]
        if "tag_hide-input" in classes or "tag_hide-cell" in classes:
            continue
        code = re.search(r'<div class="cell_input.*?<pre>(.*?)</pre>', cell, flags=re.S)
        if code is None:
            continue
        code = html.unescape(re.sub(r"<[^>]+>", "", code.group(1))).strip("\n")
        first = code.splitlines()[0]
        assert "glue(" not in code, f"{page}: a visible cell glues ({first!r})"
        assert len(code.splitlines()) <= MAX_VISIBLE_LINES, \
            f"{page}: a visible cell of {len(code.splitlines())} lines ({first!r})"
