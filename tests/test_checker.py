"""autograder/checker.py: test cells run in the grading process, and nothing the student's kernel does
changes their verdict beyond the values its functions return.

Fast tests check the plain-data format (cnncourse.remote) and the checker's pieces. The slow tests read
each checked exercise's grading batch (test_grading.py's step grade-ASSIGNMENT, graded once per session),
which holds, beside the solution and the wrong answers, each hostile answer
tests/answers/ASSIGNMENT/checker_*.py of the exercises that have some (01, 03, 04, 05): a wrong answer
plus an attack that beats a defence inside the student's process (the guard of guard.py), or abuses what
the checker offers the kernel (the test's own functions called back, the kernel's clock, the state it
leaves in the arguments). Each names, in a ``# same-as:`` line, the plain wrong answer of the same batch
it must score exactly like, test by test.
"""

from __future__ import annotations

import json
import re

import nbformat
import numpy as np
import pytest

import steps
import test_grading  # noqa: F401  (registers the grade-ASSIGNMENT steps these tests read)
from grading import ANSWERS, REPO, Course, answers, error_names, scores_from_json

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


def test_generators_travel_as_their_state():
    rng = np.random.default_rng(5)
    back = roundtrip(rng)
    assert type(back) is np.random.Generator and back is not rng
    assert np.array_equal(back.random(4), rng.random(4))  # the same draws; the copy does not advance rng
    legacy = np.random.Generator(np.random.MT19937(3))
    assert np.array_equal(roundtrip(legacy).integers(0, 100, 5), legacy.integers(0, 100, 5))
    for bad in ({"t": "generator", "bit_generator": "os.system", "state": {}},
                {"t": "generator", "bit_generator": "PCG64", "state": {"t": "handle", "id": 1, "type": "x",
                                                                         "callable": False}}):
        with pytest.raises((ValueError, TypeError, KeyError)):
            remote.decode(bad, lambda h: h)


def test_callbacks_are_decoded_in_the_kernel_only():
    data = {"t": "list", "v": [{"t": "callback", "id": 3}]}
    with pytest.raises(ValueError):
        remote.decode(data, lambda h: h)  # the checker's side: a kernel cannot hand it a function to call
    (stub,) = remote.decode(data, lambda h: h, make_callback=remote.Callback)
    assert type(stub) is remote.Callback
    with pytest.raises(remote.CallbackError):
        stub(1)  # outside a kernel's request: nobody to call


def _kernel_call(func, *args, forbid=()):
    """remote's kernel side, in this process: the reply to a call request of FUNC."""
    request = {"op": "call", "target": remote.encode(func, remote._keep), "args": remote.encode(list(args)),
               "kwargs": remote.encode({}), "forbid": list(forbid)}
    return remote.handle_request(json.loads(json.dumps(request)))


def test_the_kernel_watches_a_call_for_the_packages_a_block_forbids():
    def uses_reference(a, b):
        return checks.relative_error(a, b)

    def own(a, b):
        return float(np.max(np.abs(a - b)))

    a, b = np.ones(3), np.zeros(3)
    reply = _kernel_call(uses_reference, a, b, forbid=["torch", "cnncourse"])
    assert reply["value"] == 1.0 and reply["forbidden"].startswith("cnncourse (cnncourse.checks")
    assert "forbidden" not in _kernel_call(own, a, b, forbid=["cnncourse"])  # remote's own frames are not seen
    assert "forbidden" not in _kernel_call(uses_reference, a, b)


def test_forbid_module_in_the_checker_fails_on_what_the_kernel_reports():
    previous = checks.CALLS_RUN_ELSEWHERE
    checks.CALLS_RUN_ELSEWHERE = True
    try:
        with checks.forbid_module(("torch", "cnncourse"), "f"):
            checks.relative_error(np.ones(2), np.ones(2))  # here, the test's own code: not watched
            assert checks.forbidden_packages() == ("torch", "cnncourse")
        with pytest.raises(checks.CheckFailure, match="called into cnncourse"):
            with checks.forbid_module(("torch", "cnncourse"), "f"):
                checks.report_forbidden_call("cnncourse (cnncourse.checks)")
        assert checks.forbidden_packages() == ()
    finally:
        checks.CALLS_RUN_ELSEWHERE = previous
    with pytest.raises(checks.CheckFailure, match="called into cnncourse"):  # in a notebook: watched here
        with checks.forbid_module("cnncourse", "f"):
            checks.relative_error(np.ones(2), np.ones(2))


def test_time_call_times_enough_calls():
    assert checks.calls_to_time(1e-3, 0.2) == 200 and checks.calls_to_time(5.0, 0.2) == 1
    assert checks.calls_to_time(0.0, 0.2) == checks.MAX_TIMED_CALLS
    calls = []
    seconds = checks.time_call(lambda v: calls.append(v), (1,), repeat=2, min_time=0.01)
    assert seconds > 0 and len(calls) > 2


# ------------------------------------------------------------------------------------------------
# Hostile submissions, graded for real.
# ------------------------------------------------------------------------------------------------
ATTACKED = sorted({p.parent.name for p in ANSWERS.glob("*/checker_*.py")})  # assignments with attacks
HOSTILE = {a: answers(a, "checker_") for a in ATTACKED}
CASES = [(a, answer.name) for a in ATTACKED for answer in HOSTILE[a]]


def same_as(assignment: str, name: str) -> str:
    text = (ANSWERS / assignment / f"{name}.py").read_text()
    return re.search(r"^# same-as:\s*(\S+)", text, re.M).group(1)


def _sandbox_available() -> bool:
    from sandbox import unshare_prefix
    return unshare_prefix() is not None


def graded_batch(assignment: str):
    """(course, scores, failures) of ASSIGNMENT's grading batch (test_grading.py's step grade-ASSIGNMENT)."""
    if not _sandbox_available():
        pytest.skip("no sandbox here: `unshare --net --mount` needs root or user namespaces")
    data = steps.result(f"grade-{assignment}")
    return Course(data["root"]), scores_from_json(data["scores"]), data["failures"]


def per_attacked(params):
    """Parametrize over ATTACKED (or CASES): each case reads its own assignment's grading step."""
    return [pytest.param(*((p,) if isinstance(p, str) else p), marks=pytest.mark.step(
        f"grade-{p if isinstance(p, str) else p[0]}")) for p in params]


def test_every_attack_names_a_plain_wrong_answer_that_fails_the_same_tests():
    """What makes 'scores exactly like its same-as answer' mean something: that answer is a wrong_*
    answer graded in the same batch, and both declare the same failing tests."""
    for assignment in ATTACKED:
        plain = {a.name: a for a in answers(assignment, "wrong_")}
        for attack in HOSTILE[assignment]:
            base = same_as(assignment, attack.name)
            assert base in plain, f"{assignment}/{attack.name}: same-as {base} is not a wrong_* answer"
            assert sorted(attack.expect_fail) == sorted(plain[base].expect_fail), (attack.name, base)


def by_test(scores, student):
    return {t.grade_id: t.score for t in scores[student].tests}


def hidden_lines(assignment: str) -> list[str]:
    """Every line of the hidden tests long enough to be recognised and not in the release (which shows the
    visible tests, the fully visible test cells and the setup: the outputs may quote any of those)."""
    nb = nbformat.read(REPO / "solutions" / assignment / f"{assignment}.ipynb", as_version=4)
    release = nbformat.read(REPO / "exercises" / assignment / f"{assignment}.ipynb", as_version=4)
    visible = {line.strip() for cell in release.cells for line in cell.source.splitlines()}
    hidden = set()
    for cell in nb.cells:
        if cell.metadata.get("nbgrader", {}).get("grade") and "### BEGIN HIDDEN TESTS" in cell.source:
            for part in cell.source.split("### BEGIN HIDDEN TESTS")[1:]:
                hidden.update(line.strip() for line in part.split("### END HIDDEN TESTS")[0].splitlines())
    return sorted(line for line in hidden - visible if len(line) >= 25 and not any(line in v for v in visible))


@pytest.mark.slow
@pytest.mark.parametrize("assignment", per_attacked(ATTACKED))
def test_the_solution_keeps_full_marks_in_a_batch_with_hostile_submissions(assignment):
    course, scores, failures = graded_batch(assignment)
    assert not failures, failures
    solution = scores["solution"]
    assert solution.auto_max > 0 and solution.auto_score == solution.auto_max


@pytest.mark.slow
@pytest.mark.parametrize("assignment, name", per_attacked(CASES))
def test_an_attack_earns_exactly_what_the_same_wrong_answer_earns_without_it(assignment, name):
    course, scores, failures = graded_batch(assignment)
    assert name not in failures, failures.get(name)
    baseline = same_as(assignment, name)
    assert by_test(scores, name) == by_test(scores, baseline), (by_test(scores, name), by_test(scores, baseline))
    assert scores[name].auto_score < scores[name].auto_max
    declared = next(a.expect_fail for a in HOSTILE[assignment] if a.name == name)
    failed = sorted(t.grade_id for t in scores[name].tests if t.score < t.max_score)
    assert failed == sorted(declared), f"{name} fails {failed}, declares {sorted(declared)}"


@pytest.mark.slow
@pytest.mark.parametrize("assignment", per_attacked(ATTACKED))
def test_hidden_tests_never_reach_the_graded_outputs(assignment):
    """The test cells never enter the kernel, so In, _ih, gc and the callers' frames hold no hidden test;
    the checker's error outputs show messages, not source lines."""
    course, scores, _ = graded_batch(assignment)
    lines = hidden_lines(assignment)
    assert len(lines) > 20
    for student in scores:  # every student of the batch: the release, the solution, right, wrong, hostile
        nb = nbformat.read(course.autograded_notebook(assignment, student), as_version=4)
        outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])]
        text = "\n".join(str(o.get("text", "")) + str(o.get("evalue", "")) + "\n".join(o.get("traceback", []))
                         + str(o.get("data", "")) for o in outputs)
        leaked = [line for line in lines if line in text]
        assert not leaked, f"{student}: hidden test lines in the outputs: {leaked[:3]}"
    if assignment == A:
        leak = nbformat.read(course.autograded_notebook(A, "checker_leak_hidden"), as_version=4)
        assert any("IN:" in o.get("text", "") for c in leak.cells for o in c.get("outputs", [])), \
            "the attack did not run"


def _test_output(course, assignment: str, student: str, grade_id: str) -> str:
    nb = nbformat.read(course.autograded_notebook(assignment, student), as_version=4)
    return "\n".join(str(o.get("text", "")) + str(o.get("evalue", "")) for c in nb.cells
                     if c.metadata.get("nbgrader", {}).get("grade_id") == grade_id for o in c.get("outputs", []))


@pytest.mark.slow
@pytest.mark.step(f"grade-{A}")
def test_torch_cannot_be_imported_in_the_kernel_by_any_route():
    course, scores, _ = graded_batch(A)
    for name in ("checker_torch_thread", "checker_torch_map", "checker_torch_importlib", "wrong_calls_torch"):
        text = _test_output(course, A, name, "test_conv2d_basic")
        assert "torch is not available in this exercise (NumPy only)" in text, (name, text[-2000:])
        errors = error_names(course.autograded_notebook(A, name), ["test_conv2d_basic"])["test_conv2d_basic"]
        assert errors, name


@pytest.mark.slow
@pytest.mark.step("grade-03-backprop")
def test_the_tests_functions_called_back_refuse_what_is_not_theirs():
    """Exercise 03's numerical_gradient(f, x): f runs in the grader on plain data only, during its own call."""
    course, _, _ = graded_batch("03-backprop")
    text = _test_output(course, "03-backprop", "checker_callback_abuse", "test_numerical_gradient")
    for attempt in ("f(an object) -> raised", "f(a function) -> raised", "f(the kernel's namespace) -> raised",
                    "f(a proxy of a kernel object) -> raised", "input() -> raised EOFError",
                    "a forged callback -> '{\"error\"", "a callback request that is not JSON -> '{\"error\""):
        assert attempt in text, (attempt, text[-3000:])
    after = _test_output(course, "03-backprop", "checker_callback_abuse", "test_relative_error")
    assert "f after its call ended -> raised" in after, after[-2000:]
