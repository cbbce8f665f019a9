"""autograder/guard.py: a student's monkeypatches do not reach the checks (fast: the guarded cells run
with exec in a fresh interpreter, as the kernel runs them; tests/test_hostile.py grades for real).

Each attack is run twice: without the guard it makes a wrong answer pass (so the attack is real), with
the guard the same test fails.
"""

from __future__ import annotations

import ast
import json
import os
import subprocess
import sys

import pytest

from grading import REPO

from guard import RESTORE_POINT, defined_names, with_restore_points  # noqa: E402  (autograder/guard.py)

SETUP = "import numpy as np\nfrom cnncourse import checks\nrng = np.random.default_rng(0)\n"
CHECK = 'x = rng.standard_normal(3)\nchecks.check_close(f(x), 2 * x, "f(x)")\n'
WRONG = "def f(x):\n    return 0 * x\n"
ATTACKS = {  # name: (student cell, test cell)
    "checks_function": ("import cnncourse.checks\ncnncourse.checks.check_close = lambda *a, **k: None\n" + WRONG, CHECK),
    "checks_rebound": ("import types\nchecks = types.SimpleNamespace(check_close=lambda *a, **k: None)\n" + WRONG,
                       CHECK),
    "rng_rebound": ("import types\nrng = types.SimpleNamespace(standard_normal=lambda n: np.zeros(n))\n" + WRONG,
                    CHECK),
    "numpy_any": ("np.any = lambda *a, **k: False\n" + WRONG, CHECK),
    "numpy_allclose": ("np.allclose = lambda *a, **k: True\n" + WRONG,
                       'x = rng.standard_normal(3)\nassert np.allclose(f(x), 2 * x), "f(x) is wrong"\n'),
    "numpy_testing": ("import numpy.testing\nnumpy.testing.assert_allclose = lambda *a, **k: None\n" + WRONG,
                      "x = rng.standard_normal(3)\nnp.testing.assert_allclose(f(x), 2 * x)\n"),
    "builtins_abs": ("import builtins\nbuiltins.abs = lambda v: 0\ndef g(v):\n    return 0.0\n",
                     'assert abs(g(2.0) - 4.0) < 1e-9, "g(2) must be 4"\n'),
    "builtins_isinstance": ("import builtins\n_isinstance = isinstance\n"
                            "builtins.isinstance = lambda obj, cls: obj == 'four' or _isinstance(obj, cls)\n"
                            "def g(v):\n    return 'four'\n",
                            'assert isinstance(g(2), int), "g must return an int"\n'),
    "patched_during_the_call": ("def f(x):\n    import numpy\n    numpy.any = lambda *a, **k: False\n    return 0 * x\n",
                                CHECK),
    "namespace_builtins": ("import builtins\n__builtins__ = dict(vars(builtins), abs=lambda v: 0)\n"
                           "def g(v):\n    return 0.0\n", 'assert abs(g(2.0) - 4.0) < 1e-9, "g(2) must be 4"\n'),
    "audit_hook_patches_again": ("import sys\n" + WRONG + "def again(event, args):\n    np.any = lambda *a, **k: False\n"
                                 "again(None, None)\nsys.addaudithook(again)\n", CHECK),
    "profiler_patches_again": ("import sys\n" + WRONG + "def again(frame, event, arg):\n    np.any = lambda *a, **k: False\n"
                               "again(None, None, None)\nsys.setprofile(again)\n", CHECK),
    "torch_allclose": ("import torch\ntorch.allclose = lambda *a, **k: True\ndef h(t):\n    return 0 * t\n",
                       'import torch\nt = torch.ones(3)\nassert torch.allclose(h(t), 2 * t), "h(t) is wrong"\n'),
    "torch_tensor_method": ("import torch\ntorch.Tensor.equal = lambda self, other: True\ndef h(t):\n    return 0 * t\n",
                            'import torch\nt = torch.ones(3)\nassert h(t).equal(2 * t), "h(t) is wrong"\n'),
    # the tensor and float checks of cnncourse.checks are guarded like the NumPy ones (the whole module is)
    "checks_tensor_function": ("import cnncourse.checks, torch\ncnncourse.checks.check_tensor_close = lambda *a, **k: None\n"
                               "def h(t):\n    return 0 * t\n",
                               'import torch\nt = torch.ones(3)\nchecks.check_tensor_close(h(t), 2 * t, "h(t)")\n'),
    "torch_patched_during_the_call": ("def h(t):\n    import torch\n    torch.Tensor.any = lambda self, *a, **k: torch.tensor(False)\n"
                                      "    return 0 * t\n",
                                      'import torch\nt = torch.ones(3)\nchecks.check_tensor_close(h(t), 2 * t, "h(t)")\n'),
    "checks_float_function": ("import cnncourse.checks\ncnncourse.checks.check_float = lambda *a, **k: None\n"
                              "def g(v):\n    return 0.0\n", 'checks.check_float(g(2.0), 4.0, "g(2)")\n'),
}

RUNNER = r'''
import json, sys
import nbformat
setup, student, test, guarded = json.loads(sys.argv[1])
meta = lambda gid, **kw: {"nbgrader": {"grade_id": gid, "schema_version": 3, "task": False, **kw}}
nb = nbformat.v4.new_notebook(cells=[
    nbformat.v4.new_code_cell(setup, metadata=meta("setup", locked=True, grade=False, solution=False)),
    nbformat.v4.new_code_cell(student, metadata=meta("answer", locked=False, grade=False, solution=True)),
    nbformat.v4.new_code_cell(test, metadata=meta("test", locked=True, grade=True, solution=False, points=1)),
])
if guarded:
    from guard import GuardChecks
    nb, _ = GuardChecks().preprocess(nb, {})
namespace = {"__name__": "__main__"}
for i, cell in enumerate(nb.cells):
    try:
        exec(compile(cell.source, f"<cell {i}>", "exec"), namespace)  # IPython runs a cell with exec, too
    except Exception as err:
        if cell.metadata.get("nbgrader", {}).get("grade"):
            print(json.dumps({"test": "failed", "error": type(err).__name__}))
            sys.exit(0)
        print(f"cell {i}: {type(err).__name__}: {err}", file=sys.stderr)  # the notebook goes on
print(json.dumps({"test": "passed"}))
'''


def run(student: str, test: str, guarded: bool) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(REPO / "src"), str(REPO / "autograder")])}
    proc = subprocess.run([sys.executable, "-c", RUNNER, json.dumps([SETUP, student, test, guarded])],
                          env=env, capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr[-3000:]
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.slow
@pytest.mark.parametrize("attack", sorted(ATTACKS))
def test_a_monkeypatch_passes_without_the_guard_and_fails_with_it(attack):
    student, test = ATTACKS[attack]
    assert run(student, test, guarded=False) == {"test": "passed"}, "the attack does not work even unguarded"
    result = run(student, test, guarded=True)
    assert result["test"] == "failed" and result["error"] in ("CheckFailure", "AssertionError"), result


@pytest.mark.slow
def test_the_right_answer_still_passes_with_the_guard():
    right = "def f(x):\n    return 2 * x\n"
    assert run(right, CHECK, guarded=True) == {"test": "passed"}


def test_restore_points_go_before_every_simple_statement_on_its_own_line():
    source = ('"""doc"""\nx = 1; y = 2\nfor i in range(3):\n    if i:\n        z = f(i)\n    else: w = 0\n'
              "def helper(a):\n    return a\nchecks.check(\n    f(x),\n    'long')\n")
    out = with_restore_points(source)
    assert len(out.splitlines()) == len(source.splitlines())
    ast.parse(out)
    assert out.count(RESTORE_POINT) == 7  # docstring, x, y, z, w, return, the call
    assert "else: " + RESTORE_POINT + "w = 0" in out and "    " + RESTORE_POINT + "return a" in out
    # a loop inside a function (a timed reference implementation) pays for none; its entry has one
    timed = "def naive(n):\n    total = 0\n    for i in range(n):\n        total += i\n    return total\n"
    assert with_restore_points(timed).count(RESTORE_POINT) == 2  # total = 0, return total
    assert with_restore_points("%time x = 1\n") is None  # IPython syntax: left alone (with a warning)


def test_defined_names():
    source = ("import numpy as np\nimport os.path\nfrom cnncourse import checks\nrng = np.random.default_rng(0)\n"
              "a, (b, *c) = 1, (2, 3)\ndef helper():\n    inner = 1\nclass K:\n    pass\n")
    assert defined_names(source) == ["K", "a", "b", "c", "checks", "helper", "np", "os", "rng"]
