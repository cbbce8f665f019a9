"""benchmarks/conv_speed.py runs (--quick) and prints its table and ratios. No timing is asserted:
the speed of a shared machine says nothing about the code."""

from __future__ import annotations

import json
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


def test_conv_speed_output_writes_the_figures_and_the_machine(tmp_path):
    out_file = tmp_path / "results" / "conv_speed.json"
    proc = subprocess.run([sys.executable, str(REPO / "benchmarks" / "conv_speed.py"), "--quick", "--rounds", "1",
                           "--output", str(out_file)],
                          cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=300)
    assert proc.returncode == 0, proc.stdout[-3000:]
    record = json.loads(out_file.read_text())
    assert record["problem"]["dtype"] == "float32"
    assert {"numpy im2col (ours)", "torch conv2d + autograd", "naive loops"} <= set(record["times_ms"])
    assert record["ratios"]["ours_over_torch"] > 0 and record["ratios"]["naive_over_ours"] > 0
    assert record["machine"]["cpu"] and record["machine"]["torch_threads"] >= 1
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", record["date"])


def test_committed_figures_are_a_full_run():
    """The figures the book displays come from a full run of the benchmark, not --quick."""
    files = sorted((REPO / "benchmarks" / "results").glob("conv_speed-*.json"))
    assert files, "no committed benchmarks/results/conv_speed-*.json"
    for path in files:
        record = json.loads(path.read_text())
        assert record["benchmark"] == "benchmarks/conv_speed.py", path
        assert record["problem"] == {"N": 32, "C_in": 16, "C_out": 32, "H": 32, "W": 32, "k": 3, "padding": 1,
                                     "dtype": "float32", "pass": "forward + backward"}, path
