"""autograder/checker.py: test cells run in the grading process, and nothing the student's kernel does
changes their verdict beyond the values its functions return.

Fast tests check the plain-data format (cnncourse.remote) and the checker's pieces. The slow batch
grades, beside the solution, each hostile answer of tests/answers/01-convolution/checker_*.py: a wrong
answer plus an attack that beats a defence inside the student's process (the guard of guard.py). Each
names, in a ``# same-as:`` line, the plain wrong answer it must score exactly like, test by test.
"""

from __future__ import annotations

import re

import nbformat
import numpy as np
import pytest

import steps
from grading import (ANSWERS, REPO, Course, answers, error_names, make_course, read_answer, scores_from_json,
                     scores_to_json, solution_sources, submit)

from checker import Remote, StudentError, free_names, student_exception  # noqa: E402  (autograder/)
from cnncourse import checks, remote

A = "01-convolution"


# ------------------------------------------------------------------------------------------------
# The format: exact types in, exact types out; anything else stays where it is.
# ------------------------------------------------------------------------------------------------
def roundtrip(value):
    kept = {}

    def keep(obj):
        kept[id(obj)] = obj
        return id(obj)

    return remote.decode(remote.encode(value, keep), lambda h: ("handle", h.type, h.callable))


def test_plain_data_comes_back_in_its_exact_types():
    import torch
    value = {"a": (1, 2.5, True, None, "s"), 3: [np.arange(6, dtype=np.float32).reshape(2, 3)],
             "scalar": np.int64(7), "f": np.float32(1.5), "t": torch.ones(2, dtype=torch.bfloat16)}
    back = roundtrip(value)
    assert type(back) is dict and set(back) == {"a", 3, "scalar", "f", "t"}
    assert back["a"] == (1, 2.5, True, None, "s") and type(back["a"]) is tuple and type(back["a"][2]) is bool
    array = back[3][0]
    assert type(array) is np.ndarray and array.dtype == np.float32 and np.array_equal(array, value[3][0])
    assert type(back["scalar"]) is np.int64 and back["scalar"] == 7 and type(back["f"]) is np.float32
    assert type(back["t"]) is torch.Tensor and back["t"].dtype == torch.bfloat16 and back["t"].tolist() == [1, 1]


def test_subclasses_and_other_objects_stay_handles():
    class SneakyInt(int):
        def __eq__(self, other):
            return True

    class AnyArray(np.ndarray):
        pass

    assert roundtrip(SneakyInt(3))[0] == "handle"
    assert roundtrip(np.zeros(3).view(AnyArray))[0] == "handle"
    assert roundtrip(np.array([object()]))[0] == "handle"  # never pickled
    assert roundtrip(len) == ("handle", "builtin_function_or_method", True)
    with pytest.raises(TypeError):
        remote.encode(object())  # without a place to keep it, refused


def test_malformed_replies_are_refused():
    for bad in ({"t": "ndarray", "npy": "AAAA"}, {"t": "nonsense"}, [1, 2], {"t": "tuple", "v": 3}):
        with pytest.raises((ValueError, TypeError, KeyError)):
            remote.decode(bad, lambda h: h)


def test_student_exceptions_are_raised_as_builtins_or_derived_classes():
    def err(name, module="builtins", mro=()):
        return student_exception({"type": name, "module": module, "message": "m", "mro": list(mro)})

    assert type(err("ValueError")) is ValueError and str(err("ValueError")) == "m"
    assert type(err("NotImplementedError")) is NotImplementedError
    mine = err("MyError", "__main__", [["__main__", "MyError"], ["builtins", "ValueError"], ["builtins", "Exception"]])
    assert isinstance(mine, ValueError) and type(mine).__name__ == "MyError"
    for name in ("SystemExit", "KeyboardInterrupt", "StopIteration", "GeneratorExit"):
        e = err(name)
        assert isinstance(e, StudentError) and not isinstance(e, (SystemExit, KeyboardInterrupt, StopIteration))
    assert isinstance(err("UnicodeDecodeError"), StudentError)  # another signature: not built from a message


def test_a_proxy_exposes_no_special_attributes():
    proxy = Remote(None, remote.Handle(1, "__main__.Anything", False))
    for name in ("__array_interface__", "__array__", "_private", "__class__x"):
        with pytest.raises(AttributeError):
            getattr(proxy, name)
    assert "expected a numpy.ndarray" in _failure(lambda: checks.check_array(proxy, "f()"))
    assert "__main__.Anything" in _failure(lambda: checks.check_array(proxy, "f()"))


def _failure(func) -> str:
    with pytest.raises(checks.CheckFailure) as info:
        func()
    return str(info.value)


def test_free_names_are_the_names_a_cell_reads_and_never_binds():
    source = ("import torch\nx = rng.standard_normal(3)\ndef reference(a, b=None):\n    return F(a) + helper\n"
              "for i in range(3):\n    got = conv(x, i)\ntry:\n    pass\nexcept ValueError as e:\n    print(e)\n")
    assert free_names(source) == ["F", "conv", "helper", "rng"]


def test_call_each_and_call_with_inputs_work_on_plain_functions():
    outcomes = checks.call_each(lambda a, b=0: 1 // (a - b), [((2,), {}), ((1,), {"b": 1})])
    assert outcomes[0].get() == 0
    with pytest.raises(ZeroDivisionError):
        outcomes[1].get()
    x = np.zeros(2)
    value, (x_after,), kwargs = checks.call_with_inputs(lambda v: v.__setitem__(0, 5) or "r", x)
    assert value == "r" and x_after is x and x[0] == 5 and kwargs == {}


# ------------------------------------------------------------------------------------------------
# Hostile submissions, graded for real.
# ------------------------------------------------------------------------------------------------
HOSTILE = answers(A, "checker_")


def same_as(name: str) -> str:
    text = (ANSWERS / A / f"{name}.py").read_text()
    return re.search(r"^# same-as:\s*(\S+)", text, re.M).group(1)


def _sandbox_available() -> bool:
    from sandbox import unshare_prefix
    return unshare_prefix() is not None


@pytest.fixture
def batch():
    if not _sandbox_available():
        pytest.skip("no sandbox here: `unshare --net --mount` needs root or user namespaces")
    data = steps.result("checker-batch")
    return Course(data["root"]), scores_from_json(data["scores"]), data["failures"]


@steps.step("checker-batch", cost=300)
def _grade_checker_batch(folder):
    course = make_course(folder)
    course.release([A])
    sol = solution_sources(course, A)
    submit(course, A, "solution", sol)
    for name in sorted({same_as(a.name) for a in HOSTILE}):
        submit(course, A, name, {**sol, **read_answer(ANSWERS / A / f"{name}.py").cells})
    for answer in HOSTILE:
        submit(course, A, answer.name, {**sol, **answer.cells})
    failures = course.autograde(A, jobs=2)
    return {"root": str(course.root), "scores": scores_to_json(course.scores(A)), "failures": failures}


def by_test(scores, student):
    return {t.grade_id: t.score for t in scores[student].tests}


def hidden_lines() -> list[str]:
    """Every line of the hidden tests long enough to be recognised (and not also in the visible tests)."""
    nb = nbformat.read(REPO / "solutions" / A / f"{A}.ipynb", as_version=4)
    visible, hidden = set(), set()
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and "### BEGIN HIDDEN TESTS" in cell.source:
            head, _, rest = cell.source.partition("### BEGIN HIDDEN TESTS")
            visible.update(line.strip() for line in head.splitlines())
            hidden.update(line.strip() for line in rest.split("### END HIDDEN TESTS")[0].splitlines())
    return sorted(line for line in hidden - visible if len(line) >= 25)


@pytest.mark.slow
@pytest.mark.step("checker-batch")
def test_the_solution_keeps_full_marks_beside_hostile_submissions(batch):
    course, scores, failures = batch
    assert not failures, failures
    assert scores["solution"].auto_score == scores["solution"].auto_max == 23


@pytest.mark.slow
@pytest.mark.step("checker-batch")
@pytest.mark.parametrize("name", [a.name for a in HOSTILE])
def test_an_attack_earns_exactly_what_the_same_wrong_answer_earns_without_it(batch, name):
    course, scores, failures = batch
    assert name not in failures, failures.get(name)
    baseline = same_as(name)
    assert by_test(scores, name) == by_test(scores, baseline), (by_test(scores, name), by_test(scores, baseline))
    assert scores[name].auto_score < 23
    declared = next(a.expect_fail for a in HOSTILE if a.name == name)
    failed = sorted(t.grade_id for t in scores[name].tests if t.score < t.max_score)
    assert failed == sorted(declared), f"{name} fails {failed}, declares {sorted(declared)}"


@pytest.mark.slow
@pytest.mark.step("checker-batch")
def test_hidden_tests_never_reach_the_graded_outputs(batch):
    """The test cells never enter the kernel, so In, _ih, gc and the callers' frames hold no hidden test;
    the checker's error outputs show messages, not source lines."""
    course, scores, _ = batch
    lines = hidden_lines()
    assert len(lines) > 20
    for student in scores:
        nb = nbformat.read(course.autograded_notebook(A, student), as_version=4)
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        text = "\n".join(str(o.get("text", "")) + str(o.get("evalue", "")) + "\n".join(o.get("traceback", []))
                         + str(o.get("data", "")) for o in outputs)
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{student}: hidden test lines in the outputs: {leaked[:3]}"
    leak = nbformat.read(course.autograded_notebook(A, "checker_leak_hidden"), as_version=4)
    assert any("IN:" in o.get("text", "") for c in leak.cells for o in c.get("outputs", [])), "the attack did not run"


@pytest.mark.slow
@pytest.mark.step("checker-batch")
def test_torch_cannot_be_imported_in_the_kernel_by_any_route(batch):
    course, scores, _ = batch
    for name in ("checker_torch_thread", "checker_torch_map", "checker_torch_importlib", "wrong_calls_torch"):
        nb = nbformat.read(course.autograded_notebook(A, name), as_version=4)
        text = "\n".join(str(o.get("text", "")) + str(o.get("evalue", "")) for c in nb.cells
                         if c.metadata.get("nbgrader", {}).get("grade_id") == "test_conv2d_basic" for o in c.outputs)
        assert "torch is not available in this exercise (NumPy only)" in text, (name, text[-2000:])
        errors = error_names(course.autograded_notebook(A, name), ["test_conv2d_basic"])["test_conv2d_basic"]
        assert errors, name
