"""best_time: the fastest run divided by the calls in it, and every call made."""

from __future__ import annotations

import time

import pytest

from cnncourse.timing import best_time


def test_best_time_calls_number_times_repeat_and_returns_seconds_per_call():
    calls = []
    assert best_time(lambda: calls.append(1), number=3, repeat=4) < 1e-3
    assert len(calls) == 12


def test_best_time_measures_the_call():
    t = best_time(lambda: time.sleep(0.01), number=2, repeat=3)
    assert 0.009 < t < 0.2


def test_best_time_keeps_the_fastest_run():
    delays = iter([0.05, 0.0, 0.05])
    assert best_time(lambda: time.sleep(next(delays)), repeat=3) < 0.04


@pytest.mark.parametrize("kwargs", [{"number": 0}, {"repeat": 0}])
def test_best_time_rejects_empty_runs(kwargs):
    with pytest.raises(ValueError, match="number >= 1 and repeat >= 1"):
        best_time(lambda: None, **kwargs)
