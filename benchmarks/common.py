"""Timing helpers and the report line format."""

from __future__ import annotations

import time
from collections.abc import Callable


def best_of(fn: Callable[[], object], repeat: int = 5, number: int = 1) -> float:
    """The best per-call time in seconds over ``repeat`` rounds of ``number`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for _ in range(number):
            fn()
        best = min(best, (time.perf_counter() - start) / number)
    return best


def line(name: str, ours: str, limit: str, verdict: str) -> None:
    print(f"{name:<44} {ours:>22}   limit {limit:<34} {verdict}")
