"""benchmarks/conv_speed.py runs (--quick) and prints its table and ratios. No timing is asserted:
the speed of a shared machine says nothing about the code."""

from __future__ import annotations

import re
import subprocess
import sys

from grading import REPO


def test_conv_speed_quick_prints_the_ratios():
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "conv_speed.py"), "--quick"],
                          cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    out = proc.stdout
    for row in ("numpy im2col (ours)", "torch conv2d + autograd", "naive loops"):
        assert row in out, f"no row for {row!r} in:\n{out}"
    assert re.search(r"torch threads: \d+", out), out
    assert re.search(r"ratio ours / torch: [0-9.]+", out), out
    assert re.search(r"ratio naive / ours: [0-9.]+", out), out
