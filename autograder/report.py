"""The class report of one assignment: points, score histogram, pass rate of every test, common failures.

Written to ``autograder/reports/ASSIGNMENT/``: ``report.md``, ``report.html`` (the same content, to open
in a browser) and ``scores.png``. The autograded points (the code tests) and the points graded by hand
(written answers, in the formgrader) are shown apart: grades.csv's ``max_score`` counts both.
"""

from __future__ import annotations

import collections
import html
import re
import statistics
from dataclasses import dataclass
from pathlib import Path

import nbformat

from validate import what_it_tests

_ANSI = re.compile(r"\x1b\[[0-9;]*m")
MESSAGE_CHARS = 300  # a longer message is shortened at a word boundary


def failure_messages(notebook: Path) -> dict[str, str]:
    """grade_id -> first line of the error that failed that test cell, for one autograded notebook."""
    out = {}
    nb = nbformat.read(notebook, as_version=4)
    for cell in nb.cells:
        meta = cell.metadata.get("nbgrader", {})
        if cell.cell_type != "code" or not meta.get("grade"):
            continue
        for o in cell.get("outputs", []):
            if o.get("output_type") == "error":
                text = _ANSI.sub("", f"{o.get('ename', 'Error')}: {o.get('evalue', '')}").strip()
                out[meta["grade_id"]] = (text.splitlines() or [""])[0].strip()
                break
    return out


def shorten(message: str, limit: int = MESSAGE_CHARS) -> str:
    """MESSAGE whole if it is at most LIMIT characters, else cut at the last space before it, with '...'."""
    if len(message) <= limit:
        return message
    cut = message[:limit].rsplit(" ", 1)[0]
    return (cut if cut else message[:limit]).rstrip(" ,;:") + " ..."


def _generalise(message: str) -> str:
    """Group messages that differ only in numbers (shapes, indices, values)."""
    return re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "#", message)


# -- a report as blocks, written out as Markdown and as HTML ---------------------------------------
@dataclass
class Heading:
    text: str
    level: int = 2


@dataclass
class Para:
    text: str


@dataclass
class Table:
    header: list[str]
    rows: list[list[str]]


@dataclass
class Image:
    src: str
    alt: str


@dataclass
class Bullets:
    items: list[tuple[str, str]]  # (bold part, rest)


@dataclass
class Code:
    """Lines of code side by side (HTML) or one after the other (Markdown), each with a caption."""
    columns: list[tuple[str, list[tuple[int, str]]]]  # (caption, [(line number, line)])


def _md_cell(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("|", "\\|").replace("\n", " ")


def to_markdown(blocks: list) -> str:
    lines: list[str] = []
    for b in blocks:
        if isinstance(b, Heading):
            lines += ["#" * b.level + " " + b.text, ""]
        elif isinstance(b, Para):
            lines += [b.text, ""]
        elif isinstance(b, Table):
            lines.append("| " + " | ".join(_md_cell(h) for h in b.header) + " |")
            lines.append("| " + " | ".join("---" for _ in b.header) + " |")
            lines += ["| " + " | ".join(_md_cell(c) for c in row) + " |" for row in b.rows]
            lines.append("")
        elif isinstance(b, Image):
            lines += [f"![{b.alt}]({b.src})", ""]
        elif isinstance(b, Bullets):
            lines += [f"- **{bold}**: {rest}" for bold, rest in b.items] + [""]
        elif isinstance(b, Code):
            for caption, code in b.columns:
                fence = "~~~~" if any("~~~" in line for _, line in code) else "~~~"
                lines += [caption + ":", "", fence + "python"] + _numbered(code) + [fence, ""]
    return "\n".join(lines).rstrip() + "\n"


_CSS = """
body { font-family: system-ui, -apple-system, "Segoe UI", sans-serif; max-width: 70em; margin: 2em auto;
       padding: 0 1em; color: #222; line-height: 1.45; }
table { border-collapse: collapse; margin: 0.5em 0 1.5em; }
th, td { border: 1px solid #ccc; padding: 0.3em 0.6em; text-align: left; vertical-align: top; }
th { background: #f2f2f2; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
td { overflow-wrap: anywhere; }
img { max-width: 100%; }
code { background: #f4f4f4; padding: 0 0.2em; }
table.code td { width: 50%; } pre { margin: 0; white-space: pre-wrap; font-size: 0.85em; }
"""


def _numbered(code: list[tuple[int, str]]) -> list[str]:
    """Lines with their numbers; '...' where lines are left out."""
    out, last = [], None
    for number, line in code:
        if last is not None and number != last + 1:
            out.append("    ...")
        out.append(f"{number:3d}  {line}")
        last = number
    return out


def _inline_html(text: str) -> str:
    """Escape TEXT (student ids and messages come from submissions), then `code` spans."""
    return re.sub(r"`([^`]+)`", r"<code>\1</code>", html.escape(str(text)))


def _is_number(text: str) -> bool:
    return bool(re.fullmatch(r"[\d.]+( / [\d.]+)?%?", str(text)))


def to_html(blocks: list, title: str) -> str:
    out = ["<!DOCTYPE html>", '<html lang="en">', "<head>", '<meta charset="utf-8">',
           f"<title>{html.escape(title)}</title>", f"<style>{_CSS}</style>", "</head>", "<body>"]
    for b in blocks:
        if isinstance(b, Heading):
            out.append(f"<h{b.level}>{_inline_html(b.text)}</h{b.level}>")
        elif isinstance(b, Para):
            out.append(f"<p>{_inline_html(b.text)}</p>")
        elif isinstance(b, Table):
            out.append("<table>")
            out.append("<thead><tr>" + "".join(f"<th>{_inline_html(h)}</th>" for h in b.header) + "</tr></thead>")
            out.append("<tbody>")
            for row in b.rows:
                out.append("<tr>" + "".join(
                    f'<td class="num">{_inline_html(c)}</td>' if _is_number(c) else f"<td>{_inline_html(c)}</td>"
                    for c in row) + "</tr>")
            out.append("</tbody></table>")
        elif isinstance(b, Image):
            out.append(f'<p><img src="{html.escape(b.src)}" alt="{html.escape(b.alt)}"></p>')
        elif isinstance(b, Code):
            captions = "".join(f"<th>{_inline_html(caption)}</th>" for caption, _ in b.columns)
            codes = "".join(f"<td><pre>{html.escape(chr(10).join(_numbered(c)))}</pre></td>" for _, c in b.columns)
            out.append(f'<table class="code"><tr>{captions}</tr><tr>{codes}</tr></table>')
        elif isinstance(b, Bullets):
            out.append("<ul>" + "".join(f"<li><strong>{_inline_html(bold)}</strong>: {_inline_html(rest)}</li>"
                                        for bold, rest in b.items) + "</ul>")
    out += ["</body>", "</html>"]
    return "\n".join(out) + "\n"


# -- the report ----------------------------------------------------------------------------------
def _points(x: float) -> str:
    return f"{x:g}"


def _histogram(path: Path, assignment: str, totals: list[float], auto_max: float) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np
    from matplotlib.ticker import MaxNLocator

    fig, ax = plt.subplots(figsize=(7, 3.5))
    top = max(auto_max, 1.0)
    if all(float(t).is_integer() for t in totals) and top <= 60:
        bins = np.arange(-0.5, int(top) + 1.5)  # one bar per whole point, centred on it
        ax.set_xlim(-0.5, int(top) + 0.5)
    else:
        bins = np.linspace(0, top, 21)
    ax.hist(totals, bins=bins, color="tab:blue", edgecolor="white")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel(f"autograded score (out of {auto_max:g})")
    ax.set_ylabel("students")
    ax.set_title(f"{assignment}: {len(totals)} submissions")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)


def _test_titles(course, assignment: str) -> dict[str, str]:
    """grade_id -> what the test checks (its docstring's first line), from the released notebooks."""
    titles = {}
    for path in sorted((course.root / "exercises" / assignment).glob("*.ipynb")):
        for cell in nbformat.read(path, as_version=4).cells:
            meta = cell.metadata.get("nbgrader", {})
            if meta.get("grade") and cell.cell_type == "code":
                titles[meta["grade_id"]] = what_it_tests(cell.source)
    return titles


MAX_PAIRS = 20  # similar pairs shown with their lines; all of them are in similar.csv


def similarity_blocks(course, assignment: str, out_dir: Path) -> list:
    """The report's section on similar submissions (similarity.py), and OUT_DIR/similar.csv with every pair."""
    import csv

    from similarity import THRESHOLD, course_pairs

    pairs = course_pairs(course, assignment, THRESHOLD)
    with open(out_dir / "similar.csv", "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh, lineterminator="\n")
        writer.writerow(["student_a", "student_b", "similarity_a", "similarity_b", "cells"])
        writer.writerows([p.a, p.b, p.similarity_a, p.similarity_b, " ".join(c.cell for c in p.cells)] for p in pairs)
    percent = f"{100 * THRESHOLD:.0f}%"
    blocks: list = [Heading("Similar submissions"), Para(
        f"Pairs of submissions whose answer cells share {percent} or more of their code, compared cell by cell "
        "after every name is made alike, comments and layout dropped, and the release's own code in those "
        "cells taken out (copydetect's winnowing, `autograder/similarity.py`). Similar code is a reason to "
        "read both submissions, not a verdict: the matching lines are below.")]
    if not pairs:
        return blocks + [Para(f"No two submissions share {percent} or more of their answer code.")]
    blocks.append(Table(["student A", "student B", "of A's code", "of B's code", "cells with matching lines"],
                        [[p.a, p.b, f"{100 * p.similarity_a:.0f}%", f"{100 * p.similarity_b:.0f}%",
                          ", ".join(c.cell for c in p.cells)] for p in pairs[:MAX_PAIRS]]))
    if len(pairs) > MAX_PAIRS:
        blocks.append(Para(f"{len(pairs) - MAX_PAIRS} more pairs in `similar.csv` (all {len(pairs)})."))
    for p in pairs[:MAX_PAIRS]:
        blocks.append(Heading(f"{p.a} and {p.b}: {100 * p.similarity_a:.0f}% and {100 * p.similarity_b:.0f}%", 3))
        for c in p.cells:
            blocks.append(Code([(f"{c.cell}: {p.a}", c.lines_a), (f"{c.cell}: {p.b}", c.lines_b)]))
    return blocks


def grading_blocks(grading) -> list:
    """The section on this run's grading (an engine.BatchReport): where it ran, how many submissions each
    worker graded, which it could not, how many were already graded."""
    if grading is None or not grading.run:
        return []
    blocks = [Heading("Grading"),
              Para(f"{len(grading.graded)} submissions graded in this run"
                   + (f" on {grading.engine}" if grading.engine else "")
                   + (f" ({grading.rate():.1f} per minute)" if grading.graded else "")
                   + f"; {len(grading.skipped)} already graded (the same submission of the same release).")]
    workers = sorted(set(grading.workers) | set(grading.failed_on))
    if workers:
        blocks.append(Bullets([(w, f"graded {grading.workers.get(w, 0)}"
                                + (f"; not graded: {', '.join(sorted(grading.failed_on[w]))}"
                                   if grading.failed_on.get(w) else "")) for w in workers]))
    return blocks


def write_report(course, assignment: str, not_graded: dict[str, str] | None = None,
                 batch: set[str] | None = None, grading=None) -> Path:
    """Write the report; ``batch``: the students of this run (the others in the gradebook are named);
    ``grading``: the engine's BatchReport of this run (the workers, and what failed on each).
    Returns the path of report.md (report.html is beside it)."""
    not_graded = not_graded or {}
    scores = course.scores(assignment)
    out_dir = course.autograder / "reports" / assignment
    out_dir.mkdir(parents=True, exist_ok=True)

    not_in_gradebook = sorted(set(not_graded) - set(scores))
    totals = [s.auto_score for s in scores.values()] + [0.0] * len(not_in_gradebook)
    auto_max = max((s.auto_max for s in scores.values()), default=0.0)
    manual_max = max((s.manual_max for s in scores.values()), default=0.0)
    _histogram(out_dir / "scores.png", assignment, totals, auto_max)

    titles = _test_titles(course, assignment)
    tests = sorted({t.grade_id for s in scores.values() for t in s.tests})
    passed = collections.Counter()
    groups: dict[str, dict] = {}  # generalised message -> tests, students, an example
    for student, s in scores.items():
        for t in s.tests:
            passed[t.grade_id] += t.score >= t.max_score
        try:
            failed = failure_messages(course.autograded_notebook(assignment, student))
        except FileNotFoundError:
            continue
        for grade_id, message in failed.items():
            group = groups.setdefault(_generalise(message), {"tests": set(), "students": set(), "example": message})
            group["tests"].add(grade_id)
            group["students"].add(student)

    n = max(len(scores), 1)
    mean = sum(totals) / max(len(totals), 1)
    median = statistics.median(totals) if totals else 0.0
    full = sum(1 for s in scores.values() if s.auto_score >= s.auto_max and s.auto_max > 0)
    hand_done = sum(1 for s in scores.values() if s.manual_max > 0 and s.manual_pending == 0)

    blocks: list = [Heading(f"Class report: {assignment}", 1),
                    Para(f"{len(scores)} submissions graded, {len(not_graded)} could not be graded.")]
    earlier = sorted(set(scores) - set(batch)) if batch is not None else []
    if earlier:
        blocks.append(Para(f"Also in the gradebook from earlier runs: {', '.join(earlier)} (counted in this "
                           f"report; `make clean-grades` starts a fresh gradebook)."))
    blocks += [
        Heading("Points"),
        Table(["part", "points", "so far"], [
            ["autograded (the code tests)", _points(auto_max),
             f"mean {mean:.2f}, median {median:g}; full marks: {full} of {len(totals)}"],
            ["graded by hand (written answers, in the formgrader)", _points(manual_max),
             f"graded (or left unanswered, 0) for {hand_done} of {len(scores)} students" if manual_max
             else "none in this assignment"],
            ["total (grades.csv's max_score)", _points(auto_max + manual_max), ""],
        ]),
        Para("The histogram and the pass rates count the autograded points only."),
        Image("scores.png", "score histogram"),
        Heading("Pass rate of every test"),
        Table(["test", "what it checks", "passed", "rate"],
              [[t, titles.get(t, ""), f"{passed[t]} / {len(scores)}", f"{100 * passed[t] / n:.0f}%"] for t in tests]),
        Heading("Most common failure messages"),
        Para("Identical messages (up to the numbers in them) are grouped, whatever test showed them."),
        Table(["message (an example)", "tests", "students"],
              [[shorten(g["example"]), ", ".join(sorted(g["tests"])), str(len(g["students"]))]
               for g in sorted(groups.values(), key=lambda g: (-len(g["students"]), sorted(g["tests"])))[:15]]),
        Heading("Students"),
        Table(["student", f"autograded (of {_points(auto_max)})", f"by hand (of {_points(manual_max)})",
               f"total (of {_points(auto_max + manual_max)})"],
              [[student, _points(s.auto_score),
                ("not graded yet" if s.manual_pending else _points(s.manual_score)) if s.manual_max else "-",
                _points(s.auto_score + s.manual_score)] for student, s in sorted(scores.items())]),
    ]
    blocks += similarity_blocks(course, assignment, out_dir)
    if not_graded:
        blocks += [Heading("Not graded"),
                   Bullets([(student, shorten(msg.splitlines()[0] if msg else "", 500))
                            for student, msg in sorted(not_graded.items())])]
    blocks += grading_blocks(grading)
    (out_dir / "report.html").write_text(to_html(blocks, f"Class report: {assignment}"), encoding="utf-8")
    path = out_dir / "report.md"
    path.write_text(to_markdown(blocks), encoding="utf-8")
    return path
