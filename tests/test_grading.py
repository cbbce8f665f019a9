"""Every exercise autogrades as it should, through nbgrader itself (slow: runs every notebook).

For each assignment in solutions/, one temporary course is released and graded with these students:
- ``solution``: the release with the instructor's solution cells  -> full marks
- ``release``: the release untouched                             -> zero, every test failing in its own code
- ``correct_*`` (tests/answers/ASSIGNMENT/): other correct styles -> full marks
- ``wrong_*``: typical mistakes                                  -> exactly the tests they declare fail
"""

from __future__ import annotations

import filecmp
import functools

import pytest

import steps
from grading import (REPO, Course, answers, error_names, make_course, scores_from_json, scores_to_json,
                     solution_sources, submit)

ASSIGNMENTS = sorted(p.name for p in (REPO / "solutions").iterdir() if p.is_dir())
pytestmark = pytest.mark.slow
# Each assignment's batch is graded once per session (tests/steps.py), whichever worker runs its tests.
per_assignment = pytest.mark.parametrize(
    "assignment", [pytest.param(a, marks=pytest.mark.step(f"grade-{a}")) for a in ASSIGNMENTS])
COST = {"05-numpy-cnn": 200, "07-training": 240, "04-fast-convolution": 200}  # rough seconds, for the queue


@pytest.fixture
def graded(assignment):
    data = steps.result(f"grade-{assignment}")
    answers_by_name = {a.name: a for a in answers(assignment, "correct_") + answers(assignment, "wrong_")}
    return assignment, Course(data["root"]), scores_from_json(data["scores"]), answers_by_name


def _grade(assignment, folder):
    # Grade as a grader that has imported torch's compiler (as any script calling torch.optim does): it
    # exports TORCHINDUCTOR_CACHE_DIR, a folder the sandboxed kernel cannot write. That variable once
    # reached the kernels and failed every test that steps an optimiser.
    import torch._dynamo  # noqa: F401
    import os
    assert os.environ.get("TORCHINDUCTOR_CACHE_DIR")
    course = make_course(folder)
    course.release([assignment])
    solution = solution_sources(course, assignment)
    submit(course, assignment, "solution", solution)
    submit(course, assignment, "release", None)
    for answer in answers(assignment, "correct_") + answers(assignment, "wrong_"):
        submit(course, assignment, answer.name, {**solution, **answer.cells})
    course.autograde(assignment)
    return {"root": str(course.root), "scores": scores_to_json(course.scores(assignment))}


for _a in ASSIGNMENTS:
    steps.step(f"grade-{_a}", COST.get(_a, 120))(functools.partial(_grade, _a))


@per_assignment
def test_release_matches_committed_exercises(graded, assignment):
    """exercises/ is byte for byte what nbgrader generate_assignment makes from solutions/."""
    assignment, course, _, _ = graded
    fresh, committed = course.root / "exercises" / assignment, REPO / "exercises" / assignment
    names = sorted(p.name for p in fresh.rglob("*") if p.is_file())
    assert names == sorted(p.name for p in committed.rglob("*") if p.is_file()), \
        "exercises/ differs from the release: run `make release` and commit exercises/"
    mismatch = [n for n in names if not filecmp.cmp(fresh / n, committed / n, shallow=False)]
    assert not mismatch, f"stale release of {mismatch}: run `make release` and commit exercises/"


@per_assignment
def test_solution_earns_full_marks(graded, assignment):
    assignment, course, scores, _ = graded
    s = scores["solution"]
    failed = [t.grade_id for t in s.tests if t.score < t.max_score]
    assert s.auto_max > 0 and not failed, f"{assignment}: the solution fails {failed}"
    assert s.auto_score == s.auto_max


@per_assignment
def test_release_earns_zero_because_tests_fail(graded, assignment):
    assignment, course, scores, _ = graded
    s = scores["release"]
    assert s.auto_score == 0, f"{assignment}: the untouched release earns {s.auto_score}: {s.tests}"
    # Each test cell must fail on the student's stub, not on a crash earlier in the notebook.
    errors = error_names(course.autograded_notebook(assignment, "release"))
    assert errors and all(errors.values()), f"some test cells passed or did not run: {errors}"
    for grade_id, names in errors.items():
        assert set(names) <= {"NotImplementedError", "CheckFailure", "AssertionError"}, \
            f"{assignment}/{grade_id} failed with {names}, not because the stub is unimplemented"


@per_assignment
def test_correct_answers_in_other_styles_earn_full_marks(graded, assignment):
    assignment, course, scores, every = graded
    correct = [name for name in every if name.startswith("correct_")]
    assert len(correct) >= 2, f"{assignment}: need at least two alternative correct answers in tests/answers"
    for name in correct:
        s = scores[name]
        failed = [(t.grade_id, t.score, t.max_score) for t in s.tests if t.score < t.max_score]
        assert not failed, f"{assignment}/{name}: a correct answer loses marks on {failed}"


@per_assignment
def test_wrong_answers_lose_marks_exactly_where_declared(graded, assignment):
    """Each wrong answer fails exactly the test cells its `# expect-fail:` line names, and earns every
    other test's full marks: a test that fails where it should not is as wrong as one that passes."""
    assignment, course, scores, every = graded
    wrong = [a for name, a in every.items() if name.startswith("wrong_")]
    assert len(wrong) >= 3, f"{assignment}: need typical wrong answers in tests/answers"
    mismatched = {}
    for answer in wrong:
        assert answer.expect_fail, f"{answer.name}: name the tests it must fail in a '# expect-fail:' line"
        tests = {t.grade_id: t for t in scores[answer.name].tests}
        unknown = sorted(set(answer.expect_fail) - set(tests))
        assert not unknown, f"{assignment}/{answer.name} declares tests that do not exist: {unknown}"
        failed = sorted(g for g, t in tests.items() if t.score < t.max_score)
        if failed != sorted(answer.expect_fail):
            mismatched[answer.name] = {"declared": sorted(answer.expect_fail), "failed": failed}
    assert not mismatched, f"{assignment}: wrong answers that fail other tests than they declare: {mismatched}"
