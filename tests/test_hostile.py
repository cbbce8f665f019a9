"""Hostile and broken submissions: each is graded in one batch beside a correct submission, which
must keep its full marks, and each ends as the grading design says (see autograder/sandbox.py).

Exercise 01's tests are worth: conv_output_size 3, zero_pad 3, cross_correlate2d 4, conv2d_forward 13.
"""

from __future__ import annotations

import contextlib
import os
import socket
import threading

import nbformat
import pytest

import steps
from grading import (REPO, Course, answers, error_names, make_course, scores_from_json, scores_to_json,
                     solution_sources, submit)

pytestmark = [pytest.mark.slow, pytest.mark.step("hostile")]
A = "01-convolution"
CONV2D_TESTS = ["test_conv2d_basic", "test_conv2d_against_torch", "test_conv2d_pairs", "test_conv2d_bias"]


def _sandbox_available() -> bool:
    import sys
    sys.path.insert(0, str(REPO / "autograder"))
    from sandbox import unshare_prefix
    return unshare_prefix() is not None


@contextlib.contextmanager
def listener():
    """A TCP server on this machine's loopback: a sandboxed kernel must not reach it."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen()
    server.settimeout(0.2)
    hits = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
                hits.append(1)
                conn.sendall(b"solutions here")
                conn.close()
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield server.getsockname()[1], hits
    finally:
        stop.set()
        server.close()


@pytest.fixture
def batch():
    if not _sandbox_available():
        pytest.skip("no sandbox here: `unshare --net --mount` needs root or user namespaces")
    data = steps.result("hostile")
    return Course(data["root"]), scores_from_json(data["scores"]), data["failures"], data["hits"]


@steps.step("hostile", cost=400)
def _grade_hostile_batch(folder):
    with listener() as (port, hits):
        course, failures = _grade_batch(folder, port)
    return {"root": str(course.root), "scores": scores_to_json(course.scores(A)), "failures": failures,
            "hits": len(hits)}


def hostile_answers():
    """tests/answers/01-convolution/hostile_*.py: each a submission's replacement cells (the solution's elsewhere)."""
    return answers(A, "hostile_")


def _grade_batch(folder, port):
    course = make_course(folder)
    course.release([A])
    sol = solution_sources(course, A)
    fill = {"{{COURSE_ROOT}}": str(course.root), "{{REPO}}": str(REPO), "{{LISTENER_PORT}}": str(port)}

    submit(course, A, "correct", sol)
    for answer in hostile_answers():
        cells = {}
        for grade_id, source in answer.cells.items():
            for placeholder, value in fill.items():
                source = source.replace(placeholder, value)
            cells[grade_id] = source
        submit(course, A, answer.name.removeprefix("hostile_"), {**sol, **cells})
    # locked test cells rewritten by the student to pass
    edited = submit(course, A, "edited_tests", None) / f"{A}.ipynb"
    nb = nbformat.read(edited, as_version=4)
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and cell.cell_type == "code":
            cell.source = "pass"
    nbformat.write(nb, edited)
    for student, cells in (("tampered_stubs", None), ("tampered_correct", sol)):
        tamper(submit(course, A, student, cells) / f"{A}.ipynb")
    broken = submit(course, A, "invalid_json", None) / f"{A}.ipynb"
    broken.write_text('{"cells": [ this is not json')

    # A secret in the grader's environment (an LMS token, say) must not reach student code.
    old = {k: os.environ.get(k) for k in ("CNN_GRADE_CELL_TIMEOUT", "CNN_GRADE_MEMORY_MB", "LMS_API_TOKEN")}
    # 30 s per cell (and per call of a student's function from a test: autograder/checker.py): short for
    # the infinite loop, long enough for test_conv_output_size's 2340 hidden cases on a loaded machine.
    os.environ.update(CNN_GRADE_CELL_TIMEOUT="30", CNN_GRADE_MEMORY_MB="6144", LMS_API_TOKEN="hunter2")
    try:
        failures = course.autograde(A, jobs=2)
    finally:
        for k, v in old.items():
            os.environ.pop(k) if v is None else os.environ.__setitem__(k, v)
    return course, failures


TAMPERED = {  # what tamper() does to each test cell
    "deleted": "test_conv_output_size", "duplicated": "test_zero_pad", "markdown": "test_cross_correlate2d",
    "points_100": "test_conv2d_basic", "renamed": "test_conv2d_pairs"}


def tamper(path):
    """Every way of changing the test cells' structure at once, each on its own test cell (TAMPERED),
    and an invented graded cell worth 100 points that passes."""
    nb = nbformat.read(path, as_version=4)

    def index(grade_id):
        return next(i for i, c in enumerate(nb.cells) if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id)

    del nb.cells[index(TAMPERED["deleted"])]
    twin_meta = nb.cells[index(TAMPERED["duplicated"])].metadata
    twin = nbformat.from_dict(nbformat.v4.new_code_cell("pass", metadata=twin_meta))
    nb.cells.insert(index(TAMPERED["duplicated"]), twin)  # a copy that passes, before the real one
    cell = nb.cells[index(TAMPERED["markdown"])]
    nb.cells[index(TAMPERED["markdown"])] = nbformat.v4.new_markdown_cell(cell.source, metadata=cell.metadata,
                                                                          id=cell.id)
    nb.cells[index(TAMPERED["points_100"])].metadata.nbgrader["points"] = 100
    nb.cells[index(TAMPERED["renamed"])].metadata.nbgrader["grade_id"] = "my_own_test"
    nb.cells.append(nbformat.v4.new_code_cell("pass", metadata={"nbgrader": {
        "grade": True, "grade_id": "free_points", "points": 100, "locked": True, "solution": False,
        "schema_version": 3, "task": False, "cell_type": "code"}}))
    nbformat.write(nb, path)


def by_test(scores, student):
    return {t.grade_id: t.score for t in scores[student].tests}


def outputs_text(course, student, grade_id=None):
    nb = nbformat.read(course.autograded_notebook(A, student), as_version=4)
    texts = []
    for cell in nb.cells:
        cell_id = cell.metadata.get("nbgrader", {}).get("grade_id")
        if cell.cell_type == "code" and (grade_id is None or cell_id == grade_id):
            for out in cell.get("outputs", []):
                texts.append(out.get("text", "") + out.get("evalue", "") + str(out.get("ename", "")))
    return "\n".join(texts)


def test_correct_submission_keeps_full_marks(batch):
    course, scores, failures, _ = batch
    assert scores["correct"].auto_score == scores["correct"].auto_max == 23


def test_each_hostile_answer_loses_exactly_the_marks_it_declares(batch):
    """tests/answers/01-convolution/hostile_*.py: the attack gains nothing and costs nothing beyond the
    tests its `# expect-fail:` line names (those its wrong or unfinished code fails anyway)."""
    course, scores, failures, _ = batch
    mismatched = {}
    for answer in hostile_answers():
        student = answer.name.removeprefix("hostile_")
        assert student not in failures, f"{student} was not graded: {failures[student]}"
        failed = sorted(t.grade_id for t in scores[student].tests if t.score < t.max_score)
        if failed != sorted(answer.expect_fail):
            mismatched[student] = {"declared": sorted(answer.expect_fail), "failed": failed}
    assert not mismatched, mismatched


def test_infinite_loop_is_stopped_and_independent_tests_still_run(batch):
    course, scores, _, _ = batch
    t = by_test(scores, "infinite_loop")
    assert t["test_cross_correlate2d"] == 0
    assert scores["infinite_loop"].auto_score == 23 - 4, t


def test_memory_bomb_hits_the_limit_and_is_reported(batch):
    course, scores, _, _ = batch
    t = by_test(scores, "memory_bomb")
    # The limit stops the bomb with a MemoryError in the kernel, which the student sees in the feedback;
    # the kernel keeps the memory it holds (the traceback keeps the list alive), so later cells may
    # fail too. Tests that ran before keep their marks, and the rest of the batch is unaffected.
    assert t["test_zero_pad"] == 0 and all(t[g] == 0 for g in CONV2D_TESTS)
    assert t["test_conv_output_size"] == 3
    assert "MemoryError" in outputs_text(course, "memory_bomb", "test_zero_pad")


def test_sys_exit_earns_nothing_for_what_it_stops(batch):
    course, scores, _, _ = batch
    t = by_test(scores, "sys_exit")
    assert all(t[g] == 0 for g in CONV2D_TESTS) and scores["sys_exit"].auto_score == 10


@pytest.mark.parametrize("student, earned", [("os_exit", 6), ("segfault", 10)])
def test_a_dead_kernel_never_gives_marks_for_tests_that_did_not_run(batch, student, earned):
    course, scores, _, _ = batch
    assert scores[student].auto_score == earned, by_test(scores, student)
    errors = error_names(course.autograded_notebook(A, student), CONV2D_TESTS)
    assert all("TestDidNotRun" in names for names in errors.values()), errors


def test_a_million_lines_are_truncated(batch):
    course, scores, _, _ = batch
    assert scores["flood"].auto_score == 23
    nb = nbformat.read(course.autograded_notebook(A, "flood"), as_version=4)
    lines = sum(len(o.get("text", "").splitlines()) for c in nb.cells if c.cell_type == "code" for o in c.outputs)
    assert lines <= 5000, f"{lines} lines of output kept"


def test_warnings_on_stderr_do_not_cost_marks(batch):
    """The warning is raised inside zero_pad, so it lands in zero_pad's test cells (nbgrader alone
    would fail a graded cell that writes to stderr)."""
    course, scores, _, _ = batch
    assert scores["warnings"].auto_score == 23, by_test(scores, "warnings")
    assert "[stderr] " in outputs_text(course, "warnings", "test_zero_pad")


def test_solutions_gradebook_and_other_submissions_are_unreadable(batch):
    course, scores, _, _ = batch
    assert "READABLE: []" in outputs_text(course, "reads_secrets"), outputs_text(course, "reads_secrets")[:3000]
    assert "SECRET IN ENV: []" in outputs_text(course, "reads_secrets"), outputs_text(course, "reads_secrets")[:3000]


def test_network_is_blocked(batch):
    course, scores, _, hits = batch
    assert "NETWORK: ['blocked', 'blocked']" in outputs_text(course, "network")
    assert not hits, "a sandboxed kernel reached a server on the grader's loopback"
    assert scores["network"].auto_score == 23


def test_edited_test_cells_are_restored(batch):
    course, scores, _, _ = batch
    assert scores["edited_tests"].auto_max == 23
    assert scores["edited_tests"].auto_score == 0


def test_invalid_notebook_gets_a_clear_message_and_the_batch_continues(batch):
    course, scores, failures, _ = batch
    assert "invalid_json" in failures and failures["invalid_json"].strip()
    assert scores.get("invalid_json") is None or scores["invalid_json"].auto_score == 0
    assert len([s for s in scores if s != "invalid_json"]) >= 16


def graded_ids(course, student):
    nb = nbformat.read(course.autograded_notebook(A, student), as_version=4)
    return [(c.metadata["nbgrader"]["grade_id"], c.cell_type, c.metadata["nbgrader"].get("points"))
            for c in nb.cells if c.metadata.get("nbgrader", {}).get("grade")]


def test_tampered_test_cells_are_restored_and_earn_nothing_with_stubs(batch):
    """Deleted, duplicated, Markdown, 100-point and renamed test cells, and an invented graded cell: the
    release's test cells run (and fail on the stubs) exactly once each, at their own points."""
    course, scores, failures, _ = batch
    assert "tampered_stubs" not in failures, failures.get("tampered_stubs")
    s = scores["tampered_stubs"]
    assert (s.auto_score, s.auto_max) == (0, 23), by_test(scores, "tampered_stubs")
    release = nbformat.read(course.root / "exercises" / A / f"{A}.ipynb", as_version=4)
    expected = [(c.metadata["nbgrader"]["grade_id"], c.cell_type, c.metadata["nbgrader"].get("points"))
                for c in release.cells if c.metadata.get("nbgrader", {}).get("grade")]
    assert graded_ids(course, "tampered_stubs") == expected
    errors = error_names(course.autograded_notebook(A, "tampered_stubs"))
    assert all("NotImplementedError" in errors[g] for g in TAMPERED.values()), errors


def test_tampered_test_cells_with_a_correct_solution_earn_exactly_full_marks(batch):
    """The restored tests run and pass; the duplicate, the 100 points and the invented cell add nothing."""
    course, scores, failures, _ = batch
    s = scores["tampered_correct"]
    assert (s.auto_score, s.auto_max) == (23, 23), by_test(scores, "tampered_correct")
    assert "free_points" not in by_test(scores, "tampered_correct")
    assert len(graded_ids(course, "tampered_correct")) == len(set(graded_ids(course, "tampered_correct")))


def test_objects_that_claim_to_be_right_earn_nothing(batch):
    """An int subclass equal to anything whose int() reads the expected value from the checking
    function's frame, an ndarray subclass, an object equal to everything: each test fails on the type."""
    course, scores, _, _ = batch
    t = by_test(scores, "fake_types")
    assert t["test_conv_output_size"] == t["test_zero_pad"] == t["test_cross_correlate2d"] == 0, t
    assert scores["fake_types"].auto_score == 13, t  # conv2d_forward is right and keeps its marks
    assert "expected an int" in outputs_text(course, "fake_types", "test_conv_output_size")
    for grade_id in ("test_zero_pad", "test_cross_correlate2d"):
        assert "expected a numpy.ndarray" in outputs_text(course, "fake_types", grade_id)


def test_cuda_in_a_numpy_exercise_fails_that_test_only(batch):
    """Exercise 01's kernel cannot import torch at all (autograder/checker.py), GPU or not."""
    course, scores, _, _ = batch
    t = by_test(scores, "cuda")
    assert t["test_cross_correlate2d"] == 0 and scores["cuda"].auto_score == 23 - 4, t
    text = outputs_text(course, "cuda", "test_cross_correlate2d")
    assert "torch is not available in this exercise (NumPy only)" in text, text[-2000:]


def test_monkeypatched_checks_numpy_torch_builtins_and_names_gain_nothing(batch):
    """Wrong answers with every kind of monkeypatch (module functions, builtins, a class's method, the
    tests' own names, patches made while a test calls the student's function): every test runs and
    fails on its checks (the tests run in the grader's checker, autograder/checker.py)."""
    course, scores, failures, _ = batch
    assert "monkeypatch" not in failures, failures.get("monkeypatch")
    assert scores["monkeypatch"].auto_score == 0, by_test(scores, "monkeypatch")
    errors = error_names(course.autograded_notebook(A, "monkeypatch"))
    assert errors, errors
    assert all(names and set(names) <= {"CheckFailure", "AssertionError"} for names in errors.values()), errors
    # the graded notebook is the student's, without the guard's cells
    nb = nbformat.read(course.autograded_notebook(A, "monkeypatch"), as_version=4)
    assert not any("gi_frame" in c.source or "cnn_guard" in c.source or c.metadata.get("cnn_guard") for c in nb.cells)
