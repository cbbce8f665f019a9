"""autograder/cells.py: a submission's locked and graded cells are put back as released (fast: no
kernel; tests/test_hostile.py grades such notebooks for real)."""

from __future__ import annotations

import copy

import nbformat
import pytest

from grading import REPO

from cells import restore_cells  # noqa: E402  (autograder/cells.py, on sys.path through grading)

A = "01-convolution"
RELEASE = nbformat.read(REPO / "exercises" / A / f"{A}.ipynb", as_version=4)


def gid(cell):
    return cell.metadata.get("nbgrader", {}).get("grade_id")


def ids(nb):
    return [gid(c) for c in nb.cells if gid(c)]


def find(nb, grade_id):
    found = [c for c in nb.cells if gid(c) == grade_id]
    assert len(found) == 1, f"{grade_id} appears {len(found)} times"
    return found[0]


@pytest.fixture
def submission():
    return copy.deepcopy(RELEASE)


def restored(nb):
    out = restore_cells(nb, RELEASE)
    nbformat.validate(out)
    assert len({c.id for c in out.cells}) == len(out.cells), "cell ids are not unique"
    return out


def test_the_release_is_left_as_it_is(submission):
    assert restored(submission) == RELEASE


def test_a_deleted_test_cell_is_put_back_in_its_place(submission):
    submission.cells = [c for c in submission.cells if gid(c) != "test_zero_pad"]
    out = restored(submission)
    assert ids(out) == ids(RELEASE)
    assert find(out, "test_zero_pad") == find(RELEASE, "test_zero_pad")


def test_deleted_setup_and_consecutive_tests_are_put_back_in_order(submission):
    gone = {"setup", "test_conv2d_basic", "test_conv2d_against_torch", "test_conv2d_pairs", "test_conv2d_bias"}
    submission.cells = [c for c in submission.cells if gid(c) not in gone]
    assert ids(restored(submission)) == ids(RELEASE)


def test_a_duplicated_test_cell_is_kept_once(submission):
    i = next(k for k, c in enumerate(submission.cells) if gid(c) == "test_zero_pad")
    twin = copy.deepcopy(submission.cells[i])
    twin.id = "twin"
    twin.source = "pass"
    submission.cells.insert(i + 1, twin)
    out = restored(submission)
    assert ids(out) == ids(RELEASE) and "twin" not in [c.id for c in out.cells]


def test_a_test_cell_turned_into_markdown_is_code_again(submission):
    i = next(k for k, c in enumerate(submission.cells) if gid(c) == "test_cross_correlate2d")
    cell = submission.cells[i]
    submission.cells[i] = nbformat.v4.new_markdown_cell("nothing to test", metadata=cell.metadata, id=cell.id)
    assert find(restored(submission), "test_cross_correlate2d") == find(RELEASE, "test_cross_correlate2d")


def test_changed_points_grade_flags_and_source_are_restored(submission):
    cell = find(submission, "test_conv2d_basic")
    cell.metadata.nbgrader.update(points=100, grade=False, locked=False)
    cell.metadata.editable = True
    cell.source = "pass"
    assert find(restored(submission), "test_conv2d_basic") == find(RELEASE, "test_conv2d_basic")


def test_a_renamed_test_cell_is_ungraded_and_the_original_comes_back(submission):
    find(submission, "test_conv2d_pairs").metadata.nbgrader["grade_id"] = "my_test"
    out = restored(submission)
    assert ids(out) == ids(RELEASE)
    assert find(out, "test_conv2d_pairs") == find(RELEASE, "test_conv2d_pairs")
    renamed = [c for c in out.cells if "nbgrader" not in c.metadata and "check_array" in c.source
               and "stride=(1, 2)" in c.source]
    assert len(renamed) == 1, "the renamed copy stays as an ordinary cell"


def test_an_invented_graded_cell_earns_nothing(submission):
    submission.cells.append(nbformat.v4.new_code_cell("pass", metadata={"nbgrader": {
        "grade": True, "grade_id": "free_points", "points": 100, "locked": True, "solution": False,
        "schema_version": 3, "task": False, "cell_type": "code"}}))
    out = restored(submission)
    assert ids(out) == ids(RELEASE)
    assert out.cells[-1].source == "pass" and "nbgrader" not in out.cells[-1].metadata


def test_solution_cells_keep_the_students_code_with_the_release_metadata(submission):
    cell = find(submission, "zero_pad")
    cell.source = "def zero_pad(x, padding):\n    return 'mine'\n"
    cell.metadata.nbgrader.update(points=50, grade=True)
    cell.metadata.tags = ["mine"]
    out = find(restored(submission), "zero_pad")
    assert out.source == cell.source and out.metadata.tags == ["mine"]
    assert out.metadata.nbgrader == find(RELEASE, "zero_pad").metadata.nbgrader


def test_a_duplicated_solution_cell_keeps_the_first_graded_and_the_second_as_plain_code(submission):
    i = next(k for k, c in enumerate(submission.cells) if gid(c) == "zero_pad")
    twin = copy.deepcopy(submission.cells[i])
    twin.id = "twin"
    submission.cells.insert(i + 1, twin)
    out = restored(submission)
    assert ids(out) == ids(RELEASE)
    assert "nbgrader" not in next(c for c in out.cells if c.id == "twin").metadata


def test_a_deleted_written_answer_comes_back_as_the_release_stub(submission):
    submission.cells = [c for c in submission.cells if gid(c) != "written_flip"]
    out = restored(submission)
    assert find(out, "written_flip") == find(RELEASE, "written_flip")
