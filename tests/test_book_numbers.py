"""Every number in the chapters' prose is computed by code or has a source (issue 13, second edition).

The test reads the MyST sources (fast, no build) and lists each number written in the prose, outside code
cells, code blocks and math, that is not

- glued from a cell ({glue:text}`name`, {glue:md}`name`: the number comes from executed code),
- in a sentence with a citation ({cite}`key`, {cite:t}`key`: the number comes from the cited work),
- a year, or the number of a chapter, section, figure, table, equation, step or exercise,
- the marker of a numbered list, or a single-digit integer (the settings a sentence names, "stride 2",
  "padding 1", "the digits 0 to 4", are set by the code beside it; a result is never hand-typed as one),
- inside a check-your-understanding question or its folded answer (the question sets its own numbers and
  the answer works them out in the text, for the reader to redo by hand).

Each number left must be listed in tests/book_numbers_allowed.txt with a phrase of its sentence and its
source; an entry that no longer matches anything is stale and fails too.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
BOOK = ROOT / "book"
ALLOWED = Path(__file__).with_name("book_numbers_allowed.txt")

NUMBER = re.compile(r"(?<![\w.,+-])[-+−]?\d+(?:,\d{3})*(?:\.\d+)?%?(?![\w])")
REFERENCE = re.compile(r"\b(?:chapters?|sections?|figures?|fig\.|tables?|equations?|eqs?\.|steps?|exercises?|"
                       r"parts?|lines?)\s+\d+(?:\.\d+)*(?:\s*(?:to|and|-|–)\s*\d+(?:\.\d+)*)?", re.I)
YEAR = re.compile(r"(?:1[89]|20)\d\d[a-z]?")


def chapters() -> list[str]:
    toc = yaml.safe_load((BOOK / "_toc.yml").read_text())
    return [ch["file"] for part in toc.get("parts", []) for ch in part["chapters"]
            if ch["file"].startswith("chapters/")]


PROSE_DIRECTIVES = {"glue:figure", "figure", "note", "admonition", "tip", "warning", "important", "margin"}


def prose_lines(text: str):
    """The lines of a MyST chapter that are prose: outside front matter, code cells, code and math blocks,
    exercises and solutions, directive options; the captions and bodies of figures and admonitions kept."""
    text = re.sub(r"\A---\n.*?\n---\n", "", text, flags=re.S)                          # front matter
    stack = []                                          # open fences: (backticks, keep the content?)
    for line in text.splitlines():
        fence = re.match(r"^(`{3,}|:{3,})\s*(\{([\w:-]+)\})?", line)
        if fence and stack and fence.group(1) == stack[-1][0] and not fence.group(2):
            stack.pop()
            continue
        if fence and (fence.group(2) or not stack or stack[-1][1]):
            keep = fence.group(3) in PROSE_DIRECTIVES and all(k for _, k in stack)
            stack.append((fence.group(1), keep))
            continue
        if stack and not all(k for _, k in stack):
            continue
        if re.match(r"^:[\w-]+:", line) or re.match(r"^\([\w-]+\)=\s*$", line):
            continue                                    # directive options, labels
        yield re.sub(r"^\s*(?:\d+\.|[-*])\s", " ", line)     # list markers


def sentences(text: str):
    """The prose of a MyST chapter, sentence by sentence, with roles and math still in."""
    prose = re.sub(r"<!--.*?-->", " ", "\n".join(prose_lines(text)), flags=re.S)
    for paragraph in re.split(r"\n\s*\n", prose):
        paragraph = " ".join(paragraph.split())
        yield from (s for s in re.split(r"(?<=[.!?:;])\s+(?=[A-Z*({])", paragraph) if s.strip())


def unsourced_numbers(text: str) -> list[tuple[str, str]]:
    """(number, sentence) for each number of the prose that no rule accounts for."""
    found = []
    for sentence in sentences(text):
        if re.search(r"\{cite(?::[tp])?\}`", sentence):
            continue
        bare = re.sub(r"\$\$.*?\$\$|\$[^$]+\$", " ", sentence)                           # math
        bare = re.sub(r"\{[\w:-]+\}`[^`]*`", " ", bare)                                 # roles: glue, ref, eq...
        bare = re.sub(r"`[^`]*`", " ", bare)                                            # inline code
        bare = re.sub(r"\]\([^)]*\)|https?://\S+", " ", bare)                           # link targets
        bare = REFERENCE.sub(" ", bare)
        for m in NUMBER.finditer(bare):
            number = m.group().lstrip("+-−")
            if YEAR.fullmatch(number) or re.fullmatch(r"\d", number):
                continue
            found.append((number, sentence))
    return found


def allowed() -> list[dict]:
    entries = []
    for n, line in enumerate(ALLOWED.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        chapter, number, phrase, why = (part.strip() for part in line.split("|"))
        assert chapter and number and phrase and why, f"{ALLOWED.name}:{n}: chapter | number | phrase | source"
        entries.append(dict(chapter=chapter, number=number, phrase=phrase, why=why, line=n))
    return entries


@pytest.mark.parametrize("chapter", chapters())
def test_every_number_in_the_prose_is_glued_cited_or_allowed(chapter):
    text = (BOOK / f"{chapter}.md").read_text(encoding="utf-8")
    name = Path(chapter).name
    entries = [e for e in allowed() if e["chapter"] == name]
    unexplained = [(number, sentence) for number, sentence in unsourced_numbers(text)
                   if not any(e["number"] == number and e["phrase"] in sentence for e in entries)]
    assert not unexplained, f"{chapter}: numbers typed in the prose, neither glued nor cited nor allowed in " \
        f"{ALLOWED.name}:\n" + "\n".join(f"  {number!r} in: {sentence[:160]}" for number, sentence in unexplained)


def test_every_allowed_number_is_still_in_its_chapter():
    found = {}
    for chapter in chapters():
        found[Path(chapter).name] = unsourced_numbers((BOOK / f"{chapter}.md").read_text(encoding="utf-8"))
    for e in allowed():
        assert e["chapter"] in found, f"{ALLOWED.name}:{e['line']}: no chapter {e['chapter']}"
        assert any(number == e["number"] and e["phrase"] in sentence for number, sentence in found[e["chapter"]]), \
            f"{ALLOWED.name}:{e['line']}: {e['number']!r} with {e['phrase']!r} is no longer in {e['chapter']}: " \
            "remove the entry"


def test_the_rules_catch_typed_numbers():
    """A typed result is caught; glued, cited, math, code and reference numbers are not."""
    text = ("A sentence with 28% typed and {glue:text}`x` glued, $3 \\times 3$ in math, `nn.Conv2d(3, 16, 3)` in"
            " code. As {cite:t}`he2016deep` report, 152 layers. See section 4.1 and Exercise 02, from 2016. "
            "A stride 2 setting. It has 1,216 parameters.\n\n```{code-cell} ipython3\nx = 12345\n```\n"
            "```{glue:figure} a\n:name: fig-a\n\nThe 15 maps.\n```\n```{glue:figure} b\n\nThe 16 maps.\n```\n"
            "```{exercise}\n:label: ex-a\n\nA layer of 64 units?\n```\n\n$$\n12 + 13\n$$\n")
    assert [n for n, _ in unsourced_numbers(text)] == ["28%", "1,216", "15", "16"]
