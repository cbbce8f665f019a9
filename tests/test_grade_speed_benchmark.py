"""benchmarks/grade_speed.py runs (--quick) and prints the grading rate of the embedded default (one worker)
and of a two-worker LocalCluster, and the speed-up. No timing is asserted: the speed of a shared machine says
nothing about the code."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from grading import REPO

pytestmark = pytest.mark.slow


def test_grade_speed_quick_prints_both_rates_and_the_speed_up():
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "grade_speed.py"), "--quick"],
                          cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=900)
    assert proc.returncode == 0, proc.stdout[-4000:]
    out = proc.stdout
    assert re.search(r"^jobs 1 \(the embedded default: a LocalCluster of 1 worker\): 4 submissions in [0-9.]+ s: "
                     r"[0-9.]+ submissions/minute$", out, re.M), out
    assert re.search(r"^jobs 2 \(a LocalCluster of 2 workers\): 4 submissions in [0-9.]+ s: "
                     r"[0-9.]+ submissions/minute$", out, re.M), out
    assert re.search(r"^speed-up jobs 2 / jobs 1: [0-9.]+x", out, re.M), out
    # the submissions are graded, not merely run: the solution earns full marks, a wrong answer less
    assert "s01_solution: 23/23" in out, out
    assert re.search(r"s04_wrong_\w+: (?!23/)[0-9.]+/23", out), out
