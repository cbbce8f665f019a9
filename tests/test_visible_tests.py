"""The visible tests guide: the part of each test cell that students see and run (above `### BEGIN HIDDEN
TESTS`) catches the typical mistakes of tests/answers and names them (fast: no nbgrader, no kernel).

Each wrong answer declares, besides its `# expect-fail:` line (the test cells grading fails, checked by
tests/test_grading.py), the test cells whose *visible* part it fails, and hints that those failures must show:

    # visible-fail: test_zero_pad test_conv2d_against_torch
    # visible-hint: test_zero_pad: You padded on one side only

The release's cells run in this process with the answer's cells substituted (tests/visible.py; for the
exercises that autograder/checker.py checks, the way the checker runs them), and the test cells that fail
must be exactly the declared ones; a visible failure is a graded failure, so they are among the
expect-fail ones. The solution and the correct answers pass every visible test.
"""

from __future__ import annotations

import functools
import re

import pytest

from grading import ANSWERS, REPO, answers, solution_cells
from visible import run_visible

ASSIGNMENTS = ["01-convolution", "02-pooling-activations", "06-pytorch-models", "07-training",
               "08-transfer-augmentation"]
# Test cells that take seconds (exercise 07's test_fit trains a CNN for 12 epochs): they run only for the
# answers declared to fail them, which fail on their first checks, before the training; the solution and
# the correct answers are shown to pass them by tests/test_grading.py.
EXPENSIVE = {"07-training": frozenset({"test_fit"})}
# The mistakes the visible tests must name (issue 16), among the declarations of the answer files.
REQUIRED_HINTS = [
    ("01-convolution", "wrong_flipped_kernel", "test_cross_correlate2d", "cross-correlation does not flip"),
    ("01-convolution", "wrong_flipped_kernel", "test_conv2d_basic", "you flipped the kernel"),
    ("01-convolution", "wrong_pad_one_side", "test_zero_pad", "padded on one side only"),
    ("06-pytorch-models", "wrong_residual_relu_before_add", "test_residual_identity", "relu before the addition"),
]


def declarations(assignment: str, name: str) -> tuple[list[str] | None, dict[str, list[str]]]:
    """The `# visible-fail:` test ids (None without such a line) and `# visible-hint:` texts of an answer file."""
    header = (ANSWERS / assignment / f"{name}.py").read_text().split("# %% [")[0]
    line = re.search(r"^# visible-fail:(.*)$", header, re.M)
    hints: dict[str, list[str]] = {}
    for test, text in re.findall(r"^# visible-hint: (\w+): (.+?)\s*$", header, re.M):
        hints.setdefault(test, []).append(text)
    return (line.group(1).split() if line else None), hints


@functools.cache
def outcomes(assignment: str) -> dict[str, dict]:
    """answer name -> {grade_id: Outcome} of the visible tests ('solution' too), computed on one thread (the
    tensors are small; on shared cores more threads only wait for each other), as exercises 07 and 08 do."""
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        return _outcomes(assignment)
    finally:
        torch.set_num_threads(threads)  # the setup cells of 07 and 08 set it too


def _outcomes(assignment: str) -> dict[str, dict]:
    solution = solution_cells(REPO / "solutions" / assignment)
    expensive = EXPENSIVE.get(assignment, frozenset())
    out = {"solution": run_visible(assignment, solution, skip=expensive)}
    for answer in answers(assignment, "correct_") + answers(assignment, "wrong_"):
        declared = set(declarations(assignment, answer.name)[0] or ())
        out[answer.name] = run_visible(assignment, {**solution, **answer.cells}, skip=expensive - declared)
    return out


def failed(results: dict) -> dict[str, str]:
    return {grade_id: o.error for grade_id, o in results.items() if o.error is not None}


@pytest.mark.parametrize("assignment", ASSIGNMENTS)
def test_visible_tests_pass_the_correct_answers_and_fail_the_wrong_ones_where_declared(assignment):
    """One test per exercise (its answers run once, whatever worker runs it)."""
    results = outcomes(assignment)
    problems = [f"{name}: visible tests fail a correct answer: {failed(r)}" for name, r in results.items()
                if not name.startswith("wrong_") and failed(r)]
    for answer in answers(assignment, "wrong_"):
        declared, hints = declarations(assignment, answer.name)
        if not declared:
            problems.append(f"{answer.name}: declares no '# visible-fail:' test cells (every wrong answer should "
                            f"fail a visible test)")
            continue
        if not set(declared) <= set(answer.expect_fail):
            problems.append(f"{answer.name}: visible-fail {sorted(set(declared) - set(answer.expect_fail))} not "
                            f"among its expect-fail tests (a visible failure is a graded failure)")
        got = failed(results[answer.name])
        if sorted(got) != sorted(declared):
            problems.append(f"{answer.name}: the visible tests failed are {sorted(got)}, declared {sorted(declared)}"
                            + "".join(f"\n    {g}: {got[g]}" for g in sorted(set(got) - set(declared))))
        for grade_id, texts in hints.items():
            if grade_id not in declared:
                problems.append(f"{answer.name}: a visible-hint for {grade_id}, which it does not declare to fail")
            for text in texts:
                if grade_id in got and text.lower() not in got[grade_id].lower():
                    problems.append(f"{answer.name}: {grade_id} fails without naming the mistake {text!r}:\n    "
                                    f"{got[grade_id]}")
    assert not problems, f"{assignment}:\n" + "\n".join(problems)


@pytest.mark.parametrize("assignment, answer, grade_id, text", REQUIRED_HINTS)
def test_the_common_mistakes_are_declared(assignment, answer, grade_id, text):
    """The answer file declares that the test fails visibly naming the mistake (the test above checks it does)."""
    declared, hints = declarations(assignment, answer)
    assert grade_id in (declared or []) and any(text.lower() in h.lower() for h in hints.get(grade_id, [])), \
        f"{assignment}/{answer} must declare that {grade_id} fails visibly naming {text!r}"
