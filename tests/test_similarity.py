"""Similar submissions in the class report (autograder/similarity.py): a copy with renamed variables is
flagged with its matching lines; independently written correct answers of other styles are not."""

from __future__ import annotations

import ast
import csv
import html
import io
import tokenize

import pytest

from grading import REPO, answers, make_course, solution_cells, solution_sources, submit

import similarity  # noqa: E402  (autograder/, on sys.path through grading)
from report import similarity_blocks, to_html, to_markdown  # noqa: E402

A = "01-convolution"


def renamed(code: str) -> str:
    """CODE with every argument and local variable renamed (my_NAME_N), its comments dropped and its
    layout changed by tokenize's own spacing: what a student copying another's answer does first."""
    tree = ast.parse(code)
    names = {a.arg for n in ast.walk(tree) if isinstance(n, ast.arguments) for a in n.args + n.kwonlyargs}
    names |= {n.id for n in ast.walk(tree) if isinstance(n, ast.Name) and isinstance(n.ctx, ast.Store)}
    mapping = {name: f"my_{name.lower()}_{i}" for i, name in enumerate(sorted(names))}
    tokens = [(t.type, mapping.get(t.string, t.string) if t.type == tokenize.NAME else t.string)
              for t in tokenize.generate_tokens(io.StringIO(code).readline) if t.type != tokenize.COMMENT]
    out = tokenize.untokenize(tokens)
    assert out != code and not set(mapping) & {t.string for t in tokenize.generate_tokens(io.StringIO(out).readline)}
    return out


@pytest.fixture(scope="module")
def submissions():
    """student -> answer cells: the solution, a renamed copy of it, the correct answers of other styles."""
    sol = solution_cells(REPO / "solutions" / A)
    out = {"solution": sol, "copy_of_solution": {k: renamed(v) for k, v in sol.items()}}
    for answer in answers(A, "correct_"):
        assert set(answer.cells) == set(sol), f"{answer.name} must replace every answer cell"
        out[answer.name] = answer.cells
    return out


def release():
    return similarity.answer_cells(sorted((REPO / "exercises" / A).glob("*.ipynb")))


def test_renamed_copy_is_flagged_and_independent_solutions_are_not(submissions):
    pairs = similarity.similar_pairs(submissions, release())
    assert [(p.a, p.b) for p in pairs] == [("copy_of_solution", "solution")], \
        [(p.a, p.b, p.similarity_a, p.similarity_b) for p in pairs]
    (pair,) = pairs
    assert pair.similarity_a >= 0.95 and pair.similarity_b >= 0.95
    assert {c.cell for c in pair.cells} == set(submissions["solution"])
    # the matching lines are the students' own code, numbered as in their cells, not the release's
    conv = next(c for c in pair.cells if c.cell == "conv2d_forward")
    sol_lines = submissions["solution"]["conv2d_forward"].splitlines()
    assert conv.lines_b and all(sol_lines[n - 1] == line for n, line in conv.lines_b)
    assert not any("NotImplementedError" in line for _, line in conv.lines_a + conv.lines_b)


def test_independent_solutions_stay_well_below_the_threshold(submissions):
    """The margin the threshold has: the most similar pair of independently written answers."""
    independent = {k: v for k, v in submissions.items() if k != "copy_of_solution"}
    pairs = similarity.similar_pairs(independent, release(), threshold=0.0, min_shared=0)
    assert len(pairs) <= 3 and pairs, pairs
    assert max(p.similarity for p in pairs) <= similarity.THRESHOLD - 0.1, [(p.a, p.b, p.similarity) for p in pairs]


def test_the_release_itself_is_boilerplate():
    """Answers left as released (signature, docstring, raise NotImplementedError) have nothing to compare;
    the untouched release and a copy of it are never a pair."""
    rel = release()
    assert similarity.similar_pairs({"a": rel, "b": dict(rel), "c": dict(rel)}, rel, threshold=0.0) == []


def test_short_answers_are_not_listed():
    """A one-line answer has few ways to be written: two equal ones share too little code to be listed."""
    rel = {"f": "def f(n, k):\n    raise NotImplementedError()\n"}
    same = {"f": "def f(n, k):\n    return (n - k) // 2 + 1\n"}
    assert similarity.similar_pairs({"a": same, "b": dict(same)}, rel) == []
    assert similarity.similar_pairs({"a": same, "b": dict(same)}, rel, min_shared=0)


def test_report_section_from_submitted_notebooks(tmp_path, submissions):
    """The class report's section, from the notebooks in autograder/submitted: the pair, its percentages
    and its lines side by side in HTML, one after the other in Markdown; similar.csv lists it."""
    course = make_course(tmp_path / "course")
    for student, cells in submissions.items():
        submit(course, A, student, cells)
    submit(course, A, "untouched", None)
    out = tmp_path / "report"
    out.mkdir()
    blocks = similarity_blocks(course, A, out)
    md, page = to_markdown(blocks), to_html(blocks, "report")
    assert "## Similar submissions" in md
    assert "| copy_of_solution | solution | 100% | 100% | conv_output_size, " in md, md
    assert "### copy_of_solution and solution: 100% and 100%" in md
    line = next(line for line in submissions["solution"]["conv2d_forward"].splitlines() if "zero_pad(" in line)
    assert line in md and html.escape(line) in page
    assert '<table class="code"><tr><th>conv2d_forward: copy_of_solution</th><th>conv2d_forward: solution</th>' \
        in page
    assert "correct_loops" not in md and "untouched" not in md
    rows = list(csv.DictReader((out / "similar.csv").open()))
    assert [(r["student_a"], r["student_b"]) for r in rows] == [("copy_of_solution", "solution")]


def test_report_section_without_pairs(tmp_path):
    course = make_course(tmp_path / "course")
    submit(course, A, "solution", solution_sources(course, A))
    submit(course, A, "untouched", None)
    (tmp_path / "r").mkdir()
    md = to_markdown(similarity_blocks(course, A, tmp_path / "r"))
    assert "No two submissions share 60% or more of their answer code." in md
    assert (tmp_path / "r" / "similar.csv").read_text().splitlines() == \
        ["student_a,student_b,similarity_a,similarity_b,cells"]
