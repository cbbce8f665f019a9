"""Timing code the way the book, the benchmarks and exercise 04's speed test do: best of several runs.

The fastest of several runs is the figure least disturbed by whatever else the machine is doing (other
processes, the first call's caches), so it is the one to compare between implementations.
"""

from __future__ import annotations

import timeit
from typing import Callable

__all__ = ["best_time"]


def best_time(fn: Callable[[], object], number: int = 1, repeat: int = 5) -> float:
    """Seconds one call of ``fn()`` takes: the fastest of ``repeat`` runs of ``number`` calls, divided by ``number``.

    Uses :func:`timeit.repeat` (the clock is :func:`time.perf_counter`; garbage collection is off while a
    run is timed). Take ``number`` above 1 for calls of a millisecond or less, so that each run is long
    enough to measure. Warm up first where the first call is slower (caches, lazy initialisation).
    """
    if number < 1 or repeat < 1:
        raise ValueError(f"best_time needs number >= 1 and repeat >= 1, got number={number}, repeat={repeat}")
    return min(timeit.repeat(fn, number=number, repeat=repeat)) / number
