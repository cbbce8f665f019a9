"""benchmarks/mutants.py (make mutants): its mutants come from mutmut's operators and only touch the student's
part of a solution cell; a mutant that changes behaviour is killed, an unchanged copy survives (so the
harness can report a survivor), a run that never ends is killed by the time limit; and every entry of
tests/mutants_equivalent.txt still names a mutant that the solutions have."""

from __future__ import annotations

import sys
from collections import Counter

import nbformat
import pytest

from grading import REPO

sys.path.insert(0, str(REPO / "benchmarks"))
import mutants  # noqa: E402  (benchmarks/mutants.py)

SOLUTION = '''def clip(x, low, high):
    """x limited to [low, high]; ValueError if low > high."""
    ### BEGIN SOLUTION
    if low > high:
        raise ValueError("low must not exceed high")
    if x < low:
        return low
    return min(x, high)
    ### END SOLUTION
'''
TESTS = '''"""clip: below, inside and above the range, and a ValueError for an empty range."""
assert clip(-1, 0, 5) == 0
assert clip(7, 0, 5) == 5
assert clip(3, 0, 5) == 3
try:
    clip(1, 2, 0)
except ValueError:
    pass
else:
    raise AssertionError("clip(1, 2, 0) should raise ValueError")
'''


def _cell(source: str, **nbgrader) -> nbformat.NotebookNode:
    cell = nbformat.v4.new_code_cell(source)
    cell.metadata["nbgrader"] = {"schema_version": 3, **nbgrader}
    return cell


def _exercise(tmp_path, tests: str = TESTS) -> mutants.Exercise:
    nb = nbformat.v4.new_notebook()
    nb.cells = [_cell("import math\n", grade_id="setup", locked=True, grade=False, solution=False),
                nbformat.v4.new_markdown_cell("Write `clip`."),
                _cell(SOLUTION, grade_id="clip", solution=True, grade=False, locked=False),
                _cell(tests, grade_id="test_clip", grade=True, solution=False, locked=True, points=2)]
    folder = tmp_path / "99-tiny"
    folder.mkdir()
    nbformat.write(nb, folder / "99-tiny.ipynb")
    return mutants.load_exercise(folder)


def test_mutants_come_from_mutmut_and_change_only_the_solution_lines(tmp_path):
    exercise = _exercise(tmp_path)
    assert [c.kind for c in exercise.cells] == ["other", "solution", "test"]
    generated = mutants.generate(exercise)
    changes = {(m.original, m.mutated) for m in generated}
    assert ("if x < low:", "if x <= low:") in changes          # mutmut's operator_swap_op
    assert ("return min(x, high)", "return min(high)") in changes  # its operator_arg_removal
    assert all(4 <= m.line <= 8 for m in generated), [m.line for m in generated]  # not the signature
    assert len({m.key for m in generated}) == len(generated)
    assert {m.mutated for m in generated if m.message} >= {'raise ValueError(None)',
                                                          'raise ValueError("XXlow must not exceed highXX")'}
    # the keys do not depend on where the function sits in the cell
    moved = mutants.mutants_of("clip", "\n\n" + SOLUTION)
    assert [m.key for m in moved] == [m.key for m in generated]


def test_a_changed_mutant_is_killed_an_unchanged_copy_survives_and_a_loop_times_out(tmp_path):
    exercise = _exercise(tmp_path)
    generated = mutants.generate(exercise)
    changed = next(m for m in generated if m.mutated == "return min(x, None)")     # min(x, None) raises
    equivalent = next(m for m in generated if m.mutated == "if x <= low:")      # clip(low) is low either way
    unchanged = mutants.Mutant("clip", 0, "", "", "unchanged", SOLUTION)
    looping = mutants.Mutant("clip", 0, "", "", "loops", SOLUTION.replace("return min(x, high)", "while True:\n"
                                                                                      "        pass"))
    outcomes, _ = mutants.run_exercise(exercise, [changed, unchanged, equivalent, looping],
                                       timeout_factor=1, min_timeout=2)
    assert outcomes[0].killed and outcomes[0].how.startswith("test_clip: TypeError"), outcomes[0]
    assert not outcomes[1].killed and not outcomes[2].killed, outcomes
    assert outcomes[3].killed and outcomes[3].how.startswith("timeout"), outcomes[3]

    listed = [mutants.Equivalent("99-tiny", "clip", equivalent.key, "clip(low) returns low either way", 1)]
    summary = mutants.summarize("99-tiny", [changed, unchanged, equivalent, looping], outcomes, listed,
                                {"seconds": 0})
    assert (summary["killed"], summary["surviving"], summary["equivalent"]) == (2, 1, 1)
    assert [r["key"] for r in summary["survivors"]] == ["unchanged"]
    assert summary["kill_rate"] == pytest.approx(2 / 3, abs=1e-4)


def test_every_mutant_of_the_tiny_exercise_is_run_and_counted(tmp_path):
    exercise = _exercise(tmp_path)
    generated = mutants.generate(exercise)
    outcomes, baseline = mutants.run_exercise(exercise, generated, jobs=2)
    summary = mutants.summarize("99-tiny", generated, outcomes, [], baseline)
    assert summary["generated"] == len(generated) == summary["killed"] + summary["surviving"] + summary["message_only"]
    survivors = {r["mutated"] for r in summary["survivors"]}
    assert "if x <= low:" in survivors          # the equivalent one is reported until it is listed
    assert "return min(x, None)" not in survivors
    assert summary["message_only"] >= 2         # the error's words: no test reads them


def test_a_solution_that_fails_its_own_tests_stops_the_run(tmp_path):
    exercise = _exercise(tmp_path, tests="assert clip(3, 0, 5) == 4\n")
    with pytest.raises(RuntimeError, match="the solution itself fails"):
        mutants.run_exercise(exercise, mutants.generate(exercise))


def test_the_equivalent_list_names_existing_mutants_with_reasons():
    entries = mutants.read_equivalent()
    assert entries, "tests/mutants_equivalent.txt has no entries"
    assert not [k for k, n in Counter((e.exercise, e.cell, e.key) for e in entries).items() if n > 1]
    stale = []
    for name in sorted({e.exercise for e in entries}):
        cells = {e.cell for e in entries if e.exercise == name}
        keys = {(m.cell, m.key) for m in mutants.generate(mutants.load_exercise(REPO / "solutions" / name), cells)}
        stale += [f"line {e.line}: {e.exercise} {e.cell} {e.key}" for e in entries
                  if e.exercise == name and (e.cell, e.key) not in keys]
    assert not stale, "entries that match no mutant any more (the solution changed?): " + "; ".join(stale)
    assert all(len(e.reason.split()) >= 4 for e in entries), "each entry needs a reason"
