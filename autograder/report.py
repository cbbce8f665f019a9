"""The class report of one assignment: score histogram, pass rate of every test, common failures.

Written to ``autograder/reports/ASSIGNMENT/``: ``report.md`` and ``scores.png``.
"""

from __future__ import annotations

import collections
import re
from pathlib import Path

import nbformat

_ANSI = re.compile(r"\x1b\[[0-9;]*m")


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
                text = f"{o.get('ename', 'Error')}: {o.get('evalue', '')}".strip()
                out[meta["grade_id"]] = _ANSI.sub("", text).splitlines()[0][:200]
                break
    return out


def _generalise(message: str) -> str:
    """Group messages that differ only in numbers (shapes, indices, values)."""
    return re.sub(r"-?\d+(\.\d+)?(e[-+]?\d+)?", "#", message)


def write_report(course, assignment: str, not_graded: dict[str, str] | None = None,
                 batch: set[str] | None = None) -> Path:
    """Write the report; ``batch``: the students of this run (the others in the gradebook are named)."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    not_graded = not_graded or {}
    scores = course.scores(assignment)
    out_dir = course.autograder / "reports" / assignment
    out_dir.mkdir(parents=True, exist_ok=True)

    totals = [s.auto_score for s in scores.values()] + [0.0] * len(set(not_graded) - set(scores))
    auto_max = max((s.auto_max for s in scores.values()), default=0.0)
    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.hist(totals, bins=min(20, max(int(auto_max), 1)), range=(0, max(auto_max, 1)), color="tab:blue",
            edgecolor="white")
    ax.set_xlabel(f"autograded score (out of {auto_max:g})")
    ax.set_ylabel("students")
    ax.set_title(f"{assignment}: {len(totals)} submissions")
    fig.tight_layout()
    fig.savefig(out_dir / "scores.png", dpi=100)
    plt.close(fig)

    tests = sorted({t.grade_id for s in scores.values() for t in s.tests})
    passed = collections.Counter()
    messages = collections.Counter()
    examples = {}
    for student, s in scores.items():
        for t in s.tests:
            passed[t.grade_id] += t.score >= t.max_score
        try:
            failed = failure_messages(course.autograded_notebook(assignment, student))
        except FileNotFoundError:
            continue
        for grade_id, message in failed.items():
            key = (grade_id, _generalise(message))
            messages[key] += 1
            examples.setdefault(key, message)

    n = max(len(scores), 1)
    lines = [f"# Class report: {assignment}", "",
             f"{len(scores)} submissions graded, {len(not_graded)} could not be graded.", "",
             f"Mean autograded score {sum(totals) / max(len(totals), 1):.2f} of {auto_max:g}; "
             f"full marks: {sum(1 for s in scores.values() if s.auto_score >= s.auto_max and s.auto_max > 0)}.",
             "", "![score histogram](scores.png)", "", "## Pass rate of every test", "",
             "| test | passed | rate |", "| --- | --- | --- |"]
    lines += [f"| {t} | {passed[t]} / {len(scores)} | {100 * passed[t] / n:.0f}% |" for t in tests]
    lines += ["", "## Most common failure messages", "", "| test | students | message (an example) |",
              "| --- | --- | --- |"]
    for (grade_id, _), count in messages.most_common(15):
        lines.append(f"| {grade_id} | {count} | {examples[(grade_id, _)].replace('|', '/')} |")
    earlier = sorted(set(scores) - set(batch)) if batch is not None else []
    if earlier:
        lines[3:3] = [f"Also in the gradebook from earlier runs: {', '.join(earlier)} (counted in this report; "
                      f"`make clean-grades` starts a fresh gradebook).", ""]
    if not_graded:
        lines += ["", "## Not graded", ""]
        lines += [f"- **{student}**: {msg.splitlines()[0][:300]}" for student, msg in sorted(not_graded.items())]
    path = out_dir / "report.md"
    path.write_text("\n".join(lines) + "\n")
    return path
