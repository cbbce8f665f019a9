"""benchmarks/train_speed.py runs end to end in --quick mode on the CPU (no timing is asserted)."""

from __future__ import annotations

import os
import subprocess
import sys

from grading import REPO


def test_train_speed_quick_prints_both_pipelines_and_ratios(tmp_path):
    env = {**os.environ, "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", "")}
    out = subprocess.run([sys.executable, str(REPO / "benchmarks" / "train_speed.py"), "--quick", "--device", "cpu",
                          "--data-root", str(tmp_path / "no-cifar-here")],
                         env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=600)
    assert out.returncode == 0, out.stdout
    text = out.stdout
    assert "SYNTHETIC" in text, "synthetic data must be labelled as such"
    for model in ("SimpleCNN", "SmallResNet"):
        assert f"ratio {model}: device pipeline / dataloader = " in text, text
    assert text.count("images/s") == 4 and text.count("s/epoch") >= 4
    assert "94,986 parameters" in text
